/*
 * Contacts and visits. A contact is an immutable fact: logged once in one
 * durable transaction with everything that follows from it (the visit, the
 * referral case and its first event, the search index, the outbox rows, the
 * audit row). Corrections are new contacts that point at the old one.
 * Personal flow answers are kept only on a contact linked to a customer
 * (minimisation). Read back as a customer's contact history.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_DURATION_S (12L * 3600)

static void json_set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v && *v ? json_string(v) : json_null());
}

static enum status queue_json(struct store *s, const char *type, const char *id, json_t *o,
			      struct err *e)
{
	char *body;
	enum status rc;

	if (!s->outbox_capture) {
		json_decref(o);
		return STATUS_OK;
	}
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!body)
		die("out of memory encoding JSON");
	rc = outbox_add(s, type, id, "insert", body, e);
	free(body);
	return rc;
}

/* Fills in defaults and checks every input before anything is written. */
struct contact_plan {
	const char *channel, *site, *advisor, *customer_id, *team;
	char *channel_owned, *site_owned;
	struct ref_service service;
	json_t *answers;
	bool referred, new_visit;
};

static void plan_release(struct contact_plan *p)
{
	free(p->channel_owned);
	free(p->site_owned);
	ref_service_release(&p->service);
	json_decref(p->answers);
}

static enum status check_customer(struct store *s, const char *id, struct err *e)
{
	struct customer *c = NULL;
	enum status rc;

	if (!uuid_valid(id))
		return err_set(e, STATUS_INVALID, "customer '%s' is not a customer id", id);
	/* An existence check, not a viewing: the contact.log audit row covers it. */
	rc = customer_load(s, id, &c, NULL, e);
	if (!rc && c->erased)
		rc = err_set(e, STATUS_DENIED, "customer '%s' has been erased", id);
	customer_free(c);
	return rc;
}

static enum status plan_contact(struct store *s, const struct contact_input *in,
				struct contact_plan *p, struct err *e)
{
	enum status rc;

	memset(p, 0, sizeof *p);
	if (!in->service || !*in->service)
		return err_set(e, STATUS_USAGE, "a contact needs a service; give --service CODE");
	if (!in->outcome || !*in->outcome)
		return err_set(e, STATUS_USAGE, "a contact needs an outcome; give --outcome CODE");
	rc = store_service_get(s, in->service, &p->service, e);
	if (rc)
		return rc;
	rc = store_ref_check(s, REF_OUTCOME, in->outcome, e);
	if (rc)
		return rc;
	p->referred = strcmp(in->outcome, OUTCOME_REFERRED) == 0;

	p->channel = in->channel;
	if (!p->channel || !*p->channel) {
		store_setting_get(s, "default_channel", &p->channel_owned, NULL);
		p->channel = p->channel_owned;
	}
	rc = store_ref_check(s, REF_CHANNEL, p->channel, e);
	if (rc)
		return rc;
	p->site = in->site;
	if (!p->site || !*p->site) {
		store_setting_get(s, "site", &p->site_owned, NULL);
		p->site = p->site_owned;
		if (!p->site)
			return err_set(e, STATUS_INVALID,
				       "this desk has no site yet; set it with: frontdesk config set site CODE");
	}
	rc = store_ref_check(s, REF_SITE, p->site, e);
	if (rc)
		return rc;
	if (in->failure_demand && *in->failure_demand) {
		rc = store_ref_check(s, REF_FAILURE, in->failure_demand, e);
		if (rc)
			return rc;
	}
	p->advisor = in->advisor && *in->advisor ? in->advisor : s->actor;
	if (in->notes) {
		rc = valid_text("notes", in->notes, NOTES_MAX_CHARS, false, true, e);
		if (rc)
			return rc;
	}
	if (in->duration_s < -1 || in->duration_s > MAX_DURATION_S)
		return err_set(e, STATUS_INVALID,
			       "duration %ld seconds is out of range; give 0 to %ld seconds",
			       in->duration_s, MAX_DURATION_S);
	if (in->answers_json && *in->answers_json) {
		json_error_t je;

		p->answers = json_loads(in->answers_json, JSON_REJECT_DUPLICATES, &je);
		if (!p->answers || !json_is_object(p->answers))
			return err_set(e, STATUS_INVALID, "flow answers are not a JSON object: %s",
				       p->answers ? "not an object" : je.text);
	}
	if (in->flow_id && *in->flow_id && in->flow_version <= 0)
		return err_set(e, STATUS_INVALID, "a contact from a flow needs the flow's version");
	if (p->referred) {
		p->team = in->team && *in->team ? in->team : p->service.team;
		rc = store_ref_check(s, REF_TEAM, p->team, e);
		if (rc)
			return rc;
		if (!in->reason || !*in->reason)
			return err_set(e, STATUS_USAGE,
				       "a referral needs a reason for the back office; give --reason TEXT");
		rc = valid_text("reason", in->reason, REASON_MAX_CHARS, true, true, e);
		if (rc)
			return rc;
	} else if ((in->team && *in->team) || (in->reason && *in->reason)) {
		return err_set(e, STATUS_USAGE,
			       "team and reason are for referrals only; use --outcome referred");
	}
	p->customer_id = in->customer_id && *in->customer_id ? in->customer_id : NULL;
	p->new_visit = !in->visit_id || !*in->visit_id;
	return STATUS_OK;
}

