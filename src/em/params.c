/* params.c -- EM service parameters: the table, CUCM's defaults, parsing and validation.
 *
 * Choices where CUCM leaves room (see shared/reference/cisco-em-emcc.md 3.3):
 *  - Enforce Intra-cluster Maximum Login Time and Intra-cluster Maximum Login Time are kept as
 *    two independent values, and the effective limit is em_params_intra_max_minutes(): the
 *    intra value when enforce is true, none otherwise. A value of 0:00 means "no limit" even
 *    with enforce true (CUCM 12.5 lets 0 stand in for Enforce=False). CUCM's UI also flips
 *    Enforce on when an admin types a time; that is an admin-side action (set both), not done
 *    here, because em_params_load overlays stored values in no particular order and must give
 *    the same result whatever the order.
 *  - max_concurrent_requests accepts 1..100000, wider than CUCM's 1..100: our node serves a
 *    request in far less time than CUCM's EMService, so the safe ceiling is higher.
 *  - failed_logon_threshold defaults to 3 and lockout_minutes to 30, CUCM's Default Credential
 *    Policy; 0 disables the lockout. */
#include "em/params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store.h"

enum param_kind { PK_MULTI, PK_BOOL, PK_HHMM, PK_INT };

struct param_impl {
	enum param_kind kind;
	size_t offset; /* of the int field in struct em_params */
	long min, max; /* PK_INT only */
};

#define OFF(f) offsetof(struct em_params, f)

/* defs[i] and impls[i] describe the same parameter. */
static const struct em_param_def defs[] = {
    {"multiple_login_behavior", "Multiple Login Behavior", "not_allowed",
     "not_allowed, allowed or auto_logout (or CUCM's \"Multiple Logins Not Allowed\", "
     "\"Multiple Logins Allowed\", \"Auto Logout\")"},
    {"enforce_intra_cluster_max_login_time", "Enforce Intra-cluster Maximum Login Time", "false",
     "true or false"},
    {"intra_cluster_max_login_time", "Intra-cluster Maximum Login Time", "8:00",
     "HHH:MM from 0:00 to 168:00 (e.g. 8:00, :30); 0:00 = no limit"},
    {"inter_cluster_max_login_time", "Inter-cluster Maximum Login Time", "8:00",
     "HHH:MM from 0:00 to 168:00 (e.g. 10:00, :30); 0:00 = no limit"},
    {"alphanumeric_user_id", "Alphanumeric User ID", "true",
     "true (letters and digits) or false (digits only)"},
    {"remember_last_user", "Remember the Last User Logged In", "true", "true or false"},
    {"max_concurrent_requests", "Maximum Concurrent Requests", "5", "an integer from 1 to 100000"},
    {"failed_logon_threshold", "Failed Logon", "3", "an integer from 0 (no lockout) to 100"},
    {"lockout_minutes", "Lockout Duration", "30",
     "an integer from 0 (until an administrator unlocks) to 1440 minutes"},
    {"clear_call_logs", "Clear Call Logs on Intra-cluster EM", "true", "true or false"},
    {"credential_cache_seconds", "EMService credential cache", "120",
     "an integer from 0 (no cache) to 3600 seconds"},
    {"emcc_active", "Intercluster Service Profile: EMCC Active", "true", "true or false"},
    {"pstn_access_active", "Intercluster Service Profile: PSTN Access Active", "false",
     "true or false"},
    {"remote_cluster_update_interval", "Remote Cluster Update Interval", "30",
     "an integer from 15 to 10080 minutes"},
    {"expired_emcc_device_maintenance_interval",
     "Default Interval for Expired EMCC Device Maintenance", "1440",
     "an integer from 10 to 1440 minutes"},
    {"max_emcc_devices", "EMCC devices (Insert EMCC Devices)", "1000",
     "an integer from 0 to 60000"},
    {"emcc_request_timeout_ms", "EMCC inter-cluster request timeout (emcc)", "3000",
     "an integer from 100 to 60000 milliseconds"},
    {"emcc_home_cache_seconds", "EMCC home cluster cache (emcc)", "300",
     "an integer from 0 (no cache) to 86400 seconds"},
};

static const struct param_impl impls[] = {
    {PK_MULTI, OFF(multiple_login_behavior), 0, 0},
    {PK_BOOL, OFF(enforce_intra_cluster_max), 0, 0},
    {PK_HHMM, OFF(intra_cluster_max_minutes), 0, 0},
    {PK_HHMM, OFF(inter_cluster_max_minutes), 0, 0},
    {PK_BOOL, OFF(alphanumeric_user_id), 0, 0},
    {PK_BOOL, OFF(remember_last_user), 0, 0},
    {PK_INT, OFF(max_concurrent_requests), 1, 100000},
    {PK_INT, OFF(failed_logon_threshold), 0, 100},
    {PK_INT, OFF(lockout_minutes), 0, 1440},
    {PK_BOOL, OFF(clear_call_logs), 0, 0},
    {PK_INT, OFF(credential_cache_seconds), 0, 3600},
    {PK_BOOL, OFF(emcc_active), 0, 0},
    {PK_BOOL, OFF(pstn_access_active), 0, 0},
    {PK_INT, OFF(remote_cluster_update_minutes), 15, 10080},
    {PK_INT, OFF(expired_emcc_device_minutes), 10, 1440},
    {PK_INT, OFF(max_emcc_devices), 0, 60000},
    {PK_INT, OFF(emcc_request_timeout_ms), 100, 60000},
    {PK_INT, OFF(emcc_home_cache_seconds), 0, 86400},
};

