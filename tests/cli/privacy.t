# customer export (subject access) and customer erase; afterwards
# nothing of the person is left in the database file or its log.
setup
id=$(frontdesk customer add --name 'Zoë Nguyễn' --dob 1984-02-29 --postcode 'NG7 3AB' --phone '07700 900123' --email zoe@example.org --address '12 Lime Street')
other=$(frontdesk customer add --name 'Ann Other' --postcode 'LS1 4AP')
frontdesk contact log --service council-tax-moving --outcome resolved --customer "$id" --notes 'Zoë is moving to Lime Street' --duration 120 >/dev/null
frontdesk contact log --service council-tax-moving --outcome referred --customer "$id" --reason 'Joint liability with landlord Nguyễn' >/dev/null
frontdesk contact log --service waste-missed-bin --outcome resolved >/dev/null
frontdesk customer show "$id" >/dev/null
note 'subject access: everything held about the person, itself audited'
fd customer export "$id"
fd customer export "$id" --format csv
fd customer export "$id" --format xml
fd customer export
fd customer export 01a1f866-0d00-7244-8f96-04e7fd53fffe
note 'erasure: confirmation, a reason that says why but not who, clear refusals'
fd customer erase "$id"
fd customer erase "$id" --reason 'request by letter'
fd customer erase "$id" --reason 'Ms Nguyen asked by phone' --yes
fd customer erase 01a1f866-0d00-7244-8f96-04e7fd53fffe --reason 'request by letter' --yes
fd customer erase nobody --reason 'request by letter' --yes
contacts_before=$(sqlite3 fd.db "SELECT count(*) FROM contact")
fd customer erase "$id" --reason 'request by letter of 3 May' --yes
fd customer erase "$id" --reason 'request by letter of 3 May' --yes
note 'the tombstone, the search, the contacts kept as figures'
fd customer show "$id"
fd customer find zoe
fd customer find ann
sqlite3 fd.db "SELECT count(*) = $contacts_before, count(notes), count(answers) FROM contact"
sqlite3 fd.db "SELECT reference, reason FROM \"case\""
sqlite3 fd.db "SELECT count(*) FROM outbox WHERE record_type = 'customer' AND json_extract(body, '\$.erased')"
fd customer edit "$id" --name 'Zoë Again'
note 'the raw file and its -wal hold nothing of her'
for w in 'Zoë' 'Nguy' 'nguyen' 'zoe@example' 'Lime Street' 'NG7 3AB' 'ng7' '7700900123' '1984-02-29' 'landlord'; do
	printf '%s: ' "$w"
	cat fd.db fd.db-wal 2>/dev/null | grep -c -a -i -F "$w"
done
fd customer export "$id" --format csv
fd audit verify | sed 's/with hash [0-9a-f]*\.\.\./with hash <hash>.../'
