/* workq.c -- worker thread pool: jobs run on workers, their done callbacks on the event loop. */
#include "core/workq.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

struct workq {
	struct event_base *base;
	/* Workers wake the loop through an eventfd rather than event_active(): that needs no
	 * evthread setup before the base is created, which callers could easily get wrong. */
	int efd;
	struct event *ev;

	pthread_mutex_t mu;
	pthread_cond_t work_cv;		 /* queue got a job, or stopping */
	pthread_cond_t done_cv;		 /* done list got a job, or a thread finished starting */
	struct workq_job *qhead, *qtail; /* submitted, not yet picked up */
	struct workq_job *dhead, *dtail; /* worked, waiting for done on the loop thread */
	int stopping;
	int started; /* threads that finished thread_init */
	int failed;  /* threads whose thread_init returned NULL */

	size_t pending; /* loop thread only */

	void *(*thread_init)(void *arg);
	void (*thread_fini)(void *ctx);
	void *arg;
	int nthreads; /* threads created (and to be joined) */
	size_t batch_max;
	void (*batch_begin)(void *ctx);
	int (*batch_end)(void *ctx);
	pthread_t *threads;
};

static void wake_loop(struct workq *wq)
{
	uint64_t one = 1;
	ssize_t w;
	do
		w = write(wq->efd, &one, sizeof(one));
	while (w < 0 && errno == EINTR);
	/* EAGAIN means the counter is saturated: the loop is going to wake anyway. */
}

static void *worker_main(void *p)
{
	struct workq *wq = p;
	void *ctx = wq->thread_init ? wq->thread_init(wq->arg) : NULL;
	int ok = !wq->thread_init || ctx != NULL;

	pthread_mutex_lock(&wq->mu);
	if (ok)
		wq->started++;
	else
		wq->failed++;
	pthread_cond_broadcast(&wq->done_cv);
	if (!ok) {
		pthread_mutex_unlock(&wq->mu);
		return NULL;
	}
	for (;;) {
		while (!wq->qhead && !wq->stopping)
			pthread_cond_wait(&wq->work_cv, &wq->mu);
		if (!wq->qhead)
			break; /* stopping, and the queue is drained */
		/* Take up to batch_max waiting jobs: under load they share one begin/end (one
		 * durable commit), when idle a batch is the single job that woke us. */
		struct workq_job *first = wq->qhead, *last = first;
		size_t n = 1;
		while (last->next && n < wq->batch_max) {
			last = last->next;
			n++;
		}
		wq->qhead = last->next;
		if (!wq->qhead)
			wq->qtail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&wq->mu);

		if (wq->batch_begin)
			wq->batch_begin(ctx);
		for (struct workq_job *job = first; job; job = job->next)
			job->work(job, ctx);
		int err = wq->batch_end ? wq->batch_end(ctx) : 0;
		for (struct workq_job *job = first; job; job = job->next)
			job->batch_error = err;

		pthread_mutex_lock(&wq->mu);
		int was_empty = wq->dhead == NULL;
		if (wq->dtail)
			wq->dtail->next = first;
		else
			wq->dhead = first;
		wq->dtail = last;
		pthread_cond_broadcast(&wq->done_cv);
		/* Only the empty -> non-empty step needs a wake-up: until the loop takes the list,
		 * the earlier wake-up is still pending. */
		if (was_empty)
			wake_loop(wq);
	}
	pthread_mutex_unlock(&wq->mu);
	if (wq->thread_fini)
		wq->thread_fini(ctx);
	return NULL;
}

/* Runs done callbacks for everything finished so far, in completion order. Loop thread. */
static void run_done(struct workq *wq)
{
	pthread_mutex_lock(&wq->mu);
	struct workq_job *job = wq->dhead;
	wq->dhead = wq->dtail = NULL;
	pthread_mutex_unlock(&wq->mu);

	while (job) {
		struct workq_job *next = job->next; /* done may free or resubmit the job */
		job->next = NULL;
		wq->pending--;
		if (job->done)
			job->done(job);
		job = next;
	}
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct workq *wq = arg;
	uint64_t n;
	/* Read (reset) the counter before taking the list, never after: a job added in between
	 * then either is in the list we take or writes a fresh wake-up. */
	(void)!read(fd, &n, sizeof(n));
	run_done(wq);
}

