#!/bin/sh
# A hostile device (and the server side of a restored desk):
# two enrolled desks, the victim at civic-centre and the attacker at
# hub-central-library, and a raw HTTP client (curl) holding the attacker's
# token. Each attack must be refused with its code, leave the server's
# tables as they were, and leave the victim's sync whole. Ends with
# "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

# shellcheck disable=SC2119 # (no environment to add)
start_server || exit 1
console vic civic-centre || { cat "$tmp/vic.enrol"; exit 1; }
console att hub-central-library || { cat "$tmp/att.enrol"; exit 1; }

# The victim works a little and syncs, so its identity is known to all.
fdc vic contact log --service council-tax-payment --outcome resolved >/dev/null
fdc vic sync --once >/dev/null 2>&1
vdev=$(sq vic "SELECT value FROM settings WHERE key = 'device_id'")
vcode=$(sq vic "SELECT value FROM settings WHERE key = 'device_code'")
adev=$(sq att "SELECT value FROM settings WHERE key = 'device_id'")
token=$(cat "$tmp/att.db.token")
printf 'advisor-password-1\n' | "$fdd" user add jsmith --role advisor --db "$DB" >/dev/null
printf 'advisor-password-2\n' | "$fdd" user add gone --role advisor --db "$DB" >/dev/null
printf 'advisor-password-3\n' | "$fdd" user add civiconly --role advisor --db "$DB" >/dev/null
# (a disabled user, and one allowed at civic-centre only: kept centrally)
psql_q "UPDATE app_user SET body = body || '{\"disabled\": true}' WHERE login = 'gone'"
"$fdd" user sites civiconly --site civic-centre --db "$DB" >/dev/null

# Everything a push can change, one line a table (change_in is where
# refusals are recorded, so it is checked on its own).
tables() {
	psql_q "SELECT 'contact', count(*), md5(coalesce(string_agg(id || device_id || body::text, ',' ORDER BY id), '')) FROM contact
	UNION ALL SELECT 'visit', count(*), md5(coalesce(string_agg(id || device_id || body::text, ',' ORDER BY id), '')) FROM visit
	UNION ALL SELECT 'case', count(*), md5(coalesce(string_agg(id || reference || body::text, ',' ORDER BY id), '')) FROM \"case\"
	UNION ALL SELECT 'case_event', count(*), md5(coalesce(string_agg(id || body::text, ',' ORDER BY id), '')) FROM case_event
	UNION ALL SELECT 'audit', count(*), md5(coalesce(string_agg(id || device_id || body::text, ',' ORDER BY id), '')) FROM audit
	UNION ALL SELECT 'flow_park', count(*), md5(coalesce(string_agg(id || body::text, ',' ORDER BY id), '')) FROM flow_park
	UNION ALL SELECT 'customer', count(*), md5(coalesce(string_agg(id || body::text, ',' ORDER BY id), '')) FROM customer
	UNION ALL SELECT 'change_log', count(*), md5(coalesce(string_agg(cursor || record_id || body::text, ',' ORDER BY cursor), '')) FROM change_log
	UNION ALL SELECT 'device', count(*), md5(coalesce(string_agg(id || coalesce(prov_id, '') || coalesce(prov_code, ''), ',' ORDER BY id), '')) FROM device"
}

# raw TOKEN BODY: POST /v1/push; prints the HTTP status, the answer in $tmp/raw.out.
raw() {
	printf '%s' "$2" >"$tmp/raw.json"
	curl -sS -o "$tmp/raw.out" -w '%{http_code}' -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data-binary "@$tmp/raw.json" "$URL/v1/push"
}
# refused SEQ CODE: the last answer refused SEQ with CODE (prints what it saw).
refused() {
	if ! tr -d ' ' <"$tmp/raw.out" | grep -q "{\"seq\":$1,\"error\":\"[^\"]*\",\"code\":\"$2\"}"; then
		echo "    answer: $(cat "$tmp/raw.out")"
		return 1
	fi
}
# The attacker's seqs: a counter of its own.
aseq=0
next() { aseq=$((aseq + 1)); }

