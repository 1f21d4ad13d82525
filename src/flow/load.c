/*
 * load.c — YAML text to struct flow.
 *
 * Two passes: libyaml's event parser builds a small tree of nodes that keeps
 * the line and column of every node (depth, node count and size bounded, no
 * aliases), then the tree is read into the model, every problem noted with
 * its position. References between steps are resolved to indices here and
 * judged in check.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "frontdesk/flow.h"
#include "flow_int.h"

#define YAML_NODES_MAX 100000
#define NAME_MAX_LEN 60

enum ykind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ykind kind;
	int line, col;
	char *text; /* scalar, NUL-terminated */
	size_t len;
	bool quoted;
	struct ynode **kids; /* map: key, value, key, value ... */
	size_t n, alloc;
};

static void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

static void ynode_push(struct ynode *parent, struct ynode *kid)
{
	if (parent->n == parent->alloc) {
		parent->alloc = parent->alloc ? parent->alloc * 2 : 8;
		parent->kids = xrealloc(parent->kids, parent->alloc * sizeof(*parent->kids));
	}
	parent->kids[parent->n++] = kid;
}

/* ---- pass 0: bytes ----------------------------------------------------- */

/* Offset of the first byte that is not valid UTF-8 (or is NUL), or len. */
static size_t utf8_bad_offset(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp;
		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, cp = c & 0x07;
		else
			return i;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += n + 1;
	}
	return len;
}

static void offset_position(const char *s, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n')
			l++, c = 1;
		else if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	}
	*line = l;
	*col = c;
}

/* ---- pass 1: YAML events to a tree ------------------------------------- */

static enum status yaml_to_tree(const char *file, const char *text, size_t len,
				struct err_list *errs, struct ynode **root_out)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct ynode *stack[FLOW_DEPTH_MAX + 1];
	size_t depth = 0, nodes = 0, docs = 0;
	struct ynode *root = NULL;
	enum status rc = STATUS_OK;
	bool done = false;

	*root_out = NULL;
	if (!yaml_parser_initialize(&parser))
		die("out of memory starting the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done) {
		struct ynode *n = NULL;
		int line, col;
		if (!yaml_parser_parse(&parser, &ev)) {
			const char *ctx = parser.context ? parser.context : NULL;
			err_list_addf(errs, STATUS_INVALID, file, (int)parser.problem_mark.line + 1,
					(int)parser.problem_mark.column + 1,
					"YAML syntax: %s%s%s; check the indentation, colons and quotes "
					"on this line and the one before",
					parser.problem ? parser.problem : "cannot read this",
					ctx ? " " : "", ctx ? ctx : "");
			rc = STATUS_PARSE;
			break;
		}
		line = (int)ev.start_mark.line + 1;
		col = (int)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				err_list_addf(errs, STATUS_INVALID, file, line, col,
						"a flow file holds one flow; move this second document "
						"('---') to a file of its own");
				rc = STATUS_PARSE;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			err_list_addf(errs, STATUS_INVALID, file, line, col,
					"aliases ('*name') are not allowed in flow files; write the "
					"text out in full");
			rc = STATUS_PARSE;
			done = true;
			break;
		case YAML_SCALAR_EVENT:
			n = xcalloc(1, sizeof(*n));
			n->kind = Y_SCALAR;
			n->text = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			n->quoted = ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
				    ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = xcalloc(1, sizeof(*n));
			n->kind = ev.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		if (n) {
			n->line = line;
			n->col = col;
			if (++nodes > YAML_NODES_MAX) {
				err_list_addf(errs, STATUS_INVALID, file, line, col,
						"the file has more than %d values; split the flow",
						YAML_NODES_MAX);
				ynode_free(n);
				rc = STATUS_TOO_BIG;
				done = true;
			} else {
				if (depth > 0)
					ynode_push(stack[depth - 1], n);
				else if (!root)
					root = n;
				else
					ynode_free(n); /* unreachable: one root per document */
				if (n->kind != Y_SCALAR) {
					if (depth >= FLOW_DEPTH_MAX) {
						err_list_addf(errs, STATUS_INVALID, file, line, col,
								"the file is nested more than %d levels "
								"deep; flows never need that many",
								FLOW_DEPTH_MAX);
						rc = STATUS_TOO_BIG;
						done = true;
					} else {
						stack[depth++] = n;
					}
				}
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (rc != STATUS_OK) {
		ynode_free(root);
		return rc;
	}
	*root_out = root;
	return STATUS_OK;
}

/* ---- pass 2: tree to model --------------------------------------------- */

struct ld {
	const char *file;
	struct err_list *errs;
	size_t nerr;
	struct flow *f;
};

static void problem(struct ld *ld, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct ld *ld, const struct ynode *n, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_list_addf(ld->errs, STATUS_INVALID, ld->file, n ? n->line : 0, n ? n->col : 0, "%s", msg);
	ld->nerr++;
}

static const char *kind_name(const struct ynode *n)
{
	return n->kind == Y_MAP ? "a set of keys" : n->kind == Y_SEQ ? "a list" : "text";
}

static struct flow_pos pos_of(const struct ynode *n)
{
	struct flow_pos p = {n ? n->line : 0, n ? n->col : 0};
	return p;
}

/* Where a scalar's text starts: after the opening quote of a quoted one. */
static struct flow_pos text_pos(const struct ynode *n)
{
	struct flow_pos p = pos_of(n);
	if (n && n->kind == Y_SCALAR && n->quoted && p.col > 0)
		p.col++;
	return p;
}

static const struct ynode *map_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->kind == Y_SCALAR && strcmp(map->kids[i]->text, key) == 0)
			return map->kids[i + 1];
	return NULL;
}

