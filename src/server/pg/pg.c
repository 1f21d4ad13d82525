/*
 * The PostgreSQL connection, the schema and its migrations, and devices.
 * Every statement takes bound parameters; no text is pasted into SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "pg_int.h"

/* Numbered, forward-only; each runs in one transaction. Never edit a
 * released one; add the next. */
static const char *const migrations[] = {
	NULL,
	/* 1: devices, what they pushed, the change log consoles pull, records */
	"CREATE TABLE device ("
	"  id text PRIMARY KEY, code text NOT NULL UNIQUE, site text NOT NULL,"
	"  role text NOT NULL DEFAULT 'console' CHECK (role IN ('console','back-office')),"
	"  enrol_hash text UNIQUE, enrol_expires timestamptz, enrolled_at timestamptz,"
	"  token_hash text UNIQUE, revoked_at timestamptz,"
	"  created_at timestamptz NOT NULL DEFAULT now(), last_seen timestamptz,"
	"  clock_ahead_ms bigint NOT NULL DEFAULT 0, clock_flagged_at timestamptz);"
	"CREATE TABLE change_in ("
	"  device_id text NOT NULL REFERENCES device(id), seq bigint NOT NULL,"
	"  record_type text NOT NULL, record_id text NOT NULL, error text,"
	"  received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (device_id, seq));"
	"CREATE TABLE change_log ("
	"  cursor bigserial PRIMARY KEY, record_type text NOT NULL, record_id text NOT NULL,"
	"  origin_device text, body jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now());"
	"CREATE INDEX change_log_record ON change_log (record_type, record_id);"
	"CREATE TABLE customer ("
	"  id text PRIMARY KEY, body jsonb NOT NULL, erased boolean NOT NULL DEFAULT false,"
	"  updated_at timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE visit (id text PRIMARY KEY, device_id text NOT NULL, body jsonb NOT NULL);"
	"CREATE TABLE contact ("
	"  id text PRIMARY KEY, device_id text NOT NULL, customer_id text, site text NOT NULL,"
	"  service text NOT NULL, outcome text NOT NULL, created_at text NOT NULL,"
	"  body jsonb NOT NULL);"
	"CREATE INDEX contact_customer ON contact (customer_id) WHERE customer_id IS NOT NULL;"
	"CREATE TABLE \"case\" ("
	"  id text PRIMARY KEY, reference text NOT NULL UNIQUE, device_id text,"
	"  customer_id text, team text NOT NULL, status text NOT NULL, body jsonb NOT NULL,"
	"  updated_at timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE case_event ("
	"  id text PRIMARY KEY, case_id text NOT NULL REFERENCES \"case\"(id),"
	"  device_id text, body jsonb NOT NULL);"
	"CREATE TABLE refdata ("
	"  kind text NOT NULL, code text NOT NULL, body jsonb NOT NULL,"
	"  active boolean NOT NULL DEFAULT true, PRIMARY KEY (kind, code));"
	"CREATE TABLE app_user ("
	"  id text PRIMARY KEY, login text NOT NULL UNIQUE, body jsonb NOT NULL);"
	"CREATE TABLE flow ("
	"  id text NOT NULL, version integer NOT NULL, body jsonb NOT NULL,"
	"  PRIMARY KEY (id, version));"
	"CREATE TABLE hot_topic (id text PRIMARY KEY, body jsonb NOT NULL);",
	/* 2: the consoles' audit trails, kept as sent (hash chain intact) */
	"CREATE TABLE audit ("
	"  id text PRIMARY KEY, device_id text NOT NULL, body jsonb NOT NULL,"
	"  received_at timestamptz NOT NULL DEFAULT now());",
	/* 3: flow runs parked on customers (resumed at any desk); erasures and
	 * how far each device has pulled, so the centre can say which consoles
	 * have applied an erasure */
	"CREATE TABLE flow_park ("
	"  id text PRIMARY KEY, customer_id text NOT NULL, device_id text,"
	"  body jsonb NOT NULL);"
	"CREATE INDEX flow_park_customer ON flow_park (customer_id);"
	"CREATE TABLE erasure ("
	"  customer_id text PRIMARY KEY, log_cursor bigint NOT NULL, origin_device text,"
	"  erased_at timestamptz NOT NULL DEFAULT now());"
	"ALTER TABLE device ADD COLUMN pulled_to bigint NOT NULL DEFAULT 0;",
	/* 4: the reports over every hub. Bank holidays (data load), so the
	 * cases report counts working days as a desk does. A period's contacts
	 * and cases found by index; a case's history by its case. Whether a
	 * contact is corrected, by a small partial index, with statistics on
	 * the expression (PostgreSQL 14) so the planner knows corrections are
	 * few and probes it rather than reading every body. Analysed at once,
	 * so the next report uses them. */
	"CREATE TABLE bank_holiday (day date PRIMARY KEY, name text NOT NULL);"
	"CREATE INDEX contact_created ON contact (created_at);"
	"CREATE INDEX contact_corrects ON contact ((body->>'corrects'))"
	"  WHERE body->>'corrects' IS NOT NULL;"
	"CREATE STATISTICS contact_corrects_share ON (body->>'corrects') FROM contact;"
	"CREATE INDEX case_created ON \"case\" ((body->>'created_at'));"
	"CREATE INDEX case_event_case ON case_event (case_id);"
	"ANALYZE contact, \"case\", case_event;",
	/* 5: what a device pushed needs no foreign key: the device is the one
	 * that authenticated, and devices are revoked, never deleted. The check
	 * cost a lookup and a row lock per change (a third of a push's time). */
	"ALTER TABLE change_in DROP CONSTRAINT IF EXISTS change_in_device_id_fkey;"
	/* ... and a push that follows another (after) checks in one step that
	 * it is held, failing with its own code when not, so a pipelined push
	 * stops there. */
	"CREATE FUNCTION frontdesk_follows(device text, after bigint) RETURNS void"
	" LANGUAGE plpgsql AS $$ BEGIN"
	"  IF after > 0 AND NOT EXISTS (SELECT 1 FROM change_in"
	"   WHERE device_id = device AND seq = after) THEN"
	"   RAISE EXCEPTION 'the batch before this one is not held' USING ERRCODE = 'FD409';"
	"  END IF; END $$;",
	/* 6: persons' sessions (privileged acts need a person):
	 * short-lived, bound to the device, only a hash of the token kept;
	 * failed sign-ins per login and per device, for the lockout */
	"CREATE TABLE person_session ("
	"  token_hash text PRIMARY KEY, device_id text NOT NULL, login text NOT NULL,"
	"  created_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL,"
	"  ended_at timestamptz);"
	"CREATE INDEX person_session_login ON person_session (login) WHERE ended_at IS NULL;"
	"CREATE TABLE sign_in_failure ("
	"  login text NOT NULL, device_id text NOT NULL, at timestamptz NOT NULL DEFAULT now());"
	"CREATE INDEX sign_in_failure_login ON sign_in_failure (login, at);"
	"CREATE INDEX sign_in_failure_device ON sign_in_failure (device_id, at);"
	/* refusals carry a machine code (invalid, needs_person, ...) */
	"ALTER TABLE change_in ADD COLUMN IF NOT EXISTS code text;",
	/* 7: a device speaks only for itself (man 7 frontdesk-sync, "Trust").
	 * Its sites (the first is its home site, kept in site); the
	 * provisional identity it had before enrolment (device id and case
	 * reference prefix), claimed once and held by no other device; the
	 * sites a user is allowed at; per
	 * (device, seq) a digest of the record, so a seq sent again with
	 * another record (a restored desk) is told apart from a retry; and a
	 * refusal's machine code. */
	"ALTER TABLE device ADD COLUMN sites text[];"
	"UPDATE device SET sites = ARRAY[site];"
	"ALTER TABLE device ALTER COLUMN sites SET NOT NULL;"
	"ALTER TABLE device ADD COLUMN prov_id text UNIQUE, ADD COLUMN prov_code text UNIQUE;"
	"ALTER TABLE change_in ADD COLUMN digest text, ADD COLUMN IF NOT EXISTS code text;"
	/* ... and the sites a user is allowed at (none listed: every site),
	 * kept here only: consoles do not need them */
	"CREATE TABLE user_site (login text NOT NULL, site text NOT NULL,"
	"  PRIMARY KEY (login, site));"
	/* (a new batch's seqs all lie above the highest held: one index probe,
	 * and its seqs, passed as text, are never even parsed; only a batch
	 * sent again is compared seq by seq. digests: the batch's digests
	 * back to back, 32 bytes each, in the order of seqs) */
	"CREATE FUNCTION frontdesk_same_seqs(device text, first bigint, seqs text, digests bytea)"
	" RETURNS void LANGUAGE plpgsql AS $$ DECLARE top bigint; BEGIN"
	"  SELECT max(seq) INTO top FROM change_in WHERE device_id = device;"
	"  IF top IS NULL OR top < first THEN RETURN; END IF;"
	"  IF EXISTS (SELECT 1 FROM unnest(seqs::bigint[]) WITH ORDINALITY u(s, n)"
	"   WHERE u.s <= top AND EXISTS (SELECT 1 FROM change_in c WHERE c.device_id = device"
	"   AND c.seq = u.s AND c.digest <> encode(substring(digests FROM"
	"   (u.n::int - 1) * 32 + 1 FOR 32), 'hex'))) THEN"
	"   RAISE EXCEPTION 'a seq already held names another record' USING ERRCODE = 'FD412';"
	"  END IF; END $$;",
	/* 8: pulled changes a desk could not apply and kept aside (POST
	 * /v1/pull/problems): by device and the change's cursor, with its
	 * type, record id and the desk's reason; no bodies. */
	"CREATE TABLE pull_problem ("
	"  device_id text NOT NULL, cursor bigint NOT NULL, record_type text NOT NULL,"
	"  record_id text NOT NULL, reason text NOT NULL,"
	"  reported_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (device_id, cursor));",
	/* 9: each desk's audit chain anchored: the highest row such that every
	 * row up to it is held (from the first the desk sent), each following
	 * the one before it (its prev_hash the hash of the row before), with
	 * its hash. Advanced as rows arrive, reading only the rows after the
	 * last head; a fork (a desk restored from a backup writing another
	 * chain) stops it, so the desk keeps being told where its trail was
	 * cut. Answered to the desk and checked by frontdeskd audit verify. */
	"CREATE INDEX audit_device_seq ON audit (device_id, ((body->>'seq')::bigint));"
	"CREATE TABLE audit_head ("
	"  device_id text PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL,"
	"  at timestamptz NOT NULL DEFAULT now());"
	"CREATE FUNCTION frontdesk_audit_advance(dev text) RETURNS TABLE (seq bigint, hash text)"
	" LANGUAGE plpgsql AS $$ DECLARE h_seq bigint; h_hash text; r record; BEGIN"
	"  SELECT a.seq, a.hash INTO h_seq, h_hash FROM audit_head a WHERE a.device_id = dev;"
	"  FOR r IN SELECT (x.body->>'seq')::bigint AS s, x.body->>'hash' AS h,"
	"   x.body->>'prev_hash' AS p FROM audit x"
	"   WHERE x.device_id = dev AND (x.body->>'seq')::bigint > coalesce(h_seq, 0)"
	"   ORDER BY (x.body->>'seq')::bigint LOOP"
	"   EXIT WHEN h_seq IS NOT NULL AND (r.s <> h_seq + 1 OR r.p IS DISTINCT FROM h_hash);"
	"   EXIT WHEN r.h IS NULL;"
	"   h_seq := r.s; h_hash := r.h;"
	"  END LOOP;"
	"  IF h_seq IS NOT NULL THEN"
	"   INSERT INTO audit_head AS a (device_id, seq, hash) VALUES (dev, h_seq, h_hash)"
	"   ON CONFLICT (device_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash,"
	"    at = now() WHERE a.seq < EXCLUDED.seq;"
	"  END IF;"
	"  RETURN QUERY SELECT a.seq, a.hash FROM audit_head a WHERE a.device_id = dev;"
	" END $$;",
};
#define PG_SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]) - 1)

