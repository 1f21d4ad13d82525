# user add/list/disable/enable/passwd; passwords from one line of stdin.
setup
note first run: the console says how to make the first administrator
fd
echo "correct horse battery" | fd user add jsmith --role advisor --name "Jo Smith"
echo "correct horse battery" | fd user add admin1 --role admin
echo "correct horse battery" | fd user add jsmith --role advisor
echo "correct horse battery" | fd user add JSmith --role advisor
echo "correct horse battery" | fd user add kim --role root
echo "correct horse battery" | fd user add kim
echo "short" | fd user add kim --role advisor
fd user add kim --role advisor </dev/null
fd user list
fd user disable jsmith
fd user list --format csv
fd user enable jsmith
echo "another good one" | fd user passwd jsmith
echo "another good one" | fd user passwd nobody
fd user disable
fd user frobnicate
note the hash is argon2id, never the password
sqlite3 "$TEST_DIR/fd.db" "select login, substr(password_hash, 1, 10) from user order by login"
sqlite3 "$TEST_DIR/fd.db" "select action, count(*) from audit where action like 'user.%' group by action order by action"
note the console needs a terminal
fd console
fd console --demo-user jsmith </dev/null
note 'role changes what a user may do; only roles, never names, go in the audit row'
fd user role jsmith supervisor
fd user role jsmith supervisor
fd user role admin1 advisor
sqlite3 "$TEST_DIR/fd.db" "select detail from audit where action = 'user.role'"
