/* params.h -- EM service and enterprise parameters: names, CUCM defaults, validation.
 *
 * Parameters live in the store (table parameters) so every node of a cluster sees the same
 * values; the config file may pin some under [parameters]. Names are CUCM's display names
 * in snake_case. */
#ifndef EMCC_EM_PARAMS_H
#define EMCC_EM_PARAMS_H

#include <stddef.h>

struct store;

enum em_multiple_login {
	EM_MULTI_NOT_ALLOWED = 0, /* CUCM default: second login fails with 25 */
	EM_MULTI_ALLOWED = 1,
	EM_MULTI_AUTO_LOGOUT = 2, /* the other device is logged out first */
};

struct em_params {
	int multiple_login_behavior;   /* enum em_multiple_login */
	int enforce_intra_cluster_max; /* Enforce Intra-cluster Maximum Login Time */
	int intra_cluster_max_minutes; /* Intra-cluster Maximum Login Time (HHH:MM), 0 = none */
	int inter_cluster_max_minutes; /* Inter-cluster Maximum Login Time (EMCC) */
	int alphanumeric_user_id;      /* False: user IDs are digits only */
	int remember_last_user;	       /* Remember the Last User Logged In */
	int max_concurrent_requests;   /* Maximum Concurrent Requests; over it -> 26 */
	int failed_logon_threshold;    /* credential policy: 0 = no lockout */
	int lockout_minutes;	       /* credential policy: lockout duration, 0 = until unlock */
	int clear_call_logs;	       /* Clear Call Logs on Intra-cluster EM */
	int credential_cache_seconds;  /* EMService credential cache (CUCM: about 2 minutes) */

	/* EMCC: the Intercluster Service Profile and EMCC Feature Configuration */
	int emcc_active;		   /* Intercluster Service Profile: EMCC "Active" */
	int pstn_access_active;		   /* Intercluster Service Profile: PSTN Access "Active" */
	int remote_cluster_update_minutes; /* Remote Cluster Update Interval */
	int expired_emcc_device_minutes; /* Default Interval for Expired EMCC Device Maintenance */
	int max_emcc_devices; /* EMCC base devices this home cluster offers (33 when all used) */
	int emcc_request_timeout_ms; /* ours: deadline of one inter-cluster request */
	int emcc_home_cache_seconds; /* ours: how long a user -> home cluster answer is reused */
};

struct em_param_def {
	const char *name; /* e.g. "multiple_login_behavior" */
	const char *cucm; /* CUCM's display name */
	const char *dflt; /* default as text */
	const char *help; /* allowed values */
};

/* The table of known parameters. */
const struct em_param_def *em_params_defs(size_t *n);

/* The defaults, as CUCM ships them. */
void em_params_defaults(struct em_params *p);

/* Checks one value; on success writes the canonical text form to canon (may be NULL).
 * Returns 0, ENOENT (unknown name) or EINVAL, with a readable reason in why. */
int em_params_check(const char *name, const char *value, char *canon, size_t canonlen, char *why,
		    size_t whylen);

/* Applies one already-checked value to p. Returns 0, ENOENT or EINVAL. */
int em_params_apply(struct em_params *p, const char *name, const char *value);

/* CUCM couples some parameters: setting a non-zero Intra-cluster Maximum Login Time turns
 * Enforce on, and 0:00 turns it off (12.5+). For a checked canonical value of name, returns the
 * name of the parameter that must change with it and writes its value, or NULL. */
const char *em_params_implied(const char *name, const char *canon, char *value, size_t len);

/* Defaults overlaid with the values in the store. Returns 0 or a store error. */
int em_params_load(struct store *st, struct em_params *p);

/* The Intra-cluster Maximum Login Time in force, in minutes: intra_cluster_max_minutes when
 * enforce_intra_cluster_max is true, else 0. 0 = no limit. */
int em_params_intra_max_minutes(const struct em_params *p);

/* "HHH:MM" (also ":30", "8:00", "0") -> minutes. Returns 0 or EINVAL. Range 0..168:00. */
int em_params_parse_hhmm(const char *s, int *minutes);

#endif
