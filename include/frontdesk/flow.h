/*
 * flow — scripted FAQ flows: the model, the YAML loader, the checker and the
 * runner. No UI, no SQL, no printing: screens and commands call in here.
 *
 * A flow is a script an advisor follows to resolve an enquiry at the first
 * contact (man 5 frontdesk-flow describes the file format). Life of a flow:
 *
 *   flow_load_mem()/flow_load_file()  YAML -> struct flow, structural errors
 *   flow_check()                       graph and data-flow errors
 *   flow_run_new() ... flow_run_next() an advisor walks it, answer by answer
 *
 * Every problem is collected in core's struct err_list (file, line, column,
 * message; FLOW_ERRORS_MAX kept), so a checker run reports every problem, not
 * just the first. Messages say what is wrong, quote the subject and say what
 * to do.
 *
 * The loaded model is public so screens can draw it; treat it as read-only.
 * Every string and array in it is owned by the struct flow and lives until
 * flow_free().
 */
#ifndef FRONTDESK_FLOW_H
#define FRONTDESK_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "frontdesk/core.h"

/* ---- limits (bad input gets a message, never a crash) ------------------ */

#define FLOW_FILE_MAX (256 * 1024) /* bytes in one flow file */
#define FLOW_DEPTH_MAX 12	   /* YAML nesting */
#define FLOW_STEPS_MAX 400	   /* steps in one flow */
#define FLOW_LIST_MAX 40	   /* fields, choices, branches, items, keywords */
#define FLOW_TEXT_MAX 4000	   /* bytes in one text value */
#define FLOW_COND_MAX 400	   /* bytes in one condition */
#define FLOW_ERRORS_MAX 500	   /* problems kept per list; the rest counted */
#define FLOW_SET_MAX 2000	   /* flows in one set */
#define FLOW_HISTORY_MAX 1000	   /* steps walked in one run */

/* ---- the model --------------------------------------------------------- */

/* Where something was written: line and column from 1 (0 when built in). */
struct flow_pos {
	int line;
	int col;
};

#define FLOW_FIELD_TYPES(_)                                                    \
	_(TEXT, "text")                                                        \
	_(NUMBER, "number")                                                    \
	_(MONEY, "money")                                                      \
	_(DATE, "date")                                                        \
	_(YESNO, "yes-no")                                                     \
	_(CHOICE, "choice")                                                    \
	_(POSTCODE, "postcode")                                                \
	_(EMAIL, "email")                                                      \
	_(PHONE, "phone")                                                      \
	_(CHECKLIST, "checklist")

enum flow_field_type {
#define FLOW_FT_ENUM(n, s) FLOW_FIELD_##n,
	FLOW_FIELD_TYPES(FLOW_FT_ENUM)
#undef FLOW_FT_ENUM
	FLOW_FIELD_TYPE_COUNT
};
/* "yes-no", ...; never NULL. */
const char *flow_field_type_name(enum flow_field_type t);

/* A date bound: none, a fixed date, or today plus/minus some days. */
enum flow_date_kind { FLOW_DATE_NONE, FLOW_DATE_FIXED, FLOW_DATE_TODAY };
struct flow_date_bound {
	enum flow_date_kind kind;
	struct date date;  /* FLOW_DATE_FIXED */
	int offset_days;   /* FLOW_DATE_TODAY: today + offset_days */
};

/*
 * A piece of information the advisor asks for. A step's checklist is a field
 * of type FLOW_FIELD_CHECKLIST whose options are the items to tick.
 */
struct flow_field {
	char *name;  /* snake_case, unique in the flow */
	char *label; /* what the advisor sees */
	char *hint;  /* help for the advisor, or NULL */
	enum flow_field_type type;
	bool required;
	bool personal; /* dropped from contacts not linked to a customer */
	size_t max_length;    /* FLOW_FIELD_TEXT: code points */
	bool has_min, has_max;
	long min, max;	      /* FLOW_FIELD_NUMBER: whole numbers; FLOW_FIELD_MONEY: pence */
	struct flow_date_bound not_before, not_after; /* FLOW_FIELD_DATE */
	char **options;	      /* FLOW_FIELD_CHOICE and FLOW_FIELD_CHECKLIST */
	size_t noptions;
	struct flow_pos pos;
};

/* How a flow ends, in the words of data/outcomes.csv. */
#define FLOW_OUTCOMES(_)                                                       \
	_(RESOLVED, "resolved")                                                \
	_(REFERRED, "referred")                                                \
	_(SIGNPOSTED, "signposted")                                            \
	_(ASSISTED_DIGITAL, "assisted-digital")                                \
	_(APPOINTMENT, "appointment")

