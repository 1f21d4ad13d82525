/*
 * util.c — what every subcommand shares: error and usage messages, opening
 * the store, option-parsing helpers, "did you mean", and the list printer
 * (table aligned by display width, RFC 4180 CSV, JSON).
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include <jansson.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

/* ---- messages ------------------------------------------------------------ */

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("frontdesk: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (cmd)
		fprintf(stderr, "frontdesk %s: ", cmd->name);
	else
		fputs("frontdesk: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, " (see 'frontdesk help %s')\n", cmd->name);
	else
		fputs(" (see 'frontdesk --help')\n", stderr);
	return CLI_EXIT_USAGE;
}

int cli_fail_err(const struct err *e)
{
	char text[ERR_MSG_MAX + ERR_FILE_MAX + 64];

	if (!e || (!e->msg[0] && e->code == STATUS_OK))
		return cli_fail("failed for an unknown reason; please report this");
	if (e->msg[0])
		err_format(e, text, sizeof text);
	else
		snprintf(text, sizeof text, "%s", status_message(e->code));
	return cli_fail("%s", text);
}

int cli_help(const struct cli_command *cmd)
{
	fputs(cmd->usage, stdout);
	if (cmd->usage[0] && cmd->usage[strlen(cmd->usage) - 1] != '\n')
		fputc('\n', stdout);
	return CLI_EXIT_OK;
}

/* ---- opening the store ----------------------------------------------------- */

static void cli_actor(char *out, size_t outsz)
{
	const struct passwd *pw = getpwuid(geteuid());

	if (pw && pw->pw_name && pw->pw_name[0])
		snprintf(out, outsz, "cli:%s", pw->pw_name);
	else
		snprintf(out, outsz, "cli:uid%ld", (long)geteuid());
}

struct store *cli_open_store(const struct cli_global *g, int flags)
{
	struct err e;
	struct store *s = NULL;
	char path[4096];
	char actor[300];

	err_clear(&e);
	if (store_resolve_path(g ? g->db_path : NULL, path, sizeof path, &e) != STATUS_OK) {
		cli_fail_err(&e);
		return NULL;
	}
	if (store_open(path, flags, &s, &e) != STATUS_OK) {
		cli_fail_err(&e);
		store_close(s);
		return NULL;
	}
	cli_actor(actor, sizeof actor);
	/* Who acts, and with which role (identity.c). */
	if (!cli_identify(s, g, actor)) {
		store_close(s);
		return NULL;
	}
	return s;
}

/* ---- option parsing -------------------------------------------------------- */

void cli_getopt_reset(void)
{
	optind = 0; /* GNU: 0 re-initialises the whole parser */
	opterr = 0;
}

int cli_bad_option(const struct cli_command *cmd, int c, char **argv, const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char name[128];
	const char *eq;
	const char *hint;

	if (c == ':') {
		if (optopt && !(arg[0] == '-' && arg[1] == '-'))
			return cli_usage(cmd, "option '-%c' needs a value", optopt);
		return cli_usage(cmd, "option '%s' needs a value", arg);
	}
	if (optopt && !(arg[0] == '-' && arg[1] == '-'))
		return cli_usage(cmd, "unknown option '-%c'", optopt);
	/* Long option: strip "--" and any "=value" for the suggestion. */
	snprintf(name, sizeof name, "%s", arg[0] == '-' && arg[1] == '-' ? arg + 2 : arg);
	eq = strchr(name, '=');
	if (eq)
		name[eq - name] = '\0';
	hint = cli_suggest_option(name, longopts);
	if (optopt && hint) /* a known option given a value it takes none of */
		return cli_usage(cmd, "option '--%s' takes no value", name);
	if (hint)
		return cli_usage(cmd, "unknown option '--%s'; did you mean '--%s'?", name, hint);
	return cli_usage(cmd, "unknown option '--%s'", name);
}

bool cli_parse_long(const struct cli_command *cmd, const char *what, const char *s, long min,
		    long max, long *out)
{
	struct err e;

	err_clear(&e);
	if (valid_int(what, s, min, max, out, &e) != STATUS_OK) {
		if (e.msg[0])
			cli_usage(cmd, "%s", e.msg);
		else
			cli_usage(cmd, "%s must be a whole number from %ld to %ld, not '%s'", what,
				  min, max, s);
		return false;
	}
	return true;
}

/* ---- did you mean ------------------------------------------------------------ */

const char *cli_suggest(const char *word, const char *const *names)
{
	size_t n = 0;

	while (names[n])
		n++;
	return text_suggest(word, names, n);
}

const char *cli_suggest_option(const char *word, const struct option *longopts)
{
	const char *names[64];
	size_t n = 0;

	for (; longopts && longopts[n].name && n < sizeof names / sizeof names[0]; n++)
		names[n] = longopts[n].name;
	return text_suggest(word, names, n);
}

int cli_action_find(const struct cli_command *cmd, const char *word, const char *const *names)
{
	const char *hint;
	struct buf list;
	int rc;

	for (int i = 0; names[i]; i++)
		if (strcmp(word, names[i]) == 0)
			return i;
	hint = cli_suggest(word, names);
	if (hint) {
		cli_usage(cmd, "unknown action '%s'; did you mean '%s'?", word, hint);
		return -1;
	}
	buf_init(&list, 0); /* the table's own names: no cap needed */
	for (int i = 0; names[i]; i++)
		buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
	rc = -1;
	cli_usage(cmd, "unknown action '%s'; use one of: %s", word, buf_str(&list));
	buf_release(&list);
	return rc;
}

/* ---- display width ----------------------------------------------------------- */

size_t cli_text_width(const char *s)
{
	mbstate_t st;
	size_t width = 0;
	const char *p = s;
	size_t left = strlen(s);

	memset(&st, 0, sizeof st);
	while (left > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, p, left, &st);
		int w;

		if (n == (size_t)-1 || n == (size_t)-2) {
			/* Not valid in this locale: one column per byte. */
			memset(&st, 0, sizeof st);
			width++;
			p++;
			left--;
			continue;
		}
		if (n == 0)
			break;
		w = wcwidth(wc);
		width += w < 0 ? 1 : (size_t)w;
		p += n;
		left -= n;
	}
	return width;
}

