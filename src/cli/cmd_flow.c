/*
 * cmd_flow.c — `frontdesk flow check|list|show|graph`: the FAQ flows in
 * forms/ as files. check reports every problem compiler-style; list, show
 * and graph let a supervisor proof-read a flow without running it.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontdesk/cli.h"
#include "frontdesk/flow.h"
#include "cli_util.h"

static const char usage[] =
	"usage: frontdesk flow check [PATH...]\n"
	"       frontdesk flow list [PATH...] [--format table|csv|json]\n"
	"       frontdesk flow show ID|FILE [--from PATH]\n"
	"       frontdesk flow graph ID|FILE [--from PATH]\n"
	"       frontdesk flow load [PATH...]\n"
	"\n"
	"FAQ flows are the scripts in forms/*.yaml (see man 5 frontdesk-flow).\n"
	"\n"
	"  check  reads every flow in PATH (files or folders; default forms/) and\n"
	"         prints every problem as FILE:LINE:COL: message; exits 1 if any.\n"
	"         Service and team codes are checked against the database's\n"
	"         reference data when there is a database.\n"
	"  list   id, version, title and service of each flow.\n"
	"  show   the flow as an indented outline to proof-read.\n"
	"  graph  the flow as a Graphviz graph: frontdesk flow graph ID | dot -Tsvg\n"
	"  load   checks every flow in PATH (default forms/) against the database and\n"
	"         stores them, versioned, for the console: all or nothing. The same\n"
	"         version again changes nothing; a changed flow needs a new version.\n"
	"\n"
	"  --from PATH  where show and graph look for ID (default forms/)\n";

enum { OPT_FROM = 1000 };

static const struct option show_options[] = {
    {"from", required_argument, NULL, OPT_FROM},
    {NULL, 0, NULL, 0},
};

/* forms/ in the working folder, else the installed copy. */
static const char *default_forms(void)
{
	struct stat st;
	if (stat("forms", &st) == 0 && S_ISDIR(st.st_mode))
		return "forms";
	return FRONTDESK_SHAREDIR "/forms";
}

static void print_problems(struct err_list *errs)
{
	char line[ERR_MSG_MAX + ERR_FILE_MAX + 32];

	err_list_sort(errs);
	for (size_t i = 0; i < errs->count; i++) {
		err_format(&errs->items[i], line, sizeof line);
		fprintf(stderr, "%s\n", line);
	}
	if (errs->dropped)
		fprintf(stderr, "... and %zu more problem%s\n", errs->dropped,
			errs->dropped == 1 ? "" : "s");
}

/* Loads every PATH (or the default folder) into set; problems to errs. */
static void load_paths(struct flow_set *set, int argc, char **argv, struct err_list *errs)
{
	if (argc == 0)
		flow_set_load_path(set, default_forms(), errs);
	for (int i = 0; i < argc; i++)
		flow_set_load_path(set, argv[i], errs);
}

/* ---- check ------------------------------------------------------------- */

static bool code_exists(void *ctx, enum flow_code_kind kind, const char *code)
{
	return store_ref_exists(ctx, kind == FLOW_CODE_TEAM ? REF_TEAM : REF_SERVICE, code);
}

/* The store for code checks, or NULL with a note on stderr saying why the
 * codes go unchecked. */
static struct store *open_codes(const struct cli_global *g)
{
	char path[4096];
	struct err e;
	struct stat st;
	struct store *s;

	err_clear(&e);
	if (store_resolve_path(g ? g->db_path : NULL, path, sizeof path, &e) != STATUS_OK ||
	    stat(path, &st) != 0) {
		fprintf(stderr,
			"frontdesk: note: no database%s%s%s, so service and team codes were not "
			"checked; run 'frontdesk init' to check them too\n",
			path[0] ? " at '" : "", path[0] ? path : "", path[0] ? "'" : "");
		return NULL;
	}
	s = cli_open_store(g, STORE_READONLY | STORE_NO_CREATE);
	if (!s)
		fprintf(stderr, "frontdesk: note: service and team codes were not checked\n");
	return s;
}

