#!/bin/sh
# Erasure from the console: confirmed by typing the word, audited, and
# nothing of the person left in the database file or its log.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
echo "$PW" | cli user add boss --role admin >/dev/null
start
sign_in boss "$PW" || exit 1
open_zoe || exit 1
# The check below means something: the name is in the file before.
cat "$db" "$db-wal" 2>/dev/null | grep -a -q "Brown" || {
	echo "  the name was never in the database file"
	exit 1
}
wait_for "Del erase" || exit 1
keys DC
wait_for "Erase this customer (right to erasure)" || exit 1
type_text "request by letter"
keys Tab
type_text "eras"
keys Enter
wait_for "not confirmed: type the word erase" || exit 1
keys C-u
type_text "erase"
keys Enter
wait_for "Erased: the record, its search entry" || exit 1
wait_for "Find a customer" || exit 1
wait_for "No customer matches" || exit 1
expect "erased in the store" "$(sql "select count(*) from customer where erased = 1")" 1 &&
	expect "erasure audited" \
		"$(sql "select actor || ' ' || detail from audit where action = 'customer.erase'")" \
		"admin:boss request by letter" || exit 1
# Nothing of the person is left in the file or its log, console running.
for f in "$db" "$db-wal"; do
	if [ -f "$f" ] && grep -a -q -e "Brown" -e "NG12 3AB" -e "900123" "$f"; then
		echo "  $(basename "$f") still holds the erased customer"
		exit 1
	fi
done
