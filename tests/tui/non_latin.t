#!/bin/sh
# Non-Latin names are typed, stored, found and lined up by display width.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
keys F5
wait_for "New customer" || exit 1
type_text "王芳 عائشةx"
keys BSpace
keys Tab Tab Tab
type_text "de7 4ra"
keys C-s
wait_for "Customer: 王芳 عائشة" || exit 1
expect "name stored" "$(sql "select name || '|' || postcode from customer where name like '王%'")" \
	"王芳 عائشة|DE7 4RA" || exit 1
keys Escape
wait_for "Find a customer" || exit 1
keys C-u
type_text "王芳"
wait_for "> 王芳 عائشة" || exit 1
# Columns line up by display width: "王芳 عائشة" is 10 columns (王 and 芳
# take two each), padded to the 14-column name column, then 2 + 10
# (born) + 2 blanks before the postcode: 18 spaces in all.
gap=$(screen | sed -n 's/^> 王芳 عائشة\( *\)DE7 4RA.*/\1/p' | tr -d '\n' | wc -c)
expect "blanks between the name and its postcode" "$gap" 18
