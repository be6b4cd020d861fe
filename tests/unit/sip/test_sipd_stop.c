/* test_sipd_stop.c -- sipd_stop when its stop request cannot be queued to the SIP thread: it
 * must still return (the purge timer ends the loop) instead of waiting in pthread_join forever.
 * mqueue_push is replaced here (the executable's definition wins over libre's) and fails while
 * fail_push is set; otherwise it hands on to libre's. Uses 127.0.9.38. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>
#include <re.h>

#include "core/log.h"
#include "sip/sipd.h"

static atomic_int fail_push;
static atomic_int failed_pushes;
static int (*real_push)(struct mqueue *, int, void *); /* libre's, found in setup */

int mqueue_push(struct mqueue *mq, int id, void *data)
{
	if (atomic_load(&fail_push)) {
		atomic_fetch_add(&failed_pushes, 1);
		return ENOMEM;
	}
	return real_push ? real_push(mq, id, data) : ENOSYS;
}

struct stopper {
	struct sipd *s;
	atomic_int done;
};

static void *stop_thread(void *arg)
{
	struct stopper *st = arg;
	sipd_stop(st->s);
	atomic_store(&st->done, 1);
	return NULL;
}

static void test_stop_push_fails(void **state)
{
	(void)state;
	struct sipd_config cfg = {.udp_listen = "127.0.9.38:5060", .tcp_listen = ""};
	struct stopper st = {0};
	pthread_t th;

	assert_int_equal(sipd_start(&st.s, &cfg), 0);
	atomic_store(&fail_push, 1);
	assert_int_equal(pthread_create(&th, NULL, stop_thread, &st), 0);
	/* The purge timer runs every 5 s: give it three times that. */
	for (int i = 0; i < 1500 && !atomic_load(&st.done); i++)
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	assert_int_equal(atomic_load(&failed_pushes), 1);
	assert_true(atomic_load(&st.done)); /* without the fallback it never returns */
	pthread_join(th, NULL);
	atomic_store(&fail_push, 0);
}

/* The ordinary stop still goes through the queue. */
static void test_stop(void **state)
{
	(void)state;
	struct sipd_config cfg = {.udp_listen = "127.0.9.38:5060", .tcp_listen = ""};
	struct sipd *s;
	assert_int_equal(sipd_start(&s, &cfg), 0);
	sipd_stop(s);
}

static char logdir[64];

static int setup(void **state)
{
	(void)state;
	*(void **)&real_push = dlsym(RTLD_NEXT, "mqueue_push");
	if (!real_push)
		return -1;
	snprintf(logdir, sizeof(logdir), "/tmp/emcc-sipd-stop-XXXXXX");
	if (!mkdtemp(logdir))
		return -1;
	struct log_options lo = {.dir = logdir,
				 .cluster_id = "ClusterOne",
				 .level = LOG_LVL_INFO,
				 .max_bytes = 1 << 20,
				 .keep = 1};
	return log_open(&lo);
}

static int teardown(void **state)
{
	(void)state;
	log_close();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", logdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stop),
	    cmocka_unit_test(test_stop_push_fails),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
