/* fixture.c -- loads the seed lab (users, profiles, devices) into an in-memory store. */
#include "fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char app_hash[CRED_HASH_MAX];
static char user_hash[CRED_HASH_MAX];

int lab_group_setup(void **state)
{
	(void)state;
	/* Argon2id is slow on purpose: hash once for the whole group. */
	if (cred_init() != 0 || cred_password_hash(LAB_APP_PW, app_hash, sizeof(app_hash)) != 0 ||
	    cred_password_hash(LAB_USER_PW, user_hash, sizeof(user_hash)) != 0)
		return -1;
	return 0;
}

int lab_group_teardown(void **state)
{
	(void)state;
	return 0;
}

static void on_change(void *arg, const char *device, enum em_change what, int locale_changed,
		      const char *version)
{
	struct lab *l = arg;
	struct change *c;

	assert_true(l->nchanges < sizeof(l->changes) / sizeof(l->changes[0]));
	assert_non_null(version);
	c = &l->changes[l->nchanges];
	snprintf(c->device, sizeof(c->device), "%s", device);
	c->what = what;
	c->locale_changed = locale_changed;
	assert_true((size_t)snprintf(c->version, sizeof(c->version), "%s", version) <
		    sizeof(c->version));
	l->nchanges++;
}

static void add_user(struct lab *l, const char *id, const char *pw_hash, int proxy, int max)
{
	struct store_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", id);
	snprintf(u.name, sizeof(u.name), "User %s", id);
	snprintf(u.password_hash, sizeof(u.password_hash), "%s", pw_hash);
	assert_int_equal(cred_pin_hash(&l->pepper, "12345", u.pin_hash, sizeof(u.pin_hash)), 0);
	u.em_proxy_rights = proxy;
	u.emcc_enabled = 1;
	u.max_login_minutes = max;
	assert_int_equal(store_user_insert(l->st, &u), 0);
}

static void add_profile(struct lab *l, const char *name, const char *locale)
{
	struct store_profile p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.model, sizeof(p.model), "7821");
	snprintf(p.user_locale, sizeof(p.user_locale), "%s", locale);
	assert_int_equal(store_profile_insert(l->st, &p), 0);
}

static void add_device(struct lab *l, const char *name, const char *model, int em)
{
	struct store_device d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(d.model, sizeof(d.model), "%s", model);
	snprintf(d.protocol, sizeof(d.protocol), "SIP");
	d.em_enabled = em;
	d.emcc_enabled = 1;
	d.security_mode = 1;
	snprintf(d.user_locale, sizeof(d.user_locale), "English_United_States");
	assert_int_equal(store_device_insert(l->st, &d), 0);
}

void lab_load(struct lab *l)
{
	struct store_app_user a;

	assert_int_equal(store_begin(l->st), 0);
	memset(&a, 0, sizeof(a));
	snprintf(a.id, sizeof(a.id), LAB_APP);
	snprintf(a.password_hash, sizeof(a.password_hash), "%s", app_hash);
	a.em_proxy_rights = 1;
	assert_int_equal(store_app_user_insert(l->st, &a), 0);
	snprintf(a.id, sizeof(a.id), LAB_NOPROXY_APP);
	a.em_proxy_rights = 0;
	assert_int_equal(store_app_user_insert(l->st, &a), 0);

	add_user(l, LAB_USER, user_hash, 0, -1);
	add_user(l, "bob", "", 0, -1);	     /* no API password */
	add_user(l, "12345", "", 0, -1);     /* numeric user ID */
	add_user(l, "noprofile", "", 0, -1); /* no device profile at all */
	add_user(l, "shortie", "", 0, 30);   /* per-user Maximum Login Time 0:30 */
	add_user(l, "forever", "", 0, 0);    /* per-user Maximum Login Time 0 = none */
	add_user(l, SQL_USER, "", 0, -1);

	add_profile(l, LAB_PROFILE, "English_United_States");
	add_profile(l, LAB_PROFILE_ALT, "French_France");
	add_profile(l, "bob_udp", "");
	add_profile(l, "num_udp", "English_United_States");
	add_profile(l, "shortie_udp", "");
	add_profile(l, "forever_udp", "");
	add_profile(l, "sql_udp", "");
	add_profile(l, "unlinked_udp", "English_United_States");
	assert_int_equal(store_user_profile_add(l->st, LAB_USER, LAB_PROFILE, 1), 0);
	assert_int_equal(store_user_profile_add(l->st, LAB_USER, LAB_PROFILE_ALT, 0), 0);
	assert_int_equal(store_user_profile_add(l->st, "bob", "bob_udp", 1), 0);
	assert_int_equal(store_user_profile_add(l->st, "12345", "num_udp", 1), 0);
	assert_int_equal(store_user_profile_add(l->st, "shortie", "shortie_udp", 1), 0);
	assert_int_equal(store_user_profile_add(l->st, "forever", "forever_udp", 1), 0);
	assert_int_equal(store_user_profile_add(l->st, SQL_USER, "sql_udp", 1), 0);

	add_device(l, LAB_DEVICE, "7821", 1);
	add_device(l, LAB_DEVICE2, "8841", 1);
	add_device(l, LAB_DEVICE_NOEM, "7821", 0);
	assert_int_equal(store_commit(l->st), 0);
}

