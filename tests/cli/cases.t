# case list filters and case show.
setup
frontdesk contact log --service council-tax-moving --outcome referred --reason 'Joint liability' >/dev/null
frontdesk contact log --service waste-missed-bin --outcome referred --reason 'Missed twice' >/dev/null
frontdesk contact log --service blue-badge --outcome referred --reason 'Renewal, "urgent"' >/dev/null
fd case list
fd case list --team waste
fd case list --team wastee
fd case list --status closed
fd case list --format csv
fd case list --format json --team waste
note a week later the waste case is overdue
FRONTDESK_NOW=2026-11-27T10:00:00Z fd case list --overdue
fd case show WB2-00001
fd case show WB2-00002 --format json
fd case show WB2-00099
fd case show 00099