/* Checks the visit exists; an enquiry in a visit inherits its customer. */
static enum status join_visit(struct store *s, const char *visit_id, struct contact_plan *p,
			      char *customer_out, struct err *e)
{
	sqlite3_stmt *st = stmt_get(s, ST_VISIT_GET, e);
	const char *cust;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, visit_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return err_set(e, STATUS_NOT_FOUND, "no visit with id '%s'", visit_id);
	}
	cust = col_text_or_null(st, 0);
	if (cust && p->customer_id && strcmp(cust, p->customer_id) != 0) {
		sqlite3_reset(st);
		return err_set(e, STATUS_INVALID,
			       "visit '%s' belongs to another customer; start a new visit", visit_id);
	}
	if (cust && !p->customer_id) {
		snprintf(customer_out, UUID_STR_LEN + 1, "%s", cust);
		p->customer_id = customer_out;
	}
	sqlite3_reset(st);
	return STATUS_OK;
}

static enum status insert_visit(struct store *s, const struct contact_plan *p, const char *id,
				const char *now, struct err *e)
{
	sqlite3_stmt *st = stmt_get(s, ST_VISIT_INSERT, e);
	json_t *o;
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	bind_text_or_null(st, 2, p->customer_id);
	sqlite3_bind_text(st, 3, p->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->advisor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "saving the visit", e);
	if (rc)
		return rc;
	o = json_object();
	json_set_str(o, "id", id);
	json_set_str(o, "customer_id", p->customer_id);
	json_set_str(o, "site", p->site);
	json_set_str(o, "channel", p->channel);
	json_set_str(o, "advisor", p->advisor);
	json_set_str(o, "started_at", now);
	return queue_json(s, "visit", id, o, e);
}

static enum status insert_contact(struct store *s, const struct contact_input *in,
				  const struct contact_plan *p, const char *id,
				  const char *visit_id, const char *now, struct err *e)
{
	sqlite3_stmt *st = stmt_get(s, ST_CONTACT_INSERT, e);
	char *answers = NULL;
	json_t *o;
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	if (p->answers)
		answers = json_dumps(p->answers, JSON_COMPACT);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, visit_id, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, p->customer_id);
	sqlite3_bind_text(st, 4, p->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->advisor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, p->service.code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, in->outcome, -1, SQLITE_STATIC);
	bind_text_or_null(st, 9, in->failure_demand);
	if (in->duration_s >= 0)
		sqlite3_bind_int64(st, 10, in->duration_s);
	bind_text_or_null(st, 11, in->flow_id);
	if (in->flow_id && *in->flow_id)
		sqlite3_bind_int(st, 12, in->flow_version);
	bind_text_or_null(st, 13, answers);
	bind_text_or_null(st, 14, in->notes);
	bind_text_or_null(st, 15, in->corrects);
	sqlite3_bind_text(st, 16, s->device_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "saving the contact", e);
	free(answers);
	if (rc) {
		if (in->corrects && *in->corrects && e && e->code == STATUS_INVALID)
			err_set(e, STATUS_NOT_FOUND, "cannot correct contact '%s': no such contact",
				in->corrects);
		return rc;
	}
	o = json_object();
	json_set_str(o, "id", id);
	json_set_str(o, "visit_id", visit_id);
	json_set_str(o, "customer_id", p->customer_id);
	json_set_str(o, "channel", p->channel);
	json_set_str(o, "site", p->site);
	json_set_str(o, "advisor", p->advisor);
	json_set_str(o, "service", p->service.code);
	json_set_str(o, "outcome", in->outcome);
	json_set_str(o, "failure_demand", in->failure_demand);
	json_object_set_new(o, "duration_s",
			    in->duration_s >= 0 ? json_integer(in->duration_s) : json_null());
	json_set_str(o, "flow_id", in->flow_id);
	json_object_set_new(o, "flow_version", in->flow_id && *in->flow_id
							 ? json_integer(in->flow_version)
							 : json_null());
	json_object_set(o, "answers", p->answers ? p->answers : json_null());
	json_set_str(o, "notes", in->notes);
	json_set_str(o, "corrects", in->corrects);
	json_set_str(o, "device_id", s->device_id);
	json_set_str(o, "created_at", now);
	return queue_json(s, "contact", id, o, e);
}

