#!/bin/sh
# An erasure at hub A reaches hub B, which had unsynced edits, and the
# server; nothing of the person remains in any file or table.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

two_hubs || exit 1

begin "erasure at hub A reaches hub B (with unsynced edits there) and the server; nothing of the person remains"
cid=$(fdc hubA customer add --name "Quillon Farthingale" --email "quillon.f@example.org" --postcode "NG7 2RD" --phone "07700 900777" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1)
fdc hubA contact log --customer "$cid" --service council-tax-payment --outcome resolved --notes "Farthingale brought kumquat letters" >/dev/null
fdc hubA contact log --customer "$cid" --service council-tax-moving --outcome referred --reason "Farthingale moved out of Mapperley" >/dev/null
fdc hubA sync --once >/dev/null 2>&1
fdc hubB sync --once >/dev/null
same "hub B has the customer" "Quillon Farthingale" "$(sq hubB "SELECT name FROM customer WHERE id = '$cid'")"
# Hub B, offline: edits the customer and logs a contact about them.
fdc hubB customer edit "$cid" --phone "07700 900778" --email "q.farthingale@example.org" >/dev/null
fdc hubB contact log --customer "$cid" --service council-tax-payment --outcome resolved --notes "Farthingale phoned about zeppelin fines" >/dev/null
same "hub B holds its own note until the erasure arrives" "1" "$(sq hubB "SELECT count(*) FROM contact WHERE notes LIKE '%zeppelin%'")"
check "erased at hub A" fdc hubA customer erase "$cid" --reason "request by letter of 3 May" --yes
# An erasure needs a person: an administrator's session.
printf 'admin-password-1\n' | "$fdd" user add radmin --role admin --db "$DB" >/dev/null
printf 'admin-password-1\n' | fdc hubA sync --once --user radmin >/dev/null 2>&1
same "hub A syncs the erasure" "0" "$(sq hubA "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND record_type = 'customer'")"
codeA=$(sq hubA "SELECT value FROM settings WHERE key = 'device_code'")
codeB=$(sq hubB "SELECT value FROM settings WHERE key = 'device_code'")
"$fdd" erasure list --db "$DB" >"$tmp/erasures.out" 2>&1
check "erasure list: hub B has not applied it yet" sh -c "grep -A2 '^$cid' '$tmp/erasures.out' | grep '^  waiting:' | grep -q '$codeB'"
check "erasure list: hub A has" sh -c "grep -A2 '^$cid' '$tmp/erasures.out' | grep '^  applied:' | grep -q '$codeA'"
check "hub B syncs (its edits go, the erasure comes)" fdc hubB sync --once
check "hub B syncs again" fdc hubB sync --once
fdc hubA sync --once >/dev/null 2>&1
same "erased at hub B, its edits lost" "1|||" "$(sq hubB "SELECT erased || '|' || coalesce(name,'') || '|' || coalesce(phone,'') || '|' || coalesce(email,'') FROM customer WHERE id = '$cid'")"
same "erased at the server" "1" "$(psql_q "SELECT CASE WHEN erased THEN 1 ELSE 0 END FROM customer WHERE id = '$cid'")"
same "hub B: its contact kept as statistics, notes gone" "1|0" "$(sq hubB "SELECT count(*) || '|' || count(notes) FROM contact WHERE customer_id = '$cid'")"
same "server: contacts kept as statistics" "3" "$(psql_q "SELECT count(*) FROM contact WHERE customer_id = '$cid'")"
"$fdd" erasure list --db "$DB" >"$tmp/erasures.out" 2>&1
check "erasure list: hub B has applied it now" sh -c "grep -A2 '^$cid' '$tmp/erasures.out' | grep '^  applied:' | grep '$codeA' | grep -q '$codeB'"
for f in "$tmp/hubB.db" "$tmp/hubB.db-wal" "$tmp/hubA.db" "$tmp/hubA.db-wal"; do
	[ -f "$f" ] || continue
	for w in Quillon Farthingale quillon.f@example q.farthingale@example "NG7 2RD" ng72rd 900777 900778 kumquat zeppelin Mapperley; do
		if grep -a -q -i -- "$w" "$f"; then
			echo "  not ok: '$w' is still in $(basename "$f")"
			case_ok=0
		fi
	done
done
left=$(psql_q "SELECT count(*) FROM (SELECT body::text AS t FROM customer UNION ALL SELECT body::text FROM contact
	UNION ALL SELECT body::text FROM \"case\" UNION ALL SELECT body::text FROM case_event
	UNION ALL SELECT body::text FROM change_log UNION ALL SELECT body::text FROM flow_park
	UNION ALL SELECT body::text FROM audit UNION ALL SELECT body::text FROM visit) x
	WHERE t ~* '(quillon|farthingale|NG7 ?2RD|900777|900778|kumquat|zeppelin|mapperley)'")
same "the server holds nothing of the person (records and change log)" "0" "$left"
finish

summary
