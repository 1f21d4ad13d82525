#!/bin/sh
# Sync runs off the typing path: no stall while a slow push is in flight;
# SIGTERM stops the server cleanly.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

start_server || exit 1
desk hubB hub-central-library || exit 1

begin "sync runs off the typing path: no stall while a slow push is in flight"
log_contacts hubB 10 --service council-tax-payment --outcome resolved
stop_server
start_server FRONTDESKD_TEST_PUSH_DELAY_MS=1500 || exit 1
fdc hubB sync --background 20 >"$tmp/bg.out" 2>&1
worst=$(sed -n 's/.*longest wait \([0-9.]*\) ms.*/\1/p' "$tmp/bg.out")
check "background sync finished" grep -q "online, 0 waiting" "$tmp/bg.out"
check "longest wait under 50 ms (was ${worst:-?} ms) during a 1.5 s push" \
	sh -c "[ \"\$(echo '${worst:-999} < 50' | bc)\" = 1 ]"
stop_server
check "SIGTERM stops the server cleanly" grep -q "frontdeskd: stopped" "$tmp/server.log"
finish

summary
