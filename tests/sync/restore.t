#!/bin/sh
# Restores lose nothing, and pull never wedges:
# real desks backed up with sqlite3 .backup at several points, worked on,
# restored and worked on again; every record made after the restore must
# reach the server exactly once. A pulled change a desk cannot apply is
# kept aside, listed and reported, and the desk keeps receiving.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

# shellcheck disable=SC2119 # the server takes no settings here
start_server || exit 1

uuid_of() { sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1; }

# work NAME TAG [case]: a customer, an anonymous contact (a visit and a
# contact) and, with "case", a referral for the customer (contact + case).
work() {
	wcid=$(fdc "$1" customer add --name "Restore $2" --postcode "DE7 4RA" | uuid_of)
	fdc "$1" contact log --service council-tax-payment --outcome resolved --channel phone >/dev/null
	if [ "${3:-}" = case ]; then
		fdc "$1" contact log --customer "$wcid" --service council-tax-moving --outcome referred \
			--reason "Restore test $2" >/dev/null
	fi
}

# records NAME: every record the desk holds, one "table id" a line, sorted.
records() {
	sq "$1" "SELECT 'customer ' || id FROM customer UNION ALL SELECT 'contact ' || id FROM contact
		UNION ALL SELECT 'visit ' || id FROM visit UNION ALL SELECT 'case ' || id FROM \"case\"" | sort
}

backup() { sqlite3 "$tmp/$1.db" ".backup '$tmp/$1.bak'"; }
restore() {
	rm -f "$tmp/$1.db-wal" "$tmp/$1.db-shm"
	cp "$tmp/$1.bak" "$tmp/$1.db"
}

# on_server_once NAME FILE: each record listed in FILE is on the server
# once (its table) and was received from the desk once (change_in). Prints
# the ones that are not.
on_server_once() {
	dev=$(sq "$1" "SELECT value FROM settings WHERE key = 'device_id'")
	while read -r table id; do
		n=$(psql_q "SELECT count(*) FROM \"$table\" WHERE id = '$id'")
		m=$(psql_q "SELECT count(*) FROM change_in WHERE device_id = '$dev' AND record_type = '$table' AND record_id = '$id'")
		[ "$n|$m" = "1|1" ] || echo "$table $id: $n on the server, received $m times"
	done <"$2"
}

