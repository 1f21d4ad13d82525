#!/bin/sh
# A referral: the case reference read out, its due date in working days,
# the case list, a pause that moves the due date on.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
open_customer zoe "Zoë Brown" || exit 1
keys F2
type_text "missed bin"
keys Enter 2
wait_for "Refer to team     < Waste and Recycling >" || exit 1
keys Tab Tab
type_text "Missed three weeks running on Elm Road"
keys C-s
wait_for "Reference WB2-00001" || exit 1
wait_for "(W B 2 - 0 0 0 0 1)" || exit 1
# Friday 20 November plus 2 working days (waste standard) is Tuesday 24th.
wait_for "Due by Tue 24 Nov 2026 (2 working days)   Team: Waste and Recycling" || exit 1
expect "case row" "$(sql "select reference || ' ' || team || ' ' || due_date || ' ' || status from \"case\"")" \
	"WB2-00001 waste 2026-11-24 open" || exit 1
keys Enter
wait_for "Open cases (1)" || exit 1
wait_for "WB2-00001   due Tue 24 Nov" || exit 1
# The case list, the case, and a status change.
keys F3
wait_for "Cases: Mine (1)" || exit 1
keys Enter
wait_for "Case WB2-00001" || exit 1
keys s Right Right Tab
type_text "Asked for photos of the bins"
keys C-s
wait_for "is now awaiting-customer" || exit 1
expect "case paused" "$(sql "select status from \"case\"")" "awaiting-customer" || exit 1
# Three weeks on the case is paused, so not overdue; in progress again,
# its due date moves on by the working days it waited.
echo 2026-12-11T10:00:00Z >"$dir/now"
keys Escape 3
wait_for "No overdue cases." || exit 1
keys 1 Enter s Left Tab
type_text "Photos arrived"
keys C-s
wait_for "is now in-progress" || exit 1
expect "due date after the pause" "$(sql "select due_date || ' ' || paused_days from \"case\"")" \
	"2026-12-15 15" || exit 1
wait_for "(due Tue 15 Dec)"