/* The next case reference for this device: code + counter, counted in the
 * same transaction so two processes never share a number. */
static enum status next_reference(struct store *s, char *out, size_t outsz, struct err *e)
{
	char *code = setting_raw(s, "device_code"), *counter = setting_raw(s, "case_counter");
	long n = counter ? strtol(counter, NULL, 10) : 0;
	char text[32];
	enum status rc;

	snprintf(text, sizeof text, "%ld", n + 1);
	rc = setting_put(s, "case_counter", text, e);
	if (!rc)
		case_reference(code ? code : "ZZZ", n + 1, out, outsz);
	free(code);
	free(counter);
	return rc;
}

static enum status raise_case(struct store *s, const struct contact_input *in,
			      const struct contact_plan *p, const char *contact_id,
			      const char *now, struct contact_result *out, struct err *e)
{
	sqlite3_stmt *st;
	const struct date *hol;
	size_t nhol;
	char event_id[UUID_STR_LEN + 1];
	json_t *o;
	enum status rc;

	rc = holidays_get(s, &hol, &nhol, e);
	if (rc)
		return rc;
	date_format(date_add_working_days(date_today_london(), (int)p->service.standard_days,
					  hol, nhol),
		    out->due, sizeof out->due);
	rc = next_reference(s, out->case_ref, sizeof out->case_ref, e);
	if (rc)
		return rc;
	uuid_v7(out->case_id);
	snprintf(out->team, sizeof out->team, "%s", p->team);
	st = stmt_get(s, ST_CASE_INSERT, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, out->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, out->case_ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, contact_id, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, p->customer_id);
	sqlite3_bind_text(st, 5, p->team, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->service.code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, in->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, out->due, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "raising the referral", e);
	if (rc)
		return rc;
	o = json_object();
	json_set_str(o, "id", out->case_id);
	json_set_str(o, "reference", out->case_ref);
	json_set_str(o, "contact_id", contact_id);
	json_set_str(o, "customer_id", p->customer_id);
	json_set_str(o, "team", p->team);
	json_set_str(o, "service", p->service.code);
	json_set_str(o, "reason", in->reason);
	json_set_str(o, "status", "open");
	json_set_str(o, "due_date", out->due);
	json_set_str(o, "created_at", now);
	rc = queue_json(s, "case", out->case_id, o, e);
	if (rc)
		return rc;

	uuid_v7(event_id);
	st = stmt_get(s, ST_CASE_EVENT_INSERT, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, event_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, out->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, "open", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, "referred from the front desk", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->advisor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "raising the referral", e);
	if (rc)
		return rc;
	o = json_object();
	json_set_str(o, "id", event_id);
	json_set_str(o, "case_id", out->case_id);
	json_set_str(o, "status", "open");
	json_set_str(o, "note", "referred from the front desk");
	json_set_str(o, "actor", p->advisor);
	json_set_str(o, "at", now);
	rc = queue_json(s, "case_event", event_id, o, e);
	if (!rc && p->customer_id)
		rc = search_reindex_customer(s, p->customer_id, e);
	return rc;
}

