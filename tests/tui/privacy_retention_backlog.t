#!/bin/sh
# A backlog of retention too big to apply while someone types is counted
# and left for out of hours.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

cli init --site civic-centre >/dev/null || exit 1
cli demo generate --customers 300 --contacts 10 --seed 1 >/dev/null || exit 1
echo "$PW" | cli user add jsmith --role advisor >/dev/null
# Years of backlog: too many erasures to do while someone types.
echo 2033-11-21T10:00:00Z >"$dir/now"
start
wait_for "Sign in with your login name" || exit 1
wait_for "retention not applied: 300 erasures due; ask IT to run it out of hours" || exit 1
expect "counted, nothing changed" \
	"$(sql "select group_concat(action, ' ') from audit where action like 'retention.%'")" \
	"retention.check" &&
	expect "nobody erased" "$(sql "select count(*) from customer where erased = 1")" 0
