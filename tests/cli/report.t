# Reports: periods in London days (BST), week 53, empty periods and n/a,
# CSV and JSON read back by sqlite3, usage errors.
setup
log() {
	FRONTDESK_NOW=$1 frontdesk contact log --channel "$2" --service "$3" --outcome "$4" \
		${5:+--reason "$5"} ${6:+--failure-demand "$6"} >/dev/null || echo "log $1 failed"
}
# 23:59 UTC on Saturday 28 March is Saturday in London; 00:01 UTC on the
# 29th is Sunday (GMT until 01:00 UTC); 23:30 UTC on the 29th is 00:30 BST
# on Monday 30th.
log 2026-03-24T10:00:00Z phone council-tax-moving referred 'Joint liability'
log 2026-03-28T23:59:00Z phone council-tax-moving referred 'Joint liability'
log 2026-03-29T00:01:00Z web waste-missed-bin resolved
log 2026-03-29T23:30:00Z face-to-face council-tax-moving resolved '' chasing-progress
log 2026-12-31T12:00:00Z phone waste-missed-bin referred 'Missed twice'
log 2027-01-03T12:00:00Z web waste-missed-bin signposted
fd report referrals --from 2026-03-28 --to 2026-03-30 --by day
fd report referrals --from 2026-03-23 --to 2026-03-29 --by service
note week 53 of 2026 runs from Monday 28 December to Sunday 3 January
fd report referrals --from 2026-12-28 --to 2027-01-10 --by week
note an empty period and a site with no contacts: n/a, never 0%
fd report fcr --from 2026-06-01 --to 2026-06-30
fd report fcr --from 2026-03-23 --to 2026-03-30 --site hub-central-library --by service
fd report fcr --from 2026-03-23 --to 2026-03-30 --by advisor
fd report channels --from 2026-03-23 --to 2026-03-30
fd report failure --from 2026-03-23 --to 2026-03-30
fd report signposting --from 2026-12-28 --to 2027-01-03
fd report cost --from 2026-03-23 --to 2026-03-30 --by team
fd report cases --from 2026-03-23 --to 2026-03-30
note 'CSV read back by sqlite3 (RFC 4180), with and without a byte-order mark'
frontdesk report referrals --from 2026-03-23 --to 2026-03-30 --by service --format csv >r.csv
sqlite3 :memory: '.import --csv r.csv r' \
	"SELECT service || ': ' || referred || ' of ' || contacts || ', ' || referred_pct || '%, change ' || change_pct FROM r"
frontdesk report referrals --from 2026-03-23 --to 2026-03-30 --format csv --bom | od -An -c | head -1
note JSON read back by sqlite3: numbers are numbers, n/a is null
frontdesk report fcr --from 2026-03-23 --to 2026-03-30 --by service --format json >r.json
sqlite3 :memory: "SELECT json_extract(value, '\$.service') || ' ' || json_type(value, '\$.fcr_pct') || ' ' || ifnull(json_extract(value, '\$.fcr_pct'), 'null') FROM json_each(readfile('r.json'), '\$.rows')"
frontdesk report fcr --from 2026-06-01 --to 2026-06-30 --format json >e.json
sqlite3 :memory: "SELECT json_type(readfile('e.json'), '\$.rows[0].fcr_pct')"
note 'drill-down: the contacts behind a count (names only here, audited)'
fd report referrals --from 2026-03-23 --to 2026-03-30 --by service --drill council-tax-moving
fd report referrals --from 2026-03-23 --to 2026-03-30 --by day --drill 2026-03-28 --format csv
sqlite3 "$FRONTDESK_DB" "SELECT action, record_type, detail FROM audit WHERE action = 'report.drill'"
note usage errors
fd report
fd report referals --from 2026-03-23 --to 2026-03-30
fd report referrals --from 2026-03-23
fd report referrals --from 2026-03-30 --to 2026-03-23
fd report referrals --from 2026-02-30 --to 2026-03-23
fd report referrals --from 2026-03-23 --to 2026-03-30 --by weak
fd report referrals --from 2026-03-23 --to 2026-03-30 --by reason
fd report cases --from 2026-03-23 --to 2026-03-30 --by day
fd report cases --from 2026-03-23 --to 2026-03-30 --drill revenues
fd report referrals --from 2026-03-23 --to 2026-03-30 --bom
fd report referrals --from 2026-03-23 --to 2026-03-30 --site nowhere
fd config set cost_target_mix web:60,phone:30
fd config set cost_target_mix web:60,fax:40
