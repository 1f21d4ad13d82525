/*
 * The council's gazetteer, from the CSV its LLPG (or AddressBase Core)
 * exports. Two shapes of header are read: address lines (uprn,
 * address_line_1..4, town, postcode) and AddressBase Core's own columns
 * (sub_building, building_name, building_number, street_name, locality,
 * town_name, post_town, ...). Every row is checked before anything is
 * written; one bad row refuses the whole file, each problem placed at
 * FILE:LINE:COLUMN on the cell at fault.
 */
#include <stdlib.h>
#include <string.h>

#include "frontdesk/ingest.h"
#include "frontdesk/store.h"
#include "ingest_int.h"

/* The columns read, then those known and left unread (AddressBase Core's
 * coordinates, classification and change data), so a header spelt wrong
 * is still refused. */
enum gz_col {
	GZ_UPRN,
	GZ_LINE1,
	GZ_LINE2,
	GZ_LINE3,
	GZ_LINE4,
	GZ_TOWN,
	GZ_POSTCODE,
	GZ_ORGANISATION,
	GZ_SUB_BUILDING,
	GZ_BUILDING_NAME,
	GZ_BUILDING_NUMBER,
	GZ_STREET_NAME,
	GZ_LOCALITY,
	GZ_TOWN_NAME,
	GZ_POST_TOWN,
	GZ_READ_ /* the columns from here on are not read */
};
static const char *const columns[] = {
    "uprn",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "town",
    "postcode",
    "organisation",
    "sub_building",
    "building_name",
    "building_number",
    "street_name",
    "locality",
    "town_name",
    "post_town",
    /* known, not read */
    "parent_uprn",
    "udprn",
    "usrn",
    "toid",
    "classification_code",
    "easting",
    "northing",
    "latitude",
    "longitude",
    "rpc",
    "last_update_date",
    "single_line_address",
    "po_box",
    "island",
    "delivery_point_suffix",
    "gss_code",
    "change_code",
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

/* One checked row: offsets in the arena (SIZE_MAX: none) and its line. */
struct gz_row {
	size_t uprn, address, town, postcode, number, street;
	size_t row; /* the data row (from 0) */
	int line;
};

struct gz_read {
	const char *path;
	const char *data;
	size_t len;
	const struct ingest_csv *t;
	int cols[NCOLUMNS];
	struct gz_row *rows;
	size_t nrows;
	struct buf arena;
	struct err_list *errs;
	size_t problems;
	enum status first;
};

#define NONE ((size_t)-1)

static void problem(struct gz_read *g, size_t row, enum gz_col col, struct err *e)
{
	int line = ingest_csv_line(g->t, row), at_line, at_col;

	ingest_csv_place(g->data, g->len, line, (size_t)g->cols[col], &at_line, &at_col);
	if (e->code == STATUS_OK)
		e->code = STATUS_INVALID;
	err_at(e, g->path, at_line, at_col);
	err_list_add(g->errs, e);
	if (g->problems++ == 0)
		g->first = e->code;
}

static const char *cell(const struct gz_read *g, size_t row, enum gz_col col)
{
	return g->cols[col] < 0 ? "" : ingest_csv_field(g->t, row, (size_t)g->cols[col]);
}

static size_t keep(struct gz_read *g, const char *s, size_t n)
{
	size_t at = g->arena.len;

	if (buf_add(&g->arena, s, n) != STATUS_OK || buf_add(&g->arena, "", 1) != STATUS_OK)
		die("gazetteer: address arena full");
	return at;
}

/* A cell's trimmed text, checked as one line of address text; NULL (with
 * the problem placed) when it is not clean. *out is "" for an empty cell. */
static bool text_cell(struct gz_read *g, size_t row, enum gz_col col, const char *label, char **out)
{
	struct err e;

	*out = text_trim(cell(g, row, col));
	err_clear(&e);
	if (valid_text(label, *out, ADDRESS_MAX_CHARS, false, false, &e) != STATUS_OK) {
		problem(g, row, col, &e);
		free(*out);
		*out = NULL;
		return false;
	}
	return true;
}

/* The house number that starts a line ("12", "12a", "12-14"), split from
 * the street after it; false when the line does not start with a digit. */
static bool split_number(const char *line, const char **number_end, const char **street)
{
	const char *p = line;

	if (*p < '0' || *p > '9')
		return false;
	while (*p && *p != ' ')
		p++;
	*number_end = p;
	while (*p == ' ')
		p++;
	*street = p;
	return **street != '\0';
}

static void add_part(struct buf *b, const char *s)
{
	if (!s || !*s)
		return;
	if ((b->len && buf_adds(b, ", ") != STATUS_OK) || buf_adds(b, s) != STATUS_OK)
		die("gazetteer: address too long");
}

static void check_row(struct gz_read *g, size_t r, struct buf *addr)
{
	static const struct {
		enum gz_col col;
		const char *label;
	} texts[] = {
	    {GZ_LINE1, "address_line_1"},
	    {GZ_LINE2, "address_line_2"},
	    {GZ_LINE3, "address_line_3"},
	    {GZ_LINE4, "address_line_4"},
	    {GZ_TOWN, "town"},
	    {GZ_ORGANISATION, "organisation"},
	    {GZ_SUB_BUILDING, "sub_building"},
	    {GZ_BUILDING_NAME, "building_name"},
	    {GZ_BUILDING_NUMBER, "building_number"},
	    {GZ_STREET_NAME, "street_name"},
	    {GZ_LOCALITY, "locality"},
	    {GZ_TOWN_NAME, "town_name"},
	    {GZ_POST_TOWN, "post_town"},
	};
	char *v[GZ_READ_] = {NULL};
	char postcode[16];
	struct gz_row row = {NONE, NONE, NONE, NONE, NONE, NONE, r, ingest_csv_line(g->t, r)};
	const char *number = NULL, *number_end = NULL, *street = NULL, *town;
	bool good = true;
	struct err e;

	err_clear(&e);
	v[GZ_UPRN] = text_trim(cell(g, r, GZ_UPRN));
	if (valid_uprn("uprn", v[GZ_UPRN], &e) != STATUS_OK) {
		problem(g, r, GZ_UPRN, &e);
		good = false;
	}
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		good &= text_cell(g, r, texts[i].col, texts[i].label, &v[texts[i].col]);
	err_clear(&e);
	if (valid_postcode("postcode", cell(g, r, GZ_POSTCODE), postcode, sizeof postcode, &e) !=
	    STATUS_OK) {
		problem(g, r, GZ_POSTCODE, &e);
		good = false;
	}
	if (!good)
		goto out;

	buf_reset(addr);
	if (g->cols[GZ_LINE1] >= 0) {
		if (!*v[GZ_LINE1]) {
			err_set(&e, STATUS_INVALID,
				"address_line_1 is empty; every address needs its first line");
			problem(g, r, GZ_LINE1, &e);
			goto out;
		}
		for (int c = GZ_LINE1; c <= GZ_LINE4; c++) {
			add_part(addr, v[c]);
			if (!street && split_number(v[c], &number_end, &street))
				number = v[c];
		}
		/* No numbered line: the last line is the street ("Rose
		 * Cottage", "Mill Lane"). */
		for (int c = GZ_LINE4; !street && c >= GZ_LINE1; c--)
			if (*v[c])
				street = v[c];
		town = v[GZ_TOWN];
	} else {
		add_part(addr, v[GZ_ORGANISATION]);
		add_part(addr, v[GZ_SUB_BUILDING]);
		add_part(addr, v[GZ_BUILDING_NAME]);
		if (*v[GZ_BUILDING_NUMBER] && *v[GZ_STREET_NAME]) {
			add_part(addr, v[GZ_BUILDING_NUMBER]);
			if (buf_adds(addr, " ") != STATUS_OK ||
			    buf_adds(addr, v[GZ_STREET_NAME]) != STATUS_OK)
				die("gazetteer: address too long");
		} else {
			add_part(addr, v[GZ_BUILDING_NUMBER]);
			add_part(addr, v[GZ_STREET_NAME]);
		}
		add_part(addr, v[GZ_LOCALITY]);
		if (addr->len == 0) {
			err_set(&e, STATUS_INVALID,
				"the address is empty; give at least a building name or a street");
			problem(g, r, g->cols[GZ_STREET_NAME] >= 0 ? GZ_STREET_NAME : GZ_UPRN, &e);
			goto out;
		}
		if (*v[GZ_BUILDING_NUMBER])
			number = v[GZ_BUILDING_NUMBER];
		number_end = number ? number + strlen(number) : NULL;
		street = *v[GZ_STREET_NAME] ? v[GZ_STREET_NAME] : NULL;
		town = *v[GZ_POST_TOWN] ? v[GZ_POST_TOWN] : v[GZ_TOWN_NAME];
	}
	/* The customer's address is the lines and the town: it must fit. */
	if (utf8_length(buf_str(addr)) + strlen(town) + 2 > ADDRESS_MAX_CHARS) {
		err_set(&e, STATUS_INVALID,
			"the address with its town is longer than %d characters; shorten it",
			ADDRESS_MAX_CHARS);
		problem(g, r, g->cols[GZ_LINE1] >= 0 ? GZ_LINE1 : GZ_STREET_NAME, &e);
		goto out;
	}
	row.uprn = keep(g, v[GZ_UPRN], strlen(v[GZ_UPRN]));
	row.address = keep(g, addr->data, addr->len);
	row.town = *town ? keep(g, town, strlen(town)) : NONE;
	row.postcode = keep(g, postcode, strlen(postcode));
	row.number = number ? keep(g, number, (size_t)(number_end - number)) : NONE;
	row.street = street ? keep(g, street, strlen(street)) : NONE;
	g->rows[g->nrows++] = row;
out:
	for (int c = 0; c < GZ_READ_; c++)
		free(v[c]);
}

static int by_uprn(const void *a, const void *b)
{
	const long long *x = a, *y = b;

	/* [0] the UPRN's value, [1] the row: equal UPRNs stay in file order */
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

/* A UPRN on two rows: the later one is refused, naming the first. */
static void check_unique(struct gz_read *g)
{
	long long(*key)[2] = xcalloc(g->nrows ? g->nrows : 1, sizeof *key);
	struct err e;

	for (size_t i = 0; i < g->nrows; i++) {
		key[i][0] = strtoll(g->arena.data + g->rows[i].uprn, NULL, 10);
		key[i][1] = (long long)i;
	}
	qsort(key, g->nrows, sizeof *key, by_uprn);
	for (size_t i = 1; i < g->nrows; i++) {
		if (key[i][0] != key[i - 1][0])
			continue;
		err_clear(&e);
		err_set(&e, STATUS_INVALID,
			"UPRN %lld is listed twice (first on line %d); keep one", key[i][0],
			g->rows[key[i - 1][1]].line);
		problem(g, g->rows[key[i][1]].row, GZ_UPRN, &e);
	}
	free(key);
}

static const char *at(const struct gz_read *g, size_t off)
{
	return off == NONE ? NULL : g->arena.data + off;
}

enum status ingest_gazetteer_load(struct store *s, const char *path, struct err_list *errs,
				  long *loaded)
{
	static const bool required[NCOLUMNS] = {[GZ_UPRN] = true, [GZ_POSTCODE] = true};
	struct ingest_csv t;
	struct gz_read g;
	struct buf addr;
	char *data = NULL;
	size_t len = 0, bad = 0;
	struct gazetteer_entry *entries = NULL;
	enum status rc;
	struct err e;

	if (loaded)
		*loaded = 0;
	memset(&g, 0, sizeof g);
	memset(&t, 0, sizeof t);
	buf_init(&g.arena, SIZE_MAX / 2);
	buf_init(&addr, ADDRESS_MAX_CHARS * 8);
	g.path = path;
	g.errs = errs;
	g.t = &t;
	err_clear(&e);
	rc = ingest_file_read(path, INGEST_GAZETTEER_MAX_BYTES, &data, &len, &e);
	if (!rc)
		rc = ingest_csv_parse(&t, path, data, len, &e);
	if (!rc)
		rc = ingest_csv_map(&t, columns, NCOLUMNS, required, g.cols, &e);
	if (!rc && g.cols[GZ_LINE1] < 0 && g.cols[GZ_STREET_NAME] < 0 &&
	    g.cols[GZ_BUILDING_NAME] < 0) {
		rc = err_set(&e, STATUS_PARSE,
			     "the header names no address column; give address_line_1 (and "
			     "address_line_2 to 4, town), or AddressBase Core's building_name, "
			     "building_number and street_name");
		err_at(&e, path, ingest_csv_header_line(&t), 0);
	}
	if (rc) {
		if (!e.file[0])
			err_at(&e, path, 0, 0);
		err_list_add(errs, &e);
		goto out;
	}
	if (ingest_csv_rows(&t) == 0) {
		/* Loading it would empty the gazetteer: an export cut short,
		 * more likely than a council with no addresses. */
		rc = err_set(&e, STATUS_INVALID,
			     "has a header and no addresses; export the gazetteer again");
		err_at(&e, path, 0, 0);
		err_list_add(errs, &e);
		goto out;
	}
	g.data = data;
	g.len = len;
	g.rows = xcalloc(ingest_csv_rows(&t) ? ingest_csv_rows(&t) : 1, sizeof *g.rows);
	for (size_t r = 0; r < ingest_csv_rows(&t); r++)
		check_row(&g, r, &addr);
	check_unique(&g);
	if (errs)
		err_list_sort(errs);
	if (g.problems) {
		rc = g.first;
		goto out;
	}
	entries = xcalloc(g.nrows ? g.nrows : 1, sizeof *entries);
	for (size_t i = 0; i < g.nrows; i++)
		entries[i] = (struct gazetteer_entry){
		    .uprn = at(&g, g.rows[i].uprn),
		    .address = at(&g, g.rows[i].address),
		    .town = at(&g, g.rows[i].town),
		    .postcode = at(&g, g.rows[i].postcode),
		    .number = at(&g, g.rows[i].number),
		    .street = at(&g, g.rows[i].street),
		};
	rc = store_gazetteer_replace(s, entries, g.nrows, path, &bad, &e);
	if (rc) {
		if (e.code == STATUS_INVALID && bad < g.nrows)
			err_at(&e, path, g.rows[bad].line, 0);
		else
			err_at(&e, path, 0, 0);
		err_list_add(errs, &e);
		goto out;
	}
	if (loaded)
		*loaded = (long)g.nrows;
out:
	free(entries);
	free(g.rows);
	free(data);
	buf_release(&g.arena);
	buf_release(&addr);
	ingest_csv_release(&t);
	return rc;
}
