# The council's gazetteer: data load --gazetteer replaces the addresses
# whole; a file with bad rows is refused whole, each problem at
# FILE:LINE:COLUMN, and nothing changes; address find by postcode or by
# house number and street.
setup
g="$TEST_REPO/tests/data/gazetteer"
fd address find NG1 1AA
fd data load --gazetteer "$g/llpg.csv"
fd address find NG1 1AA
fd address find ng11aa --format csv
fd address find 12 high st
fd address find 12 High St.
fd address find high
note accents and case are folded, and rd, st and the like after the first word are read whole
fd address find 12 cwiklinska
fd address find rose cottage
fd address find 99 high street
fd address find NG9 9ZZ
note a bad file: every problem listed, nothing changed
fd data load --gazetteer "$g/bad-rows.csv"
fd address find NG1 1AA --format json
note reloading replaces the addresses, here with the columns of AddressBase Core
fd data load --gazetteer "$g/addressbase-core.csv"
fd address find NG1 1AA
fd address find 5 station rd
fd address find NG9 1AE
note each load is audited, with its file and count
sqlite3 "$FRONTDESK_DB" "select action, detail from audit where action = 'gazetteer.load'" | filter
note an advisor may not load one
printf 'advisor-password\n' | frontdesk user add jsmith --role advisor >/dev/null
printf 'advisor-password\n' | fd --user jsmith data load --gazetteer "$g/llpg.csv"
note files that are not a gazetteer
printf 'uprn,postcode\n1,NG1 1AA\n' >no-lines.csv
fd data load --gazetteer no-lines.csv
printf 'uprn,adress_line_1,postcode\n1,1 High Street,NG1 1AA\n' >typo.csv
fd data load --gazetteer typo.csv
printf 'uprn,address_line_1,postcode\n1,"1 High Street,NG1 1AA\n' >quote.csv
fd data load --gazetteer quote.csv
fd data load --gazetteer "$TEST_DIR/nowhere.csv"
fd address find NG9 1AE
fd data load --gazetteer "$g/llpg.csv" "$TEST_REPO/data"
fd address find
