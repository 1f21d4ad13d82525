#!/bin/sh
# First run: a database with no users says how to make the first administrator.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

cli init --site civic-centre >/dev/null || exit 1
out=$(cli 2>&1 </dev/null)
case "$out" in
*"no users; create the first administrator with: frontdesk user add NAME --role admin"*) ;;
*) echo "  first run said: $out"; exit 1 ;;
esac
