#!/bin/sh
# Privileged acts need a person, and users are managed centrally (man 7
# frontdesk-sync, "PRIVILEGED ACTS"). A raw HTTP client with
# a device token tries to erase, to make users and to close another desk's
# case without a valid session of a person holding the role; the session
# endpoint is driven with wrong, unknown, disabled and locked-out logins; an
# administrator's erasure made offline at a desk waits until they sign in;
# users changed at the server reach the desks, and a user disabled centrally
# can sign in nowhere and is signed out of an open console.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

# shellcheck disable=SC2119 # start_server takes settings only when a case needs them
start_server || exit 1
console hubA civic-centre || { cat "$tmp/hubA.enrol"; exit 1; }
console hubB hub-central-library || { cat "$tmp/hubB.enrol"; exit 1; }

J='Content-Type: application/json'
printf 'admin-password-1\n' | "$fdd" user add radmin --role admin --db "$DB" >/dev/null
printf 'supervisor-password-1\n' | "$fdd" user add rsup --role supervisor --db "$DB" >/dev/null
printf 'advisor-password-9\n' | "$fdd" user add radv --role advisor --db "$DB" >/dev/null
printf 'locking-password-1\n' | "$fdd" user add rlock --role admin --db "$DB" >/dev/null
printf 'locking-password-2\n' | "$fdd" user add rlock2 --role admin --db "$DB" >/dev/null

# rawdev SITE: a device enrolled by hand (a raw HTTP client); prints its token.
rawdev() {
	c=$("$fdd" device add --site "$1" --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
	curl -sS -H "$J" -d "{\"code\":\"$c\"}" "$URL/v1/enrol" |
		sed -n 's/.*"token": *"\([^"]*\)".*/\1/p'
}
# sess TOKEN LOGIN PASSWORD: POST /v1/session; prints the HTTP status, the
# answer in $tmp/sess.out and its headers in $tmp/sess.hdr.
sess() {
	curl -sS -o "$tmp/sess.out" -D "$tmp/sess.hdr" -w '%{http_code}' \
		-H "Authorization: Bearer $1" -H "$J" \
		-d "{\"login\":\"$2\",\"password\":\"$3\"}" "$URL/v1/session"
}
# session_of TOKEN LOGIN PASSWORD: the session token ("" when refused).
session_of() {
	sess "$@" >/dev/null
	sed -n 's/.*"session": *"\([^"]*\)".*/\1/p' "$tmp/sess.out"
}
# push TOKEN BODY: POST /v1/push; prints the HTTP status, answer in $tmp/push.out.
push() {
	printf '%s' "$2" >"$tmp/push.json"
	curl -sS -o "$tmp/push.out" -w '%{http_code}' -H "Authorization: Bearer $1" \
		-H "$J" --data-binary "@$tmp/push.json" "$URL/v1/push"
}
# with_session SESSION: the change-level member, or nothing.
with_session() {
	[ -n "$1" ] && printf '"session":"%s",' "$1"
}
# erasure SEQ ID [SESSION]: a batch of one erasure.
erasure() {
	printf '{"changes":[{"seq":%s,"type":"customer","op":"upsert","id":"%s",%s"body":{"id":"%s","erased":true,"fields":{},"hlc":{}}}]}' \
		"$1" "$2" "$(with_session "${3:-}")" "$2"
}
# refused_as SEQ CODE: the last push answer refused SEQ with CODE.
refused_as() {
	# (the members in any order)
	[ "$(jq -r --argjson s "$1" '.refused[] | select(.seq == $s) | .code' "$tmp/push.out")" = "$2" ]
}
new_customer() {
	fdc "$1" customer add --name "$2" --phone "$3" |
		sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1
}
server_erased() {
	psql_q "SELECT CASE WHEN erased THEN 1 ELSE 0 END FROM customer WHERE id = '$1'"
}

# ---- 1 -------------------------------------------------------------------
begin "a device token alone erases no one: no session, an advisor's, another device's, an ended or expired one"
cid=$(new_customer hubA "Wilhelmina Quarrington" "07700 900611")
cid2=$(new_customer hubA "Barnaby Oyelaran" "07700 900612")
fdc hubA sync --once >/dev/null 2>&1
fdc hubB sync --once >/dev/null 2>&1
same "hub B has the customer" "0|Wilhelmina Quarrington" "$(sq hubB "SELECT erased || '|' || name FROM customer WHERE id = '$cid'")"
raw=$(rawdev civic-centre)
same "the raw client is enrolled" "1" "$([ -n "$raw" ] && echo 1)"
tokB=$(cat "$tmp/hubB.db.token")
s_adv=$(session_of "$raw" radv advisor-password-9)
s_other=$(session_of "$tokB" radmin admin-password-1)
s_ended=$(session_of "$raw" radmin admin-password-1)
s_expired=$(session_of "$raw" radmin admin-password-1)
same "sessions were issued" "1|1|1|1" "$([ -n "$s_adv" ] && echo 1)|$([ -n "$s_other" ] && echo 1)|$([ -n "$s_ended" ] && echo 1)|$([ -n "$s_expired" ] && echo 1)"
same "an ended session" "200" "$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $raw" -H "X-Frontdesk-Session: $s_ended" "$URL/v1/session")"
same "ended once only" "404" "$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $raw" -H "X-Frontdesk-Session: $s_ended" "$URL/v1/session")"
# (the last session opened is s_expired; only hashes are kept)
psql_q "UPDATE person_session SET expires_at = now() - interval '1 second' WHERE token_hash = (SELECT token_hash FROM person_session WHERE login = 'radmin' AND ended_at IS NULL ORDER BY created_at DESC LIMIT 1)" >/dev/null
seq=0
for s in "" "$s_adv" "$s_other" "$s_ended" "$s_expired" "fds_made-up-token"; do
	seq=$((seq + 1))
	st=$(push "$raw" "$(erasure $seq "$cid" "$s")")
	if [ "$st" != 200 ] || ! refused_as $seq needs_person; then
		echo "  not ok: erasure with session #$seq: HTTP $st, expected needs_person"
		sed 's/^/    /' "$tmp/push.out"
		case_ok=0
	fi
