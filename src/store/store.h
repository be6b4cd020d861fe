/* store.h -- the narrow storage interface every subsystem uses; SQLite implements it today.
 *
 * Rules for implementers (and a later PostgreSQL backend):
 *  - functions return 0, ENOENT (no such row), EEXIST (unique key taken), EINVAL (bad argument),
 *    EBUSY (could not get the database), or EIO (any other database error); never log;
 *  - strings are copied into the caller's structs; lists are returned through a callback;
 *  - every write happens inside store_begin()/store_commit(); the caller decides the scope, so a
 *    login with its audit row and scheduled logout is one durable transaction;
 *  - one struct store per thread (connection); the backend serialises writers between them.
 *
 * Choices made by the SQLite backend (callers may rely on them):
 *  - a write function called outside store_begin()/store_commit() fails with EINVAL and changes
 *    nothing (no implicit transactions); store_begin inside a transaction is EINVAL too;
 *  - any error inside a transaction leaves that one call without effect (multi-statement writes
 *    use a savepoint), so the caller may continue or store_rollback(); a failed store_commit has
 *    already rolled back and released the writer lock;
 *  - user IDs (users, user_profiles.user_id, em_state user_id/last_user_id) are ASCII-lowercased
 *    by the store on the way in, lookups included; other keys (devices, profiles, app users,
 *    parameters, audit filters) are exact and byte-ordered;
 *  - keys must be non-empty and fit their field (EINVAL); a field of a caller's struct that is
 *    not NUL-terminated within its size is EINVAL; buffers too small for a value are EINVAL;
 *  - a foreign key that names a missing row (linking an unknown user or profile) is ENOENT, and
 *    store_features_set on an owner that does not exist is ENOENT;
 *  - em_state and scheduled logouts need not name a device of the devices table (EMCC home-side
 *    rows name a remote phone); deleting a device still removes its rows;
 *  - values the schema rejects (device protocol other than "", "SIP", "SCCP"; security_mode
 *    outside 0..3; negative counters) are EINVAL;
 *  - a thread that holds a transaction on one struct store and begins (or opens) another on the
 *    same file gets EBUSY at once instead of waiting for itself;
 *  - `after` in list functions may be NULL (= ""); list callbacks may call read functions of the
 *    same store, but must not begin a transaction.
 *
 * Names follow CUCM's where it has one (extensionmobilitydynamic -> em_state). */
#ifndef EMCC_STORE_STORE_H
#define EMCC_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/features.h"
#include "core/limits.h"

struct store;

/* Opens (creating if needed) the database at path and runs pending migrations.
 * path ":memory:" gives a private in-memory database (unit tests). */
int store_open(struct store **stp, const char *path);
void store_close(struct store *st);
/* Schema version after migrations (for `emcc status` and tests). */
int store_schema_version(struct store *st);

/* Write transactions. store_begin takes the process-wide writer lock for this database file, so
 * concurrent writers queue instead of failing with SQLITE_BUSY. Reads need no transaction. */
int store_begin(struct store *st);
int store_commit(struct store *st); /* durable when it returns 0, unless inside a batch */
void store_rollback(struct store *st);

/* Group commit. Between store_batch_begin and store_batch_commit, each store_begin/commit pair
 * becomes a savepoint inside one transaction that the first store_begin opens: requests keep
 * their all-or-nothing behaviour, and the whole batch costs one durable COMMIT. Nothing of the
 * batch is durable (and no answer may be sent) before store_batch_commit returns 0; when it
 * fails, every write of the batch is gone. A batch in which nobody wrote takes no lock. */
int store_batch_begin(struct store *st);
int store_batch_commit(struct store *st);

/* ---- end users ------------------------------------------------------------------------------ */
struct store_user {
	char id[LIM_ID_MAX];	 /* stored lowercase; lookups are exact on the lowercased id */
	char name[LIM_TEXT_MAX]; /* display name */
	char password_hash[LIM_HASH_MAX];   /* "" = no password (cannot use the API) */
	char pin_hash[LIM_HASH_MAX];	    /* "" = no PIN (cannot log in at a phone) */
	char primary_extension[LIM_ID_MAX]; /* DN, for loginType=DN */
	int em_proxy_rights;   /* member of "Standard EM Authentication Proxy Rights" */
	int emcc_enabled;      /* "Enable Extension Mobility Cross Cluster" */
	int max_login_minutes; /* per-user Maximum Login Time; -1 = use the service parameter */
	int failed_logons;     /* consecutive failed PIN attempts */
	int64_t locked_until;  /* unix seconds; 0 = not locked */
};
int store_user_get(struct store *st, const char *id, struct store_user *out);
int store_user_find_by_extension(struct store *st, const char *dn, struct store_user *out,
				 int *matches);
