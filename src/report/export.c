/*
 * A report table saved as a CSV file from the console: the same
 * columns and numbers as `frontdesk report --format csv`, RFC 4180 quoting
 * through libcsv, and an audit row for every file written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontdesk/report.h"

/* Through core's CSV writer (RFC 4180 quoting, formulas neutralised). */
static int write_table(FILE *f, const struct report_table *t, const size_t *order)
{
	char text[64];
	struct csv_writer w;

	csv_writer_init(&w, f);
	for (size_t c = 0; c < t->ncolumns; c++)
		csv_writer_cell(&w, t->columns[c].name);
	csv_writer_end_row(&w);
	for (size_t i = 0; i < t->nrows && !w.failed; i++) {
		size_t r = order ? order[i] : i;

		for (size_t c = 0; c < t->ncolumns; c++) {
			const struct report_cell *cell = report_cell(t, r, c);

			if (cell->kind == REPORT_VALUE_TEXT && !cell->blank) {
				csv_writer_cell(&w, cell->text ? cell->text : "");
			} else {
				report_cell_format(cell, false, text, sizeof text);
				csv_writer_cell(&w, text);
			}
		}
		csv_writer_end_row(&w);
	}
	return csv_writer_release(&w) ? 0 : -1;
}

enum status report_export_csv(const struct report_source *src, const struct report_table *t,
			      const size_t *order, const char *path, struct err *e)
{
	char *detail;
	enum status rc;
	FILE *f;
	int fd, bad;

	if (!t)
		return err_set(e, STATUS_USAGE, "there is no report to save; run one first");
	if (!path || !*path)
		return err_set(e, STATUS_USAGE, "give a file name to save the report to");
	if (!src || !src->audit)
		return err_set(e, STATUS_USAGE, "a report is saved only where the saving is audited");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return err_set(e, STATUS_IO,
				       "'%s' already exists; type another file name (nothing was replaced)",
				       path);
		return err_set(e, STATUS_IO, "cannot write '%s': %s; type another file name", path,
			       strerror(errno));
	}
	f = fdopen(fd, "w");
	if (!f) {
		int saved = errno;

		close(fd);
		unlink(path);
		return err_set(e, STATUS_IO, "cannot write '%s': %s", path, strerror(saved));
	}
	bad = write_table(f, t, order);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		bad = -1;
	if (fclose(f) != 0)
		bad = -1;
	if (bad) {
		unlink(path);
		return err_set(e, STATUS_IO, "cannot write '%s' (is the disk full?); nothing was saved",
			       path);
	}
	detail = xasprintf("%s: %zu rows to %s", t->title ? t->title : "report", t->nrows, path);
	rc = src->audit(src->ctx, "report.export", "report", NULL, detail, e);
	free(detail);
	if (rc)
		unlink(path); /* not audited, not kept */
	return rc;
}