static const struct ynode *map_key_node(const struct ynode *map, const char *key)
{
	for (size_t i = 0; map && map->kind == Y_MAP && i + 1 < map->n; i += 2)
		if (map->kids[i]->kind == Y_SCALAR && strcmp(map->kids[i]->text, key) == 0)
			return map->kids[i];
	return NULL;
}

/* Unknown and repeated keys of map, with a guess at what was meant. */
static void check_keys(struct ld *ld, const struct ynode *map, const char *const *keys,
		       size_t nkeys, const char *where)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->kids[i];
		bool known = false;
		if (k->kind != Y_SCALAR) {
			problem(ld, k, "a key must be a plain word, not %s", kind_name(k));
			continue;
		}
		for (size_t j = 0; j < nkeys; j++)
			if (strcmp(k->text, keys[j]) == 0)
				known = true;
		if (!known) {
			const char *guess = text_suggest(k->text, keys, nkeys);
			char list[300];
			size_t off = 0;
			list[0] = '\0';
			for (size_t j = 0; j < nkeys && off < sizeof(list); j++) {
				int w = snprintf(list + off, sizeof(list) - off, "%s%s", j ? ", " : "",
						 keys[j]);
				if (w < 0)
					break;
				off += (size_t)w;
			}
			if (!guess && strpbrk(k->text, " ()'.?"))
				problem(ld, k,
					"'%.60s' is read as a key in %s: a comma inside { } ends a "
					"text, so put the whole text in quotes",
					k->text, where);
			else if (guess)
				problem(ld, k, "unknown key '%.60s' in %s; did you mean '%s'?", k->text,
					where, guess);
			else
				problem(ld, k, "unknown key '%.60s' in %s; the keys here are: %s",
					k->text, where, list);
			continue;
		}
		for (size_t j = 0; j < i; j += 2) {
			const struct ynode *k2 = map->kids[j];
			if (k2->kind == Y_SCALAR && strcmp(k2->text, k->text) == 0) {
				problem(ld, k, "'%s' is given twice in %s (first on line %d); keep one",
					k->text, where, k2->line);
				break;
			}
		}
	}
}

/* A text value: scalar, no NUL inside, not too long. NULL (after a problem)
 * when it is not usable. empty_ok: "" allowed. */
static char *text_of(struct ld *ld, const struct ynode *v, const char *key, const char *where,
		     bool empty_ok)
{
	if (!v)
		return NULL;
	if (v->kind != Y_SCALAR) {
		problem(ld, v, "'%s' in %s should be text, not %s", key, where, kind_name(v));
		return NULL;
	}
	if (strlen(v->text) != v->len) {
		problem(ld, v, "'%s' in %s contains a NUL character; remove it", key, where);
		return NULL;
	}
	if (v->len > FLOW_TEXT_MAX) {
		problem(ld, v, "'%s' in %s is longer than %d bytes; shorten it or split the step",
			key, where, FLOW_TEXT_MAX);
		return NULL;
	}
	if (!empty_ok && v->len == 0) {
		problem(ld, v, "'%s' in %s is empty; write something or remove the key", key, where);
		return NULL;
	}
	return xstrdup(v->text);
}

static char *get_text(struct ld *ld, const struct ynode *map, const char *key, const char *where,
		      bool required, const char *hint)
{
	const struct ynode *v = map_get(map, key);
	if (!v) {
		if (required)
			problem(ld, map, "%s has no '%s'; add %s", where, key, hint);
		return NULL;
	}
	return text_of(ld, v, key, where, false);
}

static bool get_bool(struct ld *ld, const struct ynode *map, const char *key, const char *where,
		     bool dflt)
{
	const struct ynode *v = map_get(map, key);
	if (!v)
		return dflt;
	if (v->kind == Y_SCALAR && !v->quoted) {
		if (!strcasecmp(v->text, "yes") || !strcasecmp(v->text, "true"))
			return true;
		if (!strcasecmp(v->text, "no") || !strcasecmp(v->text, "false"))
			return false;
	}
	problem(ld, v, "'%s' in %s should be yes or no, not '%.40s'", key, where,
		v->kind == Y_SCALAR ? v->text : kind_name(v));
	return dflt;
}

static bool kebab_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
		if (s[i] == '-' && s[i + 1] == '-')
			return false;
	}
	return true;
}

static bool snake_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 40 || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* A sequence's items, or one scalar as a list of one; checks the count. */
static bool as_list(struct ld *ld, const struct ynode *v, const char *key, const char *where,
		    size_t max)
{
	if (v->kind != Y_SEQ) {
		problem(ld, v, "'%s' in %s should be a list, not %s", key, where, kind_name(v));
		return false;
	}
	if (v->n > max) {
		problem(ld, v, "'%s' in %s has %zu entries; at most %zu are allowed", key, where,
			v->n, max);
		return false;
	}
	return true;
}

static char **string_list(struct ld *ld, const struct ynode *v, const char *key,
			  const char *where, size_t *count)
{
	char **out;
	size_t n = 0;

	*count = 0;
	if (!as_list(ld, v, key, where, FLOW_LIST_MAX))
		return NULL;
	out = xcalloc(v->n + 1, sizeof(*out));
	for (size_t i = 0; i < v->n; i++) {
		char *s = text_of(ld, v->kids[i], key, where, false);
		if (s)
			out[n++] = s;
	}
	*count = n;
	return out;
}

/* ---- outcomes ---------------------------------------------------------- */

static const char *const outcome_text_keys[] = {"summary", "team", "reason", "where", "url"};
#define NOUTCOME_TEXT_KEYS 5

/* Reads `outcome` and its texts from map (a step or a choice); NULL if map
 * has no outcome. Texts without an outcome are reported. */
