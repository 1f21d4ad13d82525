/*
 * Schema migrations: numbered, forward-only, one transaction each, tracked
 * in PRAGMA user_version. Never edit a released migration; add the next one.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Version 1: every record DESIGN.md lists. Ids are UUIDv7 text made on the
 * device; tables searched through FTS keep an integer rowid (num) for it. */
static const char schema_v1[] =
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL) WITHOUT ROWID;"

	"CREATE TABLE team ("
	"  code TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT,"
	"  active INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;"
	"CREATE TABLE service ("
	"  code TEXT PRIMARY KEY, name TEXT NOT NULL, lgsl INTEGER,"
	"  team TEXT NOT NULL REFERENCES team(code), url TEXT,"
	"  standard_days INTEGER NOT NULL CHECK (standard_days >= 0),"
	"  active INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;"
	"CREATE TABLE site ("
	"  code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
	"  address TEXT, postcode TEXT, active INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;"
	"CREATE TABLE channel ("
	"  code TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  unit_cost_pence INTEGER NOT NULL CHECK (unit_cost_pence >= 0),"
	"  digital INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;"
	"CREATE TABLE outcome ("
	"  code TEXT PRIMARY KEY, name TEXT NOT NULL, help TEXT,"
	"  active INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;"
	"CREATE TABLE failure_reason ("
	"  code TEXT PRIMARY KEY, name TEXT NOT NULL, help TEXT,"
	"  active INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;"
	"CREATE TABLE bank_holiday (day TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;"

	"CREATE TABLE user ("
	"  id TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE, display_name TEXT,"
	"  role TEXT NOT NULL CHECK (role IN ('advisor','supervisor','admin')),"
	"  password_hash TEXT, disabled INTEGER NOT NULL DEFAULT 0,"
	"  failed_attempts INTEGER NOT NULL DEFAULT 0, locked_until TEXT,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"

	"CREATE TABLE customer ("
	"  num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
	"  name TEXT, dob TEXT, address TEXT, postcode TEXT, uprn TEXT,"
	"  phone TEXT, phone_raw TEXT, email TEXT,"
	"  preferred_channel TEXT REFERENCES channel(code), needs TEXT, consent TEXT,"
	"  field_hlc TEXT NOT NULL DEFAULT '{}',"
	"  erased INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
	/* The search index; rowid = customer.num. Text is folded by core's
	 * text_fold first, then unicode61 folds case and accents. Prefixes of
	 * 1 to 6 characters are indexed so type-ahead reads one doclist
	 * instead of merging every term that starts the same way ("jones m"
	 * would otherwise merge every term starting with m). */
	"CREATE VIRTUAL TABLE customer_fts USING fts5("
	"  name, address, postcode, phone, email, refs,"
	"  tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5 6');"

	"CREATE TABLE visit ("
	"  id TEXT PRIMARY KEY, customer_id TEXT REFERENCES customer(id),"
	"  site TEXT NOT NULL REFERENCES site(code), channel TEXT NOT NULL REFERENCES channel(code),"
	"  advisor TEXT NOT NULL, started_at TEXT NOT NULL);"
	"CREATE TABLE contact ("
	"  num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
	"  visit_id TEXT NOT NULL REFERENCES visit(id),"
	"  customer_id TEXT REFERENCES customer(id),"
	"  channel TEXT NOT NULL REFERENCES channel(code),"
	"  site TEXT NOT NULL REFERENCES site(code),"
	"  advisor TEXT NOT NULL,"
	"  service TEXT NOT NULL REFERENCES service(code),"
	"  outcome TEXT NOT NULL REFERENCES outcome(code),"
	"  failure_demand TEXT REFERENCES failure_reason(code),"
	"  duration_s INTEGER CHECK (duration_s IS NULL OR duration_s >= 0),"
	"  flow_id TEXT, flow_version INTEGER, answers TEXT, notes TEXT,"
	"  corrects TEXT REFERENCES contact(id),"
	"  device_id TEXT NOT NULL, created_at TEXT NOT NULL);"
	"CREATE INDEX contact_created ON contact(created_at);"
	"CREATE INDEX contact_customer ON contact(customer_id, created_at)"
	"  WHERE customer_id IS NOT NULL;"
	"CREATE INDEX contact_visit ON contact(visit_id);"

	"CREATE TABLE \"case\" ("
	"  num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, reference TEXT NOT NULL UNIQUE,"
	"  contact_id TEXT REFERENCES contact(id), customer_id TEXT REFERENCES customer(id),"
	"  team TEXT NOT NULL REFERENCES team(code),"
	"  service TEXT NOT NULL REFERENCES service(code),"
	"  reason TEXT NOT NULL, status TEXT NOT NULL, due_date TEXT NOT NULL,"
	"  paused_days INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL, closed_at TEXT, result TEXT);"
	"CREATE INDEX case_status_due ON \"case\"(status, due_date);"
	"CREATE INDEX case_customer ON \"case\"(customer_id) WHERE customer_id IS NOT NULL;"
	"CREATE TABLE case_event ("
	"  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES \"case\"(id),"
	"  status TEXT NOT NULL, note TEXT, actor TEXT NOT NULL, at TEXT NOT NULL);"
	"CREATE INDEX case_event_case ON case_event(case_id, at);"

	"CREATE TABLE flow ("
	"  id TEXT NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL,"
	"  service TEXT, source TEXT NOT NULL, loaded_at TEXT NOT NULL,"
	"  PRIMARY KEY (id, version)) WITHOUT ROWID;"
	"CREATE TABLE hot_topic ("
	"  id TEXT PRIMARY KEY, text TEXT NOT NULL, site TEXT, service TEXT,"
	"  starts_at TEXT, ends_at TEXT, created_at TEXT NOT NULL);"

	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
	"  action TEXT NOT NULL, record_type TEXT, record_id TEXT, detail TEXT);"
	"CREATE INDEX audit_record ON audit(record_id) WHERE record_id IS NOT NULL;"
	"CREATE TABLE outbox ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, record_type TEXT NOT NULL,"
	"  record_id TEXT NOT NULL, op TEXT NOT NULL, body TEXT NOT NULL,"
	"  created_at TEXT NOT NULL, sent_at TEXT, error TEXT);"
	"CREATE INDEX outbox_pending ON outbox(seq) WHERE sent_at IS NULL;";

