/* test_crud.c -- store.h on an in-memory database: every function, its error codes, cascades. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"

static const char *const nasty[] = {
    "a'; DROP TABLE users;--", "\"quoted\" and 'single' \\back\\slash",
    "%s%n%x ?1 :name @x $y",   "j\xc3\xbcrgen-\xe6\x97\xa5\xe6\x9c\xac", /* jürgen-日本 */
    "semi;colon) OR 1=1 --",
};
#define NNASTY (sizeof(nasty) / sizeof(nasty[0]))

/* The store folds user IDs to lowercase (ASCII only). */
static const char *lower(const char *s)
{
	static char buf[LIM_ID_MAX];
	size_t i;

	for (i = 0; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	buf[i] = '\0';
	return buf;
}

static int setup(void **state)
{
	struct store *st = NULL;

	if (store_open(&st, ":memory:") != 0)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	return 0;
}

static void fill_user(struct store_user *u, const char *id, const char *ext)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->id, sizeof(u->id), "%s", id);
	snprintf(u->name, sizeof(u->name), "Name of %s", id);
	snprintf(u->password_hash, sizeof(u->password_hash), "$argon2id$pw-%s", id);
	snprintf(u->pin_hash, sizeof(u->pin_hash), "pin-%s", id);
	snprintf(u->primary_extension, sizeof(u->primary_extension), "%s", ext);
	u->em_proxy_rights = 0;
	u->emcc_enabled = 1;
	u->max_login_minutes = -1;
	u->failed_logons = 2;
	u->locked_until = 1700000000;
}

static void fill_profile(struct store_profile *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->description, sizeof(p->description), "UDP %s", name);
	strcpy(p->model, "7821");
	strcpy(p->user_locale, "English_United_States");
	strcpy(p->softkey_template, "Standard User");
}

static void fill_device(struct store_device *d, const char *name)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	strcpy(d->description, "lobby phone");
	strcpy(d->model, "8845");
	strcpy(d->protocol, "SIP");
	d->em_enabled = 1;
	d->emcc_enabled = 0;
	d->security_mode = 2;
	strcpy(d->user_locale, "French_France");
}

static void add_user(struct store *st, const char *id, const char *ext)
{
	struct store_user u;

	fill_user(&u, id, ext);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_insert(st, &u), 0);
	assert_int_equal(store_commit(st), 0);
}

static void add_profile(struct store *st, const char *name)
{
	struct store_profile p;

	fill_profile(&p, name);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_profile_insert(st, &p), 0);
	assert_int_equal(store_commit(st), 0);
}

static void add_device(struct store *st, const char *name)
{
	struct store_device d;

	fill_device(&d, name);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_insert(st, &d), 0);
	assert_int_equal(store_commit(st), 0);
}

/* ---- transactions ---- */