uid() { printf '01900000-0000-7000-8000-%012d' "$1"; }
visit() { # SEQ ID SITE ADVISOR
	echo "{\"seq\":$1,\"type\":\"visit\",\"op\":\"insert\",\"id\":\"$2\",\"body\":{\"id\":\"$2\",\"site\":\"$3\",\"channel\":\"phone\",\"advisor\":\"$4\",\"started_at\":\"2026-11-20T10:00:00.000Z\"}}"
}
contact() { # SEQ ID DEVICE SITE ADVISOR [CUSTOMER]
	echo "{\"seq\":$1,\"type\":\"contact\",\"op\":\"insert\",\"id\":\"$2\",\"body\":{\"id\":\"$2\",\"visit_id\":\"$2\",\"customer_id\":${6:-null},\"channel\":\"phone\",\"site\":\"$4\",\"advisor\":\"$5\",\"service\":\"council-tax-payment\",\"outcome\":\"resolved\",\"device_id\":\"$3\",\"created_at\":\"2026-11-20T10:00:00.000Z\"}}"
}
# victim_whole: the victim logs, syncs, and nothing waits or was refused.
victim_whole() {
	fdc vic contact log --service council-tax-payment --outcome resolved >/dev/null &&
		fdc vic sync --once >/dev/null 2>&1 &&
		[ "$(sq vic "SELECT count(*) FILTER (WHERE sent_at IS NULL) + count(*) FILTER (WHERE error IS NOT NULL) FROM outbox")" = 0 ] &&
		[ "$(sq vic "SELECT count(*) FROM contact")" = "$(psql_q "SELECT count(*) FROM contact WHERE device_id = '$vdev'")" ]
}

# ---- device ids -------------------------------------------------------------
begin "a contact claiming the victim's device id is refused not_yours; nothing applied"
before=$(tables)
next; k=$(uid 101)
same "answered" 200 "$(raw "$token" "{\"changes\":[$(contact $aseq "$k" "$vdev" hub-central-library cli:x)]}")"
check "refused not_yours" refused $aseq not_yours
check "... naming the member" grep -q 'device_id names another device' "$tmp/raw.out"
check "... and not the value" sh -c "! grep -q '$vdev' '$tmp/raw.out'"
same "tables unchanged" "$before" "$(tables)"
same "the refusal is recorded with its code" "not_yours" "$(psql_q "SELECT code FROM change_in WHERE device_id = '$adev' AND seq = $aseq")"
check "the victim syncs whole" victim_whole
finish

begin "the rest of a batch goes on: one forged contact among good ones"
before=$(tables)
next; s1=$aseq; next; s2=$aseq; next; s3=$aseq
same "answered" 200 "$(raw "$token" "{\"changes\":[$(contact $s1 "$(uid 111)" "$adev" hub-central-library cli:x),$(contact $s2 "$(uid 112)" "$vdev" hub-central-library cli:x),$(contact $s3 "$(uid 113)" "$adev" hub-central-library jsmith)]}")"
check "the forged one refused" refused "$s2" not_yours
same "the good ones applied" "2|0" "$(psql_q "SELECT count(*) FILTER (WHERE id IN ('$(uid 111)', '$(uid 113)')), count(*) FILTER (WHERE id = '$(uid 112)') FROM contact")"
same "held up to the last" "1" "$(grep -c "\"held\": *$s3" "$tmp/raw.out")"
finish

# ---- sites --------------------------------------------------------------------
begin "a visit and a contact at the victim's site are refused not_yours"
before=$(tables)
next; s1=$aseq; next; s2=$aseq
same "answered" 200 "$(raw "$token" "{\"changes\":[$(visit $s1 "$(uid 121)" civic-centre cli:x),$(contact $s2 "$(uid 122)" "$adev" civic-centre cli:x)]}")"
check "visit refused" refused "$s1" not_yours
check "contact refused" refused "$s2" not_yours
check "... naming the rule" grep -q 'site is not one this device is enrolled for' "$tmp/raw.out"
same "tables unchanged" "$before" "$(tables)"
check "the victim syncs whole" victim_whole
finish