static struct flow_outcome *read_outcome(struct ld *ld, const struct ynode *map,
					 const char *where)
{
	const struct ynode *v = map_get(map, "outcome");
	struct flow_outcome *o;
	int kind;

	if (!v) {
		for (size_t i = 0; i < NOUTCOME_TEXT_KEYS; i++) {
			const struct ynode *k = map_key_node(map, outcome_text_keys[i]);
			if (k)
				problem(ld, k,
					"'%s' in %s belongs with an outcome; add 'outcome: ...' or "
					"remove it",
					outcome_text_keys[i], where);
		}
		return NULL;
	}
	if (v->kind != Y_SCALAR) {
		problem(ld, v,
			"'outcome' in %s should be one word (resolved, referred, signposted, "
			"assisted-digital or appointment), not %s",
			where, kind_name(v));
		return NULL;
	}
	kind = flow_outcome_find(v->text);
	if (kind < 0) {
		const char *guess =
			text_suggest(v->text, flow_outcome_names(), FLOW_OUTCOME_COUNT);
		if (guess)
			problem(ld, v, "unknown outcome '%.40s' in %s; did you mean '%s'?", v->text,
				where, guess);
		else
			problem(ld, v,
				"unknown outcome '%.40s' in %s; use resolved, referred, signposted, "
				"assisted-digital or appointment",
				v->text, where);
		return NULL;
	}
	o = xcalloc(1, sizeof(*o));
	o->kind = (enum flow_outcome_kind)kind;
	o->pos = pos_of(v);
	switch (o->kind) {
	case FLOW_OUTCOME_RESOLVED:
		o->summary = get_text(ld, map, "summary", where, true,
				      "a summary of what was done, e.g. 'summary: Told the "
				      "customer their new collection day'");
		break;
	case FLOW_OUTCOME_REFERRED:
		o->team = get_text(ld, map, "team", where, true,
				   "the team code to refer to, e.g. 'team: revenues'");
		o->reason = get_text(ld, map, "reason", where, true,
				     "what the team needs to know, e.g. 'reason: Moved on {moved_on}'");
		break;
	case FLOW_OUTCOME_SIGNPOSTED:
		o->where = get_text(ld, map, "where", where, true,
				    "who or what the customer is sent to, e.g. 'where: Citizens "
				    "Advice'");
		break;
	case FLOW_OUTCOME_APPOINTMENT:
		o->team = get_text(ld, map, "team", where, true,
				   "the team code the appointment is with, e.g. 'team: housing'");
		o->reason = get_text(ld, map, "reason", where, false, "");
		break;
	case FLOW_OUTCOME_ASSISTED_DIGITAL:
	case FLOW_OUTCOME_COUNT:
		break;
	}
	if (!o->summary)
		o->summary = get_text(ld, map, "summary", where, false, "");
	o->summary_pos = pos_of(map_get(map, "summary"));
	o->team_pos = pos_of(map_get(map, "team"));
	o->reason_pos = pos_of(map_get(map, "reason"));
	o->where_pos = pos_of(map_get(map, "where"));
	if (!o->url)
		o->url = get_text(ld, map, "url", where, false, "");
	if (o->url && strncmp(o->url, "https://", 8) != 0 && strncmp(o->url, "http://", 7) != 0)
		problem(ld, map_get(map, "url"),
			"'url' in %s should be a web address starting https://, not '%.60s'", where,
			o->url);
	/* texts that do not belong with this kind */
	{
		static const struct {
			const char *key;
			unsigned kinds; /* bit per kind where allowed */
		} allowed[] = {
			{"team", 1u << FLOW_OUTCOME_REFERRED | 1u << FLOW_OUTCOME_APPOINTMENT},
			{"reason", 1u << FLOW_OUTCOME_REFERRED | 1u << FLOW_OUTCOME_APPOINTMENT},
			{"where", 1u << FLOW_OUTCOME_SIGNPOSTED},
		};
		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
			const struct ynode *k = map_key_node(map, allowed[i].key);
			if (k && !(allowed[i].kinds & (1u << o->kind)))
				problem(ld, k, "'%s' does not go with 'outcome: %s' in %s; remove it",
					allowed[i].key, flow_outcome_name(o->kind), where);
		}
	}
	return o;
}

static void outcome_free(struct flow_outcome *o)
{
	if (!o)
		return;
	free(o->summary);
	free(o->team);
	free(o->reason);
	free(o->where);
	free(o->url);
	free(o);
}

/* ---- fields ------------------------------------------------------------ */

static const char *const field_keys[] = {"field",     "label", "type", "required",
					 "personal",  "hint",  "max_length", "min",
					 "max",	      "not_before", "not_after", "options"};

/* Parses a date bound: today, today + N, today - N, or YYYY-MM-DD. */
static bool date_bound_parse(const char *s, struct flow_date_bound *b)
{
	memset(b, 0, sizeof(*b));
	while (*s == ' ')
		s++;
	if (strncasecmp(s, "today", 5) == 0) {
		const char *p = s + 5;
		long n = 0;
		int sign = 0;
		while (*p == ' ')
			p++;
		if (*p == '+' || *p == '-') {
			char *end;
			sign = *p == '+' ? 1 : -1;
			p++;
			while (*p == ' ')
				p++;
			if (!isdigit((unsigned char)*p))
				return false;
			errno = 0;
			n = strtol(p, &end, 10);
			if (errno || n > 36600)
				return false;
			p = end;
			while (*p == ' ')
				p++;
			if (strncasecmp(p, "days", 4) == 0)
				p += 4;
			else if (strncasecmp(p, "day", 3) == 0)
				p += 3;
			while (*p == ' ')
				p++;
		}
		if (*p)
			return false;
		b->kind = FLOW_DATE_TODAY;
		b->offset_days = (int)(sign * n);
		return true;
	}
	if (date_parse(s, &b->date, "date", NULL) != STATUS_OK)
		return false;
	b->kind = FLOW_DATE_FIXED;
	return true;
}

