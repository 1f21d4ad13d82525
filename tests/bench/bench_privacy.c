/*
 * Data protection figures, on a scratch database of its own:
 *   - subject access export of a customer with 1,000 contacts (target <= 1 s)
 *   - audit verify of 1,000,000 audit rows (target <= 5 s)
 *
 *   bench_privacy [DIR] [AUDIT_ROWS]
 *
 * Prints "FIGURE privacy_export_1000_contacts_ms X" and
 * "FIGURE privacy_audit_verify_1m_ms Y" (medians). Measures; never asserts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bench_util.h"
#include "frontdesk/store.h"

#define ROUNDS 5

static struct refdata make_refdata(void)
{
	struct refdata rd = { 0 };

	rd.nteams = 1;
	rd.teams = xcalloc(1, sizeof *rd.teams);
	rd.teams[0] = (struct ref_team){ xstrdup("revenues"), xstrdup("Revenues"), NULL };
	rd.nservices = 1;
	rd.services = xcalloc(1, sizeof *rd.services);
	rd.services[0] = (struct ref_service){ xstrdup("council-tax-moving"),
					       xstrdup("Council Tax: moving home"),
					       xstrdup("revenues"), NULL, 0, 5 };
	rd.nsites = 1;
	rd.sites = xcalloc(1, sizeof *rd.sites);
	rd.sites[0] = (struct ref_site){ xstrdup("civic-centre"), xstrdup("Civic Centre"),
					 xstrdup("office"), NULL, NULL };
	rd.nchannels = 1;
	rd.channels = xcalloc(1, sizeof *rd.channels);
	rd.channels[0] = (struct ref_channel){ xstrdup("face-to-face"), xstrdup("Face to face"),
					       1053, false };
	rd.noutcomes = 2;
	rd.outcomes = xcalloc(2, sizeof *rd.outcomes);
	rd.outcomes[0] = (struct ref_simple){ xstrdup("resolved"), xstrdup("Resolved"), NULL };
	rd.outcomes[1] = (struct ref_simple){ xstrdup("referred"), xstrdup("Referred"), NULL };
	return rd;
}

static void check(enum status rc, const struct err *e, const char *what)
{
	if (rc != STATUS_OK) {
		fprintf(stderr, "bench_privacy: %s: %s\n", what, e->msg);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	long audit_rows = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
	struct refdata rd = make_refdata();
	struct customer *c = customer_new();
	char dir[512], path[600];
	double t[ROUNDS], t0;
	struct audit_verify v;
	struct store *s;
	struct err e;
	long have;

	snprintf(dir, sizeof dir, "%s/fd-bench-privacy-XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/fd.db", dir);
	check(store_open(path, 0, &s, &e), &e, "opening");
	store_set_actor_role(s, "bench:admin", STORE_ROLE_ADMIN);
	check(store_refdata_replace(s, &rd, &e), &e, "reference data");
	refdata_release(&rd);
	check(store_setting_set(s, "site", "civic-centre", &e), &e, "site");
	store_set_outbox_capture(s, false);

	/* A customer with 1,000 contacts, a tenth of them referrals. */
	customer_set(c, CF_name, "Zoë Nguyễn");
	customer_set(c, CF_postcode, "NG7 3AB");
	check(store_customer_add(s, c, &e), &e, "customer");
	store_bulk(s, true);
	check(store_tx_begin(s, &e), &e, "begin");
	for (int i = 0; i < 1000; i++) {
		struct contact_input in = {
			.service = "council-tax-moving",
			.outcome = i % 10 ? "resolved" : "referred",
			.reason = i % 10 ? NULL : "Joint liability",
			.customer_id = c->id,
			.notes = "Asked about the single person discount and a new address",
			.answers_json = "{\"answers\":{\"moved_on\":{\"label\":\"Date you moved "
					"in\",\"value\":\"2026-03-03\",\"personal\":true}}}",
			.flow_id = "council-tax-moving-home",
			.flow_version = 2,
			.duration_s = 180,
		};
		struct contact_result r;

		check(store_contact_log(s, &in, &r, &e), &e, "contact");
	}
	/* Audit rows up to the target count. */
	/* Audit rows up to the target, about 10,000 other people (a busy
	 * hub's year), and a hundred views of this customer among them. */
	have = 0;
	{
		char (*others)[UUID_STR_LEN + 1] = xcalloc(10000, sizeof *others);

		for (int i = 0; i < 10000; i++)
			uuid_v7(others[i]);
		for (long i = 0; i < audit_rows; i++) {
			bool ours = i % (audit_rows / 100 + 1) == 0;

			check(store_audit(s, "customer.view", "customer",
					  ours ? c->id : others[i % 10000], NULL, &e),
			      &e, "audit");
			have += ours;
		}
		free(others);
	}
	check(store_tx_end(s, true, &e), &e, "commit");
	store_bulk(s, false);

	for (int r = 0; r < ROUNDS; r++) {
		json_t *doc = NULL;

		t0 = bench_now_ms();
		check(store_customer_export(s, c->id, "json", &doc, &e), &e, "export");
		{
			char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

			free(text);
		}
		t[r] = bench_now_ms() - t0;
		json_decref(doc);
	}
	printf("  subject access export, 1,000 contacts and %ld more audit rows about them: "
	       "%.1f ms (median of %d)\n",
	       have, bench_percentile(t, ROUNDS, 50), ROUNDS);
	printf("FIGURE privacy_export_1000_contacts_ms %.1f\n", bench_percentile(t, ROUNDS, 50));

	for (int r = 0; r < 3; r++) {
		t0 = bench_now_ms();
		check(store_audit_verify(s, &v, &e), &e, "verify");
		t[r] = bench_now_ms() - t0;
		if (v.first_bad) {
			fprintf(stderr, "bench_privacy: chain broken: %s\n", v.problem);
			return 1;
		}
	}
	printf("  audit verify, %lld rows: %.1f ms (median of 3)\n", v.rows,
	       bench_percentile(t, 3, 50));
	printf("FIGURE privacy_audit_verify_1m_ms %.1f\n", bench_percentile(t, 3, 50));

	customer_free(c);
	store_close(s);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	return system(path) == 0 ? 0 : 1;
}
