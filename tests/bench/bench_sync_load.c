/*
 * bench_sync_load URL TOKENS-FILE ROUNDS BATCH: one thread per token (a
 * simulated console), each pushing ROUNDS batches of BATCH new contacts
 * (with their visit) and pulling after each; prints push latency
 * percentiles and the totals sent. Traffic to the URL given only (the
 * benchmark gives 127.0.0.1); every loop is bounded.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "bench_util.h"
#include "frontdesk/core.h"

#define MAX_CONSOLES 1000

struct console {
	pthread_t t;
	char token[128];
	const char *url;
	int rounds, batch, index;
	double *lat;
	long sent, failed;
};

static size_t sink(char *p, size_t s, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return s * n;
}

static void *run(void *arg)
{
	struct console *c = arg;
	CURL *h = curl_easy_init();
	char auth[200], url[256];
	struct curl_slist *hdr = NULL;
	long long seq = 0;

	snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
	hdr = curl_slist_append(hdr, auth);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	for (int r = 0; r < c->rounds; r++) {
		struct buf b;
		char vid[UUID_STR_LEN + 1], now[32];
		long status = 0;
		double t0;

		buf_init(&b, 8u << 20);
		time_format_utc(clock_now_ms(), now, sizeof now);
		uuid_v7(vid);
		buf_printf(&b, "{\"changes\":[{\"seq\":%lld,\"type\":\"visit\",\"op\":\"insert\",\"id\":\"%s\","
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
				   ++seq, id, id, vid, vid, now);
		}
		buf_adds(&b, "]}");
		snprintf(url, sizeof url, "%s/v1/push", c->url);
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, b.data);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)b.len);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
		t0 = bench_now_ms();
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		c->lat[r] = bench_now_ms() - t0;
		if (status == 200)
			c->sent += c->batch;
		else
			c->failed++;
		buf_release(&b);
		snprintf(url, sizeof url, "%s/v1/pull?after=0&limit=100", c->url);
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
		curl_easy_perform(h);
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
	double *all;
	long sent = 0, failed = 0;
	size_t k = 0;
	char line[256];

	if (argc != 5) {
		fprintf(stderr, "usage: bench_sync_load URL TOKENS-FILE ROUNDS BATCH\n");
		return 2;
	}
	rounds = (int)strtol(argv[3], NULL, 10);
	batch = (int)strtol(argv[4], NULL, 10);
	if (rounds < 1 || rounds > 10000 || batch < 1 || batch > 499)
		return 2;
	f = fopen(argv[2], "r");
	if (!f)
		return 1;
	while (n < MAX_CONSOLES && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		snprintf(cs[n].token, sizeof cs[n].token, "%.127s", line);
		n++;
	}
	fclose(f);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	all = calloc((size_t)n * (size_t)rounds, sizeof *all);
	for (int i = 0; i < n; i++) {
		cs[i].url = argv[1];
		cs[i].rounds = rounds;
		cs[i].batch = batch;
		cs[i].lat = all + (size_t)i * (size_t)rounds;
		pthread_create(&cs[i].t, NULL, run, &cs[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(cs[i].t, NULL);
		sent += cs[i].sent;
		failed += cs[i].failed;
	}
	k = (size_t)n * (size_t)rounds;
	printf("consoles %d, pushes %zu, contacts sent %ld, failed pushes %ld\n", n, k, sent, failed);
	printf("push latency ms: p50 %.1f p99 %.1f max %.1f\n", bench_percentile(all, k, 50),
	       bench_percentile(all, k, 99), bench_percentile(all, k, 100));
	printf("FIGURE sync_consoles %d\n", n);
	printf("FIGURE sync_push_p99_ms %.1f\n", bench_percentile(all, k, 99));
	printf("SENT %ld\n", sent);
	free(all);
	return failed ? 1 : 0;
}