static void test_tx_rules(void **state)
{
	struct store *st = *state;
	struct store_user u;
	long n = -1;

	assert_int_equal(store_schema_version(st), 2);
	fill_user(&u, "alice", "1000");
	/* writes outside a transaction are refused and change nothing */
	assert_int_equal(store_user_insert(st, &u), EINVAL);
	assert_int_equal(store_param_set(st, "x", "y"), EINVAL);
	assert_int_equal(store_logout_schedule(st, "SEP1", 5), EINVAL);
	assert_int_equal(store_user_count(st, &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(store_commit(st), EINVAL);
	store_rollback(st); /* no-op without a transaction */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), EINVAL); /* no nesting */
	assert_int_equal(store_user_insert(st, &u), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_commit(st), EINVAL);
	assert_int_equal(store_user_count(st, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(store_begin(NULL), EINVAL);
	assert_int_equal(store_open(NULL, ":memory:"), EINVAL);
}

static void test_rollback_discards(void **state)
{
	struct store *st = *state;
	struct store_user u;
	struct store_em_state e;
	char v[32];
	long n = -1;

	add_user(st, "keep", "1");
	assert_int_equal(store_begin(st), 0);
	fill_user(&u, "gone", "2");
	assert_int_equal(store_user_insert(st, &u), 0);
	fill_user(&u, "keep", "99");
	assert_int_equal(store_user_update(st, &u), 0);
	assert_int_equal(store_param_set(st, "p", "v"), 0);
	memset(&e, 0, sizeof(e));
	strcpy(e.device, "SEPAAAA");
	strcpy(e.user_id, "keep");
	assert_int_equal(store_em_state_put(st, &e), 0);
	assert_int_equal(store_logout_schedule(st, "SEPAAAA", 10), 0);
	/* visible inside the transaction */
	assert_int_equal(store_user_get(st, "gone", &u), 0);
	store_rollback(st);

	assert_int_equal(store_user_get(st, "gone", &u), ENOENT);
	assert_int_equal(store_user_get(st, "keep", &u), 0);
	assert_string_equal(u.primary_extension, "1");
	assert_int_equal(store_param_get(st, "p", v, sizeof(v)), ENOENT);
	assert_int_equal(store_em_state_get(st, "SEPAAAA", &e), ENOENT);
	assert_int_equal(store_logout_count(st, &n), 0);
	assert_int_equal(n, 0);
	/* the writer lock was released: another transaction can start */
	assert_int_equal(store_begin(st), 0);
	store_rollback(st);
}

/* A failed call inside a transaction has no effect, and the transaction goes on. */
static void test_failed_call_keeps_tx(void **state)
{
	struct store *st = *state;
	struct store_user u;

	assert_int_equal(store_begin(st), 0);
	fill_user(&u, "bob", "1");
	assert_int_equal(store_user_insert(st, &u), 0);
	assert_int_equal(store_user_insert(st, &u), EEXIST);
	fill_user(&u, "carol", "2");
	assert_int_equal(store_user_insert(st, &u), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "bob", &u), 0);
	assert_int_equal(store_user_get(st, "carol", &u), 0);
}

/* ---- users ---- */

static void test_users(void **state)
{
	struct store *st = *state;
	struct store_user u, got;
	char longid[LIM_ID_MAX + 1];
	long n = -1;

	fill_user(&u, "alice", "1000");
	u.em_proxy_rights = 7; /* any non-zero is true */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_insert(st, &u), 0);
	assert_int_equal(store_user_insert(st, &u), EEXIST);
	assert_int_equal(store_commit(st), 0);

	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(store_user_get(st, "alice", &got), 0);
	assert_string_equal(got.id, "alice");
	assert_string_equal(got.name, "Name of alice");
	assert_string_equal(got.password_hash, "$argon2id$pw-alice");
	assert_string_equal(got.pin_hash, "pin-alice");
	assert_string_equal(got.primary_extension, "1000");
	assert_int_equal(got.em_proxy_rights, 1);
	assert_int_equal(got.emcc_enabled, 1);
	assert_int_equal(got.max_login_minutes, -1);
	assert_int_equal(got.failed_logons, 2);
	assert_int_equal(got.locked_until, 1700000000);

	/* IDs are folded to lowercase on the way in */
	assert_int_equal(store_user_get(st, "ALICE", &got), 0);
	assert_string_equal(got.id, "alice");
	fill_user(&u, "Alice", "1");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_insert(st, &u), EEXIST);
	u.failed_logons = 5;
	u.locked_until = 0;
	u.max_login_minutes = 480;
	assert_int_equal(store_user_update(st, &u), 0);
	fill_user(&u, "nobody", "1");
	assert_int_equal(store_user_update(st, &u), ENOENT);
	assert_int_equal(store_user_delete(st, "nobody"), ENOENT);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "alice", &got), 0);
	assert_int_equal(got.failed_logons, 5);
	assert_int_equal(got.locked_until, 0);
	assert_int_equal(got.max_login_minutes, 480);
	assert_string_equal(got.primary_extension, "1");

	assert_int_equal(store_user_get(st, "nobody", &got), ENOENT);

	/* bad arguments */
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(store_user_get(st, longid, &got), EINVAL);
	longid[LIM_ID_MAX - 1] = '\0'; /* exactly 128 bytes: fits */
	assert_int_equal(store_user_get(st, longid, &got), ENOENT);
	assert_int_equal(store_user_get(st, "", &got), EINVAL);
	assert_int_equal(store_user_get(st, NULL, &got), EINVAL);
	assert_int_equal(store_user_get(st, "alice", NULL), EINVAL);
	assert_int_equal(store_begin(st), 0);
	fill_user(&u, "x", "1");
	memset(u.name, 'n', sizeof(u.name)); /* not NUL-terminated */
	assert_int_equal(store_user_insert(st, &u), EINVAL);
	fill_user(&u, "x", "1");
	u.failed_logons = -1;
	assert_int_equal(store_user_insert(st, &u), EINVAL);
	fill_user(&u, longid, "1"); /* 128-byte id is accepted */
	assert_int_equal(store_user_insert(st, &u), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, longid, &got), 0);
	assert_string_equal(got.id, longid);

	assert_int_equal(store_user_count(st, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_delete(st, "ALICE"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "alice", &got), ENOENT);
	assert_int_equal(store_user_count(st, &n), 0);
	assert_int_equal(n, 1);
}

static void test_find_by_extension(void **state)
{
	struct store *st = *state;
	struct store_user got;
	int matches = -1;

	add_user(st, "zed", "2000");
	add_user(st, "amy", "2000");
	add_user(st, "solo", "3000");

	assert_int_equal(store_user_find_by_extension(st, "2000", &got, &matches), 0);
	assert_int_equal(matches, 2);
	assert_string_equal(got.id, "amy"); /* first by id */
	assert_int_equal(store_user_find_by_extension(st, "3000", &got, &matches), 0);
	assert_int_equal(matches, 1);
	assert_string_equal(got.id, "solo");
	assert_int_equal(store_user_find_by_extension(st, "3000", &got, NULL), 0);
	matches = -1;
	assert_int_equal(store_user_find_by_extension(st, "4000", &got, &matches), ENOENT);
	assert_int_equal(matches, 0);
	assert_int_equal(store_user_find_by_extension(st, "", &got, &matches), EINVAL);
}

struct collect {
	char names[64][LIM_ID_MAX];
	int flags[64];
	size_t n;
	size_t stop_after; /* 0 = never */
	struct store *st;
};

static int collect_user(void *arg, const struct store_user *u)
{
	struct collect *c = arg;

	snprintf(c->names[c->n++], LIM_ID_MAX, "%s", u->id);
	return c->stop_after && c->n == c->stop_after ? 42 : 0;
}

static void test_user_paging(void **state)
{
	struct store *st = *state;
	struct collect c;
	char id[16], after[LIM_ID_MAX] = "";
	size_t i, total = 0;

	for (i = 0; i < 25; i++) {
		/* inserted out of order; listed by id */
		snprintf(id, sizeof(id), "u%02zu", (i * 7) % 25);
		add_user(st, id, "1");
	}
	for (;;) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(store_user_list(st, after, 10, collect_user, &c), 0);
		for (i = 0; i < c.n; i++) {
			snprintf(id, sizeof(id), "u%02zu", total + i);
			assert_string_equal(c.names[i], id);
		}
		total += c.n;
		if (c.n < 10)
			break;
		snprintf(after, sizeof(after), "%s", c.names[c.n - 1]);
	}
	assert_int_equal(total, 25);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_list(st, NULL, 0, collect_user, &c), 0);
	assert_int_equal(c.n, 25);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_list(st, "u20", 0, collect_user, &c), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.names[0], "u21");

	/* the callback's non-zero return stops the walk and is returned */
	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	assert_int_equal(store_user_list(st, "", 0, collect_user, &c), 42);
	assert_int_equal(c.n, 3);
	/* and the statement is reusable afterwards */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_list(st, "", 2, collect_user, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.names[1], "u01");
	assert_int_equal(store_user_list(st, "", 0, NULL, NULL), EINVAL);
}

