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

#define STORE_ID_MAX 129    /* user IDs, device names, profile names: 128 bytes + NUL */
#define STORE_TEXT_MAX 257  /* descriptions, labels, URLs' short fields */
#define STORE_URL_MAX 1025
#define STORE_HASH_MAX 257  /* encoded password/PIN hashes */

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
	char id[STORE_ID_MAX]; /* stored lowercase; lookups are exact on the lowercased id */
	char name[STORE_TEXT_MAX];          /* display name */
	char password_hash[STORE_HASH_MAX]; /* "" = no password (cannot use the API) */
	char pin_hash[STORE_HASH_MAX];      /* "" = no PIN (cannot log in at a phone) */
	char primary_extension[STORE_ID_MAX]; /* DN, for loginType=DN */
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
int store_user_delete(struct store *st, const char *id);             /* also its profile links */
/* Calls fn for each user ordered by id, starting after `after` ("" = from the start), at most
 * limit rows (0 = all). fn returning non-zero stops the walk and is returned. */
int store_user_list(struct store *st, const char *after, size_t limit,
		    int (*fn)(void *arg, const struct store_user *u), void *arg);
int store_user_count(struct store *st, long *count);

/* ---- application users ---------------------------------------------------------------------- */
struct store_app_user {
	char id[STORE_ID_MAX]; /* case-sensitive, as CUCM's application users */
	char password_hash[STORE_HASH_MAX];
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

struct store_line {
	int index;                 /* button/line index, 1-based */
	char dn[STORE_ID_MAX];     /* directory number */
	char label[STORE_TEXT_MAX];
	char display[STORE_TEXT_MAX];
};
struct store_speed_dial {
	int index;
	char number[STORE_ID_MAX];
	char label[STORE_TEXT_MAX];
};
struct store_service {
	char name[STORE_TEXT_MAX];
	char url[STORE_URL_MAX];
};
#define STORE_MAX_LINES 64
#define STORE_MAX_SPEED_DIALS 128
#define STORE_MAX_SERVICES 32

/* The full contents attached to one owner; replaced as a whole. */
struct store_features {
	size_t nlines, nspeed_dials, nservices;
	struct store_line lines[STORE_MAX_LINES];
	struct store_speed_dial speed_dials[STORE_MAX_SPEED_DIALS];
	struct store_service services[STORE_MAX_SERVICES];
};
int store_features_get(struct store *st, enum store_owner_kind kind, const char *owner,
		       struct store_features *out); /* missing owner -> all counts 0, returns 0 */
int store_features_set(struct store *st, enum store_owner_kind kind, const char *owner,
		       const struct store_features *f);

/* ---- device profiles [UDP] ------------------------------------------------------------------ */
struct store_profile {
	char name[STORE_ID_MAX];
	char description[STORE_TEXT_MAX];
	char model[STORE_TEXT_MAX];           /* phone model the profile is for, e.g. "7821" */
	char user_locale[STORE_TEXT_MAX];     /* e.g. "English_United_States" */
	char softkey_template[STORE_TEXT_MAX];
};
int store_profile_get(struct store *st, const char *name, struct store_profile *out);
int store_profile_insert(struct store *st, const struct store_profile *p);
int store_profile_update(struct store *st, const struct store_profile *p);
int store_profile_delete(struct store *st, const char *name); /* also its user links, features */
int store_profile_list(struct store *st, const char *after, size_t limit,
		       int (*fn)(void *arg, const struct store_profile *p), void *arg);

/* ---- user <-> profile (Controlled Profiles, one default) ------------------------------------ */
struct store_user_profile {
	char user_id[STORE_ID_MAX];
	char profile[STORE_ID_MAX];
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
int store_user_default_profile(struct store *st, const char *user_id, char *profile,
			       size_t len);

/* ---- devices -------------------------------------------------------------------------------- */
struct store_device {
	char name[STORE_ID_MAX];   /* e.g. SEPC80084AA8743 (uppercase hex) */
	char description[STORE_TEXT_MAX];
	char model[STORE_TEXT_MAX]; /* e.g. "7821" (see em/models.h) */
	char protocol[16];          /* "SIP" or "SCCP" */
	int em_enabled;             /* "Enable Extension Mobility" (allowhotelingflag) */
	int emcc_enabled;           /* EMCC allowed on this phone */
	int security_mode;          /* 1 = non-secure, 2 = authenticated, 3 = encrypted */
	char user_locale[STORE_TEXT_MAX];
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
	STORE_EMCC_NONE = 0,     /* plain intra-cluster EM login */
	STORE_EMCC_VISITOR = 1,  /* visiting side: a remote user on our phone */
	STORE_EMCC_HOME = 2,     /* home side: our user on a remote cluster's phone */
};
struct store_em_state {
	char device[STORE_ID_MAX];
	char user_id[STORE_ID_MAX];  /* "" = logged out */
	char profile[STORE_ID_MAX];  /* current login profile */
	int64_t login_time;          /* unix seconds */
	int64_t login_duration;      /* seconds; 0 = indefinite */
	char last_user_id[STORE_ID_MAX];
	int emcc_role;               /* enum store_emcc_role */
	char remote_cluster[STORE_ID_MAX]; /* the other cluster for EMCC rows */
	char remote_ip[64];          /* where the login came from */
};
/* ENOENT if the device never had a row (treat as logged out, no last user). */
int store_em_state_get(struct store *st, const char *device, struct store_em_state *out);
int store_em_state_put(struct store *st, const struct store_em_state *s); /* insert or replace */
/* Devices where user_id is logged in, by device name. */
int store_em_state_by_user(struct store *st, const char *user_id,
			   int (*fn)(void *arg, const struct store_em_state *s), void *arg);
/* All devices with someone logged in, by device name. */
int store_em_state_logged_in(struct store *st,
			     int (*fn)(void *arg, const struct store_em_state *s), void *arg);
int store_em_state_count_logged_in(struct store *st, long *count);

/* ---- scheduled logouts: fire once, survive restarts ----------------------------------------- */
int store_logout_schedule(struct store *st, const char *device, int64_t due); /* replace */
int store_logout_cancel(struct store *st, const char *device); /* 0 even if none */
/* Devices due at or before now, earliest first, at most max. Fills names[i]. */
int store_logout_due(struct store *st, int64_t now, char (*names)[STORE_ID_MAX], size_t max,
		     size_t *n);
/* Earliest due time, ENOENT if none. */
int store_logout_next(struct store *st, int64_t *due);
int store_logout_count(struct store *st, long *count);

/* ---- audit trail ---------------------------------------------------------------------------- */
struct store_audit {
	int64_t id;     /* set by the store */
	int64_t time_ms; /* unix milliseconds */
	char action[32]; /* login, logout, logoutAll, autoLogout, ... */
	char user_id[STORE_ID_MAX];
	char device[STORE_ID_MAX];
	char source[32];  /* api, phone, admin, timer, emcc */
	char remote_ip[64];
	int code;         /* 0 = success, else the EM error code */
	char detail[STORE_TEXT_MAX];
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

#endif
