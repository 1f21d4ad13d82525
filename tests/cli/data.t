# data load: idempotent; a bad directory is refused whole with FILE:LINE.
setup
fd data load "$TEST_REPO/data"
fd data load "$TEST_REPO/data"
note before the bad load, missed bins go to the waste team
fd contact log --service waste-missed-bin --outcome referred --reason 'Before'
mkdir bad
cp "$TEST_REPO"/data/*.csv bad/
sed 's/,waste,/,wastee,/' "$TEST_REPO/data/services.csv" >bad/services.csv
printf 'fax,Fax,lots,no\n' >>bad/channels.csv
fd data load bad
note nothing changed: the same cases route to the same team
fd contact log --service waste-missed-bin --outcome referred --reason 'After'
fd data load "$TEST_DIR/nowhere"
fd data load bad/services.csv
mkdir empty
fd data load empty
fd data load a b
