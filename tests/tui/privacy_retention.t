#!/bin/sh
# The retention schedule is applied by the console once a day, at sign-in
# or at the first idle moment after midnight.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
cli contact log --service council-tax-moving --outcome resolved \
	--customer "$(sql "select id from customer where name = 'Zoë Brown'")" >/dev/null
# Seven years on: the schedule (data/retention.csv) makes the old contact
# anonymous and erases customers with nothing in six years.
echo 2033-11-21T10:00:00Z >"$dir/now"
start
wait_for "Sign in with your login name" || exit 1
wait_for "Retention schedule applied:" || exit 1
expect "counted, then applied once, by the console" \
	"$(sql "select group_concat(actor || ' ' || action, ', ') from audit where action like 'retention.%'")" \
	"console:retention retention.check, console:retention retention.apply" &&
	expect "customers erased" "$(sql "select count(*) from customer where erased = 1")" 3 &&
	expect "contact anonymised" "$(sql "select count(*) from contact where customer_id is null")" 1 ||
	exit 1
# Signing in is not slowed or refused by it; the same day it does not run again.
sign_in jsmith "$PW" || exit 1
wait_for "Find a customer" || exit 1
echo 2033-11-21T23:59:00Z >"$dir/now"
keys C-l
wait_for "This screen is locked" || exit 1
expect "still once" "$(sql "select count(*) from audit where action = 'retention.apply'")" 1 ||
	exit 1
# After midnight in London, the first idle moment applies it again.
echo 2033-11-22T00:01:00Z >"$dir/now"
poll sql_is "select count(*) from audit where action = 'retention.apply'" 2
expect "again the next day" "$(sql "select count(*) from audit where action = 'retention.apply'")" 2
