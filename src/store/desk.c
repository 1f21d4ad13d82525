/*
 * The desk: what belongs to this console rather than to a customer or a
 * case. Its settings (`frontdesk config`: a small table of known keys, each
 * checked before it is stored), whether its database holds demo data, and
 * what the search screen shows the advisor at a glance before a customer is
 * found: the hot topics (service notices) live now at the desk's site, and
 * the advisor's own counts for today.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct setting_info known[] = {
	{ "site", "this desk's site code (sites.csv)", NULL },
	{ "default_channel", "channel a new contact starts with (channels.csv)", "face-to-face" },
	{ "server_url", "frontdeskd address, https:// (http:// only to this machine)", NULL },
	{ "idle_lock_minutes", "minutes without a key before the screen locks (1-60)", "5" },
	{ "device_code", "start of this desk's case references (provisional until enrolment)",
	  NULL },
	{ "fcr_target_percent", "first-contact resolution target (1-100)", "80" },
	{ "fcr_repeat_days", "a repeat contact within this many days undoes a resolution (1-90)",
	  "7" },
	{ "max_offline_days", "days without a sync before customer records are hidden (1-365)",
	  "14" },
	/* report targets */
	{ "signposting_target_year", "signposted contacts aimed for in a year (0-1000000)", "1000" },
	{ "assisted_digital_target_year", "assisted-digital contacts aimed for in a year (0-1000000)",
	  "1000" },
	{ "cost_target_mix", "target channel mix for cost to serve, CHANNEL:PERCENT,... summing to 100",
	  "web:50,phone:30,face-to-face:10,email:10" },
	{ NULL, NULL, NULL },
};

const struct setting_info *store_settings_known(void)
{
	return known;
}

static const struct setting_info *find_known(const char *key)
{
	for (const struct setting_info *k = known; k->key; k++)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

/* The known key closest to key, for "did you mean". */
static const char *closest_key(const char *key)
{
	const char *names[sizeof known / sizeof known[0]];
	size_t n = 0;

	for (const struct setting_info *k = known; k->key; k++)
		names[n++] = k->key;
	return text_suggest(key, names, n);
}

static enum status unknown_key(const char *key, struct err *e)
{
	const char *near = closest_key(key);

	if (near)
		return err_set(e, STATUS_NOT_FOUND,
			       "unknown setting '%s'; did you mean '%s'? (frontdesk config list shows all)",
			       key, near);
	return err_set(e, STATUS_NOT_FOUND,
		       "unknown setting '%s'; frontdesk config list shows the settings", key);
}

enum status store_setting_get(struct store *s, const char *key, char **value, struct err *e)
{
	const struct setting_info *k = find_known(key);

	*value = NULL;
	if (!k)
		return unknown_key(key, e);
	*value = setting_raw(s, key);
	if (!*value && k->default_value)
		*value = xstrdup(k->default_value);
	return STATUS_OK;
}

static enum status check_url(const char *v, struct err *e)
{
	static const char *const loopback[] = { "http://127.0.0.1", "http://localhost",
						"http://[::1]" };

	if (strncmp(v, "https://", 8) == 0 && v[8])
		return STATUS_OK;
	for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
		size_t n = strlen(loopback[i]);

		if (strncmp(v, loopback[i], n) == 0 && (v[n] == ':' || v[n] == '/' || !v[n]))
			return STATUS_OK;
	}
	return err_set(e, STATUS_INVALID,
		       "server_url '%s' must start with https:// (plain http:// only to this machine)",
		       v);
}

static enum status check_device_code(const char *v, struct err *e)
{
	size_t n = strlen(v);

	/* A case reference starts with a letter (WB2-00417), so the code must. */
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') || (i > 0 && v[i] >= '0' && v[i] <= '9')))
			n = 0;
	if (n < 2 || n > 6)
		return err_set(e, STATUS_INVALID,
			       "device_code '%s' must be 2 to 6 capital letters or digits starting with a letter, like WB2",
			       v);
	return STATUS_OK;
}

enum status store_setting_set(struct store *s, const char *key, const char *value,
			      struct err *e)
{
	long n;
	enum status rc;

	if (!find_known(key))
		return unknown_key(key, e);
	if (!value || !*value)
		return err_set(e, STATUS_INVALID, "setting '%s' needs a value", key);
	/* What a desk is (its site, server, device code, offline limit, lock)
	 * is an administrator's; the report targets a supervisor's; the channel
	 * a new contact starts with anyone's. */
	if (strcmp(key, "default_channel") != 0) {
		bool target = strcmp(key, "fcr_target_percent") == 0 ||
			      strcmp(key, "fcr_repeat_days") == 0 ||
			      strcmp(key, "signposting_target_year") == 0 ||
			      strcmp(key, "assisted_digital_target_year") == 0 ||
			      strcmp(key, "cost_target_mix") == 0;

		rc = store_require(s, target ? STORE_PERM_TARGETS : STORE_PERM_SETTINGS, "settings",
				   key, e);
		if (rc)
			return rc;
	}
	if (strcmp(key, "site") == 0)
		rc = store_ref_check(s, REF_SITE, value, e);
	else if (strcmp(key, "default_channel") == 0)
		rc = store_ref_check(s, REF_CHANNEL, value, e);
	else if (strcmp(key, "server_url") == 0)
		rc = check_url(value, e);
	else if (strcmp(key, "device_code") == 0)
		rc = check_device_code(value, e);
	else if (strcmp(key, "idle_lock_minutes") == 0)
		rc = valid_int(key, value, 1, 60, &n, e);
	else if (strcmp(key, "fcr_target_percent") == 0)
		rc = valid_int(key, value, 1, 100, &n, e);
	else if (strcmp(key, "fcr_repeat_days") == 0)
		rc = valid_int(key, value, 1, 90, &n, e);
	else if (strcmp(key, "signposting_target_year") == 0 ||
		 strcmp(key, "assisted_digital_target_year") == 0)
		rc = valid_int(key, value, 0, 1000000, &n, e);
	else if (strcmp(key, "cost_target_mix") == 0)
		rc = store_report_mix_check(s, value, e);
	else
		rc = valid_int(key, value, 1, 365, &n, e);
	if (rc)
		return rc;
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = setting_put(s, key, value, e);
	if (!rc) {
		char detail[128];

		snprintf(detail, sizeof detail, "%s", key);
		rc = store_audit(s, "settings.change", "settings", NULL, detail, e);
	}
	return rc ? (store_tx_end(s, false, NULL), rc) : store_tx_end(s, true, e);
}

