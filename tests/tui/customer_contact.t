#!/bin/sh
# A contact logged for a customer, signposted, with notes; it shows in
# their history.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
open_customer zoe "Zoë Brown" || exit 1
keys F2
wait_for "Log a contact" || exit 1
wait_for "!! NEEDS: hearing impaired" || exit 1
type_text "council tax account"
keys Enter 3 Tab Tab Tab
type_text "Explained the bill"
keys C-s
wait_for "Saved: Council Tax - account enquiry or bill - signposted" || exit 1
wait_for "Read out: https://www.example-council.gov.uk/council-tax/your-account" || exit 1
keys Enter
wait_for "Contact history, newest first (1)" || exit 1
wait_for "signposted" || exit 1
expect "contact for the customer" \
	"$(sql "select k.notes from contact k join customer c on c.id = k.customer_id where c.name = 'Zoë Brown'")" \
	"Explained the bill"