/* The store is optional here: opened by open_codes when there is one. */
static int flow_cmd_check(struct cli_call *call)
{
	struct flow_set set;
	struct err_list errs;
	struct flow_codes codes = { code_exists, NULL };
	struct store *s;
	size_t total;

	flow_set_init(&set);
	err_list_init(&errs, FLOW_ERRORS_MAX);
	load_paths(&set, call->argc, call->argv, &errs);
	s = open_codes(call->g);
	codes.ctx = s;
	flow_set_check(&set, s ? &codes : NULL, &errs);
	store_close(s);
	total = err_list_total(&errs);
	print_problems(&errs);
	if (total)
		fprintf(stderr, "frontdesk: %zu problem%s in %zu file%s; fix them and check again\n",
			total, total == 1 ? "" : "s", set.nfiles, set.nfiles == 1 ? "" : "s");
	else
		printf("%zu flow%s in %zu file%s: no problems\n", set.count,
		       set.count == 1 ? "" : "s", set.nfiles, set.nfiles == 1 ? "" : "s");
	err_list_release(&errs);
	flow_set_release(&set);
	return total ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---- list -------------------------------------------------------------- */

static int flow_cmd_list(struct cli_call *call)
{
	static const char *const columns[] = { "id", "version", "title", "service" };
	struct flow_set set;
	struct err_list errs;
	struct cli_table *t;
	int rc;

	flow_set_init(&set);
	err_list_init(&errs, FLOW_ERRORS_MAX);
	load_paths(&set, call->argc, call->argv, &errs);
	t = cli_table_new(columns, 4);
	for (size_t i = 0; i < set.count; i++) {
		const struct flow *f = set.flows[i];
		char version[32];
		const char *cells[4];
		snprintf(version, sizeof version, "%ld", f->version);
		cells[0] = f->id ? f->id : "";
		cells[1] = version;
		cells[2] = f->title ? f->title : "";
		cells[3] = f->service ? f->service : "";
		cli_table_add(t, cells);
	}
	cli_table_print(t, (enum cli_format)call->format, stdout);
	cli_table_free(t);
	if (errs.count)
		fprintf(stderr,
			"frontdesk: some flows have problems; run 'frontdesk flow check' to see "
			"them\n");
	rc = errs.count ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	err_list_release(&errs);
	flow_set_release(&set);
	return rc;
}

/* ---- finding one flow -------------------------------------------------- */

static bool looks_like_file(const char *s)
{
	size_t n = strlen(s);
	return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(s + n - 4, ".yml"));
}

/*
 * Loads the flow ID (from PATH or the default folder) or the file ID into
 * set; returns it, or NULL after printing why not.
 */
static const struct flow *find_one(struct flow_set *set, const char *id, const char *from)
{
	struct err_list errs;
	const struct flow *f;

	err_list_init(&errs, FLOW_ERRORS_MAX);
	flow_set_load_path(set, looks_like_file(id) ? id : (from ? from : default_forms()),
			   &errs);
	f = looks_like_file(id) ? (set->count ? set->flows[0] : NULL) : flow_set_find(set, id);
	if (!f) {
		if (looks_like_file(id))
			print_problems(&errs);
		if (looks_like_file(id))
			cli_fail("cannot read a flow from '%s' (problems above); fix them and try "
				 "again",
				 id);
		else
			cli_fail("no flow '%s' in %s; see 'frontdesk flow list'", id,
				 from ? from : default_forms());
	} else if (f->nload_errors) {
		print_problems(&errs);
		cli_fail("flow '%s' has problems (above); showing what could be read", id);
	}
	err_list_release(&errs);
	return f;
}

/* show and graph: one ID or FILE, and where to look for an ID. */
static int one_option(struct cli_call *call, int opt, char *arg)
{
	const char **from = call->args;

	if (opt == OPT_FROM)
		*from = arg;
	return -1;
}

static int one_check(struct cli_call *call)
{
	if (call->argc != 1)
		return cli_usage(&cmd_flow, "%s takes one flow id (or file)", call->name);
	return -1;
}

/* Finds the one flow and hands it to out; exits 1 when it has problems. */
static int one_flow(struct cli_call *call, void (*out)(const struct flow *f))
{
	const char *const *from = call->args;
	struct flow_set set;
	const struct flow *f;
	int rc;

	flow_set_init(&set);
	f = find_one(&set, call->argv[0], *from);
	if (f)
		out(f);
	rc = f && !f->nload_errors ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	flow_set_release(&set);
	return rc;
}

