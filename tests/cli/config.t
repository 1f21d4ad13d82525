# config get/set/list, with unknown keys and codes refused.
setup
fd config get site
fd config set site hub-eastmoor
fd config get site
fd config set site nowhere
fd config get site
fd config get sitee
fd config set colour blue
fd config set default_channel fax
fd config set idle_lock_minutes 0
fd config set device_code wb2
fd config set server_url http://example.org
fd config get server_url
fd config set server_url https://frontdesk.example.org
fd config list
fd config list --format csv
fd config set site
