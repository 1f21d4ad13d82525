/*
 * Customer import, on two threads. The preparer reads the file, checks every
 * row and keeps the canonical values in blocks of rows; the writer (the
 * calling thread, the only one that touches the store) adds the blocks to
 * one transaction as they come. All or nothing: if the preparer finds any
 * problem it stops handing blocks over, keeps checking to list every bad
 * row, and the writer rolls back whatever it wrote. The problems reported,
 * and their order, are those a check of the whole file before any write
 * would give.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/ingest.h"
#include "frontdesk/store.h"
#include "ingest_int.h"

#define NO_VALUE SIZE_MAX
/* Rows per block, and blocks in flight: the preparer runs at most this far
 * ahead of the writer (a few MB). */
#define BLOCK_ROWS 1000
#define PIPE_BLOCKS 4
/* The slot after the fields: the phone number as typed (trimmed). */
#define SLOT_PHONE_RAW CF_COUNT
#define SLOTS (CF_COUNT + 1)

/* Checked rows: one offset in text per (row, slot), NO_VALUE if unset. */
struct block {
	size_t n;
	int line[BLOCK_ROWS];
	size_t off[BLOCK_ROWS][SLOTS];
	struct buf text;
	struct block *next;
};

/* The bounded queue between the two threads. */
struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct block *head, *tail; /* full blocks, oldest first */
	struct block *spare;	   /* emptied blocks to reuse */
	struct block *all[PIPE_BLOCKS];
	size_t nall;
	bool finished; /* the preparer pushes no more */
};

static void pipe_init(struct pipe *p)
{
	memset(p, 0, sizeof *p);
	if (pthread_mutex_init(&p->mu, NULL) != 0 || pthread_cond_init(&p->cv, NULL) != 0)
		die("customer import: cannot set up its threads");
}

static void pipe_release(struct pipe *p)
{
	for (size_t i = 0; i < p->nall; i++) {
		buf_release(&p->all[i]->text);
		free(p->all[i]);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}

/* Preparer: an empty block, waiting while every block is in use. */
static struct block *pipe_take(struct pipe *p)
{
	struct block *b = NULL;

	pthread_mutex_lock(&p->mu);
	while (!p->spare && p->nall == PIPE_BLOCKS)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->spare) {
		b = p->spare;
		p->spare = b->next;
	} else {
		b = xcalloc(1, sizeof *b);
		buf_init(&b->text, SIZE_MAX / 2);
		p->all[p->nall++] = b;
	}
	pthread_mutex_unlock(&p->mu);
	b->n = 0;
	b->next = NULL;
	buf_reset(&b->text);
	return b;
}