begin "an outreach device enrolled for two sites speaks for both, not a third"
"$fdd" device add --site hub-central-library --site hub-northfield-library --db "$DB" >"$tmp/out.add" 2>&1
ocode=$(sed -n 's/^enrolment code \([^ ]*\).*/\1/p' "$tmp/out.add")
check "device add names both sites" grep -q "also hub-northfield-library" "$tmp/out.add"
curl -sS -H 'Content-Type: application/json' -d "{\"code\":\"$ocode\"}" "$URL/v1/enrol" >"$tmp/oenrol.json"
otoken=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$tmp/oenrol.json")
odev=$(sed -n 's/.*"device_id": *"\([^"]*\)".*/\1/p' "$tmp/oenrol.json")
"$fdd" device list --db "$DB" >"$tmp/dlist.out"
check "device list shows the set" grep -q "$odev  .*hub-central-library,hub-northfield-library" "$tmp/dlist.out"
same "answered" 200 "$(raw "$otoken" "{\"changes\":[$(contact 1 "$(uid 131)" "$odev" hub-central-library cli:x),$(contact 2 "$(uid 132)" "$odev" hub-northfield-library cli:x),$(contact 3 "$(uid 133)" "$odev" civic-centre cli:x)]}")"
same "two applied" "2" "$(psql_q "SELECT count(*) FROM contact WHERE device_id = '$odev'")"
check "the third site refused" refused 3 not_yours
finish

# ---- advisors -------------------------------------------------------------------
begin "advisors: unknown users wait, disabled and other-site users refused; cli: accepted"
before=$(tables)
next; s1=$aseq; next; s2=$aseq; next; s3=$aseq; next; s4=$aseq
same "answered" 200 "$(raw "$token" "{\"changes\":[$(contact $s1 "$(uid 141)" "$adev" hub-central-library advisor:nobody),$(contact $s2 "$(uid 142)" "$adev" hub-central-library gone),$(visit $s3 "$(uid 143)" hub-central-library supervisor:civiconly),$(contact $s4 "$(uid 144)" "$adev" hub-central-library advisor:civiconly)]}")"
check "unknown: nothing applied, the record waits for the user's change (needs_person)" refused $s1 needs_person
check "... as no user" grep -q "advisor names no user this server holds" "$tmp/raw.out"
check "disabled refused" refused $s2 not_yours
check "other site refused (visit)" refused $s3 not_yours
check "other site refused (contact)" refused $s4 not_yours
check "no login echoed" sh -c "! grep -q -e nobody -e civiconly '$tmp/raw.out'"
same "tables unchanged" "$before" "$(tables)"
next
same "cli:NAME is accepted (it names no person)" 200 "$(raw "$token" "{\"changes\":[$(contact $aseq "$(uid 145)" "$adev" hub-central-library cli:anyone)]}")"
same "... applied" "1" "$(psql_q "SELECT count(*) FROM contact WHERE id = '$(uid 145)'")"
check "the victim syncs whole" victim_whole
finish

# ---- case references -------------------------------------------------------------
begin "a case with the victim's reference prefix is refused; the victim's own case arrives"
before=$(tables)
n=$(($(sq vic "SELECT value FROM settings WHERE key = 'case_counter'") + 1))
vref=$(printf '%s-%05d' "$vcode" "$n")
cid=$(uid 151)
next
same "answered" 200 "$(raw "$token" "{\"changes\":[{\"seq\":$aseq,\"type\":\"case\",\"op\":\"insert\",\"id\":\"$cid\",\"body\":{\"id\":\"$cid\",\"reference\":\"$vref\",\"team\":\"revenues\",\"service\":\"council-tax-payment\",\"reason\":\"x\",\"status\":\"open\",\"due_date\":\"2026-12-01\",\"created_at\":\"2026-11-20T10:00:00.000Z\"}}]}")"
check "refused not_yours" refused $aseq not_yours
check "... naming the reference rule" grep -q "reference does not start with this device's code" "$tmp/raw.out"
same "tables unchanged" "$before" "$(tables)"
ref=$(fdc vic contact log --service council-tax-moving --outcome referred --reason "Joint liability" | sed -n 's/^case \([A-Z0-9]*-[0-9]*\).*/\1/p')
same "the victim raises that very reference" "$vref" "$ref"
check "the victim syncs whole" victim_whole
same "its case is at the server" "1" "$(psql_q "SELECT count(*) FROM \"case\" WHERE reference = '$vref' AND device_id = '$vdev'")"
finish

