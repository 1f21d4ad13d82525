/*
 * cmd_customer.c — `frontdesk customer add|find|show|edit`.
 *
 * add and edit share one option table (one option per customer field) and
 * one checking pass: every given field is checked with customer_field_check
 * before anything is written, every refusal is reported, and a refusal
 * writes nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

#define FIND_LIMIT_DEFAULT 50
#define FIND_LIMIT_MAX 1000

static const char usage[] =
    "usage: frontdesk customer add --name NAME [FIELD OPTIONS]\n"
    "       frontdesk customer find TEXT... [--limit N] [--format table|csv|json]\n"
    "       frontdesk customer show ID [--format table|json]\n"
    "       frontdesk customer edit ID [FIELD OPTIONS] [--clear FIELD]...\n"
    "       frontdesk customer export ID [--format json|csv]\n"
    "       frontdesk customer erase ID --reason TEXT [--yes]\n"
    "\n"
    "Adds, finds, shows and edits customers' records.\n"
    "\n"
    "field options:\n"
    "  --name NAME               full name (required for add)\n"
    "  --dob YYYY-MM-DD          date of birth\n"
    "  --address TEXT            postal address\n"
    "  --postcode CODE           UK postcode, with or without the space\n"
    "  --uprn NUMBER             unique property reference number\n"
    "  --phone NUMBER            UK phone number in any common form\n"
    "  --email ADDRESS           email address\n"
    "  --preferred-channel CODE  channel code, e.g. phone or email\n"
    "  --needs NEEDS             comma-separated codes from data/needs.csv, some\n"
    "                            with a detail: hearing, sight, mobility, speech,\n"
    "                            dementia, learning, mental-health, no-internet,\n"
    "                            interpreter[:LANGUAGE], bsl, large-print,\n"
    "                            easy-read, carer[:NAME], prefers:CHANNEL\n"
    "  --needs-basis BASIS       why needs may be held (health data): consent\n"
    "                            or vital-interests; required with --needs\n"
    "  --consent TEXT            what the customer agreed to be contacted about\n"
    "\n"
    "edit also takes:\n"
    "  --clear FIELD             remove a field's value (any field but name)\n"
    "\n"
    "find searches names, addresses, postcodes, phone numbers, emails and case\n"
    "references; each word matches the start of a word (case and accents do\n"
    "not matter). --limit is 1-1000 (default 50). Its case column shows the\n"
    "case reference searched for, else the customer's newest open case; its\n"
    "needs column says yes when needs are recorded (customer show says which).\n"
    "\n"
    "export (supervisor or admin) prints everything held about the person: the\n"
    "record, contacts with their flow answers, cases with their history, and who\n"
    "looked at the record when. erase (admin) removes the person's data for good,\n"
    "keeping their contacts as anonymous figures; it asks to confirm on a\n"
    "terminal (--yes for scripts). --reason says why, never who.\n";

/* getopt values for the field options: OPT_FIELD + enum customer_field. */
enum { OPT_FIELD = 1000, OPT_CLEAR = 2000, OPT_LIMIT };

#define CUSTOMER_FIELD_OPTIONS                                                                     \
	{"name", required_argument, NULL, OPT_FIELD + CF_name},                                    \
	    {"dob", required_argument, NULL, OPT_FIELD + CF_dob},                                  \
	    {"address", required_argument, NULL, OPT_FIELD + CF_address},                          \
	    {"postcode", required_argument, NULL, OPT_FIELD + CF_postcode},                        \
	    {"uprn", required_argument, NULL, OPT_FIELD + CF_uprn},                                \
	    {"phone", required_argument, NULL, OPT_FIELD + CF_phone},                              \
	    {"email", required_argument, NULL, OPT_FIELD + CF_email},                              \
	    {"preferred-channel", required_argument, NULL, OPT_FIELD + CF_preferred_channel},      \
	    {"needs", required_argument, NULL, OPT_FIELD + CF_needs},                              \
	    {"needs-basis", required_argument, NULL, OPT_FIELD + CF_needs_basis},                  \
	{                                                                                          \
		"consent", required_argument, NULL, OPT_FIELD + CF_consent                         \
	}

static const struct option add_options[] = {
    CUSTOMER_FIELD_OPTIONS,
    {NULL, 0, NULL, 0},
};
static const struct option edit_options[] = {
    CUSTOMER_FIELD_OPTIONS,
    {"clear", required_argument, NULL, OPT_CLEAR},
    {NULL, 0, NULL, 0},
};
static const struct option find_options[] = {
    {"limit", required_argument, NULL, OPT_LIMIT},
    CLI_OPTION_FORMAT,
    {NULL, 0, NULL, 0},
};

