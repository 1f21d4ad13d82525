/*
 * bench_sync_queue DB N contacts|customers: queues N contacts (each with its
 * visit) or N customers in the outbox of an initialised console database,
 * in one transaction, for the sync benchmarks. Measures nothing itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/store.h"

int main(int argc, char **argv)
{
	struct store *s;
	struct err e;
	long n;

	if (argc != 4 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench_sync_queue DB N contacts|customers\n");
		return 2;
	}
	if (store_open(argv[1], STORE_NO_CREATE, &s, &e) != STATUS_OK) {
		fprintf(stderr, "bench_sync_queue: %s\n", e.msg);
		return 1;
	}
	store_bulk(s, true);
	store_tx_begin(s, &e);
	for (long i = 0; i < n; i++) {
		enum status rc;

		if (!strcmp(argv[3], "customers")) {
			struct customer *c = customer_new();
			char name[64];

			snprintf(name, sizeof name, "Bench Customer %ld", i);
			customer_set(c, CF_name, name);
			customer_set(c, CF_postcode, "DE7 4RA");
			rc = store_customer_add(s, c, &e);
			customer_free(c);
		} else {
			struct contact_input in = { .service = "council-tax-payment",
						    .outcome = "resolved", .channel = "phone",
						    .duration_s = 120 };
			struct contact_result out;

			rc = store_contact_log(s, &in, &out, &e);
		}
		if (rc) {
			fprintf(stderr, "bench_sync_queue: %s\n", e.msg);
			store_tx_end(s, false, NULL);
			store_close(s);
			return 1;
		}
	}
	if (store_tx_end(s, true, &e) != STATUS_OK) {
		fprintf(stderr, "bench_sync_queue: %s\n", e.msg);
		store_close(s);
		return 1;
	}
	store_close(s);
	return 0;
}
