# needs and support: the council's list (data/needs.csv) with details of
# each kind, the basis recorded with them (Article 9), a bad needs.csv row
# refused whole with FILE:LINE; customer find's needs and case columns.
setup
note every kind of detail, and the basis with them
fd customer add --name 'Ann Lee' --needs 'bsl,large-print,carer:Tom Lee,prefers:post,interpreter:Polish' --needs-basis consent
ann=$(frontdesk customer find 'ann lee' --format csv | sed -n 2p | cut -d, -f1)
fd customer show "$ann"
fd customer add --name 'Bob Kay' --needs 'Mental-Health, easy-read ,MOBILITY' --needs-basis Vital-Interests
fd customer add --name 'Old Flags' --needs 'hearing,sight,dementia,no-internet,interpreter,carer,mobility,learning' --needs-basis consent
note refused: an unknown need, a detail of the wrong kind, no basis
fd customer add --name 'Cy Bad' --needs telepathy --needs-basis consent
fd customer add --name 'Cy Bad' --needs prefers --needs-basis consent
fd customer add --name 'Cy Bad' --needs prefers:fax --needs-basis consent
fd customer add --name 'Cy Bad' --needs 'hearing:left ear' --needs-basis consent
fd customer add --name 'Cy Bad' --needs 'interpreter:Polish,interpreter:Urdu' --needs-basis consent
fd customer add --name 'Cy Bad' --needs speech
fd customer add --name 'Cy Bad' --needs speech --needs-basis 'they said so'
fd customer find 'cy bad'
note 'editing: needs without a basis refused; the basis cannot go while needs stay'
dee=$(frontdesk customer add --name 'Dee Ray' --phone 07700900321)
fd customer edit "$dee" --needs sight
fd customer edit "$dee" --needs sight --needs-basis consent
fd customer edit "$dee" --clear needs-basis
fd customer edit "$dee" --clear needs --clear needs-basis
fd customer edit "$dee" --phone 07700900322
note 'a council extends the list; a bad row is refused whole with FILE:LINE'
mkdir council
cp "$TEST_REPO"/data/*.csv council/
printf '%s\n' 'hearing-loop,uses a hearing loop,none,no' 'advocate,has an advocate,nmae,no' \
	'bsl,BSL again,none,maybe' >>council/needs.csv
fd data load council
fd customer add --name 'Eve Loop' --needs hearing-loop --needs-basis consent
sed '$d' council/needs.csv | sed '$d' >council/needs.new && mv council/needs.new council/needs.csv
fd data load council
fd customer add --name 'Eve Loop' --needs hearing-loop --needs-basis consent
note 'the marker in find, and the case column: the newest open case, or the one searched for'
frontdesk contact log --service waste-missed-bin --outcome referred --reason 'First' --customer "$ann" >/dev/null
frontdesk contact log --service blue-badge --outcome referred --reason 'Second' --customer "$ann" >/dev/null
fd customer find lee
fd customer find WB2-00001
fd customer find 00001
fd customer find wb2-00002 --format csv
fd customer find 'ann 00001' --format json
note 'an import is checked the same way, by line'
printf 'name,needs,needs_basis\nGil Ode,hearing,consent\nHal Ode,"sight,bsl",\n' >people.csv
fd import customers people.csv
printf 'name,needs,needs_basis\nGil Ode,hearing,consent\nHal Ode,"sight,telepathy",consent\n' >people.csv
fd import customers people.csv
fd customer find ode
note 'the needs marker in the case list'
fd case list
fd case list --format csv
