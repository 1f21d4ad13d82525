#!/bin/sh
# An advisor is not offered export or erase; forced anyway, the store
# refuses, says so and audits it.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
start
sign_in jsmith "$PW" || exit 1
open_zoe || exit 1
if screen | grep -q -e "export" -e "erase"; then
	echo "  an advisor is shown export or erase"
	exit 1
fi
keys F1
wait_for "Keys on this screen (customer)" || exit 1
if screen | grep -q -e "export" -e "erase"; then
	echo "  the advisor's help lists export or erase"
	exit 1
fi
keys Escape
# Forced anyway: the store refuses, says so, and audits it.
keys x
wait_for "not allowed: advisor:jsmith is an advisor and may not export a" || exit 1
keys DC
wait_for "advisor and may not erase a customer" || exit 1
wait_for "Customer: Zoë Brown" || exit 1
expect "refusals audited" \
	"$(sql "select group_concat(detail, ' ') from audit where action = 'access.denied'")" \
	"export erase" &&
	expect "nothing exported" "$(sql "select count(*) from audit where action = 'customer.export'")" 0
