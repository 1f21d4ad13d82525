# the offline limit: a console enrolled with a server that has not
# synced for longer than max_offline_days hides customer records.
setup
id=$(frontdesk customer add --name 'Zoë Nguyễn')
note 'never enrolled: no limit'
FRONTDESK_NOW=2027-11-20T10:00:00Z frontdesk customer show "$id" >/dev/null && echo shown
frontdesk config set server_url http://127.0.0.1:8080 >/dev/null
sqlite3 fd.db "INSERT INTO settings VALUES ('sync_last_ok', '2026-11-10T09:00:00.000Z', '2026-11-10T09:00:00.000Z') ON CONFLICT (key) DO UPDATE SET value = excluded.value"
note 'synced 10 days ago: fine'
fd customer find zoe
note '15 days later: hidden, and the refusal audited'
export FRONTDESK_NOW=2026-11-25T10:00:00Z
fd customer show "$id"
fd customer find zoe
fd customer export "$id"
sqlite3 fd.db "SELECT action, detail FROM audit WHERE action = 'access.denied'"
note 'the limit is a setting'
fd config set max_offline_days 30
fd customer show "$id"