enum flow_outcome_kind {
#define FLOW_OC_ENUM(n, s) FLOW_OUTCOME_##n,
	FLOW_OUTCOMES(FLOW_OC_ENUM)
#undef FLOW_OC_ENUM
	FLOW_OUTCOME_COUNT
};
/* "assisted-digital", ...; never NULL. */
const char *flow_outcome_name(enum flow_outcome_kind k);

/*
 * The end of a path. Texts are templates: {field} is replaced by the answer
 * (flow_run_render). Which texts are required depends on the kind:
 * resolved: summary; referred: team and reason; signposted: where;
 * appointment: team; assisted-digital: none.
 */
struct flow_outcome {
	enum flow_outcome_kind kind;
	char *summary; /* what was done, for the contact record */
	char *team;    /* referred, appointment: team code */
	char *reason;  /* referred, appointment: what the team needs to know */
	char *where;   /* signposted: who or what the customer is sent to */
	char *url;     /* signposted, assisted-digital: the page to read out */
	struct flow_pos pos;	      /* of the outcome's kind */
	struct flow_pos summary_pos, team_pos, reason_pos, where_pos;
};

/* One of a step's choices: goes to a step, or ends with an outcome. */
struct flow_choice {
	char *label;
	char *next;	     /* step id, or NULL when outcome is set */
	int next_index;	     /* index into flow->steps; -1 when none or missing */
	struct flow_outcome *outcome; /* or NULL */
	struct flow_pos pos;
	struct flow_pos next_pos;
};

struct flow_cond; /* a parsed condition (cond.c) */

/* One entry of a step's `next`: go to `go` when `when` holds (NULL when =
 * always; the last entry of a list must be that default). */
struct flow_branch {
	char *when_text;       /* as written, or NULL */
	struct flow_cond *when; /* parsed, or NULL */
	char *go;
	int go_index;	       /* -1 when missing */
	struct flow_pos pos;     /* of the entry */
	struct flow_pos when_pos; /* of the condition's first character */
	struct flow_pos go_pos;
};

/*
 * A step: what to say, what to ask, a checklist, and exactly one way on
 * (choices, next or outcome).
 */
struct flow_step {
	char *id;  /* kebab-case */
	char *say; /* template read out to the customer, or NULL */
	char *note; /* guidance for the advisor only (not read out), or NULL */
	struct flow_field *fields; /* asked in this step, in order */
	size_t nfields;
	struct flow_field *checklist; /* or NULL */
	struct flow_choice *choices;
	size_t nchoices;
	struct flow_branch *next;
	size_t nnext;
	struct flow_outcome *outcome; /* or NULL */
	struct flow_pos pos;	      /* of the step's id */
	struct flow_pos say_pos, note_pos;
};

struct flow {
	char *file;    /* the name given to the loader, for messages */
	char *id;      /* kebab-case, unique across forms/ */
	long version;  /* >= 1; contacts keep it */
	char *title;
	char *service; /* service code (data/services.csv) */
	char **keywords;
	size_t nkeywords;
	char *summary; /* one line on what the flow is for, or NULL */
	char *start;   /* first step's id */
	int start_index;
	struct flow_step *steps; /* in file order */
	size_t nsteps;
	struct flow_pos pos;	      /* of the document */
	struct flow_pos id_pos, service_pos, start_pos, version_pos;
	char *source;  /* the file's bytes as loaded (NUL-terminated) */
	size_t source_len;
	size_t nload_errors; /* problems the loader found */
};

/*
 * Parses one flow from memory. `file` names it in messages (copied). Every
 * problem found is added to errs (which may be NULL). Returns STATUS_OK with
 * *out set when the flow loaded without problems; STATUS_INVALID with *out
 * set to a best-effort flow (so flow_check can still report graph problems)
 * when it had some; STATUS_PARSE or STATUS_TOO_BIG with *out NULL when the
 * text is not a usable YAML mapping at all. Caller frees *out with
 * flow_free(). Does not check references between steps: call flow_check().
 */
enum status flow_load_mem(const char *file, const char *text, size_t len, struct flow **out,
			  struct err_list *errs);
/* Reads path (at most FLOW_FILE_MAX bytes) and calls flow_load_mem(). An
 * unreadable file is STATUS_IO with a message in errs. */
enum status flow_load_file(const char *path, struct flow **out, struct err_list *errs);
/* Frees the flow and everything in it; NULL is a no-op. */
void flow_free(struct flow *f);

