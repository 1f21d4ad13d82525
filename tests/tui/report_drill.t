#!/bin/sh
# Enter on a row lists the contacts behind the focused count, with names,
# audited as the command line's --drill is; Esc goes back to the same row.
# Monochrome (NO_COLOR): the selection is the '>' marker.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

report_drill_setup NO_COLOR=1 TERM=xterm-256color || exit 1
# council-tax-moving: 3 contacts, 2 referred (hand-counted above).
wait_re "^> council-tax-moving +3 +2 " || exit 1
keys Right
wait_for "[referred]" || exit 1
keys Enter
wait_for "Contacts behind referred: service council-tax-moving, 2026-11-01..2026-11-30" ||
	exit 1
wait_for "2 contacts, as the table counts." || exit 1
wait_for "when             channel      service" || exit 1
wait_for "> 2026-11-18 10:00" || exit 1
expect "referred rows" "$(screen | grep -c '^..2026-11-1[0-9] ')" 2 &&
	expect "named row" "$(screen | grep '2026-11-18 10:00' | grep -cE 'face-to-face council-tax-mov[^ ]* +referred +jsmith +Zoë Brown *$')" 1 &&
	expect "anonymous row" "$(screen | grep '2026-11-18 11:00' | grep -c '(anonymous)')" 1 ||
	exit 1
expect "drill audited" "$(drill_audit)" "supervisor:msup|report||referrals 2026-11-01..2026-11-30 by service key council-tax-moving: contacts 2
supervisor:msup|customer|Zoë Brown|referrals" || exit 1
keys F1
wait_for "Keys on this screen (reports)" || exit 1
wait_for "back to the table, on the same row" || exit 1
keys Escape
wait_gone "Keys on this screen" || exit 1
# Back, then the next row: bins, 1 referred, Łukasz Nowak.
keys Escape
wait_re "^> council-tax-moving +3 +2 " || exit 1
keys Down Enter
wait_for "Contacts behind referred: service waste-missed-bin" || exit 1
wait_for "1 contact, as the table counts." || exit 1
wait_for "Łukasz Nowak" || exit 1
expect "bins row" "$(screen | grep -cE '^> 2026-11-19 11:00 face-to-face waste-missed-bin +referred +akhan +Łukasz Nowak *$')" 1 ||
	exit 1
keys Escape
wait_re "^> waste-missed-bin +3 +1 " || exit 1
wait_for "[referred]" || exit 1
# The contacts column: every contact of the row, the 3 of council tax.
keys Up Left
wait_for "[contacts]" || exit 1
keys Enter
wait_for "Contacts behind contacts: service council-tax-moving" || exit 1
wait_for "3 contacts, as the table counts." || exit 1
wait_for "2026-11-04 11:00" || exit 1
expect "every outcome" "$(screen | grep '2026-11-04 11:00' | grep -cE 'face-to-face council-tax-mov[^ ]* +resolved +akhan +Nguyễn Văn An *$')" 1 ||
	exit 1
expect "contacts drill audited" "$(drill_audit | tail -n 3)" "supervisor:msup|report||referrals 2026-11-01..2026-11-30 by service key council-tax-moving count contacts: contacts 3
supervisor:msup|customer|Nguyễn Văn An|referrals
supervisor:msup|customer|Zoë Brown|referrals" || exit 1
# The total row: all 3 referred.
keys Escape
wait_re "^> council-tax-moving +3 +2 " || exit 1
keys Down Down Right Enter
wait_for "Contacts behind referred: every row (total), 2026-11-01..2026-11-30" || exit 1
wait_for "3 contacts, as the table counts." || exit 1
keys Escape
wait_for "> total" || exit 1
# The weekly trend has no rows to choose.
keys w Enter
wait_for "choose a row in the table (t) or the bars (b), then press Enter" || exit 1
# Four looks, each a summary row and one row per named customer:
# 1+1 (Zoë), 1+1 (Łukasz), 1+2 (Nguyễn, Zoë), 1+2 (Zoë, Łukasz).
expect "audit rows in all" "$(drill_audit | wc -l)" 10
