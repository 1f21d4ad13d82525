#!/bin/sh
# An erasure leaves nothing readable on the server's disk: the person's
# values reach PostgreSQL only sealed under their own key, kept outside
# it (frontdeskd(8), "Keys"), and an erasure shreds that key. The test
# greps every file of the PostgreSQL cluster (tables, indexes, the WAL)
# for the person's values and checks the key's bytes in the key store.
# Real frontdeskd, PostgreSQL and desks (see lib.sh). Ends with
# "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# (its own cluster: it greps the cluster's files, where other cases'
# people would show)
own_cluster=1
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

# shellcheck disable=SC2119 # no environment to add
start_server || exit 1
console deskA hub-central-library || { cat "$tmp/deskA.enrol"; exit 1; }
console deskB civic-centre || { cat "$tmp/deskB.enrol"; exit 1; }

id_of() {
	sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1
}
# on_disk WORD...: the words found in any file of the PostgreSQL cluster
# (after a checkpoint, so what was written is in the files), one a line.
on_disk() {
	psql_q "CHECKPOINT" >/dev/null
	for w in "$@"; do
		grep -r -a -q -i -F -- "$w" "$tmp/pg" && echo "$w"
	done
}
# key_entry ID: the state byte and whether the key is all zeros ("2 zero"
# for a shredded key, "1 set" for a live one, "none" when it has none).
key_entry() {
	python3 - "$FRONTDESKD_KEYS" "$1" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
want = bytes.fromhex(sys.argv[2].replace('-', ''))
found = 'none'
for off in range(64, len(data) - 63, 64):
    if data[off:off + 16] == want:
        key = data[off + 32:off + 64]
        found = '%d %s' % (data[off + 16], 'zero' if key == bytes(32) else 'set')
        break
print(found)
EOF
}

# Two people, each with everything the server keeps of a person: fields,
# a contact's notes, a referral's reason, a case event's note.
words1="Zephyrine Quillfeather zq.erasure@example.org 900987 ZQNOTE-marmalade ZQREASON-harpsichord ZQEVENT-tortoise"
words2="Ottoline Brackenbury ob.erasure@example.org 900654 OBNOTE-lighthouse OBREASON-accordion"

begin "the server keeps a person's values sealed: not in PostgreSQL's files, yet whole at another desk"
c1=$(fdc deskA customer add --name "Zephyrine Quillfeather" --email "zq.erasure@example.org" --phone "07700 900987" | id_of)
fdc deskA contact log --customer "$c1" --service council-tax-payment --outcome resolved --notes "ZQNOTE-marmalade" >/dev/null
ref1=$(fdc deskA contact log --customer "$c1" --service council-tax-moving --outcome referred --reason "ZQREASON-harpsichord" |
	sed -n 's/^case \([A-Z0-9]*-[0-9]*\).*/\1/p')
c2=$(fdc deskA customer add --name "Ottoline Brackenbury" --email "ob.erasure@example.org" --phone "07700 900654" | id_of)
fdc deskA contact log --customer "$c2" --service council-tax-payment --outcome resolved --notes "OBNOTE-lighthouse" >/dev/null
fdc deskA contact log --customer "$c2" --service council-tax-moving --outcome referred --reason "OBREASON-accordion" >/dev/null
check "desk A syncs" fdc deskA sync --once
check "a case event with a note, made centrally" "$fdd" case update "$ref1" --status in-progress --note "ZQEVENT-tortoise" --db "$DB"
check "desk B syncs" fdc deskB sync --once
same "desk B has the person whole" "Zephyrine Quillfeather|+447700900987|zq.erasure@example.org" \
	"$(sq deskB "SELECT name || '|' || phone || '|' || email FROM customer WHERE id = '$c1'")"
same "desk B has the referral's reason" "ZQREASON-harpsichord" "$(sq deskB "SELECT reason FROM \"case\" WHERE reference = '$ref1'")"
same "desk B has the central event's note" "1" "$(sq deskB "SELECT count(*) FROM case_event WHERE note = 'ZQEVENT-tortoise'")"
same "the server holds the records" "2|4|2" \
	"$(psql_q "SELECT (SELECT count(*) FROM customer WHERE id IN ('$c1', '$c2')) || '|' || (SELECT count(*) FROM contact WHERE customer_id IN ('$c1', '$c2')) || '|' || (SELECT count(*) FROM \"case\" WHERE customer_id IN ('$c1', '$c2'))")"
