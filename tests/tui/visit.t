#!/bin/sh
# Three enquiries of one visit are kept together.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
open_customer lukasz "Łukasz Nowak" || exit 1
keys F2
type_text "moving"
keys Enter 1 C-s
wait_for "Saved: Council Tax - moving home" || exit 1
keys a
wait_for "enquiry 2 of this visit" || exit 1
type_text "missed bin"
keys Enter 1 C-s
wait_for "Saved: Missed bin collection" || exit 1
keys a
wait_for "enquiry 3 of this visit" || exit 1
type_text "benefits evidence"
keys Enter 4 C-s
wait_for "Saved: Housing Benefit and Council Tax Support - evidence" || exit 1
expect "contacts in one visit" \
	"$(sql "select count(*) || ' in ' || count(distinct visit_id) from contact k join customer c on c.id = k.customer_id where c.name = 'Łukasz Nowak'")" \
	"3 in 1"
