/*
 * Opening the store: where the file lives, the pragmas we rely on (read back
 * and checked), refusing files we must not touch, transactions.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

enum status store_resolve_path(const char *path, char *out, size_t outsz, struct err *e)
{
	const char *env = getenv("FRONTDESK_DB");
	int n;

	if (path && *path)
		n = snprintf(out, outsz, "%s", path);
	else if (env && *env)
		n = snprintf(out, outsz, "%s", env);
	else {
		const char *xdg = getenv("XDG_DATA_HOME");
		const char *home = getenv("HOME");

		if (xdg && *xdg == '/')
			n = snprintf(out, outsz, "%s/frontdesk/frontdesk.db", xdg);
		else if (home && *home)
			n = snprintf(out, outsz, "%s/.local/share/frontdesk/frontdesk.db", home);
		else
			return err_set(e, STATUS_INVALID,
				       "no database path: set --db PATH or FRONTDESK_DB");
	}
	if (n < 0 || (size_t)n >= outsz)
		return err_set(e, STATUS_INVALID, "database path is too long; use a shorter --db PATH");
	return STATUS_OK;
}

/* mkdir -p for the directory part of path. */
static enum status make_parent_dirs(const char *path, struct err *e)
{
	char *dir = xstrdup(path);
	enum status rc = STATUS_OK;

	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			rc = err_set(e, STATUS_IO, "cannot create directory '%s': %s; check its parent's permissions or use --db PATH",
				     dir, strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

enum status store_db_error(struct store *s, int rc, const char *what, struct err *e)
{
	int base = rc & 0xff;
	const char *msg = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	const char *path = s && s->path ? s->path : "?";

	switch (base) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(e, STATUS_DB_BUSY,
			       "%s: database '%s' is busy in another program; try again in a moment",
			       what, path);
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return err_set(e, STATUS_DB_READONLY,
			       "%s: cannot write database '%s' (%s); check the file and folder permissions",
			       what, path, msg);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return err_set(e, STATUS_DB_CORRUPT,
			       "%s: database '%s' is damaged or not a frontdesk database (%s); restore it from a backup",
			       what, path, msg);
	case SQLITE_FULL:
		return err_set(e, STATUS_IO, "%s: the disk holding '%s' is full; free some space and try again",
			       what, path);
	case SQLITE_CONSTRAINT:
		return err_set(e, STATUS_INVALID, "%s: the database refused it (%s)", what, msg);
	default:
		return err_set(e, STATUS_DB, "%s: database error on '%s' (%s)", what, path, msg);
	}
}

enum status store_exec(struct store *s, const char *sql, struct err *e)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? STATUS_OK : store_db_error(s, rc, "preparing the database", e);
}

static long pragma_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	long v = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static enum status pragma_text(struct store *s, const char *sql, char *out, size_t outsz,
			       struct err *e)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return store_db_error(s, rc, "opening the database", e);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
	else
		out[0] = '\0';
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "opening the database", e);
	return STATUS_OK;
}

/* Sets the pragmas and reads them back: a store that silently ran without
 * WAL or with synchronous=NORMAL would break the durability promise. */
static enum status configure(struct store *s, struct err *e)
{
	char mode[32];
	enum status rc;