/* Version 2 (reports): cases by creation time and by the contact
 * that raised them, and the few contacts that correct another, so reports
 * count a corrected contact once without scanning every contact, and one
 * index that covers the columns reports count by. */
static const char schema_v2[] =
	"CREATE INDEX case_created ON \"case\"(created_at);"
	"CREATE INDEX case_contact ON \"case\"(contact_id) WHERE contact_id IS NOT NULL;"
	"CREATE INDEX contact_corrects ON contact(corrects) WHERE corrects IS NOT NULL;"
	/* Covers every column a report counts by, so a month of contacts is
	 * read from the index alone (no row lookups): ~4x faster. */
	"CREATE INDEX contact_report ON contact(created_at, channel, service, site, advisor,"
	"  outcome, failure_demand, customer_id);";

/* Version 3 (data protection): the audit trail becomes a hash
 * chain per device. Existing rows are chained in order by
 * audit_chain_migrate, which also adds the append-only triggers. The
 * index serves audit show --user and retention by time. */
#define SCHEMA_AUDIT_CHAIN 3
static const char schema_v3[] =
	"ALTER TABLE audit ADD COLUMN device_id TEXT;"
	"ALTER TABLE audit ADD COLUMN prev_hash TEXT;"
	"ALTER TABLE audit ADD COLUMN hash TEXT;"
	"CREATE INDEX audit_at ON audit(at);";

/* Version 4 (flows): words to find a flow by, an FTS5 index over
 * the latest version of each flow (rowid from flow_key, one per flow id)
 * kept by a trigger, so every writer of flow rows (flow load, sync pull)
 * keeps it; and runs parked on a customer, removed when the customer is
 * erased (they hold answers). No foreign key to the flow version: a parked
 * run whose version is gone says so when resumed. */
