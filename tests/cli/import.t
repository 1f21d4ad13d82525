# import customers: all or nothing, every bad row listed as FILE:LINE.
setup
cp "$TEST_REPO/tests/cli/data/customers-good.csv" good.csv
cp "$TEST_REPO/tests/cli/data/customers-bad.csv" bad.csv
cp "$TEST_REPO/tests/cli/data/customers-many-bad.csv" many-bad.csv
fd import customers good.csv
fd customer find aisha
fd customer find smith --format csv
fd customer find molly
fd import customers bad.csv
note nothing from bad.csv was imported, not even its good rows
fd customer find good
fd customer find another
fd import customers many-bad.csv
fd customer find person
fd import customers missing.csv
printf 'name,shoe size\nAnn,5\n' >odd.csv
fd import customers odd.csv
fd import customers good.csv bad.csv
fd import people good.csv