begin "cases raised before enrolment keep their provisional prefix and are taken; no device can squat it first"
"$fd" --db "$tmp/late.db" init --site civic-centre >/dev/null
pcode=$(sqlite3 "$tmp/late.db" "SELECT value FROM settings WHERE key = 'device_code'")
pid=$(sqlite3 "$tmp/late.db" "SELECT value FROM settings WHERE key = 'device_id'")
pref=$("$fd" --db "$tmp/late.db" contact log --service council-tax-moving --outcome referred --reason "Early" | sed -n 's/^case \([A-Z0-9]*-[0-9]*\).*/\1/p')
# Before the new desk enrols, an enrolled device tries to take its
# provisional code (its printed case references give it away) and id.
next
same "a case with a new desk's provisional prefix, before it enrols" 200 "$(raw "$token" "{\"changes\":[{\"seq\":$aseq,\"type\":\"case\",\"op\":\"insert\",\"id\":\"$(uid 151)\",\"body\":{\"id\":\"$(uid 151)\",\"reference\":\"$pref\",\"team\":\"revenues\",\"service\":\"council-tax-payment\",\"reason\":\"squat\",\"status\":\"open\",\"due_date\":\"2026-12-01\",\"created_at\":\"2026-11-20T10:00:00.000Z\"}}]}")"
check "... refused not_yours" refused $aseq not_yours
next
same "a contact with its provisional device id, before it enrols" 200 "$(raw "$token" "{\"changes\":[$(contact $aseq "$(uid 153)" "$pid" hub-central-library cli:x)]}")"
check "... refused not_yours" refused $aseq not_yours
same "neither was recorded as the attacker's" "0" "$(psql_q "SELECT count(*) FROM device WHERE prov_code = '$pcode' OR prov_id = '$pid'")"
lcode=$("$fdd" device add --site civic-centre --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
"$fd" --db "$tmp/late.db" device enrol --server "$URL" --code "$lcode" >/dev/null 2>&1
check "the late desk syncs" "$fd" --db "$tmp/late.db" sync --once
same "its provisional prefix" "Z" "$(echo "$pcode" | cut -c1)"
same "its early case is at the server" "1" "$(psql_q "SELECT count(*) FROM \"case\" WHERE reference = '$pref'")"
same "nothing refused (audit rows and contacts made before enrolment too)" "0" "$(sqlite3 "$tmp/late.db" "SELECT count(*) FROM outbox WHERE error IS NOT NULL OR sent_at IS NULL")"
same "the provisional identity is recorded as that device's" "$pcode" "$(psql_q "SELECT prov_code FROM device WHERE code = '$(sqlite3 "$tmp/late.db" "SELECT value FROM settings WHERE key = 'device_code'")'")"
next
same "no other device can use that prefix" 200 "$(raw "$token" "{\"changes\":[{\"seq\":$aseq,\"type\":\"case\",\"op\":\"insert\",\"id\":\"$(uid 152)\",\"body\":{\"id\":\"$(uid 152)\",\"reference\":\"$pcode-00077\",\"team\":\"revenues\",\"service\":\"council-tax-payment\",\"reason\":\"x\",\"status\":\"open\",\"due_date\":\"2026-12-01\",\"created_at\":\"2026-11-20T10:00:00.000Z\"}}]}")"
check "refused not_yours" refused $aseq not_yours
finish