# restore_case NAME WHEN: backs up at WHEN (before: work waiting, never
# synced since; after: just synced; waiting: synced, then more work), works
# on at the original and syncs, restores, makes new records, syncs.
restore_case() {
	name=$1
	console "$name" civic-centre || { cat "$tmp/$name.enrol"; return 1; }
	work "$name" "$name-1" case
	case $2 in
	before) ;;
	after) fdc "$name" sync --once >/dev/null ;;
	waiting) fdc "$name" sync --once >/dev/null; work "$name" "$name-2" case ;;
	esac
	backup "$name"
	# The original goes on (no referral: see the references case below).
	work "$name" "$name-3"
	work "$name" "$name-4"
	check "$name: the original syncs" fdc "$name" sync --once
	lost=$(records "$name")
	restore "$name"
	records "$name" >"$tmp/$name.before"
	work "$name" "$name-5" case
	work "$name" "$name-6" case
	records "$name" >"$tmp/$name.after"
	comm -13 "$tmp/$name.before" "$tmp/$name.after" >"$tmp/$name.new"
	same "$name: new records made after the restore" "12" "$(wc -l <"$tmp/$name.new" | tr -d ' ')"
	fdc "$name" sync --once >"$tmp/$name.sync" 2>&1
	check "$name: the restored desk syncs ($(cat "$tmp/$name.sync"))" grep -q "^pushed" "$tmp/$name.sync"
	same "$name: sync says it was restored" "1" "$(grep -c 'restored from a backup' "$tmp/$name.sync")"
	same "$name: every record made after the restore is on the server once" "" \
		"$(on_server_once "$name" "$tmp/$name.new")"
	echo "$lost" >"$tmp/$name.lost"
	same "$name: nothing the original sent was lost" "" "$(while read -r table id; do
		n=$(psql_q "SELECT count(*) FROM \"$table\" WHERE id = '$id'")
		[ "$n" = 1 ] || echo "$table $id: $n"
	done <"$tmp/$name.lost")"
	same "$name: nothing waits or was refused" "0|0" \
		"$(sq "$name" "SELECT count(*) FILTER (WHERE sent_at IS NULL), count(*) FILTER (WHERE error IS NOT NULL AND record_type <> 'audit') FROM outbox")"
	fdc "$name" sync --status >"$tmp/$name.status" 2>&1
	check "$name: sync --status says plainly a restore was detected" \
		grep -q "This desk was restored from a backup: detected at 20" "$tmp/$name.status"
	check "$name: sync --status says what was done" \
		grep -q "renumbered to follow" "$tmp/$name.status"
	fdc "$name" sync --status --format json >"$tmp/$name.json" 2>&1
	check "$name: sync --status --format json gives the restore" \
		sh -c "grep -q '\"detected_at\": \"20' '$tmp/$name.json' && grep -q '\"renumbered\": [1-9]' '$tmp/$name.json'"
	same "$name: the outbox's sequence stays past every row" "1" \
		"$(sq "$name" "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'outbox') >= (SELECT max(seq) FROM outbox)")"
	# And the next work goes plainly, once.
	records "$name" >"$tmp/$name.before"
	work "$name" "$name-7" case
	records "$name" >"$tmp/$name.after"
	comm -13 "$tmp/$name.before" "$tmp/$name.after" >"$tmp/$name.new"
	fdc "$name" sync --once >"$tmp/$name.sync" 2>&1
	same "$name: the next sync is plain" "0" "$(grep -c 'restored from a backup' "$tmp/$name.sync")"
	same "$name: work after that arrives once" "" "$(on_server_once "$name" "$tmp/$name.new")"
}

# ---- 1 -------------------------------------------------------------------
begin "restored from a backup taken with work waiting, before any sync: everything arrives once"
restore_case r1 before
finish

# ---- 2 -------------------------------------------------------------------
begin "restored from a backup taken just after a sync: everything arrives once"
restore_case r2 after
finish

# ---- 3 -------------------------------------------------------------------
begin "restored from a backup taken with work waiting after a sync: everything arrives once"
restore_case r3 waiting
finish

# ---- 4 -------------------------------------------------------------------
# The work a restore lost may have taken case references: once the restore
# is detected, new referrals skip as many as the server holds changes this
# copy never sent, so none is refused for a reference already used.
begin "after a restore is detected, new referrals do not reuse the lost work's references"
console r4 civic-centre || { cat "$tmp/r4.enrol"; exit 1; }
work r4 r4-1 case
fdc r4 sync --once >/dev/null
backup r4
work r4 r4-2 case
work r4 r4-3 case
check "the original syncs" fdc r4 sync --once
taken=$(sq r4 "SELECT reference FROM \"case\" ORDER BY reference" | tr '\n' ' ')
restore r4
fdc r4 contact log --service council-tax-payment --outcome resolved --channel phone >/dev/null
fdc r4 sync --once >"$tmp/r4.sync" 2>&1
same "the restore was detected" "1" "$(grep -c 'restored from a backup' "$tmp/r4.sync")"
records r4 >"$tmp/r4.before"
work r4 r4-4 case
records r4 >"$tmp/r4.after"
comm -13 "$tmp/r4.before" "$tmp/r4.after" >"$tmp/r4.new"
ref=$(sq r4 "SELECT reference FROM \"case\" ORDER BY num DESC LIMIT 1")
case " $taken" in
*" $ref "*) same "the new referral's reference is not one already taken" "not in: $taken" "$ref" ;;
esac
check "the restored desk syncs" fdc r4 sync --once
same "the new referral and its records arrive once" "" "$(on_server_once r4 "$tmp/r4.new")"
same "nothing refused" "0" "$(sq r4 "SELECT count(*) FROM outbox WHERE error IS NOT NULL AND record_type <> 'audit'")"
finish