enum status pg_error(struct pg *db, PGresult *r, const char *what, struct err *e)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn);
	char clean[300];
	size_t n;

	snprintf(clean, sizeof clean, "%s", msg && *msg ? msg : "no answer from the database");
	n = strlen(clean);
	while (n && (clean[n - 1] == '\n' || clean[n - 1] == ' '))
		clean[--n] = '\0';
	if (PQstatus(db->conn) != CONNECTION_OK)
		return err_set(e, STATUS_DB_BUSY, "%s: the database connection was lost (%s)", what,
			       clean);
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
		return err_set(e, STATUS_DB_BUSY, "%s: %s", what, clean);
	return err_set(e, STATUS_DB, "%s: %s", what, clean);
}

PGresult *pg_exec(struct pg *db, const char *sql, int n, const char *const *params,
		  const char *what, struct err *e)
{
	PGresult *r = PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	pg_error(db, r, what, e);
	PQclear(r);
	return NULL;
}

enum status pg_run(struct pg *db, const char *sql, int n, const char *const *params,
		   const char *what, struct err *e)
{
	PGresult *r = pg_exec(db, sql, n, params, what, e);

	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	PQclear(r);
	return STATUS_OK;
}

struct pg *pg_connect(const char *conninfo, struct err *e)
{
	struct pg *db = xcalloc(1, sizeof *db);

