# What a desk is (its site, server, device code, offline limit, lock, its
# reference data and flows) is an administrator's to change; the report
# targets a supervisor's; the channel a new contact starts with anyone's.
# Checked in the store, every refusal audited.
setup
printf 'advisor-password\n' | frontdesk user add jsmith --role advisor >/dev/null
printf 'supervisor-password\n' | frontdesk user add msup --role supervisor >/dev/null
printf 'admin-password-1\n' | frontdesk user add aadmin --role admin >/dev/null
note 'an advisor changes none of how the desk works'
for kv in 'server_url https://fd.example.org' 'max_offline_days 365' 'site hub-central-library' \
	'idle_lock_minutes 60' 'device_code XX9' 'fcr_target_percent 10'; do
	# shellcheck disable=SC2086 # the key and value are two words
	printf 'advisor-password\n' | fd --user jsmith config set $kv
done
printf 'advisor-password\n' | fd --user jsmith data load "$TEST_REPO/data"
printf 'advisor-password\n' | fd --user jsmith flow load "$TEST_REPO/forms/bulky-waste.yaml"
note '... but sets the channel a new contact starts with'
printf 'advisor-password\n' | fd --user jsmith config set default_channel phone
note 'a supervisor sets the targets, not the server'
printf 'supervisor-password\n' | fd --user msup config set fcr_target_percent 75
printf 'supervisor-password\n' | fd --user msup config set server_url https://fd.example.org
note 'an administrator does all of it'
printf 'admin-password-1\n' | fd --user aadmin config set max_offline_days 30
printf 'admin-password-1\n' | fd --user aadmin data load "$TEST_REPO/data"
printf 'admin-password-1\n' | fd --user aadmin flow load "$TEST_REPO/forms/bulky-waste.yaml"
note 'every refusal and change is in the audit trail, with no values'
sqlite3 fd.db "SELECT actor, action, record_type, record_id, detail FROM audit WHERE action IN ('access.denied', 'settings.change', 'refdata.load', 'flow.load') AND actor NOT LIKE 'cli:%' ORDER BY seq" | filter
frontdesk config get max_offline_days
frontdesk config get site
