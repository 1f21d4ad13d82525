#!/bin/sh
# Five wrong passwords lock the user for five minutes, even against the
# right password; the lock passes with the clock.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
start
wait_for "Sign in with your login name" || exit 1
type_text locky
keys Enter
n=1
while [ $n -le 5 ]; do
	type_text "not it $n"
	keys Enter
	if [ $n -lt 5 ]; then
		wait_for "do not match" || exit 1
		tmux -L "$sock" send-keys -t main C-u
	fi
	n=$((n + 1))
done
wait_for "user 'locky' is locked for 5 minutes" || exit 1
# The right password does not open a locked user.
type_text "$PW"
keys Enter
wait_for "is locked after 5 wrong passwords; try again in 5 minutes" || exit 1
expect "lock audit" "$(sql "select count(*) from audit where action = 'user.locked'")" 1 &&
	expect "locked until" "$(sql "select locked_until from user where login = 'locky'")" \
		"2026-11-20T10:05:00.000Z" || exit 1
# Five minutes on, the lock has passed.
echo 2026-11-20T10:05:01Z >"$dir/now"
type_text "$PW"
keys Enter
wait_for "Find a customer" || exit 1
wait_for "locky (advisor)"
