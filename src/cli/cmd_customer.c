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
    "  --needs FLAGS             comma-separated: hearing, sight, dementia,\n"
    "                            no-internet, interpreter[:LANGUAGE], carer,\n"
    "                            mobility, learning\n"
    "  --consent TEXT            what the customer agreed to be contacted about\n"
    "\n"
    "edit also takes:\n"
    "  --clear FIELD             remove a field's value (any field but name)\n"
    "\n"
    "find searches names, addresses, postcodes, phone numbers, emails and case\n"
    "references; each word matches the start of a word (case and accents do\n"
    "not matter). --limit is 1-1000 (default 50).\n"
    "\n"
    "export (supervisor or admin) prints everything held about the person: the\n"
    "record, contacts with their flow answers, cases with their history, and who\n"
    "looked at the record when. erase (admin) removes the person's data for good,\n"
    "keeping their contacts as anonymous figures; it asks to confirm on a\n"
    "terminal (--yes for scripts). --reason says why, never who.\n";

/* getopt values for the field options: OPT_FIELD + enum customer_field. */
enum { OPT_FIELD = 1000, OPT_CLEAR = 2000, OPT_LIMIT, OPT_FORMAT };

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
	{                                                                                          \
		"consent", required_argument, NULL, OPT_FIELD + CF_consent                         \
	}