/* A callback may run other queries, including the very same walk. */
static int nested_inner(void *arg, const struct store_user *u)
{
	size_t *n = arg;

	(*n)++;
	return 0;
}

static int nested_outer(void *arg, const struct store_user *u)
{
	struct collect *c = arg;
	struct store_user again;
	size_t inner = 0;

	assert_int_equal(store_user_get(c->st, u->id, &again), 0);
	assert_string_equal(again.id, u->id);
	assert_int_equal(store_user_list(c->st, "", 0, nested_inner, &inner), 0);
	assert_int_equal(inner, 3);
	snprintf(c->names[c->n++], LIM_ID_MAX, "%s", u->id);
	return 0;
}

static void test_reentrant_walk(void **state)
{
	struct store *st = *state;
	struct collect c;

	add_user(st, "a", "1");
	add_user(st, "b", "1");
	add_user(st, "c", "1");
	memset(&c, 0, sizeof(c));
	c.st = st;
	assert_int_equal(store_user_list(st, "", 0, nested_outer, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.names[2], "c");
}

/* ---- quoting and encodings in every name field ---- */

static int count_app(void *arg, const struct store_app_user *a)
{
	(*(size_t *)arg)++;
	return 0;
}

static void test_metacharacters(void **state)
{
	struct store *st = *state;
	struct store_user u, gu;
	struct store_app_user a, ga;
	struct store_profile p, gp;
	struct store_device d, gd;
	struct store_em_state e, ge;
	struct features *f = calloc(1, sizeof(*f)), *gf = calloc(1, sizeof(*gf));
	char v[LIM_TEXT_MAX], prof[LIM_ID_MAX], names[8][LIM_ID_MAX];
	size_t i, n, napp = 0;
	long cnt;

	assert_non_null(f);
	assert_non_null(gf);
	for (i = 0; i < NNASTY; i++) {
		const char *s = nasty[i];

		assert_int_equal(store_begin(st), 0);
		fill_user(&u, s, s);
		snprintf(u.name, sizeof(u.name), "%s", s);
		snprintf(u.pin_hash, sizeof(u.pin_hash), "%s", s);
		assert_int_equal(store_user_insert(st, &u), 0);
		memset(&a, 0, sizeof(a));
		snprintf(a.id, sizeof(a.id), "%s", s);
		snprintf(a.password_hash, sizeof(a.password_hash), "%s", s);
		assert_int_equal(store_app_user_insert(st, &a), 0);
		fill_profile(&p, s);
		snprintf(p.description, sizeof(p.description), "%s", s);
		assert_int_equal(store_profile_insert(st, &p), 0);
		fill_device(&d, s);
		snprintf(d.description, sizeof(d.description), "%s", s);
		assert_int_equal(store_device_insert(st, &d), 0);
		assert_int_equal(store_user_profile_add(st, s, s, 1), 0);
		memset(f, 0, sizeof(*f));
		f->nlines = 1;
		f->lines[0].index = 1;
		snprintf(f->lines[0].dn, sizeof(f->lines[0].dn), "%s", s);
		snprintf(f->lines[0].label, sizeof(f->lines[0].label), "%s", s);
		f->nservices = 1;
		snprintf(f->services[0].name, sizeof(f->services[0].name), "%s", s);
		snprintf(f->services[0].url, sizeof(f->services[0].url), "http://x/?q=%s", s);
		assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, s, f), 0);
		memset(&e, 0, sizeof(e));
		snprintf(e.device, sizeof(e.device), "%s", s);
		snprintf(e.user_id, sizeof(e.user_id), "%s", s);
		snprintf(e.profile, sizeof(e.profile), "%s", s);
		snprintf(e.remote_cluster, sizeof(e.remote_cluster), "%s", s);
		assert_int_equal(store_em_state_put(st, &e), 0);
		assert_int_equal(store_logout_schedule(st, s, (int64_t)i), 0);
		assert_int_equal(store_param_set(st, s, s), 0);
		assert_int_equal(store_commit(st), 0);
	}
	for (i = 0; i < NNASTY; i++) {
		const char *s = nasty[i];

		assert_int_equal(store_user_get(st, s, &gu), 0);
		assert_string_equal(gu.name, s);
		assert_string_equal(gu.id, lower(s));
		assert_string_equal(gu.pin_hash, s);
		assert_string_equal(gu.primary_extension, s);
		assert_int_equal(store_app_user_get(st, s, &ga), 0);
		assert_string_equal(ga.password_hash, s);
		assert_int_equal(store_profile_get(st, s, &gp), 0);
		assert_string_equal(gp.description, s);
		assert_int_equal(store_device_get(st, s, &gd), 0);
		assert_string_equal(gd.description, s);
		assert_int_equal(store_user_default_profile(st, s, prof, sizeof(prof)), 0);
		assert_string_equal(prof, s);
		assert_int_equal(store_features_get(st, STORE_OWNER_PROFILE, s, gf), 0);
		assert_int_equal(gf->nlines, 1);
		assert_string_equal(gf->lines[0].dn, s);
		assert_string_equal(gf->lines[0].label, s);
		assert_int_equal(gf->nservices, 1);
		assert_string_equal(gf->services[0].name, s);
		assert_int_equal(store_em_state_get(st, s, &ge), 0);
		assert_string_equal(ge.user_id, lower(s));
		assert_string_equal(ge.profile, s);
		assert_string_equal(ge.remote_cluster, s);
		assert_int_equal(store_param_get(st, s, v, sizeof(v)), 0);
		assert_string_equal(v, s);
		n = 0;
		assert_int_equal(store_logout_due(st, (int64_t)i, names, 8, &n), 0);
		assert_int_equal(n, i + 1);
		assert_string_equal(names[n - 1], s);
	}
	/* the tables are all still there */
	assert_int_equal(store_user_count(st, &cnt), 0);
	assert_int_equal(cnt, NNASTY);
	assert_int_equal(store_device_count(st, &cnt), 0);
	assert_int_equal(cnt, NNASTY);
	assert_int_equal(store_app_user_list(st, count_app, &napp), 0);
	assert_int_equal(napp, NNASTY);

	/* ASCII folding leaves UTF-8 bytes alone */
	assert_int_equal(store_user_get(st, "J\xc3\xbcRGEN-\xe6\x97\xa5\xe6\x9c\xac", &gu), 0);
	assert_string_equal(gu.id, nasty[3]);
	free(f);
	free(gf);
}