/* ---- show -------------------------------------------------------------- */

static void show_outcome(const struct flow_outcome *o, const char *indent)
{
	printf("=> %s", flow_outcome_name(o->kind));
	if (o->team)
		printf(" to %s", o->team);
	printf("\n");
	if (o->reason)
		printf("%sreason: %s\n", indent, o->reason);
	if (o->where)
		printf("%swhere: %s\n", indent, o->where);
	if (o->url)
		printf("%sweb page: %s\n", indent, o->url);
	if (o->summary)
		printf("%ssummary: %s\n", indent, o->summary);
}

static void show_field(const struct flow_field *fd)
{
	printf("    - %s (%s): %s, %s, %s", fd->label, fd->name, flow_field_type_name(fd->type),
	       fd->required ? "required" : "optional", fd->personal ? "personal" : "not personal");
	if (fd->type == FLOW_FIELD_TEXT)
		printf(", up to %zu characters", fd->max_length);
	for (int i = 0; i < 2; i++) {
		bool has = i ? fd->has_max : fd->has_min;
		long v = i ? fd->max : fd->min;
		const char *word = i ? "at most" : "at least";
		if (!has)
			continue;
		if (fd->type == FLOW_FIELD_MONEY)
			printf(", %s \xC2\xA3%ld.%02ld", word, v / 100, v % 100);
		else
			printf(", %s %ld", word, v);
	}
	for (int i = 0; i < 2; i++) {
		const struct flow_date_bound *b = i ? &fd->not_after : &fd->not_before;
		char d[16];
		if (b->kind == FLOW_DATE_NONE)
			continue;
		printf(", not %s ", i ? "after" : "before");
		if (b->kind == FLOW_DATE_FIXED) {
			date_format(b->date, d, sizeof d);
			printf("%s", d);
		} else if (b->offset_days) {
			printf("today %c %d days", b->offset_days < 0 ? '-' : '+',
			       abs(b->offset_days));
		} else {
			printf("today");
		}
	}
	if (fd->noptions && fd->type == FLOW_FIELD_CHOICE) {
		printf(", one of: ");
		for (size_t i = 0; i < fd->noptions; i++)
			printf("%s%s", i ? " / " : "", fd->options[i]);
	}
	printf("\n");
	if (fd->hint)
		printf("      hint: %s\n", fd->hint);
}

static void show_flow(const struct flow *f)
{
	printf("%s (version %ld)\n", f->title ? f->title : "", f->version);
	printf("  id: %s\n  service: %s\n", f->id ? f->id : "", f->service ? f->service : "");
	if (f->summary)
		printf("  summary: %s\n", f->summary);
	if (f->nkeywords) {
		printf("  keywords: ");
		for (size_t i = 0; i < f->nkeywords; i++)
			printf("%s%s", i ? ", " : "", f->keywords[i]);
		printf("\n");
	}
	printf("  starts at: %s\n", f->start ? f->start : "");
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *st = &f->steps[i];
		printf("\n%s\n", st->id);
		if (st->say)
			printf("  say: %s\n", st->say);
		if (st->note)
			printf("  note: %s\n", st->note);
		if (st->nfields) {
			printf("  ask:\n");
			for (size_t j = 0; j < st->nfields; j++)
				show_field(&st->fields[j]);
		}
		if (st->checklist) {
			printf("  checklist (%s, %s):\n", st->checklist->label, st->checklist->name);
			for (size_t j = 0; j < st->checklist->noptions; j++)
				printf("    [ ] %s\n", st->checklist->options[j]);
		}
		if (st->nchoices) {
			printf("  choices:\n");
			for (size_t j = 0; j < st->nchoices; j++) {
				const struct flow_choice *c = &st->choices[j];
				printf("    %zu. %s ", j + 1, c->label);
				if (c->outcome)
					show_outcome(c->outcome, "         ");
				else
					printf("-> %s\n", c->next ? c->next : "?");
			}
		}
		if (st->nnext == 1 && !st->next[0].when_text)
			printf("  next: %s\n", st->next[0].go);
		else if (st->nnext) {
			printf("  next:\n");
			for (size_t j = 0; j < st->nnext; j++) {
				if (st->next[j].when_text)
					printf("    if %s -> %s\n", st->next[j].when_text,
					       st->next[j].go);
				else
					printf("    otherwise -> %s\n", st->next[j].go);
			}
		}
		if (st->outcome) {
			printf("  ");
			show_outcome(st->outcome, "    ");
		}
	}
}