/* Preparer: hands b to the writer (b NULL: none), then maybe says it is done. */
static void pipe_push(struct pipe *p, struct block *b, bool finished)
{
	pthread_mutex_lock(&p->mu);
	if (b) {
		if (p->tail)
			p->tail->next = b;
		else
			p->head = b;
		p->tail = b;
	}
	if (finished)
		p->finished = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Writer: the oldest full block, waiting for one; NULL once none will come. */
static struct block *pipe_pop(struct pipe *p)
{
	struct block *b;

	pthread_mutex_lock(&p->mu);
	while (!p->head && !p->finished)
		pthread_cond_wait(&p->cv, &p->mu);
	b = p->head;
	if (b) {
		p->head = b->next;
		if (!p->head)
			p->tail = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	return b;
}

/* Either thread: b is free to be filled again. */
static void pipe_give_back(struct pipe *p, struct block *b)
{
	pthread_mutex_lock(&p->mu);
	b->next = p->spare;
	p->spare = b;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* The active channel codes, listed by the writer before the preparer
 * starts: the preparer may not ask the store. */
struct channels {
	char **code;
	size_t n, alloc;
	bool listed; /* false: listing failed, every code is left to the writer */
};

static int channel_keep(void *ctx, const char *code, const char *name)
{
	struct channels *ch = ctx;

	(void)name;
	if (ch->n == ch->alloc) {
		ch->alloc = ch->alloc ? ch->alloc * 2 : 16;
		ch->code = xrealloc(ch->code, ch->alloc * sizeof *ch->code);
	}
	ch->code[ch->n++] = xstrdup(code);
	return 0;
}

static bool channel_known(const struct channels *ch, const char *code)
{
	for (size_t i = 0; ch->listed && i < ch->n; i++)
		if (strcmp(ch->code[i], code) == 0)
			return true;
	return false;
}

/* The preparer's state; the writer reads it only after joining. */
struct prep {
	const char *path;
	const struct channels *channels;
	struct pipe *pipe;
	struct ingest_csv t;
	enum status rc; /* of reading and parsing the file */
	struct err read_err;
	bool mapped;
	enum status map_rc;
	struct err map_err;
	int cols[CF_COUNT];
	size_t rows; /* data rows read */
	/* the bad rows, in file order; an unknown channel's message is written
	 * by the writer afterwards (it lists the channels from the store):
	 * until then the entry holds the code, and unknown[i] is set */
	struct err_list errs;
	bool *unknown;
	size_t problems;
	enum status first;
	struct block *cur;
};

static void row_problem(struct prep *pr, struct err *e, int line, bool unknown_channel)
{
	size_t before = pr->errs.count;

	ingest_fail_err(&pr->errs, e, pr->path, line);
	if (pr->errs.count > before)
		pr->unknown[before] = unknown_channel;
	if (pr->problems++ == 0)
		pr->first = e->code;
}

/* Checks one row into the next row of pr->cur; false if it is bad. */
static bool prepare_row(struct prep *pr, const struct ingest_csv *t, size_t r)
{
	int line = ingest_csv_line(t, r);
	struct block *b = pr->cur;
	size_t *slot = b->off[b->n];
	bool good = true, keep = pr->problems == 0;
	struct err e;

	b->line[b->n] = line;
	for (int f = 0; f < SLOTS; f++)
		slot[f] = NO_VALUE;
	for (int f = 0; f < CF_COUNT; f++) {
		char *canon = NULL;

		if (pr->cols[f] < 0)
			continue;
		const char *v = ingest_csv_field(t, r, (size_t)pr->cols[f]);
		err_clear(&e);
		if (customer_field_check((enum customer_field)f, v, &canon, &e) != STATUS_OK) {
			row_problem(pr, &e, line, false);
			good = false;
			continue;
		}
		if (f == CF_name && !canon) {
			err_set(&e, STATUS_INVALID, "name is empty; every customer needs a name");
			row_problem(pr, &e, line, false);
			good = false;
			continue;
		}
		if (!canon)
			continue;
		if (f == CF_preferred_channel && !channel_known(pr->channels, canon)) {
			err_set(&e, STATUS_UNKNOWN_CODE, "%s", canon);
			row_problem(pr, &e, line, true);
			good = false;
			free(canon);
			continue;
		}
		if (good && keep) {
			slot[f] = b->text.len;
			if (buf_add(&b->text, canon, strlen(canon) + 1) != STATUS_OK)
				die("customer import: value arena full");
		}
		free(canon);
	}
	if (good && keep && slot[CF_phone] != NO_VALUE) {
		char *raw = text_trim(ingest_csv_field(t, r, (size_t)pr->cols[CF_phone]));

		slot[SLOT_PHONE_RAW] = b->text.len;
		if (buf_add(&b->text, raw, strlen(raw) + 1) != STATUS_OK)
			die("customer import: value arena full");
		free(raw);
	}
	return good;
}

/* ingest_csv_rows_fn: checks the rows the reader hands over. */
static void prepare_rows(void *ctx, const struct ingest_csv *t)
{
	static const bool required[CF_COUNT] = {[CF_name] = true};
	struct prep *pr = ctx;
	size_t rows = ingest_csv_rows(t);

	if (!pr->mapped) {
		const char *names[CF_COUNT];

		for (int f = 0; f < CF_COUNT; f++)
			names[f] = customer_field_name((enum customer_field)f);
		pr->mapped = true;
		pr->map_rc = ingest_csv_map(t, names, CF_COUNT, required, pr->cols, &pr->map_err);
	}
	if (pr->map_rc != STATUS_OK)
		return;
	for (size_t r = 0; r < rows; r++) {
		if (!pr->cur)
			pr->cur = pipe_take(pr->pipe);
		/* After the first problem no row is kept: checking goes on to
		 * list every bad row, in the one block left. */
		if (prepare_row(pr, t, r) && pr->problems == 0)
			pr->cur->n++;
		if (pr->cur->n == BLOCK_ROWS) {
			pipe_push(pr->pipe, pr->cur, false);
			pr->cur = NULL;
		}
	}
	pr->rows += rows;
}

static void *prepare_main(void *arg)
{
	struct prep *pr = arg;

	pr->rc = ingest_csv_read_each(&pr->t, pr->path, INGEST_CUSTOMERS_MAX_BYTES, BLOCK_ROWS,
				      prepare_rows, pr, &pr->read_err);
	if (pr->cur && pr->cur->n && pr->rc == STATUS_OK && pr->map_rc == STATUS_OK &&
	    pr->problems == 0) {
		pipe_push(pr->pipe, pr->cur, true);
	} else {
		if (pr->cur)
			pipe_give_back(pr->pipe, pr->cur);
		pipe_push(pr->pipe, NULL, true);
	}
	pr->cur = NULL;
	ingest_csv_release(&pr->t);
	return NULL;
}

/* Writer, after the join: the preparer's verdict into errs; its status. */
static enum status prepared_problems(struct store *s, struct prep *pr, struct err_list *errs)
{
	if (pr->rc != STATUS_OK) {
		if (pr->read_err.file[0] == '\0')
			err_at(&pr->read_err, pr->path, 0, 0);
		err_list_add(errs, &pr->read_err);
		return pr->rc;
	}
	if (pr->map_rc != STATUS_OK) {
		err_list_add(errs, &pr->map_err);
		return pr->map_rc;
	}
	if (!pr->problems)
		return STATUS_OK;
	for (size_t i = 0; i < pr->errs.count; i++) {
		struct err *item = &pr->errs.items[i];
		char code[ERR_MSG_MAX];
		struct err e;

		if (!pr->unknown[i])
			continue;
		snprintf(code, sizeof code, "%s", item->msg);
		err_clear(&e);
		if (store_ref_check(s, REF_CHANNEL, code, &e) == STATUS_OK || e.code == STATUS_OK)
			err_set(&e, STATUS_UNKNOWN_CODE, "unknown channel '%s'", code);
		err_at(&e, item->file, item->line, 0);
		*item = e;
	}
	err_list_move(errs, &pr->errs);
	return pr->first == STATUS_OK ? STATUS_INVALID : pr->first;
}

/* Writer: adds the block's rows; on failure the reason is in e (placed). */
static enum status write_block(struct store *s, const char *path, const struct block *b,
			       struct customer *c, struct err *e)
{
	for (size_t r = 0; r < b->n; r++) {
		const size_t *slot = b->off[r];
		enum status rc;

		for (int f = 0; f < CF_COUNT; f++)
			customer_set(c, (enum customer_field)f,
				     slot[f] == NO_VALUE ? NULL : b->text.data + slot[f]);
		free(c->phone_raw);
		c->phone_raw = slot[SLOT_PHONE_RAW] == NO_VALUE
				   ? NULL
				   : xstrdup(b->text.data + slot[SLOT_PHONE_RAW]);
		err_clear(e);
		rc = store_customer_add(s, c, e);
		if (rc != STATUS_OK) {
			err_at(e, path, b->line[r], 0);
			return rc;
		}
	}
	return STATUS_OK;
}

enum status ingest_customers(struct store *s, const char *path, struct err_list *errs,
			     long *imported)
{
	struct channels ch = {NULL, 0, 0, false};
	struct pipe pipe;
	struct prep pr;
	struct customer *c = customer_new();
	struct block *b;
	pthread_t thread;
	struct err e, we;
	enum status rc, wrc = STATUS_OK;
	bool began = false, bulk = false;
	int trc;

	err_clear(&e);
	err_clear(&we);
	if (imported)
		*imported = 0;
	ch.listed = store_ref_list(s, REF_CHANNEL, channel_keep, &ch, NULL) == STATUS_OK;
	memset(&pr, 0, sizeof pr);
	pr.path = path;
	pr.channels = &ch;
	pr.pipe = &pipe;
	err_list_init(&pr.errs, errs && errs->limit ? errs->limit : INGEST_ERRORS_SHOWN);
	pr.unknown = xcalloc(pr.errs.limit, sizeof *pr.unknown);
	pipe_init(&pipe);
	trc = pthread_create(&thread, NULL, prepare_main, &pr);
	if (trc != 0) {
		rc = err_set(&e, STATUS_IO,
			     "cannot start reading the file (%s); close some programs and try again",
			     strerror(trc));
		err_at(&e, path, 0, 0);
		err_list_add(errs, &e);
		goto out;
	}

	/* Write blocks as they come; after a failure only take them (the
	 * preparer must finish to list every bad row). */
	while ((b = pipe_pop(&pipe))) {
		if (wrc == STATUS_OK && !began) {
			store_bulk(s, true);
			bulk = true;
			wrc = store_tx_begin(s, &we);
			if (wrc != STATUS_OK)
				err_at(&we, path, 0, 0);
			began = wrc == STATUS_OK;
		}
		if (wrc == STATUS_OK)
			wrc = write_block(s, path, b, c, &we);
		pipe_give_back(&pipe, b);
	}
	pthread_join(thread, NULL);

	/* A problem in the file comes first: it is what a check of the whole
	 * file before writing would have found. */
	rc = prepared_problems(s, &pr, errs);
	if (rc == STATUS_OK && wrc != STATUS_OK) {
		rc = wrc;
		err_list_add(errs, &we);
	}
	if (rc == STATUS_OK && !began) {
		/* A file with a header and no rows. */
		store_bulk(s, true);
		bulk = true;
		rc = store_tx_begin(s, &e);
		if (rc != STATUS_OK) {
			err_at(&e, path, 0, 0);
			err_list_add(errs, &e);
		}
		began = rc == STATUS_OK;
	}
	/* One audit row for the import (the file, how many people), written
	 * in the same transaction: the store does not audit each row of a
	 * bulk write. */
	if (rc == STATUS_OK) {
		char detail[ERR_FILE_MAX + 64];

		snprintf(detail, sizeof detail, "%zu customers from %s", pr.rows, path);
		rc = store_audit(s, "customer.import", "customer", NULL, detail, &e);
		if (rc != STATUS_OK)
			err_list_add(errs, &e);
	}
	if (began) {
		struct err e2;
		err_clear(&e2);
		enum status end = store_tx_end(s, rc == STATUS_OK, &e2);
		if (rc == STATUS_OK && end != STATUS_OK) {
			rc = end;
			err_at(&e2, path, 0, 0);
			err_list_add(errs, &e2);
		}
	}
	if (bulk)
		store_bulk(s, false);
	if (rc == STATUS_OK && imported)
		*imported = (long)pr.rows;
out:
	pipe_release(&pipe);
	err_list_release(&pr.errs);
	free(pr.unknown);
	for (size_t i = 0; i < ch.n; i++)
		free(ch.code[i]);
	free(ch.code);
	customer_free(c);
	return rc;
}
