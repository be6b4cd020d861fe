/* em.h -- Extension Mobility policy: who may log in where, for how long, and what happens then.
 *
 * Works on structs and the store only: no XML, no HTTP, no logging. Each call that changes state
 * runs in one store transaction (login + new config versionStamp + audit row + scheduled logout
 * commit together) and, after the commit, tells the node through ctx->on_change, with the
 * stamp that transaction wrote, so it can restart the phone onto that file. A refused request
 * tells nothing.
 *
 * Every operation returns 0 on success, or non-zero with res->code and res->text set to the
 * documented EM code and a readable text.
 *
 * Where it lives: auth.c (appInfo), login.c and pin.c (logins at our phones), logout.c,
 * query.c, autologout.c, emcc.c and emcc_home.c (EMCC); record.c writes the rows every login
 * and logout shares, em.c has the helpers (em_internal.h). */
#ifndef EMCC_EM_EM_H
#define EMCC_EM_EM_H

#include <stddef.h>
#include <stdint.h>

#include "core/em_codes.h"
#include "em/credentials.h"
#include "em/params.h"
#include "store/store.h"

enum em_change { EM_CHANGE_LOGIN = 1, EM_CHANGE_LOGOUT = 2 };

/* What one request needs; the edge fills it per request. */
struct em_ctx {
	struct store *st;
	const struct em_params *params;
	struct cred_cache *cache;	  /* may be NULL: no caching */
	const struct cred_pepper *pepper; /* for PINs */
	int64_t now_ms;			  /* wall clock, unix ms (tests set it) */
	uint64_t reqno;			  /* request number, for the audit trail */
	const char *source;		  /* "api", "phone", "admin", "timer" */
	const char *remote_ip;		  /* "" if unknown */
	/* Called after a commit that logged a device in or out, once per device and change, in
	 * the order they were written: locale_changed when the phone must reset for another
	 * locale, version the device's config versionStamp that commit wrote (what its
	 * SEP<MAC>.cnf.xml now shows; never NULL). May be NULL. */
	void (*on_change)(void *arg, const char *device, enum em_change what, int locale_changed,
			  const char *version);
	void *on_change_arg;
};

struct em_result {
	int code; /* enum em_code, valid when the call returned non-zero */
	char text[256];
};

/* Who is calling, after appInfo authentication. */
struct em_caller {
	char id[LIM_ID_MAX];
	int is_app_user;
	int proxy_rights; /* may act for any user */
	int from_cache;	  /* approved through the credential cache */
	int64_t cache_left_ms;
};

/* appInfo: an application user, or an end user; blank -> 2, unknown or wrong secret -> 3. */
int em_authenticate(struct em_ctx *ctx, const char *app_id, const char *secret,
		    struct em_caller *caller, struct em_result *res);

enum em_duration { EM_DURATION_DEFAULT = 0, EM_DURATION_MINUTES, EM_DURATION_INDEFINITE };

struct em_login_req {
	const char *device;
	const char *user_id;
	const char *profile; /* NULL or "" = the user's default profile */
	enum em_duration duration_kind;
	long duration_minutes;
};

/* Logs user_id in on device. Checks, in CUCM's order: caller rights (10), device exists (11),
 * EM enabled on the device (22), user exists and fits Alphanumeric User ID (23), profile (12),
 * device free (18), Multiple Login Behavior (25 / auto logout of the other device). */
int em_login(struct em_ctx *ctx, const struct em_caller *caller, const struct em_login_req *req,
	     struct em_result *res);

/* ---- phone logins: user ID (or extension) and PIN ---- */

/* The EM phone app's loginType: UID = user ID + PIN (the default), SP = self-service user ID +
 * PIN (treated as UID), DN = primary extension + PIN. */
enum em_login_type { EM_LOGIN_TYPE_UID = 0, EM_LOGIN_TYPE_SP, EM_LOGIN_TYPE_DN };

#define EM_PIN_MAX_PROFILES 100 /* what one CiscoIPPhoneMenu can list */

/* locked_until for a lockout that lasts until an administrator unlocks (lockout_minutes 0):
 * 9999-12-31T23:59:59Z, far enough, and still a time every tool can print. */
#define EM_LOCKED_UNTIL_UNLOCK 253402300799LL

struct em_pin_login_req {
	const char *device;
	const char *id; /* user ID (UID, SP) or primary extension (DN) */
	const char *pin;
	enum em_login_type type;
	const char *profile; /* NULL or "": the user's only profile, else a choice is asked for */
	int emcc;	     /* the phone sent EMCC=true: recorded with the login */
};

struct em_pin_login_out {
	char user_id[LIM_ID_MAX]; /* the user the ID or extension resolved to, "" if none */
	char profile[LIM_ID_MAX]; /* the profile logged in */
	/* What really happened, for the edge's log and the audit trail, never for the phone:
	 * the phone sees one answer for several of these (no PIN oracle). */
	int real_code;
	char reason[LIM_TEXT_MAX];
	int lockout_engaged; /* this attempt reached the failed-logon threshold */
	/* EAGAIN: the PIN was right and the user has several profiles; nothing was logged in. */
	size_t nprofiles;
	char profiles[EM_PIN_MAX_PROFILES][LIM_ID_MAX]; /* default first, then by name */
};