	db->conn = PQconnectdb(conninfo ? conninfo : "");
	if (PQstatus(db->conn) != CONNECTION_OK) {
		char msg[300];
		size_t n;

		snprintf(msg, sizeof msg, "%s", PQerrorMessage(db->conn));
		n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		err_set(e, STATUS_DB, "cannot connect to PostgreSQL: %s; check --db", msg);
		pg_close(db);
		return NULL;
	}
	/* Terse errors: no DETAIL lines, which may quote values. */
	PQsetErrorVerbosity(db->conn, PQERRORS_TERSE);
	/* Durability is the point of a push: never asynchronous commit. */
	if (pg_run(db, "SET synchronous_commit = on", 0, NULL, "configuring the connection", e) ||
	    pg_run(db, "SET client_min_messages = warning", 0, NULL, "configuring the connection",
		   e)) {
		pg_close(db);
		return NULL;
	}
	return db;
}

void pg_close(struct pg *db)
{
	if (!db)
		return;
	if (db->conn)
		PQfinish(db->conn);
	json_decref(db->codes);
	free(db);
}

bool pg_alive(struct pg *db)
{
	if (PQstatus(db->conn) == CONNECTION_OK)
		return true;
	return pg_ping(db);
}

bool pg_ping(struct pg *db)
{
	PGresult *r;
	bool ok;

	if (PQstatus(db->conn) != CONNECTION_OK) {
		PQreset(db->conn);
		if (PQstatus(db->conn) != CONNECTION_OK)
			return false;
		if (pg_run(db, "SET synchronous_commit = on", 0, NULL, "reconnecting", NULL))
			return false;
	}
	r = PQexec(db->conn, "SELECT 1");
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	return ok;
}

