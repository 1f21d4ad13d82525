#!/bin/sh
# One set of case rules at the desk and at the centre, and the audit trail
# anchored by the server. Real frontdeskd, PostgreSQL
# and desks (see lib.sh). Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

# shellcheck disable=SC2119 # no environment to add
start_server || exit 1
console deskA civic-centre || { cat "$tmp/deskA.enrol"; exit 1; }

# ref_of: the case reference in `contact log` output.
ref_of() {
	sed -n 's/^case \([A-Z0-9]*-[0-9]*\).*/\1/p'
}
# central TIME REF ARGS...: frontdeskd case update at TIME.
central() {
	at=$1
	shift
	FRONTDESK_NOW=$at "$fdd" case update "$@" --db "$DB"
}
# listed NAME TIME REF: the case's "status due overdue" in the desk's case list.
listed() {
	FRONTDESK_NOW=$2 fdc "$1" case list --status all --format csv |
		awk -F, -v r="$3" '$1 == r { print $2, $5, $6 }'
}
# report_overdue NAME TIME: open and overdue in the desk's cases report.
report_overdue() {
	FRONTDESK_NOW=$2 fdc "$1" report cases --from 2027-04-26 --to 2027-05-02 --format json |
		jq -r '.rows[-1] | "\(.open) \(.overdue)"'
}

# ---- a back-office pause moves the due date at the desk -------------------
begin "a back-office pause and resume moves the due date at the raising desk"
# Raised Wed 28 April 2027: due in 6 working days (Mon 3 May is a bank
# holiday), Thu 6 May. Paused centrally Fri 30 April, resumed Wed 5 May:
# 2 working days waited (Tue 4 and Wed 5 May; the weekend and the holiday do
# not count), so due Mon 10 May.
k1=$(FRONTDESK_NOW=2027-04-28T10:00:00Z fdc deskA contact log --service council-tax-payment \
	--outcome referred --reason "Needs the back office" | ref_of)
same "due at the desk" "2027-05-06" "$(sq deskA "SELECT due_date FROM \"case\" WHERE reference = '$k1'")"
check "desk A sends its case" fdc deskA sync --once
check "the back office pauses it" central 2027-04-30T09:00:00Z "$k1" --status awaiting-customer
same "paused: due date unchanged at the centre" "awaiting-customer 2027-05-06" \
	"$(psql_q "SELECT status || ' ' || (body->>'due_date') FROM \"case\" WHERE reference = '$k1'")"
check "the back office resumes it" central 2027-05-05T09:00:00Z "$k1" --status in-progress
same "resumed: due date and paused days moved at the centre" "in-progress 2027-05-10 2" \
	"$(psql_q "SELECT status || ' ' || (body->>'due_date') || ' ' || (body->>'paused_days') FROM \"case\" WHERE reference = '$k1'")"
check "desk A pulls" fdc deskA sync --once
same "the desk's copy: status, due date and paused days" "in-progress|2027-05-10|2" \
	"$(sq deskA "SELECT status || '|' || due_date || '|' || paused_days FROM \"case\" WHERE reference = '$k1'")"
# Fri 7 May: past the old due date, not the new one.
same "case list on 7 May: not overdue" "in-progress 2027-05-10 no" "$(listed deskA 2027-05-07T12:00:00Z "$k1")"
same "cases report on 7 May agrees: open, none overdue" "1 0" "$(report_overdue deskA 2027-05-07T12:00:00Z)"
same "... and --overdue lists nothing" "" \
	"$(FRONTDESK_NOW=2027-05-07T12:00:00Z fdc deskA case list --overdue --format csv | awk -F, -v r="$k1" '$1 == r')"
# Tue 11 May: past the new due date too.
same "case list on 11 May: overdue" "in-progress 2027-05-10 yes" "$(listed deskA 2027-05-11T12:00:00Z "$k1")"
same "cases report on 11 May agrees: open and overdue" "1 1" "$(report_overdue deskA 2027-05-11T12:00:00Z)"
finish

# ---- closing needs a result; a closed case stays closed ---------------------
begin "the back office cannot close a case without a result"
before=$(psql_q "SELECT count(*) FROM change_log")
if central 2027-05-12T09:00:00Z "$k1" --status closed --note "Sorted" >"$tmp/close.out" 2>&1; then
	echo "  closing without a result succeeded:"
	sed 's/^/    /' "$tmp/close.out"
	case_ok=0
