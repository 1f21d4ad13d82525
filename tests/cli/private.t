# Files are private: the database and its -wal and -shm are made 0600, or
# 0660 in a folder shared with a group (set-group-ID bit); an old database
# others could read loses those bits when it is next opened.
setup
frontdesk customer add --name 'Zoë Nguyễn' >/dev/null
stat -c '%n %a' fd.db fd.db-wal fd.db-shm
note a folder shared with the desk group
mkdir shared
chmod 2770 shared
frontdesk --db shared/hub.db init >/dev/null
frontdesk --db shared/hub.db customer add --name 'Siân Jones' >/dev/null
stat -c '%n %a' shared/hub.db shared/hub.db-wal shared/hub.db-shm
note a database made readable by every account, by hand
chmod 644 fd.db fd.db-wal fd.db-shm
fd customer find zoe
stat -c '%n %a' fd.db fd.db-wal fd.db-shm
note the umask does not widen or narrow it
(umask 000 && frontdesk --db wide.db init >/dev/null)
stat -c '%n %a' wide.db