/* A bound value for a number (whole) or money (pounds, to pence) field. */
static bool bound_parse(const char *s, enum flow_field_type t, long *out)
{
	if (t == FLOW_FIELD_MONEY) {
		if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA3)
			s += 2;
		return flow_money_pence(s, out);
	}
	{
		char *end;
		errno = 0;
		long n = strtol(s, &end, 10);
		if (errno || end == s || *end || n < -1000000000L || n > 1000000000L)
			return false;
		*out = n;
		return true;
	}
}

static void field_release(struct flow_field *fd)
{
	free(fd->name);
	free(fd->label);
	free(fd->hint);
	for (size_t i = 0; i < fd->noptions; i++)
		free(fd->options[i]);
	free(fd->options);
}

/* Fills fd from one `ask` entry; false if it is unusable. */
static bool read_field(struct ld *ld, const struct ynode *m, const char *step_id,
		       struct flow_field *fd)
{
	char where[160];
	const struct ynode *v;
	char *type;

	memset(fd, 0, sizeof(*fd));
	fd->pos = pos_of(m);
	if (m->kind != Y_MAP) {
		problem(ld, m,
			"each entry of 'ask' in step '%s' should be a set of keys such as "
			"'{ field: moved_on, label: Date you moved, type: date }', not %s",
			step_id, kind_name(m));
		return false;
	}
	v = map_get(m, "field");
	if (v && v->kind == Y_SCALAR)
		snprintf(where, sizeof(where), "field '%.40s' of step '%s'", v->text, step_id);
	else
		snprintf(where, sizeof(where), "a field of step '%s'", step_id);
	check_keys(ld, m, field_keys, sizeof(field_keys) / sizeof(field_keys[0]), where);
	fd->name = get_text(ld, m, "field", where, true,
			    "a name for the answer in snake_case, e.g. 'field: moved_on'");
	if (fd->name && !snake_ok(fd->name))
		problem(ld, v,
			"field name '%.60s' should be lower case letters, digits and '_', starting "
			"with a letter (e.g. moved_on), at most 40 characters",
			fd->name);
	fd->label = get_text(ld, m, "label", where, true,
			     "what the advisor sees, e.g. 'label: Date you moved in'");
	fd->hint = get_text(ld, m, "hint", where, false, "");
	fd->required = get_bool(ld, m, "required", where, true);
	fd->personal = get_bool(ld, m, "personal", where, true);
	fd->type = FLOW_FIELD_TEXT;
	type = get_text(ld, m, "type", where, false, "");
	if (type) {
		int t = flow_field_type_find(type);
		if (t < 0 || t == FLOW_FIELD_CHECKLIST) {
			const char *guess =
				text_suggest(type, flow_field_type_names(), FLOW_FIELD_CHECKLIST);
			if (guess)
				problem(ld, map_get(m, "type"),
					"unknown type '%.40s' in %s; did you mean '%s'?", type, where,
					guess);
			else
				problem(ld, map_get(m, "type"),
					"unknown type '%.40s' in %s; use text, number, money, date, "
					"yes-no, choice, postcode, email or phone",
					type, where);
		} else {
			fd->type = (enum flow_field_type)t;
		}
		free(type);
	}
	/* keys that only fit some types */
	{
		static const struct {
			const char *key;
			unsigned types;
		} fits[] = {
			{"max_length", 1u << FLOW_FIELD_TEXT},
			{"min", 1u << FLOW_FIELD_NUMBER | 1u << FLOW_FIELD_MONEY},
			{"max", 1u << FLOW_FIELD_NUMBER | 1u << FLOW_FIELD_MONEY},
			{"not_before", 1u << FLOW_FIELD_DATE},
			{"not_after", 1u << FLOW_FIELD_DATE},
			{"options", 1u << FLOW_FIELD_CHOICE},
		};
		for (size_t i = 0; i < sizeof(fits) / sizeof(fits[0]); i++) {
			const struct ynode *k = map_key_node(m, fits[i].key);
			if (k && !(fits[i].types & (1u << fd->type)))
				problem(ld, k, "'%s' does not apply to a %s field (%s); remove it",
					fits[i].key, flow_field_type_name(fd->type), where);
		}
	}
	fd->max_length = 200;
	if (fd->type == FLOW_FIELD_TEXT && (v = map_get(m, "max_length")) != NULL) {
		long n = 0;
		if (v->kind != Y_SCALAR || !bound_parse(v->text, FLOW_FIELD_NUMBER, &n) || n < 1 ||
		    n > NOTES_MAX_CHARS)
			problem(ld, v, "'max_length' in %s should be a whole number from 1 to %d", where,
				NOTES_MAX_CHARS);
		else
			fd->max_length = (size_t)n;
	}
	if (fd->type == FLOW_FIELD_NUMBER || fd->type == FLOW_FIELD_MONEY) {
		const char *const names[2] = {"min", "max"};
		long *dst[2] = {&fd->min, &fd->max};
		bool *has[2] = {&fd->has_min, &fd->has_max};
		for (int i = 0; i < 2; i++) {
			v = map_get(m, names[i]);
			if (!v)
				continue;
			if (v->kind != Y_SCALAR || !bound_parse(v->text, fd->type, dst[i]))
				problem(ld, v, "'%s' in %s should be %s, not '%.40s'", names[i], where,
					fd->type == FLOW_FIELD_MONEY ? "an amount in pounds such as 25 or 10.50"
								: "a whole number",
					v->kind == Y_SCALAR ? v->text : kind_name(v));
			else
				*has[i] = true;
		}
		if (fd->has_min && fd->has_max && fd->min > fd->max)
			problem(ld, map_get(m, "max"), "'max' in %s is less than 'min'; swap them",
				where);
	}
	if (fd->type == FLOW_FIELD_DATE) {
		const char *const names[2] = {"not_before", "not_after"};
		struct flow_date_bound *dst[2] = {&fd->not_before, &fd->not_after};
		for (int i = 0; i < 2; i++) {
			v = map_get(m, names[i]);
			if (!v)
				continue;
			if (v->kind != Y_SCALAR || !date_bound_parse(v->text, dst[i]))
				problem(ld, v,
					"'%s' in %s should be a date (YYYY-MM-DD), 'today', or 'today "
					"- 30 days' style, not '%.40s'",
					names[i], where, v->kind == Y_SCALAR ? v->text : kind_name(v));
		}
		if (fd->not_before.kind != FLOW_DATE_NONE &&
		    fd->not_before.kind == fd->not_after.kind &&
		    ((fd->not_before.kind == FLOW_DATE_FIXED &&
		      date_cmp(fd->not_before.date, fd->not_after.date) > 0) ||
		     (fd->not_before.kind == FLOW_DATE_TODAY &&
		      fd->not_before.offset_days > fd->not_after.offset_days)))
			problem(ld, map_get(m, "not_after"),
				"'not_after' in %s is before 'not_before', so no date fits; swap them",
				where);
	}
	if (fd->type == FLOW_FIELD_CHOICE) {
		v = map_get(m, "options");
		if (!v)
			problem(ld, m, "%s is a choice but has no 'options'; add e.g. 'options: [Owner, "
				       "Tenant]'",
				where);
		else
			fd->options = string_list(ld, v, "options", where, &fd->noptions);
		if (v && fd->options && fd->noptions < 2)
			problem(ld, v, "'options' in %s needs at least two options", where);
		for (size_t i = 0; i < fd->noptions; i++)
			for (size_t j = 0; j < i; j++)
				if (strcasecmp(fd->options[i], fd->options[j]) == 0)
					problem(ld, v->kids[i], "option '%.60s' is listed twice in %s",
						fd->options[i], where);
	}
	return fd->name && fd->label;
}

