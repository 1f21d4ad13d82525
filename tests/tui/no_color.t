#!/bin/sh
# Monochrome (NO_COLOR): overdue cases and help still read; killed, the
# console leaves the terminal as it found it.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

advisor_home NO_COLOR=1 TERM=xterm-256color || exit 1
keys F2
type_text "missed bin"
keys Enter 2 Tab Tab
type_text "Not collected"
keys C-s
wait_for "Reference WB2-00001" || exit 1
keys Enter
echo 2026-12-01T10:00:00Z >"$dir/now"
keys F3 3
wait_for "Cases: Overdue (1)" || exit 1
wait_for "WB2-00001   OVERDUE 7 days" || exit 1
keys F1
wait_for "Keys on this screen (cases)" || exit 1
keys Escape
wait_gone "Keys on this screen" || exit 1
# Killed, the console leaves the terminal as it found it.
pid=$(pgrep -n -f "frontdesk --db $db")
kill -TERM "$pid"
wait_for "CONSOLE-ENDED" || exit 1
wait_for "icanon echo"
