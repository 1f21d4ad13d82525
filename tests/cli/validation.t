# Bad field values are refused, each named with its rule, and nothing is written.
setup
fd customer add --name 'Ann Bad' --postcode 'NG1 ZZZ'
fd customer add --name 'Ann Bad' --dob 2030-01-01
fd customer add --name 'Ann Bad' --dob 2025-02-29
fd customer add --name 'Ann Bad' --email 'ann at example.org'
fd customer add --name 'Ann Bad' --phone 12345
fd customer add --name 'Ann Bad' --uprn 12ab
fd customer add --name 'Ann Bad' --preferred-channel fax
fd customer add --name 'Ann Bad' --needs telepathy
fd customer add --name 'Ann Bad' --postcode XX --dob 1999-13-01 --email @
fd customer add --name '   '
fd customer add --name "$(printf 'Ann\033[31mBad')"
note nothing was written
fd customer find ann
note a refused edit changes nothing
id=$(frontdesk customer add --name 'Bea Good' --postcode 'NG1 2AB')
fd customer edit "$id" --postcode 'NG1 ZZZ' --email bea@example.org
fd customer show "$id"