enum status pg_begin(struct pg *db, struct err *e)
{
	return pg_run(db, "BEGIN", 0, NULL, "starting a transaction", e);
}

enum status pg_end(struct pg *db, bool ok, struct err *e)
{
	if (!ok) {
		PQclear(PQexec(db->conn, "ROLLBACK"));
		return STATUS_OK;
	}
	return pg_run(db, "COMMIT", 0, NULL, "committing", e);
}

enum status pg_migrate(struct pg *db, int *from, int *to, struct err *e)
{
	enum status rc;
	PGresult *r;
	int version;

	*from = *to = 0;
	rc = pg_run(db,
		    "CREATE TABLE IF NOT EXISTS schema_version ("
		    "  version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
		    0, NULL, "preparing migrations", e);
	if (rc)
		return rc;
	for (;;) {
		char v[16];
		const char *p[1] = { v };

		rc = pg_begin(db, e);
		if (rc)
			return rc;
		/* One migrator at a time, whatever number of servers start. */
		rc = pg_run(db, "LOCK TABLE schema_version IN EXCLUSIVE MODE", 0, NULL,
			    "locking the schema", e);
		r = rc ? NULL
		       : pg_exec(db, "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL,
				 "reading the schema version", e);
		if (!r) {
			pg_end(db, false, NULL);
			return e && e->code ? e->code : STATUS_DB;
		}
		version = pg_int_value(PQgetvalue(r, 0, 0));
		PQclear(r);
		if (*from == 0)
			*from = version;
		if (version > PG_SCHEMA_VERSION) {
			pg_end(db, false, NULL);
			return err_set(e, STATUS_DB_NEWER,
				       "the database has schema %d, newer than this frontdeskd knows "
				       "(%d); install the newer frontdeskd",
				       version, PG_SCHEMA_VERSION);
		}
		if (version == PG_SCHEMA_VERSION) {
			pg_end(db, true, NULL);
			*to = version;
			return STATUS_OK;
		}
		snprintf(v, sizeof v, "%d", version + 1);
		r = PQexec(db->conn, migrations[version + 1]);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_error(db, r, "migrating", e);
			PQclear(r);
			pg_end(db, false, NULL);
			return STATUS_DB;
		}
		PQclear(r);
		rc = pg_run(db, "INSERT INTO schema_version (version) VALUES ($1::integer)", 1, p,
			    "recording the migration", e);
		if (!rc)
			rc = pg_end(db, true, e);
		else
			pg_end(db, false, NULL);
		if (rc)
			return rc;
	}
}