static const char schema_v4[] =
	"ALTER TABLE flow ADD COLUMN keywords TEXT;"
	"ALTER TABLE flow ADD COLUMN body TEXT;"
	"CREATE TABLE flow_key (num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);"
	"CREATE VIRTUAL TABLE flow_fts USING fts5("
	"  id UNINDEXED, version UNINDEXED, title, keywords, body,"
	"  tokenize = 'porter unicode61 remove_diacritics 2');"
	"CREATE TRIGGER flow_fts_latest AFTER INSERT ON flow"
	"  WHEN NOT EXISTS (SELECT 1 FROM flow o WHERE o.id = new.id AND o.version > new.version)"
	" BEGIN"
	"  INSERT OR IGNORE INTO flow_key (id) VALUES (new.id);"
	"  INSERT OR REPLACE INTO flow_fts (rowid, id, version, title, keywords, body)"
	"   VALUES ((SELECT num FROM flow_key WHERE id = new.id), new.id, new.version,"
	"           new.title, new.keywords, new.body);"
	" END;"
	"INSERT INTO flow_key (id) SELECT DISTINCT id FROM flow;"
	"INSERT INTO flow_fts (rowid, id, version, title)"
	" SELECT k.num, f.id, f.version, f.title FROM flow f JOIN flow_key k ON k.id = f.id"
	" WHERE f.version = (SELECT max(version) FROM flow o WHERE o.id = f.id);"
	"CREATE TABLE flow_park ("
	"  id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customer(id),"
	"  flow_id TEXT NOT NULL, flow_version INTEGER NOT NULL, step TEXT,"
	"  saved TEXT NOT NULL, parked_by TEXT NOT NULL, parked_at TEXT NOT NULL);"
	"CREATE INDEX flow_park_customer ON flow_park(customer_id, parked_at);"
	"CREATE INDEX flow_park_flow ON flow_park(flow_id, flow_version);"
	"CREATE TRIGGER flow_park_erase AFTER UPDATE OF erased ON customer WHEN new.erased"
	" BEGIN DELETE FROM flow_park WHERE customer_id = new.id; END;";

/* Version 5 (reports over any period). contact_tally keeps the
 * contact counts per UTC day (per hour for the time groupings) for each key
 * a report groups by, so a report over a month or a year adds up a few
 * thousand rows instead of reading every contact. kind is enum
 * report_tally_key (1 service, 2 site, 3 advisor, 4 hour, 5 failure-demand
 * reason). Triggers keep it, so every writer of contacts does; contacts are
 * never changed or removed, but if one were the counts would follow.
 * contact.repeated marks a known customer's contacts about a service they
 * have contacted about more than once (ever): only those can be a repeat
 * in the audited first-contact resolution, whose pass reads them through
 * the partial index contact_repeat. Existing contacts are counted and
 * marked by report_migrate. The case service standards read cases from
 * case_report alone, and the history only of those that waited on the
 * customer. */
#define SCHEMA_REPORTS 5
#define CONTACT_TALLY_UPSERT(row, sign)                                        \
	"INSERT INTO contact_tally (kind, period, key, channel, contacts, resolved,"    \
	" referred, signposted, assisted_digital, abandoned, failure)"             \
	" SELECT k.kind, substr(" row ".created_at, 1, CASE k.kind WHEN 4 THEN 13 ELSE 10 END)," \
	" CASE k.kind WHEN 1 THEN " row ".service WHEN 2 THEN " row ".site"         \
	"  WHEN 3 THEN " row ".advisor WHEN 4 THEN substr(" row ".created_at, 1, 13)" \
	"  ELSE coalesce(" row ".failure_demand, '') END,"                          \
	" " row ".channel, " sign ", " sign " * (" row ".outcome = 'resolved'),"     \
	" " sign " * (" row ".outcome = 'referred'), " sign " * (" row ".outcome = 'signposted')," \
	" " sign " * (" row ".outcome = 'assisted-digital'),"                       \
	" " sign " * (" row ".outcome = 'abandoned'),"                              \
	" " sign " * (" row ".failure_demand IS NOT NULL)"                          \
	" FROM (SELECT 1 AS kind UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4"  \
	"  UNION ALL SELECT 5) k WHERE true"                                        \
	" ON CONFLICT (kind, period, key, channel) DO UPDATE SET"                   \
	"  contacts = contacts + excluded.contacts, resolved = resolved + excluded.resolved," \
	"  referred = referred + excluded.referred,"                                \
	"  signposted = signposted + excluded.signposted,"                          \
	"  assisted_digital = assisted_digital + excluded.assisted_digital,"        \
	"  abandoned = abandoned + excluded.abandoned, failure = failure + excluded.failure;"
/* Marks the customer's contacts about the service once there are two. */
#define CONTACT_REPEATED_MARK                                                  \
	"UPDATE contact SET repeated = 1 WHERE customer_id = new.customer_id"          \
	" AND service = new.service AND NOT repeated AND EXISTS (SELECT 1 FROM contact o" \
	"  WHERE o.customer_id = new.customer_id AND o.service = new.service"          \
	"  AND o.num <> new.num);"
