#!/bin/sh
# A supervisor's report: sorting, bars, the weekly trend and a CSV export
# that is private, audited and never replaces a file.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

report_data
home_as msup "LANG=en_GB.UTF-8" || exit 1
keys F1
wait_for "F9               reports: referrals" || exit 1
keys Escape F9
wait_for "Reports: this desk" || exit 1
wait_for "all advisors" || exit 1
wait_for "referrals 2026-11-01..2026-11-30 by service" || exit 1
wait_for "total              6          3        50.0%" || exit 1
# Sort by referred, largest first: council tax (2) above bins (1).
keys Right s
wait_for "[referred v]" || exit 1
expect "first row after sorting" "$(screen | grep -m1 '^> ' | awk '{print $2, $4}')" \
	"council-tax-mov… 2" || exit 1
keys s
wait_for "[referred ^]" || exit 1
expect "first row reversed" "$(screen | grep -m1 '^> ' | awk '{print $2, $4}')" \
	"waste-missed-bin 1" || exit 1
# Bars of the referred column, block characters, values beside them.
keys b
wait_for "bars: referred" || exit 1
expect "bar for bins" "$(screen | grep 'waste-missed-bin' | grep -c '1  *██*')" 1 &&
	expect "bar for council tax" \
		"$(screen | grep 'council-tax-moving' | grep -c '2  *██████*')" 1 || exit 1
keys w
wait_for "referred by week, 12 weeks to 2026-11-30" || exit 1
wait_for "W47" || exit 1
# Save the sorted table as CSV (the default name is in the current folder).
keys t e
wait_for "Save as CSV: report-referrals-2026-11-01-2026-11-30.csv" || exit 1
keys C-u
type_text "$dir/referrals.csv"
keys Enter
wait_for "Saved 3 rows to" || exit 1
expect "CSV header" "$(head -1 "$dir/referrals.csv" | tr -d '\r')" \
	"service,contacts,referred,referred_pct,previous,change,change_pct" &&
	expect "CSV rows as sorted" \
		"$(sed -n '2,4p' "$dir/referrals.csv" | cut -d, -f1,3 | tr -d '\r' | tr '\n' ' ')" \
		"waste-missed-bin,1 council-tax-moving,2 total,3 " &&
	expect "CSV read back" "$(sqlite3 :memory: ".import --csv $dir/referrals.csv r" \
		"select referred_pct from r where service = 'total'")" "50.0" &&
	expect "export audited" \
		"$(sql "select actor || ' ' || (detail like '%3 rows to $dir/referrals.csv') from audit where action = 'report.export'")" \
		"supervisor:msup 1" &&
	expect "the CSV is private to this account" "$(stat -c %a "$dir/referrals.csv")" "600" ||
	exit 1
# The same name again is refused, never replaced.
keys e C-u
type_text "$dir/referrals.csv"
keys Enter
wait_for "already ex" || exit 1
keys Escape
wait_for "Not saved." || exit 1