int pg_int_value(const char *s)
{
	char *end;
	long v = strtol(s ? s : "", &end, 10);

	return end == s ? 0 : (int)v;
}

long long pg_ll(PGresult *r, int row, int col)
{
	const char *s = PQgetvalue(r, row, col);
	char *end;
	long long v = strtoll(s ? s : "", &end, 10);

	return end == s ? 0 : v;
}

/* ---- devices ----------------------------------------------------------- */

static const char code_alphabet[] = "ACDEFHJKMNPRTUVWXY34679";

static void device_fill(struct device_auth *dev, const char *sites, const char *prov_id,
			const char *prov_code);

/* Letters and digits people do not confuse; a case reference must start
 * with a letter (case_reference_valid), so the first one is a letter. */
static void random_code(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = code_alphabet[randombytes_uniform(i == 0 ? sizeof code_alphabet - 6
							   : sizeof code_alphabet - 1)];
	out[n] = '\0';
}

/* The hash kept for a secret (token or enrolment code), as hex. */
void secret_hash(const char *secret, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* Enrolment codes are typed by people: dashes and case do not matter. */
static void enrol_normalise(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *in && n + 1 < outsz; in++) {
		char c = *in;

		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		out[n++] = c;
	}
	out[n] = '\0';
}

/* Appends s to a PostgreSQL array literal being built in out. */
static void array_literal_add(char *out, size_t outsz, const char *s)
{
	size_t n = strlen(out);

	snprintf(out + n, outsz - n, "%s\"%s\"", n > 1 ? "," : "", s);
}

enum status pg_device_add(struct pg *db, const char *const *sites, int nsites, const char *role,
			  char *code_out, size_t codesz, char *enrol_out, size_t enrolsz,
			  struct err *e)
{
	char id[UUID_STR_LEN + 1], code[8], enrol[16], norm[16], hash[65], ttl[16];
	char set[DEVICE_SITES_MAX * 52 + 4] = "{";
	const char *site = nsites > 0 ? sites[0] : "";
	enum status rc = STATUS_OK;

	if (nsites < 1 || nsites > DEVICE_SITES_MAX)
		return err_set(e, STATUS_INVALID, "a device is enrolled for 1 to %d sites, not %d",
			       DEVICE_SITES_MAX, nsites);
	for (int i = 0; i < nsites; i++) {
		if (strlen(sites[i]) >= 48 || !pg_code_exists(db, "site", sites[i]))
			return err_set(e, STATUS_UNKNOWN_CODE,
				       "unknown site '%.47s'; load the reference data first "
				       "(frontdeskd data load DIR)",
				       sites[i]);
		for (int k = 0; k < i; k++)
			if (!strcmp(sites[k], sites[i]))
				return err_set(e, STATUS_INVALID,
					       "site '%s' is given twice; name each site once",
					       sites[i]);
		array_literal_add(set, sizeof set, sites[i]);
	}
	snprintf(set + strlen(set), sizeof set - strlen(set), "}");
	snprintf(ttl, sizeof ttl, "%d", SERVER_ENROL_TTL_S);
	for (int attempt = 0; attempt < 20; attempt++) {
		const char *p[7];
		PGresult *r;

		uuid_v7(id);
		random_code(code, 3);
		random_code(enrol, 12);
		enrol_normalise(enrol, norm, sizeof norm);
		secret_hash(norm, hash);
		p[0] = id;
		p[1] = code;
		p[2] = site;
		p[3] = role;
		p[4] = hash;
		p[5] = ttl;
		p[6] = set;
		r = pg_exec(db,
			    "INSERT INTO device (id, code, site, role, enrol_hash, enrol_expires, sites)"
			    " VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::int),"
			    " $7::text[]) ON CONFLICT DO NOTHING RETURNING id",
			    7, p, "adding the device", e);
		if (!r)
			return e && e->code ? e->code : STATUS_DB;
		rc = PQntuples(r) == 1 ? STATUS_OK : STATUS_EXISTS;
		PQclear(r);
		if (!rc)
			break;
	}
	if (rc)
		return err_set(e, STATUS_EXISTS, "could not find a free device code; try again");
	snprintf(code_out, codesz, "%s", code);
	snprintf(enrol_out, enrolsz, "%.4s-%.4s-%.4s", enrol, enrol + 4, enrol + 8);
	return STATUS_OK;
}

