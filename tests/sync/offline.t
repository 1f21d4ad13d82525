#!/bin/sh
# Contacts logged while the server is down wait in the outbox and arrive
# once when it is back.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

start_server || exit 1
desk hubB hub-central-library || exit 1

begin "contacts logged offline all arrive once"
stop_server
before=$(psql_q "SELECT count(*) FROM contact")
log_contacts hubB 25 --service council-tax-payment --outcome resolved --channel phone
fdc hubB sync --once >"$tmp/offline.out" 2>&1
same "offline sync fails plainly" "1" "$(grep -c 'working offline' "$tmp/offline.out")"
same "nothing lost while offline" "25" "$(sq hubB "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND record_type = 'contact'")"
start_server || exit 1
check "sync after reconnecting" fdc hubB sync --once
same "all 25 arrive" "$((before + 25))" "$(psql_q "SELECT count(*) FROM contact")"
check "sync again" fdc hubB sync --once
same "and only once" "$((before + 25))" "$(psql_q "SELECT count(*) FROM contact")"
same "nothing waits" "0" "$(sq hubB "SELECT count(*) FROM outbox WHERE sent_at IS NULL")"
finish

summary
