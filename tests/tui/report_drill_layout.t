#!/bin/sh
# The drill-down at 80x24 and resized live; UTF-8 names stay whole.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

report_drill_setup || exit 1
keys Enter
wait_for "3 contacts, as the table counts." || exit 1
expect "rows at 80x24" "$(screen | wc -l)" 24 &&
	expect "widest line" "$(screen | wc -L)" 80 &&
	expect "heading" "$(screen | grep -c 'when  *channel  *service  *outcome  *advisor  *customer')" 1 &&
	expect "key line" "$(screen | sed -n 22p)" " Up/Down PgUp/PgDn scroll  Esc back to the table  F1 keys" &&
	expect "names whole" "$(screen | grep -c -e 'Zoë Brown *$' -e 'Nguyễn Văn An *$')" 2 || exit 1
resize 120 40
expect "rows at 120x40" "$(screen | wc -l)" 40 || exit 1
wait_for "face-to-face council-tax-moving referred jsmith  Zoë Brown" || exit 1
resize 80 24
expect "rows at 80x24 again" "$(screen | wc -l)" 24 || exit 1
wait_for "3 contacts, as the table counts." || exit 1
wait_for "Zoë Brown" || exit 1
keys Escape
wait_for "> council-tax-moving" || exit 1
# Every key of the screen and of the console fits the help at 80x24.
keys F1
wait_for "lists the contacts behind its count" || exit 1
wait_for "type From and To dates" || exit 1
wait_re "Esc +back \(asks first" || exit 1