enum status pg_device_enrol(struct pg *db, const char *enrol_code, struct device_auth *dev,
			    char *token_out, size_t tokensz, struct err *e)
{
	unsigned char raw[32];
	char norm[32], hash[65], token[80], thash[65];
	const char *p[2];
	PGresult *r;

	enrol_normalise(enrol_code, norm, sizeof norm);
	secret_hash(norm, hash);
	randombytes_buf(raw, sizeof raw);
	memcpy(token, "fdt_", 4);
	sodium_bin2base64(token + 4, sizeof token - 4, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	secret_hash(token, thash);
	p[0] = hash;
	p[1] = thash;
	/* Single use: the code's hash is cleared in the same statement. */
	r = pg_exec(db,
		    "UPDATE device SET token_hash = $2, enrol_hash = NULL, enrol_expires = NULL,"
		    " enrolled_at = now() WHERE enrol_hash = $1 AND enrol_expires > now()"
		    " AND revoked_at IS NULL RETURNING id, code, site, role,"
		    " array_to_string(sites, ' '), coalesce(prov_id, ''), coalesce(prov_code, '')",
		    2, p, "enrolling the device", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return err_set(e, STATUS_DENIED,
			       "the enrolment code is unknown, used or expired; ask for a new one "
			       "(frontdeskd device add --site CODE)");
	}
	snprintf(dev->id, sizeof dev->id, "%s", PQgetvalue(r, 0, 0));
	snprintf(dev->code, sizeof dev->code, "%s", PQgetvalue(r, 0, 1));
	snprintf(dev->site, sizeof dev->site, "%s", PQgetvalue(r, 0, 2));
	snprintf(dev->role, sizeof dev->role, "%s", PQgetvalue(r, 0, 3));
	dev->revoked = false;
	device_fill(dev, PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 5), PQgetvalue(r, 0, 6));
	PQclear(r);
	snprintf(token_out, tokensz, "%s", token);
	sodium_memzero(raw, sizeof raw);
	return STATUS_OK;
}

/* The sites (space-separated) and provisional identity of a device. */
static void device_fill(struct device_auth *dev, const char *sites, const char *prov_id,
			const char *prov_code)
{
	const char *p = sites;

	dev->nsites = 0;
	while (*p && dev->nsites < DEVICE_SITES_MAX) {
		size_t n = strcspn(p, " ");

		if (n && n < sizeof dev->sites[0]) {
			memcpy(dev->sites[dev->nsites], p, n);
			dev->sites[dev->nsites++][n] = '\0';
		}
		p += n;
		p += strspn(p, " ");
	}
	snprintf(dev->prov_id, sizeof dev->prov_id, "%s", prov_id);
	snprintf(dev->prov_code, sizeof dev->prov_code, "%s", prov_code);
}

enum status pg_device_auth(struct pg *db, const char *token, struct device_auth *dev,
			   struct err *e)
{
	char hash[65];
	const char *p[1] = { hash };
	PGresult *r;