int store_user_insert(struct store *st, const struct store_user *u); /* EEXIST if taken */
int store_user_update(struct store *st, const struct store_user *u); /* ENOENT if missing */
int store_user_delete(struct store *st, const char *id);	     /* also its profile links */
/* Calls fn for each user ordered by id, starting after `after` ("" = from the start), at most
 * limit rows (0 = all). fn returning non-zero stops the walk and is returned. */
int store_user_list(struct store *st, const char *after, size_t limit,
		    int (*fn)(void *arg, const struct store_user *u), void *arg);
int store_user_count(struct store *st, long *count);

/* ---- application users ---------------------------------------------------------------------- */
struct store_app_user {
	char id[LIM_ID_MAX]; /* case-sensitive, as CUCM's application users */
	char password_hash[LIM_HASH_MAX];
	int em_proxy_rights;
};
int store_app_user_get(struct store *st, const char *id, struct store_app_user *out);
int store_app_user_insert(struct store *st, const struct store_app_user *a);
int store_app_user_update(struct store *st, const struct store_app_user *a);
int store_app_user_delete(struct store *st, const char *id);
int store_app_user_list(struct store *st, int (*fn)(void *arg, const struct store_app_user *a),
			void *arg);

/* ---- lines, speed dials, services: the contents of a profile or of a device's own config --- */
enum store_owner_kind { STORE_OWNER_PROFILE = 1, STORE_OWNER_DEVICE = 2 };

int store_features_get(struct store *st, enum store_owner_kind kind, const char *owner,
		       struct features *out); /* missing owner -> all counts 0, returns 0 */
int store_features_set(struct store *st, enum store_owner_kind kind, const char *owner,
		       const struct features *f);

/* ---- device profiles [UDP] ------------------------------------------------------------------ */
struct store_profile {
	char name[LIM_ID_MAX];
	char description[LIM_TEXT_MAX];
	char model[LIM_TEXT_MAX];	/* phone model the profile is for, e.g. "7821" */
	char user_locale[LIM_TEXT_MAX]; /* e.g. "English_United_States" */
	char softkey_template[LIM_TEXT_MAX];
};
int store_profile_get(struct store *st, const char *name, struct store_profile *out);
int store_profile_insert(struct store *st, const struct store_profile *p);
int store_profile_update(struct store *st, const struct store_profile *p);
int store_profile_delete(struct store *st, const char *name); /* also its user links, features */
int store_profile_list(struct store *st, const char *after, size_t limit,
		       int (*fn)(void *arg, const struct store_profile *p), void *arg);

/* ---- user <-> profile (Controlled Profiles, one default) ------------------------------------ */
struct store_user_profile {
	char user_id[LIM_ID_MAX];
	char profile[LIM_ID_MAX];
	int is_default;
};
/* Links user and profile; is_default=1 clears the user's other default. EEXIST if linked. */
int store_user_profile_add(struct store *st, const char *user_id, const char *profile,
			   int is_default);
int store_user_profile_set_default(struct store *st, const char *user_id, const char *profile);
int store_user_profile_del(struct store *st, const char *user_id, const char *profile);
/* Profiles of a user, default first, then by name. */
int store_user_profile_list(struct store *st, const char *user_id,
			    int (*fn)(void *arg, const struct store_user_profile *up), void *arg);
/* ENOENT when the user has no default. */
int store_user_default_profile(struct store *st, const char *user_id, char *profile, size_t len);

/* ---- devices -------------------------------------------------------------------------------- */
struct store_device {
	char name[LIM_ID_MAX]; /* e.g. SEPC80084AA8743 (uppercase hex) */
	char description[LIM_TEXT_MAX];
	char model[LIM_TEXT_MAX]; /* e.g. "7821" (see em/models.h) */
	char protocol[16];	  /* "SIP" or "SCCP" */
	int em_enabled;		  /* "Enable Extension Mobility" (allowhotelingflag) */
	int emcc_enabled;	  /* EMCC allowed on this phone */
	int security_mode;	  /* 1 = non-secure, 2 = authenticated, 3 = encrypted */
	char user_locale[LIM_TEXT_MAX];
};
int store_device_get(struct store *st, const char *name, struct store_device *out);
int store_device_insert(struct store *st, const struct store_device *d);
int store_device_update(struct store *st, const struct store_device *d);
int store_device_delete(struct store *st, const char *name); /* also features, em_state */
int store_device_list(struct store *st, const char *after, size_t limit,
		      int (*fn)(void *arg, const struct store_device *d), void *arg);
