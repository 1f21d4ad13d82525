#!/bin/sh
# An advisor sees their own figures only, with no refusal audited.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

report_data
home_as jsmith || exit 1
keys F9
wait_for "your own figures only" || exit 1
wait_for "by service, advisor advisor:jsmith" || exit 1
wait_for "total              3          2        66.7%" || exit 1
# Grouped by advisor, only their own row.
keys g g g
wait_for "By (g): advisor" || exit 1
wait_for "> advisor:jsmith" || exit 1
expect "other advisors" "$(screen | grep -c 'akhan')" 0 || exit 1
keys 2
wait_for "fcr 2026-11-01..2026-11-30 by service, advisor advisor:jsmith" || exit 1
expect "no refusals" "$(sql "select count(*) from audit where action = 'access.denied'")" 0
