#!/bin/sh
# A backlog of several batches, two in flight: every change arrives once,
# each case before its events, also when the second batch overtakes the first.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

start_server || exit 1
desk hubB hub-central-library || exit 1

begin "a backlog of several batches, two in flight: every change once, each case before its events"
before=$(psql_q "SELECT count(*) FROM contact")
cbefore=$(psql_q "SELECT count(*) FROM \"case\"")
ebefore=$(psql_q "SELECT count(*) FROM case_event")
log_contacts hubB 300 --service council-tax-moving --outcome referred --reason "moved house"
waiting=$(sq hubB "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
check "more than two batches wait ($waiting changes)" test "$waiting" -gt 1000
events=$(sq hubB "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND record_type = 'case_event'")
check "sync" fdc hubB sync --once
same "every contact once" "$((before + 300))" "$(psql_q "SELECT count(*) FROM contact")"
same "every case once" "$((cbefore + 300))" "$(psql_q "SELECT count(*) FROM \"case\"")"
same "every case event once" "$((ebefore + events))" "$(psql_q "SELECT count(*) FROM case_event")"
same "nothing refused" "0" "$(sq hubB "SELECT count(*) FROM outbox WHERE error IS NOT NULL")"
same "nothing waits" "0" "$(sq hubB "SELECT count(*) FROM outbox WHERE sent_at IS NULL")"
# The second batch overtakes the first (as the server is told to have it
# here): it is answered 409, the console starts again after the first, and
# all arrives.
stop_server
start_server FRONTDESKD_TEST_OUT_OF_ORDER=1 || exit 1
log_contacts hubB 300 --service council-tax-payment --outcome resolved
o409=$(grep -c 'POST /v1/push 409' "$tmp/server.log")
check "sync, the batches overtaking each other" fdc hubB sync --once
check "the overtaking batch was answered 409" test "$(grep -c 'POST /v1/push 409' "$tmp/server.log")" -gt "$o409"
same "every contact once" "$((before + 600))" "$(psql_q "SELECT count(*) FROM contact")"
same "nothing waits after" "0" "$(sq hubB "SELECT count(*) FROM outbox WHERE sent_at IS NULL")"

summary
