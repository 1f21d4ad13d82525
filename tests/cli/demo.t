# demo generate: deterministic for a seed; only into a database with no people.
setup
fd demo generate --customers 50 --contacts 200 --seed 7
fd customer find oak avenue --limit 3
note the demo has a gazetteer of every demo address: its customers live at them, with their UPRNs
fd address find 150 oak av
sqlite3 "$FRONTDESK_DB" "select count(*) || ' addresses' from gazetteer"
sqlite3 "$FRONTDESK_DB" "select count(*) || ' customers whose address, postcode or UPRN is not in it' from customer c where address is not null and not exists (select 1 from gazetteer g where c.address = g.address || ', ' || g.town and g.postcode = c.postcode and (c.uprn is null or g.uprn = c.uprn))"
frontdesk case list --status all --format csv | head -n 4
note the same seed gives the same data
frontdesk --db again.db init --device-code WB2 >/dev/null
frontdesk --db again.db demo generate --customers 50 --contacts 200 --seed 7 >/dev/null
frontdesk case list --status all --format csv | cut -d, -f1-6,8 >first.csv
frontdesk --db again.db case list --status all --format csv | cut -d, -f1-6,8 >second.csv
cmp first.csv second.csv && echo "same cases from the same seed"
fd demo generate --customers 1 --contacts 1
fd demo generate --customers lots --contacts 1
fd demo generate --customers 1 --contacts 1 --seed -3
