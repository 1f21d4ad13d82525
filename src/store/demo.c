/*
 * Demo data: realistic, deterministic synthetic UK customers and contacts
 * for demos and benchmarks. Deterministic for the same seed and the same
 * clock (FRONTDESK_NOW). Phone numbers come only from Ofcom's ranges kept
 * for drama, emails only from the reserved example domains, so no real
 * person is ever named or called. Demo rows never enter the outbox.
 *
 * Written in one transaction, in two passes: contacts (with visits,
 * referrals and their first events) and then customers with their search
 * index entries, which by then can carry the case references the first pass
 * gave them.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- deterministic randomness ------------------------------------------ */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t pick(uint64_t *r, uint32_t n)
{
	return (uint32_t)(splitmix(r) % n);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A UUIDv7 made from a given time and the generator, so ids repeat too. */
static void demo_uuid(uint64_t *r, int64_t ms, char out[UUID_STR_LEN + 1])
{
	uint64_t a = splitmix(r), b = splitmix(r);
	unsigned char u[16];

	for (int i = 0; i < 6; i++)
		u[i] = (unsigned char)((uint64_t)ms >> (40 - 8 * i));
	u[6] = (unsigned char)(0x70 | (a & 0x0f));
	u[7] = (unsigned char)(a >> 8);
	u[8] = (unsigned char)(0x80 | ((a >> 16) & 0x3f));
	for (int i = 9; i < 16; i++)
		u[i] = (unsigned char)(b >> (8 * (i - 9)));
	snprintf(out, UUID_STR_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
		 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
}

/* ---- people ------------------------------------------------------------ */

static const char *const first_names[] = {
	"Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia", "Noah",
	"Emily", "Charlie", "Sophie", "Thomas", "Grace", "James", "Lily", "William",
	"Ella", "Margaret", "Jean", "Brian", "Susan", "David", "Patricia", "Gareth",
	"Siân", "Rhys", "Eilidh", "Callum", "Aoife", "Seán", "Niamh", "Zoë", "Chloé",
	"Renée", "José", "Łukasz", "Małgorzata", "Wojciech", "Agnieszka", "Krzysztof",
	"Zofia", "Priya", "Aarav", "Anjali", "Rajesh", "Sunita", "Mohammed", "Fatima",
	"Ahmed", "Aisha", "Omar", "Zainab", "Bilal", "Nguyễn Văn", "Trần Thị", "Minh",
	"Chinedu", "Ngozi", "Oluwaseun", "Adebayo", "Kwame", "Abena", "Hodan", "Abdi",
	"Ioana", "Andrei", "Mihai", "Elena", "Dimitrios", "Eleni", "João", "Inês",
	"Mehmet", "Ayşe", "Yusuf", "Leroy", "Marcia", "Delroy", "Wei", "Mei",
	"Björn", "Søren", "Františka", "Jiří",
};

static const char *const surnames[] = {
	"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
	"Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
	"Hall", "Wood", "Jackson", "Clarke", "O'Brien", "O'Connor", "MacDonald",
	"McLeod", "Llewellyn", "Pritchard", "Nowak", "Kowalski", "Wiśniewski", "Wójcik",
	"Lewandowski", "Zieliński", "Patel", "Shah", "Singh", "Kaur", "Sharma", "Begum",
	"Khan", "Hussain", "Ahmed", "Rahman", "Ali", "Iqbal", "Nguyễn", "Trần", "Lê",
	"Phạm", "Okafor", "Adeyemi", "Okonkwo", "Mensah", "Asante", "Osei", "Mohamed",
	"Warsame", "Popescu", "Ionescu", "Papadopoulos", "Costa", "Silva", "Santos",
	"Yılmaz", "Kaya", "Campbell", "Reid", "Chen", "Wang", "Li", "Zhang", "Müller",
	"Schäfer", "Gómez", "Fernández", "Dvořák", "Novák",
};

/* Whole names in other scripts, written as their owners write them. */
static const char *const native_names[] = {
	"عائشة الحسن", "محمد عبد الله", "王芳", "李伟", "张敏", "Ελένη Παπαδοπούλου",
	"Олена Коваленко", "Дмитро Шевченко", "प्रिया शर्मा", "ਹਰਪ੍ਰੀਤ ਕੌਰ",
};

static const char *const streets[] = {
	"High Street", "Station Road", "Church Lane", "Main Street", "Park Road",
	"Victoria Road", "Mill Lane", "The Green", "Manor Road", "Queen Street",
	"Chapel Street", "School Lane", "Orchard Close", "Willow Drive", "Meadow View",
	"Oak Avenue", "Bridge Street", "Kingsway", "Granby Road", "Hawthorn Crescent",
	"Trent Boulevard", "Nursery Gardens", "Beech Court", "Canal Side",
};

static const struct {
	const char *town;
	const char *outward[4];
} towns[] = {
	{ "Cotgrave", { "NG12", "NG12", "NG12", "NG12" } },
	{ "Radcliffe on Trent", { "NG12", "NG12", "NG12", "NG12" } },
	{ "Bingham", { "NG13", "NG13", "NG13", "NG13" } },
	{ "Keyworth", { "NG12", "NG12", "NG12", "NG12" } },
	{ "West Bridgford", { "NG2", "NG2", "NG2", "NG2" } },
	{ "Ruddington", { "NG11", "NG11", "NG11", "NG11" } },
	{ "East Leake", { "LE12", "LE12", "LE12", "LE12" } },
	{ "Nottingham", { "NG1", "NG3", "NG5", "NG7" } },
	{ "Newark", { "NG24", "NG24", "NG23", "NG22" } },
	{ "Mansfield", { "NG18", "NG19", "NG20", "NG21" } },
	{ "Derby", { "DE1", "DE21", "DE22", "DE23" } },
	{ "Loughborough", { "LE11", "LE11", "LE12", "LE12" } },
};

/* Ofcom numbers reserved for drama: area prefix and free digits. */
static const struct {
	const char *prefix;
	int digits;
} drama_phones[] = {
	{ "07700900", 3 }, { "01632960", 3 }, { "02079460", 3 }, { "01154960", 3 },
	{ "01134960", 3 }, { "01214960", 3 }, { "01614960", 3 }, { "01174960", 3 },
};

static const char *const email_domains[] = { "example.com", "example.org", "example.net" };
static const char *const needs_values[] = {
	"hearing", "sight", "dementia", "no-internet", "interpreter:Polish",
	"interpreter:Arabic", "carer", "mobility", "no-internet,sight", "learning",
};

/* The ASCII letters of s, lower case (for email local parts). */
static void ascii_lower(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s && n + 1 < outsz; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			out[n++] = (char)(*s | 0x20);
	out[n] = '\0';
}

/* ---- the demo gazetteer ------------------------------------------------- */

/* Houses on each demo street: the gazetteer lists 1 to DEMO_HOUSES on every
 * street of every town, and each demo customer with an address lives at
 * one of them. */
#define DEMO_HOUSES 180u
/* Houses that share a postcode (a UK postcode covers about 15). */
#define DEMO_POSTCODE_HOUSES 20u

/* One address of the demo gazetteer. */
struct demo_address {
	char address[80], postcode[12], uprn[16], number[8];
};

/* House `house` of street `street` in town t, as a pure function of the
 * three: its postcode is shared by a block of DEMO_POSTCODE_HOUSES houses;
 * its UPRN is unique (12 digits). */
static void demo_address(int t, int street, unsigned house, struct demo_address *a)
{
	static const char letters[] = "ABDEFGHJLNPQRSTUWXYZ";
	unsigned block = (house - 1) / DEMO_POSTCODE_HOUSES;
	uint64_t h = ((uint64_t)(t * (int)COUNT(streets) + street) * 16 + block) *
		     0x9e3779b97f4a7c15ULL;

	snprintf(a->number, sizeof a->number, "%u", house);
	snprintf(a->address, sizeof a->address, "%u %s", house, streets[street]);
	snprintf(a->postcode, sizeof a->postcode, "%s %u%c%c", towns[t].outward[street % 4],
		 (unsigned)((h >> 20) % 10), letters[(h >> 32) % 20], letters[(h >> 44) % 20]);
	snprintf(a->uprn, sizeof a->uprn, "%llu",
		 100000000000ULL + (unsigned long long)(t * (int)COUNT(streets) + street) * 1000u +
			 house);
}

/* Writes the demo gazetteer: every house on every demo street, inside the
 * caller's transaction. */
static enum status demo_gazetteer(struct store *s, struct err *e)
{
	size_t n = COUNT(towns) * COUNT(streets) * DEMO_HOUSES, i = 0;
	struct demo_address *a = xcalloc(n, sizeof *a);
	struct gazetteer_entry *g = xcalloc(n, sizeof *g);
	enum status rc;

	for (int t = 0; t < (int)COUNT(towns); t++)
		for (int street = 0; street < (int)COUNT(streets); street++)
			for (unsigned house = 1; house <= DEMO_HOUSES; house++, i++) {
				demo_address(t, street, house, &a[i]);
				g[i] = (struct gazetteer_entry){
					.uprn = a[i].uprn,
					.address = a[i].address,
					.town = towns[t].town,
					.postcode = a[i].postcode,
					.number = a[i].number,
					.street = streets[street],
				};
			}
	rc = gazetteer_write(s, g, n, NULL, e);
	free(g);
	free(a);
	return rc;
}

/* Customer number i of a seed, as a pure function of (seed, i). */
struct demo_person {
	char id[UUID_STR_LEN + 1];
	char name[160], dob[16], address[200], postcode[16], uprn[16];
	char phone[24], phone_raw[24], email[160], needs[48], created[32];
	bool has_dob, has_address, has_phone, has_email, has_uprn, has_needs;
};

static void make_person(uint64_t seed, long i, int64_t now_ms, struct demo_person *p)
{
	uint64_t r = seed * 0x100000001b3ULL + (uint64_t)i * 0x9e3779b97f4a7c15ULL + 1;
	int64_t created = now_ms - (int64_t)pick(&r, 3 * 365) * 86400000LL -
			  (int64_t)pick(&r, 86400) * 1000LL;
	int t = (int)pick(&r, COUNT(towns));
	const char *first = first_names[pick(&r, COUNT(first_names))];
	const char *last = surnames[pick(&r, COUNT(surnames))];

	memset(p, 0, sizeof *p);
	demo_uuid(&r, created, p->id);
	time_format_utc(created, p->created, sizeof p->created);
	if (pick(&r, 100) < 2)
		snprintf(p->name, sizeof p->name, "%s", native_names[pick(&r, COUNT(native_names))]);
	else
		snprintf(p->name, sizeof p->name, "%s %s", first, last);
	p->has_dob = pick(&r, 100) < 70;
	snprintf(p->dob, sizeof p->dob, "%04u-%02u-%02u", 1930 + pick(&r, 77), 1 + pick(&r, 12),
		 1 + pick(&r, 28));
	p->has_address = pick(&r, 100) < 85;
	{
		/* street before house: the order the compiler took them in
		 * when they were arguments of one call */
		int street = (int)pick(&r, COUNT(streets));
		unsigned house = 1 + pick(&r, DEMO_HOUSES);
		struct demo_address a;

		/* The draws the postcode and UPRN were once made from are
		 * still taken, so every field after them is as it was. */
		for (int k = 0; k < 4; k++)
			(void)pick(&r, 20);
		demo_address(t, street, house, &a);
		snprintf(p->address, sizeof p->address, "%s, %s", a.address, towns[t].town);
		snprintf(p->postcode, sizeof p->postcode, "%s", a.postcode);
		snprintf(p->uprn, sizeof p->uprn, "%s", a.uprn);
	}
	p->has_uprn = p->has_address && pick(&r, 100) < 60;
	(void)pick(&r, 900000000u);
	p->has_phone = pick(&r, 100) < 75;
	{
		int k = (int)pick(&r, COUNT(drama_phones));
		unsigned tail = pick(&r, 1000);

		snprintf(p->phone_raw, sizeof p->phone_raw, "%s%03u", drama_phones[k].prefix, tail);
		snprintf(p->phone, sizeof p->phone, "+44%s", p->phone_raw + 1);
	}
	p->has_email = pick(&r, 100) < 45;
	{
		char a[64], b[64];

		ascii_lower(first, a, sizeof a);
		ascii_lower(last, b, sizeof b);
		snprintf(p->email, sizeof p->email, "%s.%s%ld@%s", a[0] ? a : "resident",
			 b[0] ? b : "x", i % 1000, email_domains[pick(&r, COUNT(email_domains))]);
	}
	p->has_needs = pick(&r, 100) < 8;
	snprintf(p->needs, sizeof p->needs, "%s", needs_values[pick(&r, COUNT(needs_values))]);
}

/* The demo person as a customer record (for the search index). */
static void person_fill(const struct demo_person *p, struct customer *c)
{
	snprintf(c->id, sizeof c->id, "%s", p->id);
	customer_set(c, CF_name, p->name);
	customer_set(c, CF_address, p->has_address ? p->address : NULL);
	customer_set(c, CF_postcode, p->has_address ? p->postcode : NULL);
	customer_set(c, CF_phone, p->has_phone ? p->phone : NULL);
	customer_set(c, CF_email, p->has_email ? p->email : NULL);
}

/* ---- reference codes --------------------------------------------------- */

struct codes {
	char **code;
	size_t n;
};

static int collect(void *ctx, const char *code, const char *name)
{
	struct codes *c = ctx;

	(void)name;
	c->code = xrealloc(c->code, (c->n + 1) * sizeof *c->code);
	c->code[c->n++] = xstrdup(code);
	return 0;
}

static void codes_release(struct codes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->code[i]);
	free(c->code);
	memset(c, 0, sizeof *c);
}

static int code_index(const struct codes *c, const char *code)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->code[i], code) == 0)
			return (int)i;
	return -1;
}

