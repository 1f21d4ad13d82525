# shellcheck shell=sh
# The sync suites' harness, sourced by tests/sync/run and tests/sync/*.t
# (each sets `here` to its folder first): a throwaway PostgreSQL cluster
# (initdb in a temporary directory, a free port on 127.0.0.1), the server's
# schema and reference data loaded, and the helpers the cases use:
# start_server, console NAME SITE, fdc, sq, psql_q, begin/check/same/finish
# and summary ("N passed, M failed"). Everything is stopped and removed on
# exit; KEEP=1 keeps the temporary directory (its path is printed).

: "${here:?set here before sourcing lib.sh}"
repo=$(cd "$here/../.." && pwd)
fd="$repo/frontdesk"
fdd="$repo/frontdeskd"
for bin in "$fd" "$fdd"; do
	if [ ! -x "$bin" ]; then
		echo "tests/sync/run: no $bin; build it first with: make" >&2
		exit 1
	fi
done

# ---- PostgreSQL binaries, found portably --------------------------------
pgbin=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
	pgbin=$(pg_config --bindir)
fi
if [ -z "$pgbin" ]; then
	for d in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin /usr/pgsql-*/bin; do
		[ -x "$d/initdb" ] && pgbin=$d
	done
fi
if [ -z "$pgbin" ] && command -v initdb >/dev/null 2>&1; then
	pgbin=$(dirname "$(command -v initdb)")
fi
if [ -z "$pgbin" ]; then
	echo "tests/sync/run: PostgreSQL server binaries not found; install them with: apt-get install postgresql" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-sync.XXXXXX") || exit 1
chmod 755 "$tmp"
pgpid=""
spid=""
tpid=""
cleanup() {
	tmux -L "fdsync-$$" kill-server 2>/dev/null
	if [ -n "$tpid" ]; then
		kill -9 "$tpid" 2>/dev/null
		wait "$tpid" 2>/dev/null
	fi
	if [ -n "$spid" ]; then
		kill -9 "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	fi
	if [ -n "$pgpid" ]; then
		kill -INT "$pgpid" 2>/dev/null
		i=0
		while kill -0 "$pgpid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$pgpid" 2>/dev/null
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# PostgreSQL refuses to run as root: run it as nobody then.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# A port that nothing listens on (bounded tries).
free_port() {
	p=$(( ($$ * 7 + $1) % 20000 + 30000 ))
	n=0
	while [ $n -lt 50 ]; do
		if ! grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			echo "$p"
			return 0
		fi
		p=$((p + 1))
		n=$((n + 1))
	done
	return 1
}

mkdir -p "$tmp/pg" "$tmp/sock"
if [ "$(id -u)" -eq 0 ]; then
	chown 65534:65534 "$tmp/pg" "$tmp/sock"
fi
if ! as_pg "$pgbin/initdb" -D "$tmp/pg" -A trust -U fd -E UTF8 --no-sync >"$tmp/initdb.log" 2>&1; then
	echo "tests/sync/run: initdb failed:" >&2
	cat "$tmp/initdb.log" >&2
	exit 1
fi
pgport=$(free_port 1) || exit 1
as_pg "$pgbin/postgres" -D "$tmp/pg" -p "$pgport" -k "$tmp/sock" \
	-c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=64MB \
	>"$tmp/postgres.log" 2>&1 &
pgpid=$!
DB="host=127.0.0.1 port=$pgport user=fd dbname=postgres"
# the key store personal data is sealed under (frontdeskd(8), "Keys")
export FRONTDESKD_KEYS="$tmp/keys"
i=0
until "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pgport" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "tests/sync/run: PostgreSQL did not start:" >&2
		cat "$tmp/postgres.log" >&2
		exit 1
	fi
	sleep 0.1
done
# $! is the shell that runs as_pg; stop the postmaster itself at the end.
pgpid=$(head -1 "$tmp/pg/postmaster.pid")

psql_q() {
	"$pgbin/psql" -X -A -t -q -v ON_ERROR_STOP=1 "$DB" -c "$1"
}

"$fdd" migrate --db "$DB" >/dev/null || exit 1
"$fdd" data load "$repo/data" --db "$DB" >/dev/null || exit 1

port=$(free_port 7) || exit 1
URL="http://127.0.0.1:$port"

# start_server [ENV=VALUE...]: frontdeskd on $port, waiting for /healthz.
start_server() {
	env "$@" "$fdd" serve --listen "127.0.0.1:$port" --db "$DB" --threads 4 \
		2>>"$tmp/server.log" &
	spid=$!
	i=0
	until curl -fsS "$URL/healthz" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$spid" 2>/dev/null; then
			echo "tests/sync/run: frontdeskd did not start:" >&2
			tail -5 "$tmp/server.log" >&2
			return 1
		fi
		sleep 0.05
	done
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
