/* workq.h -- a fixed pool of worker threads fed from the event loop.
 *
 * The event loop thread submits a job; a worker runs job->work with its own per-thread context
 * (e.g. its own database connection); then job->done runs back on the loop thread, where it may
 * touch libevent objects. The pool never blocks the loop. */
#ifndef EMCC_CORE_WORKQ_H
#define EMCC_CORE_WORKQ_H

#include <stddef.h>

struct event_base;
struct workq;

struct workq_job {
	void (*work)(struct workq_job *job, void *thread_ctx); /* on a worker thread */
	void (*done)(struct workq_job *job);		       /* on the loop thread */
	struct workq_job *next;				       /* owned by the queue */
	int batch_error; /* set by the pool: the batch's end hook failed (see workq_set_batch) */
};

/* thread_init runs once on each worker thread and returns that thread's context (NULL = failure,
 * which makes workq_alloc fail with EIO); thread_fini runs at shutdown with that context. Either
 * may be NULL (the context is then NULL). workq_alloc returns once every thread has run
 * thread_init. Workers wake the loop through an eventfd, so no evthread setup is needed; done
 * callbacks run on the thread that runs base's loop, in batches, in completion order. */
int workq_alloc(struct workq **wqp, struct event_base *base, int nthreads,
		void *(*thread_init)(void *arg), void (*thread_fini)(void *ctx), void *arg);
void workq_submit(struct workq *wq, struct workq_job *job);

/* Batching (group commit): a worker takes up to max jobs that are waiting, calls begin(ctx),
 * runs their work, calls end(ctx), and only then hands them to done. A non-zero return of end
 * is stored in each job's batch_error, so done can answer the failure instead of the work's
 * result. Call before the first workq_submit. max = 1 with NULL hooks is the default. */
void workq_set_batch(struct workq *wq, size_t max, void (*begin)(void *ctx), int (*end)(void *ctx));
/* Jobs submitted and not yet done (queued + running + waiting for done). Loop thread only. */
size_t workq_pending(const struct workq *wq);
/* Finishes queued jobs, joins the threads, frees the pool. Call on the loop thread: it runs the
 * remaining done callbacks itself (blocking until they finish), including those of jobs that
 * done callbacks submit meanwhile. Free the pool before its event_base. */
void workq_free(struct workq *wq);

#endif
