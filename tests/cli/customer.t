# customer add, find (folding, postcodes, phones, FTS syntax as text), show, edit.
setup
fd customer add --name 'Zoë Nguyễn' --dob 1984-02-29 --postcode ng73ab --phone '+44 7700 900123' --email zoe@example.org --needs interpreter:Polish,hearing --needs-basis consent --preferred-channel phone
fd customer add --name "Seán O'Brien" --address '1 High Street, Westbury' --postcode 'NG1 2AB' --phone '07700 900 456'
fd customer add --name 'Łukasz Nowak' --postcode 'LS1 4AP' --phone 07700900789 --uprn 100030123456
fd customer add --name 'عائشة خان' --email aisha@example.com
note accents and case folded
fd customer find zoe
fd customer find ZOË
fd customer find lukasz
fd customer find nguy
note postcodes with or without the space
fd customer find NG7 3AB
fd customer find ng73ab
note phones in three forms
fd customer find 07700900123
fd customer find '07700 900 123'
fd customer find '+44 7700 900123'
note quotes and search syntax are text
fd customer find "O'Brien"
# shellcheck disable=SC1112 # a typographic apostrophe, on purpose
fd customer find 'o’brien'
fd customer find '"'
fd customer find '*'
fd customer find NEAR
fd customer find 'NEAR(zoe lukasz)'
fd customer find 'zoe OR lukasz'
fd customer find عائشة
note formats and limit
fd customer find 07700 --limit 2
fd customer find 07700 --format csv
fd customer find westbury --format json
note show and edit
id=$(frontdesk customer find zoe --format csv | sed -n 2p | cut -d, -f1)
fd customer show "$id"
fd customer edit "$id" --postcode 'b33 8th' --phone '0121 496 0000' --clear email --clear preferred-channel
fd customer show "$id"
fd customer find b338th
fd customer show "$id" --format json
fd customer show 01a1f866-0d00-7244-8f96-04e7fd53fffe
fd customer show nobody
fd customer edit "$id"
fd customer edit "$id" --clear name
fd customer edit "$id" --clear colour
