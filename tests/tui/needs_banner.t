#!/bin/sh
# Needs as councils record them: a long list wraps the banner to a second
# row at 80 columns instead of cutting sight or mobility off; the search
# results and the case list mark the customer with "!!", not colour alone.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
cli customer add --name "Ann Many" --postcode "NG12 3AD" \
	--needs "hearing,speech,bsl,large-print,easy-read,interpreter:Polish,carer:Tom Many,prefers:post,mobility,sight" \
	--needs-basis consent >/dev/null
cli contact log --service waste-missed-bin --outcome referred --reason "Missed twice" \
	--customer "$(sql "select id from customer where name = 'Ann Many'")" >/dev/null
start
sign_in jsmith "$PW" || exit 1
wait_for "Find a customer" || exit 1
type_text "ng12"
wait_for "> Ann Many" || exit 1
expect "marker in the results" "$(screen | grep -cE '^. (Ann Many|Zoë Brown) .* !! *$')" 2 ||
	exit 1
keys C-u
type_text "łuk"
wait_for "> Łukasz Nowak" || exit 1
expect "no marker without needs" "$(screen | grep -c ' !! *$')" 0 || exit 1
keys C-u
type_text "ann many"
wait_for "> Ann Many" || exit 1
keys Enter
wait_for "Customer: Ann Many" || exit 1
wait_for "!! NEEDS: BSL interpreter" || exit 1
expect "the banner's last row ends the list" \
	"$(screen | grep -A2 '!! NEEDS: BSL interpreter' | tail -1 | grep -c 'speech impaired  (Ann Many) *$')" 1 &&
	expect "nothing cut" "$(screen | head -4 | grep -c -e '…' -e '\.\.\.')" 0 &&
	expect "the basis shown" "$(screen | grep -c 'Needs held on consent')" 1 || exit 1
keys Escape
wait_for "Find a customer" || exit 1
keys F3
wait_for "Cases:" || exit 1
keys 2
wait_for "open               !! Ann Ma" || exit 1
