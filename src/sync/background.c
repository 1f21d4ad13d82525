/*
 * Background sync: a thread with its own connection to the database runs
 * the cycle now and then, backing off (full jitter) while the server cannot
 * be reached and pausing while the device is refused. The screens only ever
 * copy the status under a mutex, so typing never waits on the network.
 */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "sync_int.h"

#define PAUSE_REFUSED_MS (15 * 60000)
#define LOOK_MS 2000 /* how often a waiting thread looks for new changes */

struct sync_bg {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, nudged;
	atomic_bool abort;
	char *db_path;
	sync_flow_words_fn *flow_words;
	struct sync_status status;
	long cycles;
	int64_t interval_ms, backoff_cap_ms;
	/* the person given by the console (under mu) and the one the
	 * thread holds a session for */
	struct sync_person pending, person;
	bool person_changed;
};

/* The changes waiting, read on the thread's own connection; -1 if none. */
static long waiting_now(struct store *s)
{
	return s ? store_outbox_pending(s) : -1;
}

/* Waits up to ms for a stop or a nudge; true when it ended early. */
static bool wait_ms(struct sync_bg *bg, int64_t ms)
{
	struct timespec ts;
	bool early;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&bg->mu);
	while (!bg->stop && !bg->nudged)
		if (pthread_cond_timedwait(&bg->cv, &bg->mu, &ts) == ETIMEDOUT)
			break;
	early = bg->stop || bg->nudged;
	bg->nudged = false;
	pthread_mutex_unlock(&bg->mu);
	return early;
}

/*
 * Waits for the next cycle, looking every LOOK_MS at the changes waiting so
 * the status bar counts what the advisor just saved; while online, new
 * changes bring the cycle forward (they go within seconds, not a minute).
 */
static void wait_cycle(struct sync_bg *bg, struct store *s, int64_t ms, bool online)
{
	long before = waiting_now(s);

	while (ms > 0) {
		int64_t step = ms < LOOK_MS ? ms : LOOK_MS;
		long now;

		if (wait_ms(bg, step))
			return;
		ms -= step;
		now = waiting_now(s);
		if (now >= 0) {
			pthread_mutex_lock(&bg->mu);
			bg->status.waiting = now;
			pthread_mutex_unlock(&bg->mu);
		}
		if (online && now > before)
			return;
	}
}

/* Takes the person the console gave (ending the session held before). */
static void person_take(struct sync_bg *bg, struct store *s, struct sync_options *o)
{
	struct sync_person next;
	bool changed;

	pthread_mutex_lock(&bg->mu);
	changed = bg->person_changed;
	next = bg->pending;
	sync_person_forget(&bg->pending);
	bg->person_changed = false;
	pthread_mutex_unlock(&bg->mu);
	if (changed) {
		if (s && bg->person.token[0])
			sync_person_end(s, bg->db_path, o, &bg->person);
		bg->person = next;
		bg->person.best_effort = true;
	}
	sync_person_forget(&next);
	o->person = bg->person.login[0] ? &bg->person : NULL;
}

void sync_bg_person(struct sync_bg *bg, const char *login, const char *password)
{
	if (!bg)
		return;
	pthread_mutex_lock(&bg->mu);
	sync_person_forget(&bg->pending);
	if (login && password) {
		snprintf(bg->pending.login, sizeof bg->pending.login, "%s", login);
		snprintf(bg->pending.password, sizeof bg->pending.password, "%s", password);
	}
	bg->person_changed = true;
	bg->nudged = true;
	pthread_cond_signal(&bg->cv);
	pthread_mutex_unlock(&bg->mu);
}

static void *run(void *arg)
{
	struct sync_bg *bg = arg;
	struct sync_options o = { .abort = &bg->abort, .flow_words = bg->flow_words };
	struct store *s = NULL;
	unsigned attempt = 0;

	for (;;) {
		struct sync_report rep;
		struct sync_status st;
		struct err e;
		enum sync_outcome out;
		int64_t wait = bg->interval_ms;
		uint64_t rnd;

		pthread_mutex_lock(&bg->mu);
		if (bg->stop) {
			pthread_mutex_unlock(&bg->mu);
			break;
		}
		bg->status.running = true;
		pthread_mutex_unlock(&bg->mu);
		err_clear(&e);
		if (!s && store_open(bg->db_path, STORE_NO_CREATE, &s, &e) != STATUS_OK)
			s = NULL;
		person_take(bg, s, &o);
		if (s) {
			store_set_actor(s, "sync");
			out = sync_run(s, bg->db_path, &o, &rep, &e);
			sync_status_read(s, bg->db_path, &st, NULL);
		} else {
			out = SYNC_FAILED;
			memset(&st, 0, sizeof st);
			memset(&rep, 0, sizeof rep);
			snprintf(st.last_error, sizeof st.last_error, "%.255s", e.msg);
		}
		pthread_mutex_lock(&bg->mu);
		bg->status = st;
		bg->status.running = false;
		bg->cycles++;
		pthread_mutex_unlock(&bg->mu);
		if (out == SYNC_DONE) {
			attempt = 0;
		} else if (out == SYNC_OFFLINE || out == SYNC_FAILED) {
			if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
				rnd = (uint64_t)clock_now_ms();
			wait = sync_backoff_ms(attempt < 30 ? attempt++ : attempt, rnd,
					       rep.retry_after_ms);
			if (wait > bg->backoff_cap_ms && rep.retry_after_ms < bg->backoff_cap_ms)
				wait = bg->backoff_cap_ms;
		} else {
			wait = PAUSE_REFUSED_MS;
		}
		wait_cycle(bg, s, wait, out == SYNC_DONE);
	}
	if (s && bg->person.token[0])
		sync_person_end(s, bg->db_path, &o, &bg->person);
	sync_person_forget(&bg->person);
	store_close(s);
	return NULL;
}