/* Logs the user in at a phone with the PIN (ctx->source "phone", ctx->remote_ip the phone).
 * Order: device exists (11), EM enabled on it (22), extension names one user (216 for DN),
 * then the PIN under the credential policy, the profile, and em_login's own checks (18, 25),
 * recorded the same way. Every failure of authentication -- blank ID or PIN apart (202) --
 * answers res->code 201 whatever the cause (unknown user, wrong PIN, user locked out, user
 * without a PIN); out->real_code/reason and the audit row tell them apart. A wrong PIN counts in
 * users.failed_logons; at failed_logon_threshold (0 = never) the user is locked for
 * lockout_minutes (0 = until an administrator unlocks) and even the right PIN is refused until
 * then; a right PIN resets the count. Right PIN but no profile: 205.
 * Returns 0 (logged in), EAGAIN (several profiles and none chosen: out->profiles lists them,
 * nothing changed but the failed-logon count), or non-zero with res set. */
int em_login_pin(struct em_ctx *ctx, const struct em_pin_login_req *req,
		 struct em_pin_login_out *out, struct em_result *res);

/* Logs out whoever is on device: 11 if no device, 19 if nobody is logged in. A caller without
 * proxy rights may only log out their own login (10). */
int em_logout(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
	      struct em_result *res);

/* The phone's own logout (its Logout softkey): whoever is logged in on device, as em_logout with
 * the rights that being the device gives; audited with ctx->source. 11, 19 as em_logout.
 * *user_id (may be NULL, LIM_ID_MAX bytes) gets who was logged out. */
int em_logout_device(struct em_ctx *ctx, const char *device, char *user_id, struct em_result *res);

/* Logs out every device (proxy rights only). *count = devices logged out. */
int em_logout_all(struct em_ctx *ctx, const struct em_caller *caller, size_t *count,
		  struct em_result *res);

/* ---- queries ---- */
enum em_device_state { EM_DEVICE_LOGGED_IN, EM_DEVICE_LOGGED_OUT, EM_DEVICE_DOES_NOT_EXIST };
struct em_device_status {
	enum em_device_state state;
	char user_id[LIM_ID_MAX];
	char last_user_id[LIM_ID_MAX]; /* "" unless Remember the Last User Logged In */
	char profile[LIM_ID_MAX];
	int emcc_role; /* enum store_emcc_role */
	char remote_cluster[LIM_ID_MAX];
	int64_t login_time;
	int64_t login_duration;
};
/* deviceUserQuery needs proxy rights (10). */
int em_query_device(struct em_ctx *ctx, const struct em_caller *caller, const char *device,
		    struct em_device_status *out, struct em_result *res);

/* userDevicesQuery / deviceProfileQuery / checkUser: proxy rights, or the caller's own id.
 * exists = 0 when the user does not exist (then fn is not called). */
int em_query_user_devices(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			  int *exists, int (*fn)(void *arg, const char *device), void *arg,
			  struct em_result *res);
int em_query_user_profiles(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			   int *exists, int (*fn)(void *arg, const char *profile, int is_default),
			   void *arg, struct em_result *res);
int em_query_user_exists(struct em_ctx *ctx, const struct em_caller *caller, const char *user_id,
			 int *exists, struct em_result *res);

/* ---- automatic logout ---- */
/* Fires the logouts due at ctx->now_ms, at most max, each in its own transaction; a row fires
 * once because it is deleted in the same transaction as the logout. *fired = how many. */
int em_autologout_run(struct em_ctx *ctx, size_t max, size_t *fired);
/* Unix ms of the next due logout, or -1 if none. */
int64_t em_autologout_next_ms(struct em_ctx *ctx);

/* Normalises a user ID the way CUCM does (lowercase). Returns 0 or EINVAL (empty/too long). */
int em_user_id_normalize(const char *in, char *out, size_t outlen);

/* ==== EMCC (emcc.c, emcc_home.c): the policy of both sides of a cross-cluster login =========
 *
 * The visiting cluster owns the phone, the home cluster owns the user. Each side keeps its own
 * rows (visiting: em_state role VISITOR + emcc_visit; home: em_state role HOME +
 * emcc_home_device) and tells the other side through the outbox, written in the same
 * transaction as the logout it announces, so a crash or an unreachable peer never leaves one
 * side logged in for good. Like the rest of the policy: no I/O, no logging. */

#define EM_EMCC_MAX_CLUSTERS 64 /* EMCC-active remote clusters one login asks */

struct em_emcc_cluster {
	char id[LIM_ID_MAX];
	char address[LIM_TEXT_MAX];	  /* host:port of its HTTPS EM service */
	char fingerprint[LIM_SHA256_HEX]; /* its certificate, pinned */
	char status[16];		  /* "up", "down", "unknown": informative only */
};

