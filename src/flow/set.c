/*
 * set.c — many flows at once (forms/): load a directory, check ids across
 * files.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontdesk/flow.h"
#include "flow_int.h"

void flow_set_init(struct flow_set *s)
{
	memset(s, 0, sizeof(*s));
}

void flow_set_release(struct flow_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++)
		flow_free(s->flows[i]);
	free(s->flows);
	memset(s, 0, sizeof(*s));
}

static enum status set_add_file(struct flow_set *s, const char *path, struct err_list *errs)
{
	struct flow *f = NULL;
	enum status rc;

	s->nfiles++;
	if (s->count >= FLOW_SET_MAX) {
		err_list_addf(errs, STATUS_INVALID, path, 0, 0, "more than %d flows; split them into folders",
				FLOW_SET_MAX);
		return STATUS_TOO_BIG;
	}
	rc = flow_load_file(path, &f, errs);
	if (!f)
		return rc;
	if (s->count == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 16;
		s->flows = xrealloc(s->flows, s->alloc * sizeof(*s->flows));
	}
	s->flows[s->count++] = f;
	return rc;
}

static bool is_flow_name(const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '.')
		return false;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum status flow_set_load_path(struct flow_set *s, const char *path, struct err_list *errs)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	enum status rc = STATUS_OK;

	if (stat(path, &st) != 0) {
		err_list_addf(errs, STATUS_INVALID, NULL, 0, 0, "cannot open '%s': %s", path, strerror(errno));
		return STATUS_IO;
	}
	if (!S_ISDIR(st.st_mode))
		return set_add_file(s, path, errs);
	dir = opendir(path);
	if (!dir) {
		err_list_addf(errs, STATUS_INVALID, NULL, 0, 0, "cannot open folder '%s': %s", path,
				strerror(errno));
		return STATUS_IO;
	}
	while ((de = readdir(dir)) != NULL) {
		if (!is_flow_name(de->d_name))
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 32;
			names = xrealloc(names, alloc * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(path);
		char *full = xasprintf("%s%s%s", path, len && path[len - 1] == '/' ? "" : "/",
				       names[i]);
		enum status r = set_add_file(s, full, errs);
		if (r != STATUS_OK && rc == STATUS_OK)
			rc = r;
		free(full);
		free(names[i]);
	}
	free(names);
	return rc;
}

size_t flow_set_check(const struct flow_set *s, const struct flow_codes *codes,
		      struct err_list *errs)
{
	size_t count = 0;

	for (size_t i = 0; i < s->count; i++) {
		const struct flow *f = s->flows[i];
		count += flow_check(f, codes, errs);
		if (!f->id)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct flow *g = s->flows[j];
			if (g->id && strcmp(g->id, f->id) == 0) {
				err_list_addf(errs, STATUS_INVALID, f->file, f->id_pos.line, f->id_pos.col,
						"flow id '%s' is also used by %s:%d; give each flow its "
						"own id",
						f->id, g->file, g->id_pos.line);
				count++;
				break;
			}
		}
	}
	return count;
}

const struct flow *flow_set_find(const struct flow_set *s, const char *id)
{
	const struct flow *best = NULL;

	for (size_t i = 0; s && id && i < s->count; i++) {
		const struct flow *f = s->flows[i];
		if (f->id && strcmp(f->id, id) == 0 && (!best || f->version > best->version))
			best = f;
	}
	return best;
}