/* What the field options asked for: a value, a clear, or nothing. */
struct field_args {
	const char *value[CF_COUNT];
	bool clear[CF_COUNT];
	bool given[CF_COUNT];
};

/* "preferred-channel" or "preferred_channel" to the field; -1 if none. */
static int field_from_option_name(const char *name)
{
	char norm[64];

	snprintf(norm, sizeof norm, "%s", name);
	for (char *p = norm; *p; p++)
		if (*p == '-')
			*p = '_';
	return customer_field_find(norm);
}

static int bad_clear(const char *name)
{
	const char *names[CF_COUNT + 1];
	char opt[CF_COUNT][32];
	const char *hint;

	for (int f = 0; f < CF_COUNT; f++) {
		snprintf(opt[f], sizeof opt[f], "%s", customer_field_name((enum customer_field)f));
		for (char *p = opt[f]; *p; p++)
			if (*p == '_')
				*p = '-';
		names[f] = opt[f];
	}
	names[CF_COUNT] = NULL;
	hint = cli_suggest(name, names);
	if (hint)
		return cli_usage(&cmd_customer, "'%s' is not a customer field; did you mean '%s'?",
				 name, hint);
	return cli_usage(&cmd_customer,
			 "'%s' is not a customer field; use one of: name, dob, address, postcode, "
			 "uprn, phone, email, preferred-channel, needs, needs-basis, consent",
			 name);
}

/* One of add's or edit's options into the field_args. */
static int field_option(struct cli_call *call, int opt, char *arg)
{
	struct field_args *fa = call->args;

	if (opt >= OPT_FIELD && opt < OPT_FIELD + CF_COUNT) {
		int f = opt - OPT_FIELD;

		fa->value[f] = arg;
		fa->given[f] = true;
		fa->clear[f] = false;
	} else if (opt == OPT_CLEAR) {
		int f = field_from_option_name(arg);

		if (f < 0)
			return bad_clear(arg);
		if (f == CF_name)
			return cli_usage(&cmd_customer,
					 "a customer's name cannot be cleared; give a "
					 "new one with --name");
		fa->value[f] = NULL;
		fa->given[f] = true;
		fa->clear[f] = true;
	}
	return -1;
}

/*
 * Checks every given field; prints each refusal and returns their number.
 * checked[f] receives the canonical value (caller frees) or NULL.
 */
static int check_fields(struct store *s, const struct field_args *fa, char *checked[CF_COUNT])
{
	int bad = 0;

	for (int f = 0; f < CF_COUNT; f++) {
		struct err e;

		checked[f] = NULL;
		if (!fa->given[f] || fa->clear[f])
			continue;
		err_clear(&e);
		if (customer_field_check((enum customer_field)f, fa->value[f], &checked[f], &e) !=
		    STATUS_OK) {
			cli_fail_err(&e);
			bad++;
			continue;
		}
		if (f == CF_needs && checked[f]) {
			char *known = NULL;

			if (store_needs_check(s, checked[f], &known, &e) != STATUS_OK) {
				cli_fail_err(&e);
				bad++;
			}
			free(checked[f]);
			checked[f] = known;
		}
		if (f == CF_preferred_channel && checked[f] &&
		    store_ref_check(s, REF_CHANNEL, checked[f], &e) != STATUS_OK) {
			cli_fail_err(&e);
			free(checked[f]);
			checked[f] = NULL;
			bad++;
		}
	}
	return bad;
}

static void free_checked(char *checked[CF_COUNT])
{
	for (int f = 0; f < CF_COUNT; f++)
		free(checked[f]);
}

static int add_check(struct cli_call *call)
{
	const struct field_args *fa = call->args;

	if (call->argc > 0)
		return cli_usage(&cmd_customer,
				 "unexpected argument '%s'; give values with "
				 "options such as --name",
				 call->argv[0]);
	if (!fa->given[CF_name] || !fa->value[CF_name] || !fa->value[CF_name][0])
		return cli_usage(&cmd_customer, "a new customer needs --name");
	return -1;
}

