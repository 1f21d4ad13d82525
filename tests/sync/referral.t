#!/bin/sh
# A customer and a referral made at hub A reach hub B with a user and a hot
# topic made centrally; the back office closes the case and hub A hears of it.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

two_hubs || exit 1

begin "a customer and referral from hub A reach hub B; central close reaches A"
cid=$(fdc hubA customer add --name "Zoë Łukasz-Brown" --postcode "de7 4ra" --phone "07700 900123" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1)
ref=$(fdc hubA contact log --customer "$cid" --service council-tax-moving --outcome referred \
	--reason "Joint liability after a move" | sed -n 's/^case \([A-Z0-9]*-[0-9]*\).*/\1/p')
printf 'advisor-password-1\n' | "$fdd" user add jsmith --role advisor --name "Jo Smith" --db "$DB" >/dev/null
"$fdd" hot-topic add --text "Bin collections delayed by snow" --db "$DB" >/dev/null
check "hub A syncs" fdc hubA sync --once
check "hub B syncs" fdc hubB sync --once
same "customer at hub B" "Zoë Łukasz-Brown|DE7 4RA" "$(sq hubB "SELECT name || '|' || postcode FROM customer WHERE id = '$cid'")"
same "case at hub B" "$ref|open" "$(sq hubB "SELECT reference || '|' || status FROM \"case\" WHERE reference = '$ref'")"
same "user at hub B" "jsmith|1" "$(sq hubB "SELECT login || '|' || (password_hash LIKE '\$argon2id\$%') FROM user WHERE login = 'jsmith'")"
same "hot topic at hub B" "1" "$(sq hubB "SELECT count(*) FROM hot_topic")"
same "nothing refused (audit trail, cases, customers all taken)" "0" \
	"$(sq hubA "SELECT count(*) FROM outbox WHERE error IS NOT NULL")"
same "device code replaced the provisional one" "1" "$(sq hubA "SELECT value NOT LIKE 'Z%' FROM settings WHERE key = 'device_code'")"
check "back office closes the case" "$fdd" case update "$ref" --status closed --note "Bills split" --result "Bills split" --db "$DB"
check "hub A syncs again" fdc hubA sync --once
same "case closed at hub A" "closed" "$(sq hubA "SELECT status FROM \"case\" WHERE reference = '$ref'")"
same "closing event at hub A" "2" "$(sq hubA "SELECT count(*) FROM case_event e JOIN \"case\" c ON c.id = e.case_id WHERE c.reference = '$ref'")"
finish

summary
