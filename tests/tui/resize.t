#!/bin/sh
# The console follows the terminal when it is resized, and back.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home || exit 1
type_text "zoe"
wait_for "> Zoë Brown" || exit 1
resize 120 40
expect "rows at 120x40" "$(screen | wc -l)" 40 || exit 1
expect "status bar at 120x40" "$(screen | sed -n 40p | grep -c 'F1 help')" 1 || exit 1
wait_for "> Zoë Brown" || exit 1
resize 80 24
expect "rows at 80x24" "$(screen | wc -l)" 24 || exit 1
wait_for "> Zoë Brown" || exit 1
wait_for "Search: zoe"
