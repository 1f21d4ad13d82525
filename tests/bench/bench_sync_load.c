/*
 * bench_sync_load URL TOKENS-FILE MODE ROUNDS BATCH [INTERVAL-MS]: one
 * thread per line "TOKEN DEVICE-ID" (a simulated console, enrolled for
 * civic-centre; its advisor "bench" a user the server holds), each pushing
 * ROUNDS batches of
 * BATCH new contacts (each with its visit), every batch following the one
 * before ("after") as a console's do, and pulling from its own cursor after
 * each push. Prints push latency percentiles and the totals sent. Traffic
 * to the URL given only (the benchmark gives 127.0.0.1); every loop is
 * bounded. $BENCH_SEQ_BASE starts the sequence numbers above those of an
 * earlier run with the same consoles. MODE says when the consoles push:
 *
 *   paced   every INTERVAL-MS, each console starting at a random point of
 *           the first interval (consoles online together, each syncing on
 *           its own clock). Latency counts from when the push was due, not
 *           when it was sent, so a slow server cannot hide its queue by
 *           delaying the pushes behind it.
 *   burst   all consoles push at the same instant, ROUNDS times, waiting
 *           for everyone between rounds (every desk coming back online at
 *           once).
 *   closed  no pause at all: each console pushes again as soon as it has
 *           pulled (a saturation test: latency there is queueing).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "bench_util.h"
#include "frontdesk/core.h"

#define MAX_CONSOLES 1000

enum mode { PACED, BURST, CLOSED };

struct console {
	pthread_t t;
	char token[128];
	char device_id[UUID_STR_LEN + 1]; /* its own: the server refuses any other */
	const char *url;
	enum mode mode;
	int rounds, batch, index;
	double interval_ms, phase_ms, start_ms;
	double *lat;
	long sent, failed, pulls_failed;
	long long seq_base; /* $BENCH_SEQ_BASE: the same consoles run again */
};

static pthread_barrier_t g_round;

struct sink {
	char next[32]; /* the pull's "next" cursor, as text */
	char text[256];
	size_t len;
};

static size_t sink(char *p, size_t s, size_t n, void *ctx)
{
	struct sink *k = ctx;
	size_t len = s * n;

	/* Keep the first bytes: "next" sits near the end of a pull, so look
	 * for it in every chunk too. */
	for (size_t i = 0; i + 7 < len; i++)
		if (!memcmp(p + i, "\"next\":", 7)) {
			size_t j = i + 7, m = 0;

			while (j < len && (p[j] == ' '))
				j++;
			while (j < len && m + 1 < sizeof k->next && p[j] >= '0' && p[j] <= '9')
				k->next[m++] = p[j++];
			if (m)
				k->next[m] = '\0';
		}
	if (k->len < sizeof k->text - 1) {
		size_t take = len < sizeof k->text - 1 - k->len ? len : sizeof k->text - 1 - k->len;

		memcpy(k->text + k->len, p, take);
		k->len += take;
		k->text[k->len] = '\0';
	}
	return len;
}

static void sleep_until(double t_ms)
{
	double now = bench_now_ms();

	if (t_ms > now) {
		double d = t_ms - now;
		struct timespec ts = { (time_t)(d / 1000), (long)((d - (double)(time_t)(d / 1000) * 1000) * 1e6) };

		nanosleep(&ts, NULL);
	}
}

