# roles enforced in the store: --user LOGIN signs a command in;
# an advisor cannot export, erase, apply retention or read the audit trail
# through any command; every refusal is a message and an audit row.
setup
printf 'advisor-password\n' | frontdesk user add jsmith --role advisor >/dev/null
printf 'supervisor-password\n' | frontdesk user add msup --role supervisor >/dev/null
id=$(frontdesk customer add --name 'Zoë Nguyễn')
note 'an advisor can do the daily work'
printf 'advisor-password\n' | fd --user jsmith customer show "$id"
printf 'advisor-password\n' | fd --user jsmith contact log --service council-tax-moving --outcome resolved --customer "$id"
note '... and nothing else'
printf 'advisor-password\n' | fd --user jsmith customer export "$id"
printf 'advisor-password\n' | fd --user jsmith customer export "$id" --format csv
printf 'advisor-password\n' | fd --user jsmith customer erase "$id" --reason 'request by letter' --yes
printf 'advisor-password\n' | fd --user jsmith customer erase "$id" --reason 'request by letter'
printf 'advisor-password\n' | fd --user jsmith retention apply
printf 'advisor-password\n' | fd --user jsmith retention apply --dry-run
printf 'advisor-password\n' | fd --user jsmith audit show
printf 'advisor-password\n' | fd --user jsmith audit verify
note 'a wrong password or an unknown login signs no one in'
printf 'guess\n' | fd --user jsmith customer show "$id"
printf 'guess\n' | fd --user nobody customer show "$id"
fd --user jsmith customer show "$id"
fd --user
note 'a supervisor exports and reads the audit trail, but does not erase'
printf 'supervisor-password\n' | fd --user msup customer export "$id" --format csv
printf 'supervisor-password\n' | fd --user msup customer erase "$id" --reason 'request by letter' --yes
printf 'supervisor-password\n' | fd --user msup audit show --user jsmith
note 'the refusals are in the audit trail'
sqlite3 fd.db "SELECT actor, action, record_type, detail FROM audit WHERE action = 'access.denied'"
note 'the owner of the database file is the IT administrator'
fd customer erase "$id" --reason 'request by letter' --yes
note 'only an administrator manages users (the refusal comes before any password is asked)'
printf 'advisor-password\n' | fd --user jsmith user add kim --role admin
printf 'supervisor-password\n' | fd --user msup user role jsmith admin
printf 'advisor-password\n' | fd --user jsmith user disable msup
printf 'advisor-password\n' | fd --user jsmith user passwd msup
note 'a role change by an administrator is audited with the old and new role only'
printf 'admin-password\n' | frontdesk user add root1 --role admin >/dev/null
printf 'admin-password\n' | fd --user root1 user role jsmith supervisor
printf 'supervisor-password\n' | fd --user msup user role jsmith advisor
fd user role jsmith supervisor
fd user role jsmith boss
fd user role nobody advisor
fd user role root1 advisor
fd user role jsmith
note 'the new role applies at once: jsmith can now export'
printf 'advisor-password\n' | fd --user jsmith customer export "$id" --format csv | sed -n '1,2p'
sqlite3 fd.db "SELECT actor, action, record_type, detail FROM audit WHERE action IN ('user.role', 'user.add') OR (action = 'access.denied' AND detail = 'users') ORDER BY seq" | filter