begin "a desk may name its provisional identity at enrolment; another device cannot take it"
e1=$("$fdd" device add --site civic-centre --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
e2=$("$fdd" device add --site civic-centre --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
e3=$("$fdd" device add --site civic-centre --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
enrol() {
	curl -sS -o "$tmp/en.out" -w '%{http_code}' -H 'Content-Type: application/json' -d "$1" "$URL/v1/enrol"
}
same "a malformed provisional code is refused" 422 "$(enrol "{\"code\":\"$e1\",\"provisional_code\":\"ABC\"}")"
check "... naming the member" grep -q '"field": *"provisional_code"' "$tmp/en.out"
same "the code was not spent" 200 "$(enrol "{\"code\":\"$e1\",\"provisional_id\":\"$(uid 201)\",\"provisional_code\":\"ZQ7Q\"}")"
check "the answer says what is recorded" grep -q '"provisional_code": *"ZQ7Q"' "$tmp/en.out"
check "... id too" grep -q "\"provisional_id\": *\"$(uid 201)\"" "$tmp/en.out"
same "a second device naming the same is enrolled" 200 "$(enrol "{\"code\":\"$e2\",\"provisional_id\":\"$(uid 201)\",\"provisional_code\":\"ZQ7Q\"}")"
check "... without them" sh -c "! grep -q provisional '$tmp/en.out'"
t2=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$tmp/en.out")
d2=$(sed -n 's/.*"device_id": *"\([^"]*\)".*/\1/p' "$tmp/en.out")
same "and its push with that prefix is refused" 200 "$(raw "$t2" "{\"changes\":[{\"seq\":1,\"type\":\"case\",\"op\":\"insert\",\"id\":\"$(uid 202)\",\"body\":{\"id\":\"$(uid 202)\",\"reference\":\"ZQ7Q-00001\",\"team\":\"revenues\",\"service\":\"council-tax-payment\",\"reason\":\"x\",\"status\":\"open\",\"due_date\":\"2026-12-01\",\"created_at\":\"2026-11-20T10:00:00.000Z\"}}]}")"
check "not_yours" refused 1 not_yours
same "... and with that device id" 200 "$(raw "$t2" "{\"changes\":[$(contact 2 "$(uid 203)" "$(uid 201)" civic-centre cli:x)]}")"
check "not_yours" refused 2 not_yours
same "an enrolment naming a real device's id records nothing" 200 "$(enrol "{\"code\":\"$e3\",\"provisional_id\":\"$vdev\"}")"
check "... nothing" sh -c "! grep -q provisional '$tmp/en.out'"
same "no device holds another's id as provisional" "0" "$(psql_q "SELECT count(*) FROM device a JOIN device b ON a.prov_id = b.id")"
same "the second device is not left without its own" "$d2" "$(psql_q "SELECT id FROM device WHERE id = '$d2' AND prov_id IS NULL AND prov_code IS NULL")"
finish

# ---- audit ids -----------------------------------------------------------------
begin "audit rows in the victim's id space are refused; the victim's real rows all arrive"
before=$(tables)
vnext=$(($(sq vic "SELECT max(seq) FROM audit") + 1))
batch=""
for i in 0 1 2 3 4; do
	next
	n=$((vnext + i))
	batch="$batch${batch:+,}{\"seq\":$aseq,\"type\":\"audit\",\"op\":\"insert\",\"id\":\"$vdev:$n\",\"body\":{\"id\":\"$vdev:$n\",\"seq\":$n,\"device_id\":\"$vdev\",\"at\":\"2026-11-20T10:00:00.000Z\",\"actor\":\"cli:x\",\"action\":\"forged\",\"prev_hash\":\"00\",\"hash\":\"00\"}}"
done
same "answered" 200 "$(raw "$token" "{\"changes\":[$batch]}")"
check "refused not_yours" refused $aseq not_yours
same "all five refused" "5" "$(tr -d ' ' <"$tmp/raw.out" | grep -o '"code":"not_yours"' | wc -l | tr -d ' ')"
same "tables unchanged" "$before" "$(tables)"
check "the victim syncs whole" victim_whole
same "every audit row of the victim is at the server, as made" \
	"$(sq vic "SELECT count(*) FROM audit")" \
	"$(psql_q "SELECT count(*) FROM audit WHERE device_id = '$vdev' AND body->>'action' <> 'forged'")"
same "no forged row at all" "0" "$(psql_q "SELECT count(*) FROM audit WHERE body->>'action' = 'forged'")"
finish

begin "an audit id held already, sent again with another body: id_reused, not dropped"
next
a1="{\"seq\":$aseq,\"type\":\"audit\",\"op\":\"insert\",\"id\":\"$adev:900\",\"body\":{\"id\":\"$adev:900\",\"seq\":900,\"device_id\":\"$adev\",\"at\":\"2026-11-20T10:00:00.000Z\",\"actor\":\"cli:x\",\"action\":\"first\",\"prev_hash\":\"00\",\"hash\":\"11\"}}"
same "the first is taken" 200 "$(raw "$token" "{\"changes\":[$a1]}")"
before=$(tables)
next
same "answered" 200 "$(raw "$token" "{\"changes\":[$(echo "$a1" | sed "s/\"seq\":[0-9]*,\"type\"/\"seq\":$aseq,\"type\"/; s/\"first\"/\"second\"/")]}")"
check "refused id_reused" refused $aseq id_reused
same "tables unchanged" "$before" "$(tables)"
same "the held row is the first" "first" "$(psql_q "SELECT body->>'action' FROM audit WHERE id = '$adev:900'")"
next
same "the same body under a new seq is taken (held once)" 200 "$(raw "$token" "{\"changes\":[$(echo "$a1" | sed "s/\"seq\":[0-9]*,\"type\"/\"seq\":$aseq,\"type\"/")]}")"
same "... with no refusal" "0" "$(grep -c '"code"' "$tmp/raw.out")"
same "... and no change" "$before" "$(tables)"
finish