static void set_caller(struct em_caller *c, const char *id, int app, int proxy)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->is_app_user = app;
	c->proxy_rights = proxy;
}

int lab_setup(void **state)
{
	struct lab *l = calloc(1, sizeof(*l));

	if (!l)
		return -1;
	memset(l->pepper.key, 0x5a, sizeof(l->pepper.key));
	if (store_open(&l->st, ":memory:") != 0 || cred_cache_alloc(&l->cache, 16) != 0) {
		free(l);
		return -1;
	}
	lab_load(l);
	em_params_defaults(&l->params);
	l->ctx.st = l->st;
	l->ctx.params = &l->params;
	l->ctx.cache = l->cache;
	l->ctx.pepper = &l->pepper;
	l->ctx.now_ms = LAB_NOW_MS;
	l->ctx.reqno = 7;
	l->ctx.source = "api";
	l->ctx.remote_ip = "127.0.7.104";
	l->ctx.on_change = on_change;
	l->ctx.on_change_arg = l;
	set_caller(&l->app, LAB_APP, 1, 1);
	set_caller(&l->noproxy, LAB_NOPROXY_APP, 1, 0);
	set_caller(&l->adgjm, LAB_USER, 0, 0);
	set_caller(&l->bob, "bob", 0, 0);
	*state = l;
	return 0;
}

int lab_teardown(void **state)
{
	struct lab *l = *state;

	store_close(l->st);
	cred_cache_free(l->cache);
	free(l);
	return 0;
}

void lab_add_cluster(struct lab *l, const char *id)
{
	struct store_remote_cluster rc;

	memset(&rc, 0, sizeof(rc));
	snprintf(rc.id, sizeof(rc.id), "%s", id);
	snprintf(rc.address, sizeof(rc.address), "127.0.0.1:8443");
	rc.emcc_enabled = 1;
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_remote_cluster_insert(l->st, &rc), 0);
	assert_int_equal(store_commit(l->st), 0);
}

int lab_emcc_setup(void **state)
{
	struct lab *l;

	if (lab_setup(state))
		return -1;
	l = *state;
	lab_add_cluster(l, "ClusterOne");
	lab_add_cluster(l, "ClusterThree");
	l->params.inter_cluster_max_minutes = 600;
	l->params.emcc_active = 1;
	l->params.max_emcc_devices = 10;
	return 0;
}

void lab_stamp(struct lab *l, const char *device, char out[LIM_STAMP_MAX])
{
	int rc = store_config_version_get(l->st, device, out, LIM_STAMP_MAX, NULL);

	if (rc == ENOENT)
		out[0] = '\0';
	else
		assert_int_equal(rc, 0);
}

int lab_login(struct lab *l, const struct em_caller *c, const char *device, const char *user,
	      struct em_result *res)
{
	struct em_login_req req = {device, user, NULL, EM_DURATION_DEFAULT, 0};

	return em_login(&l->ctx, c, &req, res);
}

struct store_em_state lab_state(struct lab *l, const char *device)
{
	struct store_em_state s;
	int rc = store_em_state_get(l->st, device, &s);

	if (rc == ENOENT)
		memset(&s, 0, sizeof(s));
	else
		assert_int_equal(rc, 0);
	return s;
}

struct audit_count {
	const char *action;
	int code;
	int n;
	struct store_audit last;
	int have_last;
};

static int count_audit(void *arg, const struct store_audit *a)
{
	struct audit_count *c = arg;

	if (!c->have_last) {
		c->last = *a;
		c->have_last = 1;
	}
	if ((!c->action || strcmp(a->action, c->action) == 0) &&
	    (c->code < 0 || a->code == c->code))
		c->n++;
	return 0;
}

int lab_audit_count(struct lab *l, const char *action, int code)
{
	struct audit_count c = {action, code, 0, {0}, 0};

	assert_int_equal(store_audit_list(l->st, "", "", 0, count_audit, &c), 0);
	return c.n;
}

struct store_audit lab_audit_last(struct lab *l)
{
	struct audit_count c = {NULL, -1, 0, {0}, 0};

	assert_int_equal(store_audit_list(l->st, "", "", 1, count_audit, &c), 0);
	assert_true(c.have_last);
	return c.last;
}
