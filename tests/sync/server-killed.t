#!/bin/sh
# The server killed (kill -9) in the middle of a push and restarted: the
# console retries and every contact is held exactly once.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

start_server || exit 1
desk hubA civic-centre || exit 1

begin "server killed (kill -9) mid-push, restarted: every contact exactly once"
before=$(psql_q "SELECT count(*) FROM contact")
log_contacts hubA 20 --service council-tax-payment --outcome resolved
stop_server
start_server FRONTDESKD_TEST_PUSH_DELAY_MS=3000 || exit 1
fdc hubA sync --once --retry-for 40 >"$tmp/kill.out" 2>&1 &
syncpid=$!
# Wait until the push is inside its transaction, then kill the server.
in_push() {
	[ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND (state = 'idle in transaction' OR query LIKE 'SELECT pg_sleep%')")" -gt 0 ]
}
poll "$wait_s" in_push
kill -9 "$spid"
wait "$spid" 2>/dev/null
spid=""
# The push's statements were already with PostgreSQL (one pipeline): its
# transaction may still commit or not; either way the console, never told,
# sends the batch again and the server holds each contact once.
start_server || exit 1
wait "$syncpid"
same "console retried and finished" "0" "$?"
same "every contact exactly once" "$((before + 20))" "$(psql_q "SELECT count(*) FROM contact")"
same "nothing waits at the console" "0" "$(sq hubA "SELECT count(*) FROM outbox WHERE sent_at IS NULL")"
finish

summary
