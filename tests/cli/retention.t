# retention apply with an injected clock: contacts anonymised and
# closed cases deleted after 6 years, idle customers erased, audit rows kept
# 2 years with a checkpoint that keeps the chain verifiable.
export FRONTDESK_NOW=2019-06-03T09:00:00Z
setup
old=$(frontdesk customer add --name 'Olive Oldham' --postcode 'NG1 2AB')
frontdesk contact log --service council-tax-moving --outcome resolved --customer "$old" --notes 'Olive asked about a discount' >/dev/null
frontdesk contact log --service council-tax-moving --outcome referred --customer "$old" --reason 'Joint liability' >/dev/null
# closed by the back office (as a pull from the server would record it)
sqlite3 fd.db "UPDATE \"case\" SET status = 'closed', closed_at = '2019-06-10T09:00:00.000Z', result = 'Bill split' WHERE reference = 'WB2-00001'"
export FRONTDESK_NOW=2025-06-03T09:00:00Z
new=$(frontdesk customer add --name 'Nina Newman')
frontdesk contact log --service council-tax-moving --outcome resolved --customer "$new" --notes 'Nina moved in' >/dev/null
export FRONTDESK_NOW=2026-11-20T10:00:00Z
fd retention apply --dry-run
sqlite3 fd.db "SELECT count(*), count(customer_id), count(notes) FROM contact"
fd retention apply
sqlite3 fd.db "SELECT count(*), count(customer_id), count(notes) FROM contact"
sqlite3 fd.db "SELECT count(*) FROM \"case\""
sqlite3 fd.db "SELECT name, erased FROM customer ORDER BY num"
sqlite3 fd.db "SELECT min(at) >= '2024-11-20' FROM audit"
sqlite3 fd.db "SELECT action, substr(detail, 1, 40) FROM audit WHERE action LIKE 'retention.%' OR action = 'audit.retention'"
fd audit verify | sed 's/with hash [0-9a-f]*\.\.\./with hash <hash>.../'
note 'again: nothing more to do'
fd retention apply
note 'a bad schedule changes nothing'
printf 'record_type,period,action\ncontact,6y,delete\ncases,6y,delete\naudit,soon,delete\n' >bad.csv
fd retention apply --schedule bad.csv
fd retention apply --schedule missing.csv
fd retention
fd retention apply extra