/*
 * Minimisation: on a contact not linked to a customer, flow answers marked
 * personal are refused (the caller asks the flow for FLOW_JSON_NO_PERSONAL).
 * answers is the flow's JSON ({"answers": {FIELD: {"personal": BOOL}}});
 * NULL passes.
 */
static enum status personal_answers_check(const struct json_t *answers, bool linked, struct err *e)
{
	const json_t *list;
	const char *key;
	json_t *v;

	if (linked || !answers || !json_is_object(answers))
		return STATUS_OK;
	list = json_object_get(answers, "answers");
	if (!json_is_object(list))
		list = answers;
	json_object_foreach((json_t *)list, key, v)
	{
		if (json_is_object(v) && json_is_true(json_object_get(v, "personal")))
			return err_set(e, STATUS_INVALID,
				       "flow answer '%s' is personal, and this contact is not linked to "
				       "a customer: link it to the customer, or leave personal answers "
				       "out",
				       key);
	}
	return STATUS_OK;
}

enum status store_contact_log(struct store *s, const struct contact_input *in,
			      struct contact_result *out, struct err *e)
{
	struct contact_plan p;
	char now[32], visit_customer[UUID_STR_LEN + 1];
	enum status rc;

	memset(out, 0, sizeof *out);
	rc = plan_contact(s, in, &p, e);
	if (rc)
		goto done;
	rc = store_tx_begin(s, e);
	if (rc)
		goto done;
	if (!p.new_visit)
		rc = join_visit(s, in->visit_id, &p, visit_customer, e);
	if (!rc && p.customer_id)
		rc = check_customer(s, p.customer_id, e);
	/* Minimisation: personal answers only with a customer. */
	if (!rc)
		rc = personal_answers_check(p.answers, p.customer_id != NULL, e);
	if (rc)
		goto out;
	store_now(now, sizeof now);
	uuid_v7(out->contact_id);
	if (p.new_visit) {
		uuid_v7(out->visit_id);
		rc = insert_visit(s, &p, out->visit_id, now, e);
	} else {
		snprintf(out->visit_id, sizeof out->visit_id, "%s", in->visit_id);
	}
	if (!rc)
		rc = insert_contact(s, in, &p, out->contact_id, out->visit_id, now, e);
	if (!rc && p.referred)
		rc = raise_case(s, in, &p, out->contact_id, now, out, e);
	if (!rc && p.customer_id)
		rc = store_audit(s, "contact.log", "customer", p.customer_id, out->contact_id, e);
out:
	if (rc) {
		store_tx_end(s, false, NULL);
		out->case_ref[0] = out->case_id[0] = out->due[0] = '\0';
	} else {
		rc = store_tx_end(s, true, e);
	}
done:
	plan_release(&p);
	return rc;
}

/* ---- contact history --------------------------------------------------- */

enum status store_customer_contacts(struct store *s, const char *customer_id, int limit,
				    int (*fn)(void *ctx, const struct contact_row *row),
				    void *ctx, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(
		s,
		"SELECT k.id, k.visit_id, k.created_at, k.channel, k.site, k.advisor, k.service,"
		" v.name, k.outcome, k.failure_demand, k.notes, k.duration_s"
		" FROM contact k LEFT JOIN service v ON v.code = k.service"
		" WHERE k.customer_id = ?1 ORDER BY k.created_at DESC, k.num DESC LIMIT ?2",
		e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, customer_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 200);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct contact_row r = {
			.id = col_text(st, 0),
			.visit_id = col_text(st, 1),
			.created_at = col_text(st, 2),
			.channel = col_text(st, 3),
			.site = col_text(st, 4),
			.advisor = col_text(st, 5),
			.service = col_text(st, 6),
			.service_name = col_text(st, 7),
			.outcome = col_text(st, 8),
			.failure_demand = col_text_or_null(st, 9),
			.notes = col_text_or_null(st, 10),
			.duration_s = sqlite3_column_type(st, 11) == SQLITE_NULL
					      ? -1
					      : (long)sqlite3_column_int64(st, 11),
		};
		if (fn(ctx, &r))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading the contact history", e);
	return STATUS_OK;
}