fi
check "... saying what to do" grep -q "closing a case needs a result: say what was done" "$tmp/close.out"
same "the case is unchanged at the centre" "in-progress" \
	"$(psql_q "SELECT status FROM \"case\" WHERE reference = '$k1'")"
same "nothing logged for the desks" "$before" "$(psql_q "SELECT count(*) FROM change_log")"
check "with a result it closes" central 2027-05-12T09:00:00Z "$k1" --status closed --result "Account corrected"
check "desk A pulls" fdc deskA sync --once
same "closed at the desk with its result" "closed|Account corrected" \
	"$(sq deskA "SELECT status || '|' || result FROM \"case\" WHERE reference = '$k1'")"
finish

begin "the back office cannot reopen a closed case"
before=$(psql_q "SELECT count(*) FROM change_log")
if central 2027-05-13T09:00:00Z "$k1" --status open --note "Reopen" >"$tmp/reopen.out" 2>&1; then
	echo "  reopening succeeded:"
	sed 's/^/    /' "$tmp/reopen.out"
	case_ok=0
fi
check "... saying what to do" grep -q "is closed and cannot change; raise a new referral" "$tmp/reopen.out"
same "still closed at the centre" "closed" "$(psql_q "SELECT status FROM \"case\" WHERE reference = '$k1'")"
same "nothing logged for the desks" "$before" "$(psql_q "SELECT count(*) FROM change_log")"
token=$(cat "$tmp/deskA.db.token")
# The same over HTTP, for a back-office credential.
bcode=$("$fdd" device add --site civic-centre --back-office --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
btoken=$(curl -sS -H 'Content-Type: application/json' -d "{\"code\":\"$bcode\"}" "$URL/v1/enrol" |
	sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
same "POST /v1/case/REF/status reopening: 409" 409 \
	"$(curl -sS -o "$tmp/bo.out" -w '%{http_code}' -H "Authorization: Bearer $btoken" \
		-H 'Content-Type: application/json' -d '{"status": "open"}' "$URL/v1/case/$k1/status")"
check "... code case_closed" grep -q '"case_closed"' "$tmp/bo.out"
finish

# ---- a pushed change that breaks the rules is refused per record -----------
begin "a pushed case update or event that breaks the rules is refused (invalid), the rest applied"
k2=$(FRONTDESK_NOW=2027-05-03T10:00:00Z fdc deskA contact log --service council-tax-payment \
	--outcome referred --reason "Needs the back office" | ref_of)
check "desk A sends it" fdc deskA sync --once
k1id=$(sq deskA "SELECT id FROM \"case\" WHERE reference = '$k1'")
k2id=$(sq deskA "SELECT id FROM \"case\" WHERE reference = '$k2'")
# Hand-made changes with desk A's token, at seqs far past its own (this is
# desk A's last push in the suite).
s0=$(( $(sq deskA "SELECT max(seq) FROM outbox") + 1000 ))
ev=01900000-0000-7000-8000-00000000bb01
ok=01900000-0000-7000-8000-00000000bb02
note=01900000-0000-7000-8000-00000000bb03
cat >"$tmp/rules.json" <<EOF
{"changes":[
{"seq":$s0,"type":"case","op":"update","id":"$k1id","body":{"id":"$k1id","reference":"$k1","status":"open","due_date":"2027-06-01","paused_days":0,"closed_at":null,"result":null}},
{"seq":$((s0 + 1)),"type":"case","op":"update","id":"$k2id","body":{"id":"$k2id","reference":"$k2","status":"closed","due_date":"2027-05-11","paused_days":0,"closed_at":"2027-05-04T10:00:00.000Z","result":null}},
{"seq":$((s0 + 2)),"type":"case_event","op":"insert","id":"$ev","body":{"id":"$ev","case_id":"$k2id","status":"closed","note":null,"actor":"cli:root","at":"2027-05-04T10:00:00.000Z"}},
{"seq":$((s0 + 3)),"type":"case_event","op":"insert","id":"$ok","body":{"id":"$ok","case_id":"$k2id","status":"in-progress","note":"Called back","actor":"cli:root","at":"2027-05-04T10:05:00.000Z"}},
{"seq":$((s0 + 4)),"type":"case_event","op":"insert","id":"$note","body":{"id":"$note","case_id":"$k1id","status":"closed","note":"A note after the close","actor":"cli:root","at":"2027-05-20T10:00:00.000Z"}}]}
EOF
same "push answered" 200 "$(curl -sS -o "$tmp/push.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
	-H 'Content-Type: application/json' --data-binary "@$tmp/rules.json" "$URL/v1/push")"
same "four refused, by seq" "$s0 $((s0 + 1)) $((s0 + 2)) $((s0 + 4))" "$(jq -r '[.refused[].seq] | map(tostring) | join(" ")' "$tmp/push.out")"
check "reopening: the closed-case rule" jq -e ".refused[0].error | test(\"closed and cannot change\")" "$tmp/push.out"
check "closing without a result: the result rule" jq -e ".refused[1].error | test(\"result: closing a case needs a result\")" "$tmp/push.out"
check "an event closing without a note: the result rule" jq -e ".refused[2].error | test(\"closing a case needs a result\")" "$tmp/push.out"
check "a note on a closed case: the closed-case rule" jq -e ".refused[3].error | test(\"closed and cannot change\")" "$tmp/push.out"
if jq -e '.refused[] | select(has("code")) | select(.code != "invalid")' "$tmp/push.out" >/dev/null; then
	echo "  a refusal's code is not invalid:"
	sed 's/^/    /' "$tmp/push.out"
	case_ok=0
fi
same "k1 still closed, k2 in progress (the allowed event applied)" "closed in-progress" \
	"$(psql_q "SELECT string_agg(status, ' ' ORDER BY reference) FROM \"case\" WHERE reference IN ('$k1', '$k2')")"
