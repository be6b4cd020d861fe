/* fixture.h -- the seed lab in an in-memory store, for the EM policy tests. */
#ifndef EMCC_TEST_EM_FIXTURE_H
#define EMCC_TEST_EM_FIXTURE_H

#include "em/em.h"

#define LAB_NOW_MS 1700000000000LL
#define LAB_DEVICE "SEPC80084AA8743"	  /* 7821, EM enabled, English_United_States */
#define LAB_DEVICE2 "SEP00000000B002"	  /* 8841, EM enabled */
#define LAB_DEVICE_NOEM "SEP00000000B003" /* 7821, EM disabled */
#define LAB_APP "CCMSysUser"		  /* proxy rights */
#define LAB_APP_PW "ccm-secret"
#define LAB_NOPROXY_APP "ReportApp" /* no proxy rights, same password */
#define LAB_USER "adgjm"	    /* PIN 12345, password adgjm-pw */
#define LAB_USER_PW "adgjm-pw"
#define LAB_PROFILE "test_emcc_udp"    /* adgjm's default, English_United_States */
#define LAB_PROFILE_ALT "adgjm_french" /* adgjm's second, French_France */
#define SQL_USER "o'brien\"; drop table users;--"

struct change {
	char device[LIM_ID_MAX];
	enum em_change what;
	int locale_changed;
	char version[LIM_STAMP_MAX]; /* the versionStamp on_change was given */
};

struct lab {
	struct store *st;
	struct em_params params;
	struct cred_cache *cache;
	struct cred_pepper pepper;
	struct em_ctx ctx;
	struct em_caller app;	  /* CCMSysUser, authenticated */
	struct em_caller noproxy; /* ReportApp */
	struct em_caller adgjm;	  /* end user adgjm, own rights only */
	struct em_caller bob;	  /* end user bob */
	struct change changes[32];
	size_t nchanges;
};

/* cmocka group setup/teardown (hash the passwords once) and per-test setup/teardown. */
int lab_group_setup(void **state);
int lab_group_teardown(void **state);
int lab_setup(void **state);
int lab_teardown(void **state);
/* Loads the lab into an open store. */
void lab_load(struct lab *l);

/* The EMCC side of the lab (cmocka per-test setup): lab_setup, then remote clusters ClusterOne
 * and ClusterThree, EMCC active, 10 EMCC devices, Inter-cluster Maximum Login Time 10:00. */
int lab_emcc_setup(void **state);
/* Adds an EMCC-enabled remote cluster. */
void lab_add_cluster(struct lab *l, const char *id);
/* The device's config versionStamp in the store now ("" when it has none). */
void lab_stamp(struct lab *l, const char *device, char out[LIM_STAMP_MAX]);

/* Convenience: login as caller with the default profile and duration. */
int lab_login(struct lab *l, const struct em_caller *c, const char *device, const char *user,
	      struct em_result *res);
/* The device's em_state (zeroed if none). */
struct store_em_state lab_state(struct lab *l, const char *device);
/* Number of audit rows with that action and code (code < 0 = any). */
int lab_audit_count(struct lab *l, const char *action, int code);
/* The newest audit row. */
struct store_audit lab_audit_last(struct lab *l);

#endif
