#!/bin/sh
# Needs and support travel with the customer: a customer with needs and
# their basis (Article 9) recorded at one desk reaches another through the
# server, field for field; the server checks the needs against the needs it
# loaded (frontdeskd data load) and refuses, per record, a need it does not
# know. Real frontdeskd, PostgreSQL and desks (see lib.sh). Ends with
# "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

# shellcheck disable=SC2119 # no environment to add
start_server || exit 1
console deskA civic-centre || { cat "$tmp/deskA.enrol"; exit 1; }
console deskB hub-central-library || { cat "$tmp/deskB.enrol"; exit 1; }

begin "a customer with needs and their basis reaches a second desk through the server"
ann=$(fdc deskA customer add --name "Ann Needs" --postcode "NG7 3AB" \
	--needs "bsl,carer:Tom Needs,interpreter:Polish,prefers:post" --needs-basis consent)
check "desk A sends it" fdc deskA sync --once
check "the server holds the needs and the basis" server_customer_state "$ann"
same "... as the desk sent them" \
	"bsl,carer:Tom Needs,interpreter:Polish,prefers:post|consent" \
	"$(tail -1 "$tmp/srvview.pull" | jq -r '"\(.fields.needs)|\(.fields.needs_basis)"')"
check "desk B pulls" fdc deskB sync --once
same "desk B has the needs and the basis" \
	"bsl,carer:Tom Needs,interpreter:Polish,prefers:post|consent" \
	"$(sq deskB "SELECT needs || '|' || needs_basis FROM customer WHERE id = '$ann'")"
same "... each stamped at the server" "true" \
	"$(tail -1 "$tmp/srvview.pull" | jq -r '.hlc.needs != null and .hlc.needs_basis != null')"
check "desk B shows them" sh -c "'$fd' --db '$tmp/deskB.db' customer show '$ann' | grep -q '^needs basis  *consent'"
finish

begin "the basis merges like any field: changed at desk B, it reaches desk A"
check "desk B records vital interests" fdc deskB customer edit "$ann" --needs-basis vital-interests
check "desk B sends it" fdc deskB sync --once
check "desk A pulls" fdc deskA sync --once
same "desk A's basis" "vital-interests" "$(sq deskA "SELECT needs_basis FROM customer WHERE id = '$ann'")"
same "desk A's needs unchanged" "bsl,carer:Tom Needs,interpreter:Polish,prefers:post" \
	"$(sq deskA "SELECT needs FROM customer WHERE id = '$ann'")"
finish

begin "a need the server has not loaded is refused for that record only"
mkdir -p "$tmp/council"
cp "$repo"/data/*.csv "$tmp/council/"
printf 'hearing-loop,uses a hearing loop,none,no\n' >>"$tmp/council/needs.csv"
check "desk A loads a longer list than the server's" fdc deskA data load "$tmp/council"
eve=$(fdc deskA customer add --name "Eve Loop" --needs hearing-loop --needs-basis consent)
bob=$(fdc deskA customer add --name "Bob Plain" --needs hearing --needs-basis consent)
fdc deskA sync --once >"$tmp/eve.sync" 2>&1
check "... and the desk says so" grep -q "1 refused" "$tmp/eve.sync"
same "Eve is refused as an unknown need, naming no value" "1" \
	"$(sq deskA "SELECT count(*) FROM outbox WHERE record_id = '$eve' AND error LIKE '%fields.needs: needs flag%is not known%' AND error NOT LIKE '%Eve%'")"
same "Bob is taken" "1" "$(sq deskA "SELECT count(*) FROM outbox WHERE record_id = '$bob' AND sent_at IS NOT NULL AND error IS NULL")"
check "the server loads the council's list" "$fdd" data load "$tmp/council" --db "$DB"
check "desk B pulls" fdc deskB sync --once
same "desk B has Bob, not Eve" "1 0" \
	"$(sq deskB "SELECT (SELECT count(*) FROM customer WHERE id = '$bob') || ' ' || (SELECT count(*) FROM customer WHERE id = '$eve')")"
finish

summary