/* A demo database (`frontdesk demo generate`) says so in its settings; demo
 * sign-in without a password is allowed only there. */
bool store_is_demo(struct store *s)
{
	char *v = setting_raw(s, "demo");
	bool demo = v && strcmp(v, "1") == 0;

	free(v);
	return demo;
}

/* ---- hot topics -------------------------------------------------------- */

enum status store_hot_topics(struct store *s, const char *site,
			     int (*fn)(void *ctx, const struct hot_topic_row *row), void *ctx,
			     struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT id, text, site, service FROM hot_topic"
				    " WHERE (site IS NULL OR site = ?1)"
				    " AND (starts_at IS NULL OR starts_at <= ?2)"
				    " AND (ends_at IS NULL OR ends_at > ?2)"
				    " ORDER BY created_at DESC, id DESC LIMIT 20",
				    e);
	char now[32];
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	store_now(now, sizeof now);
	bind_text_or_null(st, 1, site);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hot_topic_row r = {
			.id = col_text(st, 0),
			.text = col_text(st, 1),
			.site = col_text_or_null(st, 2),
			.service = col_text_or_null(st, 3),
		};
		if (fn(ctx, &r))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading the hot topics", e);
	return STATUS_OK;
}

enum status store_hot_topic_add(struct store *s, const char *text, const char *site,
				const char *service, const char *starts_at, const char *ends_at,
				struct err *e)
{
	sqlite3_stmt *st;
	char id[UUID_STR_LEN + 1], now[32];
	int64_t ms;
	enum status rc;

	if ((rc = valid_text("hot topic", text, 300, true, false, e)))
		return rc;
	if (site && *site && (rc = store_ref_check(s, REF_SITE, site, e)))
		return rc;
	if (service && *service && (rc = store_ref_check(s, REF_SERVICE, service, e)))
		return rc;
	if ((starts_at && *starts_at && time_parse_utc(starts_at, &ms)) ||
	    (ends_at && *ends_at && time_parse_utc(ends_at, &ms)))
		return err_set(e, STATUS_INVALID,
			       "a hot topic's start and end are UTC times like 2026-11-20T08:00:00Z");
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	st = stmt_sql(s,
		      "INSERT INTO hot_topic (id, text, site, service, starts_at, ends_at, created_at)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		      e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	uuid_v7(id);
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, site);
	bind_text_or_null(st, 4, service);
	bind_text_or_null(st, 5, starts_at);
	bind_text_or_null(st, 6, ends_at);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "saving the hot topic", e);
	if (!rc)
		rc = store_audit(s, "hot-topic.add", "hot_topic", id, NULL, e);
out:
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	return store_tx_end(s, true, e);
}

/* ---- counts ------------------------------------------------------------ */

/* The UTC instants at which today's Europe/London day starts and ends. */
static void london_day_bounds(char *start, char *end, size_t sz)
{
	struct date today = date_today_london();
	int64_t day_ms = date_to_days(today) * INT64_C(86400000);
	int64_t from = day_ms, to = day_ms + INT64_C(86400000);

	/* In summer time London's midnight is 23:00 UTC the day before. */
	if (date_cmp(date_of_ms_london(day_ms - INT64_C(3600000)), today) == 0)
		from -= INT64_C(3600000);
	if (date_cmp(date_of_ms_london(to - INT64_C(3600000)), today) != 0)
		to -= INT64_C(3600000);
	time_format_utc(from, start, sz);
	time_format_utc(to, end, sz);
}

enum status store_advisor_counts_today(struct store *s, const char *advisor,
				       struct advisor_counts *out, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT count(*), coalesce(sum(outcome = 'resolved'), 0),"
				    " coalesce(sum(outcome = 'referred'), 0) FROM contact"
				    " WHERE created_at >= ?1 AND created_at < ?2 AND advisor = ?3",
				    e);
	char start[32], end[32];
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return e ? e->code : STATUS_DB;
	london_day_bounds(start, end, sizeof start);
	sqlite3_bind_text(st, 1, start, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, end, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, advisor ? advisor : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->contacts = (long)sqlite3_column_int64(st, 0);
		out->resolved = (long)sqlite3_column_int64(st, 1);
		out->referred = (long)sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_db_error(s, rc, "counting today's contacts", e);
	return STATUS_OK;
}