static const struct option add_options[] = {
    CUSTOMER_FIELD_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const struct option edit_options[] = {
    CUSTOMER_FIELD_OPTIONS,
    {"clear", required_argument, NULL, OPT_CLEAR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const struct option find_options[] = {
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const struct option show_options[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
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
			 "uprn, phone, email, preferred-channel, needs, consent",
			 name);
}

/*
 * Parses add's or edit's options into fa. argv[0] is the action word; for
 * edit the ID is left as the one operand. Returns -1 to go on, or an exit.
 */
static int parse_field_options(int argc, char **argv, const struct option *opts,
			       struct field_args *fa, int *operand_index)
{
	int c;

	memset(fa, 0, sizeof *fa);
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_customer);
		if (c >= OPT_FIELD && c < OPT_FIELD + CF_COUNT) {
			int f = c - OPT_FIELD;

			fa->value[f] = optarg;
			fa->given[f] = true;
			fa->clear[f] = false;
		} else if (c == OPT_CLEAR) {
			int f = field_from_option_name(optarg);

			if (f < 0)
				return bad_clear(optarg);
			if (f == CF_name)
				return cli_usage(&cmd_customer,
						 "a customer's name cannot be cleared; give a new "
						 "one with --name");
			fa->value[f] = NULL;
			fa->given[f] = true;
			fa->clear[f] = true;
		} else {
			return cli_bad_option(&cmd_customer, c, argv, opts);
		}
	}
	*operand_index = optind;
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

static int customer_add(const struct cli_global *g, int argc, char **argv)
{
	struct field_args fa;
	char *checked[CF_COUNT] = {0};
	struct customer *c = NULL;
	struct store *s = NULL;
	struct err e;
	int operand, rc;

	rc = parse_field_options(argc, argv, add_options, &fa, &operand);
	if (rc >= 0)
		return rc;
	if (operand < argc)
		return cli_usage(&cmd_customer,
				 "unexpected argument '%s'; give values with "
				 "options such as --name",
				 argv[operand]);
	if (!fa.given[CF_name] || !fa.value[CF_name] || !fa.value[CF_name][0])
		return cli_usage(&cmd_customer, "a new customer needs --name");
	s = cli_open_store(g, 0);
	if (!s)
		return EXIT_FAIL;
	if (check_fields(s, &fa, checked) > 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	c = customer_new();
	for (int f = 0; f < CF_COUNT; f++)
		if (checked[f])
			customer_set(c, (enum customer_field)f, checked[f]);
	if (fa.given[CF_phone] && checked[CF_phone]) {
		free(c->phone_raw);
		c->phone_raw = xstrdup(fa.value[CF_phone]);
	}
	err_clear(&e);
	if (store_customer_add(s, c, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	printf("%s\n", c->id);
	rc = EXIT_OK;
out:
	customer_free(c);
	free_checked(checked);
	store_close(s);
	return rc;
}

static int customer_edit(const struct cli_global *g, int argc, char **argv)
{
	struct field_args fa;
	char *checked[CF_COUNT] = {0};
	struct customer_change changes[CF_COUNT];
	struct store *s = NULL;
	struct err e;
	struct buf names;
	const char *id;
	size_t n = 0;
	int operand, rc;

	rc = parse_field_options(argc, argv, edit_options, &fa, &operand);
	if (rc >= 0)
		return rc;
	if (operand >= argc)
		return cli_usage(&cmd_customer, "edit needs the customer's ID");
	if (operand + 1 < argc)
		return cli_usage(&cmd_customer, "unexpected argument '%s' after the ID",
				 argv[operand + 1]);
	id = argv[operand];
	for (int f = 0; f < CF_COUNT; f++)
		if (fa.given[f])
			n++;
	if (n == 0)
		return cli_usage(
		    &cmd_customer,
		    "nothing to change; give field options such as --phone or --clear");
	if (!uuid_valid(id))
		return cli_fail("'%s' is not a customer id; find the id with: frontdesk customer "
				"find TEXT",
				id);
	if (fa.given[CF_name] && !fa.clear[CF_name] &&
	    (!fa.value[CF_name] || !fa.value[CF_name][0]))
		return cli_usage(&cmd_customer, "a customer's name cannot be cleared; give a new "
						"one with --name");
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	if (check_fields(s, &fa, checked) > 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	buf_init(&names, 4096);
	n = 0;
	for (int f = 0; f < CF_COUNT; f++) {
		if (!fa.given[f])
			continue;
		changes[n].field = (enum customer_field)f;
		/* The store checks again and keeps what was typed for the phone
		 * beside its E.164 form, so it gets the value as typed. */
		changes[n].value = fa.clear[f] ? NULL : fa.value[f];
		buf_printf(&names, "%s%s", n ? ", " : "",
			   customer_field_name((enum customer_field)f));
		n++;
	}
	err_clear(&e);
	if (store_customer_edit(s, id, changes, n, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		printf("updated customer %s: %s\n", id, buf_str(&names));
		rc = EXIT_OK;
	}
	buf_release(&names);
out:
	free_checked(checked);
	store_close(s);
	return rc;
}

/* ---- find ------------------------------------------------------------------ */

static int add_hit(void *ctx, const struct search_hit *hit)
{
	struct cli_table *t = ctx;
	char national[32] = "";
	const char *cells[7];

	if (hit->phone && hit->phone[0])
		phone_national(hit->phone, national, sizeof national);
	cells[0] = hit->id;
	cells[1] = hit->name;
	cells[2] = hit->dob;
	cells[3] = hit->postcode;
	cells[4] = national[0] ? national : NULL;
	cells[5] = hit->address;
	cells[6] = hit->matched_ref;
	cli_table_add(t, cells);
	return 0;
}

static int parse_format(const char *arg, bool list, int *format)
{
	int f = cli_format_parse(arg);

	if (f < 0 || (!list && f == FORMAT_CSV))
		return cli_usage(&cmd_customer, "unknown format '%s'; use %s", arg,
				 list ? "table, csv or json" : "table or json");
	*format = f;
	return -1;
}

static int customer_find(const struct cli_global *g, int argc, char **argv)
{
	static const char *const columns[] = {"id",    "name",	  "dob", "postcode",
					      "phone", "address", "case"};
	struct cli_table *t = NULL;
	struct store *s = NULL;
	struct buf query;
	struct err e;
	long limit = FIND_LIMIT_DEFAULT;
	int format = FORMAT_TABLE;
	int c, count = 0, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", find_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_customer);
		if (c == OPT_LIMIT) {
			if (!cli_parse_long(&cmd_customer, "--limit", optarg, 1, FIND_LIMIT_MAX,
					    &limit))
				return EXIT_USAGE;
		} else if (c == OPT_FORMAT) {
			rc = parse_format(optarg, true, &format);
			if (rc >= 0)
				return rc;
		} else {
			return cli_bad_option(&cmd_customer, c, argv, find_options);
		}
	}
	if (optind >= argc)
		return cli_usage(&cmd_customer, "find needs something to search for, such as a "
						"name, postcode or phone number");
	buf_init(&query, 64 * 1024);
	for (int i = optind; i < argc; i++)
		if (buf_printf(&query, "%s%s", i > optind ? " " : "", argv[i]) != STATUS_OK) {
			buf_release(&query);
			return cli_fail("the search text is too long; search for fewer words");
		}
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s) {
		buf_release(&query);
		return EXIT_FAIL;
	}
	t = cli_table_new(columns, sizeof columns / sizeof columns[0]);
	err_clear(&e);
	if (store_customer_search(s, buf_str(&query), (int)limit, add_hit, t, &count, &e) !=
	    STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	/* Results name people: the search is audited (with how many it found,
	 * never what was typed) before any of them is shown. */
	if (count > 0) {
		char detail[32];

		snprintf(detail, sizeof detail, "%d results", count);
		if (store_audit(s, "customer.search", "customer", NULL, detail, &e) != STATUS_OK) {
			rc = cli_fail_err(&e);
			goto out;
		}
	}
	if (count == 0 && format == FORMAT_TABLE)
		/* The search text may be a name: not echoed (issue 7). */
		fputs("frontdesk: no customer matches that search\n", stderr);
	else
		cli_table_print(t, (enum cli_format)format, stdout);
	rc = EXIT_OK;
out:
	cli_table_free(t);
	store_close(s);
	buf_release(&query);
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

static int customer_show(const struct cli_global *g, int argc, char **argv)
{
	struct customer *cust = NULL;
	struct store *s = NULL;
	struct err e;
	int format = FORMAT_TABLE;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", show_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_customer);
		if (c == OPT_FORMAT) {
			rc = parse_format(optarg, false, &format);
			if (rc >= 0)
				return rc;
		} else {
			return cli_bad_option(&cmd_customer, c, argv, show_options);
		}
	}
	if (optind >= argc)
		return cli_usage(&cmd_customer, "show needs the customer's ID");
	if (optind + 1 < argc)
		return cli_usage(&cmd_customer, "show takes one ID, not %d", argc - optind);
	if (!uuid_valid(argv[optind]))
		return cli_fail("'%s' is not a customer id; find the id with: frontdesk customer "
				"find TEXT",
				argv[optind]);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	err_clear(&e);
	if (store_customer_get(s, argv[optind], &cust, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	if (format == FORMAT_JSON) {
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
	rc = EXIT_OK;
out:
	customer_free(cust);
	store_close(s);
	return rc;
}

/* ---- dispatch ---------------------------------------------------------------- */

static int run(const struct cli_global *g, int argc, char **argv)
{
	static const char *const actions[] = {"add",	"find",	 "show", "edit",
					      "export", "erase", NULL};

	if (argc < 2)
		return cli_usage(&cmd_customer,
				 "give an action: add, find, show, edit, export or erase");
	switch (cli_action_find(&cmd_customer, argv[1], actions)) {
	case 0:
		return customer_add(g, argc - 1, argv + 1);
	case 1:
		return customer_find(g, argc - 1, argv + 1);
	case 2:
		return customer_show(g, argc - 1, argv + 1);
	case 3:
		return customer_edit(g, argc - 1, argv + 1);
	case 4: /* data protection (issue 7): cmd_privacy.c */
		return customer_export_run(g, argc - 1, argv + 1);
	case 5:
		return customer_erase_run(g, argc - 1, argv + 1);
	default:
		return EXIT_USAGE;
	}
}

const struct cli_command cmd_customer = {
    .name = "customer",
    .summary = "add, find, show, edit, export and erase customers",
    .usage = usage,
    .run = run,
};
