/*
 * flow_int.h — what the files of src/flow/ share and nobody else sees.
 */
#ifndef FRONTDESK_FLOW_INT_H
#define FRONTDESK_FLOW_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "frontdesk/flow.h"

/* names.c */
int flow_field_type_find(const char *s);
int flow_outcome_find(const char *s);
const char *const *flow_field_type_names(void);
const char *const *flow_outcome_names(void);

/* cond.c — the parsed form of a condition. */
enum cond_op { COND_OR, COND_AND, COND_NOT, COND_CMP, COND_SET, COND_COMPLETE, COND_TRUTH };
enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };
enum operand_kind { OPND_FIELD, OPND_NUMBER, OPND_STRING, OPND_YESNO, OPND_TODAY, OPND_DATE };

struct cond_operand {
	enum operand_kind kind;
	char *text;   /* OPND_FIELD: name; OPND_STRING: the text */
	long x100;    /* OPND_NUMBER: value times 100 */
	bool yes;     /* OPND_YESNO */
	struct date date; /* OPND_DATE */
	int off;      /* byte offset in the condition */
};

struct flow_cond {
	enum cond_op op;
	struct flow_cond *a, *b;     /* OR, AND: a, b; NOT: a */
	enum cmp_op cmp;	     /* COND_CMP */
	struct cond_operand l, r;    /* CMP: l op r; SET, COMPLETE, TRUTH: l */
	bool negate;		     /* "is not set", "is not complete" */
	int off;
};

const char *flow_cmp_name(enum cmp_op op);

/* What a condition sees of one field's answer. */
struct cond_value {
	bool set;
	const char *text;	/* canonical answer */
	size_t ticked, total;	/* checklists */
};
typedef bool (*cond_lookup_fn)(void *ctx, const char *field, const struct flow_field **def,
			       struct cond_value *out);

/* Evaluates c. A comparison with an unanswered field is false. */
bool flow_cond_eval(const struct flow_cond *c, cond_lookup_fn lookup, void *ctx,
		    struct date today);
/* Calls fn for every leaf (comparison, is set, is complete, bare field). */
void flow_cond_leaves(const struct flow_cond *c,
		      void (*fn)(void *ctx, const struct flow_cond *leaf), void *ctx);

/* text.c */
/* Calls fn for every {field} in a template; returns false at the first
 * unbalanced brace (writing its byte offset to *bad). */
bool flow_template_fields(const char *tmpl, void (*fn)(void *ctx, const char *name, size_t len,
						       size_t off),
			  void *ctx, size_t *bad);
/* Canonical answer text to plain English for a field's type. */
enum status flow_value_display(const struct flow_field *fd, const char *canon, struct buf *out);
/* Canonical money text ("10.50") to pence; false if malformed. */
bool flow_money_pence(const char *canon, long *pence);

#endif