/* Channel shares as the strategies report them: most contact by phone. */
static const struct {
	const char *code;
	int weight;
} channel_mix[] = {
	{ "phone", 52 }, { "face-to-face", 20 }, { "web", 14 }, { "email", 8 },
	{ "post", 3 },	 { "self-service-terminal", 2 }, { "social", 1 },
};
static const struct {
	const char *code;
	int weight;
} outcome_mix[] = {
	{ "resolved", 64 },	    { "referred", 15 },	   { "signposted", 10 },
	{ "assisted-digital", 5 }, { "appointment", 4 }, { "abandoned", 2 },
};

struct demo_ctx {
	struct store *s;
	struct codes services, sites, channels, outcomes, failures;
	int *service_team; /* index into a per-service team code list */
	char **team_of;
	long *standard_days;
	int chan_idx[COUNT(channel_mix)];
	int out_idx[COUNT(outcome_mix)];
	const struct date *hol;
	size_t nhol;
};

/* A service for a channel: face to face leans to Council Tax and benefits. */
static int pick_service(struct demo_ctx *d, uint64_t *r, bool face_to_face)
{
	for (int tries = 0; tries < 4; tries++) {
		int i = (int)pick(r, (uint32_t)d->services.n);
		const char *c = d->services.code[i];
		bool heavy = strstr(c, "council-tax") || strstr(c, "benefit") ||
			     strstr(c, "support");

		if (!face_to_face || heavy || tries == 3)
			return i;
	}
	return 0;
}