static void read_ask(struct ld *ld, const struct ynode *v, struct flow_step *st)
{
	char where[120];

	snprintf(where, sizeof(where), "step '%s'", st->id);
	if (v->kind == Y_MAP) {
		st->fields = xcalloc(1, sizeof(*st->fields));
		if (read_field(ld, v, st->id, &st->fields[0]))
			st->nfields = 1;
		else
			field_release(&st->fields[0]);
		return;
	}
	if (!as_list(ld, v, "ask", where, FLOW_LIST_MAX))
		return;
	st->fields = xcalloc(v->n ? v->n : 1, sizeof(*st->fields));
	for (size_t i = 0; i < v->n; i++) {
		if (read_field(ld, v->kids[i], st->id, &st->fields[st->nfields]))
			st->nfields++;
		else
			field_release(&st->fields[st->nfields]);
	}
}

static const char *const checklist_keys[] = {"field", "label", "items", "required",
					     "personal"};

static void read_checklist(struct ld *ld, const struct ynode *v, struct flow_step *st)
{
	char where[120];
	struct flow_field *fd = xcalloc(1, sizeof(*fd));
	const struct ynode *items = v;

	snprintf(where, sizeof(where), "the checklist of step '%s'", st->id);
	fd->type = FLOW_FIELD_CHECKLIST;
	fd->pos = pos_of(v);
	if (v->kind == Y_MAP) {
		check_keys(ld, v, checklist_keys, sizeof(checklist_keys) / sizeof(checklist_keys[0]),
			   where);
		fd->name = get_text(ld, v, "field", where, false, "");
		if (fd->name && !snake_ok(fd->name))
			problem(ld, map_get(v, "field"),
				"field name '%.60s' should be lower case letters, digits and '_', "
				"starting with a letter",
				fd->name);
		fd->label = get_text(ld, v, "label", where, false, "");
		fd->required = get_bool(ld, v, "required", where, false);
		fd->personal = get_bool(ld, v, "personal", where, false);
		items = map_get(v, "items");
		if (!items)
			problem(ld, v, "%s has no 'items'; list the things to tick", where);
	}
	if (!fd->name) {
		fd->name = xstrdup(st->id);
		for (char *p = fd->name; *p; p++)
			if (*p == '-')
				*p = '_';
	}
	if (!fd->label)
		fd->label = xstrdup("Checklist");
	if (items)
		fd->options = string_list(ld, items, "items", where, &fd->noptions);
	if (items && fd->options && fd->noptions == 0)
		problem(ld, items, "%s has no items; list the things to tick", where);
	st->checklist = fd;
}

/* ---- choices and next -------------------------------------------------- */

static const char *const choice_keys[] = {"label", "next",   "outcome", "summary",
					  "team",  "reason", "where",	"url"};

