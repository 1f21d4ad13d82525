# shellcheck shell=sh
# The sync suite's harness, sourced by each tests/sync/*.t case (which sets
# `here` to its folder first): a PostgreSQL database with the server's
# schema and reference data loaded, and the helpers the cases use:
# start_server, stop_server, console NAME SITE, two_hubs, fdc, sq, psql_q,
# the console in tmux (tstart, twait, ...), begin/check/same/finish and
# summary ("N passed, M failed").
#
# Under tests/sync/run a case gets a folder of the runner's (SYNC_CASE_DIR)
# and a database of its own, copied from a template in the one cluster the
# runner started (SYNC_PG_PORT, SYNC_PG_TEMPLATE): starting PostgreSQL
# once saves seconds a case. Run alone (sh tests/sync/NAME.t), a case
# starts and removes a cluster of its own, and so does a case that sets
# own_cluster=1 before sourcing lib.sh (one that reads the cluster's files,
# where other cases' data would show). Either way nothing one case does is
# seen by another. KEEP=1 keeps a case's own temporary directory.

: "${here:?set here before sourcing lib.sh}"
set -u
me="tests/sync/$(basename "$0")"
repo=$(cd "$here/../.." && pwd)
fd="$repo/frontdesk"
fdd="$repo/frontdeskd"
for bin in "$fd" "$fdd"; do
	if [ ! -x "$bin" ]; then
		echo "$me: no $bin; build it first with: make" >&2
		exit 1
	fi
done
# shellcheck source=tests/sync/pg.sh
. "$here/pg.sh"

# Every wait is bounded by this many seconds.
wait_s=${SYNC_WAIT:-30}

own_tmp=""
if [ -n "${SYNC_CASE_DIR:-}" ]; then
	tmp=$SYNC_CASE_DIR
	mkdir -p "$tmp"
else
	own_tmp=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-sync.XXXXXX") || exit 1
	tmp=$own_tmp