struct sync_bg *sync_bg_start(const char *db_path, sync_flow_words_fn *flow_words,
			      struct err *e)
{
	struct sync_bg *bg = xcalloc(1, sizeof *bg);
	struct store *s;

	/* A first status from the file, so the bar has something at once. */
	if (store_open(db_path, STORE_NO_CREATE, &s, e) != STATUS_OK) {
		free(bg);
		return NULL;
	}
	sync_status_read(s, db_path, &bg->status, NULL);
	store_close(s);
	bg->db_path = xstrdup(db_path);
	bg->flow_words = flow_words;
	bg->interval_ms = SYNC_INTERVAL_MS;
	bg->backoff_cap_ms = SYNC_BACKOFF_CAP_MS;
	{
		const char *v = getenv("FRONTDESK_SYNC_INTERVAL_MS");
		char *end;
		long ms = v ? strtol(v, &end, 10) : 0;

		/* A shorter interval (tests) shortens the backoff too. */
		if (v && *v && !*end && ms >= 100 && ms <= SYNC_INTERVAL_MS) {
			bg->interval_ms = ms;
			bg->backoff_cap_ms = 4 * (int64_t)ms;
		}
	}
	atomic_init(&bg->abort, false);
	pthread_mutex_init(&bg->mu, NULL);
	pthread_cond_init(&bg->cv, NULL);
	if (pthread_create(&bg->thread, NULL, run, bg) != 0) {
		err_set(e, STATUS_IO, "cannot start the background sync");
		pthread_mutex_destroy(&bg->mu);
		pthread_cond_destroy(&bg->cv);
		free(bg->db_path);
		free(bg);
		return NULL;
	}
	return bg;
}

void sync_bg_status(struct sync_bg *bg, struct sync_status *out)
{
	pthread_mutex_lock(&bg->mu);
	*out = bg->status;
	pthread_mutex_unlock(&bg->mu);
}

void sync_bg_nudge(struct sync_bg *bg)
{
	pthread_mutex_lock(&bg->mu);
	bg->nudged = true;
	pthread_cond_signal(&bg->cv);
	pthread_mutex_unlock(&bg->mu);
}

long sync_bg_cycles(struct sync_bg *bg)
{
	long n;

	pthread_mutex_lock(&bg->mu);
	n = bg->cycles;
	pthread_mutex_unlock(&bg->mu);
	return n;
}

void sync_bg_stop(struct sync_bg *bg)
{
	if (!bg)
		return;
	pthread_mutex_lock(&bg->mu);
	bg->stop = true;
	atomic_store(&bg->abort, true);
	pthread_cond_signal(&bg->cv);
	pthread_mutex_unlock(&bg->mu);
	pthread_join(bg->thread, NULL);
	pthread_mutex_destroy(&bg->mu);
	pthread_cond_destroy(&bg->cv);
	free(bg->db_path);
	free(bg);
}

void sync_status_words(const struct sync_status *st, int64_t now_ms, char *out, size_t outsz)
{
	const char *state = !st->state[0]		      ? "not synced yet"
			    : !strcmp(st->state, "online")    ? "online"
			    : !strcmp(st->state, "offline")   ? "offline"
			    : !strcmp(st->state, "revoked")   ? "device revoked"
			    : !strcmp(st->state, "unauthorised") ? "sync refused"
								 : "sync failed";
	char when[32] = "never synced", refused[32] = "", person[40] = "", problems[40] = "";
	int64_t ms;

	if (st->last_ok[0] && time_parse_utc(st->last_ok, &ms) == STATUS_OK) {
		time_t t = (time_t)(ms / 1000), now = (time_t)(now_ms / 1000);
		struct tm tm, tn;

		localtime_r(&t, &tm);
		localtime_r(&now, &tn);
		if (tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday)
			strftime(when, sizeof when, "synced %H:%M", &tm);
		else
			strftime(when, sizeof when, "synced %d %b", &tm);
	}
	if (st->refused > 0)
		snprintf(refused, sizeof refused, ", %ld refused", st->refused);
	if (st->waiting_person > 0)
		snprintf(person, sizeof person, " (%ld for a person)", st->waiting_person);
	if (st->pull_problems > 0)
		snprintf(problems, sizeof problems, ", %ld not applied", st->pull_problems);
	snprintf(out, outsz, "%s, %ld waiting%s, %s%s%s", state,
		 st->waiting > 0 ? st->waiting : 0, person, when, refused, problems);
	/* Beside the user at 80 columns the words get 60: past that, the
	 * refused and the not applied are counted together. */
	if (strlen(out) > 60 && st->pull_problems > 0)
		snprintf(out, outsz, "%s, %ld waiting%s, %s, %ld to check", state,
			 st->waiting > 0 ? st->waiting : 0, person, when,
			 (st->refused > 0 ? st->refused : 0) + st->pull_problems);
}
