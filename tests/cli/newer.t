# A database made by a newer frontdesk is refused, and left as it was.
setup
frontdesk customer add --name 'Zoë Nguyễn' >/dev/null
cp fd.db newer.db
sqlite3 newer.db 'PRAGMA user_version=99'
before=$(checksum newer.db)
fd --db newer.db customer find zoe
fd --db newer.db init
fd --db newer.db contact log --service complaint --outcome resolved
test "$(checksum newer.db)" = "$before" && echo "newer.db unchanged"
sqlite3 newer.db 'PRAGMA user_version'