/* ---- application users ---- */

static int collect_app(void *arg, const struct store_app_user *a)
{
	struct collect *c = arg;

	c->flags[c->n] = a->em_proxy_rights;
	snprintf(c->names[c->n++], LIM_ID_MAX, "%s", a->id);
	return 0;
}

static void test_app_users(void **state)
{
	struct store *st = *state;
	struct store_app_user a, got;
	struct collect c;

	memset(&a, 0, sizeof(a));
	strcpy(a.id, "EMProxy");
	strcpy(a.password_hash, "h1");
	a.em_proxy_rights = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_app_user_insert(st, &a), 0);
	assert_int_equal(store_app_user_insert(st, &a), EEXIST);
	strcpy(a.id, "emproxy"); /* case-sensitive: a different user */
	a.em_proxy_rights = 0;
	assert_int_equal(store_app_user_insert(st, &a), 0);
	strcpy(a.id, "ghost");
	assert_int_equal(store_app_user_update(st, &a), ENOENT);
	assert_int_equal(store_app_user_delete(st, "ghost"), ENOENT);
	strcpy(a.id, "EMProxy");
	strcpy(a.password_hash, "h2");
	a.em_proxy_rights = 0;
	assert_int_equal(store_app_user_update(st, &a), 0);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_app_user_get(st, "EMProxy", &got), 0);
	assert_string_equal(got.password_hash, "h2");
	assert_int_equal(got.em_proxy_rights, 0);
	assert_int_equal(store_app_user_get(st, "EMPROXY", &got), ENOENT);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_app_user_list(st, collect_app, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.names[0], "EMProxy"); /* byte order: 'E' < 'e' */
	assert_string_equal(c.names[1], "emproxy");

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_app_user_delete(st, "emproxy"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_app_user_get(st, "emproxy", &got), ENOENT);
}

/* ---- profiles and features ---- */

static int collect_profile(void *arg, const struct store_profile *p)
{
	struct collect *c = arg;

	snprintf(c->names[c->n++], LIM_ID_MAX, "%s", p->name);
	return 0;
}

static void test_profiles(void **state)
{
	struct store *st = *state;
	struct store_profile p, got;
	struct collect c;

	fill_profile(&p, "udp-b");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_profile_insert(st, &p), 0);
	assert_int_equal(store_profile_insert(st, &p), EEXIST);
	fill_profile(&p, "udp-a");
	assert_int_equal(store_profile_insert(st, &p), 0);
	fill_profile(&p, "udp-c");
	assert_int_equal(store_profile_insert(st, &p), 0);
	strcpy(p.model, "8865");
	assert_int_equal(store_profile_update(st, &p), 0);
	fill_profile(&p, "missing");
	assert_int_equal(store_profile_update(st, &p), ENOENT);
	assert_int_equal(store_profile_delete(st, "missing"), ENOENT);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_profile_get(st, "udp-c", &got), 0);
	assert_string_equal(got.model, "8865");
	assert_string_equal(got.description, "UDP udp-c");
	assert_string_equal(got.user_locale, "English_United_States");
	assert_string_equal(got.softkey_template, "Standard User");
	assert_int_equal(store_profile_get(st, "UDP-C", &got), ENOENT);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_profile_list(st, "", 2, collect_profile, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.names[0], "udp-a");
	assert_string_equal(c.names[1], "udp-b");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_profile_list(st, "udp-b", 2, collect_profile, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.names[0], "udp-c");
}