int store_device_count(struct store *st, long *count);

/* ---- EM dynamic state, one row per device that has ever had a login [extensionmobilitydynamic] */
enum store_emcc_role {
	STORE_EMCC_NONE = 0,	/* plain intra-cluster EM login */
	STORE_EMCC_VISITOR = 1, /* visiting side: a remote user on our phone */
	STORE_EMCC_HOME = 2,	/* home side: our user on a remote cluster's phone */
};
struct store_em_state {
	char device[LIM_ID_MAX];
	char user_id[LIM_ID_MAX]; /* "" = logged out */
	char profile[LIM_ID_MAX]; /* current login profile */
	int64_t login_time;	  /* unix seconds */
	int64_t login_duration;	  /* seconds; 0 = indefinite */
	char last_user_id[LIM_ID_MAX];
	int emcc_role;			 /* enum store_emcc_role */
	char remote_cluster[LIM_ID_MAX]; /* the other cluster for EMCC rows */
	char remote_ip[64];		 /* where the login came from */
};
/* ENOENT if the device never had a row (treat as logged out, no last user). */
int store_em_state_get(struct store *st, const char *device, struct store_em_state *out);
int store_em_state_put(struct store *st, const struct store_em_state *s); /* insert or replace */
/* Devices where user_id is logged in, by device name. */
int store_em_state_by_user(struct store *st, const char *user_id,
			   int (*fn)(void *arg, const struct store_em_state *s), void *arg);
/* All devices with someone logged in, by device name. */
int store_em_state_logged_in(struct store *st, int (*fn)(void *arg, const struct store_em_state *s),
			     void *arg);
int store_em_state_count_logged_in(struct store *st, long *count);

/* ---- scheduled logouts: fire once, survive restarts ----------------------------------------- */
int store_logout_schedule(struct store *st, const char *device, int64_t due); /* replace */
int store_logout_cancel(struct store *st, const char *device);		      /* 0 even if none */
/* Devices due at or before now, earliest first, at most max. Fills names[i]. */
int store_logout_due(struct store *st, int64_t now, char (*names)[LIM_ID_MAX], size_t max,
		     size_t *n);
/* Earliest due time, ENOENT if none. */
int store_logout_next(struct store *st, int64_t *due);
int store_logout_count(struct store *st, long *count);

/* ---- audit trail ---------------------------------------------------------------------------- */
struct store_audit {
	int64_t id;	 /* set by the store */
	int64_t time_ms; /* unix milliseconds */
	char action[32]; /* login, logout, logoutAll, autoLogout, ... */
	char user_id[LIM_ID_MAX];
	char device[LIM_ID_MAX];
	char source[32]; /* api, phone, admin, timer, emcc */
	char remote_ip[64];
	int code; /* 0 = success, else the EM error code */
	char detail[LIM_TEXT_MAX];
	uint64_t reqno;
};
int store_audit_add(struct store *st, const struct store_audit *a);
/* Newest first; filters "" = any. */
int store_audit_list(struct store *st, const char *user_id, const char *device, size_t limit,
		     int (*fn)(void *arg, const struct store_audit *a), void *arg);

/* ---- parameters (service and enterprise parameters; names from em/params.h) ----------------- */
int store_param_get(struct store *st, const char *name, char *value, size_t len); /* ENOENT */
int store_param_set(struct store *st, const char *name, const char *value);
int store_param_list(struct store *st, int (*fn)(void *arg, const char *name, const char *value),
		     void *arg);

/* ==== EMCC (schema version 2) ================================================================
 *
 * Cluster IDs are keys like any other here (non-empty, exact, < LIM_ID_MAX bytes); the
 * stricter [A-Za-z0-9_.-]{1,50} rule belongs to whoever accepts them from outside (config.c,
 * the trust-bundle parser, the admin API). Times named *_ms are unix milliseconds, login_time
 * and login_duration are seconds as in em_state. */