static void read_choices(struct ld *ld, const struct ynode *v, struct flow_step *st)
{
	char where[160];

	snprintf(where, sizeof(where), "step '%s'", st->id);
	if (!as_list(ld, v, "choices", where, FLOW_LIST_MAX))
		return;
	if (v->n == 0)
		problem(ld, v, "'choices' in step '%s' is empty; list at least one", st->id);
	st->choices = xcalloc(v->n ? v->n : 1, sizeof(*st->choices));
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *m = v->kids[i];
		struct flow_choice *c = &st->choices[st->nchoices];
		const struct ynode *next;

		if (m->kind != Y_MAP) {
			problem(ld, m,
				"each choice in step '%s' should be a set of keys such as '{ label: "
				"Yes, next: step }', not %s",
				st->id, kind_name(m));
			continue;
		}
		snprintf(where, sizeof(where), "choice %zu of step '%s'", i + 1, st->id);
		check_keys(ld, m, choice_keys, sizeof(choice_keys) / sizeof(choice_keys[0]), where);
		memset(c, 0, sizeof(*c));
		c->pos = pos_of(m);
		c->next_index = -1;
		c->label = get_text(ld, m, "label", where, true,
				    "the words the advisor picks, e.g. 'label: Moving out'");
		next = map_get(m, "next");
		if (next) {
			c->next = text_of(ld, next, "next", where, false);
			c->next_pos = pos_of(next);
		}
		c->outcome = read_outcome(ld, m, where);
		if (next && map_get(m, "outcome"))
			problem(ld, next, "%s has both 'next' and 'outcome'; keep one", where);
		else if (!next && !map_get(m, "outcome"))
			problem(ld, m, "%s goes nowhere; add 'next: STEP' or an 'outcome'", where);
		if (!c->label) {
			free(c->next);
			outcome_free(c->outcome);
			continue;
		}
		st->nchoices++;
	}
}

static const char *const branch_keys[] = {"when", "go"};

static void read_next(struct ld *ld, const struct ynode *v, struct flow_step *st)
{
	char where[160];

	snprintf(where, sizeof(where), "step '%s'", st->id);
	if (v->kind == Y_SCALAR) {
		st->next = xcalloc(1, sizeof(*st->next));
		st->next[0].go = text_of(ld, v, "next", where, false);
		st->next[0].go_index = -1;
		st->next[0].pos = st->next[0].go_pos = pos_of(v);
		if (st->next[0].go)
			st->nnext = 1;
		return;
	}
	if (!as_list(ld, v, "next", where, FLOW_LIST_MAX))
		return;
	if (v->n == 0) {
		problem(ld, v, "'next' in step '%s' is empty; name the step to go to", st->id);
		return;
	}
	st->next = xcalloc(v->n, sizeof(*st->next));
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *m = v->kids[i], *w, *go;
		struct flow_branch *b = &st->next[st->nnext];
		bool last = i + 1 == v->n;

		if (m->kind != Y_MAP) {
			problem(ld, m,
				"each entry of 'next' in step '%s' should be '{ when: CONDITION, go: "
				"STEP }' (or '{ go: STEP }' last), not %s",
				st->id, kind_name(m));
			continue;
		}
		snprintf(where, sizeof(where), "entry %zu of 'next' in step '%s'", i + 1, st->id);
		check_keys(ld, m, branch_keys, 2, where);
		memset(b, 0, sizeof(*b));
		b->go_index = -1;
		b->pos = pos_of(m);
		go = map_get(m, "go");
		b->go = get_text(ld, m, "go", where, true, "the step to go to, e.g. 'go: over-65'");
		b->go_pos = pos_of(go ? go : m);
		w = map_get(m, "when");
		if (w) {
			b->when_text = text_of(ld, w, "when", where, false);
			b->when_pos = text_pos(w);
			if (b->when_text) {
				struct err e;
				err_clear(&e);
				b->when = flow_cond_parse(b->when_text, &e);
				if (!b->when) {
					/* point into the text when it is on one line */
					int col = b->when_pos.col + e.col;
					err_list_addf(ld->errs, STATUS_INVALID, ld->file, w->line, col,
							"condition '%.80s': %s", b->when_text, e.msg);
					ld->nerr++;
				}
			}
			if (last)
				problem(ld, m,
					"the last entry of 'next' in step '%s' has a 'when'; add a final "
					"'{ go: STEP }' for when no condition holds",
					st->id);
		} else if (!last) {
			problem(ld, m,
				"%s has no 'when', so the entries after it are never used; only the "
				"last entry may leave out 'when'",
				where);
		}
		if (!b->go) {
			free(b->when_text);
			flow_cond_free(b->when);
			continue;
		}
		st->nnext++;
	}
}

/* ---- steps and the flow ------------------------------------------------ */

static const char *const step_keys[] = {"say",	   "note", "ask",    "checklist",
					"choices", "next", "outcome", "summary",
					"team",	   "reason", "where", "url"};

static void step_release(struct flow_step *st)
{
	free(st->id);
	free(st->say);
	free(st->note);
	for (size_t i = 0; i < st->nfields; i++)
		field_release(&st->fields[i]);
	free(st->fields);
	if (st->checklist) {
		field_release(st->checklist);
		free(st->checklist);
	}
	for (size_t i = 0; i < st->nchoices; i++) {
		free(st->choices[i].label);
		free(st->choices[i].next);
		outcome_free(st->choices[i].outcome);
	}
	free(st->choices);
	for (size_t i = 0; i < st->nnext; i++) {
		free(st->next[i].when_text);
		flow_cond_free(st->next[i].when);
		free(st->next[i].go);
	}
	free(st->next);
	outcome_free(st->outcome);
}

static void read_step(struct ld *ld, const struct ynode *k, const struct ynode *v,
		      struct flow_step *st)
{
	char where[120];
	const struct ynode *x;
	int exits = 0;

