#!/bin/sh
# Search as the advisor types: names with or without accents, postcodes,
# phone numbers; opening a customer is audited and shows their needs.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
type_text "zo"
wait_for "> Zoë Brown" || exit 1
keys C-u
type_text "ng12 3"
wait_for "Zoë Brown" || exit 1
keys C-u
type_text "07700 900"
wait_for "Zoë Brown" || exit 1
keys C-u
type_text "łuk"
wait_for "Łukasz Nowak" || exit 1
keys C-u
type_text "nguyen"
wait_for "Nguyễn Văn An" || exit 1
keys Enter
wait_for "Customer: Nguyễn Văn An" || exit 1
keys Escape C-u
open_customer zoe "Zoë Brown" || exit 1
wait_for "!! NEEDS: hearing impaired" || exit 1
expect "view audit" "$(sql "select count(*) from audit where action = 'customer.view'")" 2