static void test_features(void **state)
{
	struct store *st = *state;
	struct features *f = calloc(1, sizeof(*f)), *got = calloc(1, sizeof(*got));
	size_t i;

	assert_non_null(f);
	assert_non_null(got);
	add_profile(st, "udp");
	add_device(st, "udp"); /* same name, other owner kind */

	/* no rows: counts 0 */
	got->nlines = got->nspeed_dials = got->nservices = 9;
	assert_int_equal(store_features_get(st, STORE_OWNER_PROFILE, "udp", got), 0);
	assert_int_equal(got->nlines + got->nspeed_dials + got->nservices, 0);
	assert_int_equal(store_features_get(st, STORE_OWNER_DEVICE, "nothere", got), 0);
	assert_int_equal(got->nlines + got->nspeed_dials + got->nservices, 0);

	/* lines given out of order come back by index */
	f->nlines = LIM_LINES;
	for (i = 0; i < LIM_LINES; i++) {
		f->lines[i].index = (int)(LIM_LINES - i);
		snprintf(f->lines[i].dn, sizeof(f->lines[i].dn), "%d", 1000 + f->lines[i].index);
		snprintf(f->lines[i].label, sizeof(f->lines[i].label), "L%d", f->lines[i].index);
		snprintf(f->lines[i].display, sizeof(f->lines[i].display), "D%d",
			 f->lines[i].index);
	}
	f->nspeed_dials = 2;
	f->speed_dials[0].index = 3;
	strcpy(f->speed_dials[0].number, "+15551234");
	strcpy(f->speed_dials[0].label, "Mom");
	f->speed_dials[1].index = 1;
	strcpy(f->speed_dials[1].number, "911");
	strcpy(f->speed_dials[1].label, "Emergency");
	f->nservices = 3;
	for (i = 0; i < 3; i++) {
		snprintf(f->services[i].name, sizeof(f->services[i].name), "svc%c", (int)('c' - i));
		snprintf(f->services[i].url, sizeof(f->services[i].url), "http://h/%zu", i);
	}
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "udp", f), EINVAL); /* no tx */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "udp", f), 0);
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "nope", f), ENOENT);
	assert_int_equal(store_features_set(st, STORE_OWNER_DEVICE, "nope", f), ENOENT);
	assert_int_equal(store_features_set(st, (enum store_owner_kind)3, "udp", f), EINVAL);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_features_get(st, STORE_OWNER_PROFILE, "udp", got), 0);
	assert_int_equal(got->nlines, LIM_LINES);
	for (i = 0; i < LIM_LINES; i++) {
		char buf[16];

		assert_int_equal(got->lines[i].index, (int)i + 1);
		snprintf(buf, sizeof(buf), "%zu", 1001 + i);
		assert_string_equal(got->lines[i].dn, buf);
		snprintf(buf, sizeof(buf), "D%zu", i + 1);
		assert_string_equal(got->lines[i].display, buf);
	}
	assert_int_equal(got->nspeed_dials, 2);
	assert_int_equal(got->speed_dials[0].index, 1);
	assert_string_equal(got->speed_dials[0].number, "911");
	assert_string_equal(got->speed_dials[1].label, "Mom");
	assert_int_equal(got->nservices, 3);
	/* services keep the caller's order, not name order */
	assert_string_equal(got->services[0].name, "svcc");
	assert_string_equal(got->services[2].name, "svca");
	assert_string_equal(got->services[2].url, "http://h/2");
	/* the device of the same name has nothing */
	assert_int_equal(store_features_get(st, STORE_OWNER_DEVICE, "udp", got), 0);
	assert_int_equal(got->nlines, 0);

	/* replaced as a whole */
	memset(f, 0, sizeof(*f));
	f->nlines = 1;
	f->lines[0].index = 2;
	strcpy(f->lines[0].dn, "2002");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "udp", f), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_features_get(st, STORE_OWNER_PROFILE, "udp", got), 0);
	assert_int_equal(got->nlines, 1);
	assert_int_equal(got->lines[0].index, 2);
	assert_int_equal(got->nspeed_dials, 0);
	assert_int_equal(got->nservices, 0);

	/* a duplicate index fails as a whole: the old contents stay */
	memset(f, 0, sizeof(*f));
	f->nlines = 2;
	f->lines[0].index = 5;
	f->lines[1].index = 5;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "udp", f), EEXIST);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_features_get(st, STORE_OWNER_PROFILE, "udp", got), 0);
	assert_int_equal(got->nlines, 1);
	assert_string_equal(got->lines[0].dn, "2002");

	/* bad contents */
	assert_int_equal(store_begin(st), 0);
	f->lines[1].index = 0;
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "udp", f), EINVAL);
	f->nlines = LIM_LINES + 1;
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "udp", f), EINVAL);
	f->nlines = 0;
	f->nservices = 1;
	memset(f->services[0].url, 'u', sizeof(f->services[0].url));
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "udp", f), EINVAL);
	store_rollback(st);
	assert_int_equal(store_features_get(st, (enum store_owner_kind)0, "udp", got), EINVAL);
	free(f);
	free(got);
}

/* ---- user <-> profile ---- */

static int collect_up(void *arg, const struct store_user_profile *up)
{
	struct collect *c = arg;

	assert_string_equal(up->user_id, "dana");
	c->flags[c->n] = up->is_default;
	snprintf(c->names[c->n++], LIM_ID_MAX, "%s", up->profile);
	return 0;
}

static void test_user_profiles(void **state)
{
	struct store *st = *state;
	struct collect c;
	char prof[LIM_ID_MAX], tiny[3];

	add_user(st, "dana", "1");
	add_profile(st, "p-b");
	add_profile(st, "p-a");
	add_profile(st, "p-c");

	assert_int_equal(store_user_default_profile(st, "dana", prof, sizeof(prof)), ENOENT);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_profile_add(st, "ghost", "p-a", 0), ENOENT);
	assert_int_equal(store_user_profile_add(st, "dana", "p-missing", 0), ENOENT);
	assert_int_equal(store_user_profile_add(st, "DANA", "p-c", 0), 0);
	assert_int_equal(store_user_profile_add(st, "dana", "p-c", 0), EEXIST);
	assert_int_equal(store_user_profile_add(st, "dana", "p-b", 1), 0);
	assert_int_equal(store_user_profile_add(st, "dana", "p-a", 0), 0);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_user_default_profile(st, "dana", prof, sizeof(prof)), 0);
	assert_string_equal(prof, "p-b");
	assert_int_equal(store_user_default_profile(st, "dana", tiny, sizeof(tiny)), EINVAL);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_profile_list(st, "dana", collect_up, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.names[0], "p-b"); /* default first */
	assert_int_equal(c.flags[0], 1);
	assert_string_equal(c.names[1], "p-a");
	assert_int_equal(c.flags[1], 0);
	assert_string_equal(c.names[2], "p-c");

	/* a new default replaces the old one: only one */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_profile_set_default(st, "dana", "p-c"), 0);
	assert_int_equal(store_user_profile_set_default(st, "dana", "p-missing"), ENOENT);
	assert_int_equal(store_commit(st), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_profile_list(st, "dana", collect_up, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.names[0], "p-c");
	assert_int_equal(c.flags[0] + c.flags[1] + c.flags[2], 1);
	assert_int_equal(store_user_default_profile(st, "dana", prof, sizeof(prof)), 0);
	assert_string_equal(prof, "p-c"); /* the failed set_default left it alone */

	/* adding another default also clears the old one */
	add_profile(st, "p-d");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_profile_add(st, "dana", "p-d", 1), 0);
	assert_int_equal(store_commit(st), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_profile_list(st, "dana", collect_up, &c), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.names[0], "p-d");
	assert_int_equal(c.flags[0] + c.flags[1] + c.flags[2] + c.flags[3], 1);

	/* removing the default link leaves no default */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_profile_del(st, "dana", "p-d"), 0);
	assert_int_equal(store_user_profile_del(st, "dana", "p-d"), ENOENT);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_default_profile(st, "dana", prof, sizeof(prof)), ENOENT);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_profile_list(st, "nobody", collect_up, &c), 0);
	assert_int_equal(c.n, 0);
}