fi
chmod 755 "$tmp"
pgpid=""
spid=""
tpid=""
casedb=""
# A helper server a case starts writes its pid to $tmp/helpers/NAME.pid
# (from a subshell too), and is stopped when the case ends.
mkdir -p "$tmp/helpers"
tsock="fdsync-$$"
cleanup() {
	tmux -L "$tsock" kill-server 2>/dev/null
	if [ -n "$tpid" ]; then
		kill -9 "$tpid" 2>/dev/null
		wait "$tpid" 2>/dev/null
	fi
	for f in "$tmp"/helpers/*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	if [ -n "$spid" ]; then
		kill -9 "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	fi
	if [ -n "$casedb" ]; then
		"$pgbin/psql" -X -q "$SYNC_PG_DB" -c "DROP DATABASE IF EXISTS $casedb WITH (FORCE)" \
			>/dev/null 2>&1
	fi
	pg_stop
	if [ -n "$own_tmp" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			echo "kept $own_tmp"
		else
			rm -rf "$own_tmp"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "${own_cluster:-0}" = 1 ]; then
	SYNC_PG_PORT=""
fi
if [ -n "${SYNC_PG_PORT:-}" ]; then
	pgport=$SYNC_PG_PORT
	SYNC_PG_DB="host=127.0.0.1 port=$pgport user=fd dbname=postgres"
	casedb="case_$$"
	if ! "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 "$SYNC_PG_DB" \
		-c "CREATE DATABASE $casedb TEMPLATE ${SYNC_PG_TEMPLATE:?}" >"$tmp/createdb.log" 2>&1; then
		echo "$me: cannot make the case's database:" >&2
		cat "$tmp/createdb.log" >&2
		casedb=""
		exit 1
	fi
	DB="host=127.0.0.1 port=$pgport user=fd dbname=$casedb"
else
	pg_start "$tmp" || exit 1
fi
# the key store personal data is sealed under (frontdeskd(8), "Keys"),
# one a case, beside its database
export FRONTDESKD_KEYS="$tmp/keys"

psql_q() {
	"$pgbin/psql" -X -A -t -q -v ON_ERROR_STOP=1 "$DB" -c "$1"
}

# pg_load DB: the server's schema and reference data into DB.
pg_load() {
	"$fdd" migrate --db "$1" >/dev/null && "$fdd" data load "$repo/data" --db "$1" >/dev/null
}
if [ -z "${SYNC_PG_PORT:-}" ]; then
	pg_load "$DB" || exit 1
fi

port=$(free_port 7) || exit 1
URL="http://127.0.0.1:$port"
touch "$tmp/server.log"
started_once=0

# server_up: the server started last has said it listens, or has exited.
server_up() {
	tail -n "+$log_from" "$tmp/server.log" | grep -q '^frontdeskd: listening on' && return 0
	! kill -0 "$spid" 2>/dev/null
}
healthy() {
	curl -fsS "$URL/healthz" >/dev/null 2>&1
}

# start_server [ENV=VALUE...]: frontdeskd on $port (given FRONTDESKD_TEST_*
# settings, its test build, which reads them), waiting until it says
# it listens and answers /healthz. Until a server has started, a port taken
# by another program meanwhile is swapped for another (no desk knows the
# address yet); after that the address stays.
start_server() {
	server_bin=$fdd
	[ $# -eq 0 ] || server_bin="$repo/build/frontdeskd-test"
	tries=0
	while :; do
		log_from=$(($(wc -l <"$tmp/server.log") + 1))
		env "$@" "$server_bin" serve --listen "127.0.0.1:$port" --db "$DB" --threads 4 \
			2>>"$tmp/server.log" &
		spid=$!
		poll "$wait_s" server_up
		if kill -0 "$spid" 2>/dev/null; then
			break
		fi
		wait "$spid" 2>/dev/null
		tries=$((tries + 1))
		if [ "$started_once" = 1 ] || [ $tries -ge 5 ] ||
			! tail -n "+$log_from" "$tmp/server.log" | grep -q 'cannot listen'; then
			echo "$me: frontdeskd did not start:" >&2
			tail -n "+$log_from" "$tmp/server.log" | tail -5 >&2
			spid=""
			return 1
		fi
		free_port_shift=$((tries * 101))
		port=$(free_port 7) || return 1
		URL="http://127.0.0.1:$port"
	done
	if ! poll "$wait_s" healthy; then
		echo "$me: frontdeskd does not answer /healthz:" >&2
		tail -n "+$log_from" "$tmp/server.log" | tail -5 >&2
		return 1
	fi
	started_once=1
}

stop_server() {
	kill -TERM "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=""
}

# console NAME SITE: a desk database enrolled with the server.
console() {
	db="$tmp/$1.db"
	"$fd" --db "$db" init --site "$2" >/dev/null || return 1
	code=$("$fdd" device add --site "$2" --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
	"$fd" --db "$db" device enrol --server "$URL" --code "$code" >"$tmp/$1.enrol" 2>&1
}

# fdc NAME ARGS...: frontdesk on console NAME's database.
fdc() {
	name=$1
	shift
	"$fd" --db "$tmp/$name.db" "$@"
}

sq() {
	sqlite3 "$tmp/$1.db" "$2"
}

# customer_state NAME ID: the customer's fields and stamps as one line.
# A desk keeps the stamp shared by every field with a value once, as
# {"*": stamp}; spelled out per field (keys sorted) it compares with the
# server's copy, which always names each field.
customer_state() {
	sq "$1" "SELECT coalesce(name,''),coalesce(phone,''),coalesce(postcode,''),coalesce(email,''),erased,
		CASE WHEN json_extract(field_hlc, '\$.\"*\"') IS NULL THEN field_hlc ELSE
		(SELECT json_group_object(k, json_extract(c.field_hlc, '\$.\"*\"')) FROM (
			SELECT 'address' AS k, c.address AS v UNION ALL SELECT 'consent', c.consent
			UNION ALL SELECT 'dob', c.dob UNION ALL SELECT 'email', c.email
			UNION ALL SELECT 'name', c.name UNION ALL SELECT 'needs', c.needs
			UNION ALL SELECT 'needs_basis', c.needs_basis
			UNION ALL SELECT 'phone', c.phone UNION ALL SELECT 'postcode', c.postcode
			UNION ALL SELECT 'preferred_channel', c.preferred_channel
			UNION ALL SELECT 'uprn', c.uprn ORDER BY 1) WHERE v IS NOT NULL) END
		FROM customer c WHERE id = '$2'"
}
# server_customer_state ID: the customer as the server hands it to every
# desk (its pull, opened from the sealed copy it keeps: PostgreSQL holds
# no personal value in the clear), in customer_state's form. Read with a
# desk of its own that pushes nothing.
server_customer_state() {
	[ -f "$tmp/srvview.db.token" ] || (console srvview hub-central-library) || return 1
	after=0
	: >"$tmp/srvview.pull"
	while :; do
		page=$(curl -fsS -H "Authorization: Bearer $(cat "$tmp/srvview.db.token")" \
			"$URL/v1/pull?after=$after&limit=2000") || return 1
		printf '%s\n' "$page" | jq -c --arg id "$1" \
			'.changes[] | select(.type == "customer" and .body.id == $id) | .body' >>"$tmp/srvview.pull"
		[ "$(printf '%s' "$page" | jq -r .more)" = true ] || break
		after=$(printf '%s' "$page" | jq -r .next)
	done
	tail -1 "$tmp/srvview.pull" | jq -r '[(.fields.name // ""), (.fields.phone // ""),
		(.fields.postcode // ""), (.fields.email // ""), (if .erased then 1 else 0 end),
		(.hlc | to_entries | map(select(.value != null)) | sort_by(.key) | from_entries
		| tojson)] | join("|")'
}

# desk NAME SITE: console NAME SITE, saying why when it cannot.
desk() {
	console "$1" "$2" || { cat "$tmp/$1.enrol"; return 1; }
}

# two_hubs: the server started and two desks enrolled, hubA at the civic
# centre and hubB at the central library.
two_hubs() {
	start_server && desk hubA civic-centre && desk hubB hub-central-library
}

# org_hubs: two_hubs, a supervisor rsup at the server (password
# supervisor-password-1) and $token hub A's, for rget.
org_hubs() {
	two_hubs || return 1
	printf 'supervisor-password-1\n' | "$fdd" user add rsup --role supervisor --db "$DB" >/dev/null
	token=$(cat "$tmp/hubA.db.token")
}

# log_contacts NAME N ARGS...: N contacts at desk NAME (contact log ARGS).
log_contacts() {
	lc_desk=$1
	lc_n=$2
	shift 2
	while [ "$lc_n" -gt 0 ]; do
		fdc "$lc_desk" contact log "$@" >/dev/null
		lc_n=$((lc_n - 1))
	done
}

# raw_enrol SITE FILE: a device enrolled by hand (a raw HTTP client), its
# answer in $tmp/FILE; sets raw_token and raw_dev.
raw_enrol() {
	code=$("$fdd" device add --site "$1" --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
	curl -sS -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" "$URL/v1/enrol" >"$tmp/$2"
	raw_token=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$tmp/$2")
	raw_dev=$(sed -n 's/.*"device_id": *"\([^"]*\)".*/\1/p' "$tmp/$2")
}

