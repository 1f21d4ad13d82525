#!/bin/sh
# The idle lock hides the customer, masks the password, and the lock key
# locks at once; both audited.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
cli config set idle_lock_minutes 5 >/dev/null
start
sign_in jsmith "$PW" || exit 1
wait_for "Find a customer" || exit 1
open_customer zoe "Zoë Brown" || exit 1
echo 2026-11-20T10:06:00Z >"$dir/now"
wait_for "This screen is locked" || exit 1
if screen | grep -q -e "Zoë" -e "NEEDS" -e "NG12"; then
	echo "  customer data shows on the locked screen"
	exit 1
fi
type_text "wrong one"
wait_for "*********" || exit 1
if screen | grep -q "wrong one"; then
	echo "  the lock screen shows the password as it is typed"
	exit 1
fi
keys Enter
wait_for "do not match" || exit 1
type_text "$PW"
keys Enter
wait_for "Customer: Zoë Brown" || exit 1
# The lock key locks at once.
keys C-l
wait_for "This screen is locked" || exit 1
wait_gone "Zoë" || exit 1
expect "lock audit" "$(sql "select count(*) from audit where action = 'user.screen-lock'")" 2 &&
	expect "unlock audit" "$(sql "select count(*) from audit where action = 'user.unlock'")" 1
