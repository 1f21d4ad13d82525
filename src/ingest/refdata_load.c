/*
 * Reference data into the desk's store: read whole (refdata.c), then handed
 * to the store in one call so a bad file changes nothing. Apart from the
 * reading so that frontdeskd, which loads the same files into PostgreSQL,
 * links no SQLite.
 */
#include "frontdesk/ingest.h"
#include "frontdesk/store.h"
#include "ingest_int.h"

enum status ingest_refdata_load(struct store *s, const char *dir, struct err_list *errs)
{
	struct refdata rd;
	struct err e;
	enum status rc;

	rc = ingest_refdata_read(dir, &rd, errs);
	if (rc != STATUS_OK)
		return rc;
	err_clear(&e);
	rc = store_refdata_replace(s, &rd, &e);
	if (rc != STATUS_OK) {
		if (e.code == STATUS_OK)
			err_set(&e, rc, "the database refused the reference data");
		if (e.file[0] == '\0')
			err_at(&e, dir, 0, 0);
		err_list_add(errs, &e);
	}
	refdata_release(&rd);
	return rc;
}