	memset(dev, 0, sizeof *dev);
	secret_hash(token, hash);
	/* A read on every request; last_seen is written at most once a minute
	 * per device, so authentication costs no commit. */
	r = pg_exec(db,
		    "SELECT id, code, site, role, revoked_at IS NOT NULL,"
		    " last_seen IS NULL OR last_seen < now() - interval '1 minute',"
		    " array_to_string(sites, ' '), coalesce(prov_id, ''), coalesce(prov_code, '')"
		    " FROM device WHERE token_hash = $1",
		    1, p, "checking the token", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	if (PQntuples(r) == 1 && PQgetvalue(r, 0, 5)[0] == 't') {
		const char *q[1] = { PQgetvalue(r, 0, 0) };

		pg_run(db, "UPDATE device SET last_seen = now() WHERE id = $1", 1, q,
		       "noting the device was seen", NULL);
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return err_set(e, STATUS_NOT_FOUND, "the token is not one this server issued");
	}
	snprintf(dev->id, sizeof dev->id, "%s", PQgetvalue(r, 0, 0));
	snprintf(dev->code, sizeof dev->code, "%s", PQgetvalue(r, 0, 1));
	snprintf(dev->site, sizeof dev->site, "%s", PQgetvalue(r, 0, 2));
	snprintf(dev->role, sizeof dev->role, "%s", PQgetvalue(r, 0, 3));
	dev->revoked = PQgetvalue(r, 0, 4)[0] == 't';
	device_fill(dev, PQgetvalue(r, 0, 6), PQgetvalue(r, 0, 7), PQgetvalue(r, 0, 8));
	PQclear(r);
	return STATUS_OK;
}

enum status pg_device_claim(struct pg *db, struct device_auth *dev, const char *what,
			    const char *value, struct err *e)
{
	const char *p[2] = { dev->id, value };
	bool id = !strcmp(what, "id");
	const char *state;
	PGresult *r;

	r = PQexecParams(db->conn,
			 id ? "UPDATE device SET prov_id = $2 WHERE id = $1 AND prov_id IS NULL"
			      " AND NOT EXISTS (SELECT 1 FROM device WHERE id = $2 OR prov_id = $2)"
			    : "UPDATE device SET prov_code = $2 WHERE id = $1 AND prov_code IS NULL"
			      " AND NOT EXISTS (SELECT 1 FROM device WHERE code = $2 OR prov_code = $2)",
			 2, NULL, p, NULL, NULL, 0);
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	/* Another device claiming the same value at the same moment ends at
	 * the unique index: not claimed, and not a failure. */
	if (PQresultStatus(r) != PGRES_COMMAND_OK && !(state && !strcmp(state, "23505"))) {
		pg_error(db, r, "recording the device's provisional identity", e);
		PQclear(r);
		return e && e->code ? e->code : STATUS_DB;
	}
	PQclear(r);
	/* What the device holds now, claimed here or by its other batch in
	 * flight (authenticated before that one's claim). */
	r = pg_exec(db,
		    "SELECT coalesce(prov_id, ''), coalesce(prov_code, '') FROM device WHERE id = $1",
		    1, p, "reading the device's provisional identity", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	if (PQntuples(r) == 1) {
		snprintf(dev->prov_id, sizeof dev->prov_id, "%s", PQgetvalue(r, 0, 0));
		snprintf(dev->prov_code, sizeof dev->prov_code, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return STATUS_OK;
}

enum status pg_device_list(struct pg *db, int (*fn)(void *ctx, const struct device_row *r),
			   void *ctx, struct err *e)
{
	PGresult *r = pg_exec(
		db,
		"SELECT id, code, site, role,"
		" CASE WHEN revoked_at IS NOT NULL THEN 'revoked'"
		"      WHEN token_hash IS NOT NULL THEN 'enrolled'"
		"      WHEN enrol_expires > now() THEN 'waiting'"
		"      ELSE 'expired' END,"
		" to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" coalesce(to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
		" clock_ahead_ms, (SELECT count(*) FROM pull_problem p WHERE p.device_id = d.id),"
		" array_to_string(sites, ',') FROM device d ORDER BY created_at, id",
		0, NULL, "listing devices", e);

	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(r); i++) {
		struct device_row row = {
			.id = PQgetvalue(r, i, 0),
			.code = PQgetvalue(r, i, 1),
			.site = PQgetvalue(r, i, 2),
			.role = PQgetvalue(r, i, 3),
			.state = PQgetvalue(r, i, 4),
			.created_at = PQgetvalue(r, i, 5),
			.last_seen = PQgetvalue(r, i, 6),
			.clock_ahead_ms = pg_ll(r, i, 7),
			.pull_problems = pg_ll(r, i, 8),
			.sites = PQgetvalue(r, i, 9),
		};
		if (fn(ctx, &row))
			break;
	}
	PQclear(r);
	return STATUS_OK;
}

enum status pg_device_revoke(struct pg *db, const char *which, struct err *e)
{
	const char *p[1] = { which };
	PGresult *r = pg_exec(db,
			      "UPDATE device SET revoked_at = coalesce(revoked_at, now()),"
			      " enrol_hash = NULL WHERE id = $1 OR code = upper($1) RETURNING id",
			      1, p, "revoking the device", e);
	int n;

	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	n = PQntuples(r);
	PQclear(r);
	if (n == 0)
		return err_set(e, STATUS_NOT_FOUND,
			       "no device '%s'; list them with: frontdeskd device list", which);
	return STATUS_OK;
}

bool pg_code_exists(struct pg *db, const char *kind, const char *code)
{
	const char *p[2] = { kind, code };
	PGresult *r = pg_exec(db, "SELECT 1 FROM refdata WHERE kind = $1 AND code = $2 AND active",
			      2, p, "checking a code", NULL);
	bool ok = r && PQntuples(r) == 1;

	PQclear(r);
	return ok;
}

enum status pg_pull_problems_add(struct pg *db, const struct device_auth *dev,
				 const char *problems, struct err *e)
{
	const char *p[2] = { dev->id, problems };
	PGresult *r;
	long long beyond;

	/* Only changes the server has handed out: a device cannot fill the
	 * table with made-up cursors. */
	r = pg_exec(db,
		    "SELECT count(*) FROM jsonb_array_elements($1::jsonb) x"
		    " WHERE (x->>'cursor')::bigint > (SELECT coalesce(max(cursor), 0) FROM change_log)",
		    1, p + 1, "checking the changes a desk kept aside", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	beyond = pg_ll(r, 0, 0);
	PQclear(r);
	if (beyond > 0)
		return err_set(e, STATUS_INVALID,
			       "%lld of the problems name a cursor the server has not handed out; "
			       "report only changes pulled from this server",
			       beyond);
	return pg_run(db,
		      "INSERT INTO pull_problem (device_id, cursor, record_type, record_id, reason)"
		      " SELECT $1, (x->>'cursor')::bigint, x->>'type', x->>'id', x->>'reason'"
		      " FROM jsonb_array_elements($2::jsonb) x"
		      " ON CONFLICT (device_id, cursor) DO UPDATE SET"
		      " record_type = excluded.record_type, record_id = excluded.record_id,"
		      " reason = excluded.reason, reported_at = now()",
		      2, p, "recording the changes a desk kept aside", e);
}

enum status pg_pull_problem_list(struct pg *db, const char *device,
				 int (*fn)(void *ctx, const struct pull_problem_row_srv *r),
				 void *ctx, struct err *e)
{
	const char *p[1] = { device };
	PGresult *r = pg_exec(
		db,
		"SELECT d.code, p.cursor, to_char(p.reported_at AT TIME ZONE 'UTC',"
		" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), p.record_type, p.record_id, p.reason"
		" FROM pull_problem p JOIN device d ON d.id = p.device_id"
		" WHERE $1::text IS NULL OR d.code = upper($1) OR d.id = $1"
		" ORDER BY d.code, p.cursor",
		1, p, "reading the changes desks kept aside", e);

	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(r); i++) {
		struct pull_problem_row_srv row = {
			.device_code = PQgetvalue(r, i, 0),
			.cursor = pg_ll(r, i, 1),
			.reported_at = PQgetvalue(r, i, 2),
			.record_type = PQgetvalue(r, i, 3),
			.record_id = PQgetvalue(r, i, 4),
			.reason = PQgetvalue(r, i, 5),
		};

		if (fn(ctx, &row))
			break;
	}
	PQclear(r);
	return STATUS_OK;
}
