#!/bin/sh
# Reports over every hub: a supervisor gets every hub's figures through a
# session opened once; advisors, wrong passwords, other devices and bad
# arguments are refused; the desk's --org-wide and its console agree.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

two_hubs || exit 1

begin "org-wide reports: every hub's figures for a supervisor; an advisor gets 403"
printf 'supervisor-password-1\n' | "$fdd" user add rsup --role supervisor --db "$DB" >/dev/null
printf 'advisor-password-2\n' | "$fdd" user add radv --role advisor --db "$DB" >/dev/null
# A week in February 2027 that no other case logs in.
rlog() {
	hub=$1 at=$2
	shift 2
	FRONTDESK_NOW=$at fdc "$hub" contact log "$@" >/dev/null || echo "  log at $hub failed"
}
rlog hubA 2027-02-01T10:00:00Z --service council-tax-moving --outcome referred --reason 'Joint liability'
rlog hubA 2027-02-02T10:00:00Z --service council-tax-moving --outcome referred --reason 'Joint liability'
rlog hubA 2027-02-02T11:00:00Z --service waste-missed-bin --outcome resolved
rlog hubA 2027-02-06T23:30:00Z --service waste-missed-bin --outcome resolved --channel web
rlog hubB 2027-02-03T11:00:00Z --service waste-missed-bin --outcome referred --reason 'Missed twice'
rlog hubB 2027-02-04T11:00:00Z --service council-tax-moving --outcome resolved --channel phone
rlog hubB 2027-02-07T23:30:00Z --service council-tax-moving --outcome resolved
# This month has a contact too, so that the console's table below (this
# month by default) has a row above its total.
fdc hubA contact log --service council-tax-payment --outcome resolved >/dev/null
check "hub A syncs its contacts" fdc hubA sync --once
check "hub B syncs its contacts" fdc hubB sync --once
token=$(cat "$tmp/hubA.db.token")
period="from=2027-02-01&to=2027-02-07"
# local SITE HUB REPORT BY: one hub's own figures (its site's contacts) as JSON rows.
local_rows() {
	fdc "$2" report "$3" --from 2027-02-01 --to 2027-02-07 --by "$4" --site "$1" --format json
}
same "supervisor gets referrals by service" 200 "$(rget rsup supervisor-password-1 referrals "$period&by=service")"
same "scope is all hubs" "all hubs" "$(jq -r .scope "$tmp/r.json")"
a=$(local_rows civic-centre hubA referrals service | jq -c '[.rows[] | {service, contacts, referred}]')
b=$(local_rows hub-central-library hubB referrals service | jq -c '[.rows[] | {service, contacts, referred}]')
sum=$(jq -nc --argjson a "$a" --argjson b "$b" \
	'[$a + $b | group_by(.service)[] | {service: .[0].service, contacts: (map(.contacts) | add), referred: (map(.referred) | add)}]')
same "org-wide referrals are the sum of the hubs" "$sum" \
	"$(jq -c '[.rows[] | {service, contacts, referred}] | sort_by(.service)' "$tmp/r.json")"
same "org-wide total" "7 3" "$(jq -r '.rows[-1] | "\(.contacts) \(.referred)"' "$tmp/r.json")"
# The same report definitions: the numbers a desk would give for all of it.
same "fcr by site" 200 "$(rget rsup supervisor-password-1 fcr "$period&by=site")"
same "fcr per site matches each desk" \
	"$(local_rows civic-centre hubA fcr site | jq -c '.rows[0]')|$(local_rows hub-central-library hubB fcr site | jq -c '.rows[0]')" \
	"$(jq -c '.rows[0]' "$tmp/r.json")|$(jq -c '.rows[1]' "$tmp/r.json")"
same "channels by day (London days)" 200 "$(rget rsup supervisor-password-1 channels "$period&by=day")"
same "23:30 UTC on 6 Feb is still 6 Feb in winter" "1" \
	"$(jq -r '.rows[] | select(.day == "2027-02-06") | .contacts' "$tmp/r.json")"
same "a site filter" 200 "$(rget rsup supervisor-password-1 referrals "$period&site=hub-central-library")"
same "site filter total" "3 1" "$(jq -r '.rows[-1] | "\(.contacts) \(.referred)"' "$tmp/r.json")"
# Refusals: an advisor, a wrong password, no user, no token, bad input.
same "an advisor is refused" 403 "$(rget radv advisor-password-2 referrals "$period")"
same "... with a reason" "not_supervisor" "$(jq -r .code "$tmp/r.json")"
same "a wrong password opens no session" 401 "$(rsession rsup not-the-password)"
same "... the same answer as an unknown login" "$(jq -c . "$tmp/s.json")" \
	"$(rsession nobody-here not-the-password >/dev/null; jq -c . "$tmp/s.json")"
