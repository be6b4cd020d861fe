/* test_node.c -- the configuration snapshot rule: a worker reads an immutable copy, takes the
 * newest one only when it asks (the start of a job), and a reload never changes a copy a worker
 * is reading; Maximum Concurrent Requests admission. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/job.h"
#include "daemon/node.h"

static struct node *node_new(void)
{
	struct node *n = calloc(1, sizeof(*n));

	assert_non_null(n);
	pthread_mutex_init(&n->cfg_mu, NULL);
	config_defaults(&n->cfg);
	snprintf(n->cfg.database, sizeof(n->cfg.database), ":memory:");
	snprintf(n->cfg.cluster_id, sizeof(n->cfg.cluster_id), "ClusterOne");
	assert_int_equal(node_config_publish(n), 0);
	return n;
}

static void node_free(struct node *n)
{
	node_config_release(n->cfg_current);
	pthread_mutex_destroy(&n->cfg_mu);
	free(n);
}

static void test_worker_keeps_its_copy_until_refresh(void **state)
{
	(void)state;
	struct node *n = node_new();
	struct worker *w = node_worker_new(n);

	assert_non_null(w);
	assert_string_equal(w->cfg->cluster_id, "ClusterOne");
	const struct config *before = w->cfg;

	/* SIGHUP on the loop thread: n->cfg changes and is published */
	snprintf(n->cfg.cluster_id, sizeof(n->cfg.cluster_id), "ClusterOneRenamed");
	assert_int_equal(node_config_publish(n), 0);
	assert_ptr_equal(w->cfg, before); /* in the middle of a job: untouched */
	assert_string_equal(w->cfg->cluster_id, "ClusterOne");

	/* n->cfg is the loop thread's: changing it after publish is not seen by anyone */
	snprintf(n->cfg.cluster_id, sizeof(n->cfg.cluster_id), "NotPublished");
	node_worker_refresh(w); /* the next job */
	assert_string_equal(w->cfg->cluster_id, "ClusterOneRenamed");
	node_worker_refresh(w); /* nothing new: the same copy */
	assert_string_equal(w->cfg->cluster_id, "ClusterOneRenamed");

	node_worker_free(w);
	node_free(n);
}

static void test_copy_lives_while_referenced(void **state)
{
	(void)state;
	struct node *n = node_new();
	struct worker *a = node_worker_new(n), *b = node_worker_new(n);

	assert_non_null(a);
	assert_non_null(b);
	struct node_config *first = a->conf;
	assert_ptr_equal(a->conf, b->conf);
	assert_int_equal(atomic_load(&first->refs), 3); /* the node's and two workers' */

	snprintf(n->cfg.cluster_id, sizeof(n->cfg.cluster_id), "Second");
	assert_int_equal(node_config_publish(n), 0);
	assert_int_equal(atomic_load(&first->refs), 2); /* the node let go of it */
	node_worker_refresh(a);
	assert_string_equal(a->cfg->cluster_id, "Second");
	assert_int_equal(atomic_load(&first->refs), 1); /* b still reads it, intact */
	assert_string_equal(b->cfg->cluster_id, "ClusterOne");
	assert_int_equal(n->cfg_current->gen, first->gen + 1);

	node_worker_free(b); /* the last reference: freed (ASan would see a leak otherwise) */
	node_worker_free(a);
	node_free(n);
}

/* A worker thread taking snapshots while the loop thread publishes: every copy it sees is whole
 * (its two fields were written together), never half of one reload and half of the next. */
struct race {
	struct node *n;
	atomic_int stop;
	atomic_int seen;
	int torn;
};

static void *reader(void *arg)
{
	struct race *r = arg;
	struct worker *w = node_worker_new(r->n);

	assert_non_null(w);
	while (!atomic_load(&r->stop)) {
		node_worker_refresh(w);
		char want[64];
		snprintf(want, sizeof(want), "127.0.7.%s", w->cfg->cluster_id + 1);
		if (strcmp(want, w->cfg->node_address) != 0)
			r->torn++;
		atomic_fetch_add(&r->seen, 1);
	}
	node_worker_free(w);
	return NULL;
}

static void test_reload_race(void **state)
{
	(void)state;
	struct race r = {.n = node_new()};
	pthread_t t;

	snprintf(r.n->cfg.cluster_id, sizeof(r.n->cfg.cluster_id), "C0");
	snprintf(r.n->cfg.node_address, sizeof(r.n->cfg.node_address), "127.0.7.0");
	assert_int_equal(node_config_publish(r.n), 0);
	assert_int_equal(pthread_create(&t, NULL, reader, &r), 0);
	/* at least 2000 reloads, and until the reader has taken 2000 looks (it starts slowly) */
	for (int i = 1; i <= 2000 || atomic_load(&r.seen) < 2000; i++) {
		/* the loop thread rewrites its own config field by field, then publishes */
		snprintf(r.n->cfg.cluster_id, sizeof(r.n->cfg.cluster_id), "C%d", i);
		snprintf(r.n->cfg.node_address, sizeof(r.n->cfg.node_address), "127.0.7.%d", i);
		assert_int_equal(node_config_publish(r.n), 0);
	}
	atomic_store(&r.stop, 1);
	pthread_join(t, NULL);
	assert_int_equal(r.torn, 0);
	assert_true(atomic_load(&r.seen) >= 2000);
	node_free(r.n);
}

static void test_admit(void **state)
{
	(void)state;
	struct node *n = node_new();

	atomic_store(&n->max_concurrent, 2);
	assert_int_equal(job_admit(n, LOGS_EMSERVICE, 1, "127.0.7.104"), 1);
	n->em_inflight = 1;
	assert_int_equal(job_admit(n, LOGS_EMSERVICE, 2, "127.0.7.104"), 1);
	n->em_inflight = 2; /* the limit: the next one is answered 26 */
	assert_int_equal(job_admit(n, LOGS_EMSERVICE, 3, "127.0.7.104"), 0);
	atomic_store(&n->max_concurrent, 3); /* a parameter change applies to the next request */
	assert_int_equal(job_admit(n, LOGS_EMSERVICE, 4, "127.0.7.104"), 1);
	node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_worker_keeps_its_copy_until_refresh),
	    cmocka_unit_test(test_copy_lives_while_referenced),
	    cmocka_unit_test(test_reload_race),
	    cmocka_unit_test(test_admit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
