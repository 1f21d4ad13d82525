# shellcheck shell=sh
# The terminal suite's harness, sourced by each tests/tui/*.t case (which
# sets `here` to its folder first). A case drives the real ./frontdesk
# console inside tmux at 80x24, typed at as an advisor would (send-keys),
# reads it back with capture-pane, and checks both the screen and the
# database rows (sqlite3). Each case has its own database in its own folder
# and its own tmux server (tmux -L), killed when the case ends; a case that
# fails shows the last screen it saw.
#
# Waiting is a poll with a deadline in seconds (TUI_WAIT, 30 by default),
# never a fixed sleep: the console is slower on a loaded machine, and only
# the time a failure takes to show depends on the deadline.
#
# Time is injected: the console reads the clock from the file named by
# FRONTDESK_NOW_FILE ($dir/now), so the idle lock, due dates and retention
# are tested by moving the clock on.
#
# The runner (tests/tui/run) gives a case its folder in TUI_CASE_DIR and
# removes it; a case run alone (sh tests/tui/NAME.t) makes its own and
# removes it at exit unless KEEP=1.

: "${here:?set here before sourcing lib.sh}"
set -u
repo=$(cd "$here/../.." && pwd)
fd="$repo/frontdesk"
case_name=$(basename "$0" .t)

if [ ! -x "$fd" ]; then
	echo "tests/tui: no $fd; build it first with: make" >&2
	exit 1
fi
if ! command -v tmux >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
	echo "tests/tui: needs tmux and sqlite3; install them with: make deps" >&2
	exit 1
fi

own_dir=""
if [ -n "${TUI_CASE_DIR:-}" ]; then
	dir=$TUI_CASE_DIR
else
	own_dir=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-tui.XXXXXX") || exit 1
	dir="$own_dir/$case_name"
fi
db="$dir/fd.db"
mkdir -p "$dir"

PW="correct horse battery"
NOW0=2026-11-20T10:00:00Z
echo "$NOW0" >"$dir/now"
export LC_ALL=C.UTF-8 TZ=UTC FRONTDESK_DATA="$repo/data"
unset FRONTDESK_NOW NO_COLOR
wait_s=${TUI_WAIT:-30}

