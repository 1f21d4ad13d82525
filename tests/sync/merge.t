#!/bin/sh
# Offline edits to one customer at two hubs merge to the same record at both
# and at the server, in either order; a desk clock far ahead does not win
# every conflict; an erasure wins over an edit made before it arrived.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

two_hubs || exit 1

begin "offline edits to one customer at two hubs merge the same everywhere, in every order"
t0="2026-01-10T09:00:00Z"
t1="2026-01-10T09:05:00Z"
for order in AB BA; do
	cid=$(FRONTDESK_NOW=$t0 fdc hubA customer add --name "Priya Patel" --email "priya@example.com" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1)
	fdc hubA sync --once >/dev/null
	fdc hubB sync --once >/dev/null
	# Offline: A changes name and phone first; B changes name and postcode later.
	FRONTDESK_NOW="2026-01-10T09:01:00Z" fdc hubA customer edit "$cid" --name "Priya Patel-Shah" --phone "07700 900456" >/dev/null
	FRONTDESK_NOW=$t1 fdc hubB customer edit "$cid" --name "Priya Shah" --postcode "DE7 5HN" >/dev/null
	if [ "$order" = AB ]; then
		fdc hubA sync --once >/dev/null; fdc hubB sync --once >/dev/null; fdc hubA sync --once >/dev/null
	else
		fdc hubB sync --once >/dev/null; fdc hubA sync --once >/dev/null; fdc hubB sync --once >/dev/null
	fi
	a=$(customer_state hubA "$cid")
	b=$(customer_state hubB "$cid")
	c=$(server_customer_state "$cid")
	same "$order: hub A equals hub B" "$a" "$b"
	same "$order: hub A equals the server" "$a" "$c"
	same "$order: later name wins, other fields kept" "Priya Shah|+447700900456|DE7 5HN|priya@example.com|0" \
		"$(echo "$a" | cut -d'|' -f1-5)"
done
# A desk with its clock decades ahead must not win every conflict.
FRONTDESK_NOW="2099-01-01T00:00:00Z" fdc hubA customer edit "$cid" --email "wrong@example.com" >/dev/null
fdc hubA sync --once >"$tmp/ahead.out" 2>&1
check "the desk is told its clock is ahead" grep -q "ahead of the server" "$tmp/ahead.out"
fdc hubB customer edit "$cid" --email "right@example.com" >/dev/null
fdc hubB sync --once >/dev/null
fdc hubA sync --once >/dev/null
same "a later edit beats the far-future clock" "right@example.com|right@example.com" \
	"$(customer_state hubA "$cid" | cut -d'|' -f4)|$(customer_state hubB "$cid" | cut -d'|' -f4)"
check "device list shows the clock flag" sh -c "'$fdd' device list --db '$DB' | grep -q 'clock ahead'"
# Erasure travels as a tombstone and wins over an edit made before it arrived.
fdc hubB customer edit "$cid" --phone "07700 900999" >/dev/null
check "central erasure" "$fdd" customer erase "$cid" --db "$DB"
fdc hubB sync --once >/dev/null
fdc hubA sync --once >/dev/null
same "erased everywhere" "||1|||1|||1" \
	"$(customer_state hubA "$cid" | cut -d'|' -f1,2,5)|$(customer_state hubB "$cid" | cut -d'|' -f1,2,5)|$(server_customer_state "$cid" | cut -d'|' -f1,2,5)"
finish

summary