done
same "the refusal names the record and the rule, no personal data" "0" "$(grep -c -i 'Wilhelmina\|Quarrington\|900611' "$tmp/push.out")"
check "the refusal says what to do" grep -q 'sign in online and send it again' "$tmp/push.out"
same "not erased at the server" "0" "$(server_erased "$cid")"
same "no erasure recorded" "0" "$(psql_q "SELECT count(*) FROM erasure WHERE customer_id = '$cid'")"
same "no session token stored or logged by the server" "0" \
	"$(psql_q "SELECT count(*) FROM (SELECT error AS t FROM change_in UNION ALL SELECT body::text FROM change_log) x WHERE t LIKE '%fds_%'")"
same "no session token in the server's log" "0" "$(grep -c 'fds_' "$tmp/server.log")"
fdc hubB sync --once >/dev/null 2>&1
same "not erased at hub B" "0|Wilhelmina Quarrington" "$(sq hubB "SELECT erased || '|' || name FROM customer WHERE id = '$cid'")"
# The same batch with a valid administrator's session of this device is taken
# (so the refusals above were about the person, not the batch).
s_ok=$(session_of "$raw" radmin admin-password-1)
seq=$((seq + 1))
same "with an admin's session of this device: taken" "200" "$(push "$raw" "$(erasure $seq "$cid2" "$s_ok")")"
same "nothing refused" "0" "$(grep -c '"code"' "$tmp/push.out")"
same "erased at the server" "1" "$(server_erased "$cid2")"
fdc hubB sync --once >/dev/null 2>&1
same "erased at hub B" "1|" "$(sq hubB "SELECT erased || '|' || coalesce(name, '') FROM customer WHERE id = '$cid2'")"
finish

