# audit verify and show: the hash chain catches rows edited,
# deleted or moved with the sqlite3 shell; reading needs a supervisor.
setup
id=$(frontdesk customer add --name 'Zoë Nguyễn' --postcode 'NG7 3AB')
frontdesk customer show "$id" >/dev/null
frontdesk customer edit "$id" --phone 07700900123 >/dev/null
frontdesk contact log --service council-tax-moving --outcome resolved --customer "$id" >/dev/null
hashless() { sed 's/with hash [0-9a-f]*\.\.\./with hash <hash>.../'; }
fd audit verify | hashless
fd audit show
fd audit show --customer "$id"
fd audit show --user "cli:$(id -un)" --limit 3 --format csv | cut -d, -f1-7
fd audit show --customer nope
fd audit show --from yesterday
fd audit frob
note 'the rows cannot be changed with SQL while the triggers stand'
sqlite3 fd.db "UPDATE audit SET detail = 'x' WHERE seq = 3" 2>&1
sqlite3 fd.db "DELETE FROM audit WHERE seq = 3" 2>&1
note 'an edited row'
cp fd.db saved.db
sqlite3 fd.db "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'cli:someone-else' WHERE action = 'customer.view'"
fd audit verify
note 'a deleted row'
cp saved.db fd.db
sqlite3 fd.db "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE action = 'customer.edit'"
fd audit verify
note 'two rows swapped'
cp saved.db fd.db
sqlite3 fd.db "DROP TRIGGER audit_no_update; UPDATE audit SET seq = -1 WHERE seq = 4;
UPDATE audit SET seq = 4 WHERE seq = 5; UPDATE audit SET seq = 5 WHERE seq = -1"
fd audit verify
note 'a row added by hand'
cp saved.db fd.db
sqlite3 fd.db "INSERT INTO audit (seq, at, actor, action) VALUES ((SELECT max(seq) + 1 FROM audit), '2026-11-20T10:00:00.000Z', 'cli:x', 'customer.view')"
fd audit verify
cp saved.db fd.db
fd audit verify | hashless