void cli_kv_print(const struct cli_kv *rows, size_t n, FILE *out)
{
	size_t width = 0;

	for (size_t i = 0; i < n; i++) {
		size_t w = cli_text_width(rows[i].label);

		if (rows[i].value && w > width)
			width = w;
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = rows[i].value;

		if (!v)
			continue;
		fputs(rows[i].label, out);
		for (size_t w = cli_text_width(rows[i].label); w < width + 2; w++)
			fputc(' ', out);
		/* Continue multi-line values under the value column. */
		for (; *v; v++) {
			fputc(*v, out);
			if (*v == '\n' && v[1])
				for (size_t w = 0; w < width + 2; w++)
					fputc(' ', out);
		}
		fputc('\n', out);
	}
}

/* ---- list output --------------------------------------------------------------- */

int cli_format_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "table") == 0)
		return CLI_FORMAT_TABLE;
	if (strcmp(s, "csv") == 0)
		return CLI_FORMAT_CSV;
	if (strcmp(s, "json") == 0)
		return CLI_FORMAT_JSON;
	return -1;
}

struct cli_table {
	char **columns;
	size_t ncolumns;
	char **cells; /* nrows * ncolumns, NULL for a missing value */
	size_t nrows;
	size_t alloc_rows;
};

struct cli_table *cli_table_new(const char *const *columns, size_t ncolumns)
{
	struct cli_table *t = xcalloc(1, sizeof *t);

	t->columns = xcalloc(ncolumns ? ncolumns : 1, sizeof *t->columns);
	t->ncolumns = ncolumns;
	for (size_t i = 0; i < ncolumns; i++)
		t->columns[i] = xstrdup(columns[i]);
	return t;
}

void cli_table_add(struct cli_table *t, const char *const *cells)
{
	if (t->nrows == t->alloc_rows) {
		t->alloc_rows = t->alloc_rows ? t->alloc_rows * 2 : 16;
		t->cells = xrealloc(t->cells, t->alloc_rows * t->ncolumns * sizeof *t->cells +
						  sizeof *t->cells);
	}
	for (size_t i = 0; i < t->ncolumns; i++)
		t->cells[t->nrows * t->ncolumns + i] = cells[i] ? xstrdup(cells[i]) : NULL;
	t->nrows++;
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncolumns; i++)
		free(t->cells[i]);
	for (size_t i = 0; i < t->ncolumns; i++)
		free(t->columns[i]);
	free(t->cells);
	free(t->columns);
	free(t);
}

/* A cell as one table line: newlines and tabs become spaces. Caller frees. */
static char *table_cell_text(const char *s)
{
	char *out = xstrdup(s ? s : "");

	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return out;
}

static void print_padded(const char *text, size_t width, bool last, FILE *out)
{
	fputs(text, out);
	if (last)
		return;
	for (size_t w = cli_text_width(text); w < width + 2; w++)
		fputc(' ', out);
}

static void table_print_aligned(const struct cli_table *t, FILE *out)
{
	size_t *width = xcalloc(t->ncolumns ? t->ncolumns : 1, sizeof *width);
	char **text = xcalloc(t->nrows * t->ncolumns + 1, sizeof *text);
	size_t last_used = 0;

	for (size_t c = 0; c < t->ncolumns; c++)
		width[c] = cli_text_width(t->columns[c]);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncolumns; c++) {
			size_t i = r * t->ncolumns + c;
			size_t w;

			text[i] = table_cell_text(t->cells[i]);
			w = cli_text_width(text[i]);
			if (w > width[c])
				width[c] = w;
		}
	if (t->ncolumns)
		last_used = t->ncolumns - 1;
	for (size_t c = 0; c < t->ncolumns; c++)
		print_padded(t->columns[c], width[c], c == last_used, out);
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		/* Trailing blank cells leave no trailing spaces. */
		size_t end = t->ncolumns;

		while (end > 1 && !text[r * t->ncolumns + end - 1][0])
			end--;
		for (size_t c = 0; c < end; c++)
			print_padded(text[r * t->ncolumns + c], width[c], c == end - 1, out);
		fputc('\n', out);
	}
	for (size_t i = 0; i < t->nrows * t->ncolumns; i++)
		free(text[i]);
	free(text);
	free(width);
}