# ---- 4b ------------------------------------------------------------------
# Many changes on both sides: batches in flight when the restore is found
# (two at a time) answer first, and the renumbered push still sends each
# record once.
begin "a restored desk with more than two batches waiting sends each record once"
console r5 civic-centre || { cat "$tmp/r5.enrol"; exit 1; }
work r5 r5-1 case
fdc r5 sync --once >/dev/null
backup r5
i=0
while [ $i -lt 40 ]; do
	fdc r5 contact log --service council-tax-payment --outcome resolved --channel phone >/dev/null
	i=$((i + 1))
done
check "the original syncs" fdc r5 sync --once
restore r5
awk 'BEGIN { print "name,dob,address,postcode,phone,email";
	for (i = 1; i <= 1200; i++) printf "Person %d,,,DE7 4RA,,\n", i }' >"$tmp/r5.csv"
records r5 >"$tmp/r5.before"
check "the restored desk imports 1200 customers" fdc r5 import customers "$tmp/r5.csv"
work r5 r5-2 case
records r5 >"$tmp/r5.after"
comm -13 "$tmp/r5.before" "$tmp/r5.after" >"$tmp/r5.new"
same "new records" "1206" "$(wc -l <"$tmp/r5.new" | tr -d ' ')"
fdc r5 sync --once >"$tmp/r5.sync" 2>&1
same "the restore was detected ($(cat "$tmp/r5.sync"))" "1" "$(grep -c 'restored from a backup' "$tmp/r5.sync")"
r5dev=$(sq r5 "SELECT value FROM settings WHERE key = 'device_id'")
sed 's/^\([a-z]*\) \(.*\)$/\1|\2/' "$tmp/r5.new" | sort >"$tmp/r5.want"
psql_q "SELECT record_type || '|' || record_id FROM change_in WHERE device_id = '$r5dev' AND record_type <> 'audit' AND error IS NULL" | sort >"$tmp/r5.got"
same "every new record received exactly once" "" "$({ comm -23 "$tmp/r5.want" "$tmp/r5.got"; sort "$tmp/r5.got" | uniq -d; } | head -5)"
# (by id: the server keeps their names sealed)
ids=$(sed -n 's/^customer \(.*\)$/\1/p' "$tmp/r5.new" | paste -sd, -)
same "the customers are on the server (1200 imported, 1 by work)" "1201" "$(psql_q "SELECT count(*) FROM customer WHERE id = ANY('{$ids}'::text[])")"
same "nothing waits" "0" "$(sq r5 "SELECT count(*) FROM outbox WHERE sent_at IS NULL")"
finish