	memset(st, 0, sizeof(*st));
	st->id = xstrdup(k->text);
	st->pos = pos_of(k);
	snprintf(where, sizeof(where), "step '%.60s'", st->id);
	if (v->kind != Y_MAP) {
		problem(ld, v,
			"step '%.60s' should be a set of keys (say, ask, choices, next, outcome), "
			"not %s",
			st->id, kind_name(v));
		return;
	}
	check_keys(ld, v, step_keys, sizeof(step_keys) / sizeof(step_keys[0]), where);
	st->say = get_text(ld, v, "say", where, false, "");
	st->note = get_text(ld, v, "note", where, false, "");
	st->say_pos = text_pos(map_get(v, "say"));
	st->note_pos = text_pos(map_get(v, "note"));
	if ((x = map_get(v, "ask")) != NULL)
		read_ask(ld, x, st);
	if ((x = map_get(v, "checklist")) != NULL)
		read_checklist(ld, x, st);
	if ((x = map_get(v, "choices")) != NULL) {
		read_choices(ld, x, st);
		exits++;
	}
	if ((x = map_get(v, "next")) != NULL) {
		read_next(ld, x, st);
		exits++;
	}
	st->outcome = read_outcome(ld, v, where);
	if (map_get(v, "outcome"))
		exits++;
	if (exits > 1)
		problem(ld, k,
			"step '%.60s' has more than one of 'choices', 'next' and 'outcome'; keep one",
			st->id);
}

static int step_index(const struct flow *f, const char *id)
{
	if (!id)
		return -1;
	for (size_t i = 0; i < f->nsteps; i++)
		if (f->steps[i].id && strcmp(f->steps[i].id, id) == 0)
			return (int)i;
	return -1;
}

static const char *const flow_keys[] = {"id",	 "version", "title", "service", "keywords",
					"summary", "start", "steps"};

static void read_flow(struct ld *ld, const struct ynode *root)
{
	struct flow *f = ld->f;
	const struct ynode *v;

	check_keys(ld, root, flow_keys, sizeof(flow_keys) / sizeof(flow_keys[0]), "the flow");
	f->id = get_text(ld, root, "id", "the flow", true,
			 "a short name in kebab-case, e.g. 'id: missed-bin'");
	f->id_pos = pos_of(map_get(root, "id") ? map_get(root, "id") : root);
	if (f->id && !kebab_ok(f->id))
		problem(ld, map_get(root, "id"),
			"id '%.60s' should be lower case letters and digits joined by single '-' "
			"(e.g. missed-bin), at most %d characters",
			f->id, NAME_MAX_LEN);
	v = map_get(root, "version");
	f->version_pos = pos_of(v ? v : root);
	if (!v)
		problem(ld, root, "the flow has no 'version'; add 'version: 1' (raise it by one each "
				  "time the flow changes)");
	else if (v->kind != Y_SCALAR || !bound_parse(v->text, FLOW_FIELD_NUMBER, &f->version) ||
		 f->version < 1)
		problem(ld, v, "'version' should be a whole number from 1 up, not '%.40s'",
			v->kind == Y_SCALAR ? v->text : kind_name(v));
	f->title = get_text(ld, root, "title", "the flow", true,
			    "the title advisors search by, e.g. 'title: Missed bin collection'");
	f->service = get_text(ld, root, "service", "the flow", true,
			      "the service code from data/services.csv, e.g. 'service: waste'");
	f->service_pos = pos_of(map_get(root, "service") ? map_get(root, "service") : root);
	if (f->service && valid_code("service", f->service, NULL) != STATUS_OK)
		problem(ld, map_get(root, "service"),
			"service code '%.60s' should be lower case letters, digits and '-'", f->service);
	f->summary = get_text(ld, root, "summary", "the flow", false, "");
	if ((v = map_get(root, "keywords")) != NULL) {
		if (v->kind == Y_SCALAR) {
			/* "moving, new address" is friendlier than a list for some */
			char *s = text_of(ld, v, "keywords", "the flow", true);
			f->keywords = xcalloc(FLOW_LIST_MAX + 1, sizeof(*f->keywords));
			for (char *p = s; p && *p && f->nkeywords < FLOW_LIST_MAX;) {
				char *comma = strchr(p, ',');
				size_t n = comma ? (size_t)(comma - p) : strlen(p);
				char *w = xstrndup(p, n), *t = text_trim(w);
				free(w);
				if (*t)
					f->keywords[f->nkeywords++] = t;
				else
					free(t);
				p = comma ? comma + 1 : p + n;
			}
			free(s);
		} else {
			f->keywords = string_list(ld, v, "keywords", "the flow", &f->nkeywords);
		}
	}
	f->start = get_text(ld, root, "start", "the flow", true,
			    "the first step's name, e.g. 'start: which-bin'");
	f->start_pos = pos_of(map_get(root, "start") ? map_get(root, "start") : root);
	v = map_get(root, "steps");
	if (!v) {
		problem(ld, root, "the flow has no 'steps'; add them (see man 5 frontdesk-flow)");
	} else if (v->kind != Y_MAP) {
		problem(ld, v, "'steps' should be a set of named steps ('step-name:' then its keys), "
			       "not %s",
			kind_name(v));
	} else if (v->n / 2 > FLOW_STEPS_MAX) {
		problem(ld, v, "the flow has %zu steps; at most %d are allowed, so split it",
			v->n / 2, FLOW_STEPS_MAX);
	} else if (v->n == 0) {
		problem(ld, v, "'steps' is empty; add at least one step");
	} else {
		f->steps = xcalloc(v->n / 2, sizeof(*f->steps));
		for (size_t i = 0; i + 1 < v->n; i += 2) {
			const struct ynode *k = v->kids[i];
			bool dup = false;
			if (k->kind != Y_SCALAR) {
				problem(ld, k, "a step name must be a plain word, not %s", kind_name(k));
				continue;
			}
			if (!kebab_ok(k->text))
				problem(ld, k,
					"step name '%.60s' should be lower case letters and digits "
					"joined by single '-' (e.g. move-in-date)",
					k->text);
			for (size_t j = 0; j < f->nsteps; j++)
				if (strcmp(f->steps[j].id, k->text) == 0) {
					problem(ld, k,
						"step '%.60s' is defined twice (first on line %d); rename "
						"one",
						k->text, f->steps[j].pos.line);
					dup = true;
				}
			if (dup)
				continue;
			read_step(ld, k, v->kids[i + 1], &f->steps[f->nsteps++]);
		}
	}
	/* resolve references; check.c reports the missing ones */
	f->start_index = step_index(f, f->start);
	for (size_t i = 0; i < f->nsteps; i++) {
		struct flow_step *st = &f->steps[i];
		for (size_t j = 0; j < st->nchoices; j++)
			st->choices[j].next_index = step_index(f, st->choices[j].next);
		for (size_t j = 0; j < st->nnext; j++)
			st->next[j].go_index = step_index(f, st->next[j].go);
	}
}

