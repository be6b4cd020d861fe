/* test_replay.c -- EMCC nonces and the replay guard: window, replays, eviction, threads. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emcc/replay.h"

#define W 300000 /* a five-minute window */
#define T0 1700000000000LL

static void nonce_n(char out[EMCC_NONCE_LEN + 1], unsigned n)
{
	snprintf(out, EMCC_NONCE_LEN + 1, "%032x", n);
}

static void test_nonce(void **state)
{
	char a[EMCC_NONCE_LEN + 1], b[EMCC_NONCE_LEN + 1];
	assert_int_equal(emcc_replay_nonce(a), 0);
	assert_int_equal(emcc_replay_nonce(b), 0);
	assert_int_equal(strlen(a), EMCC_NONCE_LEN);
	for (size_t i = 0; i < EMCC_NONCE_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_not_equal(a, b);

	/* a fresh nonce is what the parser wants */
	struct emcc_msg m, back;
	struct buf buf;
	emcc_msg_init(&m, EMCC_REQ_CLUSTER_INFO);
	strcpy(m.cluster, "ClusterOne");
	memcpy(m.nonce, a, sizeof(a));
	buf_init(&buf);
	assert_int_equal(emcc_msg_render(&buf, &m), 0);
	assert_int_equal(emcc_msg_parse(buf.data, buf.len, &back, NULL), 0);
	assert_string_equal(back.nonce, a);
	buf_free(&buf);
}

static void test_first_and_replay(void **state)
{
	struct emcc_replay *r = NULL;
	char n1[EMCC_NONCE_LEN + 1], n2[EMCC_NONCE_LEN + 1];
	nonce_n(n1, 1);
	nonce_n(n2, 2);
	assert_int_equal(emcc_replay_alloc(&r, 16), 0);
	assert_int_equal(emcc_replay_check(r, "ClusterOne", n1, T0, T0, W), 0);
	assert_int_equal(emcc_replay_check(r, "ClusterOne", n1, T0, T0 + 10, W), EALREADY);
	/* a replay is a replay whatever sent time it now claims */
	assert_int_equal(emcc_replay_check(r, "ClusterOne", n1, T0 + 5, T0 + 10, W), EALREADY);
	/* the key is the pair: the same nonce from another cluster is another message */
	assert_int_equal(emcc_replay_check(r, "ClusterTwo", n1, T0, T0, W), 0);
	assert_int_equal(emcc_replay_check(r, "ClusterTwo", n1, T0, T0, W), EALREADY);
	assert_int_equal(emcc_replay_check(r, "ClusterOne", n2, T0, T0, W), 0);
	/* ("ab","c") and ("a","bc") do not collide */
	assert_int_equal(emcc_replay_check(r, "ab", "c", T0, T0, W), 0);
	assert_int_equal(emcc_replay_check(r, "a", "bc", T0, T0, W), 0);
	assert_int_equal(emcc_replay_count(r), 5);
	emcc_replay_free(r);
}

static void test_window(void **state)
{
	struct emcc_replay *r = NULL;
	char n[EMCC_NONCE_LEN + 1];
	assert_int_equal(emcc_replay_alloc(&r, 16), 0);
	/* too old, too far ahead: refused, and not remembered */
	nonce_n(n, 1);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 - W - 1, T0, W), ETIME);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + W + 1, T0, W), ETIME);
	assert_int_equal(emcc_replay_count(r), 0);
	/* the edges are inside */
	assert_int_equal(emcc_replay_check(r, "A", n, T0 - W, T0, W), 0);
	nonce_n(n, 2);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + W, T0, W), 0);
	/* the old one, replayed a moment later, is outside the window: ETIME, not accepted */
	nonce_n(n, 1);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 - W, T0 + 1, W), ETIME);
	/* the future one stays remembered as long as it could pass */
	nonce_n(n, 2);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + W, T0 + 2 * W, W), EALREADY);
	/* window 0: only the exact millisecond */
	nonce_n(n, 3);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + 1, T0, 0), ETIME);
	assert_int_equal(emcc_replay_check(r, "A", n, T0, T0, 0), 0);
	/* extreme values do not overflow */
	nonce_n(n, 4);
	assert_int_equal(emcc_replay_check(r, "A", n, INT64_MAX, INT64_MIN, INT64_MAX), ETIME);
	assert_int_equal(emcc_replay_check(r, "A", n, INT64_MIN, 0, INT64_MAX), ETIME);
	assert_int_equal(emcc_replay_check(r, "A", n, INT64_MAX, 0, INT64_MAX), 0);
	emcc_replay_free(r);
}

