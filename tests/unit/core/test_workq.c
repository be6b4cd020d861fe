/* test_workq.c -- worker pool: every job worked once on a worker, done once on the loop thread. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <event2/event.h>

#include "core/workq.h"

#define NJOBS 1000
#define NTHREADS 3

struct tctx {
	int id;
	atomic_int *finis;
};

struct test_job {
	struct workq_job job; /* first: done gets this pointer back */
	int index;
	int worked;
	int done;
	pthread_t worker;
	int ctx_id;
};

static pthread_t loop_thread;
static struct event_base *base;
static struct workq *wq;
static int done_count;
static int done_target;
static atomic_int next_ctx_id;
static atomic_int finis;
static atomic_int inits;

static void *t_init(void *arg)
{
	/* Worker thread: no cmocka asserts here (they longjmp to the test's thread). */
	if (arg != &finis)
		abort();
	atomic_fetch_add(&inits, 1);
	struct tctx *c = calloc(1, sizeof(*c));
	c->id = atomic_fetch_add(&next_ctx_id, 1) + 1;
	c->finis = arg;
	return c;
}

static void t_fini(void *ctx)
{
	struct tctx *c = ctx;
	atomic_fetch_add(c->finis, 1);
	free(c);
}

static void work(struct workq_job *j, void *ctx)
{
	struct test_job *t = (struct test_job *)j;
	struct tctx *c = ctx;
	t->worked++;
	t->worker = pthread_self();
	t->ctx_id = c ? c->id : -1;
}

static void done(struct workq_job *j)
{
	struct test_job *t = (struct test_job *)j;
	/* Done callbacks run on the loop thread, never on a worker. */
	assert_true(pthread_equal(pthread_self(), loop_thread));
	assert_false(pthread_equal(t->worker, loop_thread));
	t->done++;
	done_count++;
	if (done_count == done_target)
		event_base_loopbreak(base);
}

static int setup(void **state)
{
	(void)state;
	loop_thread = pthread_self();
	base = event_base_new();
	done_count = 0;
	atomic_store(&next_ctx_id, 0);
	atomic_store(&finis, 0);
	atomic_store(&inits, 0);
	return base ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	event_base_free(base);
	return 0;
}

static void test_thousand_jobs(void **state)
{
	(void)state;
	assert_int_equal(workq_alloc(&wq, base, NTHREADS, t_init, t_fini, &finis), 0);
	assert_int_equal(atomic_load(&inits), NTHREADS);
	assert_int_equal(workq_pending(wq), 0);

	struct test_job *jobs = calloc(NJOBS, sizeof(*jobs));
	for (int i = 0; i < NJOBS; i++) {
		jobs[i].index = i;
		jobs[i].job.work = work;
		jobs[i].job.done = done;
		workq_submit(wq, &jobs[i].job);
	}
	/* Nothing is done until the loop runs the done callbacks. */
	assert_int_equal(workq_pending(wq), NJOBS);

	done_target = NJOBS;
	assert_int_equal(event_base_dispatch(base), 0);
	assert_int_equal(done_count, NJOBS);
	assert_int_equal(workq_pending(wq), 0);

	int per_ctx[NTHREADS + 1] = {0};
	for (int i = 0; i < NJOBS; i++) {
		assert_int_equal(jobs[i].worked, 1);
		assert_int_equal(jobs[i].done, 1);
		assert_true(jobs[i].ctx_id >= 1 && jobs[i].ctx_id <= NTHREADS);
		per_ctx[jobs[i].ctx_id]++;
	}
	int total = 0;
	for (int i = 1; i <= NTHREADS; i++)
		total += per_ctx[i];
	assert_int_equal(total, NJOBS);

	workq_free(wq);
	assert_int_equal(atomic_load(&finis), NTHREADS);
	free(jobs);
}

/* A slow job so that workq_free has real draining to do. */
static void slow_work(struct workq_job *j, void *ctx)
{
	struct timespec ts = {0, 2 * 1000 * 1000};
	nanosleep(&ts, NULL);
	work(j, ctx);
}

struct chain_job {
	struct test_job t;
	int hops; /* resubmit itself this many more times from done */
};

static int chain_done_calls;

static void chain_done(struct workq_job *j)
{
	struct chain_job *c = (struct chain_job *)j;
	assert_true(pthread_equal(pthread_self(), loop_thread));
	chain_done_calls++;
	if (c->hops-- > 0)
		workq_submit(wq, j);
}

static void test_free_drains(void **state)
{
	(void)state;
	assert_int_equal(workq_alloc(&wq, base, 2, NULL, NULL, NULL), 0);
	struct test_job jobs[20];
	memset(jobs, 0, sizeof(jobs));
	for (int i = 0; i < 20; i++) {
		jobs[i].job.work = slow_work;
		jobs[i].job.done = done;
		workq_submit(wq, &jobs[i].job);
	}
	struct chain_job chain = {.t.job = {.work = work, .done = chain_done}, .hops = 5};
	workq_submit(wq, &chain.t.job);
	assert_int_equal(workq_pending(wq), 21);
	chain_done_calls = 0;
	done_target = -1;
	/* No loop run at all: free must still work every job and run every done callback, here on
	 * the loop thread, including jobs that done callbacks submit meanwhile. */
	workq_free(wq);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(jobs[i].worked, 1);
		assert_int_equal(jobs[i].done, 1);
		assert_int_equal(jobs[i].ctx_id, -1); /* no thread_init: NULL context */
	}
	assert_int_equal(chain.t.worked, 6);
	assert_int_equal(chain_done_calls, 6);
}