sock=""
presses=0
dumped=0
cleanup() {
	status=$?
	if [ -n "$sock" ]; then
		if [ "$status" -ne 0 ] && [ "$dumped" = 0 ]; then
			echo "  the screen when $case_name failed:"
			dump_screen 2>/dev/null
		fi
		tmux -L "$sock" kill-server 2>/dev/null
	fi
	if [ -n "$own_dir" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			echo "kept $own_dir"
		else
			rm -rf "$own_dir"
		fi
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# cli ARGS...: the command line on this case's database, at the case's time.
cli() {
	FRONTDESK_NOW=$(cat "$dir/now") "$fd" --db "$db" "$@"
}

# sql QUERY: one value (or rows) from the database.
sql() {
	sqlite3 -batch -noheader "$db" "$1"
}

# newdb: a ready desk with two advisors and three customers.
newdb() {
	cli init --site civic-centre --device-code WB2 >/dev/null || echo "init failed"
	echo "$PW" | cli user add jsmith --role advisor --name "Jo Smith" >/dev/null
	echo "$PW" | cli user add locky --role advisor >/dev/null
	cli customer add --name "Zoë Brown" --postcode "NG12 3AB" --phone "07700 900123" \
		--needs "hearing,interpreter:Polish" --needs-basis consent >/dev/null
	cli customer add --name "Łukasz Nowak" --postcode "DE7 5HN" --phone "01632 960001" >/dev/null
	cli customer add --name "Nguyễn Văn An" --postcode "DE7 9LS" >/dev/null
}

# start [ENV=VALUE...]: the console in a fresh tmux server at 80x24. When
# it ends, the pane shows whether the terminal is back in canonical mode
# with echo, then CONSOLE-ENDED.
start() {
	sock="fdtui-$$-$case_name"
	# shellcheck disable=SC2145 # the extra assignments are wanted as words
	tmux -L "$sock" -f /dev/null new-session -d -s main -x 80 -y 24 \
		"env LC_ALL=C.UTF-8 TZ=UTC FRONTDESK_NOW_FILE='$dir/now' $* '$fd' --db '$db'; \
		 echo; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; \
		 echo CONSOLE-ENDED; sleep 600"
	tmux -L "$sock" set-option -g remain-on-exit on >/dev/null 2>&1
}

screen() {
	tmux -L "$sock" capture-pane -p -t main
}

# dump_screen: the pane, indented, into the case's log.
dump_screen() {
	screen | sed 's/^/  | /'
	dumped=1
}

# keys KEY...: named keys (Enter, F2, C-s, ...), each counted as one press.
keys() {
	for k in "$@"; do
		tmux -L "$sock" send-keys -t main "$k"
		presses=$((presses + 1))
	done
}

# type_text TEXT: literal text, one press per character.
type_text() {
	tmux -L "$sock" send-keys -t main -l "$1"
	presses=$((presses + $(printf '%s' "$1" | wc -m)))
}

# poll COMMAND...: runs COMMAND until it succeeds (0) or $wait_s seconds
# have passed (1).
poll() {
	poll_end=$(($(date +%s) + wait_s))
	until "$@"; do
		if [ "$(date +%s)" -ge "$poll_end" ]; then
			return 1
		fi
		sleep 0.05
	done
}

# on_screen GREP-FLAG PATTERN: the pane has a line matching PATTERN.
on_screen() {
	screen | grep -q "$1" -- "$2"
}
off_screen() {
	! on_screen "$@"
}

# screen_lines N: the pane is N lines tall.
screen_lines() {
	[ "$(screen | wc -l)" -eq "$1" ]
}

# sql_is QUERY WANT: the query gives WANT.
sql_is() {
	[ "$(sql "$1")" = "$2" ]
}

# wait_for TEXT: polls the pane until TEXT shows.
wait_for() {
	poll on_screen -F "$1" && return 0
	echo "  timed out waiting for: $1"
	dump_screen
	return 1
}

# wait_re REGEX: polls the pane until a line matches REGEX (ERE).
wait_re() {
	poll on_screen -E "$1" && return 0
	echo "  timed out waiting for a line like: $1"
	dump_screen
	return 1
}

# wait_gone TEXT: polls until TEXT is no longer on screen.
wait_gone() {
	poll off_screen -F "$1" && return 0
	echo "  still on screen: $1"
	dump_screen
	return 1
}

# resize COLUMNS ROWS: resizes the window and waits (bounded) until the
# pane has that many rows; the case checks the rest.
resize() {
	tmux -L "$sock" resize-window -t main -x "$1" -y "$2"
	poll screen_lines "$2"
}

# expect WHAT GOT WANT: fails the case when GOT is not WANT.
expect() {
	if [ "$2" != "$3" ]; then
		echo "  $1: got '$2', want '$3'"
		return 1
	fi
}

sign_in() {
	wait_for "Sign in with your login name" &&
		type_text "$1" && keys Enter && type_text "$2" && keys Enter
}

# cursor_at: "x y" of the terminal cursor.
cursor_at() {
	tmux -L "$sock" display-message -p -t main '#{cursor_x} #{cursor_y}'
}

# advisor_home [ENV=VALUE...]: a ready desk (newdb), the console started
# (with the settings given) and jsmith signed in, on the search screen.
advisor_home() {
	newdb
	home_as jsmith "$@"
}

# home_as LOGIN [ENV=VALUE...]: the console started (with the settings
# given) and LOGIN signed in, on the search screen.
home_as() {
	home_login=$1
	shift
	start "$@"
	sign_in "$home_login" "$PW" || return 1
	wait_for "Find a customer"
}

# open_customer TEXT NAME: on the search screen, types TEXT and opens NAME,
# the first match.
open_customer() {
	type_text "$1"
	wait_for "> $2" || return 1
	keys Enter
	wait_for "Customer: $2"
}

# open_zoe: from the search screen, opens Zoë Brown.
open_zoe() {
	wait_for "Find a customer" || return 1
	open_customer zoe "Zoë Brown"
}

# report_data: a supervisor and two advisors' contacts in November 2026, three
# of them with a customer (the drill-down's names), the rest anonymous:
#   jsmith 18th 10:00 council-tax-moving referred  Zoë Brown
#   jsmith 18th 11:00 council-tax-moving referred  -
#   jsmith 10th 11:00 waste-missed-bin   resolved  -
#   akhan  19th 11:00 waste-missed-bin   referred  Łukasz Nowak
#   akhan   3rd 11:00 waste-missed-bin   resolved  -
#   akhan   4th 11:00 council-tax-moving resolved  Nguyễn Văn An
report_data() {
	newdb
	echo "$PW" | cli user add akhan --role advisor >/dev/null
	echo "$PW" | cli user add msup --role supervisor --name "Mo Sup" >/dev/null
	for c in "jsmith 2026-11-18T10:00:00Z council-tax-moving referred Zoë" \
		"jsmith 2026-11-18T11:00:00Z council-tax-moving referred -" \
		"jsmith 2026-11-10T11:00:00Z waste-missed-bin resolved -" \
		"akhan 2026-11-19T11:00:00Z waste-missed-bin referred Łukasz" \
		"akhan 2026-11-03T11:00:00Z waste-missed-bin resolved -" \
		"akhan 2026-11-04T11:00:00Z council-tax-moving resolved Nguyễn"; do
		# shellcheck disable=SC2086 # the words are wanted
		set -- $c
		who=$1 at=$2 service=$3 outcome=$4 customer=$5
		shift 5
		if [ "$outcome" = referred ]; then
			set -- "$@" --reason "Needs the back office"
		fi
		if [ "$customer" != - ]; then
			set -- "$@" --customer \
				"$(sql "select id from customer where name like '$customer %'")"
		fi
		echo "$PW" | FRONTDESK_NOW=$at "$fd" --db "$db" --user "$who" contact log \
			--service "$service" --outcome "$outcome" "$@" >/dev/null ||
			echo "  logging as $who failed"
	done
}

# report_drill_setup: the supervisor on the reports screen, November 2026,
# referrals by service; extra arguments go to start.
report_drill_setup() {
	report_data
	home_as msup "$@" || return 1
	keys F9
	wait_for "referrals 2026-11-01..2026-11-30 by service" || return 1
	wait_for "Enter contacts  d dates" || return 1
}

# drill_audit: the drill-down's audit rows, oldest first, one a line.
drill_audit() {
	sql "select actor || '|' || record_type || '|' || coalesce((select name from customer c where c.id = a.record_id), '') || '|' || coalesce(detail, '') from audit a where action = 'report.drill' order by seq"
}
