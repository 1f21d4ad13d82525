#!/bin/sh
# The same batch delivered twice changes nothing; a batch names the one it
# follows and is applied only once that one is held; a record the server
# refuses stays visible at the desk that made it.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

start_server || exit 1

begin "the same batch delivered twice changes nothing"
console hubC civic-centre || exit 1
# A device of its own for hand-made batches (their seqs are not a desk's).
raw_enrol civic-centre enrol.json
token=$raw_token
dev=$raw_dev
vid=01900000-0000-7000-8000-00000000aa01
kid=01900000-0000-7000-8000-00000000aa02
cat >"$tmp/batch.json" <<EOF
{"changes":[{"seq":1,"type":"visit","op":"insert","id":"$vid","body":{"id":"$vid","customer_id":null,"site":"civic-centre","channel":"phone","advisor":"cli:test","started_at":"2026-11-20T10:00:00.000Z"}},
{"seq":2,"type":"contact","op":"insert","id":"$kid","body":{"id":"$kid","visit_id":"$vid","customer_id":null,"channel":"phone","site":"civic-centre","advisor":"cli:test","service":"council-tax-payment","outcome":"resolved","failure_demand":null,"duration_s":null,"flow_id":null,"flow_version":null,"answers":null,"notes":null,"corrects":null,"device_id":"$dev","created_at":"2026-11-20T10:00:00.000Z"}},
{"seq":3,"type":"contact","op":"insert","id":"01900000-0000-7000-8000-00000000aa03","body":{"id":"01900000-0000-7000-8000-00000000aa03","visit_id":"$vid","channel":"fax","site":"civic-centre","advisor":"cli:test","service":"council-tax-payment","outcome":"resolved","device_id":"$dev","created_at":"2026-11-20T10:00:00.000Z"}}]}
EOF
post() {
	curl -sS -o "$tmp/post.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' --data-binary "@$1" "$URL/v1/push"
}
r1=$(post "$tmp/batch.json"); o1=$(cat "$tmp/post.out")
r2=$(post "$tmp/batch.json"); o2=$(cat "$tmp/post.out")
same "first delivery" "200" "$r1"
same "second delivery" "200" "$r2"
same "same answer both times" "$o1" "$o2"
same "one contact, once" "1" "$(psql_q "SELECT count(*) FROM contact WHERE id = '$kid'")"
same "the bad record is refused by name, the rest applied" "1" \
	"$(echo "$o1" | grep -c '"seq": *3, *"error": *"contact seq 3 ([^"]*): unknown channel code[^"]*", *"code": *"invalid"')"
# A batch names the one it follows; the server applies it only once that
# one is held (a console keeps two in flight).
v4=01900000-0000-7000-8000-00000000aa04
k5=01900000-0000-7000-8000-00000000aa05
k9=01900000-0000-7000-8000-00000000aa09
visit_json() { echo "{\"seq\":$1,\"type\":\"visit\",\"op\":\"insert\",\"id\":\"$2\",\"body\":{\"id\":\"$2\",\"site\":\"civic-centre\",\"channel\":\"phone\",\"advisor\":\"cli:test\",\"started_at\":\"2026-11-20T10:00:00.000Z\"}}"; }
contact_json() { echo "{\"seq\":$1,\"type\":\"contact\",\"op\":\"insert\",\"id\":\"$2\",\"body\":{\"id\":\"$2\",\"visit_id\":\"$3\",\"channel\":\"phone\",\"site\":\"civic-centre\",\"advisor\":\"cli:test\",\"service\":\"council-tax-payment\",\"outcome\":\"resolved\",\"device_id\":\"$dev\",\"created_at\":\"2026-11-20T10:00:00.000Z\"}}"; }
echo "{\"after\":3,\"changes\":[$(visit_json 4 $v4),$(contact_json 5 $k5 $v4)]}" >"$tmp/after-held.json"
echo "{\"after\":8,\"changes\":[$(contact_json 9 $k9 $v4)]}" >"$tmp/after-missing.json"
same "a batch after one held is applied" "200" "$(post "$tmp/after-held.json")"
check "and answers what is held" grep -q '"held": *5' "$tmp/post.out"
same "a batch after one not held is refused whole" "409" "$(post "$tmp/after-missing.json")"
check "named out_of_order" grep -q '"code": *"out_of_order"' "$tmp/post.out"
same "nothing of it applied" "0" "$(psql_q "SELECT count(*) FROM contact WHERE id = '$k9'")"
same "nor recorded as held" "0" "$(psql_q "SELECT count(*) FROM change_in WHERE device_id = '$dev' AND seq = 9")"
echo "{\"after\":5,\"changes\":[$(contact_json 5 $k9 $v4)]}" >"$tmp/after-bad.json"
same "the first seq must be above after" "422" "$(post "$tmp/after-bad.json")"
check "the seq is named" grep -q '"field": *"changes\[0\].seq"' "$tmp/post.out"
echo "{\"after\":\"five\",\"changes\":[$(contact_json 9 $k9 $v4)]}" >"$tmp/after-bad.json"
same "after must be a number" "422" "$(post "$tmp/after-bad.json")"
check "after is named" grep -q '"field": *"after"' "$tmp/post.out"
# A refused record made at a desk stays visible there.
fdc hubC contact log --service council-tax-payment --outcome resolved >/dev/null
sqlite3 "$tmp/hubC.db" "UPDATE outbox SET body = replace(body, '\"outcome\":\"resolved\"', '\"outcome\":\"teleported\"') WHERE record_type = 'contact' AND sent_at IS NULL"
fdc hubC sync --once >"$tmp/refused.out" 2>&1
check "refusal reported" grep -q "1 refused" "$tmp/refused.out"
fdc hubC sync --status >"$tmp/status.out" 2>&1
# (the value the desk sent is not repeated: it could be personal data)
check "sync --status lists the refused record" grep -q "unknown outcome code (value not shown) in outcome" "$tmp/status.out"
same "refused record kept" "1" "$(sq hubC "SELECT count(*) FROM outbox WHERE error IS NOT NULL")"
finish

summary