static const char schema_v5[] =
	"CREATE TABLE contact_tally ("
	"  kind INTEGER NOT NULL, period TEXT NOT NULL, key TEXT NOT NULL, channel TEXT NOT NULL,"
	"  contacts INTEGER NOT NULL, resolved INTEGER NOT NULL, referred INTEGER NOT NULL,"
	"  signposted INTEGER NOT NULL, assisted_digital INTEGER NOT NULL,"
	"  abandoned INTEGER NOT NULL, failure INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, period, key, channel)) WITHOUT ROWID;"
	"CREATE TRIGGER contact_tally_insert AFTER INSERT ON contact BEGIN "
	CONTACT_TALLY_UPSERT("new", "1") " END;"
	"CREATE TRIGGER contact_tally_delete AFTER DELETE ON contact BEGIN "
	CONTACT_TALLY_UPSERT("old", "-1") " END;"
	"CREATE TRIGGER contact_tally_update AFTER UPDATE OF created_at, channel, service, site,"
	"  advisor, outcome, failure_demand ON contact BEGIN "
	CONTACT_TALLY_UPSERT("old", "-1") " " CONTACT_TALLY_UPSERT("new", "1") " END;"
	"ALTER TABLE contact ADD COLUMN repeated INTEGER NOT NULL DEFAULT 0;"
	"CREATE TRIGGER contact_repeated_insert AFTER INSERT ON contact"
	"  WHEN new.customer_id IS NOT NULL BEGIN " CONTACT_REPEATED_MARK " END;"
	"CREATE TRIGGER contact_repeated_update AFTER UPDATE OF customer_id, service ON contact"
	"  WHEN new.customer_id IS NOT NULL BEGIN " CONTACT_REPEATED_MARK " END;"
	"CREATE INDEX contact_repeat ON contact(created_at, customer_id, service, outcome)"
	"  WHERE customer_id IS NOT NULL AND repeated;"
	"CREATE INDEX case_report ON \"case\"(created_at, team, service, status, due_date,"
	"  closed_at, paused_days, id);"
	"CREATE INDEX case_event_paused ON case_event(case_id) WHERE status = 'awaiting-customer';";

/* Version 6 (the import figure): no table changes, a new way to
 * keep stamps. field_hlc may hold {"*": stamp}, the one stamp of every field
 * that has a value (a customer added in one write), instead of a copy per
 * field; customer_load reads both forms. Rows written before keep theirs.
 * The number goes up only so that an older frontdesk, which would read such
 * a row as unstamped and let any remote value win a merge, refuses the file
 * instead. */
static const char schema_v6[] = "";

/* Version 7 (privileged acts need a person): a queued change
 * the server takes only with a person's session waits for a person holding
 * wait_role (wait_login: that person; NULL: anyone holding the role). */
static const char schema_v7[] =
	"ALTER TABLE outbox ADD COLUMN wait_role TEXT;"
	"ALTER TABLE outbox ADD COLUMN wait_login TEXT;";
/* Version 8 ("pull never wedges"): a pulled change this desk
 * cannot apply is kept aside by its place in the server's order (cursor),
 * with its type, record id and reason (no body, so nothing personal), and
 * when it was reported to the server; the pull goes on past it. */
static const char schema_v8[] =
	"CREATE TABLE pull_problem ("
	"  cursor INTEGER PRIMARY KEY, record_type TEXT NOT NULL, record_id TEXT NOT NULL,"
	"  reason TEXT NOT NULL, at TEXT NOT NULL, reported_at TEXT);"
	"CREATE INDEX pull_problem_record ON pull_problem(record_type, record_id);";

/* Version 9: the council's gazetteer (store_gazetteer_replace). The UPRN
 * is the key; postcode_key is the compact postcode ("ng123ab") and
 * street_key the folded street, so both searches read an index. "IF NOT
 * EXISTS": a file taken back to an older schema by hand (as test_upgrade
 * does) may still hold the table. */
static const char schema_v9[] =
	"CREATE TABLE IF NOT EXISTS gazetteer ("
	"  uprn INTEGER PRIMARY KEY, address TEXT NOT NULL, town TEXT,"
	"  postcode TEXT NOT NULL, postcode_key TEXT NOT NULL,"
	"  number TEXT, street_key TEXT);"
	"CREATE INDEX IF NOT EXISTS gazetteer_postcode ON gazetteer(postcode_key);"
	"CREATE INDEX IF NOT EXISTS gazetteer_street ON gazetteer(street_key, number);";