# ---- 2 -------------------------------------------------------------------
begin "a device token alone makes no user and closes no other desk's case"
hash=$(psql_q "SELECT body->>'password_hash' FROM app_user WHERE login = 'radv'")
uid=01900000-0000-7000-8000-0000000e0001
user_change() { # SEQ SESSION
	printf '{"changes":[{"seq":%s,"type":"user","op":"upsert","id":"%s",%s"body":{"id":"%s","login":"mallory","display_name":null,"role":"admin","password_hash":"%s","disabled":false,"created_at":"2026-11-20T10:00:00.000Z","updated_at":"2026-11-20T10:00:00.000Z"}}]}' \
		"$1" "$uid" "$(with_session "${2:-}")" "$uid" "$hash"
}
seq=$((seq + 1))
same "user change without a session: answered" "200" "$(push "$raw" "$(user_change $seq)")"
check "refused needs_person" refused_as $seq needs_person
seq=$((seq + 1))
s_sup=$(session_of "$raw" rsup supervisor-password-1)
push "$raw" "$(user_change $seq "$s_sup")" >/dev/null
check "with a supervisor's session: refused needs_person" refused_as $seq needs_person
same "no such user at the server" "0" "$(psql_q "SELECT count(*) FROM app_user WHERE login = 'mallory'")"
# hub A raises a case; the raw client (another device) tries to close it.
kid=$(new_customer hubA "Cosima Abernethy" "07700 900613")
ref=$(fdc hubA contact log --customer "$kid" --service council-tax-moving --outcome referred \
	--reason "Joint liability" | sed -n 's/^case \([A-Z0-9]*-[0-9]*\).*/\1/p')
fdc hubA sync --once >/dev/null 2>&1
case_id=$(sq hubA "SELECT id FROM \"case\" WHERE reference = '$ref'")
same "the case reached the server" "open" "$(psql_q "SELECT status FROM \"case\" WHERE id = '$case_id'")"
close_case() { # SEQ SESSION
	printf '{"changes":[{"seq":%s,"type":"case","op":"update","id":"%s",%s"body":{"id":"%s","reference":"%s","status":"closed","closed_at":"2026-11-20T10:00:00.000Z","result":"Closed by someone else"}}]}' \
		"$1" "$case_id" "$(with_session "${2:-}")" "$case_id" "$ref"
}
seq=$((seq + 1))
push "$raw" "$(close_case $seq)" >/dev/null
check "closing another desk's case without a session: needs_person" refused_as $seq needs_person
seq=$((seq + 1))
push "$raw" "$(close_case $seq "$s_adv")" >/dev/null
check "... with an advisor's session: needs_person" refused_as $seq needs_person
same "the case is still open" "open" "$(psql_q "SELECT status FROM \"case\" WHERE id = '$case_id'")"
fdc hubA sync --once >/dev/null 2>&1
same "still open at hub A" "open" "$(sq hubA "SELECT status FROM \"case\" WHERE id = '$case_id'")"
# A supervisor kept to another site gets no say at this device's site.
"$fdd" user sites rsup --site hub-central-library --db "$DB" >/dev/null
seq=$((seq + 1))
push "$raw" "$(close_case $seq "$s_sup")" >/dev/null
check "... with the session of a supervisor kept to another site: needs_person" refused_as $seq needs_person
"$fdd" user sites rsup --db "$DB" >/dev/null
seq=$((seq + 1))
push "$raw" "$(close_case $seq "$s_sup")" >/dev/null
same "with a supervisor's session: taken" "0" "$(grep -c '"code"' "$tmp/push.out")"
same "closed at the server" "closed" "$(psql_q "SELECT status FROM \"case\" WHERE id = '$case_id'")"
check "hub A still syncs" fdc hubA sync --once
same "closed at hub A" "closed" "$(sq hubA "SELECT status FROM \"case\" WHERE id = '$case_id'")"
# A session opened before its user was disabled proves nothing after.
ref2=$(fdc hubA contact log --customer "$kid" --service council-tax-moving --outcome referred \
	--reason "Second liability" | sed -n 's/^case \([A-Z0-9]*-[0-9]*\).*/\1/p')