# ---- parked flows --------------------------------------------------------------------
begin "the victim's parked run cannot be removed by a desk of another site"
pid=$(fdc vic customer add --name "Park Customer" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1)
fdc vic sync --once >/dev/null 2>&1
# A colleague's desk at the victim's site parks a run (a raw device there).
pc=$("$fdd" device add --site civic-centre --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
curl -sS -H 'Content-Type: application/json' -d "{\"code\":\"$pc\"}" "$URL/v1/enrol" >"$tmp/penrol.json"
ptoken=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$tmp/penrol.json")
park=$(uid 161)
same "parked" 200 "$(raw "$ptoken" "{\"changes\":[{\"seq\":1,\"type\":\"flow_park\",\"op\":\"insert\",\"id\":\"$park\",\"body\":{\"id\":\"$park\",\"customer_id\":\"$pid\",\"flow_id\":\"missed-bin\",\"flow_version\":1,\"step\":\"start\",\"saved\":\"{}\",\"parked_by\":\"cli:x\",\"parked_at\":\"2026-11-20T10:00:00.000Z\"}}]}")"
before=$(tables)
next
same "answered" 200 "$(raw "$token" "{\"changes\":[{\"seq\":$aseq,\"type\":\"flow_park\",\"op\":\"delete\",\"id\":\"$park\",\"body\":{\"id\":\"$park\",\"customer_id\":\"$pid\",\"deleted\":true}}]}")"
check "refused not_yours" refused $aseq not_yours
# A contact for the customer that finished no run of that flow is no part in it.
next; s1=$aseq; next; s2=$aseq
same "answered" 200 "$(raw "$token" "{\"changes\":[$(contact $s1 "$(uid 162)" "$adev" hub-central-library cli:x "\"$pid\""),{\"seq\":$s2,\"type\":\"flow_park\",\"op\":\"delete\",\"id\":\"$park\",\"body\":{\"id\":\"$park\",\"customer_id\":\"$pid\",\"deleted\":true}}]}")"
check "... even after a contact for its customer in the same batch" refused $s2 not_yours
same "the run is still parked at the server" "1" "$(psql_q "SELECT count(*) FROM flow_park WHERE id = '$park'")"
check "the victim syncs whole" victim_whole
same "the victim receives the run" "1" "$(sq vic "SELECT count(*) FROM flow_park WHERE id = '$park'")"
# A desk that takes part in it may: one sharing the site.
same "a desk of the same site removes it" 200 "$(raw "$ptoken" "{\"changes\":[{\"seq\":2,\"type\":\"flow_park\",\"op\":\"delete\",\"id\":\"$park\",\"body\":{\"id\":\"$park\",\"customer_id\":\"$pid\",\"deleted\":true}}]}")"
same "... gone" "0" "$(psql_q "SELECT count(*) FROM flow_park WHERE id = '$park'")"
finish

# ---- restores: seqs and ids ------------------------------------------------------------
begin "a seq held, sent again with another record: 409 seq_reused with held; nothing applied"
next
k=$(uid 171)
same "taken" 200 "$(raw "$token" "{\"changes\":[$(contact $aseq "$k" "$adev" hub-central-library cli:x)]}")"
held=$aseq
same "the same batch again is a retry" 200 "$(raw "$token" "{\"changes\":[$(contact $aseq "$k" "$adev" hub-central-library cli:x)]}")"
before=$(tables)
k2=$(uid 172)
code=$(raw "$token" "{\"changes\":[$(contact $held "$k2" "$adev" hub-central-library cli:x),$(contact $((held + 1)) "$(uid 173)" "$adev" hub-central-library cli:x)]}")
same "409" 409 "$code"
check "code seq_reused" grep -q '"code": *"seq_reused"' "$tmp/raw.out"
check "held named" grep -q "\"held\": *$held" "$tmp/raw.out"
check "seq named" grep -q "\"seq\": *$held" "$tmp/raw.out"
check "field named" grep -q '"field": *"changes\[0\].seq"' "$tmp/raw.out"
same "tables unchanged" "$before" "$(tables)"
same "nothing recorded" "0" "$(psql_q "SELECT count(*) FROM change_in WHERE device_id = '$adev' AND seq = $((held + 1))")"
check "the victim syncs whole" victim_whole
finish

begin "a record id re-sent under a new seq is held once"
next
same "a visit taken" 200 "$(raw "$token" "{\"changes\":[$(visit $aseq "$(uid 191)" hub-central-library cli:x)]}")"
before=$(tables)
next; s1=$aseq; next; s2=$aseq
same "answered" 200 "$(raw "$token" "{\"changes\":[$(contact $s1 "$k" "$adev" hub-central-library cli:y),$(visit $s2 "$(uid 191)" hub-central-library cli:y)]}")"
same "held once, as first sent" "1|cli:x" "$(psql_q "SELECT count(*) || '|' || min(body->>'advisor') FROM contact WHERE id = '$k'")"
same "tables unchanged" "$before" "$(tables)"
finish

begin "a victim's contact id re-sent by the attacker does not replace it"
vk=$(psql_q "SELECT id FROM contact WHERE device_id = '$vdev' ORDER BY id LIMIT 1")
before=$(tables)
next
same "answered" 200 "$(raw "$token" "{\"changes\":[$(contact $aseq "$vk" "$adev" hub-central-library cli:x)]}")"
same "still the victim's" "$vdev" "$(psql_q "SELECT device_id FROM contact WHERE id = '$vk'")"
same "tables unchanged" "$before" "$(tables)"
finish

begin "a correction of the victim's contact is refused; of its own, taken"
vk=$(psql_q "SELECT id FROM contact WHERE device_id = '$vdev' ORDER BY id LIMIT 1")
before=$(tables)
next; s1=$aseq; next; s2=$aseq
corr() { # SEQ ID CORRECTS
	echo "{\"seq\":$1,\"type\":\"contact\",\"op\":\"insert\",\"id\":\"$2\",\"body\":{\"id\":\"$2\",\"visit_id\":\"$2\",\"channel\":\"phone\",\"site\":\"hub-central-library\",\"advisor\":\"cli:x\",\"service\":\"complaint\",\"outcome\":\"signposted\",\"corrects\":\"$3\",\"device_id\":\"$adev\",\"created_at\":\"2026-11-20T11:00:00.000Z\"}}"
}
same "answered" 200 "$(raw "$token" "{\"changes\":[$(corr $s1 "$(uid 211)" "$vk")]}")"
check "refused not_yours" refused $s1 not_yours
check "... naming the member" grep -q "corrects names a contact made at another desk" "$tmp/raw.out"
same "tables unchanged" "$before" "$(tables)"
same "its own contact corrected" 200 "$(raw "$token" "{\"changes\":[$(corr $s2 "$(uid 212)" "$(uid 111)")]}")"
same "... taken" "1" "$(psql_q "SELECT count(*) FROM contact WHERE id = '$(uid 212)'")"
finish

begin "no value a device sends is echoed into change_in.error"
next
same "answered" 200 "$(raw "$token" "{\"changes\":[{\"seq\":$aseq,\"type\":\"contact\",\"op\":\"insert\",\"id\":\"$(uid 181)\",\"body\":{\"id\":\"$(uid 181)\",\"visit_id\":\"$(uid 181)\",\"channel\":\"jo-smith-07700900123\",\"site\":\"hub-central-library\",\"advisor\":\"cli:x\",\"service\":\"council-tax-payment\",\"outcome\":\"resolved\",\"device_id\":\"$adev\",\"created_at\":\"2026-11-20T10:00:00.000Z\"}}]}")"
check "refused invalid" refused $aseq invalid
same "the value is in no error" "0" "$(psql_q "SELECT count(*) FROM change_in WHERE error LIKE '%07700900123%'")"
check "the member is named" grep -q "unknown channel code (value not shown) in channel" "$tmp/raw.out"
finish

begin "user sites: set, shown in the refusals, and cleared back to every site"
check "an unknown user is refused" sh -c "! '$fdd' user sites nobody --site civic-centre --db '$DB' 2>/dev/null"
check "an unknown site is refused" sh -c "! '$fdd' user sites jsmith --site mars --db '$DB' 2>/dev/null"
check "jsmith limited to civic-centre" "$fdd" user sites jsmith --site civic-centre --db "$DB"
next
same "answered" 200 "$(raw "$token" "{\"changes\":[$(contact $aseq "$(uid 191)" "$adev" hub-central-library advisor:jsmith)]}")"
check "refused at the attacker's site" refused $aseq not_yours
check "... as not allowed there" grep -q "advisor names a user who is not allowed at the record's site" "$tmp/raw.out"
check "jsmith back to every site" "$fdd" user sites jsmith --db "$DB"
next
same "answered" 200 "$(raw "$token" "{\"changes\":[$(contact $aseq "$(uid 192)" "$adev" hub-central-library advisor:jsmith)]}")"
same "taken" "1" "$(psql_q "SELECT count(*) FROM contact WHERE id = '$(uid 192)'")"
finish

begin "after every attack the victim still receives everything"
check "back office closes the victim's case" "$fdd" case update "$vref" --status closed --result "Done" --db "$DB"
"$fdd" hot-topic add --text "Trust suite topic" --db "$DB" >/dev/null
check "the victim syncs whole" victim_whole
same "its case closed there" "closed" "$(sq vic "SELECT status FROM \"case\" WHERE reference = '$vref'")"
same "the hot topic there" "1" "$(sq vic "SELECT count(*) FROM hot_topic WHERE text = 'Trust suite topic'")"
same "nothing the victim made is refused or waiting" "0" "$(sq vic "SELECT count(*) FROM outbox WHERE error IS NOT NULL OR sent_at IS NULL")"
finish

summary
