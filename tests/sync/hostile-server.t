#!/bin/sh
# A console talking to a hostile server (tests/sync/hostile-server.py): one
# that says "more" for ever, one that never moves its cursor, one whose
# cursor goes backwards. The console stops by itself, says so, reports no
# success, and keeps the cursor it had. Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

start_server || exit 1
console desk civic-centre || { cat "$tmp/desk.enrol"; exit 1; }
check "the desk syncs with the real server first" fdc desk sync --once
hport=$(free_port 11) || exit 1
fdc desk config set server_url "http://127.0.0.1:$hport" >/dev/null

# hostile MODE: the console's sync against the stand-in, its output in
# $tmp/hostile.out and its exit status echoed. The stand-in's own time
# limit only stops one left behind: 2000 pages take seconds on an idle
# machine and minutes on a loaded one, so it is generous, and the stand-in
# is stopped when the sync ends or the case does.
hostile() {
	python3 "$here/hostile-server.py" "$hport" "$1" 1800 &
	hpid=$!
	echo "$hpid" >"$tmp/helpers/hostile.pid"
	poll "$wait_s" curl -s -o /dev/null "http://127.0.0.1:$hport/v1/pull?after=0"
	fdc desk sync --once >"$tmp/hostile.out" 2>&1
	echo $?
	kill "$hpid" 2>/dev/null
	wait "$hpid" 2>/dev/null
	rm -f "$tmp/helpers/hostile.pid"
}
cursor() {
	sq desk "SELECT value FROM settings WHERE key = 'sync_cursor'"
}

begin "a server that says 'more' for ever: the console stops after a bounded number of pages and says so"
before=$(cursor)
same "the sync is not reported as a success" "1" "$(hostile more)"
check "it says what happened ($(tail -1 "$tmp/hostile.out"))" grep -q "stopped after 2000 pages with more still waiting" "$tmp/hostile.out"
same "it took the pages it was given" "$((before + 2000))" "$(cursor)"
finish

begin "a server whose cursor does not move while it says 'more': stopped at once"
before=$(cursor)
same "the sync fails" "1" "$(hostile stuck)"
check "it says so ($(tail -1 "$tmp/hostile.out"))" grep -q "while saying there is more" "$tmp/hostile.out"
same "the cursor is where it was" "$before" "$(cursor)"
finish

begin "a server whose cursor goes backwards: refused, nothing applied"
before=$(cursor)
same "the sync fails" "1" "$(hostile backwards)"
check "it says so ($(tail -1 "$tmp/hostile.out"))" grep -q "(backwards)" "$tmp/hostile.out"
same "the cursor is where it was" "$before" "$(cursor)"
finish

summary