# (the same search finds them where they are kept in the clear: a desk)
check "the search finds the name in desk B's files" sh -c "cat '$tmp/deskB.db'* | grep -a -q Quillfeather"
# shellcheck disable=SC2086 # the words are split on purpose
same "no value of either person in any file of the cluster (tables, WAL)" "" "$(on_disk $words1 $words2 | tr '\n' ' ')"
same "each has a live key in the key store" "1 set|1 set" "$(key_entry "$c1")|$(key_entry "$c2")"
same "the key store is private" "600" "$(stat -c %a "$FRONTDESKD_KEYS")"
finish

begin "an erasure shreds the key: the person's sealed values can never be opened again, the other person's can"
cp "$FRONTDESKD_KEYS" "$tmp/keys.backup"
check "erased centrally" "$fdd" customer erase "$c1" --db "$DB"
psql_q "VACUUM" >/dev/null
same "the key's bytes on disk are zeros" "2 zero" "$(key_entry "$c1")"
same "the other person's key is untouched" "1 set" "$(key_entry "$c2")"
# shellcheck disable=SC2086
same "still nothing of either in the cluster's files" "" "$(on_disk $words1 $words2 | tr '\n' ' ')"
check "desk B syncs the erasure" fdc deskB sync --once
same "desk B: erased" "1|" "$(sq deskB "SELECT erased || '|' || coalesce(name, '') FROM customer WHERE id = '$c1'")"
# A new desk pulls everything the server holds: the other person whole,
# the erased one a tombstone, the erased one's case reason as erased.
console deskC civic-centre || { cat "$tmp/deskC.enrol"; exit 1; }
check "a new desk pulls everything" fdc deskC sync --once
same "the new desk: the other person whole" "Ottoline Brackenbury|+447700900654" \
	"$(sq deskC "SELECT name || '|' || phone FROM customer WHERE id = '$c2'")"
same "the new desk: the erased person a tombstone" "1||" \
	"$(sq deskC "SELECT erased || '|' || coalesce(name, '') || '|' || coalesce(email, '') FROM customer WHERE id = '$c1'")"
same "the new desk: nothing of the erased person's words" "0" \
	"$(sq deskC "SELECT count(*) FROM \"case\" WHERE reason LIKE 'ZQ%'")"
finish

begin "a desk's erasure shreds the key too; a key store restored from a backup is shredded again at start"
printf 'admin-password-1\n' | "$fdd" user add radmin --role admin --db "$DB" >/dev/null
check "erased at desk A" fdc deskA customer erase "$c2" --reason "request by letter of 3 May" --yes
printf 'admin-password-1\n' | fdc deskA sync --once --user radmin >/dev/null 2>&1
same "the erasure reached the server" "t" "$(psql_q "SELECT erased FROM customer WHERE id = '$c2'")"
same "its key's bytes are zeros" "2 zero" "$(key_entry "$c2")"
# The backup taken before both erasures holds both keys.
stop_server
cp "$tmp/keys.backup" "$FRONTDESKD_KEYS"
same "the old copy had the keys" "1 set|1 set" "$(key_entry "$c1")|$(key_entry "$c2")"
start_server || exit 1
same "shredded again at start" "2 zero|2 zero" "$(key_entry "$c1")|$(key_entry "$c2")"
check "and said so" grep -q "shredded again the keys of 2 erased customers" "$tmp/server.log"
# shellcheck disable=SC2086
same "nothing of either in the cluster's files" "" "$(on_disk $words1 $words2 | tr '\n' ' ')"
finish

begin "keys seal: what an older frontdeskd kept in the clear is sealed, and still reaches desks whole"
old=01a25304-0000-7000-8000-00000000c0de
oldcase=01a25304-0000-7000-8000-00000000ca5e
stamp="1796689141585-0001-01a25304-0000-7000-8000-000000000001"
body="{\"id\": \"$old\", \"created_at\": \"2026-11-20T10:00:00.000Z\", \"erased\": false,
 \"fields\": {\"name\": \"Leopold Oldclear\", \"email\": \"lo.legacy@example.org\"},
 \"hlc\": {\"name\": \"$stamp\", \"email\": \"$stamp\"}, \"phone_raw\": null}"
cbody="{\"id\": \"$oldcase\", \"reference\": \"OLD-1\", \"customer_id\": \"$old\", \"team\": \"revenues\",
 \"service\": \"council-tax-moving\", \"reason\": \"LOREASON-clavichord\", \"status\": \"open\",
 \"due_date\": \"2026-12-01\", \"created_at\": \"2026-11-20T10:00:00.000Z\"}"