fdc hubA sync --once >/dev/null 2>&1
case_id=$(sq hubA "SELECT id FROM \"case\" WHERE reference = '$ref2'")
ref=$ref2
s_sup2=$(session_of "$raw" rsup supervisor-password-1)
check "rsup disabled centrally" "$fdd" user disable rsup --db "$DB"
seq=$((seq + 1))
push "$raw" "$(close_case $seq "$s_sup2")" >/dev/null
check "a disabled supervisor's open session: needs_person" refused_as $seq needs_person
same "the second case is still open" "open" "$(psql_q "SELECT status FROM \"case\" WHERE id = '$case_id'")"
same "disabling ended the session" "0" "$(psql_q "SELECT count(*) FROM person_session WHERE login = 'rsup' AND ended_at IS NULL")"
check "rsup enabled again" "$fdd" user enable rsup --db "$DB"
seq=$((seq + 1))
push "$raw" "$(close_case $seq "$s_sup2")" >/dev/null
check "an ended session stays ended after the user is enabled again" refused_as $seq needs_person
same "hub A has nothing refused" "0" "$(sq hubA "SELECT count(*) FROM outbox WHERE error IS NOT NULL")"
finish

# ---- 3 -------------------------------------------------------------------
begin "sessions: one answer for a wrong password, an unknown login and a disabled user; lockout per login and per device"
d1=$(rawdev civic-centre)
printf 'disabled-password-1\n' | "$fdd" user add rgone --role admin --db "$DB" >/dev/null
"$fdd" user disable rgone --db "$DB" >/dev/null
same "wrong password" "401" "$(sess "$d1" radmin not-the-password)"
a1=$(cat "$tmp/sess.out")
same "unknown login" "401" "$(sess "$d1" nobody-here not-the-password)"
a2=$(cat "$tmp/sess.out")
same "disabled user, right password" "401" "$(sess "$d1" rgone disabled-password-1)"
a3=$(cat "$tmp/sess.out")
same "the same answer for all three" "$a1|$a1" "$a2|$a3"
check "the answer is bad_user" grep -q '"code": *"bad_user"' "$tmp/sess.out"
same "no token without a device token" "401" "$(curl -sS -o /dev/null -w '%{http_code}' -H "$J" -d '{"login":"radmin","password":"admin-password-1"}' "$URL/v1/session")"
same "an unknown member is refused" "422" "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $d1" -H "$J" -d '{"login":"radmin","password":"admin-password-1","role":"admin"}' "$URL/v1/session")"
same "no password in the server's log" "0" "$(grep -c 'admin-password-1\|not-the-password' "$tmp/server.log")"
# One login at one device: five failures in 15 minutes lock that login
# there, and only there: another device's administrator still signs in (one
# stolen device cannot lock the administrators out everywhere).
d2=$(rawdev civic-centre)
d3=$(rawdev civic-centre)
for i in 1 2 3 4 5; do sess "$d2" rlock wrong-password-$i >/dev/null; done
same "the login is locked at that device, even with the right password" "429" "$(sess "$d2" rlock locking-password-1)"
check "with Retry-After" grep -qi '^Retry-After: *[0-9]' "$tmp/sess.hdr"
check "and the code locked" grep -q '"code": *"locked"' "$tmp/sess.out"
same "the same login signs in at another device" "200" "$(sess "$d3" rlock locking-password-1)"
same "... and that sign-in does not clear the guessing device's count" "429" "$(sess "$d2" rlock locking-password-1)"
same "another login at the guessing device still signs in" "200" "$(sess "$d2" radmin admin-password-1)"
# One device guessing many logins: ten failures lock the device.
d4=$(rawdev civic-centre)
for i in 1 2 3 4 5 6 7 8 9 10; do sess "$d4" "nobody$i" wrong-password >/dev/null; done
same "the device is locked" "429" "$(sess "$d4" radmin admin-password-1)"
# Many devices guessing one login: twenty failures in all lock it everywhere.
for n in 1 2 3 4; do
	dn=$(rawdev civic-centre)
	for i in 1 2 3 4 5; do sess "$dn" rlock2 wrong-password-$i >/dev/null; done
