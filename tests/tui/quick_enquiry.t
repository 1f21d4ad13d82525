#!/bin/sh
# A quick anonymous enquiry from the home screen in at most 8 key presses.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
presses=0
keys F2
type_text "bin"
keys Enter 1 C-s
wait_for "Saved: Missed bin collection - resolved" || exit 1
expect "keys from home" "$([ "$presses" -le 8 ] && echo "$presses <= 8")" "$presses <= 8" &&
	expect "contact row" \
		"$(sql "select service || ' ' || outcome || ' ' || coalesce(customer_id, 'anonymous') || ' ' || channel || ' ' || advisor from contact")" \
		"waste-missed-bin resolved anonymous face-to-face jsmith" || exit 1
keys Enter
wait_for "Today: 1 contacts, 1 resolved, 0 referred"
