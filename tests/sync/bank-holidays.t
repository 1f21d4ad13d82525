#!/bin/sh
# data load stores bank holidays: loading twice changes nothing; a bad
# line stores nothing.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

begin "data load stores bank holidays: twice changes nothing; a bad line stores nothing"
nhol=$(($(wc -l <"$repo/data/bank-holidays.csv") - 1))
"$fdd" data load "$repo/data" --db "$DB" >"$tmp/load.out" 2>&1
same "loading the same files again" "0" "$?"
check "... counts the holidays and changes no row" grep -q " $nhol bank holidays; 0 rows changed" "$tmp/load.out"
same "every holiday held once" "$nhol 1 Early May bank holiday" \
	"$(psql_q "SELECT count(*), count(*) FILTER (WHERE day = '2027-05-03'), max(name) FILTER (WHERE day = '2027-05-03') FROM bank_holiday" | tr '|' ' ')"
cp -r "$repo/data" "$tmp/data2"
# One holiday renamed, one gone, one added: three rows change, then none.
sed -e 's/^2027-05-03,.*/2027-05-03,May Day/' -e '/^2027-05-31,/d' "$repo/data/bank-holidays.csv" >"$tmp/data2/bank-holidays.csv"
echo "2031-01-01,New Year's Day" >>"$tmp/data2/bank-holidays.csv"
check "changed holidays load" sh -c "'$fdd' data load '$tmp/data2' --db '$DB' | grep -q '; 3 rows changed'"
check "... and again change nothing" sh -c "'$fdd' data load '$tmp/data2' --db '$DB' | grep -q '; 0 rows changed'"
same "the server holds the file's holidays" "$nhol May Day 0 1" \
	"$(psql_q "SELECT count(*), max(name) FILTER (WHERE day = '2027-05-03'), count(*) FILTER (WHERE day = '2027-05-31'), count(*) FILTER (WHERE day = '2031-01-01') FROM bank_holiday" | tr '|' ' ')"
check "the real file back" sh -c "'$fdd' data load '$repo/data' --db '$DB' | grep -q '; 3 rows changed'"
# A bad line among good ones: refused with file and line; nothing stored.
cp "$repo/data/bank-holidays.csv" "$tmp/data2/bank-holidays.csv"
printf '2031-01-01,New Year'"'"'s Day\n2031-02-30,Not a day\n' >>"$tmp/data2/bank-holidays.csv"
bad=$((nhol + 3))
"$fdd" data load "$tmp/data2" --db "$DB" >"$tmp/bad.out" 2>&1
same "a bad holiday line is refused" "1" "$?"
check "... naming the file and line" grep -q "data2/bank-holidays.csv:$bad: " "$tmp/bad.out"
same "... and nothing is stored" "$nhol 0" \
	"$(psql_q "SELECT count(*), count(*) FILTER (WHERE day >= '2031-01-01') FROM bank_holiday" | tr '|' ' ')"
finish

summary
