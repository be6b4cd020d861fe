/* test_emcc_logic.c -- the visiting side's decisions and memory: the user -> home cache (expiry,
 * replacement, eviction of the entry closest to expiry when full), the busy phones, which
 * cluster is the home (wait / home i / 23 / 208), and the outbox back-off. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/emcc_logic.h"

#define T0 1700000000000LL

static struct emcc_home_cache *cache_new(void)
{
	struct emcc_home_cache *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	return c;
}

static void test_cache_expiry(void **state)
{
	(void)state;
	struct emcc_home_cache *c = cache_new();

	assert_null(emcc_home_cache_get(c, "adgjm", T0));
	emcc_home_cache_put(c, "adgjm", "ClusterTwo", T0 + 1000);
	assert_string_equal(emcc_home_cache_get(c, "adgjm", T0), "ClusterTwo");
	assert_string_equal(emcc_home_cache_get(c, "adgjm", T0 + 999), "ClusterTwo");
	assert_null(emcc_home_cache_get(c, "adgjm", T0 + 1000)); /* expired at its time */
	assert_null(emcc_home_cache_get(c, "other", T0));
	/* a new home for the user replaces the entry, it does not add one */
	emcc_home_cache_put(c, "adgjm", "ClusterThree", T0 + 5000);
	assert_int_equal(c->n, 1);
	assert_string_equal(emcc_home_cache_get(c, "adgjm", T0 + 2000), "ClusterThree");
	emcc_home_cache_put(c, "bob", "ClusterTwo", T0 + 5000);
	emcc_home_cache_drop(c, "adgjm");
	assert_null(emcc_home_cache_get(c, "adgjm", T0));
	assert_string_equal(emcc_home_cache_get(c, "bob", T0), "ClusterTwo");
	emcc_home_cache_drop(c, "nobody"); /* harmless */
	assert_int_equal(c->n, 1);
	free(c);
}

static void test_cache_full(void **state)
{
	(void)state;
	struct emcc_home_cache *c = cache_new();
	char user[32];

	/* full, every entry living; user500's ends first */
	for (int i = 0; i < EMCC_HOME_CACHE_MAX; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		emcc_home_cache_put(c, user, "ClusterTwo", i == 500 ? T0 + 10 : T0 + 100000 + i);
	}
	assert_int_equal(c->n, EMCC_HOME_CACHE_MAX);
	emcc_home_cache_put(c, "newcomer", "ClusterFour", T0 + 200000);
	assert_int_equal(c->n, EMCC_HOME_CACHE_MAX);
	assert_string_equal(emcc_home_cache_get(c, "newcomer", T0), "ClusterFour");
	assert_null(emcc_home_cache_get(c, "user500", T0));
	for (int i = 0; i < EMCC_HOME_CACHE_MAX; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		if (i != 500 && !emcc_home_cache_get(c, user, T0))
			fail_msg("%s was evicted instead of user500", user);
	}
	/* the next one to go is the one closest to expiry now: user0 */
	emcc_home_cache_put(c, "second", "ClusterFour", T0 + 200000);
	assert_null(emcc_home_cache_get(c, "user0", T0));
	assert_non_null(emcc_home_cache_get(c, "user1", T0));
	/* a user already cached takes no one's place */
	emcc_home_cache_put(c, "user1", "ClusterFive", T0 + 300000);
	assert_non_null(emcc_home_cache_get(c, "user2", T0));
	assert_string_equal(emcc_home_cache_get(c, "user1", T0), "ClusterFive");
	free(c);
}