enum status flow_load_mem(const char *file, const char *text, size_t len, struct flow **out,
			  struct err_list *errs)
{
	struct ld ld;
	struct ynode *root = NULL;
	struct flow *f;
	enum status rc;
	size_t bad;

	*out = NULL;
	if (!file)
		file = "(flow)";
	if (!text)
		len = 0;
	if (len > FLOW_FILE_MAX) {
		err_list_addf(errs, STATUS_INVALID, file, 1, 1,
				"the file is %zu bytes; a flow may be at most %d bytes, so split it",
				len, FLOW_FILE_MAX);
		return STATUS_TOO_BIG;
	}
	bad = utf8_bad_offset((const unsigned char *)text, len);
	if (bad < len) {
		int line, col;
		offset_position(text, bad, &line, &col);
		if (text[bad] == '\0')
			err_list_addf(errs, STATUS_INVALID, file, line, col,
					"the file contains a NUL byte; save it as plain UTF-8 text");
		else
			err_list_addf(errs, STATUS_INVALID, file, line, col,
					"invalid UTF-8 (byte 0x%02X); save the file as UTF-8",
					(unsigned char)text[bad]);
		return STATUS_PARSE;
	}
	rc = yaml_to_tree(file, len ? text : "", len, errs, &root);
	if (rc != STATUS_OK)
		return rc;
	if (!root || root->kind != Y_MAP) {
		err_list_addf(errs, STATUS_INVALID, file, root ? root->line : 1, root ? root->col : 1,
				"a flow file should start with keys such as 'id:', 'title:' and "
				"'steps:'; this one %s",
				root ? (root->kind == Y_SEQ ? "is a list" : "is plain text")
				     : "is empty");
		ynode_free(root);
		return STATUS_PARSE;
	}
	f = xcalloc(1, sizeof(*f));
	f->file = xstrdup(file);
	f->start_index = -1;
	f->pos = pos_of(root);
	f->source = xstrndup(len ? text : "", len);
	f->source_len = len;
	memset(&ld, 0, sizeof(ld));
	ld.file = f->file;
	ld.errs = errs;
	ld.f = f;
	read_flow(&ld, root);
	ynode_free(root);
	f->nload_errors = ld.nerr;
	*out = f;
	return ld.nerr ? STATUS_INVALID : STATUS_OK;
}

enum status flow_load_file(const char *path, struct flow **out, struct err_list *errs)
{
	FILE *fp;
	char *text = NULL;
	size_t len = 0;
	enum status rc;

	*out = NULL;
	fp = fopen(path, "rb");
	if (!fp) {
		err_list_addf(errs, STATUS_INVALID, NULL, 0, 0, "cannot open '%s': %s", path, strerror(errno));
		return STATUS_IO;
	}
	text = xmalloc(FLOW_FILE_MAX + 2);
	len = fread(text, 1, FLOW_FILE_MAX + 1, fp);
	if (ferror(fp)) {
		err_list_addf(errs, STATUS_INVALID, NULL, 0, 0, "cannot read '%s': %s", path, strerror(errno));
		rc = STATUS_IO;
		goto out;
	}
	if (len > FLOW_FILE_MAX) {
		err_list_addf(errs, STATUS_INVALID, path, 1, 1,
				"the file is more than %d bytes; a flow may be at most that, so split "
				"it",
				FLOW_FILE_MAX);
		rc = STATUS_TOO_BIG;
		goto out;
	}
	text[len] = '\0';
	rc = flow_load_mem(path, text, len, out, errs);
out:
	free(text);
	fclose(fp);
	return rc;
}

void flow_free(struct flow *f)
{
	if (!f)
		return;
	free(f->file);
	free(f->id);
	free(f->title);
	free(f->service);
	for (size_t i = 0; i < f->nkeywords; i++)
		free(f->keywords[i]);
	free(f->keywords);
	free(f->summary);
	free(f->start);
	for (size_t i = 0; i < f->nsteps; i++)
		step_release(&f->steps[i]);
	free(f->steps);
	free(f->source);
	free(f);
}

const char *flow_source(const struct flow *f, size_t *len)
{
	if (len)
		*len = f ? f->source_len : 0;
	return f ? f->source : NULL;
}

const struct flow_step *flow_step_find(const struct flow *f, const char *id)
{
	int i = f ? step_index(f, id) : -1;
	return i < 0 ? NULL : &f->steps[i];
}

const struct flow_field *flow_field_find(const struct flow *f, const char *name)
{
	if (!f || !name)
		return NULL;
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *st = &f->steps[i];
		for (size_t j = 0; j < st->nfields; j++)
			if (strcmp(st->fields[j].name, name) == 0)
				return &st->fields[j];
		if (st->checklist && strcmp(st->checklist->name, name) == 0)
			return st->checklist;
	}
	return NULL;
}