done
same "a login guessed at from many devices is locked everywhere" "429" "$(sess "$d1" rlock2 locking-password-2)"
same "radmin still signs in elsewhere" "200" "$(sess "$d1" radmin admin-password-1)"
# Failures older than the window count for nothing and are not kept.
psql_q "INSERT INTO sign_in_failure (login, device_id, at) VALUES ('rold', '$(sq hubA "SELECT value FROM settings WHERE key = 'device_id'")', now() - interval '16 minutes')" >/dev/null
same "an old failure is held" "1" "$(psql_q "SELECT count(*) FROM sign_in_failure WHERE login = 'rold'")"
same "another failure" "401" "$(sess "$d1" nobody-else not-the-password)"
same "the old one is gone" "0" "$(psql_q "SELECT count(*) FROM sign_in_failure WHERE login = 'rold'")"
same "the recent ones are kept" "1" "$(psql_q "SELECT count(*) FROM sign_in_failure WHERE login = 'nobody-else'")"
finish

# ---- 4 -------------------------------------------------------------------
begin "an administrator's erasure made offline waits at the desk until they sign in online"
eid=$(new_customer hubA "Ignatius Pemberton-Ruck" "07700 900614")
fdc hubA sync --once >/dev/null 2>&1
fdc hubB sync --once >/dev/null 2>&1
same "hub A has radmin from the server" "admin|0" "$(sq hubA "SELECT role || '|' || disabled FROM user WHERE login = 'radmin'")"
stop_server
check "erased at hub A by radmin, offline" sh -c "printf 'admin-password-1\n' | '$fd' --db '$tmp/hubA.db' --user radmin customer erase '$eid' --reason 'request by letter' --yes"
same "applied at hub A at once" "1" "$(sq hubA "SELECT erased FROM customer WHERE id = '$eid'")"
fdc hubA sync --once >/dev/null 2>&1
# shellcheck disable=SC2119 # start_server takes settings only when a case needs them
start_server || exit 1
check "hub A syncs without a person" fdc hubA sync --once
same "the erasure waits" "1|admin|radmin" "$(sq hubA "SELECT count(*) || '|' || wait_role || '|' || wait_login FROM outbox WHERE record_type = 'customer' AND record_id = '$eid' AND sent_at IS NULL AND error IS NULL")"
fdc hubA sync --status >"$tmp/status.out" 2>&1
check "sync --status says who it waits for" grep -q '1 change waits for radmin (admin) to sign in while online' "$tmp/status.out"
check "... not as refused" grep -q '^refused *0 changes' "$tmp/status.out"
same "not erased at the server" "0" "$(server_erased "$eid")"
printf 'wrong-password\n' | fdc hubA sync --once --user radmin >"$tmp/sync.out" 2>&1
same "a wrong password: the sync says so" "1" "$(grep -c 'do not match an enabled user' "$tmp/sync.out")"
same "still not erased" "0" "$(server_erased "$eid")"
check "radmin signs in online" sh -c "printf 'admin-password-1\n' | '$fd' --db '$tmp/hubA.db' sync --once --user radmin"
same "erased at the server" "1" "$(server_erased "$eid")"
same "nothing waits at hub A" "0" "$(sq hubA "SELECT count(*) FROM outbox WHERE wait_role IS NOT NULL AND sent_at IS NULL")"
fdc hubA sync --status >"$tmp/status.out" 2>&1
same "sync --status waits for no one" "0" "$(grep -c 'to sign in while online' "$tmp/status.out")"
codeA=$(sq hubA "SELECT value FROM settings WHERE key = 'device_code'")
same "the session ended with the command" "1|0" "$(psql_q "SELECT count(*) || '|' || count(*) FILTER (WHERE s.ended_at IS NULL) FROM person_session s JOIN device d ON d.id = s.device_id WHERE d.code = '$codeA'")"
check "hub B syncs" fdc hubB sync --once
same "the tombstone reached hub B" "1|" "$(sq hubB "SELECT erased || '|' || coalesce(name, '') FROM customer WHERE id = '$eid'")"
for f in "$tmp/hubA.db" "$tmp/hubA.db-wal"; do
	if [ -f "$f" ] && grep -a -q 'fds_' "$f"; then
		echo "  not ok: a session token is in $(basename "$f")"
		case_ok=0
	fi
