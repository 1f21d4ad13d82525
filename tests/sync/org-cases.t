#!/bin/sh
# The cases report over every hub: working days, bank holidays and pauses
# counted as at the desk, pauses made at the desk and centrally.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

org_hubs || exit 1
# The cases are raised while the server is away.
stop_server

begin "org-wide cases report: working days, bank holidays and pauses as at the desk"
# Cases raised from Monday 26 April 2027; Monday 3 May is a bank holiday.
# raise HUB TIME SERVICE: a referral at a desk; prints its case reference.
raise() {
	FRONTDESK_NOW=$2 fdc "$1" contact log --service "$3" --outcome referred \
		--reason "Needs the back office" | sed -n 's/^case \([A-Z0-9]*-[0-9]*\).*/\1/p'
}
# central TIME REF STATUS: a status change at the centre (the back office).
central() {
	FRONTDESK_NOW=$1 "$fdd" case update "$2" --status "$3" --note "Back office" \
		--result "Done by the back office" --db "$DB" >/dev/null ||
		echo "  central update of $2 to $3 failed"
}
k1=$(raise hubA 2027-04-28T10:00:00Z council-tax-payment)
k2=$(raise hubB 2027-04-27T10:00:00Z waste-missed-bin)
k3=$(raise hubA 2027-04-26T10:00:00Z council-tax-moving)
k4=$(raise hubA 2027-04-29T10:00:00Z waste-missed-bin)
k5=$(raise hubB 2027-04-30T10:00:00Z waste-missed-bin)
printf 'case-password-7\n' | "$fdd" user add kcase --role advisor --db "$DB" >/dev/null
start_server || exit 1
check "hub B syncs its cases" fdc hubB sync --once
check "hub A syncs its cases and the new user" fdc hubA sync --once
# Due dates by hand, in working days: weekends and 3 May do not count.
same "due dates at the desks" "$k1 2027-05-06|$k2 2027-04-29|$k3 2027-05-11|$k4 2027-05-04|$k5 2027-05-05" \
	"$(for k in $k1 $k2 $k3 $k4 $k5; do
		sq hubA "SELECT reference || ' ' || due_date FROM \"case\" WHERE reference = '$k'"
	done | paste -sd '|')"
# K1: paused centrally Fri 30 Apr to Wed 5 May (2 working days: 4 and 5
# May), closed Mon 10 May, so due 6 May + 2 = 10 May: within; 7 working
# days less 2 paused = 5. K2: closed centrally Tue 4 May, due 29 Apr: late;
# 4 working days. K4: waiting on the customer since 4 May: not overdue.
central 2027-04-30T09:00:00Z "$k1" awaiting-customer
central 2027-05-05T09:00:00Z "$k1" in-progress
central 2027-05-10T09:00:00Z "$k1" closed
central 2027-05-04T09:00:00Z "$k2" closed
central 2027-05-04T09:00:00Z "$k4" awaiting-customer
# K6, in hub A's console: a missed bin raised and paused on Tue 27 April
# (due 29 April), in progress again Thu 6 May (6 working days waited: due
# 10 May), closed Mon 10 May: within; 8 working days less 6 = 2.
# tdesk: kcase signs in at hub A's console, at the time in $tmp/now.
tdesk() {
	tstart hubA "FRONTDESK_NOW_FILE='$tmp/now'"
	twait "Sign in with your login name" && ttype kcase && tkeys Enter &&
		ttype case-password-7 && tkeys Enter && twait "Find a customer"
}
# tcase KEYS STATUS [RESULT]: kcase's one open case to STATUS.
# shellcheck disable=SC2086 # KEYS are several keys, one a word
tcase() {
	tkeys F3 && twait "Cases: Mine (1)" && tkeys Enter && twait "Case $k6" &&
		tkeys s $1 Tab && ttype "Spoke to the customer" &&
		if [ -n "${3:-}" ]; then tkeys Tab && ttype "$3"; fi &&
		tkeys C-s && twait "is now $2"
	tstop
}
echo 2027-04-27T10:00:00Z >"$tmp/now"
tdesk
tkeys F2
ttype "missed bin"
tkeys Enter 2 Tab Tab
ttype "Not collected twice"
tkeys C-s
twait "Reference "
k6=$(sq hubA "SELECT c.reference FROM \"case\" c JOIN contact k ON k.id = c.contact_id WHERE k.advisor = 'kcase'")
same "due at the desk" "2027-04-29" "$(sq hubA "SELECT due_date FROM \"case\" WHERE reference = '$k6'")"
tkeys Enter
tcase "Right Right" awaiting-customer
echo 2027-05-06T10:00:00Z >"$tmp/now"
tdesk
tcase Left in-progress
same "the pause moved the due date at the desk" "2027-05-10 6" \
	"$(sq hubA "SELECT due_date || ' ' || paused_days FROM \"case\" WHERE reference = '$k6'")"