static void test_eviction(void **state)
{
	struct emcc_replay *r = NULL;
	char n[EMCC_NONCE_LEN + 1];
	assert_int_equal(emcc_replay_alloc(&r, 4), 0);
	for (unsigned i = 0; i < 4; i++) {
		nonce_n(n, i);
		assert_int_equal(emcc_replay_check(r, "A", n, T0 + i, T0 + i, W), 0);
	}
	assert_int_equal(emcc_replay_count(r), 4);
	/* full of live pairs: refuse rather than forget one */
	nonce_n(n, 100);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + 10, T0 + 10, W), ENOSPC);
	nonce_n(n, 0);
	assert_int_equal(emcc_replay_check(r, "A", n, T0, T0 + 10, W), EALREADY);
	/* once the first two are older than the window, room is made from them */
	nonce_n(n, 100);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + W + 2, T0 + W + 2, W), 0);
	nonce_n(n, 101);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + W + 2, T0 + W + 2, W), 0);
	nonce_n(n, 102);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + W + 2, T0 + W + 2, W), ENOSPC);
	assert_int_equal(emcc_replay_count(r), 4); /* 0 and 1 evicted, 100 and 101 added */
	/* the survivors are still remembered (entry 2 sits exactly on the window's edge) */
	nonce_n(n, 2);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + 2, T0 + W + 2, W), EALREADY);
	nonce_n(n, 3);
	assert_int_equal(emcc_replay_check(r, "A", n, T0 + 3, T0 + W + 2, W), EALREADY);
	/* long after: everything evicted, the table works as new */
	for (unsigned i = 200; i < 204; i++) {
		nonce_n(n, i);
		assert_int_equal(emcc_replay_check(r, "A", n, T0 + 10 * W, T0 + 10 * W, W), 0);
	}
	assert_int_equal(emcc_replay_count(r), 4);
	emcc_replay_free(r);
}

/* Many pairs in a table sized for them: every one admitted once, then every one a replay. */
static void test_many(void **state)
{
	struct emcc_replay *r = NULL;
	char n[EMCC_NONCE_LEN + 1];
	assert_int_equal(emcc_replay_alloc(&r, 5000), 0);
	for (unsigned i = 0; i < 5000; i++) {
		nonce_n(n, i * 7919u);
		assert_int_equal(emcc_replay_check(r, i % 2 ? "A" : "B", n, T0, T0, W), 0);
	}
	for (unsigned i = 0; i < 5000; i++) {
		nonce_n(n, i * 7919u);
		assert_int_equal(emcc_replay_check(r, i % 2 ? "A" : "B", n, T0, T0 + 1, W),
				 EALREADY);
	}
	assert_int_equal(emcc_replay_count(r), 5000);
	emcc_replay_free(r);
}

static void test_bad_arguments(void **state)
{
	struct emcc_replay *r = NULL;
	char long_cluster[LIM_ID_MAX + 1];
	assert_int_equal(emcc_replay_alloc(&r, 0), EINVAL);
	assert_null(r);
	assert_int_equal(emcc_replay_alloc(&r, (1u << 20) + 1), EINVAL);
	assert_null(r);
	assert_int_equal(emcc_replay_alloc(NULL, 4), EINVAL);
	assert_int_equal(emcc_replay_alloc(&r, 4), 0);
	assert_int_equal(emcc_replay_check(NULL, "A", "n", T0, T0, W), EINVAL);
	assert_int_equal(emcc_replay_check(r, NULL, "n", T0, T0, W), EINVAL);
	assert_int_equal(emcc_replay_check(r, "A", NULL, T0, T0, W), EINVAL);
	assert_int_equal(emcc_replay_check(r, "A", "n", T0, T0, -1), EINVAL);
	memset(long_cluster, 'c', LIM_ID_MAX);
	long_cluster[LIM_ID_MAX] = '\0';
	assert_int_equal(emcc_replay_check(r, long_cluster, "n", T0, T0, W), EINVAL);
	assert_int_equal(emcc_replay_check(r, "A", "0123456789abcdef0123456789abcdef0", T0, T0, W),
			 EINVAL);
	assert_int_equal(emcc_replay_count(r), 0);
	emcc_replay_free(r);
	emcc_replay_free(NULL);
}

struct race {
	struct emcc_replay *r;
	int admitted;
};

static void *race_thread(void *arg)
{
	struct race *x = arg;
	char n[EMCC_NONCE_LEN + 1];
	for (unsigned i = 0; i < 2000; i++) {
		nonce_n(n, i);
		int rc = emcc_replay_check(x->r, "A", n, T0, T0, W);
		if (rc == 0)
			x->admitted++;
		else if (rc != EALREADY)
			return (void *)1;
	}
	return NULL;
}

/* Eight threads offer the same 2000 nonces: each is admitted exactly once in all. */
static void test_threads(void **state)
{
	struct emcc_replay *r = NULL;
	struct race x[8];
	pthread_t t[8];
	int total = 0;
	assert_int_equal(emcc_replay_alloc(&r, 4096), 0);
	for (int i = 0; i < 8; i++) {
		x[i].r = r;
		x[i].admitted = 0;
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, &x[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		void *res;
		pthread_join(t[i], &res);
		assert_null(res);
		total += x[i].admitted;
	}
	assert_int_equal(total, 2000);
	assert_int_equal(emcc_replay_count(r), 2000);
	emcc_replay_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nonce),   cmocka_unit_test(test_first_and_replay),
	    cmocka_unit_test(test_window),  cmocka_unit_test(test_eviction),
	    cmocka_unit_test(test_many),    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