static atomic_int starts;

static void *fail_second(void *arg)
{
	/* The second thread to start cannot get its context (say, the database is locked). */
	if (atomic_fetch_add(&starts, 1) == 1)
		return NULL;
	return t_init(arg);
}

static void test_init_failure(void **state)
{
	(void)state;
	struct workq *w = (struct workq *)&w; /* must stay untouched */
	struct workq *orig = w;
	atomic_store(&starts, 0);
	assert_int_equal(workq_alloc(&w, base, 3, fail_second, t_fini, &finis), EIO);
	assert_ptr_equal(w, orig);
	/* The threads that did start were shut down and gave their contexts back. */
	assert_int_equal(atomic_load(&finis), 2);
	assert_int_equal(workq_alloc(&w, base, 0, NULL, NULL, NULL), EINVAL);
}

static int last_index;

static void ordered_done(struct workq_job *j)
{
	struct test_job *t = (struct test_job *)j;
	assert_int_equal(t->index, last_index + 1);
	last_index = t->index;
	done(j);
}

static void test_order(void **state)
{
	(void)state;
	assert_int_equal(workq_alloc(&wq, base, 1, NULL, NULL, NULL), 0);
	static struct test_job jobs[300];
	memset(jobs, 0, sizeof(jobs));
	last_index = -1;
	done_count = 0;
	done_target = 300;
	for (int i = 0; i < 300; i++) {
		jobs[i].index = i;
		jobs[i].job.work = work;
		jobs[i].job.done = ordered_done;
		workq_submit(wq, &jobs[i].job);
	}
	event_base_dispatch(base);
	assert_int_equal(last_index, 299);
	workq_free(wq);
}

/* Batching: jobs queued together share one begin/end; end's error reaches every job of its
 * batch and no other. One worker, and the jobs are queued before it can start on them. */
struct batch_state {
	int batches;  /* begin calls */
	int in_batch; /* jobs worked since begin */
	int sizes[64];
	int fail_batch; /* end of this batch (1-based) returns EIO */
	int open;	/* begin without end */
};
static struct batch_state bs;
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

static void b_begin(void *ctx)
{
	(void)ctx;
	bs.batches++;
	bs.in_batch = 0;
	bs.open++;
}

static int b_end(void *ctx)
{
	(void)ctx;
	bs.open--;
	bs.sizes[bs.batches - 1] = bs.in_batch;
	return bs.batches == bs.fail_batch ? EIO : 0;
}

static void b_work(struct workq_job *j, void *ctx)
{
	struct test_job *t = (struct test_job *)j;
	/* The first job waits for the test to finish queueing, so the rest pile up. */
	pthread_mutex_lock(&gate);
	pthread_mutex_unlock(&gate);
	t->worked++;
	t->ctx_id = bs.batches; /* which batch ran this job */
	bs.in_batch++;
}

static void b_done(struct workq_job *j)
{
	struct test_job *t = (struct test_job *)j;
	t->done++;
	/* batch_error says whether this job's batch failed. */
	t->index = j->batch_error;
	if (++done_count == done_target)
		event_base_loopbreak(base);
}

static void test_batches(void **state)
{
	(void)state;
	memset(&bs, 0, sizeof(bs));
	bs.fail_batch = 2;
	assert_int_equal(workq_alloc(&wq, base, 1, NULL, NULL, NULL), 0);
	workq_set_batch(wq, 8, b_begin, b_end);
	enum { N = 20 };
	struct test_job jobs[N];
	memset(jobs, 0, sizeof(jobs));
	pthread_mutex_lock(&gate);
	for (int i = 0; i < N; i++) {
		jobs[i].job.work = b_work;
		jobs[i].job.done = b_done;
		workq_submit(wq, &jobs[i].job);
	}
	pthread_mutex_unlock(&gate);
	done_target = N;
	assert_int_equal(event_base_dispatch(base), 0);
	workq_free(wq);

	assert_int_equal(bs.open, 0);
	int total = 0;
	for (int b = 0; b < bs.batches; b++) {
		assert_true(bs.sizes[b] >= 1 && bs.sizes[b] <= 8);
		total += bs.sizes[b];
	}
	assert_int_equal(total, N);
	/* The first job was taken alone (the queue was empty when the worker woke) or with
	 * others; either way the 19 queued behind the gate need at least 3 batches of 8. */
	assert_true(bs.batches >= 3);
	for (int i = 0; i < N; i++) {
		assert_int_equal(jobs[i].worked, 1);
		assert_int_equal(jobs[i].done, 1);
		assert_int_equal(jobs[i].index, jobs[i].ctx_id == 2 ? EIO : 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_thousand_jobs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_drains, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_init_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_order, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