static int collect_up_any(void *arg, const struct store_user_profile *up)
{
	struct collect *c = arg;

	c->flags[c->n] = up->is_default;
	snprintf(c->names[c->n++], LIM_ID_MAX, "%s", up->profile);
	return 0;
}

/* ---- devices ---- */

static int collect_device(void *arg, const struct store_device *d)
{
	struct collect *c = arg;

	snprintf(c->names[c->n++], LIM_ID_MAX, "%s", d->name);
	return 0;
}

static void test_devices(void **state)
{
	struct store *st = *state;
	struct store_device d, got;
	struct collect c;
	long n = -1;

	fill_device(&d, "SEPC80084AA8743");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_insert(st, &d), 0);
	assert_int_equal(store_device_insert(st, &d), EEXIST);
	fill_device(&d, "SEP000000000001");
	strcpy(d.protocol, "SCCP");
	d.security_mode = 3;
	d.emcc_enabled = 1;
	assert_int_equal(store_device_insert(st, &d), 0);
	fill_device(&d, "SEPBAD");
	strcpy(d.protocol, "H323");
	assert_int_equal(store_device_insert(st, &d), EINVAL);
	fill_device(&d, "SEPBAD");
	d.security_mode = 9;
	assert_int_equal(store_device_insert(st, &d), EINVAL);
	fill_device(&d, "SEPNONE");
	assert_int_equal(store_device_update(st, &d), ENOENT);
	assert_int_equal(store_device_delete(st, "SEPNONE"), ENOENT);
	fill_device(&d, "SEPC80084AA8743");
	d.em_enabled = 0;
	strcpy(d.model, "7821");
	assert_int_equal(store_device_update(st, &d), 0);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_device_get(st, "SEPBAD", &got), ENOENT);
	assert_int_equal(store_device_get(st, "SEP000000000001", &got), 0);
	assert_string_equal(got.protocol, "SCCP");
	assert_int_equal(got.security_mode, 3);
	assert_int_equal(got.emcc_enabled, 1);
	assert_int_equal(got.em_enabled, 1);
	assert_string_equal(got.description, "lobby phone");
	assert_string_equal(got.user_locale, "French_France");
	assert_int_equal(store_device_get(st, "SEPC80084AA8743", &got), 0);
	assert_int_equal(got.em_enabled, 0);
	assert_string_equal(got.model, "7821");
	assert_int_equal(store_device_count(st, &n), 0);
	assert_int_equal(n, 2);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_device_list(st, "", 1, collect_device, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.names[0], "SEP000000000001");
	assert_int_equal(store_device_list(st, c.names[0], 1, collect_device, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.names[1], "SEPC80084AA8743");
	assert_int_equal(store_device_list(st, c.names[1], 1, collect_device, &c), 0);
	assert_int_equal(c.n, 2);
}

/* ---- EM state ---- */

static int collect_em(void *arg, const struct store_em_state *e)
{
	struct collect *c = arg;

	snprintf(c->names[c->n++], LIM_ID_MAX, "%s", e->device);
	return 0;
}

static void put_em(struct store *st, const char *dev, const char *user)
{
	struct store_em_state e;

	memset(&e, 0, sizeof(e));
	snprintf(e.device, sizeof(e.device), "%s", dev);
	snprintf(e.user_id, sizeof(e.user_id), "%s", user);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_em_state_put(st, &e), 0);
	assert_int_equal(store_commit(st), 0);
}

