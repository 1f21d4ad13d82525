#!/bin/sh
# An advisor drills into their own figures only: the total of referred is
# their 2 contacts, never akhan's (Łukasz Nowak's) referral.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

report_data
home_as jsmith || exit 1
keys F9
wait_for "by service, advisor advisor:jsmith" || exit 1
keys End Right Enter
wait_for "Contacts behind referred: every row (total)" || exit 1
wait_for "2 contacts, as the table counts." || exit 1
wait_for "Zoë Brown" || exit 1
expect "other advisors' contacts" "$(screen | grep -c -e 'akhan' -e 'Łukasz')" 0 || exit 1
keys Escape g g g
wait_for "> advisor:jsmith" || exit 1
keys Left Enter
wait_for "Contacts behind contacts: advisor advisor:jsmith" || exit 1
wait_for "3 contacts, as the table counts." || exit 1
expect "still only theirs" "$(screen | grep -c -e 'akhan' -e 'Łukasz' -e 'Nguyễn')" 0 &&
	expect "audited as the advisor" "$(drill_audit | cut -d'|' -f1-3 | sort -u | tr '\n' ' ')" \
		"advisor:jsmith|customer|Zoë Brown advisor:jsmith|report| " &&
	expect "no refusals" "$(sql "select count(*) from audit where action = 'access.denied'")" 0
