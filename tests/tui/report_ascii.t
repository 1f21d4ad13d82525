#!/bin/sh
# Without UTF-8 the bars are drawn in ASCII.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

report_data
home_as msup "LC_ALL=C" || exit 1
keys F9
wait_for "Reports: this desk" || exit 1
keys b
wait_for "(# bars: no UTF-8 here)" || exit 1
expect "ASCII bar" "$(screen | grep 'council-tax-moving' | grep -c '3  *####*$')" 1 &&
	expect "no blocks" "$(screen | grep -c '█')" 0
