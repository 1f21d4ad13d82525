#!/bin/sh
# A revoked device and a wrong or missing token get 401; the console keeps
# working offline and loses nothing; an enrolment code works once.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

start_server || exit 1
desk hubC civic-centre || exit 1
# A desk that has synced before it is revoked.
fdc hubC sync --once >/dev/null 2>&1

begin "revoked device and wrong token get 401; the console keeps working offline"
code_c=$(sq hubC "SELECT value FROM settings WHERE key = 'device_code'")
check "revoke" "$fdd" device revoke "$code_c" --db "$DB"
fdc hubC contact log --service council-tax-payment --outcome resolved >/dev/null
fdc hubC sync --once >"$tmp/revoked.out" 2>&1
same "sync fails" "1" "$?"
check "console says so plainly" grep -q "this device has been revoked by an administrator" "$tmp/revoked.out"
check "console still logs contacts" fdc hubC contact log --service council-tax-payment --outcome resolved
same "nothing lost" "2" "$(sq hubC "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND record_type = 'contact'")"
fdc hubC sync --status >"$tmp/status.out" 2>&1
check "status shows revoked" grep -q "^state *revoked" "$tmp/status.out"
same "wrong token" "401" "$(curl -s -o "$tmp/wrong.out" -w '%{http_code}' -H 'Authorization: Bearer fdt_nope' "$URL/v1/pull?after=0")"
check "wrong token named" grep -q '"code": *"bad_token"' "$tmp/wrong.out"
same "no token" "401" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/pull?after=0")"
code=$("$fdd" device add --site civic-centre --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
"$fd" --db "$tmp/hubA.db" init >/dev/null
same "enrolment code works once" "200 403" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" "$URL/v1/enrol") $(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" "$URL/v1/enrol")"
finish

summary