done
# A desk upgraded with an erasure queued before (not marked waiting): the
# server's needs_person keeps it waiting, never failed.
fid=$(new_customer hubA "Octavia Lindqvist" "07700 900615")
fdc hubA sync --once >/dev/null 2>&1
fdc hubA customer erase "$fid" --reason "request by letter" --yes >/dev/null
sqlite3 "$tmp/hubA.db" "UPDATE outbox SET wait_role = NULL, wait_login = NULL WHERE record_id = '$fid' AND sent_at IS NULL"
before=$(sq hubA "SELECT seq FROM outbox WHERE record_id = '$fid' AND sent_at IS NULL")
check "hub A syncs" fdc hubA sync --once
same "refused needs_person: waiting again for an administrator, under a new seq" "1|admin||0" \
	"$(sq hubA "SELECT count(*) || '|' || wait_role || '|' || coalesce(wait_login, '') || '|' || (seq = $before) FROM outbox WHERE record_id = '$fid' AND sent_at IS NULL AND error IS NULL")"
same "not counted as refused" "0" "$(sq hubA "SELECT count(*) FROM outbox WHERE error IS NOT NULL")"
fdc hubA sync --status >"$tmp/status.out" 2>&1
check "sync --status: waits for an administrator" grep -q '1 change waits for an administrator to sign in' "$tmp/status.out"
check "an administrator signs in" sh -c "printf 'admin-password-1\n' | '$fd' --db '$tmp/hubA.db' sync --once --user radmin"
same "erased at the server" "1" "$(server_erased "$fid")"
check "hub A's next sync is clean" fdc hubA sync --once
finish

# ---- 5 -------------------------------------------------------------------
begin "users are managed centrally: add never re-enables, disable reaches every desk, desk users reach the server"
check "radv signs in at hub A" sh -c "printf 'advisor-password-9\n' | '$fd' --db '$tmp/hubA.db' --user radv case list"
check "disabled centrally" "$fdd" user disable radv --db "$DB"
if printf 'advisor-password-9\n' | "$fdd" user add radv --role advisor --db "$DB" >"$tmp/add.out" 2>&1; then
	echo "  not ok: user add of an existing (disabled) login was taken"
	case_ok=0
fi
check "add says it exists" grep -q 'exists already' "$tmp/add.out"
same "still disabled at the server" "true" "$(psql_q "SELECT body->>'disabled' FROM app_user WHERE login = 'radv'")"
"$fdd" user list --db "$DB" >"$tmp/users.out"
check "user list shows it disabled" grep -q '^radv *advisor *disabled' "$tmp/users.out"
fdc hubA sync --once >/dev/null 2>&1
same "disabled at hub A after its pull" "1" "$(sq hubA "SELECT disabled FROM user WHERE login = 'radv'")"
if printf 'advisor-password-9\n' | "$fd" --db "$tmp/hubA.db" --user radv case list >/dev/null 2>&1; then
	echo "  not ok: a disabled user signed in at hub A"
	case_ok=0
