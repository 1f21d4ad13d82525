# contact log: anonymous, referred (reference and due date), unknown codes.
setup
fd contact log --service council-tax-account --outcome resolved --channel phone --duration 180
fd contact log --service council-tax-moving --outcome referred --reason 'Joint liability, moved 1 Nov'
fd contact log --service waste-missed-bin --outcome referred --team revenues --reason 'Wrong team on purpose' --failure-demand chasing-progress --notes 'Third call'
note unknown codes
fd contact log --service council-tax-account --outcome resolved --channel fax
fd contact log --service council-tax --outcome resolved
fd contact log --service council-tax-account --outcome 'done'
fd contact log --service council-tax-account --outcome resolved --site nowhere
fd contact log --service waste-missed-bin --outcome referred --team bins --reason x
fd contact log --service complaint --outcome resolved --failure-demand whatever
fd contact log --service complaint --outcome resolved --customer not-an-id
fd contact log --service complaint --outcome resolved --customer 01a1f866-0d00-7244-8f96-04e7fd53fffe
note with a known customer, grouped in one visit
cust=$(frontdesk customer add --name 'Zoë Nguyễn')
visit=$(frontdesk contact log --service benefits-evidence --outcome resolved --customer "$cust" | sed -n 's/^visit //p')
fd contact log --service waste-bulky --outcome referred --reason 'Sofa and fridge' --customer "$cust" --visit "$visit"
note across Christmas: Thursday 24 December 2026 plus 2 working days skips the 25th, the weekend and the 28th
FRONTDESK_NOW=2026-12-24T16:00:00Z fd contact log --service waste-missed-bin --outcome referred --reason 'Missed before Christmas'
note in British Summer Time the London date decides: 23:30 UTC on 30 June is 1 July
FRONTDESK_NOW=2026-06-30T23:30:00Z fd contact log --service waste-missed-bin --outcome referred --reason 'Late call'
fd case list --status all