	sqlite3_busy_timeout(s->db, 10000);
	/* temp_store=MEMORY keeps savepoint journals (nested writes in an import)
	 * off the disk. */
	rc = store_exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;", e);
	if (rc)
		return rc;
	/* A new file gets 16 KB pages (SQLite's default is 4 KB): every page
	 * goes to the log and back with a system call or two, and an import
	 * or a report moves hundreds of thousands of them. With 16 KB an
	 * import of 200,000 customers took 3.6 s instead of 4.4 s, demo
	 * generate and the reports a fifth to a third less; one contact
	 * logged or one customer found costs ~0.4 ms and ~2 ms more, well
	 * within their limits. It can only be set before the first table,
	 * so a file made earlier keeps the size it has. */
	if (!s->readonly && pragma_int(s, "PRAGMA page_count") == 0) {
		rc = store_exec(s, "PRAGMA page_size = 16384", e);
		if (rc)
			return rc;
	}
	if (!s->readonly) {
		rc = pragma_text(s, "PRAGMA journal_mode=WAL", mode, sizeof mode, e);
		if (rc)
			return rc;
		if (strcmp(mode, "wal") != 0)
			return err_set(e, STATUS_DB,
				       "database '%s' cannot use write-ahead logging (journal mode is '%s'); put it on a local disk",
				       s->path, mode);
	}
	if (!s->readonly) {
		/* Keep the -wal and -shm files between processes: every
		 * command-line call would otherwise make and delete them. The
		 * limit stops a big import leaving a big WAL behind. */
		int one = 1;

		sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
		rc = store_exec(s, "PRAGMA journal_size_limit = 67108864", e);
		if (rc)
			return rc;
	}
	if (pragma_int(s, "PRAGMA foreign_keys") != 1 || pragma_int(s, "PRAGMA synchronous") != 2)
		return err_set(e, STATUS_DB,
			       "database '%s' did not accept foreign_keys=ON and synchronous=FULL; this SQLite build is unsuitable",
			       s->path);
	return STATUS_OK;
}

static enum status check_file(const char *path, int flags, struct err *e)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		if (errno == ENOENT && (flags & STORE_NO_CREATE))
			return err_set(e, STATUS_NOT_FOUND,
				       "database '%s' does not exist; create it with: frontdesk init",
				       path);
		if (errno == ENOENT)
			return STATUS_OK;
		return err_set(e, STATUS_IO, "cannot open database '%s': %s", path, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return err_set(e, STATUS_IO, "cannot open database '%s': it is not a regular file",
			       path);
	if (!(flags & STORE_READONLY) && access(path, W_OK) != 0)
		return err_set(e, STATUS_DB_READONLY,
			       "cannot write database '%s': %s; check its permissions", path,
			       strerror(errno));
	return STATUS_OK;
}

/*
 * The database holds personal data, so no other account may read it: a new
 * file is made 0600 before SQLite opens it (SQLite gives the -wal and -shm
 * files the database's mode), or 0660 in a folder with the set-group-ID bit,
 * the usual way to share a folder with one group (a hub machine's
 * "frontdesk" group; see the README). A file this account owns with more
 * bits than that (or its -wal or -shm) loses them when it is opened.
 * Nothing is changed for a file another account owns.
 */
static enum status make_private(const char *path, int flags, struct err *e)
{
	static const char *const side[] = { "", "-wal", "-shm" };
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct stat sb;
	mode_t mode = 0600;

	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	if (stat(slash ? dir : ".", &sb) == 0 && (sb.st_mode & S_ISGID))
		mode = 0660;
	free(dir);
	if (!(flags & (STORE_READONLY | STORE_NO_CREATE))) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);

		if (fd >= 0) {
			/* the umask may have taken bits the mode asked for */
			if (fchmod(fd, mode) != 0) {
				int saved = errno;

				close(fd);
				unlink(path);
				return err_set(e, STATUS_IO, "cannot make database '%s' private: %s",
					       path, strerror(saved));
			}
			close(fd);
			return STATUS_OK;
		}
		if (errno != EEXIST)
			return err_set(e, STATUS_IO, "cannot create database '%s': %s; check the folder's permissions or use --db PATH",
				       path, strerror(errno));
	}
	for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
		char *f = xasprintf("%s%s", path, side[i]);

		if (lstat(f, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
		    (sb.st_mode & 0777 & ~mode))
			(void)chmod(f, sb.st_mode & mode);
		free(f);
	}
	return STATUS_OK;
}