psql_q "INSERT INTO customer (id, body) VALUES ('$old', '$body');
	INSERT INTO \"case\" (id, reference, customer_id, team, status, body)
	 VALUES ('$oldcase', 'OLD-1', '$old', 'revenues', 'open', '$cbody');
	INSERT INTO change_log (record_type, record_id, body) VALUES ('customer', '$old', '$body'),
	 ('case', '$oldcase', '$cbody')" >/dev/null
"$fdd" keys seal --db "$DB" >"$tmp/seal.out" 2>&1
same "exit status" "0" "$?"
same "what it sealed" "sealed 1 customers|sealed 1 cases|sealed 2 change log entries" \
	"$(grep -E '^sealed [1-9]' "$tmp/seal.out" | paste -sd'|' -)"
check "it says what stays behind" grep -q "retire" "$tmp/seal.out"
same "no row holds the values in the clear now" "0" \
	"$(psql_q "SELECT count(*) FROM (SELECT body::text AS t FROM customer UNION ALL SELECT body::text
	FROM \"case\" UNION ALL SELECT body::text FROM change_log) x WHERE t ~* '(oldclear|lo.legacy|clavichord)'")"
"$fdd" keys seal --db "$DB" >"$tmp/seal2.out" 2>&1
same "a second run seals nothing" "" "$(grep -E '^sealed [1-9]' "$tmp/seal2.out")"
console deskD civic-centre || { cat "$tmp/deskD.enrol"; exit 1; }
check "a new desk pulls" fdc deskD sync --once
same "the new desk has the old customer whole" "Leopold Oldclear|lo.legacy@example.org" \
	"$(sq deskD "SELECT name || '|' || email FROM customer WHERE id = '$old'")"
same "and the old case's reason" "LOREASON-clavichord" "$(sq deskD "SELECT reason FROM \"case\" WHERE id = '$oldcase'")"
finish

begin "the server refuses to start without its key store, and says how to give it"
stop_server
FRONTDESKD_KEYS="" "$fdd" serve --listen "127.0.0.1:$port" --db "$DB" >"$tmp/nokeys.out" 2>&1
same "exit status" "1" "$?"
check "the message names --keys" grep -q "no key store given; use --keys PATH or set FRONTDESKD_KEYS" "$tmp/nokeys.out"
printf 'not a key store\n' >"$tmp/notkeys"
FRONTDESKD_KEYS="$tmp/notkeys" "$fdd" customer erase "$c2" --db "$DB" >"$tmp/notkeys.out" 2>&1
same "a file that is not a key store: refused" "1" "$?"
check "and named" grep -q "is not a frontdeskd key store" "$tmp/notkeys.out"
start_server || exit 1
finish

begin "keys seal: a case updated before it ran keeps no value in the clear"
# An older server's case, in the clear; closed centrally before anyone
# ran keys seal: the result is sealed, the reason was not.
old2=01a25304-0000-7000-8000-00000000c0d2
oldcase2=01a25304-0000-7000-8000-00000000ca52
body2="{\"id\": \"$old2\", \"created_at\": \"2026-11-20T10:00:00.000Z\", \"erased\": false,
 \"fields\": {\"name\": \"Mirabel Preupgrade\"}, \"hlc\": {\"name\": \"$stamp\"}, \"phone_raw\": null}"
cbody2="{\"id\": \"$oldcase2\", \"reference\": \"OLD-2\", \"customer_id\": \"$old2\", \"team\": \"revenues\",
 \"service\": \"council-tax-moving\", \"reason\": \"MPREASON-dulcimer\", \"status\": \"open\",
 \"due_date\": \"2026-12-01\", \"created_at\": \"2026-11-20T10:00:00.000Z\"}"
psql_q "INSERT INTO customer (id, body) VALUES ('$old2', '$body2');
	INSERT INTO \"case\" (id, reference, customer_id, team, status, body)
	 VALUES ('$oldcase2', 'OLD-2', '$old2', 'revenues', 'open', '$cbody2');
	INSERT INTO change_log (record_type, record_id, body) VALUES ('customer', '$old2', '$body2'),
	 ('case', '$oldcase2', '$cbody2')" >/dev/null
