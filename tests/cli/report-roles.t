# Reports and roles: the viewer is whoever signed in. An advisor
# (--user) gets only their own figures; asking for another advisor's
# figures, or drilling into their contacts, is refused with a message and an
# audit row. A supervisor and the owner of the database file see everyone.
setup
printf 'advisor-password\n' | frontdesk user add jsmith --role advisor >/dev/null
printf 'advisor-password\n' | frontdesk user add akhan --role advisor >/dev/null
printf 'supervisor-password\n' | frontdesk user add msup --role supervisor >/dev/null
as() {
	who=$1 pw=$2
	shift 2
	printf '%s\n' "$pw" | FRONTDESK_NOW=2026-11-18T10:00:00Z frontdesk --user "$who" "$@" >/dev/null ||
		echo "log as $who failed"
}
as jsmith advisor-password contact log --service council-tax-moving --outcome referred --reason 'Joint liability'
as jsmith advisor-password contact log --service waste-missed-bin --outcome resolved
as akhan advisor-password contact log --service waste-missed-bin --outcome referred --reason 'Missed twice'
as akhan advisor-password contact log --service waste-missed-bin --outcome resolved
as akhan advisor-password contact log --service council-tax-moving --outcome resolved
note 'an advisor sees only their own figures, whatever the grouping'
printf 'advisor-password\n' | fd --user jsmith report referrals --from 2026-11-16 --to 2026-11-22
printf 'advisor-password\n' | fd --user jsmith report fcr --from 2026-11-16 --to 2026-11-22 --by advisor
printf 'advisor-password\n' | fd --user jsmith report referrals --from 2026-11-16 --to 2026-11-22 --advisor jsmith --format csv
note '... and is refused anyone else'"'"'s, by code or by login'
printf 'advisor-password\n' | fd --user jsmith report referrals --from 2026-11-16 --to 2026-11-22 --advisor akhan
printf 'advisor-password\n' | fd --user jsmith report fcr --from 2026-11-16 --to 2026-11-22 --advisor advisor:akhan
note 'drilling into their own contacts is allowed; into another advisor'"'"'s is not'
printf 'advisor-password\n' | fd --user jsmith report referrals --from 2026-11-16 --to 2026-11-22 --by advisor --drill advisor:jsmith --format csv
printf 'advisor-password\n' | fd --user jsmith report referrals --from 2026-11-16 --to 2026-11-22 --by advisor --drill advisor:akhan
printf 'advisor-password\n' | fd --user jsmith report referrals --from 2026-11-16 --to 2026-11-22 --by advisor --drill akhan
note 'the refusals are audited'
sqlite3 "$FRONTDESK_DB" "SELECT actor, action, record_type, detail FROM audit WHERE action = 'access.denied'"
note 'a supervisor sees every advisor'
printf 'supervisor-password\n' | fd --user msup report referrals --from 2026-11-16 --to 2026-11-22 --by advisor
printf 'supervisor-password\n' | fd --user msup report referrals --from 2026-11-16 --to 2026-11-22 --by advisor --drill advisor:akhan --format csv
note 'the owner of the database file is its administrator'
fd report fcr --from 2026-11-16 --to 2026-11-22 --by advisor