/* ---- remote clusters [EMCC Remote Cluster + its Intercluster Service Profile panes] -------- */
struct store_remote_cluster {
	char id[LIM_ID_MAX];	    /* the remote's Cluster ID */
	char address[LIM_TEXT_MAX]; /* host:port of its HTTPS EM service, "127.0.7.200:8443" */
	int emcc_enabled;	    /* per-service "Active" flags */
	int pstn_enabled;
	int rsvp_enabled;
	int tftp_enabled;	    /* CUCM: must stay off for EMCC; stored as given */
	char cert_pem[LIM_PEM_MAX]; /* its HTTPS certificate, trusted for mutual TLS; "" = none */
	/* SHA-256 of cert_pem's DER (trust_cert_fingerprint), 64 hex digits; folded to lowercase on
	 * the way in. "" exactly when cert_pem is "" (else EINVAL); unique among clusters. */
	char cert_sha256[LIM_SHA256_HEX];
	char status[16];	       /* "unknown" | "up" | "down"; "" is stored as "unknown" */
	char version[LIM_TEXT_MAX];    /* what the remote reported at the last update */
	int64_t last_update_ms;	       /* 0 = never */
	char last_error[LIM_TEXT_MAX]; /* "" after a good update */
};
int store_remote_cluster_get(struct store *st, const char *id, struct store_remote_cluster *out);
/* EEXIST when the id or the certificate fingerprint is taken. */
int store_remote_cluster_insert(struct store *st, const struct store_remote_cluster *rc);
/* Replaces every field of row id; ENOENT if missing, EEXIST if the fingerprint is another's. */
int store_remote_cluster_update(struct store *st, const struct store_remote_cluster *rc);
/* Only the outcome of a Remote Cluster Update: the poller writes it without reading the row
 * first, so it cannot undo an administrator's concurrent change of address or certificate. */
int store_remote_cluster_set_status(struct store *st, const char *id, const char *status,
				    const char *version, int64_t last_update_ms,
				    const char *last_error);
/* Also deletes the cluster's outbox rows (nobody is left to tell). Home devices and visits that
 * name it stay: they are live logins, and only the policy can log them out properly. */
int store_remote_cluster_delete(struct store *st, const char *id);
/* By id, as store_user_list. */
int store_remote_cluster_list(struct store *st, const char *after, size_t limit,
			      int (*fn)(void *arg, const struct store_remote_cluster *rc),
			      void *arg);
int store_remote_cluster_count(struct store *st, long *count);
/* The TLS layer finds the peer's cluster by its certificate. sha256 is 64 hex digits, either
 * case ("" or another form is EINVAL); ENOENT when no cluster has that certificate. */
int store_remote_cluster_by_fingerprint(struct store *st, const char *sha256,
					struct store_remote_cluster *out);

/* ---- home side: the EMCC device a visiting phone uses while our user is logged in ----------
 * CUCM's "EMCC base device", filled from the EMCC template. The device name is the visiting
 * phone's, so there is no foreign key to devices (as em_state). */
struct store_emcc_home_device {
	char device[LIM_ID_MAX];	   /* the visiting phone's name */
	char user_id[LIM_ID_MAX];	   /* our user; lowercased; never "" */
	char profile[LIM_ID_MAX];	   /* the device profile the login used */
	char visiting_cluster[LIM_ID_MAX]; /* "" is EINVAL */
	char model[LIM_TEXT_MAX];
	char protocol[16];		 /* "", "SIP", "SCCP" (as devices) */
	int security_mode;		 /* 0..3 (as devices) */
	int64_t login_time;		 /* unix seconds */
	int64_t login_duration;		 /* seconds; 0 = indefinite */
	char config_version[LIM_ID_MAX]; /* versionStamp of the config built for it */
	int64_t created_ms;
};
int store_emcc_home_device_get(struct store *st, const char *device,
			       struct store_emcc_home_device *out);
int store_emcc_home_device_put(struct store *st, const struct store_emcc_home_device *hd);
int store_emcc_home_device_delete(struct store *st, const char *device); /* ENOENT if none */
int store_emcc_home_device_list(struct store *st, const char *after, size_t limit,
				int (*fn)(void *arg, const struct store_emcc_home_device *hd),
				void *arg);
/* The EMCC devices user_id is logged in on, by device name. */
int store_emcc_home_device_by_user(struct store *st, const char *user_id,
				   int (*fn)(void *arg, const struct store_emcc_home_device *hd),
				   void *arg);
int store_emcc_home_device_count(struct store *st, long *count);

/* ---- visiting side: our phone has a remote user logged in -----------------------------------
 * device must be one of our devices (ENOENT otherwise); deleting the device deletes the row. */