static void *run(void *arg)
{
	struct console *c = arg;
	CURL *h = curl_easy_init();
	char auth[200], url[256], cursor[32] = "0";
	struct curl_slist *hdr = NULL;
	long long seq = c->seq_base, last = 0;

	snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
	hdr = curl_slist_append(hdr, auth);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	for (int r = 0; r < c->rounds; r++) {
		struct buf b;
		struct sink k = { "", "", 0 };
		char vid[UUID_STR_LEN + 1], now[32];
		long status = 0;
		double due;

		if (c->mode == BURST)
			pthread_barrier_wait(&g_round);
		buf_init(&b, 8u << 20);
		time_format_utc(clock_now_ms(), now, sizeof now);
		uuid_v7(vid);
		if (last > 0)
			buf_printf(&b, "{\"after\":%lld,", last);
		else
			buf_adds(&b, "{");
		buf_printf(&b, "\"changes\":[{\"seq\":%lld,\"type\":\"visit\",\"op\":\"insert\",\"id\":\"%s\","
			   "\"body\":{\"id\":\"%s\",\"site\":\"civic-centre\",\"channel\":\"phone\","
			   "\"advisor\":\"bench\",\"started_at\":\"%s\"}}",
			   ++seq, vid, vid, now);
		for (int i = 0; i < c->batch; i++) {
			char id[UUID_STR_LEN + 1];

			uuid_v7(id);
			buf_printf(&b, ",{\"seq\":%lld,\"type\":\"contact\",\"op\":\"insert\",\"id\":\"%s\","
				   "\"body\":{\"id\":\"%s\",\"visit_id\":\"%s\",\"channel\":\"phone\","
				   "\"site\":\"civic-centre\",\"advisor\":\"bench\",\"service\":"
				   "\"council-tax-payment\",\"outcome\":\"resolved\",\"device_id\":\"%s\","
				   "\"created_at\":\"%s\"}}",
				   ++seq, id, id, vid, c->device_id, now);
		}
		buf_adds(&b, "]}");
		if (c->mode == PACED) {
			due = c->start_ms + c->phase_ms + (double)r * c->interval_ms;
			sleep_until(due);
		} else {
			due = bench_now_ms();
		}
		snprintf(url, sizeof url, "%s/v1/push", c->url);
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, b.data);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)b.len);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		c->lat[r] = bench_now_ms() - due;
		if (status == 200) {
			c->sent += c->batch;
			last = seq;
		} else {
			c->failed++;
			if (c->failed <= 3)
				fprintf(stderr, "bench_sync_load: push answered %ld: %.200s\n", status,
					k.text);
			seq = last; /* send the same changes again next time */
		}
		buf_release(&b);
		/* Pull what is new since this console's cursor, as a console does. */
		snprintf(url, sizeof url, "%s/v1/pull?after=%s&limit=1000", c->url, cursor);
		memset(&k, 0, sizeof k);
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
		status = 0;
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200 && k.next[0])
			snprintf(cursor, sizeof cursor, "%s", k.next);
		else
			c->pulls_failed++;
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct console cs[MAX_CONSOLES];
	FILE *f;
	int n = 0, rounds, batch;
	double *all, interval = 1000, start;
	long sent = 0, failed = 0, pulls_failed = 0;
	enum mode mode;
	size_t k = 0;
	char line[256];
	unsigned seed = 1;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: bench_sync_load URL TOKENS-FILE paced|burst|closed ROUNDS "
				"BATCH [INTERVAL-MS]\n");
		return 2;
	}
	if (!strcmp(argv[3], "paced"))
		mode = PACED;
	else if (!strcmp(argv[3], "burst"))
		mode = BURST;
	else if (!strcmp(argv[3], "closed"))
		mode = CLOSED;
	else
		return 2;
	rounds = (int)strtol(argv[4], NULL, 10);
	batch = (int)strtol(argv[5], NULL, 10);
	if (argc == 7)
		interval = strtod(argv[6], NULL);
	if (rounds < 1 || rounds > 10000 || batch < 1 || batch > 499 || interval < 1 ||
	    interval > 600000)
		return 2;
	f = fopen(argv[2], "r");
	if (!f)
		return 1;
	while (n < MAX_CONSOLES && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		/* "TOKEN DEVICE-ID", as the enrolment answered */
		snprintf(cs[n].device_id, sizeof cs[n].device_id, "%s",
			 strchr(line, ' ') ? strchr(line, ' ') + 1 : "");
		line[strcspn(line, " ")] = '\0';
		snprintf(cs[n].token, sizeof cs[n].token, "%.127s", line);
		n++;
	}
	fclose(f);
	if (n == 0)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_barrier_init(&g_round, NULL, (unsigned)n);
	all = calloc((size_t)n * (size_t)rounds, sizeof *all);
	start = bench_now_ms() + 200; /* every thread started by then */
	for (int i = 0; i < n; i++) {
		cs[i].url = argv[1];
		cs[i].mode = mode;
		cs[i].rounds = rounds;
		cs[i].batch = batch;
		cs[i].interval_ms = interval;
		cs[i].start_ms = start;
		cs[i].phase_ms = interval * (double)rand_r(&seed) / ((double)RAND_MAX + 1);
		cs[i].lat = all + (size_t)i * (size_t)rounds;
		cs[i].seq_base = getenv("BENCH_SEQ_BASE") ? strtoll(getenv("BENCH_SEQ_BASE"), NULL, 10) : 0;
		pthread_create(&cs[i].t, NULL, run, &cs[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(cs[i].t, NULL);
		sent += cs[i].sent;
		failed += cs[i].failed;
		pulls_failed += cs[i].pulls_failed;
	}
	k = (size_t)n * (size_t)rounds;
	printf("%s: consoles %d, pushes %zu (%d contacts each), contacts sent %ld, failed pushes "
	       "%ld, failed pulls %ld, in %.1f s\n",
	       argv[3], n, k, batch, sent, failed, pulls_failed, (bench_now_ms() - start) / 1000);
	printf("push latency ms: p50 %.1f p99 %.1f max %.1f\n", bench_percentile(all, k, 50),
	       bench_percentile(all, k, 99), bench_percentile(all, k, 100));
	printf("FIGURE sync_%s_consoles %d\n", argv[3], n);
	printf("FIGURE sync_%s_push_p50_ms %.1f\n", argv[3], bench_percentile(all, k, 50));
	printf("FIGURE sync_%s_push_p99_ms %.1f\n", argv[3], bench_percentile(all, k, 99));
	printf("SENT %ld\n", sent);
	pthread_barrier_destroy(&g_round);
	free(all);
	return failed ? 1 : 0;
}