same "the refused events are not held" "0" "$(psql_q "SELECT count(*) FROM case_event WHERE id IN ('$ev', '$note')")"
finish

# ---- the audit trail anchored ----------------------------------------------
begin "frontdeskd audit verify: a desk's rows all deleted centrally are missed; none sent, said so"
psql_q "CREATE TABLE audit_keep AS SELECT * FROM audit; DELETE FROM audit"
if "$fdd" audit verify --db "$DB" >"$tmp/none.out" 2>&1; then
	echo "  every audit row deleted centrally passed:"
	sed 's/^/    /' "$tmp/none.out"
	case_ok=0
fi
check "... the acknowledged rows named as missing" grep -q "no audit row is held here, but the server acknowledged row" "$tmp/none.out"
psql_q "CREATE TABLE head_keep AS SELECT * FROM audit_head; DELETE FROM audit_head"
same "nothing ever sent: said plainly" "no desk has sent audit rows yet; they arrive with each desk's sync" \
	"$("$fdd" audit verify --db "$DB" 2>&1)"
psql_q "INSERT INTO audit SELECT * FROM audit_keep; DROP TABLE audit_keep"
psql_q "INSERT INTO audit_head SELECT * FROM head_keep; DROP TABLE head_keep"
finish

begin "the server acknowledges each desk's audit head; the desk keeps it"
console deskC hub-central-library || { cat "$tmp/deskC.enrol"; exit 1; }
fdc deskC audit verify >"$tmp/never.out" 2>&1
check "before any sync: never confirmed" grep -q "has not confirmed any row yet" "$tmp/never.out"
for n in 1 2 3; do
	fdc deskC contact log --service council-tax-payment --outcome resolved >/dev/null
	fdc deskC customer add --name "Test Person $n" >/dev/null
done
check "desk C syncs" fdc deskC sync --once
devC=$(sq deskC "SELECT value FROM settings WHERE key = 'device_id'")
ack=$(sq deskC "SELECT value FROM settings WHERE key = 'audit_ack'")
head=$(psql_q "SELECT seq || ' ' || hash FROM audit_head WHERE device_id = '$devC'")
same "the desk kept the server's head" "$head" "$(echo "$ack" | cut -d' ' -f1-2)"
acked=$(echo "$ack" | cut -d' ' -f1)
same "it is the desk's own row, hash and all" "$(echo "$ack" | cut -d' ' -f2)" \
	"$(sq deskC "SELECT hash FROM audit WHERE seq = $acked")"
same "every row up to it held centrally" "$acked" \
	"$(psql_q "SELECT count(*) FROM audit WHERE device_id = '$devC' AND (body->>'seq')::bigint <= $acked")"
