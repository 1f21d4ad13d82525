# flow load stores checked flows, versioned; the same version again is a
# no-op, a changed flow needs a new version, a flow with problems loads
# nothing. init loads the forms/ folder beside the data folder.
setup
note init loaded the shipped flows already
fd flow load "$TEST_REPO/forms"
mkdir -p mine
sed 's/^title: Missed bin collection/title: Missed bin collection (reworded)/' \
	"$TEST_REPO/forms/missed-bin.yaml" >mine/missed-bin.yaml
cp "$TEST_REPO/forms/garden-waste.yaml" mine/
note changed without a new version: refused, nothing changed
before=$(sqlite3 "$FRONTDESK_DB" "select count(*) || ' ' || max(loaded_at) from flow")
fd flow load mine
after=$(sqlite3 "$FRONTDESK_DB" "select count(*) || ' ' || max(loaded_at) from flow")
[ "$before" = "$after" ] && echo "flow table unchanged"
note a new version loads beside the old one
sed -i 's/^version: 1/version: 2/' mine/missed-bin.yaml
fd flow load mine
sqlite3 "$FRONTDESK_DB" "select id || ' ' || version || ' ' || title from flow where id = 'missed-bin' order by version"
note the search index follows the latest version
sqlite3 "$FRONTDESK_DB" "select id || ' ' || version from flow_fts where id = 'missed-bin'"
note a flow with problems: nothing is loaded
fd flow load "$TEST_REPO/tests/data/flows/missing-step.yaml" "$TEST_REPO/tests/data/flows/good.yaml"
sqlite3 "$FRONTDESK_DB" "select count(*) from flow"
fd flow load nowhere
fd flow load --bogus
