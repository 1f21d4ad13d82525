#!/bin/sh
# TLS end to end: a private CA trusted with --ca; refused without it; a
# wrong pin refused, the right one (with a backup) taken.
# Ends with "N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/sync/lib.sh
. "$here/lib.sh"

begin "TLS end to end: a private CA trusted with --ca; refused without it; a wrong pin refused"
t=$tmp/tls
mkdir -p "$t"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$t/ca.key" -out "$t/ca.pem" -days 2 \
	-subj "/CN=frontdesk test CA" >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$t/other-ca.key" -out "$t/other-ca.pem" -days 2 \
	-subj "/CN=another CA" >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$t/server.key" -out "$t/server.csr" \
	-subj "/CN=127.0.0.1" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$t/ext.cnf"
openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
	-out "$t/server.pem" -days 2 -extfile "$t/ext.cnf" >/dev/null 2>&1
check "certificates made with openssl" test -s "$t/server.pem"
tport=$(free_port 13) || exit 1
"$fdd" serve --listen "127.0.0.1:$tport" --db "$DB" --threads 2 \
	--tls-cert "$t/server.pem" --tls-key "$t/server.key" 2>>"$tmp/tls-server.log" &
tpid=$!
TURL="https://127.0.0.1:$tport"
tls_healthy() {
	curl -fsS --cacert "$t/ca.pem" "$TURL/healthz" >/dev/null 2>&1
}
tls_up() {
	tls_healthy || ! kill -0 "$tpid" 2>/dev/null
}
poll "$wait_s" tls_up
if ! tls_healthy; then
	echo "  not ok: frontdeskd with TLS did not start: $(tail -3 "$tmp/tls-server.log")"
	case_ok=0
fi
"$fd" --db "$tmp/hubT.db" init --site civic-centre >/dev/null
code=$("$fdd" device add --site civic-centre --db "$DB" | sed -n 's/^enrolment code \([^ ]*\).*/\1/p')
fdc hubT device enrol --server "$TURL" --code "$code" >"$tmp/tls-noca.out" 2>&1
same "enrol without --ca is refused" "1" "$?"
check "and says why and what to do" grep -q "certificate.*--ca" "$tmp/tls-noca.out"
check "enrol with --ca" fdc hubT device enrol --server "$TURL" --code "$code" --ca "$t/ca.pem"
tid=$(fdc hubT customer add --name "Tamsin Trelawney" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1)
check "sync over TLS" fdc hubT sync --once
same "the customer reached the server over TLS" "1" "$(psql_q "SELECT count(*) FROM customer WHERE id = '$tid'")"
fdc hubT sync --once --ca "$t/other-ca.pem" >"$tmp/tls-other.out" 2>&1
same "another CA is refused" "1" "$?"
check "plainly" grep -q "certificate" "$tmp/tls-other.out"
fdc hubT sync --once --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" >"$tmp/tls-pin.out" 2>&1
same "a wrong pin is refused" "1" "$?"
check "plainly" grep -qi "pin\|public key" "$tmp/tls-pin.out"
pin=$(openssl x509 -in "$t/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
check "the right pin (with a backup) is taken" fdc hubT sync --once --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;sha256//$pin"
kill -TERM "$tpid" 2>/dev/null
wait "$tpid" 2>/dev/null
tpid=""
finish

summary