fi
same "no session for a disabled user" "401" "$(sess "$raw" radv advisor-password-9)"
check "enabled again" "$fdd" user enable radv --db "$DB"
check "password reset" sh -c "printf 'advisor-password-10\n' | '$fdd' user passwd radv --db '$DB'"
check "role changed" "$fdd" user role radv --role supervisor --db "$DB"
fdc hubB sync --once >/dev/null 2>&1
same "hub B has it enabled, a supervisor" "supervisor|0" "$(sq hubB "SELECT role || '|' || disabled FROM user WHERE login = 'radv'")"
check "the new password works at hub B" sh -c "printf 'advisor-password-10\n' | '$fd' --db '$tmp/hubB.db' --user radv case list"
# A user added at a desk by an administrator: a privileged change.
check "added at hub A" sh -c "printf 'newbie-password-1\n' | '$fd' --db '$tmp/hubA.db' user add newbie --role advisor"
# ... who serves a customer before the server knows them: the contact waits
# for the user change, and is never lost or refused for good.
check "newbie logs a contact at once" sh -c "printf 'newbie-password-1\n' | '$fd' --db '$tmp/hubA.db' --user newbie contact log --service council-tax-payment --outcome resolved"
nk=$(sq hubA "SELECT id FROM contact WHERE advisor = 'advisor:newbie'")
check "hub A syncs" fdc hubA sync --once
same "not at the server without an administrator's session" "0" "$(psql_q "SELECT count(*) FROM app_user WHERE login = 'newbie'")"
same "newbie's contact waits at hub A, not refused" "0|1" \
	"$(sq hubA "SELECT count(*) FILTER (WHERE error IS NOT NULL) || '|' || count(*) FILTER (WHERE sent_at IS NULL) FROM outbox WHERE record_id = '$nk'")"
check "an administrator signs in at hub A" sh -c "printf 'admin-password-1\n' | '$fd' --db '$tmp/hubA.db' sync --once --user radmin"
same "at the server" "advisor|false" "$(psql_q "SELECT body->>'role' || '|' || (body->>'disabled') FROM app_user WHERE login = 'newbie'")"
same "newbie's contact at the server, once" "1" "$(psql_q "SELECT count(*) FROM contact WHERE id = '$nk'")"
check "hub B syncs" fdc hubB sync --once
check "newbie signs in at hub B" sh -c "printf 'newbie-password-1\n' | '$fd' --db '$tmp/hubB.db' --user newbie case list"
finish

# ---- 6 -------------------------------------------------------------------
begin "the console (tmux, 80x24) ends the open session of a user disabled centrally"
fdc hubB sync --once >/dev/null 2>&1
tstart hubB
twait "Sign in with your login name"
ttype radv
tkeys Enter
ttype advisor-password-10
tkeys Enter
twait "Find a customer"
check "disabled centrally" "$fdd" user disable radv --db "$DB"
twait "radv was disabled by an administrator and has been signed out."
twait "Sign in with your login name"
same "the customer screen is gone" "0" "$(tscreen | grep -c 'Find a customer')"
ttype radv
tkeys Enter
ttype advisor-password-10
tkeys Enter
# (the refusal on screen, rather than a guess at how long it takes)
twait "user 'radv' is disabled"
same "radv cannot sign in again" "0" "$(tscreen | grep -c 'Find a customer')"
tstop
finish

# ---- 7 -------------------------------------------------------------------
begin "the console: an administrator signing in online gives the background sync a session; what waited is sent"
gid=$(new_customer hubB "Perpetua Wainwright-Okafor" "07700 900616")
fdc hubB sync --once >/dev/null 2>&1
fdc hubB customer erase "$gid" --reason "request by letter" --yes >/dev/null
fdc hubB sync --once >/dev/null 2>&1
same "the erasure waits at hub B" "1" "$(sq hubB "SELECT count(*) FROM outbox WHERE record_id = '$gid' AND wait_role = 'admin' AND sent_at IS NULL")"
same "not erased at the server" "0" "$(server_erased "$gid")"
tstart hubB
twait "Sign in with your login name"
ttype radmin
tkeys Enter
ttype admin-password-1
tkeys Enter
twait "Find a customer"
erased_at_server() {
	[ "$(server_erased "$gid")" = 1 ]
}
poll "$wait_s" erased_at_server
same "erased at the server" "1" "$(server_erased "$gid")"
same "nothing waits at hub B" "0" "$(sq hubB "SELECT count(*) FROM outbox WHERE wait_role IS NOT NULL AND sent_at IS NULL")"
same "no session token in hub B's files" "0" "$(cat "$tmp/hubB.db" "$tmp/hubB.db-wal" 2>/dev/null | grep -a -c 'fds_')"
tstop
finish

summary
