#!/bin/sh
# An anonymous flow from home: personal answers are left out of the contact.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
keys F7
wait_for "Anonymous enquiry" || exit 1
type_text "garden waste"
wait_for "> Garden waste subscription" || exit 1
keys Escape
wait_for "Find a customer" || exit 1
keys F7
type_text "bin not emptied"
wait_for "> Missed bin collection" || exit 1
keys Enter 3 Tab
type_text "DE7 5HN"
keys Tab
type_text "19/11/2026"
keys Enter 2
wait_for "Outcome: resolved" || exit 1
keys Enter
wait_for "Saved: Missed bin collection - resolved" || exit 1
expect "anonymous contact" \
	"$(sql "select coalesce(customer_id, 'anonymous') || ' ' || flow_id || ' ' || json_extract(answers, '$.answers.bin.value') || ' ' || coalesce(json_extract(answers, '$.answers.postcode.value'), 'withheld') from contact")" \
	"anonymous missed-bin Food waste withheld"
