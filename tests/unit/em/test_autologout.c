/* test_autologout.c -- scheduled logouts fire once, at the right time, and never after a
 * manual logout. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

static void login_for(struct lab *l, const char *device, const char *user, long minutes)
{
	struct em_login_req req = {device, user, NULL, EM_DURATION_MINUTES, minutes};
	struct em_result res;

	assert_int_equal(em_login(&l->ctx, &l->app, &req, &res), 0);
}

static void test_fires_once(void **state)
{
	struct lab *l = *state;
	size_t fired = 99;
	struct store_audit a;

	assert_int_equal(em_autologout_next_ms(&l->ctx), -1);
	login_for(l, LAB_DEVICE, LAB_USER, 1);
	assert_int_equal(em_autologout_next_ms(&l->ctx), LAB_NOW_MS + 60000);
	l->nchanges = 0;

	/* Not yet. */
	l->ctx.now_ms = LAB_NOW_MS + 59000;
	assert_int_equal(em_autologout_run(&l->ctx, 16, &fired), 0);
	assert_int_equal(fired, 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, LAB_USER);

	/* Due. */
	l->ctx.now_ms = LAB_NOW_MS + 60000;
	l->ctx.source = "api"; /* the timer's rows say "timer" whatever the context says */
	assert_int_equal(em_autologout_run(&l->ctx, 16, &fired), 0);
	assert_int_equal(fired, 1);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");
	assert_string_equal(lab_state(l, LAB_DEVICE).last_user_id, LAB_USER);
	a = lab_audit_last(l);
	assert_string_equal(a.action, "autoLogout");
	assert_string_equal(a.source, "timer");
	assert_string_equal(a.user_id, LAB_USER);
	assert_string_equal(a.device, LAB_DEVICE);
	assert_int_equal(l->nchanges, 1);
	assert_string_equal(l->changes[0].device, LAB_DEVICE);
	assert_int_equal(l->changes[0].what, EM_CHANGE_LOGOUT);
	assert_int_equal(em_autologout_next_ms(&l->ctx), -1);

	/* Run again at the same time: nothing left. */
	assert_int_equal(em_autologout_run(&l->ctx, 16, &fired), 0);
	assert_int_equal(fired, 0);
	assert_int_equal(l->nchanges, 1);
	assert_int_equal(lab_audit_count(l, "autoLogout", 0), 1);
}

static void test_manual_logout_cancels(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	size_t fired = 99;

	login_for(l, LAB_DEVICE, LAB_USER, 1);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
	l->ctx.now_ms = LAB_NOW_MS + 3600000;
	assert_int_equal(em_autologout_run(&l->ctx, 16, &fired), 0);
	assert_int_equal(fired, 0);
	assert_int_equal(lab_audit_count(l, "autoLogout", -1), 0);
}

static void test_relogin_not_fired_early(void **state)
{
	struct lab *l = *state;
	struct em_result res;
	size_t fired = 99;

	/* Logged out and in again with a longer time: the old deadline must not fire. */
	login_for(l, LAB_DEVICE, LAB_USER, 1);
	assert_int_equal(em_logout(&l->ctx, &l->app, LAB_DEVICE, &res), 0);
	login_for(l, LAB_DEVICE, "bob", 10);
	l->ctx.now_ms = LAB_NOW_MS + 120000;
	assert_int_equal(em_autologout_run(&l->ctx, 16, &fired), 0);
	assert_int_equal(fired, 0);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "bob");
	l->ctx.now_ms = LAB_NOW_MS + 600000;
	assert_int_equal(em_autologout_run(&l->ctx, 16, &fired), 0);
	assert_int_equal(fired, 1);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");
}

static void test_several_and_max(void **state)
{
	struct lab *l = *state;
	size_t fired = 99;

	l->params.multiple_login_behavior = EM_MULTI_ALLOWED;
	login_for(l, LAB_DEVICE, LAB_USER, 2);
	login_for(l, LAB_DEVICE2, "bob", 1);
	/* The earliest deadline first. */
	assert_int_equal(em_autologout_next_ms(&l->ctx), LAB_NOW_MS + 60000);
	l->nchanges = 0;
	l->ctx.now_ms = LAB_NOW_MS + 3600000;
	assert_int_equal(em_autologout_run(&l->ctx, 1, &fired), 0);
	assert_int_equal(fired, 1);
	assert_int_equal(l->nchanges, 1);
	assert_string_equal(l->changes[0].device, LAB_DEVICE2);
	assert_int_equal(em_autologout_run(&l->ctx, 0, &fired), 0);
	assert_int_equal(fired, 0);
	assert_int_equal(em_autologout_run(&l->ctx, 16, &fired), 0);
	assert_int_equal(fired, 1);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");
	assert_string_equal(lab_state(l, LAB_DEVICE2).user_id, "");
}

static void test_stale_deadline_dropped(void **state)
{
	struct lab *l = *state;
	size_t fired = 99;
	long n = -1;

	/* A deadline for a device nobody is logged in on (written by hand). */
	assert_int_equal(store_begin(l->st), 0);
	assert_int_equal(store_logout_schedule(l->st, LAB_DEVICE, LAB_NOW_MS / 1000 - 5), 0);
	assert_int_equal(store_commit(l->st), 0);
	assert_int_equal(em_autologout_run(&l->ctx, 16, &fired), 0);
	assert_int_equal(fired, 0);
	assert_int_equal(store_logout_count(l->st, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(l->nchanges, 0);
}

/* Two nodes' timers (two connections to one database) racing: each deadline fires once. */
struct racer {
	const char *path;
	const struct em_params *params;
	size_t fired;
	int rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct em_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	if ((r->rc = store_open(&ctx.st, r->path)) != 0)
		return NULL;
	ctx.params = r->params;
	ctx.now_ms = LAB_NOW_MS + 3600000;
	ctx.source = "timer";
	ctx.remote_ip = "";
	r->rc = em_autologout_run(&ctx, 16, &r->fired);
	store_close(ctx.st);
	return NULL;
}

static void test_two_timers_race(void **state)
{
	struct lab *l = *state;
	char dir[] = "/tmp/emcc-al-XXXXXX", path[128], side[160];
	struct store *mem = l->st;
	struct racer r[4];
	pthread_t th[4];
	size_t total = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/em.db", dir);
	assert_int_equal(store_open(&l->st, path), 0);
	lab_load(l);
	l->ctx.st = l->st;
	l->params.multiple_login_behavior = EM_MULTI_ALLOWED;
	login_for(l, LAB_DEVICE, LAB_USER, 1);
	login_for(l, LAB_DEVICE2, LAB_USER, 2);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){path, &l->params, 0, -1};
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(r[i].rc, 0);
		total += r[i].fired;
	}
	assert_int_equal(total, 2);
	assert_int_equal(lab_audit_count(l, "autoLogout", 0), 2);
	assert_string_equal(lab_state(l, LAB_DEVICE).user_id, "");
	assert_string_equal(lab_state(l, LAB_DEVICE2).user_id, "");

	store_close(l->st);
	l->st = mem;
	static const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(side, sizeof(side), "%s%s", path, suffix[i]);
		unlink(side);
	}
	rmdir(dir);
}

#define T(f) cmocka_unit_test_setup_teardown(f, lab_setup, lab_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_fires_once),
	    T(test_manual_logout_cancels),
	    T(test_relogin_not_fired_early),
	    T(test_several_and_max),
	    T(test_stale_deadline_dropped),
	    T(test_two_timers_race),
	};
	return cmocka_run_group_tests(tests, lab_group_setup, lab_group_teardown);
}