/* Visiting side, before any remote is asked (read-only): the phone's checks. */
struct em_emcc_visit_check {
	char model[LIM_TEXT_MAX];
	int model_enum;
	char protocol[16];
	int security_mode;
	size_t nclusters; /* EMCC-enabled remote clusters, by id */
	struct em_emcc_cluster clusters[EM_EMCC_MAX_CLUSTERS];
};

/* 1 when user_id names a user of this cluster (the EMCC path is only for the others). */
int em_emcc_is_local_user(struct em_ctx *ctx, const char *user_id, int *local);

/* Device exists (11), EM enabled (22), EMCC enabled on the device and supported by its model
 * (213; 32 in res->text), not logged in (18), EMCC active in our Intercluster Service Profile
 * (211), at least one EMCC-enabled remote cluster (36). Returns 0 with out filled, or EPERM /
 * a store error with res set. */
int em_emcc_visit_check(struct em_ctx *ctx, const char *device, struct em_emcc_visit_check *out,
			struct em_result *res);

/* Only the clusters of em_emcc_visit_check (out->nclusters, out->clusters), the same list
 * and order a login asks; no phone, no refusal. Returns 0 or a store error. */
int em_emcc_remote_clusters(struct em_ctx *ctx, struct em_emcc_visit_check *out);

/* Home side: homeLogin from visiting_cluster (already authenticated by its certificate). */
struct em_emcc_home_login_req {
	const char *visiting_cluster;
	uint64_t visiting_reqno;
	const char *user_id, *pin, *device, *model, *protocol, *login_type, *profile, *remote_ip;
	int model_enum, security_mode;
};
struct em_emcc_home_login_out {
	char user_id[LIM_ID_MAX];
	char profile[LIM_ID_MAX];
	int64_t login_duration; /* seconds, 0 = no limit */
	char config_version[LIM_ID_MAX];
	int real_code; /* what really happened (the wire says 2 for every PIN failure) */
	char reason[LIM_TEXT_MAX];
	int lockout_engaged;
	int superseded; /* an older login on the same phone of the same visiting cluster ended */
};
/* Order: EMCC active here (38), PIN under the credential policy as em_login_pin (2; lockout
 * counted the same way), user EMCC enabled (31), device name not one of ours (37), non-secure
 * device (43), profile (12), Multiple Login Behavior across clusters (25 / auto logout, which
 * queues a visitingLogout for an EMCC login elsewhere), free EMCC devices (33). Then one
 * transaction: em_state role HOME, emcc_home_device, config version, scheduled logout after
 * the Inter-cluster Maximum Login Time, audit (source "emcc"). Returns 0, or EPERM / a store
 * error with res set. */
int em_emcc_home_login(struct em_ctx *ctx, const struct em_emcc_home_login_req *req,
		       struct em_emcc_home_login_out *out, struct em_result *res);

/* Home side: the visiting cluster says its phone logged out. Idempotent: *ended = 0 when there
 * was nothing (or another cluster's or user's login) to end. user_id "" = whoever. */
int em_emcc_home_logout(struct em_ctx *ctx, const char *visiting_cluster, const char *device,
			const char *user_id, const char *reason, int *ended, struct em_result *res);

/* Visiting side: the home logged the user out (timer, admin). Idempotent as home_logout. */
int em_emcc_visiting_logout(struct em_ctx *ctx, const char *home_cluster, const char *device,
			    const char *user_id, const char *reason, int *ended,
			    struct em_result *res);

/* Visiting side, after the home accepted: records the login on our phone. */
struct em_emcc_visit_record {
	const char *device, *user_id, *profile, *home_cluster;
	const char *home_tftp, *home_call_manager, *home_tvs;
	int64_t login_duration;
	uint64_t home_reqno; /* for the audit detail */
};
/* 18 when the phone was taken meanwhile (the caller undoes the home login). Pending logouts
 * to the same home for this phone are superseded (deleted). */
int em_emcc_visit_record(struct em_ctx *ctx, const struct em_emcc_visit_record *v,
			 struct em_result *res);

/* Queues a logout message for cluster in its own transaction (undo of a home login the
 * visiting side could not record). kind "homeLogout" or "visitingLogout". */
int em_emcc_outbox_queue(struct em_ctx *ctx, const char *cluster, const char *kind,
			 const char *device, const char *user_id, const char *reason);

/* Expired EMCC device maintenance: logs out home EMCC devices and visits whose login time ran
 * out more than grace_s ago (their timer did not fire), and deletes EMCC rows without a login
 * behind them. *removed = how many. */
int em_emcc_expire(struct em_ctx *ctx, int64_t grace_s, size_t *removed);

/* The home's checkUser: the user's profiles, default first (exists 0: no such user). */
int em_emcc_check_user(struct em_ctx *ctx, const char *user_id, int *exists,
		       char (*profiles)[LIM_ID_MAX], size_t max, size_t *n);

#endif