static void test_em_state(void **state)
{
	struct store *st = *state;
	struct store_em_state e, got;
	struct collect c;
	long n = -1;

	assert_int_equal(store_em_state_get(st, "SEP1", &got), ENOENT);
	memset(&e, 0, sizeof(e));
	strcpy(e.device, "SEP1");
	strcpy(e.user_id, "Erin");
	strcpy(e.profile, "udp-erin");
	e.login_time = 1700000000;
	e.login_duration = 3600;
	strcpy(e.last_user_id, "frank");
	e.emcc_role = STORE_EMCC_VISITOR;
	strcpy(e.remote_cluster, "cluster-b");
	strcpy(e.remote_ip, "2001:db8::1");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_em_state_put(st, &e), 0);
	e.emcc_role = 7;
	strcpy(e.device, "SEPX");
	assert_int_equal(store_em_state_put(st, &e), EINVAL);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_em_state_get(st, "SEP1", &got), 0);
	assert_string_equal(got.device, "SEP1");
	assert_string_equal(got.user_id, "erin");
	assert_string_equal(got.profile, "udp-erin");
	assert_int_equal(got.login_time, 1700000000);
	assert_int_equal(got.login_duration, 3600);
	assert_string_equal(got.last_user_id, "frank");
	assert_int_equal(got.emcc_role, STORE_EMCC_VISITOR);
	assert_string_equal(got.remote_cluster, "cluster-b");
	assert_string_equal(got.remote_ip, "2001:db8::1");

	/* put replaces: log out */
	memset(&e, 0, sizeof(e));
	strcpy(e.device, "SEP1");
	strcpy(e.last_user_id, "erin");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_em_state_put(st, &e), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_em_state_get(st, "SEP1", &got), 0);
	assert_string_equal(got.user_id, "");
	assert_string_equal(got.profile, "");
	assert_int_equal(got.emcc_role, 0);
	assert_string_equal(got.last_user_id, "erin");

	put_em(st, "SEP3", "erin");
	put_em(st, "SEP2", "erin");
	put_em(st, "SEP4", "gus");
	put_em(st, "SEP0", "");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_em_state_by_user(st, "ERIN", collect_em, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.names[0], "SEP2");
	assert_string_equal(c.names[1], "SEP3");
	assert_int_equal(store_em_state_by_user(st, "", collect_em, &c), EINVAL);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_em_state_logged_in(st, collect_em, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.names[0], "SEP2");
	assert_string_equal(c.names[2], "SEP4");
	assert_int_equal(store_em_state_count_logged_in(st, &n), 0);
	assert_int_equal(n, 3);
}

/* ---- scheduled logouts ---- */

