#!/bin/sh
# Audited first-contact resolution over every hub: a repeat at another hub
# or after the period undoes a resolution; a correction neither counts
# nor undoes.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

org_hubs || exit 1

begin "org-wide audited FCR: repeats at other hubs and after the period; corrections"
# One customer, the week of Monday 7 June 2027.
fcust=$(fdc hubA customer add --name "Ffion Ap-Rhys" --postcode "NG7 1AA" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1)
check "hub A sends the customer" fdc hubA sync --once
check "hub B has the customer" fdc hubB sync --once
# flog HUB TIME SERVICE OUTCOME [ARGS...]: a contact from the customer; prints its visit.
flog() {
	hub=$1 at=$2 service=$3 outcome=$4
	shift 4
	FRONTDESK_NOW=$at fdc "$hub" contact log --customer "$fcust" --service "$service" \
		--outcome "$outcome" "$@" | sed -n 's/^visit \([0-9a-f-]*\).*/\1/p'
}
# A: resolved; B's contact about the same service 3 days later undoes it.
flog hubA 2027-06-07T10:00:00Z council-tax-payment resolved >/dev/null
flog hubB 2027-06-10T10:00:00Z council-tax-payment resolved >/dev/null
# C: resolved on Saturday; a referral on Monday 14th, after the period, undoes it.
flog hubA 2027-06-12T10:00:00Z waste-missed-bin resolved >/dev/null
flog hubA 2027-06-14T09:00:00Z waste-missed-bin referred --reason "Still not collected" >/dev/null
# E and G: two enquiries of one visit about the same service: no repeat.
fvisit=$(flog hubA 2027-06-08T10:00:00Z general-enquiry resolved)
flog hubA 2027-06-08T10:05:00Z general-enquiry resolved --visit "$fvisit" >/dev/null
# H: anonymous, at hub B.
FRONTDESK_NOW=2027-06-11T10:00:00Z fdc hubB contact log --service council-tax-payment --outcome resolved >/dev/null
check "hub A sends its contacts" fdc hubA sync --once
check "hub B sends its contacts" fdc hubB sync --once
# X: another visit about the general enquiry (it would undo E and G), but
# corrected by Y (a complaint, signposted): X neither counts nor undoes.
raw_enrol civic-centre enrol-fcr.json
ftoken=$raw_token
fdev=$raw_dev
xv=01900000-0000-7000-8000-0000000fc001
xid=01900000-0000-7000-8000-0000000fc002
yid=01900000-0000-7000-8000-0000000fc003
cat >"$tmp/fcr-batch.json" <<EOF
{"changes":[{"seq":1,"type":"visit","op":"insert","id":"$xv","body":{"id":"$xv","customer_id":"$fcust","site":"civic-centre","channel":"phone","advisor":"cli:test","started_at":"2027-06-09T10:00:00.000Z"}},
{"seq":2,"type":"contact","op":"insert","id":"$xid","body":{"id":"$xid","visit_id":"$xv","customer_id":"$fcust","channel":"phone","site":"civic-centre","advisor":"cli:test","service":"general-enquiry","outcome":"resolved","device_id":"$fdev","created_at":"2027-06-09T10:00:00.000Z"}},
{"seq":3,"type":"contact","op":"insert","id":"$yid","body":{"id":"$yid","visit_id":"$xv","customer_id":"$fcust","channel":"phone","site":"civic-centre","advisor":"cli:test","service":"complaint","outcome":"signposted","corrects":"$xid","device_id":"$fdev","created_at":"2027-06-09T11:00:00.000Z"}}]}
EOF
same "the correction is taken" 200 "$(curl -sS -o "$tmp/post.out" -w '%{http_code}' -H "Authorization: Bearer $ftoken" \
	-H 'Content-Type: application/json' --data-binary "@$tmp/fcr-batch.json" "$URL/v1/push")"
same "... all of it" "0" "$(grep -c '"error"' "$tmp/post.out")"
fperiod="from=2027-06-07&to=2027-06-13"
# fcr_rows: "label contacts resolved fcr audited audited_fcr" for each row.
fcr_rows() {
	jq -r '.rows[] | [.[keys_unsorted[0]], .contacts, .resolved, (.fcr_pct // "n/a"),
		.resolved_audited, (.fcr_audited_pct // "n/a")] | map(tostring) | join(" ")' "$tmp/r.json" |
		paste -sd '|'
}
# Civic centre: A C E G Y; resolved A C E G; A and C undone. Central
# library: B H, both stand.
same "fcr by site" 200 "$(rget rsup supervisor-password-1 fcr "$fperiod&by=site")"
same "figures by hand" "civic-centre 5 4 80 2 40|hub-central-library 2 2 100 2 100|total 7 6 85.7 4 57.1" "$(fcr_rows)"
same "one site: its contacts, repeats anywhere" 200 \
	"$(rget rsup supervisor-password-1 fcr "$fperiod&site=civic-centre&by=service")"
same "... by service, by hand" "complaint 1 0 0 0 0|council-tax-payment 1 1 100 0 0|general-enquiry 2 2 100 2 100|waste-missed-bin 1 1 100 0 0|total 5 4 80 2 40" "$(fcr_rows)"
# Hub B's desk sees no repeat either: it agrees. (Hub A's desk does not
# see B's contact, so it keeps A; that is why the org-wide figure exists.)
same "hub B's site" 200 "$(rget rsup supervisor-password-1 fcr "$fperiod&site=hub-central-library")"
same "... as hub B's desk gives it" "$(jq -c .rows "$tmp/r.json")" \
	"$(fdc hubB report fcr --from 2027-06-07 --to 2027-06-13 --site hub-central-library --format json | jq -c .rows)"
stop_server
finish

summary