# ---- 4c ------------------------------------------------------------------
# The server's side, as a raw client holding a device's token sees it.
begin "a seq sent again with another record is refused whole (409 seq_reused), the same record again is not"
code=$("$fdd" device add --site civic-centre --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
curl -sS -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" "$URL/v1/enrol" >"$tmp/raw.enrol"
rtok=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$tmp/raw.enrol")
rdev=$(sed -n 's/.*"device_id": *"\([^"]*\)".*/\1/p' "$tmp/raw.enrol")
visit() { echo "{\"seq\":$1,\"type\":\"visit\",\"op\":\"insert\",\"id\":\"$2\",\"body\":{\"id\":\"$2\",\"site\":\"civic-centre\",\"channel\":\"phone\",\"advisor\":\"cli:test\",\"started_at\":\"2026-11-20T10:00:00.000Z\"}}"; }
push() {
	curl -sS -o "$tmp/raw.out" -w '%{http_code}' -H "Authorization: Bearer $rtok" \
		-H 'Content-Type: application/json' --data-binary "$1" "$URL/v1/push"
}
va=01900000-0000-7000-8000-0000000000b1
vb=01900000-0000-7000-8000-0000000000b2
vc=01900000-0000-7000-8000-0000000000b3
vd=01900000-0000-7000-8000-0000000000b4
same "first push" "200" "$(push "{\"changes\":[$(visit 1 $va)]}")"
same "the same record again: held, nothing new" "200" "$(push "{\"changes\":[$(visit 1 $va)]}")"
same "seq 1 with another record" "409" "$(push "{\"changes\":[$(visit 1 $vb)]}")"
check "answers seq_reused, naming the member, the seq and what is held ($(cat "$tmp/raw.out"))" \
	sh -c "grep -q '\"code\": *\"seq_reused\"' '$tmp/raw.out' && grep -q '\"field\": *\"changes\[0\].seq\"' '$tmp/raw.out' && grep -q '\"held\": *1[,}]' '$tmp/raw.out' && grep -q '\"seq\": *1[,}]' '$tmp/raw.out'"
same "a held seq resent as it was, with a new one: applied" "200" "$(push "{\"changes\":[$(visit 1 $va),$(visit 2 $vc)]}")"
same "a new seq after a reused one: nothing of the batch applied" "409" \
	"$(push "{\"changes\":[$(visit 2 $vb),$(visit 3 $vd)]}")"
check "the reused one is named ($(cat "$tmp/raw.out"))" \
	sh -c "grep -q '\"field\": *\"changes\[0\].seq\"' '$tmp/raw.out' && grep -q '\"held\": *2[,}]' '$tmp/raw.out'"
same "on the server: the first records only" "$va $vc" \
	"$(psql_q "SELECT string_agg(id, ' ' ORDER BY id) FROM visit WHERE id IN ('$va', '$vb', '$vc', '$vd')")"
same "held: 1 and 2 only" "1 2" "$(psql_q "SELECT string_agg(seq::text, ' ' ORDER BY seq) FROM change_in WHERE device_id = '$rdev'")"
finish

# ---- 5 -------------------------------------------------------------------
# A restored desk pulls again from its old cursor: applying what it had
# already is harmless.
begin "a restored desk pulls again from its old cursor and nothing changes or breaks"
console p1 hub-central-library || { cat "$tmp/p1.enrol"; exit 1; }
console p2 civic-centre || { cat "$tmp/p2.enrol"; exit 1; }
fdc p1 sync --once >/dev/null
backup p1
work p2 p2-1 case
work p2 p2-2 case
check "p2 syncs" fdc p2 sync --once
check "p1 pulls" fdc p1 sync --once
want=$(sq p1 "SELECT count(*) FROM customer" )"|"$(sq p1 "SELECT count(*) FROM \"case\"")
restore p1
check "the restored p1 pulls it all again" fdc p1 sync --once
check "and again" fdc p1 sync --once
same "the same customers and cases, once each" "$want" \
	"$(sq p1 "SELECT count(*) FROM customer")|$(sq p1 "SELECT count(*) FROM \"case\"")"
same "nothing kept aside" "0" "$(sq p1 "SELECT count(*) FROM pull_problem")"
finish

# ---- 6 -------------------------------------------------------------------
begin "a pulled change a desk cannot apply is kept aside; the desk keeps receiving; the server has it"
console w1 civic-centre || { cat "$tmp/w1.enrol"; exit 1; }
console w2 hub-central-library || { cat "$tmp/w2.enrol"; exit 1; }
check "w1 syncs first" fdc w1 sync --once
wcase=$(fdc w2 customer add --name "Wedge Test" --postcode "DE7 4RA" | uuid_of)
fdc w2 contact log --customer "$wcase" --service council-tax-moving --outcome referred \
	--reason "Wedge test" >/dev/null
check "w2 syncs" fdc w2 sync --once
ref=$(sq w2 "SELECT reference FROM \"case\" WHERE customer_id = '$wcase'")
cid=$(sq w2 "SELECT id FROM \"case\" WHERE customer_id = '$wcase'")
# A case at w1 that already uses the same reference, under another id.
sq w1 "INSERT INTO \"case\" (id, reference, team, service, reason, status, due_date, created_at)
	VALUES ('01900000-0000-7000-8000-0000000000ff', '$ref', (SELECT code FROM team LIMIT 1),
	(SELECT code FROM service LIMIT 1), 'local', 'open', '2026-12-31', '2026-12-01T10:00:00.000Z')"
