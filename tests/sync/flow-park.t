#!/bin/sh
# A flow published centrally is found by its words; a flow parked at hub A
# is resumed and finished at hub B; the console's status bar follows the
# server going away and coming back.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

two_hubs || exit 1
printf 'advisor-password-1\n' | "$fdd" user add jsmith --role advisor --name "Jo Smith" --db "$DB" >/dev/null

begin "a flow parked at hub A is resumed and finished at hub B; the status bar follows the server"
# A flow no desk has loaded, published centrally, is found by its words.
sed -e 's/^id: missed-bin/id: missed-bin-central/' -e 's/^title: .*/title: Wheelie bin levy (central)/' -e 's/^keywords: \[/keywords: [wheelie, /' \
	-e 's/Does the customer have a garden waste subscription/Has the customer paid the brown-bin levy/' \
	"$repo/forms/missed-bin.yaml" >"$tmp/missed-bin-central.yaml"
check "flow published centrally" "$fdd" flow publish "$tmp/missed-bin-central.yaml" --db "$DB"
pid=$(fdc hubA customer add --name "Ottilie Penhaligon" --postcode "DE7 5HN" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1)
fdc hubA sync --once >/dev/null 2>&1
fdc hubB sync --once >/dev/null
same "pulled flow found by a keyword at hub B" "missed-bin-central" "$(sq hubB "SELECT id FROM flow_fts WHERE flow_fts MATCH 'wheelie'")"
same "pulled flow found by its steps' words at hub B" "missed-bin-central" "$(sq hubB "SELECT id FROM flow_fts WHERE flow_fts MATCH 'body:levy'")"
yesterday=$(date -d yesterday +%d/%m/%Y)
tstart hubA
tsign_in
twait "| online, 0 waiting, synced " >/dev/null
ttype "penhaligon"
twait "> Ottilie Penhaligon"
tkeys Enter
twait "Customer: Ottilie Penhaligon"
tkeys F7
ttype "bin not collected"
twait "> Missed bin collection"
tkeys Enter 2 Tab
ttype "DE7 5HN"
tkeys Tab
ttype "$yesterday"
tkeys Enter
twait "Was the bin out by 7am"
tkeys F8
twait "Parked 'Missed bin collection' for Ottilie Penhaligon"
check "the parked run reached the server (background sync)" poll_psql "SELECT count(*) FROM flow_park WHERE customer_id = '$pid'" 1
twait "| online, 0 waiting, synced "
stop_server
twait "| offline, 0 waiting, synced "
fdc hubA contact log --service council-tax-payment --outcome resolved >/dev/null
twait_re "\| offline, [1-9][0-9]* waiting, synced "
start_server || exit 1
twait "| online, 0 waiting, synced "
case "$(tstatus)" in
*"jsmith (advisor) | online, 0 waiting, synced "*) ;;
*) echo "  not ok: status bar: $(tstatus)"; case_ok=0 ;;
esac
tstop
fdc hubB sync --once >/dev/null
same "parked run at hub B" "missed-bin 1 out-on-time" "$(sq hubB "SELECT flow_id || ' ' || flow_version || ' ' || step FROM flow_park WHERE customer_id = '$pid'")"
tstart hubB
tsign_in
ttype "penhaligon"
twait "> Ottilie Penhaligon"
tkeys Enter
twait "Parked flows: 1 - F7 resumes"
tkeys F7
twait "Missed bin collection (version 1) at 'out-on-time'"
tkeys Enter
twait "Resumed Missed bin collection"
tkeys 2
twait "Outcome: resolved"
tkeys C-s
twait "Saved: Missed bin collection - resolved"
check "gone at the server (background sync)" poll_psql "SELECT count(*) FROM flow_park WHERE customer_id = '$pid'" 0
twait "| online, 0 waiting, synced "
tstop
same "finished at hub B: gone there" "0" "$(sq hubB "SELECT count(*) FROM flow_park WHERE customer_id = '$pid'")"
same "the contact keeps the answers given at hub A" "1 DE7 5HN" "$(sq hubB "SELECT flow_version || ' ' || json_extract(answers, '\$.answers.postcode.value') FROM contact WHERE customer_id = '$pid' AND flow_id = 'missed-bin'")"
fdc hubA sync --once >/dev/null 2>&1
same "gone at hub A" "0" "$(sq hubA "SELECT count(*) FROM flow_park WHERE customer_id = '$pid'")"
finish

summary