static int flow_cmd_show(struct cli_call *call)
{
	return one_flow(call, show_flow);
}

/* ---- graph ------------------------------------------------------------- */

/* A DOT string: quotes and backslashes escaped, cut to max code points. */
static void dot_str(const char *s, size_t max)
{
	size_t chars = 0;

	putchar('"');
	for (const char *p = s ? s : ""; *p; p++) {
		if (((unsigned char)*p & 0xC0) != 0x80 && ++chars > max) {
			fputs("...", stdout);
			break;
		}
		if (*p == '"' || *p == '\\')
			putchar('\\');
		if (*p == '\n')
			fputs("\\n", stdout);
		else
			putchar(*p);
	}
	putchar('"');
}

static void dot_outcome(const char *from, size_t n, const struct flow_outcome *o,
			const char *label)
{
	char node[200], text[200];

	snprintf(node, sizeof node, "%s#%zu", from, n);
	snprintf(text, sizeof text, "%s%s%s", flow_outcome_name(o->kind), o->team ? "\n" : "",
		 o->team ? o->team : "");
	printf("  ");
	dot_str(node, 200);
	printf(" [shape=ellipse, style=filled, fillcolor=\"%s\", label=",
	       o->kind == FLOW_OUTCOME_RESOLVED ? "palegreen" : "lightyellow");
	dot_str(text, 60);
	printf("];\n  ");
	dot_str(from, 200);
	printf(" -> ");
	dot_str(node, 200);
	if (label) {
		printf(" [label=");
		dot_str(label, 40);
		printf("]");
	}
	printf(";\n");
}

static void graph_flow(const struct flow *f)
{
	printf("digraph ");
	dot_str(f->id, 200);
	printf(" {\n  label=");
	dot_str(f->title, 80);
	printf(";\n  labelloc=t;\n  node [shape=box, fontname=\"Helvetica\"];\n"
	       "  edge [fontname=\"Helvetica\", fontsize=10];\n");
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *st = &f->steps[i];
		char text[200];
		snprintf(text, sizeof text, "%s\n%s", st->id, st->say ? st->say : "");
		printf("  ");
		dot_str(st->id, 200);
		printf(" [label=");
		dot_str(text, 60);
		if ((int)i == f->start_index)
			printf(", penwidth=2");
		printf("];\n");
	}
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *st = &f->steps[i];
		size_t n = 0;
		for (size_t j = 0; j < st->nchoices; j++) {
			const struct flow_choice *c = &st->choices[j];
			if (c->outcome) {
				dot_outcome(st->id, n++, c->outcome, c->label);
			} else if (c->next) {
				printf("  ");
				dot_str(st->id, 200);
				printf(" -> ");
				dot_str(c->next, 200);
				printf(" [label=");
				dot_str(c->label, 40);
				printf("];\n");
			}
		}
		for (size_t j = 0; j < st->nnext; j++) {
			printf("  ");
			dot_str(st->id, 200);
			printf(" -> ");
			dot_str(st->next[j].go, 200);
			if (st->next[j].when_text) {
				printf(" [label=");
				dot_str(st->next[j].when_text, 40);
				printf("]");
			} else if (st->nnext > 1) {
				printf(" [label=\"otherwise\", style=dashed]");
			}
			printf(";\n");
		}
		if (st->outcome)
			dot_outcome(st->id, n++, st->outcome, NULL);
	}
	printf("}\n");
}

static int flow_cmd_graph(struct cli_call *call)
{
	return one_flow(call, graph_flow);
}

/* ---- load -------------------------------------------------------------- */