fdc w1 sync --once >"$tmp/w1.sync" 2>&1
check "w1's sync goes on past it ($(cat "$tmp/w1.sync"))" grep -q "^pushed" "$tmp/w1.sync"
check "w1 is told a change was kept aside" grep -q "could not be applied here" "$tmp/w1.sync"
same "the problem is kept, by id and reason, without the body" "case|$cid|1" \
	"$(sq w1 "SELECT record_type, record_id, reason LIKE '%case.reference%' FROM pull_problem")"
# A later change still arrives.
later=$(fdc w2 customer add --name "Later Arrival" --postcode "NG12 3AB" | uuid_of)
check "w2 syncs the later customer" fdc w2 sync --once
check "w1 syncs again" fdc w1 sync --once
same "the later customer arrived at w1" "1" "$(sq w1 "SELECT count(*) FROM customer WHERE id = '$later'")"
fdc w1 sync --status >"$tmp/w1.status" 2>&1
check "sync --status counts it" grep -q "^not applied 1 change from the server" "$tmp/w1.status"
check "sync --status lists it ($(cat "$tmp/w1.status"))" grep -q "case .*$cid" "$tmp/w1.status"
check "sync --status names no person" sh -c "! grep -q 'Wedge Test' '$tmp/w1.status'"
w1dev=$(sq w1 "SELECT value FROM settings WHERE key = 'device_id'")
same "the server has it" "case|$cid|1" \
	"$(psql_q "SELECT record_type, record_id, count(*) FROM pull_problem WHERE device_id = '$w1dev' GROUP BY 1, 2")"
same "the desk notes it reported" "0" "$(sq w1 "SELECT count(*) FROM pull_problem WHERE reported_at IS NULL")"
w1code=$(sq w1 "SELECT value FROM settings WHERE key = 'device_code'")
check "frontdeskd device list counts it" sh -c "'$fdd' device list --db '$DB' | grep '  $w1code ' | grep -q '1 not applied'"
check "frontdeskd sync problems lists it" sh -c "'$fdd' sync problems '$w1code' --db '$DB' | grep '^$w1code ' | grep -q 'case .*$cid .*case.reference'"
same "and only that desk's when asked" "1" "$("$fdd" sync problems "$w1code" --db "$DB" | tail -n +2 | wc -l | tr -d ' ')"
# The retry: once the local clash is gone, a later change to the same case
# applies and the problem goes.
sq w1 "DELETE FROM \"case\" WHERE id = '01900000-0000-7000-8000-0000000000ff'"
check "the back office updates the case" "$fdd" case update "$ref" --status in-progress --db "$DB"
check "w1 syncs once more" fdc w1 sync --once
same "the case is at w1 now" "$ref|in-progress" "$(sq w1 "SELECT reference || '|' || status FROM \"case\" WHERE id = '$cid'")"
same "and the problem is gone" "0" "$(sq w1 "SELECT count(*) FROM pull_problem")"
finish

# ---- 7 -------------------------------------------------------------------
begin "POST /v1/pull/problems takes only what it documents"
tok=$(cat "$tmp/w1.db.token")
post() {
	curl -s -o "$tmp/pp.out" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary "$1" "$URL/v1/pull/problems"
}
same "an unknown member" "422" "$(post '{"problems":[{"cursor":1,"type":"case","id":"x","reason":"r","body":{}}]}')"
same "a cursor that is not a number" "422" "$(post '{"problems":[{"cursor":"1","type":"case","id":"x","reason":"r"}]}')"
same "no problems" "422" "$(post '{"problems":[]}')"
same "another top-level member" "422" "$(post '{"problems":[{"cursor":1,"type":"case","id":"x","reason":"r"}],"x":1}')"
same "without a token" "401" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary '{"problems":[{"cursor":1,"type":"case","id":"x","reason":"r"}]}' "$URL/v1/pull/problems")"
same "a cursor the server never handed out" "422" "$(post '{"problems":[{"cursor":999999999,"type":"case","id":"x","reason":"r"}]}')"
check "which says so" grep -q "has not handed out" "$tmp/pp.out"
same "the server's table is unchanged" "1" "$(psql_q "SELECT count(*) FROM pull_problem")"
finish

summary