echo 2027-05-10T10:00:00Z >"$tmp/now"
tdesk
tcase "Right Right" closed "Collected on Monday"
check "hub A pushes its changes" fdc hubA sync --once
check "hub B pulls the centre's" fdc hubB sync --once
check "hub A pulls the centre's" fdc hubA sync --once
same "the desk's pause reached the server" "closed 2027-05-10 6" \
	"$(psql_q "SELECT status || ' ' || (body->>'due_date') || ' ' || (body->>'paused_days') FROM \"case\" WHERE reference = '$k6'")"
stop_server
# "Today" is Tuesday 11 May: K3 (due 11 May, thanks to the holiday) is not
# yet overdue, K5 (due 5 May) is.
start_server FRONTDESK_NOW=2027-05-11T12:00:00Z || exit 1
cperiod="from=2027-04-26&to=2027-05-02"
# cases_rows: the rows of $tmp/r.json as "label cases open overdue closed within pct avg".
cases_rows() {
	jq -r '.rows[] | [.[keys_unsorted[0]], .cases, .open, .overdue, .closed,
		.closed_within_standard, (.within_standard_pct // "n/a"),
		(.avg_working_days // "n/a")] | map(tostring) | join(" ")' "$tmp/r.json" | paste -sd '|'
}
same "cases by team" 200 "$(rget rsup supervisor-password-1 cases "$cperiod&by=team")"
same "figures by team, by hand" \
	"revenues 2 1 0 1 1 100 5|waste 4 2 1 2 1 50 3|total 6 3 1 3 2 66.7 3.7" \
	"$(cases_rows)"
server_team=$(jq -c .rows "$tmp/r.json")
same "cases by service" 200 "$(rget rsup supervisor-password-1 cases "$cperiod&by=service")"
same "figures by service, by hand" \
	"council-tax-moving 1 1 0 0 0 n/a n/a|council-tax-payment 1 0 0 1 1 100 5|waste-missed-bin 4 2 1 2 1 50 3|total 6 3 1 3 2 66.7 3.7" \
	"$(cases_rows)"
server_service=$(jq -c .rows "$tmp/r.json")
same "the desk at hub A, which holds every hub's cases, agrees by team" "$server_team" \
	"$(FRONTDESK_NOW=2027-05-11T12:00:00Z fdc hubA report cases --from 2027-04-26 --to 2027-05-02 --by team --format json | jq -c .rows)"
same "... and by service" "$server_service" \
	"$(FRONTDESK_NOW=2027-05-11T12:00:00Z fdc hubA report cases --from 2027-04-26 --to 2027-05-02 --by service --format json | jq -c .rows)"
same "a site: hub B's cases, through the contacts that raised them" 200 \
	"$(rget rsup supervisor-password-1 cases "$cperiod&site=hub-central-library")"
same "hub B's figures, by hand" "waste 2 1 1 1 0 0 4|total 2 1 1 1 0 0 4" "$(cases_rows)"
same "... as hub B's desk gives them" "$(jq -c .rows "$tmp/r.json")" \
	"$(FRONTDESK_NOW=2027-05-11T12:00:00Z fdc hubB report cases --from 2027-04-26 --to 2027-05-02 --site hub-central-library --format json | jq -c .rows)"
same "grouped by site: refused as at a desk" 422 "$(rget rsup supervisor-password-1 cases "$cperiod&by=site")"
same "an advisor is refused" 403 "$(rget kcase case-password-7 cases "$cperiod")"
# Without bank holidays the working days would be wrong: refused, not guessed.
psql_q "CREATE TABLE holiday_keep AS SELECT * FROM bank_holiday; DELETE FROM bank_holiday"
same "no bank holidays held: refused" 422 "$(rget rsup supervisor-password-1 cases "$cperiod")"
check "... saying how to load them" grep -q "frontdeskd data load DIR" "$tmp/r.json"
psql_q "INSERT INTO bank_holiday SELECT * FROM holiday_keep; DROP TABLE holiday_keep"
same "the other reports do not need them" 200 "$(rget rsup supervisor-password-1 referrals "$cperiod")"
stop_server
finish

summary