static int customer_add(struct cli_call *call)
{
	const struct field_args *fa = call->args;
	char *checked[CF_COUNT] = {0};
	struct customer *c = NULL;
	struct err e;
	int rc;

	if (check_fields(call->store, fa, checked) > 0) {
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	c = customer_new();
	for (int f = 0; f < CF_COUNT; f++)
		if (checked[f])
			customer_set(c, (enum customer_field)f, checked[f]);
	if (fa->given[CF_phone] && checked[CF_phone]) {
		free(c->phone_raw);
		c->phone_raw = xstrdup(fa->value[CF_phone]);
	}
	err_clear(&e);
	if (store_customer_add(call->store, c, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	printf("%s\n", c->id);
	rc = CLI_EXIT_OK;
out:
	customer_free(c);
	free_checked(checked);
	return rc;
}

static int edit_check(struct cli_call *call)
{
	const struct field_args *fa = call->args;
	const char *id;
	size_t n = 0;

	if (call->argc < 1)
		return cli_usage(&cmd_customer, "edit needs the customer's ID");
	if (call->argc > 1)
		return cli_usage(&cmd_customer, "unexpected argument '%s' after the ID",
				 call->argv[1]);
	id = call->argv[0];
	for (int f = 0; f < CF_COUNT; f++)
		if (fa->given[f])
			n++;
	if (n == 0)
		return cli_usage(
		    &cmd_customer,
		    "nothing to change; give field options such as --phone or --clear");
	if (!uuid_valid(id))
		return cli_fail("'%s' is not a customer id; find the id with: frontdesk customer "
				"find TEXT",
				id);
	if (fa->given[CF_name] && !fa->clear[CF_name] &&
	    (!fa->value[CF_name] || !fa->value[CF_name][0]))
		return cli_usage(&cmd_customer, "a customer's name cannot be cleared; give a new "
						"one with --name");
	return -1;
}

static int customer_edit(struct cli_call *call)
{
	const struct field_args *fa = call->args;
	char *checked[CF_COUNT] = {0};
	struct customer_change changes[CF_COUNT];
	struct err e;
	struct buf names;
	size_t n = 0;
	int rc;

	if (check_fields(call->store, fa, checked) > 0) {
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	buf_init(&names, 0); /* field names, CF_COUNT at most: no cap needed */
	for (int f = 0; f < CF_COUNT; f++) {
		if (!fa->given[f])
			continue;
		changes[n].field = (enum customer_field)f;
		/* The store checks again and keeps what was typed for the phone
		 * beside its E.164 form, so it gets the value as typed. */
		changes[n].value = fa->clear[f] ? NULL : fa->value[f];
		buf_printf(&names, "%s%s", n ? ", " : "",
			   customer_field_name((enum customer_field)f));
		n++;
	}
	err_clear(&e);
	if (store_customer_edit(call->store, call->argv[0], changes, n, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		printf("updated customer %s: %s\n", call->argv[0], buf_str(&names));
		rc = CLI_EXIT_OK;
	}
	buf_release(&names);
out:
	free_checked(checked);
	return rc;
}

/* ---- find ------------------------------------------------------------------ */

static int add_hit(void *ctx, const struct search_hit *hit)
{
	struct cli_table *t = ctx;
	char national[32] = "";
	const char *cells[8];

	if (hit->phone && hit->phone[0])
		phone_national(hit->phone, national, sizeof national);
	cells[0] = hit->id;
	cells[1] = hit->name;
	cells[2] = hit->dob;
	cells[3] = hit->postcode;
	cells[4] = national[0] ? national : NULL;
	cells[5] = hit->address;
	cells[6] = hit->case_ref;
	/* That there are needs, not what they are: the record shows those. */
	cells[7] = hit->needs && hit->needs[0] ? "yes" : NULL;
	cli_table_add(t, cells);
	return 0;
}

struct find_args {
	long limit;
	struct buf query;
};

static void find_init(struct cli_call *call)
{
	struct find_args *fa = call->args;

	fa->limit = FIND_LIMIT_DEFAULT;
	buf_init(&fa->query, 64 * 1024);
}

static void find_release(struct cli_call *call)
{
	struct find_args *fa = call->args;

	buf_release(&fa->query);
}

static int find_option(struct cli_call *call, int opt, char *arg)
{
	struct find_args *fa = call->args;

	if (opt == OPT_LIMIT &&
	    !cli_parse_long(&cmd_customer, "--limit", arg, 1, FIND_LIMIT_MAX, &fa->limit))
		return CLI_EXIT_USAGE;
	return -1;
}

static int find_check(struct cli_call *call)
{
	struct find_args *fa = call->args;

	if (call->argc < 1)
		return cli_usage(&cmd_customer, "find needs something to search for, such as a "
						"name, postcode or phone number");
	for (int i = 0; i < call->argc; i++)
		if (buf_printf(&fa->query, "%s%s", i > 0 ? " " : "", call->argv[i]) != STATUS_OK)
			return cli_fail("the search text is too long; search for fewer words");
	return -1;
}

static int customer_find(struct cli_call *call)
{
	static const char *const columns[] = {"id",    "name",	  "dob",  "postcode",
					      "phone", "address", "case", "needs"};
	const struct find_args *fa = call->args;
	struct cli_table *t = NULL;
	struct err e;
	int count = 0, rc;

	t = cli_table_new(columns, sizeof columns / sizeof columns[0]);
	err_clear(&e);
	if (store_customer_search(call->store, buf_str(&fa->query), (int)fa->limit, add_hit, t,
				  &count, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	/* Results name people: the search is audited (with how many it found,
	 * never what was typed) before any of them is shown. */
	if (count > 0) {
		char detail[32];

		snprintf(detail, sizeof detail, "%d results", count);
		if (store_audit(call->store, "customer.search", "customer", NULL, detail, &e) !=
		    STATUS_OK) {
			rc = cli_fail_err(&e);
			goto out;
		}
	}
	if (count == 0 && call->format == CLI_FORMAT_TABLE)
		/* The search text may be a name: not echoed. */
		fputs("frontdesk: no customer matches that search\n", stderr);
	else
		cli_table_print(t, (enum cli_format)call->format, stdout);
	rc = CLI_EXIT_OK;
out:
	cli_table_free(t);
	return rc;
}

/* ---- show ------------------------------------------------------------------ */

static void show_table(const struct customer *c)
{
	struct cli_kv rows[CF_COUNT + 3];
	char national[32] = "";
	char phone[96] = "";
	size_t n = 0;

	rows[n++] = (struct cli_kv){"id", c->id};
	for (int f = 0; f < CF_COUNT; f++) {
		const char *v = c->field[f];

		if (f == CF_phone && v) {
			phone_national(v, national, sizeof national);
			snprintf(phone, sizeof phone, "%s (%s)", national, v);
			v = phone;
		}
		rows[n++] = (struct cli_kv){customer_field_label((enum customer_field)f), v};
	}
	rows[n++] = (struct cli_kv){"created", c->created_at[0] ? c->created_at : NULL};
	rows[n++] = (struct cli_kv){"erased", c->erased ? "yes" : NULL};
	cli_kv_print(rows, n, stdout);
}

int cli_customer_one_id(struct cli_call *call)
{
	if (call->argc < 1)
		return cli_usage(&cmd_customer, "%s needs the customer's ID", call->name);
	if (call->argc > 1)
		return cli_usage(&cmd_customer, "%s takes one ID, not %d", call->name, call->argc);
	return -1;
}

static int show_check(struct cli_call *call)
{
	int rc = cli_customer_one_id(call);

	if (rc < 0 && !uuid_valid(call->argv[0]))
		return cli_fail("'%s' is not a customer id; find the id with: frontdesk customer "
				"find TEXT",
				call->argv[0]);
	return rc;
}

static int customer_show(struct cli_call *call)
{
	struct customer *cust = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	if (store_customer_get(call->store, call->argv[0], &cust, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	if (call->format == CLI_FORMAT_JSON) {
		json_t *j = (json_t *)customer_to_json(cust);
		char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

		if (!text) {
			json_decref(j);
			rc = cli_fail("cannot format customer %s as JSON; please report this",
				      cust->id);
			goto out;
		}
		printf("%s\n", text);
		free(text);
		json_decref(j);
	} else {
		show_table(cust);
	}
	rc = CLI_EXIT_OK;
out:
	customer_free(cust);
	return rc;
}

/* ---- the table ---------------------------------------------------------------- */

static const struct cli_action add_action = {
    .name = "add",
    .store = CLI_STORE_CREATE,
    .options = add_options,
    .args_size = sizeof(struct field_args),
    .option = field_option,
    .check = add_check,
    .run = customer_add,
};

static const struct cli_action find_action = {
    .name = "find",
    .store = CLI_STORE,
    .formats = "table|csv|json",
    .options = find_options,
    .args_size = sizeof(struct find_args),
    .init = find_init,
    .option = find_option,
    .check = find_check,
    .run = customer_find,
    .release = find_release,
};

static const struct cli_action show_action = {
    .name = "show",
    .store = CLI_STORE,
    .formats = "table|json",
    .options = cli_format_options,
    .check = show_check,
    .run = customer_show,
};

static const struct cli_action edit_action = {
    .name = "edit",
    .store = CLI_STORE,
    .options = edit_options,
    .args_size = sizeof(struct field_args),
    .option = field_option,
    .check = edit_check,
    .run = customer_edit,
};

/* export and erase (data protection) are cmd_privacy.c's. */
static const struct cli_action *const actions[] = {
    &add_action,
    &find_action,
    &show_action,
    &edit_action,
    &customer_export_action,
    &customer_erase_action,
    NULL,
};

const struct cli_command cmd_customer = {
    .name = "customer",
    .summary = "add, find, show, edit, export and erase customers",
    .usage = usage,
    .actions = actions,
};