/*
 * The flow's canonical stored form: the exact bytes it was loaded from, which
 * flow_load_mem() reads back to the same flow. A store keeps (id, version,
 * source) so a contact can always be explained by the flow it used. Borrowed
 * from f.
 */
const char *flow_source(const struct flow *f, size_t *len);

/*
 * The words a flow is found by, for the store's flow search: its keywords
 * into keywords, and everything its steps say (summary, texts, notes, field
 * labels and hints, options, choices) into text, each followed by a blank.
 * Used by flow load; flow_source_words does the same for a pulled flow.
 */
void flow_search_words(const struct flow *f, struct buf *keywords, struct buf *text);
/*
 * The same words from a flow's YAML source (a flow published centrally
 * arrives as its source only): loads it, appends as flow_search_words
 * does, frees it. STATUS_OK, or the load's status when the source cannot
 * be read (keywords and text untouched). Fits sync_options.flow_words.
 */
enum status flow_source_words(const char *source, size_t len, struct buf *keywords,
			      struct buf *text);

/* The step with that id, or NULL; borrowed from f. */
const struct flow_step *flow_step_find(const struct flow *f, const char *id);
/* The field asked anywhere in the flow with that name (checklists too), or
 * NULL; borrowed from f. */
const struct flow_field *flow_field_find(const struct flow *f, const char *name);

/* ---- the checker ------------------------------------------------------- */

enum flow_code_kind { FLOW_CODE_SERVICE, FLOW_CODE_TEAM };
/*
 * How the checker learns which service and team codes exist, so it does not
 * depend on the store: exists() answers for one code. Pass NULL to skip the
 * code checks.
 */
struct flow_codes {
	bool (*exists)(void *ctx, enum flow_code_kind kind, const char *code);
	void *ctx;
};

/*
 * Checks a loaded flow: steps that go nowhere or to steps that do not exist,
 * steps no path reaches, paths that end without an outcome, loops with no
 * way out, conditions and {field} texts that use a field not asked on every
 * path before them, comparisons that do not fit the field's type, unknown
 * service and team codes. Adds every problem to errs; returns how many it
 * added (0 means the flow is fit to run, if it also loaded cleanly).
 */
size_t flow_check(const struct flow *f, const struct flow_codes *codes,
		  struct err_list *errs);

/* ---- a set of flows (forms/) ------------------------------------------- */

/* Flows from many files, in the order loaded; the set owns them. */
struct flow_set {
	struct flow **flows;
	size_t count;
	size_t alloc;
	size_t nfiles; /* files read, including those that did not load */
};
void flow_set_init(struct flow_set *s);
void flow_set_release(struct flow_set *s);
/*
 * Loads path: a file, or a directory whose *.yaml and *.yml files are read in
 * name order (not recursively). Problems go to errs. Returns STATUS_OK if
 * every file loaded cleanly, else the first failure's status.
 */
enum status flow_set_load_path(struct flow_set *s, const char *path, struct err_list *errs);
/* Checks every flow (flow_check) and ids used twice across the set; returns
 * the number of problems added. */
size_t flow_set_check(const struct flow_set *s, const struct flow_codes *codes,
		      struct err_list *errs);
/* The flow with that id (the highest version if several), or NULL; borrowed. */
const struct flow *flow_set_find(const struct flow_set *s, const char *id);

/* ---- conditions -------------------------------------------------------- */

/*
 * Parses a condition ("age >= 65 and not receives_pension"). On failure
 * returns NULL and fills e with a message; e->col is the 0-based byte offset
 * in text where the problem is. Caller frees with flow_cond_free().
 */
struct flow_cond *flow_cond_parse(const char *text, struct err *e);
void flow_cond_free(struct flow_cond *c);

/* ---- the runner -------------------------------------------------------- */

/*
 * One walk through a flow by one advisor. Deterministic: the same flow and
 * the same calls give the same state, so a parked run is saved as its
 * inputs (flow_run_save) and replayed (flow_run_restore).
 *
 * Forward: answer the current step's fields (flow_run_answer), tick its
 * checklist (flow_run_tick), then flow_run_choose() on a step with choices or
 * flow_run_next() on any other. Back: flow_run_back() returns to the previous
 * step with its answers kept for editing; answers given on the step left are
 * forgotten.
 */
struct flow_run;

/* Starts a run at the flow's start step. The flow is borrowed and must
 * outlive the run; it must have loaded and checked without problems
 * (STATUS_INVALID otherwise). Caller frees *out with flow_run_free(). */
