# A database in a directory the user cannot write, or a read-only file.
mkdir locked
chmod 555 locked
fd_user --db locked/fd.db init
fd_user --db locked/sub/fd.db init
test -e locked/fd.db || echo "locked/fd.db not created"
note a database file the user may read but not write
setup
frontdesk customer add --name 'Zoë Nguyễn' >/dev/null
chmod 644 fd.db
before=$(checksum fd.db)
fd_user customer find zoe
fd_user customer add --name 'Ann Other'
fd_user contact log --service complaint --outcome resolved
test "$(checksum fd.db)" = "$before" && echo "fd.db unchanged"
note a path through a file
fd --db fd.db/inner.db init