check "the case is closed centrally" "$fdd" case update OLD-2 --status closed --result "MPRESULT-ocarina" --db "$DB"
check "keys seal runs" "$fdd" keys seal --db "$DB"
same "no row holds the old reason in the clear" "0" \
	"$(psql_q "SELECT count(*) FROM (SELECT body::text AS t FROM \"case\" UNION ALL SELECT body::text
	FROM change_log) x WHERE t ~* '(dulcimer|ocarina)'")"
"$fdd" keys seal --db "$DB" >"$tmp/seal3.out" 2>&1
same "a second run seals nothing" "" "$(grep -E '^sealed [1-9]' "$tmp/seal3.out")"
console deskE civic-centre || { cat "$tmp/deskE.enrol"; exit 1; }
check "a new desk pulls" fdc deskE sync --once
same "the new desk has the reason and result whole" "MPREASON-dulcimer|MPRESULT-ocarina" \
	"$(sq deskE "SELECT reason || '|' || result FROM \"case\" WHERE id = '$oldcase2'")"
finish

begin "a refused customer change keeps none of its values in the clear (change_in, the answer)"
console deskR hub-central-library || { cat "$tmp/deskR.enrol"; exit 1; }
rid=01a25304-0000-7000-8000-0000000bad01
rbody="{\"id\": \"$rid\", \"created_at\": \"2026-11-20T10:00:00.000Z\", \"erased\": false,
 \"fields\": {\"name\": \"Rosalind Vantablack\", \"postcode\": \"QX9 O'Vantablack\"},
 \"hlc\": {\"name\": \"$stamp\", \"postcode\": \"$stamp\"}, \"phone_raw\": null}"
printf '%s' "{\"changes\":[{\"seq\":1,\"type\":\"customer\",\"op\":\"upsert\",\"id\":\"$rid\",\"body\":$rbody}]}" >"$tmp/rpush.json"
same "answered" "200" "$(curl -sS -o "$tmp/rpush.out" -w '%{http_code}' -H "Authorization: Bearer $(cat "$tmp/deskR.db.token")" \
	-H 'Content-Type: application/json' --data-binary "@$tmp/rpush.json" "$URL/v1/push")"
check "refused" grep -q '"code": *"invalid"' "$tmp/rpush.out"
check "the answer names no value" sh -c "! grep -q -i vantablack '$tmp/rpush.out'"
same "change_in holds no value" "0" "$(psql_q "SELECT count(*) FROM change_in WHERE error ~* 'vantablack'")"
same "nothing of it in the cluster's files" "" "$(on_disk Vantablack)"
finish

begin "a key store that is not the one the data was sealed under: refused, and no desk is handed a person emptied"
stop_server
mv "$FRONTDESKD_KEYS" "$tmp/keys.real"
"$fdd" serve --listen "127.0.0.1:$port" --db "$DB" >"$tmp/emptykeys.out" 2>&1 &
epid=$!
sleep 1
if kill -0 "$epid" 2>/dev/null; then
	kill -TERM "$epid"
	wait "$epid"
	echo "    (frontdeskd served with an empty key store)"
	same "a new, empty key store: refused" "refused" "served"
else
	wait "$epid"
	same "a new, empty key store: refused" "1" "$?"
fi
check "and said why" grep -q "holds no keys" "$tmp/emptykeys.out"
mv "$tmp/keys.real" "$FRONTDESKD_KEYS"
start_server || exit 1
# A key store restored from a backup older than a customer: that
# customer's key is missing. Desks must not be handed them emptied.
cp "$FRONTDESKD_KEYS" "$tmp/keys.older"
c3=$(fdc deskA customer add --name "Theodora Laterkey" --email "tl.later@example.org" | id_of)
check "desk A syncs a new customer" fdc deskA sync --once
stop_server
cp "$tmp/keys.older" "$FRONTDESKD_KEYS"
start_server || exit 1
console deskF civic-centre || { cat "$tmp/deskF.enrol"; exit 1; }
fdc deskF sync --once >/dev/null 2>&1
same "a new desk does not take the customer emptied" "0" \
	"$(sq deskF "SELECT count(*) FROM customer WHERE id = '$c3' AND name IS NULL")"
fdc deskA sync --once >/dev/null 2>&1
same "desk A keeps the customer whole" "Theodora Laterkey|tl.later@example.org" \
	"$(sq deskA "SELECT coalesce(name, '') || '|' || coalesce(email, '') FROM customer WHERE id = '$c3'")"
check "the server said which key is missing" grep -q "has no key in the key store" "$tmp/server.log"
finish

summary
