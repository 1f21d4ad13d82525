/*
 * names.c — the names of field types and outcomes, which the loader, the
 * checker and the screens share.
 */
#include <string.h>

#include "frontdesk/flow.h"
#include "flow_int.h"

static const char *const field_type_names[] = {
#define FLOW_FT_NAME(n, s) s,
	FLOW_FIELD_TYPES(FLOW_FT_NAME)
#undef FLOW_FT_NAME
};

static const char *const outcome_names[] = {
#define FLOW_OC_NAME(n, s) s,
	FLOW_OUTCOMES(FLOW_OC_NAME)
#undef FLOW_OC_NAME
};

const char *flow_field_type_name(enum flow_field_type t)
{
	if ((unsigned)t >= FLOW_FIELD_TYPE_COUNT)
		return "?";
	return field_type_names[t];
}

const char *flow_outcome_name(enum flow_outcome_kind k)
{
	if ((unsigned)k >= FLOW_OUTCOME_COUNT)
		return "?";
	return outcome_names[k];
}

int flow_field_type_find(const char *s)
{
	for (int i = 0; i < FLOW_FIELD_TYPE_COUNT; i++)
		if (strcmp(s, field_type_names[i]) == 0)
			return i;
	return -1;
}

int flow_outcome_find(const char *s)
{
	for (int i = 0; i < FLOW_OUTCOME_COUNT; i++)
		if (strcmp(s, outcome_names[i]) == 0)
			return i;
	return -1;
}

const char *const *flow_field_type_names(void)
{
	return field_type_names;
}

const char *const *flow_outcome_names(void)
{
	return outcome_names;
}
