#!/bin/sh
# Park a flow on the customer (they must fetch a document), resume it from
# their view later, on the version it started with even though a newer one
# has been loaded since; both audited.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
open_customer lukasz "Łukasz Nowak" || exit 1
keys F7
type_text "bin"
wait_for "> Missed bin collection" || exit 1
keys Enter 2 Tab
type_text "DE7 5HN"
keys Tab
type_text "19/11/2026"
keys Enter
wait_for "Was the bin out by 7am" || exit 1
keys F8
wait_for "Parked 'Missed bin collection' for Łukasz Nowak" || exit 1
wait_for "Parked flows: 1 - F7 resumes" || exit 1
expect "parked run" "$(sql "select flow_id || ' ' || flow_version || ' ' || step from flow_park")" \
	"missed-bin 1 out-on-time" || exit 1
# The flow is edited and loaded as version 2 while the run is parked;
# editing version 1 in place is refused with a precise message.
mkdir -p "$dir/forms"
sed 's/^title: Missed bin collection/title: Missed bin collection (new)/' \
	"$repo/forms/missed-bin.yaml" >"$dir/forms/missed-bin.yaml"
out=$(cli flow load "$dir/forms" 2>&1)
case "$out" in
*"flow 'missed-bin' version 1 is already loaded with different text, and a run parked on a customer uses it; nothing was loaded: give the changed flow 'version: 2'"*) ;;
*) echo "  editing version 1 said: $out"; exit 1 ;;
esac
sed -i 's/^version: 1/version: 2/' "$dir/forms/missed-bin.yaml"
cli flow load "$dir/forms" >/dev/null || exit 1
keys Escape
wait_for "Find a customer" || exit 1
keys C-u
type_text "lukasz"
wait_for "> Łukasz Nowak" || exit 1
keys Enter
wait_for "Parked flows: 1 - F7 resumes" || exit 1
keys F7
wait_for "> PARKED 2026-11-20 10:00 Missed bin collection (version 1) at 'out-on-time'" || exit 1
keys Enter
wait_for "Resumed Missed bin collection on version 1" || exit 1
wait_for "> 1  Yes" || exit 1
keys 2
wait_for "Outcome: resolved" || exit 1
keys C-s
wait_for "Saved: Missed bin collection - resolved" || exit 1
expect "contact on the version it started with" \
	"$(sql "select flow_version || ' ' || json_extract(answers, '$.answers.postcode.value') from contact")" \
	"1 DE7 5HN" &&
	expect "parked run gone once logged" "$(sql "select count(*) from flow_park")" 0 &&
	expect "park and resume audited" \
		"$(sql "select group_concat(action, ' ') from (select action from audit where action in ('flow.park', 'flow.resume') order by seq)")" \
		"flow.park flow.resume" || exit 1
# A parked run whose version is gone says so and changes nothing.
keys Enter
wait_for "Customer: Łukasz Nowak" || exit 1
keys F7
type_text "bin"
keys Enter 2 Tab
type_text "DE7 5HN"
keys Tab
type_text "19/11/2026"
keys Enter
wait_for "Was the bin out by 7am" || exit 1
keys F8
wait_for "Parked flows: 1 - F7 resumes" || exit 1
sql "delete from flow where id = 'missed-bin' and version = 2"
keys F7 Enter
wait_for "Cannot resume this parked run: flow 'missed-bin' version 2 is not on this" || exit 1
expect "still parked" "$(sql "select count(*) from flow_park")" 1