same "no session" "401 no_session" "$(curl -sS -o "$tmp/r.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$URL/v1/reports/referrals?$period") $(jq -r .code "$tmp/r.json")"
same "a made-up session" "401 bad_session" "$(curl -sS -o "$tmp/r.json" -w '%{http_code}' -H "Authorization: Bearer $token" -H "X-Frontdesk-Session: fds_made_up" "$URL/v1/reports/referrals?$period") $(jq -r .code "$tmp/r.json")"
same "a password alone is not taken any more" "401 no_session" "$(curl -sS -o "$tmp/r.json" -w '%{http_code}' -H "Authorization: Bearer $token" -H "X-Frontdesk-User: rsup" -H "X-Frontdesk-Password: supervisor-password-1" "$URL/v1/reports/referrals?$period") $(jq -r .code "$tmp/r.json")"
sup_session=$(cat "$tmp/session.$(printf '%s' "rsup:supervisor-password-1" | cksum | cut -d' ' -f1)")
tokB=$(cat "$tmp/hubB.db.token")
same "another device cannot use the session" "401 bad_session" "$(curl -sS -o "$tmp/r.json" -w '%{http_code}' -H "Authorization: Bearer $tokB" -H "X-Frontdesk-Session: $sup_session" "$URL/v1/reports/referrals?$period") $(jq -r .code "$tmp/r.json")"
same "no device token" 401 "$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Frontdesk-Session: $sup_session" "$URL/v1/reports/referrals?$period")"
same "the supervisor signed in at the server once for all these reports" "1" \
	"$(psql_q "SELECT count(*) FROM person_session WHERE login = 'rsup'")"
same "an unknown report" 404 "$(rget rsup supervisor-password-1 referals "$period")"
same "a bad date" 422 "$(rget rsup supervisor-password-1 referrals "from=2027-02-30&to=2027-03-01")"
same "an unknown argument" 422 "$(rget rsup supervisor-password-1 referrals "$period&advisor=radv")"
# Arguments are checked as the desk checks its settings: never cut short at
# a NUL, never silently replaced by a default.
same "a target out of range" "422 invalid fcr_target_percent" \
	"$(rget rsup supervisor-password-1 fcr "$period&fcr_target_percent=500") $(jq -r '"\(.code) \(.field)"' "$tmp/r.json")"
same "a NUL in a date" "422 invalid from" \
	"$(rget rsup supervisor-password-1 referrals "from=2027-02-01%00junk&to=2027-02-07") $(jq -r '"\(.code) \(.field)"' "$tmp/r.json")"
same "an argument given twice" "422 invalid from" \
	"$(rget rsup supervisor-password-1 referrals "$period&from=2027-01-01") $(jq -r '"\(.code) \(.field)"' "$tmp/r.json")"
same "an unknown site" "422 invalid site" \
	"$(rget rsup supervisor-password-1 referrals "$period&site=atlantis") $(jq -r '"\(.code) \(.field)"' "$tmp/r.json")"
same "a channel mix that is not one" "422 invalid cost_target_mix" \
	"$(rget rsup supervisor-password-1 cost "$period&cost_target_mix=web:50,fax:50") $(jq -r '"\(.code) \(.field)"' "$tmp/r.json")"
same "good settings are taken" 200 "$(rget rsup supervisor-password-1 fcr "$period&fcr_target_percent=60&fcr_repeat_days=5")"
same "POST is refused" 405 "$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" "$URL/v1/reports/referrals?$period")"
same "the server keeps serving" 200 "$(rget rsup supervisor-password-1 referrals "$period")"
check "healthz after the refusals" curl -fsS "$URL/healthz"
# The command line at a desk: the same figures, labelled all hubs.
rget rsup supervisor-password-1 referrals "$period&by=service" >/dev/null
same "frontdesk report --org-wide gives the server's rows" "$(jq -c .rows "$tmp/r.json")" \
	"$(printf 'supervisor-password-1\n' | fdc hubA --user rsup report referrals --from 2027-02-01 \
		--to 2027-02-07 --by service --org-wide --format json | jq -c .rows)"
same "... labelled all hubs" "referrals 2027-02-01..2027-02-07 by service (all hubs)" \
	"$(printf 'supervisor-password-1\n' | fdc hubA --user rsup report referrals --from 2027-02-01 \
		--to 2027-02-07 --by service --org-wide | head -1)"
printf 'advisor-password-2\n' | fdc hubA --user radv report referrals --from 2027-02-01 \
	--to 2027-02-07 --org-wide >"$tmp/adv.out" 2>&1
same "an advisor is refused at the desk" "1" "$?"
check "... with a reason" grep -q "may not see other advisors' figures or organisation-wide reports" "$tmp/adv.out"
same "... and an audit row" "advisor:radv" \
	"$(sq hubA "SELECT actor FROM audit WHERE action = 'access.denied' AND record_type = 'report'")"
# The console: o asks for the password, then shows all hubs, labelled so.
tstart hubA
twait "Sign in with your login name"
ttype rsup
tkeys Enter
ttype supervisor-password-1
tkeys Enter
twait "Find a customer"
tkeys F9
twait "Reports: this desk"
tkeys o
twait "Password:"
ttype supervisor-password-1
tkeys Enter
twait "Reports: all hubs (from the server)"
twait "(all hubs)"
twait "  total "
tkeys o
twait "Reports: this desk"
# Signed in at the server once: all hubs again without the password.
tkeys o
twait "Reports: all hubs (from the server)"
tkeys o
twait "Reports: this desk"
tstop
stop_server
finish

summary
