#!/bin/sh
# Bad requests get the right 4xx with the field named, and the server keeps
# serving and logs one line a request with no personal data.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

start_server || exit 1
desk hubA civic-centre || exit 1
# A person the server has seen, for the log check at the end.
fdc hubA customer add --name "Priya Patel" --email "priya@example.com" >/dev/null
check "hub A sends a customer" fdc hubA sync --once

begin "bad requests get the right 4xx with the field named; the server keeps serving"
tokA=$(cat "$tmp/hubA.db.token")
req() {
	# req EXPECTED-STATUS EXPECTED-CODE CURL-ARGS...
	want=$1
	wantcode=$2
	shift 2
	got=$(curl -s -o "$tmp/req.out" -w '%{http_code}' -H "Authorization: Bearer $tokA" "$@" "$URL/v1/push")
	same "status for $wantcode" "$want" "$got"
	if ! grep -q "\"code\": *\"$wantcode\"" "$tmp/req.out"; then
		echo "  not ok: body names $wantcode: $(cat "$tmp/req.out")"
		case_ok=0
	fi
}
J='Content-Type: application/json'
req 400 bad_json -H "$J" --data-binary '{"changes": [}'
req 400 bad_json -H "$J" --data-binary '{"changes": [], "changes": []}'
printf '{"changes":"\377\376"}' >"$tmp/bad-utf8.json"
req 400 bad_utf8 -H "$J" --data-binary "@$tmp/bad-utf8.json"
req 422 wrong_type -H "$J" --data-binary '{"changes": "all of them"}'
req 422 wrong_type -H "$J" --data-binary '{"changes": [{"seq": "1", "type": "contact", "op": "insert", "id": "x", "body": {}}]}'
req 422 unknown_field -H "$J" --data-binary '{"changes": [], "colour": "blue"}'
req 400 too_deep -H "$J" --data-binary '{"changes": [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]}'
req 415 media_type -H 'Content-Type: text/plain' --data-binary '{}'
head -c 3000000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
req 413 too_big -H "$J" --data-binary "@$tmp/big.json"
same "unknown field named" "1" "$(curl -s -H "Authorization: Bearer $tokA" -H "$J" --data-binary '{"changes": [], "colour": 1}' "$URL/v1/push" | grep -c '"field": *"colour"')"
same "bad cursor named" "422" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tokA" "$URL/v1/pull?after=minus-one")"
same "still serving" "200" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")"
check "still syncing" fdc hubA sync --once
check "one log line per request, no personal data" sh -c "grep -q 'POST /v1/push 413' '$tmp/server.log' && ! grep -q 'Priya' '$tmp/server.log'"
finish

summary