static void load_identity(struct store *s)
{
	char *id = setting_raw(s, "device_id");
	char *last = setting_raw(s, "hlc_last");

	if (last) {
		hlc_observe(&s->hlc, last, NULL);
		free(last);
	}
	if (id) {
		snprintf(s->device_id, sizeof s->device_id, "%s", id);
		free(id);
	}
}

/* Before SQLite's first use in the process (once SQLite has started the
 * call is refused and changes nothing): no count of SQLite's memory, which
 * nothing reads, and which took a lock around every allocation SQLite made
 * (an import of 200,000 customers: 0.25 s, 5% of its CPU time). */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum status store_open(const char *path, int flags, struct store **out, struct err *e)
{
	struct store *s;
	enum status rc;
	int sqlrc, oflags;
	long version;

	*out = NULL;
	if (!path || !*path)
		return err_set(e, STATUS_INVALID, "no database path given");
	rc = check_file(path, flags, e);
	if (rc)
		return rc;
	if (!(flags & (STORE_READONLY | STORE_NO_CREATE))) {
		rc = make_parent_dirs(path, e);
		if (rc)
			return rc;
	}
	if (!(flags & STORE_READONLY)) {
		rc = make_private(path, flags, e);
		if (rc)
			return rc;
	}

	pthread_once(&sqlite_once, sqlite_setup);
	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->actor = xstrdup("system");
	s->readonly = flags & STORE_READONLY;
	s->outbox_capture = true;
	buf_init(&s->scratch, 1 << 20);
	oflags = s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlrc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (sqlrc != SQLITE_OK) {
		rc = store_db_error(s, sqlrc, "opening the database", e);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	rc = configure(s, e);
	if (rc)
		goto fail;

	version = pragma_int(s, "PRAGMA user_version");
	if (version < 0) {
		rc = err_set(e, STATUS_DB_CORRUPT,
			     "cannot open database '%s': it is damaged or not a frontdesk database; restore it from a backup or use another --db PATH",
			     path);
		goto fail;
	}
	if (version > STORE_SCHEMA_VERSION) {
		rc = err_set(e, STATUS_DB_NEWER,
			     "cannot open database '%s': it was made by a newer frontdesk (schema %ld, this program knows up to %d); install the newer version",
			     path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version < STORE_SCHEMA_VERSION) {
		if (s->readonly) {
			rc = err_set(e, STATUS_NOT_FOUND,
				     "database '%s' is not set up yet (schema %ld); run: frontdesk init",
				     path, version);
			goto fail;
		}
		rc = store_migrate(s, e);
		if (rc)
			goto fail;
	}
	load_identity(s);
	*out = s;
	return STATUS_OK;
fail:
	store_close(s);
	return rc;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST_COUNT_; i++)
		sqlite3_finalize(s->stmt[i]);
	for (int i = 0; i < s->nadhoc; i++)
		sqlite3_finalize(s->adhoc[i].st);
	if (s->db)
		sqlite3_close(s->db);
	free(s->holidays);
	store_needs_forget(s);
	buf_release(&s->scratch);
	free(s->path);
	free(s->actor);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

int store_user_version(struct store *s)
{
	return (int)pragma_int(s, "PRAGMA user_version");
}

void store_set_busy_timeout(struct store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms > 0 ? ms : 0);
}

void store_set_actor(struct store *s, const char *actor)
{
	free(s->actor);
	s->actor = xstrdup(actor && *actor ? actor : "system");
}

const char *store_actor(const struct store *s)
{
	return s->actor;
}

void store_set_outbox_capture(struct store *s, bool on)
{
	s->outbox_capture = on;
}

void store_bulk(struct store *s, bool on)
{
	/* A bulk write leaves the search index in some segments, and every
	 * query reads each one: merge some while the cache is still big. */
	if (!on && s->bulk && s->tx_depth == 0)
		search_tidy(s, false);
	s->bulk = on;
	/* 32 MB: a bulk write appends to its tables and indexes, so the pages
	 * it spills to the log are rarely wanted again, and a larger cache
	 * cost more in fresh memory (page faults) than it saved: an import of
	 * 200,000 customers took ~1 s more CPU time with 256 MB. */
	store_exec(s, on ? "PRAGMA cache_size = -32768" : "PRAGMA cache_size = -2000", NULL);
}

#define FTS_HASHSIZE_SQL(bytes) \
	"INSERT INTO customer_fts (customer_fts, rank) VALUES ('hashsize', " bytes ")"

enum status store_tx_begin(struct store *s, struct err *e)
{
	const char *sql = s->tx_depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT fd";
	int rc;

	/* In bulk mode a nested write takes no savepoint (copying every page it
	 * touches costs more than the write); a failure inside then dooms the
	 * whole transaction instead, which is what a bulk caller wants. */
	if (s->tx_depth > 0 && s->bulk) {
		s->tx_depth++;
		return STATUS_OK;
	}
	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_db_error(s, rc, "starting to write", e);
	if (s->tx_depth == 0) {
		s->tx_doomed = false;
		s->hlc_unsaved[0] = '\0';
		/* A bulk write indexes in memory up to 64 MB before it writes a
		 * search-index segment (default 1 MB): fewer segments to write
		 * and merge. A setting of the index, so it is put back before
		 * the commit (store_tx_end). */
		s->fts_hash_raised = s->bulk &&
				     sqlite3_exec(s->db, FTS_HASHSIZE_SQL("67108864"), NULL, NULL,
						  NULL) == SQLITE_OK;
	}
	s->tx_depth++;
	return STATUS_OK;
}

/* Before the outer commit of a bulk write: what it kept for the end. */
static enum status bulk_finish(struct store *s, struct err *e)
{
	enum status rc = STATUS_OK;

	if (s->hlc_unsaved[0]) {
		rc = setting_put(s, "hlc_last", s->hlc_unsaved, e);
		s->hlc_unsaved[0] = '\0';
	}
	if (s->fts_hash_raised) {
		/* Back to FTS5's default, then no row for it: as it was. */
		s->fts_hash_raised = false;
		if (!rc)
			rc = store_exec(s, FTS_HASHSIZE_SQL("1048576"), e);
		if (!rc)
			rc = store_exec(s, "DELETE FROM customer_fts_config WHERE k = 'hashsize'", e);
	}
	return rc;
}

enum status store_tx_end(struct store *s, bool ok, struct err *e)
{
	const char *sql;
	int rc;

	if (s->tx_depth <= 0)
		die("store_tx_end without store_tx_begin");
	if (s->tx_depth > 1 && s->bulk) {
		s->tx_depth--;
		if (!ok)
			s->tx_doomed = true;
		return STATUS_OK;
	}
	if (s->tx_depth == 1 && ok && s->tx_doomed) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->tx_depth--;
		return err_set(e, STATUS_INVALID,
			       "nothing was saved: a write inside this batch failed");
	}
	if (s->tx_depth == 1 && ok) {
		enum status st = bulk_finish(s, e);

		if (st) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			s->tx_depth--;
			return st;
		}
	}
	if (s->tx_depth == 1) {
		s->hlc_unsaved[0] = '\0';
		s->fts_hash_raised = false;
	}
	if (s->tx_depth == 1)
		sql = ok ? "COMMIT" : "ROLLBACK";
	else
		sql = ok ? "RELEASE fd" : "ROLLBACK TO fd; RELEASE fd";
	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK && ok) {
		/* A failed COMMIT leaves the transaction open: undo it all. */
		enum status st = store_db_error(s, rc, "saving", e);

		if (s->tx_depth == 1)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		else
			sqlite3_exec(s->db, "ROLLBACK TO fd; RELEASE fd", NULL, NULL, NULL);
		s->tx_depth--;
		return st;
	}
	s->tx_depth--;
	return STATUS_OK;
}
