#!/bin/sh
# The customer form offers the addresses at a postcode from the council's
# gazetteer: choosing one fills the address and the UPRN (cursor on the
# chosen row, NO_COLOR).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
cli data load --gazetteer "$repo/tests/data/gazetteer/llpg.csv" >/dev/null || exit 1
start NO_COLOR=1 TERM=xterm-256color
sign_in jsmith "$PW" || exit 1
wait_for "Find a customer" || exit 1
type_text "Ada Lovelace"
keys F5
wait_for "New customer" || exit 1
keys Tab Tab Tab
wait_for "Enter lists its addresses" || exit 1
type_text "ng11aa"
keys Enter
wait_for "Addresses at NG1 1AA" || exit 1
wait_for "4 in the gazetteer" || exit 1
wait_re "^> *2 High Street +Nottingham +100031234504" || exit 1
expect "cursor on the chosen row" "$(cursor_at)" "0 3" || exit 1
keys Down Down
wait_re "^> *Flat 2, 12 High Street +Nottingham +100031234502" || exit 1
expect "cursor follows" "$(cursor_at)" "0 5" || exit 1
keys Enter
wait_for "New customer" || exit 1
wait_for "Flat 2, 12 High Street, Nottingham" || exit 1
wait_re "^ *UPRN +100031234502" || exit 1
wait_re "^>phone" || exit 1
keys C-s
wait_for "Saved the new customer." || exit 1
expect "customer row" \
	"$(sql "select address || '|' || postcode || '|' || uprn from customer where name = 'Ada Lovelace'")" \
	"Flat 2, 12 High Street, Nottingham|NG1 1AA|100031234502"
