/*
 * Pull: the change log in server order, a page at a time. A console gets
 * everything but the contacts, cases and case events it sent itself;
 * customers always come back, as merged here, so every copy ends the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pg_int.h"


/* Wipes and frees a body that held opened personal values. */
static void free_wiped(char *text)
{
	if (text) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
}

/* A sealed body as a desk takes it: its personal members opened. */
static enum status open_body(struct pg *db, const char *type, const char *text, char **out,
			     struct err *e)
{
	json_t *j = json_loads(text, 0, NULL);
	enum status rc;

	if (!j)
		return err_set(e, STATUS_DB, "a %s in the change log is not JSON", type);
	rc = pg_unseal(db, type, j, json_string_value(json_object_get(j, "id")), e);
	if (!rc) {
		*out = json_dumps(j, JSON_COMPACT);
		if (!*out)
			die("out of memory encoding JSON");
	}
	json_decref(j);
	return rc;
}

enum status pg_pull(struct pg *db, const struct device_auth *dev, long long after, int limit,
		    struct buf *out, struct err *e)
{
	char a[24], l[16];
	const char *p[3] = { a, dev->id, l };
	long long next = after;
	bool more;
	int n;
	PGresult *r;

	snprintf(a, sizeof a, "%lld", after);
	snprintf(l, sizeof l, "%d", limit + 1);
	/* One statement, one snapshot: the page and the top of the log. */
	/* Asking for changes after a cursor says everything up to it is
	 * applied there: noted (a write only when it moves on) so the centre
	 * can tell which consoles have applied an erasure. */
	r = pg_exec(db,
		    "WITH seen AS (UPDATE device SET pulled_to = $1::bigint WHERE id = $2"
		    "  AND pulled_to < $1::bigint RETURNING 1),"
		    " page AS (SELECT cursor, record_type, body FROM change_log"
		    "  WHERE cursor > $1::bigint"
		    "  AND (origin_device IS DISTINCT FROM $2 OR record_type = 'customer')"
		    "  ORDER BY cursor LIMIT $3::integer)"
		    " SELECT 0 AS k, cursor, record_type, body::text FROM page"
		    " UNION ALL SELECT 1, coalesce(max(cursor), 0), '', '' FROM change_log"
		    " ORDER BY 1, 2",
		    3, p, "reading the change log", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	n = PQntuples(r) - 1;
	more = n > limit;
	if (more)
		n = limit;
	if (buf_adds(out, "{\"changes\":[") != STATUS_OK)
		goto too_big;
	for (int i = 0; i < n; i++) {
		char *opened = NULL;
		enum status rc = STATUS_OK;

		next = pg_ll(r, i, 1);
		if (pg_seals(PQgetvalue(r, i, 2)) && strstr(PQgetvalue(r, i, 3), "\"sealed\""))
			rc = open_body(db, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), &opened, e);
		if (rc) {
			PQclear(r);
			return rc;
		}
		if (buf_printf(out, "%s{\"cursor\":%lld,\"type\":\"%s\",\"body\":", i ? "," : "",
			       next, PQgetvalue(r, i, 2)) != STATUS_OK ||
		    (opened ? buf_adds(out, opened)
			    : buf_add(out, PQgetvalue(r, i, 3), (size_t)PQgetlength(r, i, 3))) !=
			    STATUS_OK ||
		    buf_adds(out, "}") != STATUS_OK) {
			free_wiped(opened);
			goto too_big;
		}
		free_wiped(opened);
	}
	/* Past the console's own changes too: the log is in commit order (see
	 * pg_log_change), so nothing can appear below the top later. */
	if (!more && pg_ll(r, PQntuples(r) - 1, 1) > next)
		next = pg_ll(r, PQntuples(r) - 1, 1);
	PQclear(r);
	if (buf_printf(out, "],\"next\":%lld,\"more\":%s}", next, more ? "true" : "false") !=
	    STATUS_OK)
		return err_set(e, STATUS_TOO_BIG, "the pull page is too big; ask for fewer changes");
	return STATUS_OK;
too_big:
	PQclear(r);
	return err_set(e, STATUS_TOO_BIG, "the pull page is too big; ask for fewer changes");
}
