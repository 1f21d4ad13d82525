/*
 * Reference data's lifecycle: what src/ingest reads and both stores load is
 * freed here, so a program that never opens the desk's store (frontdeskd)
 * can hold it too.
 */
#include <stdlib.h>
#include <string.h>

#include "frontdesk/core.h"

static void simple_release(struct ref_simple *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].code);
		free(r[i].name);
		free(r[i].help);
	}
	free(r);
}

void ref_service_release(struct ref_service *r)
{
	if (!r)
		return;
	free(r->code);
	free(r->name);
	free(r->team);
	free(r->url);
	memset(r, 0, sizeof *r);
}

void refdata_release(struct refdata *rd)
{
	if (!rd)
		return;
	for (size_t i = 0; i < rd->nservices; i++)
		ref_service_release(&rd->services[i]);
	free(rd->services);
	for (size_t i = 0; i < rd->nteams; i++) {
		free(rd->teams[i].code);
		free(rd->teams[i].name);
		free(rd->teams[i].email);
	}
	free(rd->teams);
	for (size_t i = 0; i < rd->nsites; i++) {
		free(rd->sites[i].code);
		free(rd->sites[i].name);
		free(rd->sites[i].kind);
		free(rd->sites[i].address);
		free(rd->sites[i].postcode);
	}
	free(rd->sites);
	for (size_t i = 0; i < rd->nchannels; i++) {
		free(rd->channels[i].code);
		free(rd->channels[i].name);
	}
	free(rd->channels);
	simple_release(rd->outcomes, rd->noutcomes);
	simple_release(rd->failures, rd->nfailures);
	for (size_t i = 0; i < rd->nneeds; i++) {
		free(rd->needs[i].code);
		free(rd->needs[i].label);
	}
	free(rd->needs);
	free(rd->holidays);
	for (size_t i = 0; i < rd->nholidays; i++)
		free(rd->holiday_names[i]);
	free(rd->holiday_names);
	memset(rd, 0, sizeof *rd);
}
