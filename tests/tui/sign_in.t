#!/bin/sh
# Sign in and out: a wrong password is refused and audited; the password is
# stored hashed; signing out asks first.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/lib.sh
. "$here/lib.sh"

newdb
start
sign_in jsmith "wrong password" || exit 1
wait_for "Problem: that login name and password do not match" || exit 1
type_text "$PW"
keys Enter
wait_for "Find a customer" || exit 1
wait_for "jsmith (advisor) | Westbridge Civic Centre | Face to face" || exit 1
expect "sign-in audit" "$(sql "select count(*) from audit where action = 'user.sign-in'")" 1 &&
	expect "failure audit" \
		"$(sql "select count(*) from audit where action = 'user.sign-in-failed'")" 1 &&
	expect "password stored hashed" \
		"$(sql "select substr(password_hash, 1, 9) from user where login = 'jsmith'")" \
		"\$argon2id" || exit 1
keys C-q
wait_for "Sign out?" || exit 1
keys y
wait_for "Sign in with your login name" || exit 1
expect "sign-out audit" "$(sql "select count(*) from audit where action = 'user.sign-out'")" 1