int cli_flow_load(struct store *s, int npaths, char **paths, const char *fallback, bool quiet)
{
	struct flow_set set;
	struct err_list errs;
	struct flow_codes codes = { code_exists, NULL };
	struct err e;
	size_t added = 0, unchanged = 0, refused = 0, total;
	bool ok;
	int rc = CLI_EXIT_OK;

	flow_set_init(&set);
	err_list_init(&errs, FLOW_ERRORS_MAX);
	if (npaths == 0)
		flow_set_load_path(&set, fallback ? fallback : default_forms(), &errs);
	for (int i = 0; i < npaths; i++)
		flow_set_load_path(&set, paths[i], &errs);
	codes.ctx = s;
	flow_set_check(&set, &codes, &errs);
	total = err_list_total(&errs);
	if (total) {
		/* Only checked flows are stored: one problem stops the load. */
		print_problems(&errs);
		rc = cli_fail("%zu problem%s in %zu file%s; nothing was loaded: fix them (frontdesk "
			      "flow check) and load again",
			      total, total == 1 ? "" : "s", set.nfiles, set.nfiles == 1 ? "" : "s");
		goto out;
	}
	err_clear(&e);
	/* Asked before the load's transaction, so the refusal's audit row is
	 * kept (store_flow_put asks again for each flow). */
	if (store_require(s, STORE_PERM_SETTINGS, "flow", NULL, &e) != STATUS_OK ||
	    store_tx_begin(s, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	for (size_t i = 0; i < set.count; i++) {
		const struct flow *f = set.flows[i];
		struct buf keywords, text;
		struct store_flow sf;
		enum store_flow_put_result res;

		/* No cap of their own: a flow's words are fewer than its file's. */
		buf_init(&keywords, 0);
		buf_init(&text, 0);
		flow_search_words(f, &keywords, &text);
		sf = (struct store_flow){
			.id = f->id,
			.version = f->version,
			.title = f->title,
			.service = f->service,
			.keywords = buf_str(&keywords),
			.text = buf_str(&text),
		};
		sf.source = flow_source(f, &sf.source_len);
		err_clear(&e);
		if (store_flow_put(s, &sf, &res, &e) != STATUS_OK) {
			/* Every refusal is reported, then none of the load is kept. */
			fprintf(stderr, "%s: %s\n", f->file ? f->file : f->id, e.msg);
			refused++;
		} else if (res == STORE_FLOW_ADDED) {
			added++;
			if (!quiet)
				printf("loaded %s version %ld (%s)\n", f->id, f->version, f->title);
		} else {
			unchanged++;
		}
		buf_release(&keywords);
		buf_release(&text);
	}
	ok = refused == 0;
	err_clear(&e);
	if (store_tx_end(s, ok, &e) != STATUS_OK && ok) {
		rc = cli_fail_err(&e);
		goto out;
	}
	if (!ok) {
		rc = cli_fail("%zu flow%s refused (above); nothing was loaded", refused,
			      refused == 1 ? "" : "s");
		goto out;
	}
	if (quiet)
		printf("loaded flows from %s: %zu new, %zu already loaded\n",
		       npaths ? paths[0] : (fallback ? fallback : default_forms()), added,
		       unchanged);
	else
		printf("%zu flow%s: %zu new, %zu already loaded\n", set.count,
		       set.count == 1 ? "" : "s", added, unchanged);
out:
	err_list_release(&errs);
	flow_set_release(&set);
	return rc;
}

static int flow_cmd_load(struct cli_call *call)
{
	return cli_flow_load(call->store, call->argc, call->argv, NULL, false);
}

static const struct cli_action check_action = {
    .name = "check",
    .run = flow_cmd_check,
};

static const struct cli_action list_action = {
    .name = "list",
    .formats = "table|csv|json",
    .options = cli_format_options,
    .run = flow_cmd_list,
};

static const struct cli_action show_action = {
    .name = "show",
    .options = show_options,
    .args_size = sizeof(const char *),
    .option = one_option,
    .check = one_check,
    .run = flow_cmd_show,
};

static const struct cli_action graph_action = {
    .name = "graph",
    .options = show_options,
    .args_size = sizeof(const char *),
    .option = one_option,
    .check = one_check,
    .run = flow_cmd_graph,
};

static const struct cli_action load_action = {
    .name = "load",
    .store = CLI_STORE,
    .run = flow_cmd_load,
};

static const struct cli_action *const actions[] = {
    &check_action, &list_action, &show_action, &graph_action, &load_action, NULL,
};

const struct cli_command cmd_flow = {
    .name = "flow",
    .summary = "check, list, show, graph and load the FAQ flows in forms/",
    .usage = usage,
    .actions = actions,
    .help_as_action = true,
};