static int pick_weighted(uint64_t *r, const int *idx, const int *weights, size_t n)
{
	int total = 0, x;

	for (size_t i = 0; i < n; i++)
		if (idx[i] >= 0)
			total += weights[i];
	x = (int)pick(r, (uint32_t)(total ? total : 1));
	for (size_t i = 0; i < n; i++) {
		if (idx[i] < 0)
			continue;
		if (x < weights[i])
			return idx[i];
		x -= weights[i];
	}
	return 0;
}

/* ---- passes ------------------------------------------------------------ */

static enum status prep(struct store *s, const char *sql, sqlite3_stmt **st, struct err *e)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	return rc == SQLITE_OK ? STATUS_OK : store_db_error(s, rc, "generating demo data", e);
}

static enum status step_done(struct store *s, sqlite3_stmt *st, struct err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STATUS_OK : store_db_error(s, rc, "generating demo data", e);
}

/* Case references handed to customer c, chained through next_ref. */
struct ref_chain {
	long *head; /* per customer: index into refs, -1 none */
	long *next;
	long *number;
	long n, alloc;
};

static void chain_add(struct ref_chain *ch, long customer, long number)
{
	if (ch->n == ch->alloc) {
		ch->alloc = ch->alloc ? ch->alloc * 2 : 4096;
		ch->next = xrealloc(ch->next, (size_t)ch->alloc * sizeof *ch->next);
		ch->number = xrealloc(ch->number, (size_t)ch->alloc * sizeof *ch->number);
	}
	ch->number[ch->n] = number;
	ch->next[ch->n] = ch->head[customer];
	ch->head[customer] = ch->n++;
}

