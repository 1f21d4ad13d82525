/*
 * Device settings (`frontdesk config`): a small table of known keys, each
 * checked before it is stored.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct setting_info known[] = {
	{ "site", "this desk's site code (sites.csv)", NULL },
	{ "default_channel", "channel a new contact starts with (channels.csv)", "face-to-face" },
	{ "server_url", "frontdeskd address, https:// (http:// only to this machine)", NULL },
	{ "idle_lock_minutes", "minutes without a key before the screen locks (1-60)", "5" },
	{ "device_code", "start of this desk's case references (provisional until enrolment)",
	  NULL },
	{ "fcr_target_percent", "first-contact resolution target (1-100)", "80" },
	{ "fcr_repeat_days", "a repeat contact within this many days undoes a resolution (1-90)",
	  "7" },
	{ "max_offline_days", "days without a sync before customer records are hidden (1-365)",
	  "14" },
	/* reports (issue 6) */
	{ "signposting_target_year", "signposted contacts aimed for in a year (0-1000000)", "1000" },
	{ "assisted_digital_target_year", "assisted-digital contacts aimed for in a year (0-1000000)",
	  "1000" },
	{ "cost_target_mix", "target channel mix for cost to serve, CHANNEL:PERCENT,... summing to 100",
	  "web:50,phone:30,face-to-face:10,email:10" },
	{ NULL, NULL, NULL },
};

const struct setting_info *store_settings_known(void)
{
	return known;
}

static const struct setting_info *find_known(const char *key)
{
	for (const struct setting_info *k = known; k->key; k++)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

/* The known key closest to key, for "did you mean". */
static const char *closest_key(const char *key)
{
	const char *names[sizeof known / sizeof known[0]];
	size_t n = 0;

	for (const struct setting_info *k = known; k->key; k++)
		names[n++] = k->key;
	return text_suggest(key, names, n);
}

static enum status unknown_key(const char *key, struct err *e)
{
	const char *near = closest_key(key);

	if (near)
		return err_set(e, STATUS_NOT_FOUND,
			       "unknown setting '%s'; did you mean '%s'? (frontdesk config list shows all)",
			       key, near);
	return err_set(e, STATUS_NOT_FOUND,
		       "unknown setting '%s'; frontdesk config list shows the settings", key);
}

enum status store_setting_get(struct store *s, const char *key, char **value, struct err *e)
{
	const struct setting_info *k = find_known(key);

	*value = NULL;
	if (!k)
		return unknown_key(key, e);
	*value = setting_raw(s, key);
	if (!*value && k->default_value)
		*value = xstrdup(k->default_value);
	return STATUS_OK;
}

static enum status check_url(const char *v, struct err *e)
{
	static const char *const loopback[] = { "http://127.0.0.1", "http://localhost",
						"http://[::1]" };

	if (strncmp(v, "https://", 8) == 0 && v[8])
		return STATUS_OK;
	for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
		size_t n = strlen(loopback[i]);

		if (strncmp(v, loopback[i], n) == 0 && (v[n] == ':' || v[n] == '/' || !v[n]))
			return STATUS_OK;
	}
	return err_set(e, STATUS_INVALID,
		       "server_url '%s' must start with https:// (plain http:// only to this machine)",
		       v);
}

static enum status check_device_code(const char *v, struct err *e)
{
	size_t n = strlen(v);

	/* A case reference starts with a letter (WB2-00417), so the code must. */
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') || (i > 0 && v[i] >= '0' && v[i] <= '9')))
			n = 0;
	if (n < 2 || n > 6)
		return err_set(e, STATUS_INVALID,
			       "device_code '%s' must be 2 to 6 capital letters or digits starting with a letter, like WB2",
			       v);
	return STATUS_OK;
}

enum status store_setting_set(struct store *s, const char *key, const char *value,
			      struct err *e)
{
	long n;
	enum status rc;

	if (!find_known(key))
		return unknown_key(key, e);
	if (!value || !*value)
		return err_set(e, STATUS_INVALID, "setting '%s' needs a value", key);
	/* What a desk is (its site, server, device code, offline limit, lock)
	 * is an administrator's; the report targets a supervisor's; the channel
	 * a new contact starts with anyone's. */
	if (strcmp(key, "default_channel") != 0) {
		bool target = strcmp(key, "fcr_target_percent") == 0 ||
			      strcmp(key, "fcr_repeat_days") == 0 ||
			      strcmp(key, "signposting_target_year") == 0 ||
			      strcmp(key, "assisted_digital_target_year") == 0 ||
			      strcmp(key, "cost_target_mix") == 0;

		rc = store_require(s, target ? STORE_PERM_TARGETS : STORE_PERM_SETTINGS, "settings",
				   key, e);
		if (rc)
			return rc;
	}
	if (strcmp(key, "site") == 0)
		rc = store_ref_check(s, REF_SITE, value, e);
	else if (strcmp(key, "default_channel") == 0)
		rc = store_ref_check(s, REF_CHANNEL, value, e);
	else if (strcmp(key, "server_url") == 0)
		rc = check_url(value, e);
	else if (strcmp(key, "device_code") == 0)
		rc = check_device_code(value, e);
	else if (strcmp(key, "idle_lock_minutes") == 0)
		rc = valid_int(key, value, 1, 60, &n, e);
	else if (strcmp(key, "fcr_target_percent") == 0)
		rc = valid_int(key, value, 1, 100, &n, e);
	else if (strcmp(key, "fcr_repeat_days") == 0)
		rc = valid_int(key, value, 1, 90, &n, e);
	else if (strcmp(key, "signposting_target_year") == 0 ||
		 strcmp(key, "assisted_digital_target_year") == 0)
		rc = valid_int(key, value, 0, 1000000, &n, e);
	else if (strcmp(key, "cost_target_mix") == 0)
		rc = store_report_mix_check(s, value, e);
	else
		rc = valid_int(key, value, 1, 365, &n, e);
	if (rc)
		return rc;
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = setting_put(s, key, value, e);
	if (!rc) {
		char detail[128];

		snprintf(detail, sizeof detail, "%s", key);
		rc = store_audit(s, "settings.change", "settings", NULL, detail, e);
	}
	return rc ? (store_tx_end(s, false, NULL), rc) : store_tx_end(s, true, e);
}