fdc deskC audit verify --offline >"$tmp/ok.out" 2>&1 || { echo "  verify failed:"; cat "$tmp/ok.out"; case_ok=0; }
check "verify says when the server confirmed" grep -q "the server confirmed row $acked on " "$tmp/ok.out"
tokenC=$(cat "$tmp/deskC.db.token")
same "GET /v1/audit/head: the same head, live" "$head" \
	"$(curl -sS -H "Authorization: Bearer $tokenC" "$URL/v1/audit/head" | jq -r '"\(.seq) \(.hash)"')"
same "... only with a device token" 401 "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/v1/audit/head")"
same "... and only GET" 405 "$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $tokenC" "$URL/v1/audit/head")"
finish

begin "rows cut off the end of a desk's audit trail are reported by audit verify"
cp "$tmp/deskC.db" "$tmp/deskC-keep.db"
sq deskC "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > $acked - 3"
if fdc deskC audit verify >"$tmp/cut.out" 2>&1; then
	echo "  audit verify passed a cut trail:"
	sed 's/^/    /' "$tmp/cut.out"
	case_ok=0
fi
check "... saying rows were removed and which row the server confirmed" \
	grep -q "rows were removed from the end of the audit trail (the server confirmed row $acked on " "$tmp/cut.out"
# New rows written after the cut reach past the confirmed row: its hash
# differs, still reported.
for n in 1 2 3 4 5; do
	fdc deskC customer add --name "Later Person $n" >/dev/null
done
same "the trail here reaches past the confirmed row again" 1 \
	"$(sq deskC "SELECT max(seq) > $acked FROM audit")"
if fdc deskC audit verify >"$tmp/cut2.out" 2>&1; then
	echo "  audit verify passed a cut and rewritten trail:"
	sed 's/^/    /' "$tmp/cut2.out"
	case_ok=0
fi
check "... rewritten past the confirmed row: still reported" grep -q "rows were removed from the end.*rewritten since" "$tmp/cut2.out"
# The confirmation kept in the database removed too: online, the server is
# asked, and the cut is still found.
sq deskC "DELETE FROM settings WHERE key = 'audit_ack'"
if fdc deskC audit verify >"$tmp/cut3.out" 2>&1; then
	echo "  audit verify passed a cut trail once its confirmation was removed:"
	sed 's/^/    /' "$tmp/cut3.out"
	case_ok=0
fi
check "... the server's live head catches it" grep -q "rows were removed from the end of the audit trail (the server confirmed row $acked on " "$tmp/cut3.out"
# Offline: the last confirmation kept is used, and the desk says it could not ask.
stop_server
if fdc deskC audit verify >"$tmp/cut4.out" 2>&1; then
	echo "  audit verify passed a cut trail offline:"
	sed 's/^/    /' "$tmp/cut4.out"
	case_ok=0
fi
check "... offline: says it could not reach the server" grep -q "cannot reach the server" "$tmp/cut4.out"
check "... and still reports the cut from the kept confirmation" grep -q "rows were removed from the end" "$tmp/cut4.out"
# shellcheck disable=SC2119 # no environment to add
start_server || exit 1
cp "$tmp/deskC-keep.db" "$tmp/deskC.db"
finish

begin "frontdeskd audit verify: clean on honest data, reports rows edited or deleted centrally"
check "desk C sends what it wrote since" fdc deskC sync --once
if ! "$fdd" audit verify --db "$DB" >"$tmp/sv.out" 2>&1; then
	echo "  frontdeskd audit verify failed on honest data:"
	sed 's/^/    /' "$tmp/sv.out"
	case_ok=0
fi
codeA=$(sq deskA "SELECT value FROM settings WHERE key = 'device_code'")
codeC=$(sq deskC "SELECT value FROM settings WHERE key = 'device_code'")
check "desk A's chain whole" grep -q "device $codeA: audit chain whole" "$tmp/sv.out"
check "desk C's chain whole" grep -q "device $codeC: audit chain whole" "$tmp/sv.out"
# An edited row.
psql_q "UPDATE audit SET body = jsonb_set(body, '{actor}', '\"cli:someone-else\"') WHERE device_id = '$devC' AND (body->>'seq')::bigint = 2"
if "$fdd" audit verify --db "$DB" >"$tmp/sv.out" 2>&1; then
	echo "  an edited row passed:"
	sed 's/^/    /' "$tmp/sv.out"
	case_ok=0