static void stop_threads(struct workq *wq)
{
	pthread_mutex_lock(&wq->mu);
	wq->stopping = 1;
	pthread_cond_broadcast(&wq->work_cv);
	pthread_mutex_unlock(&wq->mu);
	for (int i = 0; i < wq->nthreads; i++)
		pthread_join(wq->threads[i], NULL);
	wq->nthreads = 0;
}

static void destroy(struct workq *wq)
{
	if (wq->ev)
		event_free(wq->ev);
	if (wq->efd >= 0)
		close(wq->efd);
	pthread_cond_destroy(&wq->work_cv);
	pthread_cond_destroy(&wq->done_cv);
	pthread_mutex_destroy(&wq->mu);
	free(wq->threads);
	free(wq);
}

void workq_set_batch(struct workq *wq, size_t max, void (*begin)(void *ctx), int (*end)(void *ctx))
{
	pthread_mutex_lock(&wq->mu);
	wq->batch_max = max ? max : 1;
	wq->batch_begin = begin;
	wq->batch_end = end;
	pthread_mutex_unlock(&wq->mu);
}

int workq_alloc(struct workq **wqp, struct event_base *base, int nthreads,
		void *(*thread_init)(void *arg), void (*thread_fini)(void *ctx), void *arg)
{
	struct workq *wq = NULL;
	int rc = 0;

	if (!wqp || !base || nthreads < 1 || nthreads > 1024)
		return EINVAL;
	wq = calloc(1, sizeof(*wq));
	if (!wq)
		return ENOMEM;
	wq->efd = -1;
	wq->base = base;
	wq->thread_init = thread_init;
	wq->thread_fini = thread_fini;
	wq->arg = arg;
	wq->batch_max = 1;
	pthread_mutex_init(&wq->mu, NULL);
	pthread_cond_init(&wq->work_cv, NULL);
	pthread_cond_init(&wq->done_cv, NULL);

	wq->threads = calloc((size_t)nthreads, sizeof(*wq->threads));
	if (!wq->threads) {
		rc = ENOMEM;
		goto out;
	}
	wq->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (wq->efd < 0) {
		rc = errno;
		goto out;
	}
	wq->ev = event_new(base, wq->efd, EV_READ | EV_PERSIST, on_wake, wq);
	if (!wq->ev || event_add(wq->ev, NULL) != 0) {
		rc = ENOMEM;
		goto out;
	}
	for (int i = 0; i < nthreads; i++) {
		rc = pthread_create(&wq->threads[i], NULL, worker_main, wq);
		if (rc)
			goto out;
		wq->nthreads++;
	}
	/* Wait until every thread has its context, so a failed thread_init fails here and not
	 * later, on the first job. */
	pthread_mutex_lock(&wq->mu);
	while (wq->started + wq->failed < wq->nthreads)
		pthread_cond_wait(&wq->done_cv, &wq->mu);
	if (wq->failed)
		rc = EIO;
	pthread_mutex_unlock(&wq->mu);
out:
	if (rc) {
		stop_threads(wq);
		destroy(wq);
		return rc;
	}
	*wqp = wq;
	return 0;
}

void workq_submit(struct workq *wq, struct workq_job *job)
{
	job->next = NULL;
	wq->pending++;
	pthread_mutex_lock(&wq->mu);
	if (wq->qtail)
		wq->qtail->next = job;
	else
		wq->qhead = job;
	wq->qtail = job;
	pthread_cond_signal(&wq->work_cv);
	pthread_mutex_unlock(&wq->mu);
}

size_t workq_pending(const struct workq *wq)
{
	return wq->pending;
}

void workq_free(struct workq *wq)
{
	if (!wq)
		return;
	/* Drain on this (the loop) thread: done callbacks may submit follow-up jobs, which must
	 * finish too, so wait for pending to reach zero rather than for the queue to empty. */
	while (wq->pending > 0) {
		pthread_mutex_lock(&wq->mu);
		while (!wq->dhead)
			pthread_cond_wait(&wq->done_cv, &wq->mu);
		pthread_mutex_unlock(&wq->mu);
		run_done(wq);
	}
	stop_threads(wq);
	destroy(wq);
}
