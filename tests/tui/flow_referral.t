#!/bin/sh
# FAQ flows: find a flow by the customer's words, run it step by
# step (a typed date validated as typed, back and forward), end in a
# referral: the contact keeps the flow id, version and answers; the case
# has the reason filled in.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
open_customer zoe "Zoë Brown" || exit 1
keys F7
wait_for "Find a flow (FAQ script)" || exit 1
type_text "bin not collected"
wait_for "> Missed bin collection" || exit 1
keys Enter
wait_for "Missed bin collection (version 1) - step 1" || exit 1
keys 1 Tab
type_text "ng12 3ab"
keys Tab
type_text "31/02/2026"
wait_for "not yet:" || exit 1
keys C-u
type_text "18/11/2026"
wait_for "ok: 2026-11-18" || exit 1
keys Enter
wait_for "Was the bin out by 7am" || exit 1
# Back keeps the answers; forward again.
keys C-b
wait_for "Collection day that was missed*     2026-11-18" || exit 1
keys C-f
wait_for "> 1  Yes" || exit 1
keys 1
wait_for "Is this an assisted collection" || exit 1
keys Space Enter
wait_for "As you have an assisted collection" || exit 1
keys Enter
wait_for "Outcome: referred" || exit 1
wait_for "General waste bin at NG12 3AB on 18" || exit 1
keys C-s
wait_for "Reference WB2-00001" || exit 1
wait_for "Due by Tue 24 Nov 2026 (2 working days)   Team: Waste and Recycling" || exit 1
expect "contact from the flow" \
	"$(sql "select flow_id || ' ' || flow_version || ' ' || outcome || ' ' || service from contact")" \
	"missed-bin 1 referred waste-missed-bin" &&
	expect "answers kept (the contact has a customer)" \
		"$(sql "select json_extract(answers, '$.answers.bin.value') || '|' || json_extract(answers, '$.answers.postcode.value') || '|' || json_extract(answers, '$.answers.missed_on.value') || '|' || json_extract(answers, '$.path[3]') from contact")" \
		"General waste|NG12 3AB|2026-11-18|refer-assisted" &&
	expect "case with the reason filled in" \
		"$(sql "select reference || ' ' || team || ' ' || status || ' ' || reason from \"case\"")" \
		"WB2-00001 waste open Missed assisted collection of General waste bin at NG12 3AB on 18 November 2026. Please return and check the crew's round sheet." || exit 1
keys Enter
wait_for "Contact history, newest first (1)"