/* Through core's CSV writer: RFC 4180 quoting, formulas neutralised. */
static void table_print_csv(const struct cli_table *t, FILE *out)
{
	struct csv_writer w;

	csv_writer_init(&w, out);
	csv_writer_row(&w, (const char *const *)t->columns, t->ncolumns);
	for (size_t r = 0; r < t->nrows; r++)
		csv_writer_row(&w, (const char *const *)&t->cells[r * t->ncolumns], t->ncolumns);
	csv_writer_release(&w);
}

static void table_print_json(const struct cli_table *t, FILE *out)
{
	json_t *array = json_array();
	char *text;

	for (size_t r = 0; r < t->nrows; r++) {
		json_t *obj = json_object();

		for (size_t c = 0; c < t->ncolumns; c++) {
			const char *v = t->cells[r * t->ncolumns + c];
			json_t *jv = v ? json_string(v) : json_null();

			/* json_string refuses invalid UTF-8; keep the key either way. */
			json_object_set_new(obj, t->columns[c], jv ? jv : json_null());
		}
		json_array_append_new(array, obj);
	}
	text = json_dumps(array, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		die("out of memory formatting JSON");
	fputs(text, out);
	fputc('\n', out);
	free(text);
	json_decref(array);
}

void cli_table_print(const struct cli_table *t, enum cli_format f, FILE *out)
{
	switch (f) {
	case CLI_FORMAT_CSV:
		table_print_csv(t, out);
		break;
	case CLI_FORMAT_JSON:
		table_print_json(t, out);
		break;
	case CLI_FORMAT_TABLE:
	default:
		table_print_aligned(t, out);
		break;
	}
}

/* ---- ingest helpers -------------------------------------------------------------- */

size_t cli_print_problems(const struct err_list *el)
{
	struct buf text;

	if (!el || err_list_total(el) == 0)
		return 0;
	buf_init(&text, 1024 * 1024);
	ingest_errors_format(el, &text);
	fflush(stdout);
	fputs(buf_str(&text), stderr);
	if (text.len && buf_str(&text)[text.len - 1] != '\n')
		fputc('\n', stderr);
	buf_release(&text);
	return el->count;
}

static int count_ref(void *ctx, const char *code, const char *name)
{
	(void)code;
	(void)name;
	(*(long *)ctx)++;
	return 0;
}

void cli_refdata_summary(struct store *s, char *out, size_t outsz)
{
	static const struct {
		enum ref_kind kind;
		const char *one, *many;
	} kinds[] = {
	    {REF_SERVICE, "service", "services"},
	    {REF_TEAM, "team", "teams"},
	    {REF_SITE, "site", "sites"},
	    {REF_CHANNEL, "channel", "channels"},
	    {REF_OUTCOME, "outcome", "outcomes"},
	    {REF_FAILURE, "failure-demand reason", "failure-demand reasons"},
	};
	struct buf b;
	struct date *hol = NULL;
	size_t nhol = 0;

	buf_init(&b, 0); /* seven counts and the holidays: no cap needed */
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		long n = 0;

		if (store_ref_list(s, kinds[i].kind, count_ref, &n, NULL) != STATUS_OK)
			n = 0;
		buf_printf(&b, "%s%ld %s", i ? ", " : "", n, n == 1 ? kinds[i].one : kinds[i].many);
	}
	if (store_holidays(s, &hol, &nhol, NULL) == STATUS_OK)
		buf_printf(&b, ", %zu bank holiday%s", nhol, nhol == 1 ? "" : "s");
	free(hol);
	snprintf(out, outsz, "%s", buf_str(&b));
	buf_release(&b);
}

#ifndef FRONTDESK_SHAREDIR
#define FRONTDESK_SHAREDIR "/usr/local/share/frontdesk"
#endif

bool cli_refdata_dir_check(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0) {
		cli_fail("no reference data folder '%s' (%s); give the folder that holds "
			 "services.csv",
			 dir, strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		cli_fail("'%s' is not a folder; give the folder that holds services.csv", dir);
		return false;
	}
	return true;
}

void cli_refdata_dir(const char *explicit_dir, char *out, size_t outsz)
{
	const char *env = getenv("FRONTDESK_DATA");

	if (explicit_dir)
		snprintf(out, outsz, "%s", explicit_dir);
	else if (env && env[0])
		snprintf(out, outsz, "%s", env);
	else if (access("data/services.csv", R_OK) == 0)
		snprintf(out, outsz, "data");
	else
		snprintf(out, outsz, "%s/data", FRONTDESK_SHAREDIR);
}
