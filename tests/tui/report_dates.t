#!/bin/sh
# Typed From and To dates: both forms, a bad date, To before From, too long.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

report_drill_setup || exit 1
keys d
wait_for "From: 01/11/2026     To: 30/11/2026" || exit 1
keys C-u
type_text "16/11/2026"
keys Tab C-u
type_text "2026-11-22"
expect "cursor in To" "$(cursor_at)" "36 21" || exit 1
keys Enter
wait_for "Period (p d [ ]): your dates 2026-11-16..2026-11-22" || exit 1
wait_for "referrals 2026-11-16..2026-11-22 by service" || exit 1
# 16-22 Nov: council tax 2 of 2, bins 1 of 1.
wait_re "^  total +3 +3 +100.0% " || exit 1
keys End Right Enter
wait_for "Contacts behind referred: every row (total), 2026-11-16..2026-11-22" || exit 1
wait_for "3 contacts, as the table counts." || exit 1
keys Escape
# A day that is not in the calendar.
# (Enter pressed in To: the cursor goes to the date at fault.)
keys d C-u
type_text "31/02/2026"
keys Tab Enter
wait_for "Problem: From '31/02/2026' is not a date; write it like 25/12/2025 or" || exit 1
expect "cursor back in From" "$(cursor_at)" "17 21" || exit 1
# To before From (Enter pressed in From).
keys C-u
type_text "20/11/2026"
keys Tab C-u
type_text "19/11/2026"
keys Tab Enter
wait_for "Problem: To 19/11/2026 is before From 20/11/2026" || exit 1
expect "cursor in To" "$(cursor_at)" "36 21" || exit 1
# Longer than a report covers.
keys Tab C-u
type_text "01/01/2016"
keys Tab C-u
type_text "20/11/2026"
keys Enter
wait_for "Problem: 01/01/2016 to 20/11/2026 is 3977 days; a report covers at most 3700" ||
	exit 1
expect "cursor in From" "$(cursor_at)" "17 21" || exit 1
expect "nothing run for a bad period" "$(screen | grep -c 'referrals 2026-11-16..2026-11-22 by service')" 1 ||
	exit 1
keys Escape
wait_for "Dates not changed." || exit 1
wait_for "Period (p d [ ]): your dates 2026-11-16..2026-11-22" || exit 1
# ] moves typed dates on by their length; p goes back to the presets.
keys "]"
wait_for "your dates +1 2026-11-23..2026-11-29" || exit 1
keys p
wait_for "Period (p d [ ]): this month 2026-11-01..2026-11-30" || exit 1