struct store_emcc_visit {
	char device[LIM_ID_MAX];
	char user_id[LIM_ID_MAX];      /* the remote user; lowercased; never "" */
	char home_cluster[LIM_ID_MAX]; /* never "" */
	char home_tftp[LIM_TEXT_MAX];  /* host[:port] the phone's config points at */
	char home_call_manager[LIM_TEXT_MAX];
	char home_tvs[LIM_TEXT_MAX];
	int64_t login_time;
	int64_t login_duration;
	char config_version[LIM_ID_MAX];
};
int store_emcc_visit_get(struct store *st, const char *device, struct store_emcc_visit *out);
int store_emcc_visit_put(struct store *st, const struct store_emcc_visit *v); /* replace */
int store_emcc_visit_delete(struct store *st, const char *device);	      /* ENOENT if none */
int store_emcc_visit_list(struct store *st, const char *after, size_t limit,
			  int (*fn)(void *arg, const struct store_emcc_visit *v), void *arg);

/* ---- outbox: logouts the other cluster has not acknowledged yet ---------------------------- */
struct store_emcc_outbox {
	int64_t id;		  /* set by the store; grows with every add */
	char cluster[LIM_ID_MAX]; /* a remote cluster (ENOENT if unknown) */
	char kind[16];		  /* "homeLogout" | "visitingLogout" */
	char device[LIM_ID_MAX];  /* never "" */
	char user_id[LIM_ID_MAX]; /* lowercased; may be "" */
	char reason[LIM_TEXT_MAX];
	int attempts; /* sends tried so far; >= 0 */
	int64_t next_attempt_ms;
	int64_t created_ms;
};
/* o->id is ignored; the new row's id goes to *id when id is not NULL. */
int store_emcc_outbox_add(struct store *st, const struct store_emcc_outbox *o, int64_t *id);
/* Rows with next_attempt_ms <= now_ms, oldest (smallest id) first, at most limit (0 = all). */
int store_emcc_outbox_due(struct store *st, int64_t now_ms, size_t limit,
			  int (*fn)(void *arg, const struct store_emcc_outbox *o), void *arg);
/* attempts + 1 and the next try; ENOENT if the row is gone (acknowledged meanwhile). */
int store_emcc_outbox_attempted(struct store *st, int64_t id, int64_t next_attempt_ms);
int store_emcc_outbox_delete(struct store *st, int64_t id); /* ENOENT if none */
/* Every row for (cluster, device), when a newer login supersedes them; 0 even if none. The
 * number removed goes to *deleted when it is not NULL. */
int store_emcc_outbox_delete_for(struct store *st, const char *cluster, const char *device,
				 long *deleted);
int store_emcc_outbox_count(struct store *st, long *count);

/* ---- config versions: the versionStamp a device's config file and its restart NOTIFY share -
 * Keyed by name only, with no tie to the devices table: EMCC home devices (remote phones' names)
 * have config versions too. */
/* ENOENT if the device never had one; EINVAL if version does not fit len. updated_ms may be
 * NULL. */
int store_config_version_get(struct store *st, const char *device, char *version, size_t len,
			     int64_t *updated_ms);
int store_config_version_set(struct store *st, const char *device, const char *version,
			     int64_t updated_ms); /* version non-empty, < LIM_ID_MAX */

/* config_stamp.c: the stamps themselves, on top of the two functions above. */

/* A fresh versionStamp in the shape real files have: unix seconds, '-', a random version-4 UUID
 * ("1552156347-145cec2d-3b45-430f-acaf-d79657a15c58"). Returns 0, EINVAL (now_ms < 0), ERANGE
 * (out too small: LIM_STAMP_MAX always fits), or the errno of the random source. */
int store_config_stamp_new(char *out, size_t len, int64_t now_ms);

/* A new stamp for device, inside the caller's transaction: every change of what the device's
 * file says calls this in the transaction that makes the change (EM login/logout, admin edits,
 * EMCC visit and home-device rows). out (may be NULL) gets the stamp. Returns 0, EINVAL, or a
 * store error. */
int store_config_bump(struct store *st, const char *device, int64_t now_ms, char *out, size_t len);

/* store_config_bump for every device whose file shows profile: the devices logged in with it
 * (em_state) and the EMCC home devices using it. Inside the caller's transaction. */
int store_config_bump_profile(struct store *st, const char *profile, int64_t now_ms);

/* The device's current stamp into out (LIM_STAMP_MAX bytes fit); when it has none yet, one is
 * made and stored, which needs a write: *created tells the caller (may be NULL). Must be called
 * inside store_begin/store_commit when the device may have no stamp yet. A stamp is made only
 * for a device that has a file (a devices or an emcc_home_devices row): the provisioning
 * listener calls this for any name a client sends, and a row per invented name would let anyone
 * grow the database without bound. Returns 0, ENOENT (no stamp and no such device; nothing
 * written) or a store error. */
int store_config_stamp_get(struct store *st, const char *device, int64_t now_ms, char *out,
			   size_t len, int *created);

#endif
