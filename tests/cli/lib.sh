# shellcheck shell=sh
# Sourced by tests/cli/run before each case (POSIX sh). The runner sets
# TEST_DIR (the case's working directory), TEST_IO (scratch for captured
# output) and TEST_REPO (the repository root).

# Placeholders for what changes from run to run: ids, paths, the login name.
filter() {
	sed -e "s|$TEST_DIR|<tmp>|g" \
		-e "s|$TEST_REPO|<repo>|g" \
		-e 's/[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\}/<uuid>/g' \
		-e "s/cli:$(id -un)/cli:<user>/g"
}

# fd ARGS...: runs frontdesk ARGS and prints a transcript: the command, its
# stdout, its stderr with each line marked "2> ", and "[exit N]" when N is
# not 0.
fd() {
	printf '$ frontdesk %s\n' "$*" | filter
	frontdesk "$@" >"$TEST_IO/out" 2>"$TEST_IO/err"
	fd_rc=$?
	fd_show
}

# fd_user ARGS...: as fd, but run as an ordinary user (nobody when the tests
# run as root) so that file permissions apply.
fd_user() {
	printf '$ frontdesk %s   (as an ordinary user)\n' "$*" | filter
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- \
			frontdesk "$@" >"$TEST_IO/out" 2>"$TEST_IO/err"
	else
		frontdesk "$@" >"$TEST_IO/out" 2>"$TEST_IO/err"
	fi
	fd_rc=$?
	fd_show
}

fd_show() {
	filter <"$TEST_IO/out"
	filter <"$TEST_IO/err" | sed 's/^/2> /'
	if [ "$fd_rc" -ne 0 ]; then
		echo "[exit $fd_rc]"
	fi
	return 0
}

# note TEXT: a comment in the transcript.
note() {
	printf '# %s\n' "$*"
}

# setup: a ready desk (database, reference data, site and device code).
setup() {
	frontdesk init --site civic-centre --device-code WB2 >/dev/null ||
		echo "setup: frontdesk init failed"
}

# checksum FILE: a digest to show a file did not change.
checksum() {
	cksum <"$1" | cut -d' ' -f1
}