static void test_logouts(void **state)
{
	struct store *st = *state;
	char names[8][LIM_ID_MAX];
	size_t n = 99;
	int64_t due = 0;
	long cnt = -1;

	assert_int_equal(store_logout_next(st, &due), ENOENT);
	assert_int_equal(store_logout_due(st, 1000, names, 8, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_logout_schedule(st, "SEPC", 300), 0);
	assert_int_equal(store_logout_schedule(st, "SEPA", 100), 0);
	assert_int_equal(store_logout_schedule(st, "SEPB", 200), 0);
	assert_int_equal(store_logout_schedule(st, "SEPD", 900), 0);
	assert_int_equal(store_logout_schedule(st, "SEPA", 250), 0); /* replaces */
	assert_int_equal(store_logout_cancel(st, "SEPZ"), 0);	     /* none: still 0 */
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_logout_count(st, &cnt), 0);
	assert_int_equal(cnt, 4);
	assert_int_equal(store_logout_next(st, &due), 0);
	assert_int_equal(due, 200);
	assert_int_equal(store_logout_due(st, 199, names, 8, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_logout_due(st, 300, names, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "SEPB");
	assert_string_equal(names[1], "SEPA");
	assert_string_equal(names[2], "SEPC");
	assert_int_equal(store_logout_due(st, 10000, names, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[1], "SEPA");
	assert_int_equal(store_logout_due(st, 10000, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_logout_due(st, 10000, NULL, 2, &n), EINVAL);

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_logout_cancel(st, "SEPB"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_logout_next(st, &due), 0);
	assert_int_equal(due, 250);
	assert_int_equal(store_logout_count(st, &cnt), 0);
	assert_int_equal(cnt, 3);
}

/* ---- audit ---- */

struct audit_seen {
	struct store_audit a[16];
	size_t n;
};

static int collect_audit(void *arg, const struct store_audit *a)
{
	struct audit_seen *s = arg;

	s->a[s->n++] = *a;
	return 0;
}

static void add_audit(struct store *st, const char *action, const char *user, const char *dev,
		      uint64_t reqno)
{
	struct store_audit a;

	memset(&a, 0, sizeof(a));
	a.time_ms = 1700000000123LL;
	snprintf(a.action, sizeof(a.action), "%s", action);
	snprintf(a.user_id, sizeof(a.user_id), "%s", user);
	snprintf(a.device, sizeof(a.device), "%s", dev);
	strcpy(a.source, "api");
	strcpy(a.remote_ip, "127.0.0.1");
	a.code = 25;
	strcpy(a.detail, "Login is unavailable");
	a.reqno = reqno;
	assert_int_equal(store_audit_add(st, &a), 0);
}

static void test_audit(void **state)
{
	struct store *st = *state;
	struct audit_seen *s = calloc(1, sizeof(*s));
	struct store_audit bad;

	assert_non_null(s);
	assert_int_equal(store_begin(st), 0);
	add_audit(st, "login", "u1", "SEP1", 1);
	add_audit(st, "logout", "u1", "SEP2", 2);
	add_audit(st, "login", "u2", "SEP1", 3);
	add_audit(st, "autoLogout", "u1", "SEP1", UINT64_MAX);
	memset(&bad, 0, sizeof(bad));
	memset(bad.action, 'x', sizeof(bad.action));
	assert_int_equal(store_audit_add(st, &bad), EINVAL);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_audit_list(st, "", "", 0, collect_audit, s), 0);
	assert_int_equal(s->n, 4);
	assert_string_equal(s->a[0].action, "autoLogout"); /* newest first */
	assert_true(s->a[0].id > s->a[1].id);
	assert_true(s->a[1].id > s->a[2].id);
	assert_true(s->a[0].reqno == UINT64_MAX);
	assert_int_equal(s->a[0].time_ms, 1700000000123LL);
	assert_int_equal(s->a[0].code, 25);
	assert_string_equal(s->a[0].source, "api");
	assert_string_equal(s->a[0].remote_ip, "127.0.0.1");
	assert_string_equal(s->a[0].detail, "Login is unavailable");

	memset(s, 0, sizeof(*s));
	assert_int_equal(store_audit_list(st, "u1", "", 0, collect_audit, s), 0);
	assert_int_equal(s->n, 3);
	memset(s, 0, sizeof(*s));
	assert_int_equal(store_audit_list(st, NULL, "SEP1", 0, collect_audit, s), 0);
	assert_int_equal(s->n, 3);
	assert_true(s->a[2].reqno == 1);
	memset(s, 0, sizeof(*s));
	assert_int_equal(store_audit_list(st, "u1", "SEP1", 0, collect_audit, s), 0);
	assert_int_equal(s->n, 2);
	assert_true(s->a[0].reqno == UINT64_MAX);
	assert_true(s->a[1].reqno == 1);
	memset(s, 0, sizeof(*s));
	assert_int_equal(store_audit_list(st, "", "", 2, collect_audit, s), 0);
	assert_int_equal(s->n, 2);
	assert_true(s->a[1].reqno == 3);
	memset(s, 0, sizeof(*s));
	assert_int_equal(store_audit_list(st, "nobody", "", 0, collect_audit, s), 0);
	assert_int_equal(s->n, 0);
	free(s);
}

/* ---- parameters ---- */

static int collect_param(void *arg, const char *name, const char *value)
{
	struct collect *c = arg;

	snprintf(c->names[c->n++], LIM_ID_MAX, "%s=%s", name, value);
	return 0;
}

static void test_params(void **state)
{
	struct store *st = *state;
	struct collect c;
	char v[64], tiny[3];

	assert_int_equal(store_param_get(st, "Multiple Login Behavior", v, sizeof(v)), ENOENT);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_param_set(st, "Multiple Login Behavior", "Not Allowed"), 0);
	assert_int_equal(store_param_set(st, "Alphanumeric User ID", "True"), 0);
	assert_int_equal(store_param_set(st, "Multiple Login Behavior", "Auto Logout"), 0);
	assert_int_equal(store_param_set(st, "Empty", ""), 0);
	assert_int_equal(store_param_set(st, "", "x"), EINVAL);
	assert_int_equal(store_param_set(st, "x", NULL), EINVAL);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_param_get(st, "Multiple Login Behavior", v, sizeof(v)), 0);
	assert_string_equal(v, "Auto Logout");
	assert_int_equal(store_param_get(st, "Empty", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(store_param_get(st, "Alphanumeric User ID", tiny, sizeof(tiny)), EINVAL);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_param_list(st, collect_param, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.names[0], "Alphanumeric User ID=True");
	assert_string_equal(c.names[1], "Empty=");
	assert_string_equal(c.names[2], "Multiple Login Behavior=Auto Logout");
}

/* ---- cascades ---- */

static void test_cascades(void **state)
{
	struct store *st = *state;
	struct features *f = calloc(1, sizeof(*f));
	struct store_em_state e;
	struct collect c;
	long n = -1;

	assert_non_null(f);
	add_user(st, "hank", "1");
	add_profile(st, "udp-h");
	add_profile(st, "udp-i");
	add_device(st, "SEPH");
	add_device(st, "SEPI");
	f->nlines = 1;
	f->lines[0].index = 1;
	strcpy(f->lines[0].dn, "1000");
	f->nspeed_dials = 1;
	f->speed_dials[0].index = 1;
	f->nservices = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_profile_add(st, "hank", "udp-h", 1), 0);
	assert_int_equal(store_user_profile_add(st, "hank", "udp-i", 0), 0);
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "udp-h", f), 0);
	assert_int_equal(store_features_set(st, STORE_OWNER_DEVICE, "SEPH", f), 0);
	assert_int_equal(store_features_set(st, STORE_OWNER_DEVICE, "SEPI", f), 0);
	memset(&e, 0, sizeof(e));
	strcpy(e.device, "SEPH");
	strcpy(e.user_id, "hank");
	assert_int_equal(store_em_state_put(st, &e), 0);
	strcpy(e.device, "SEPI");
	assert_int_equal(store_em_state_put(st, &e), 0);
	assert_int_equal(store_logout_schedule(st, "SEPH", 10), 0);
	assert_int_equal(store_logout_schedule(st, "SEPI", 10), 0);
	assert_int_equal(store_commit(st), 0);

	/* deleting a profile drops its links and features */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_profile_delete(st, "udp-h"), 0);
	assert_int_equal(store_commit(st), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_profile_list(st, "hank", collect_up_any, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.names[0], "udp-i");
	add_profile(st, "udp-h"); /* re-created: starts empty */
	assert_int_equal(store_features_get(st, STORE_OWNER_PROFILE, "udp-h", f), 0);
	assert_int_equal(f->nlines + f->nspeed_dials + f->nservices, 0);

	/* deleting a device drops its em_state, scheduled logout and features, not others' */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_delete(st, "SEPH"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_em_state_get(st, "SEPH", &e), ENOENT);
	assert_int_equal(store_em_state_get(st, "SEPI", &e), 0);
	assert_int_equal(store_logout_count(st, &n), 0);
	assert_int_equal(n, 1);
	add_device(st, "SEPH");
	assert_int_equal(store_features_get(st, STORE_OWNER_DEVICE, "SEPH", f), 0);
	assert_int_equal(f->nlines + f->nspeed_dials + f->nservices, 0);
	assert_int_equal(store_features_get(st, STORE_OWNER_DEVICE, "SEPI", f), 0);
	assert_int_equal(f->nlines, 1);
	assert_int_equal(f->nspeed_dials, 1);
	assert_int_equal(f->nservices, 1);

	/* deleting a user drops its links; the profile stays */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_user_delete(st, "hank"), 0);
	assert_int_equal(store_commit(st), 0);
	add_user(st, "hank", "1");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_profile_list(st, "hank", collect_up_any, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_profile_get(st, "udp-i", &(struct store_profile){0}), 0);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tx_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_discards, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_call_keeps_tx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_users, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_find_by_extension, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reentrant_walk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metacharacters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_app_users, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_features, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_profiles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_em_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_logouts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_params, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cascades, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
