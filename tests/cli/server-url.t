# The server's address is parsed as libcurl will connect to it, never
# matched as a pattern: no user name or password, no query, plain http://
# only to this machine, https:// otherwise.
setup
for url in 'http://127.0.0.1:1@127.0.0.2:38081/' 'https://user:secret@fd.example.org' \
	'http://fd.example.org/' 'https://fd.example.org/?next=evil' 'ftp://fd.example.org' \
	'http://localhost.:8080' 'javascript:alert(1)'; do
	fd config set server_url "$url"
done
note accepted, as curl normalises them
for url in 'https://fd.example.org:8443/' 'http://127.1:8080/' 'http://[::1]:8080' \
	'http://localhost:8080/frontdesk/'; do
	frontdesk config set server_url "$url" && frontdesk config get server_url
done
note an address planted in the database is checked again before any request
sqlite3 fd.db "UPDATE settings SET value = 'http://127.0.0.1:1@evil.example/' WHERE key = 'server_url'"
printf 'fdt_test\n' >fd.db.token
fd sync --once
fd device enrol --server 'http://127.0.0.1:1@evil.example/' --code AAAA-BBBB-CCCC
