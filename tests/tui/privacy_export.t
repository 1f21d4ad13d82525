#!/bin/sh
# Subject access from the console: JSON and CSV, private files, an
# existing file kept, both exports audited.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
echo "$PW" | cli user add msup --role supervisor >/dev/null
start
sign_in msup "$PW" || exit 1
open_zoe || exit 1
wait_for "x export" || exit 1
keys x
wait_for "Subject access: export everything held about this customer" || exit 1
wait_for "subject-access-" || exit 1
keys C-u
type_text "$dir/zoe.json"
keys Enter
wait_for "Write this customer's data to $dir/zoe.json?" || exit 1
keys y
wait_for "Exported (JSON) to" || exit 1
wait_for "Customer: Zoë Brown" || exit 1
# CSV: the suggested name follows the format; an existing file is kept.
keys x
wait_for "subject-access-" || exit 1
keys BTab Right
wait_for ".csv" || exit 1
keys Tab C-u
type_text "$dir/zoe.json"
keys Enter y
wait_for "a file of that name exists already" || exit 1
keys C-u
type_text "$dir/zoe.csv"
keys Enter y
wait_for "Exported (CSV) to" || exit 1
expect "json holds the record" \
	"$(grep -c '"name": "Zoë Brown"' "$dir/zoe.json")" 1 &&
	expect "csv header" "$(head -n 1 "$dir/zoe.csv" | tr -d '\r')" \
		"section,record,at,field,value" &&
	expect "only the owner reads it" "$(stat -c %a "$dir/zoe.json")" 600 &&
	expect "export audited" \
		"$(sql "select actor || ' ' || detail from audit where action = 'customer.export' order by seq")" \
		"supervisor:msup json
supervisor:msup csv"