static enum status pass_contacts(struct demo_ctx *d, const struct demo_options *o,
				 int64_t now_ms, char (*ids)[UUID_STR_LEN + 1], const char *code,
				 struct ref_chain *chain, long *counter, struct err *e)
{
	sqlite3_stmt *visit = NULL, *contact = NULL, *kase = NULL, *event = NULL;
	uint64_t r = o->seed ^ 0xc0ffee;
	int weights_c[COUNT(channel_mix)], weights_o[COUNT(outcome_mix)];
	char visit_id[UUID_STR_LEN + 1] = "", advisor[32] = "";
	long visit_left = 0, visit_customer = -1;
	int visit_site = 0, visit_channel = 0;
	int64_t span = 2LL * 365 * 86400000LL;
	enum status rc;

	for (size_t i = 0; i < COUNT(channel_mix); i++)
		weights_c[i] = channel_mix[i].weight;
	for (size_t i = 0; i < COUNT(outcome_mix); i++)
		weights_o[i] = outcome_mix[i].weight;
	rc = prep(d->s,
		  "INSERT INTO visit (id, customer_id, site, channel, advisor, started_at)"
		  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		  &visit, e);
	if (!rc)
		rc = prep(d->s,
			  "INSERT INTO contact (id, visit_id, customer_id, channel, site, advisor,"
			  " service, outcome, failure_demand, duration_s, device_id, created_at)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
			  &contact, e);
	if (!rc)
		rc = prep(d->s,
			  "INSERT INTO \"case\" (id, reference, contact_id, customer_id, team, service,"
			  " reason, status, due_date, created_at, closed_at, result)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
			  &kase, e);
	if (!rc)
		rc = prep(d->s,
			  "INSERT INTO case_event (id, case_id, status, note, actor, at)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &event, e);

	for (long i = 0; !rc && i < o->contacts; i++) {
		/* Contacts in time order across the last two years. */
		int64_t at_ms = now_ms - span + (span / o->contacts) * i + (int64_t)pick(&r, 60000);
		char at[32], contact_id[UUID_STR_LEN + 1];
		int svc, outcome;
		long customer;
		bool f2f;

		time_format_utc(at_ms, at, sizeof at);
		if (visit_left == 0) {
			/* A new visit or call: one enquiry mostly, up to three. */
			uint32_t k = pick(&r, 100);

			visit_left = k < 80 ? 1 : k < 95 ? 2 : 3;
			visit_channel = pick_weighted(&r, d->chan_idx, weights_c, COUNT(channel_mix));
			visit_site = (int)pick(&r, (uint32_t)d->sites.n);
			f2f = strcmp(d->channels.code[visit_channel], "face-to-face") == 0;
			/* Most phone enquiries are anonymous; face to face less so. */
			visit_customer = o->customers > 0 && pick(&r, 100) < (f2f ? 60u : 30u)
						 ? (long)pick(&r, (uint32_t)o->customers)
						 : -1;
			demo_uuid(&r, at_ms, visit_id);
			snprintf(advisor, sizeof advisor, "demo-advisor-%02u", 1 + pick(&r, 40));
			sqlite3_bind_text(visit, 1, visit_id, -1, SQLITE_STATIC);
			bind_text_or_null(visit, 2, visit_customer >= 0 ? ids[visit_customer] : NULL);
			sqlite3_bind_text(visit, 3, d->sites.code[visit_site], -1, SQLITE_STATIC);
			sqlite3_bind_text(visit, 4, d->channels.code[visit_channel], -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(visit, 5, advisor, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(visit, 6, at, -1, SQLITE_TRANSIENT);
			rc = step_done(d->s, visit, e);
			if (rc)
				break;
		}
		visit_left--;
		customer = visit_customer;
		f2f = strcmp(d->channels.code[visit_channel], "face-to-face") == 0;
		svc = pick_service(d, &r, f2f);
		outcome = pick_weighted(&r, d->out_idx, weights_o, COUNT(outcome_mix));
		demo_uuid(&r, at_ms, contact_id);
		sqlite3_bind_text(contact, 1, contact_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(contact, 2, visit_id, -1, SQLITE_STATIC);
		bind_text_or_null(contact, 3, customer >= 0 ? ids[customer] : NULL);
		sqlite3_bind_text(contact, 4, d->channels.code[visit_channel], -1, SQLITE_STATIC);
		sqlite3_bind_text(contact, 5, d->sites.code[visit_site], -1, SQLITE_STATIC);
		sqlite3_bind_text(contact, 6, advisor, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(contact, 7, d->services.code[svc], -1, SQLITE_STATIC);
		sqlite3_bind_text(contact, 8, d->outcomes.code[outcome], -1, SQLITE_STATIC);
		/* About a quarter of contacts are failure demand. */
		if (d->failures.n && pick(&r, 100) < 25)
			sqlite3_bind_text(contact, 9, d->failures.code[pick(&r, (uint32_t)d->failures.n)],
					  -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(contact, 9);
		sqlite3_bind_int64(contact, 10, 60 + pick(&r, f2f ? 900 : 420));
		sqlite3_bind_text(contact, 11, d->s->device_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(contact, 12, at, -1, SQLITE_TRANSIENT);
		rc = step_done(d->s, contact, e);
		if (!rc && strcmp(d->outcomes.code[outcome], OUTCOME_REFERRED) == 0) {
			char case_id[UUID_STR_LEN + 1], event_id[UUID_STR_LEN + 1], ref[32], due[16];
			struct date day = date_of_ms_london(at_ms);
			bool closed = at_ms < now_ms - 30LL * 86400000LL || pick(&r, 100) < 30;

			date_format(date_add_working_days(day, (int)d->standard_days[svc], d->hol,
							  d->nhol),
				    due, sizeof due);
			case_reference(code, ++*counter, ref, sizeof ref);
			demo_uuid(&r, at_ms, case_id);
			sqlite3_bind_text(kase, 1, case_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(kase, 2, ref, -1, SQLITE_STATIC);
			sqlite3_bind_text(kase, 3, contact_id, -1, SQLITE_STATIC);
			bind_text_or_null(kase, 4, customer >= 0 ? ids[customer] : NULL);
			sqlite3_bind_text(kase, 5, d->team_of[svc], -1, SQLITE_STATIC);
			sqlite3_bind_text(kase, 6, d->services.code[svc], -1, SQLITE_STATIC);
			sqlite3_bind_text(kase, 7, "Needs the back office to check the account", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(kase, 8, closed ? "closed" : "open", -1, SQLITE_STATIC);
			sqlite3_bind_text(kase, 9, due, -1, SQLITE_STATIC);
			sqlite3_bind_text(kase, 10, at, -1, SQLITE_STATIC);
			bind_text_or_null(kase, 11, closed ? at : NULL);
			bind_text_or_null(kase, 12, closed ? "resolved by the back office" : NULL);
			rc = step_done(d->s, kase, e);
			demo_uuid(&r, at_ms, event_id);
			sqlite3_bind_text(event, 1, event_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(event, 2, case_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(event, 3, "open", -1, SQLITE_STATIC);
			sqlite3_bind_text(event, 4, "referred from the front desk", -1, SQLITE_STATIC);
			sqlite3_bind_text(event, 5, advisor, -1, SQLITE_STATIC);
			sqlite3_bind_text(event, 6, at, -1, SQLITE_STATIC);
			if (!rc)
				rc = step_done(d->s, event, e);
			if (customer >= 0)
				chain_add(chain, customer, *counter);
		}
		if (o->progress && (i + 1) % 250000 == 0)
			o->progress(o->progress_ctx, "contacts", i + 1, o->contacts);
	}
	sqlite3_finalize(visit);
	sqlite3_finalize(contact);
	sqlite3_finalize(kase);
	sqlite3_finalize(event);
	return rc;
}

/*
 * Customers after contacts: by then each customer's case references are
 * known, so the row and its search-index entry are written once each.
 */
static enum status pass_customers(struct demo_ctx *d, const struct demo_options *o,
				  int64_t now_ms, const char *code, const struct ref_chain *chain,
				  struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct customer *c = customer_new();
	struct buf refs;
	enum status rc = prep(d->s,
			      "INSERT INTO customer (id, name, dob, address, postcode, uprn, phone,"
			      " phone_raw, email, needs, needs_basis, field_hlc, created_at, updated_at)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
			      " CASE WHEN ?10 IS NULL THEN NULL ELSE 'consent' END, '{}', ?11, ?11)",
			      &st, e);

	buf_init(&refs, 0); /* no cap: a reference cut off could not be searched for */
	for (long i = 0; !rc && i < o->customers; i++) {
		struct demo_person p;

		make_person(o->seed, i, now_ms, &p);
		sqlite3_bind_text(st, 1, p.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p.name, -1, SQLITE_STATIC);
		bind_text_or_null(st, 3, p.has_dob ? p.dob : NULL);
		bind_text_or_null(st, 4, p.has_address ? p.address : NULL);
		bind_text_or_null(st, 5, p.has_address ? p.postcode : NULL);
		bind_text_or_null(st, 6, p.has_uprn ? p.uprn : NULL);
		bind_text_or_null(st, 7, p.has_phone ? p.phone : NULL);
		bind_text_or_null(st, 8, p.has_phone ? p.phone_raw : NULL);
		bind_text_or_null(st, 9, p.has_email ? p.email : NULL);
		bind_text_or_null(st, 10, p.has_needs ? p.needs : NULL);
		sqlite3_bind_text(st, 11, p.created, -1, SQLITE_STATIC);
		rc = step_done(d->s, st, e);
		if (rc)
			break;
		buf_reset(&refs);
		for (long k = chain->head[i]; k >= 0; k = chain->next[k]) {
			char ref[32];

			case_reference(code, chain->number[k], ref, sizeof ref);
			buf_printf(&refs, "%s%s", refs.len ? " " : "", ref);
		}
		person_fill(&p, c);
		rc = search_index_add(d->s, sqlite3_last_insert_rowid(d->s->db), c,
				      refs.len ? buf_str(&refs) : NULL, e);
		if (o->progress && (i + 1) % 100000 == 0)
			o->progress(o->progress_ctx, "customers", i + 1, o->customers);
	}
	buf_release(&refs);
	customer_free(c);
	sqlite3_finalize(st);
	return rc;
}

static enum status demo_setup(struct demo_ctx *d, struct err *e)
{
	enum status rc;

	store_ref_list(d->s, REF_SERVICE, collect, &d->services, NULL);
	store_ref_list(d->s, REF_SITE, collect, &d->sites, NULL);
	store_ref_list(d->s, REF_CHANNEL, collect, &d->channels, NULL);
	store_ref_list(d->s, REF_OUTCOME, collect, &d->outcomes, NULL);
	store_ref_list(d->s, REF_FAILURE, collect, &d->failures, NULL);
	if (!d->services.n || !d->sites.n || !d->channels.n || !d->outcomes.n)
		return err_set(e, STATUS_NOT_FOUND,
			       "no reference data loaded (services, sites, channels, outcomes); run frontdesk init first");
	d->team_of = xcalloc(d->services.n, sizeof *d->team_of);
	d->standard_days = xcalloc(d->services.n, sizeof *d->standard_days);
	for (size_t i = 0; i < d->services.n; i++) {
		struct ref_service svc;

		rc = store_service_get(d->s, d->services.code[i], &svc, e);
		if (rc)
			return rc;
		d->team_of[i] = svc.team;
		svc.team = NULL;
		d->standard_days[i] = svc.standard_days;
		ref_service_release(&svc);
	}
	for (size_t i = 0; i < COUNT(channel_mix); i++)
		d->chan_idx[i] = code_index(&d->channels, channel_mix[i].code);
	for (size_t i = 0; i < COUNT(outcome_mix); i++)
		d->out_idx[i] = code_index(&d->outcomes, outcome_mix[i].code);
	if (d->out_idx[1] < 0)
		return err_set(e, STATUS_NOT_FOUND, "outcome 'referred' is not loaded; check outcomes.csv");
	return holidays_get(d->s, &d->hol, &d->nhol, e);
}

static void demo_release(struct demo_ctx *d)
{
	if (d->team_of)
		for (size_t i = 0; i < d->services.n; i++)
			free(d->team_of[i]);
	free(d->team_of);
	free(d->standard_days);
	codes_release(&d->services);
	codes_release(&d->sites);
	codes_release(&d->channels);
	codes_release(&d->outcomes);
	codes_release(&d->failures);
}

/*
 * Secondary indexes of the tables the contact pass fills are dropped during
 * the bulk write and made again from their own stored definitions after it:
 * building an index by sorting once is far cheaper than five million
 * scattered inserts into it. Unique (automatic) indexes stay. So with the
 * triggers on those tables (the report counts and marks, which look up a
 * customer's other contacts through an index): report_migrate makes what
 * they keep in one pass once the indexes are back.
 */
struct saved_indexes {
	char **sql;
	size_t n;
};

static enum status indexes_drop(struct store *s, struct saved_indexes *saved, struct err *e)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT name, sql, upper(type) FROM sqlite_schema"
				    " WHERE type IN ('index', 'trigger')"
				    " AND sql IS NOT NULL AND tbl_name IN"
				    " ('contact', 'visit', 'case', 'case_event')",
				    -1, &st, NULL);
	struct buf drop;
	enum status out;

	if (rc != SQLITE_OK)
		return store_db_error(s, rc, "generating demo data", e);
	buf_init(&drop, 0);
	while (sqlite3_step(st) == SQLITE_ROW) {
		saved->sql = xrealloc(saved->sql, (saved->n + 1) * sizeof *saved->sql);
		saved->sql[saved->n++] = xstrdup(col_text(st, 1));
		buf_printf(&drop, "DROP %s \"%s\";", col_text(st, 2), col_text(st, 0));
	}
	sqlite3_finalize(st);
	out = drop.len ? store_exec(s, buf_str(&drop), e) : STATUS_OK;
	buf_release(&drop);
	return out;
}

static enum status indexes_restore(struct store *s, struct saved_indexes *saved, struct err *e)
{
	enum status rc = STATUS_OK;

	for (size_t i = 0; i < saved->n && !rc; i++)
		rc = store_exec(s, saved->sql[i], e);
	return rc;
}

static void indexes_release(struct saved_indexes *saved)
{
	for (size_t i = 0; i < saved->n; i++)
		free(saved->sql[i]);
	free(saved->sql);
}

enum status store_demo_generate(struct store *s, const struct demo_options *o, struct err *e)
{
	struct demo_ctx d = { .s = s };
	struct ref_chain chain = { 0 };
	struct saved_indexes saved = { 0 };
	char (*ids)[UUID_STR_LEN + 1] = NULL;
	char *code = NULL, *counter_text = NULL, text[32];
	int64_t now_ms = clock_now_ms();
	long counter;
	bool capture = s->outbox_capture;
	enum status rc;

	if (o->customers < 0 || o->contacts < 0 || o->customers > 50000000L ||
	    o->contacts > 200000000L)
		return err_set(e, STATUS_INVALID,
			       "demo sizes must be 0 to 50,000,000 customers and 0 to 200,000,000 contacts");
	if (stmt_number(stmt_sql(s, "SELECT EXISTS (SELECT 1 FROM customer)", NULL)) != 0 ||
	    stmt_number(stmt_sql(s, "SELECT EXISTS (SELECT 1 FROM contact)", NULL)) != 0)
		return err_set(e, STATUS_EXISTS,
			       "database '%s' already holds customers or contacts; demo data goes only into a new database (use --db with a new file)",
			       s->path);
	{
		char *server = setting_raw(s, "server_url");

		free(server);
		if (server)
			return err_set(e, STATUS_DENIED,
				       "this desk is set up to sync with a server; demo data is never made in a database that syncs");
	}
	rc = demo_setup(&d, e);
	if (rc)
		goto done;
	ids = xcalloc((size_t)(o->customers ? o->customers : 1), sizeof *ids);
	chain.head = xmalloc((size_t)(o->customers ? o->customers : 1) * sizeof *chain.head);
	for (long i = 0; i < o->customers; i++)
		chain.head[i] = -1;
	s->outbox_capture = false;
	store_bulk(s, true);
	/* Every code a demo row names was read from this database a moment
	 * ago, so the per-row foreign-key lookups (six per contact) prove
	 * nothing; they are switched off for this write only (the pragma
	 * cannot change inside a transaction) and on again after it. */
	store_exec(s, "PRAGMA foreign_keys = OFF", NULL);
	rc = store_tx_begin(s, e);
	if (rc)
		goto done;
	rc = indexes_drop(s, &saved, e);
	code = setting_raw(s, "device_code");
	counter_text = setting_raw(s, "case_counter");
	counter = counter_text ? strtol(counter_text, NULL, 10) : 0;
	/* Contacts name customers by id before the customers are written
	 * (foreign keys are off for this write); the ids are a pure function
	 * of the seed, so they are known up front. */
	for (long i = 0; i < o->customers; i++) {
		struct demo_person p;

		make_person(o->seed, i, now_ms, &p);
		memcpy(ids[i], p.id, sizeof ids[i]);
	}
	if (!rc)
		rc = demo_gazetteer(s, e);
	if (!rc)
		rc = pass_contacts(&d, o, now_ms, ids, code ? code : "ZZZ", &chain, &counter, e);
	if (!rc)
		rc = pass_customers(&d, o, now_ms, code ? code : "ZZZ", &chain, e);
	if (!rc) {
		if (o->progress)
			o->progress(o->progress_ctx, "indexes", 0, (long)saved.n);
		rc = indexes_restore(s, &saved, e);
	}
	if (!rc)
		rc = report_migrate(s, e);
	snprintf(text, sizeof text, "%ld", counter);
	if (!rc)
		rc = setting_put(s, "case_counter", text, e);
	if (!rc)
		rc = setting_put(s, "demo", "1", e);
	if (!rc) {
		snprintf(text, sizeof text, "%ld,%ld", o->customers, o->contacts);
		rc = store_audit(s, "demo.generate", NULL, NULL, text, e);
	}
	if (rc)
		store_tx_end(s, false, NULL);
	else
		rc = store_tx_end(s, true, e);
	if (!rc) {
		if (o->progress)
			o->progress(o->progress_ctx, "search index", 0, 1);
		search_tidy(s, true); /* the whole index was just built: one segment */
	}
	store_bulk(s, false);
done:
	store_exec(s, "PRAGMA foreign_keys = ON", NULL);
	indexes_release(&saved);
	s->outbox_capture = capture;
	free(code);
	free(counter_text);
	free(ids);
	free(chain.head);
	free(chain.next);
	free(chain.number);
	demo_release(&d);
	return rc;
}