# ---- the console in tmux at 80x24 (its background sync every 0.5 s) ------
# tstart NAME [ENV=VALUE]: the console on NAME's database (with one more setting).
tstart() {
	tmux -L "$tsock" kill-server 2>/dev/null
	tmux -L "$tsock" -f /dev/null new-session -d -s main -x 80 -y 24 \
		"env LC_ALL=C.UTF-8 TZ=UTC FRONTDESK_SYNC_INTERVAL_MS=500 ${2:-} '$fd' --db '$tmp/$1.db'; echo CONSOLE-ENDED; sleep 600"
}
tstop() {
	tmux -L "$tsock" kill-server 2>/dev/null
}
tscreen() {
	tmux -L "$tsock" capture-pane -p -t main
}
tkeys() {
	for k in "$@"; do
		tmux -L "$tsock" send-keys -t main "$k"
	done
}
ttype() {
	tmux -L "$tsock" send-keys -t main -l "$1"
}
# tshows GREP-FLAG PATTERN: a line of the pane matches.
tshows() {
	tscreen | grep -q "$1" -- "$2"
}
# twait TEXT: polls the pane until TEXT shows; fails the case if it never does.
twait() {
	twait_grep -F "$1"
}
# twait_re REGEX: the same for an extended regular expression.
twait_re() {
	twait_grep -E "$1"
}
twait_grep() {
	poll "$wait_s" tshows "$1" "$2" && return 0
	echo "  timed out waiting for: $2"
	tscreen | sed 's/^/  | /'
	case_ok=0
	return 1
}
# tstatus: the status bar (the last line).
tstatus() {
	tscreen | tail -1
}
# psql_is QUERY EXPECTED: the server's answer to QUERY is EXPECTED.
psql_is() {
	[ "$(psql_q "$1")" = "$2" ]
}
# poll_psql QUERY EXPECTED: polls the server until QUERY gives EXPECTED.
poll_psql() {
	poll "$wait_s" psql_is "$1" "$2"
}
tsign_in() {
	twait "Sign in with your login name" && ttype jsmith && tkeys Enter &&
		ttype advisor-password-1 && tkeys Enter && twait "Find a customer"
}

