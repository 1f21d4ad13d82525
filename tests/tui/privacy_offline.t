#!/bin/sh
# Past the offline limit, customer records are hidden on the console.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
cli config set server_url https://frontdesk.example.org >/dev/null
start
sign_in jsmith "$PW" || exit 1
open_zoe || exit 1
# The last sync (here: the enrolment) is now 19 days ago; the limit is 14.
sql "update settings set updated_at = '2026-11-01T09:00:00.000Z' where key = 'server_url'"
keys F2
wait_for "Log a contact" || exit 1
keys Escape
wait_for "CUSTOMER RECORDS ARE HIDDEN ON THIS CONSOLE" || exit 1
wait_for "has not synced with the server since" &&
	wait_for "2026-11-01 (19 days; the limit is 14" || exit 1
wait_for "frontdesk sync" || exit 1
wait_gone "Zoë" || exit 1
keys Escape
wait_for "Find a customer" || exit 1
wait_for "CUSTOMER RECORDS ARE HIDDEN ON THIS CONSOLE" || exit 1
keys C-u
type_text "zoe"
wait_for "CUSTOMER RECORDS ARE HIDDEN ON THIS CONSOLE" || exit 1
if screen | grep -q "Zoë"; then
	echo "  a customer shows past the offline limit"
	exit 1
fi