fi
check "the edited row named" grep -q "device $codeC: audit row 2 does not match its hash" "$tmp/sv.out"
check "--device CODE checks one device: desk A still whole" "$fdd" audit verify --device "$codeA" --db "$DB"
psql_q "UPDATE audit SET body = jsonb_set(body, '{actor}', '\"cli:root\"') WHERE device_id = '$devC' AND (body->>'seq')::bigint = 2"
# The last row the server acknowledged, deleted.
last=$(psql_q "SELECT seq FROM audit_head WHERE device_id = '$devC'")
psql_q "DELETE FROM audit WHERE device_id = '$devC' AND (body->>'seq')::bigint = $last"
if "$fdd" audit verify --device "$codeC" --db "$DB" >"$tmp/sv.out" 2>&1; then
	echo "  a deleted last row passed:"
	sed 's/^/    /' "$tmp/sv.out"
	case_ok=0
fi
check "the missing tail named" grep -q "the server acknowledged row $last to the desk" "$tmp/sv.out"
# A row in the middle, deleted.
psql_q "DELETE FROM audit WHERE device_id = '$devC' AND (body->>'seq')::bigint = 3"
"$fdd" audit verify --device "$codeC" --db "$DB" >"$tmp/sv.out" 2>&1
check "the gap named" grep -q "device $codeC: audit row 4 follows a gap" "$tmp/sv.out"
same "an unknown device" 1 "$("$fdd" audit verify --device NOPE --db "$DB" >/dev/null 2>&1; echo $?)"
finish

begin "a desk restored from a backup and written on: the fork is found at both ends"
console deskF civic-centre || { cat "$tmp/deskF.enrol"; exit 1; }
devF=$(sq deskF "SELECT value FROM settings WHERE key = 'device_id'")
codeF=$(sq deskF "SELECT value FROM settings WHERE key = 'device_code'")
for n in 1 2 3; do
	fdc deskF customer add --name "Early Person $n" >/dev/null
done
check "desk F syncs" fdc deskF sync --once
cp "$tmp/deskF.db" "$tmp/deskF-backup.db"
for n in 1 2 3; do
	fdc deskF customer add --name "Lost Person $n" >/dev/null
done
check "desk F syncs again" fdc deskF sync --once
fork_at=$(psql_q "SELECT seq FROM audit_head WHERE device_id = '$devF'")
check "frontdeskd audit verify: desk F whole before the restore" "$fdd" audit verify --device "$codeF" --db "$DB"
# Restored from the backup, then more work than was lost, and synced.
cp "$tmp/deskF-backup.db" "$tmp/deskF.db"
rm -f "$tmp/deskF.db-wal" "$tmp/deskF.db-shm"
for n in 1 2 3 4 5 6 7 8; do
	fdc deskF customer add --name "After Restore $n" >/dev/null
done
fdc deskF sync --once >"$tmp/fork-sync.out" 2>&1
fdc deskF sync --once >>"$tmp/fork-sync.out" 2>&1
same "the restored trail's new rows reached the server" t \
	"$(psql_q "SELECT count(*) > 0 FROM audit WHERE device_id = '$devF' AND (body->>'seq')::bigint > $fork_at")"
if "$fdd" audit verify --device "$codeF" --db "$DB" >"$tmp/fork.out" 2>&1; then
	echo "  frontdeskd audit verify passed a forked trail:"
	sed 's/^/    /' "$tmp/fork.out" "$tmp/fork-sync.out"
	case_ok=0
fi
check "frontdeskd audit verify names the fork" grep -q "device $codeF: audit row $((fork_at + 1)) does not follow the row before it: the desk's trail forked" "$tmp/fork.out"
same "the server's head stays where the trail forked" "$fork_at" \
	"$(psql_q "SELECT seq FROM audit_head WHERE device_id = '$devF'")"
if fdc deskF audit verify >"$tmp/fork-desk.out" 2>&1; then
	echo "  the restored desk's audit verify passed:"
	sed 's/^/    /' "$tmp/fork-desk.out"
	case_ok=0
fi
check "the desk is told its trail lost rows" grep -q "rows were removed from the end of the audit trail (the server confirmed row $fork_at on " "$tmp/fork-desk.out"
finish

summary