static void test_busy(void **state)
{
	(void)state;
	struct emcc_busy b = {0};
	char dev[32];

	assert_int_equal(emcc_busy_has(&b, "SEPC80084AA8743"), 0);
	assert_int_equal(emcc_busy_take(&b, "SEPC80084AA8743"), 0);
	assert_int_equal(emcc_busy_take(&b, "SEPC80084AA8743"), EBUSY);
	assert_int_equal(emcc_busy_has(&b, "SEPC80084AA8743"), 1);
	/* past the first growth, and a release in the middle keeps the others */
	for (int i = 0; i < 40; i++) {
		snprintf(dev, sizeof(dev), "SEP%012d", i);
		assert_int_equal(emcc_busy_take(&b, dev), 0);
	}
	emcc_busy_release(&b, "SEP000000000007");
	emcc_busy_release(&b, "SEPC80084AA8743");
	emcc_busy_release(&b, "SEPNOTBUSY0000"); /* harmless */
	assert_int_equal(emcc_busy_has(&b, "SEP000000000007"), 0);
	assert_int_equal(emcc_busy_has(&b, "SEPC80084AA8743"), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(dev, sizeof(dev), "SEP%012d", i);
		if (i != 7 && !emcc_busy_has(&b, dev))
			fail_msg("%s lost", dev);
	}
	assert_int_equal(emcc_busy_take(&b, "SEPC80084AA8743"), 0); /* free again */
	emcc_busy_free(&b);
	assert_int_equal(emcc_busy_has(&b, "SEPC80084AA8743"), 0);
}

#define P EMCC_ANSWER_PENDING
#define E EMCC_ANSWER_EXISTS
#define N EMCC_ANSWER_NOT_HERE
#define X EMCC_ANSWER_NONE

static void test_decide(void **state)
{
	(void)state;
	static const struct {
		enum emcc_answer a[4];
		size_t n;
		enum emcc_verdict want;
		size_t home;
	} cases[] = {
	    {{0}, 0, EMCC_VERDICT_NO_ANSWER, 0}, /* nobody to ask */
	    {{P}, 1, EMCC_VERDICT_WAIT, 0},
	    {{E}, 1, EMCC_VERDICT_HOME, 0},
	    {{N}, 1, EMCC_VERDICT_NOT_FOUND, 0},
	    {{X}, 1, EMCC_VERDICT_NO_ANSWER, 0},
	    /* an earlier cluster may still claim the user: wait for it */
	    {{P, E}, 2, EMCC_VERDICT_WAIT, 0},
	    {{X, P, E}, 3, EMCC_VERDICT_WAIT, 0},
	    /* the first claimer, as soon as every cluster before it is in */
	    {{E, P}, 2, EMCC_VERDICT_HOME, 0},
	    {{X, E, P}, 3, EMCC_VERDICT_HOME, 1},
	    {{N, X, E, E}, 4, EMCC_VERDICT_HOME, 2},
	    {{N, E, E, P}, 4, EMCC_VERDICT_HOME, 1},
	    /* nobody has the user: 23 once someone answered, 208 when nobody did */
	    {{N, X}, 2, EMCC_VERDICT_NOT_FOUND, 0},
	    {{X, N, X}, 3, EMCC_VERDICT_NOT_FOUND, 0},
	    {{X, X}, 2, EMCC_VERDICT_NO_ANSWER, 0},
	    {{N, P}, 2, EMCC_VERDICT_WAIT, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t home = 99;
		enum emcc_verdict v = emcc_decide(cases[i].a, cases[i].n, &home);
		if (v != cases[i].want)
			fail_msg("case %zu: verdict %d, wanted %d", i, v, cases[i].want);
		if (v == EMCC_VERDICT_HOME && home != cases[i].home)
			fail_msg("case %zu: home %zu, wanted %zu", i, home, cases[i].home);
		if (v != EMCC_VERDICT_HOME && home != 99)
			fail_msg("case %zu: home written without a home", i);
	}
}

static void test_backoff(void **state)
{
	(void)state;
	static const int64_t want[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};

	for (int i = 0; i < 8; i++)
		assert_int_equal(emcc_outbox_backoff_ms(i), want[i]);
	assert_int_equal(emcc_outbox_backoff_ms(1000000), EMCC_OUTBOX_BACKOFF_MAX_MS);
	assert_int_equal(emcc_outbox_backoff_ms(-1), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cache_expiry), cmocka_unit_test(test_cache_full),
	    cmocka_unit_test(test_busy),	 cmocka_unit_test(test_decide),
	    cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