/* Version 10 (needs as councils record them): the needs a council lists
 * (data/needs.csv), seeded (seed_needs) with the eight flags earlier
 * versions knew so records holding them stay valid until the file is
 * loaded; and the
 * basis for holding a customer's needs (Article 9), a field like the others. */
static const char schema_v10[] =
	"CREATE TABLE need ("
	"  code TEXT PRIMARY KEY, label TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT 'none', detail_required INTEGER NOT NULL DEFAULT 0,"
	"  active INTEGER NOT NULL DEFAULT 1);"
	"ALTER TABLE customer ADD COLUMN needs_basis TEXT;";

/* Schema 10's seed: core's needs_legacy, the flags records already hold. */
static enum status seed_needs(struct store *s, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "INSERT OR IGNORE INTO need (code, label, detail, detail_required)"
				    " VALUES (?1, ?2, ?3, ?4)",
				    e);
	enum status rc = st ? STATUS_OK : (e ? e->code : STATUS_DB);

	for (size_t i = 0; !rc && i < needs_legacy_count; i++) {
		const struct ref_need *r = &needs_legacy[i];

		sqlite3_bind_text(st, 1, r->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->label, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, need_detail_name(r->detail), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, r->detail_required);
		rc = stmt_run(s, st, "seeding needs", e);
	}
	return rc;
}

static const char *const migrations[] = {
	NULL, /* version 0 is the empty file */
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
	schema_v5,
	schema_v6,
	schema_v7,
	schema_v8,
	schema_v9,
	schema_v10,
};

/* Device identity, made once when the schema is first created. The device
 * code is provisional until enrolment with a server assigns one. */
static enum status seed_identity(struct store *s, struct err *e)
{
	static const char alphabet[] = "ACDEFHJKMNPRTUVWXY34679";
	char id[UUID_STR_LEN + 1], code[8];
	enum status rc;

	uuid_v7(id);
	rc = setting_put(s, "device_id", id, e);
	if (rc)
		return rc;
	/* The UUID's tail is random: two hex digits pick each letter. */
	code[0] = 'Z';
	for (int i = 0; i < 3; i++) {
		char hex[3] = { id[30 + 2 * i], id[31 + 2 * i], '\0' };

		code[1 + i] = alphabet[strtoul(hex, NULL, 16) % (sizeof alphabet - 1)];
	}
	code[4] = '\0';
	rc = setting_put(s, "device_code", code, e);
	if (rc)
		return rc;
	return setting_put(s, "case_counter", "0", e);
}

enum status store_migrate(struct store *s, struct err *e)
{
	int target = (int)(sizeof migrations / sizeof migrations[0]) - 1;
	enum status rc;

	if (target != STORE_SCHEMA_VERSION)
		die("migrations list (%d) and STORE_SCHEMA_VERSION (%d) disagree", target,
		    STORE_SCHEMA_VERSION);
	for (;;) {
		int version;
		char sql[64];

		rc = store_tx_begin(s, e);
		if (rc)
			return rc;
		/* Read inside the write lock: another process may have just
		 * migrated the same file. */
		version = store_user_version(s);
		if (version >= target) {
			store_tx_end(s, true, NULL);
			return STATUS_OK;
		}
		rc = store_exec(s, migrations[version + 1], e);
		if (!rc && version == 0)
			rc = seed_identity(s, e);
		if (!rc && version + 1 == 10)
			rc = seed_needs(s, e);
		if (!rc && version + 1 == SCHEMA_AUDIT_CHAIN)
			rc = audit_chain_migrate(s, e);
		if (!rc && version + 1 == SCHEMA_REPORTS)
			rc = report_migrate(s, e);
		if (!rc) {
			snprintf(sql, sizeof sql, "PRAGMA user_version=%d", version + 1);
			rc = store_exec(s, sql, e);
		}
		if (rc) {
			store_tx_end(s, false, NULL);
			if (e) {
				char why[ERR_MSG_MAX];

				snprintf(why, sizeof why, "%s", e->msg);
				err_set(e, rc, "cannot upgrade database '%s' to schema %d: %s",
					s->path, version + 1, why);
			}
			return rc;
		}
		rc = store_tx_end(s, true, e);
		if (rc)
			return rc;
	}
}