# ---- reports over every hub, as a supervisor asks the server for them ----
# rsession USER PASSWORD: a session at the device whose token is $token, or
# the HTTP status when refused. rget USER PASSWORD NAME QUERY: the report's
# HTTP status with that person's session (opened once per person and kept,
# as a console does); the body in $tmp/r.json.
rsession() {
	curl -sS -o "$tmp/s.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' -d "{\"login\":\"$1\",\"password\":\"$2\"}" \
		"$URL/v1/session" >"$tmp/s.code"
	if [ "$(cat "$tmp/s.code")" = 200 ]; then
		jq -r .session "$tmp/s.json"
	else
		cat "$tmp/s.code"
	fi
}
rget() {
	key=$(printf '%s' "$1:$2" | cksum | cut -d' ' -f1)
	if [ ! -s "$tmp/session.$key" ]; then
		rsession "$1" "$2" >"$tmp/session.$key"
	fi
	curl -sS -o "$tmp/r.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
		-H "X-Frontdesk-Session: $(cat "$tmp/session.$key")" "$URL/v1/reports/$3?$4"
}

passed=0
failed=0
case_name=""
case_ok=1
begin() {
	case_name=$1
	case_ok=1
}
check() {
	# check DESCRIPTION COMMAND...: the command must succeed.
	what=$1
	shift
	if ! "$@" >/dev/null 2>&1; then
		echo "  not ok: $what"
		case_ok=0
	fi
}
same() {
	# same DESCRIPTION EXPECTED ACTUAL
	if [ "$2" != "$3" ]; then
		echo "  not ok: $1"
		echo "    expected: $2"
		echo "    actual:   $3"
		case_ok=0
	fi
}
finish() {
	if [ "$case_ok" = 1 ]; then
		echo "ok   $case_name"
		passed=$((passed + 1))
	else
		echo "FAIL $case_name"
		failed=$((failed + 1))
	fi
}

# summary: the closing line every suite prints, and its exit status.
summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