enum status flow_run_new(const struct flow *f, struct flow_run **out, struct err *e);
void flow_run_free(struct flow_run *r);
/* The flow being run (borrowed). */
const struct flow *flow_run_flow(const struct flow_run *r);

/* The step the advisor is on (borrowed). After the outcome it is the step
 * that ended the flow. */
const struct flow_step *flow_run_step(const struct flow_run *r);
/* True once an outcome is reached. */
bool flow_run_done(const struct flow_run *r);
/* Steps walked so far including the current one (1 at the start). */
size_t flow_run_depth(const struct flow_run *r);

/*
 * Checks value for a field without storing it. On success, when canon is
 * non-NULL, the canonical form (trimmed; postcode "NG1 1AA"; phone E.164;
 * date YYYY-MM-DD, from DD/MM/YYYY too; money "10.50"; yes-no "yes"/"no";
 * choice its option text) is written there. STATUS_INVALID with a message
 * naming the field's label otherwise.
 */
enum status flow_run_check(const struct flow_run *r, const struct flow_field *field,
			   const char *value, struct buf *canon, struct err *e);
/* Validates and stores the answer to one of the current step's fields (by
 * name). An empty value clears an optional field. */
enum status flow_run_answer(struct flow_run *r, const char *field, const char *value,
			    struct err *e);
/* The stored answer to a field, canonical, or NULL; borrowed until the next
 * call that changes the run. */
const char *flow_run_value(const struct flow_run *r, const char *field);
/* Ticks (seen = true) or unticks item `item` of the current step's checklist. */
enum status flow_run_tick(struct flow_run *r, size_t item, bool seen, struct err *e);
/* Whether item `item` of the current step's checklist is ticked. */
bool flow_run_ticked(const struct flow_run *r, size_t item);

/* Takes choice `index` of the current step: moves to its step or ends with
 * its outcome. Refuses (STATUS_INVALID) while a required field is empty. */
enum status flow_run_choose(struct flow_run *r, size_t index, struct err *e);
/* Moves on from a step without choices: checks required fields, follows
 * `next` (the first branch whose condition holds) or ends with the step's
 * outcome. On a step with choices, takes the choice made before going back,
 * if any. */
enum status flow_run_next(struct flow_run *r, struct err *e);
/* Undoes the last move. STATUS_NOT_FOUND at the start. */
enum status flow_run_back(struct flow_run *r, struct err *e);

/* The outcome reached, or NULL while not done; borrowed. */
const struct flow_outcome *flow_run_outcome(const struct flow_run *r);
enum flow_json_flags {
	FLOW_JSON_NO_PERSONAL = 1 << 0 /* leave personal answers out / withhold them */
};
/*
 * Fills a template with the answers so far: {field} becomes the answer in
 * plain English ("3 February 2026", "£10.50", "yes"), "(not given)" when
 * unanswered, "(withheld)" for a personal answer under
 * FLOW_JSON_NO_PERSONAL; {{ and }} are literal braces. Appends to out.
 */
enum status flow_run_render(const struct flow_run *r, const char *tmpl, int flags,
			    struct buf *out);
/* The contact's summary in plain text: flow, choices, answers, documents
 * seen, the outcome with its texts filled in. Appends to out. */
enum status flow_run_summary(const struct flow_run *r, int flags, struct buf *out);

struct json_t;
/*
 * The answers as a JSON object, for the contact record:
 *   {"flow": ID, "version": N,
 *    "answers": {FIELD: {"label": TEXT, "value": TEXT or [ITEMS],
 *                        "personal": BOOL}, ...},
 *    "choices": [{"step": STEP, "choice": LABEL}, ...],
 *    "path": [STEP, ...],
 *    "outcome": null or {"kind", "summary", "team", "reason", "where", "url"}}
 * Values are canonical text; checklists carry the items ticked. A caller
 * logging an anonymous contact drops the answers marked personal, or asks
 * for FLOW_JSON_NO_PERSONAL, which leaves them out and withholds them in the
 * outcome's texts. Caller owns the reference (json_decref).
 */
struct json_t *flow_run_answers_json(const struct flow_run *r, int flags);

/*
 * Saving and resuming (parking a flow on a customer): the run's inputs as a
 * JSON object {"flow", "version", "moves": [...]}. flow_run_restore replays
 * them on f; it refuses (STATUS_INVALID, saying so) a save made with another
 * flow id or version, or one that no longer replays. Caller owns the json
 * reference / frees *out with flow_run_free().
 */
struct json_t *flow_run_save(const struct flow_run *r);
enum status flow_run_restore(const struct flow *f, const struct json_t *saved,
			     struct flow_run **out, struct err *e);

#endif
