#!/bin/sh
# An import queues its customers without a copy of each; the push sends each
# as it then stands: the same record, stamps and all, at the server and at
# the other hub, and an edit made before the push goes with it.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

two_hubs || exit 1

begin "imported customers reach the server and hub B whole, with an edit made before the push"
printf '%s\n' 'name,dob,address,postcode,phone,email' \
	'"Siân Okafor",1961-07-04,"3 Mill Lane, Cotgrave",NG12 3AB,07700 900301,sian@example.com' \
	'Wei Chen,,,le11 2qp,,' \
	'"Ioana Wiśniewski",1990-01-31,"7 Quay St",DE7 4RA,+44 7700 900303,IOANA@EXAMPLE.COM' >"$tmp/import.csv"
check "hub A imports" fdc hubA import customers "$tmp/import.csv"
ids=$(sq hubA "SELECT record_id FROM outbox WHERE record_type = 'customer' AND sent_at IS NULL ORDER BY seq")
same "three queued" "3" "$(echo "$ids" | wc -l)"
wei=$(sq hubA "SELECT id FROM customer WHERE name = 'Wei Chen'")
check "edited before the push" fdc hubA customer edit "$wei" --email "wei@example.com"
check "hub A syncs" fdc hubA sync --once
check "hub B syncs" fdc hubB sync --once
for id in $ids; do
	a=$(customer_state hubA "$id")
	same "$id: hub A equals hub B" "$a" "$(customer_state hubB "$id")"
	same "$id: hub A equals the server" "$a" "$(server_customer_state "$id")"
done
same "the edit arrived" "wei@example.com" "$(sq hubB "SELECT email FROM customer WHERE id = '$wei'")"
same "found by search at hub B" "1" "$(fdc hubB customer find "ng12 3ab" | grep -c 'Siân Okafor')"
same "nothing waits or was refused" "0|0" \
	"$(sq hubA "SELECT count(*) FILTER (WHERE sent_at IS NULL), count(*) FILTER (WHERE error IS NOT NULL) FROM outbox")"
finish

summary
