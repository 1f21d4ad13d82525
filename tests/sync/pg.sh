# shellcheck shell=sh
# A throwaway PostgreSQL cluster for the sync suite, sourced by tests/sync/run
# (one cluster for every case) and by tests/sync/lib.sh (a case run alone
# starts its own): the server binaries found portably, free ports, and
# pg_start / pg_stop. Needs `me` (the name in messages) set first.

# poll SECONDS COMMAND...: runs COMMAND until it succeeds (0) or SECONDS
# have passed (1). Every wait in the suite is one of these, never a fixed
# sleep: on a loaded machine things take longer, and only a failure should
# take the whole deadline.
poll() {
	poll_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		if [ "$(date +%s)" -ge "$poll_end" ]; then
			return 1
		fi
		sleep 0.05
	done
}

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
	echo "$me: PostgreSQL server binaries not found; install them with: apt-get install postgresql" >&2
	exit 1
fi

# PostgreSQL refuses to run as root: run it as nobody then.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# free_port N: a port that nothing listens on (bounded tries). Another
# program may still take it before we do: whoever binds it checks.
free_port() {
	p=$((($$ * 7 + $1 + ${free_port_shift:-0}) % 20000 + 30000))
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

# pg_ready DIR: the postmaster of DIR says it is ready; fails at once
# (status 2) when the one we started has exited (its port was taken).
pg_ready() {
	[ "$(sed -n 8p "$1/pg/postmaster.pid" 2>/dev/null | tr -d ' ')" = ready ] && return 0
	kill -0 "$pg_launch" 2>/dev/null || return 2
	return 1
}
pg_up() {
	pg_ready "$1"
	[ $? -ne 1 ]
}

# pg_start DIR: a cluster in DIR/pg, its socket in DIR/sock, listening on
# 127.0.0.1:$pgport, log in DIR/postgres.log; sets pgport, pgpid and DB
# (the libpq connection string to the database "postgres"). Ready means
# its own postmaster.pid says so, never that something answers on the
# port, which could be another program's server.
pg_start() {
	mkdir -p "$1/pg" "$1/sock"
	if [ "$(id -u)" -eq 0 ]; then
		chown 65534:65534 "$1/pg" "$1/sock"
	fi
	if ! as_pg "$pgbin/initdb" -D "$1/pg" -A trust -U fd -E UTF8 --no-sync >"$1/initdb.log" 2>&1; then
		echo "$me: initdb failed:" >&2
		cat "$1/initdb.log" >&2
		return 1
	fi
	tries=0
	while :; do
		pgport=$(free_port $((1 + tries * 97))) || return 1
		as_pg "$pgbin/postgres" -D "$1/pg" -p "$pgport" -k "$1/sock" \
			-c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=64MB \
			>>"$1/postgres.log" 2>&1 &
		pg_launch=$!
		poll 60 pg_up "$1"
		if pg_ready "$1"; then
			break
		fi
		kill -9 "$pg_launch" 2>/dev/null
		tries=$((tries + 1))
		if [ $tries -ge 5 ]; then
			echo "$me: PostgreSQL did not start:" >&2
			tail -20 "$1/postgres.log" >&2
			return 1
		fi
	done
	# $! is the shell that runs as_pg; stop the postmaster itself at the end.
	pgpid=$(head -1 "$1/pg/postmaster.pid")
	DB="host=127.0.0.1 port=$pgport user=fd dbname=postgres"
}

# pg_stop: stops the cluster pg_start started (fast shutdown, bounded).
pg_stop() {
	[ -n "${pgpid:-}" ] || return 0
	kill -INT "$pgpid" 2>/dev/null
	poll 10 pg_gone
	kill -9 "$pgpid" 2>/dev/null
	pgpid=""
}
pg_gone() {
	! kill -0 "$pgpid" 2>/dev/null
}