#define NPARAMS (sizeof(defs) / sizeof(defs[0]))

_Static_assert(sizeof(defs) / sizeof(defs[0]) == sizeof(impls) / sizeof(impls[0]),
	       "defs and impls must describe the same parameters");

static const char *multi_names[] = {"not_allowed", "allowed", "auto_logout"};

const struct em_param_def *em_params_defs(size_t *n)
{
	if (n)
		*n = NPARAMS;
	return defs;
}

int em_params_parse_hhmm(const char *s, int *minutes)
{
	long hours = 0, mins;
	size_t hdigits = 0;
	const char *p = s;

	if (!s || !*s)
		return EINVAL;
	while (*p >= '0' && *p <= '9') {
		if (++hdigits > 3)
			return EINVAL;
		hours = hours * 10 + (*p - '0');
		p++;
	}
	if (*p == '\0') {
		/* A bare number is ambiguous (hours or minutes?); only "0" is clear. */
		if (hdigits == 0 || hours != 0)
			return EINVAL;
		*minutes = 0;
		return 0;
	}
	if (*p != ':')
		return EINVAL;
	p++;
	if (!(p[0] >= '0' && p[0] <= '5') || !(p[1] >= '0' && p[1] <= '9') || p[2] != '\0')
		return EINVAL;
	mins = (p[0] - '0') * 10 + (p[1] - '0');
	if (hours * 60 + mins > 168 * 60)
		return EINVAL;
	*minutes = (int)(hours * 60 + mins);
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	static const char *yes[] = {"true", "t", "yes", "1"};
	static const char *no[] = {"false", "f", "no", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return EINVAL;
}

static int parse_multi(const char *s, int *out)
{
	/* CUCM's display strings, in the same order as multi_names. */
	static const char *cucm[] = {"Multiple Logins Not Allowed", "Multiple Logins Allowed",
				     "Auto Logout"};

	for (int i = 0; i < 3; i++) {
		if (strcasecmp(s, multi_names[i]) == 0 || strcasecmp(s, cucm[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return EINVAL;
}

static int parse_int(const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	if (!*s || !((*s >= '0' && *s <= '9') || *s == '-'))
		return EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return EINVAL;
	*out = (int)v;
	return 0;
}

static int find_param(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < NPARAMS; i++)
		if (strcmp(defs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Parses value for parameter i into *v and writes its canonical text. */
static int parse_value(int i, const char *value, int *v, char *canon, size_t canonlen)
{
	const struct param_impl *im = &impls[i];
	int rc;

	if (!value)
		return EINVAL;
	switch (im->kind) {
	case PK_MULTI:
		rc = parse_multi(value, v);
		if (rc == 0 && canon)
			snprintf(canon, canonlen, "%s", multi_names[*v]);
		return rc;
	case PK_BOOL:
		rc = parse_bool(value, v);
		if (rc == 0 && canon)
			snprintf(canon, canonlen, "%s", *v ? "true" : "false");
		return rc;
	case PK_HHMM:
		rc = em_params_parse_hhmm(value, v);
		if (rc == 0 && canon)
			snprintf(canon, canonlen, "%d:%02d", *v / 60, *v % 60);
		return rc;
	case PK_INT:
		rc = parse_int(value, im->min, im->max, v);
		if (rc == 0 && canon)
			snprintf(canon, canonlen, "%d", *v);
		return rc;
	}
	return EINVAL;
}

int em_params_check(const char *name, const char *value, char *canon, size_t canonlen, char *why,
		    size_t whylen)
{
	int i = find_param(name);
	int v;

	if (i < 0) {
		if (why)
			snprintf(why, whylen, "unknown parameter '%s'", name ? name : "");
		return ENOENT;
	}
	if (parse_value(i, value, &v, canon, canonlen) != 0) {
		if (why)
			snprintf(why, whylen, "%s: '%s' is not valid; allowed: %s", defs[i].name,
				 value ? value : "", defs[i].help);
		return EINVAL;
	}
	if (why && whylen)
		why[0] = '\0';
	return 0;
}

int em_params_apply(struct em_params *p, const char *name, const char *value)
{
	int i = find_param(name);
	int v;

	if (i < 0)
		return ENOENT;
	if (parse_value(i, value, &v, NULL, 0) != 0)
		return EINVAL;
	*(int *)((char *)p + impls[i].offset) = v;
	return 0;
}

void em_params_defaults(struct em_params *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < NPARAMS; i++)
		em_params_apply(p, defs[i].name, defs[i].dflt);
}

const char *em_params_implied(const char *name, const char *canon, char *value, size_t len)
{
	int minutes;
	if (!name || !canon || strcmp(name, "intra_cluster_max_login_time") != 0 ||
	    em_params_parse_hhmm(canon, &minutes) != 0)
		return NULL;
	snprintf(value, len, "%s", minutes > 0 ? "true" : "false");
	return "enforce_intra_cluster_max_login_time";
}

int em_params_intra_max_minutes(const struct em_params *p)
{
	return p->enforce_intra_cluster_max ? p->intra_cluster_max_minutes : 0;
}

static int load_one(void *arg, const char *name, const char *value)
{
	/* Unknown names (a newer node's parameter) and invalid values keep the default: one bad
	 * row must not stop the node from starting. The admin layer checks before storing. */
	em_params_apply(arg, name, value);
	return 0;
}

int em_params_load(struct store *st, struct em_params *p)
{
	struct em_params tmp;
	int rc;

	em_params_defaults(&tmp);
	rc = store_param_list(st, load_one, &tmp);
	if (rc == 0)
		*p = tmp;
	return rc;
}
