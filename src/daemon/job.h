/* job.h -- the plumbing every worker job of the daemon shares: admission, the request's state,
 * the policy's context on the worker, the answer once the batch is durable.
 *
 * A job's life: the loop thread admits an EM request (job_admit: Maximum Concurrent Requests),
 * makes the job (job_new: request number, start time, the peer's address) and submits it
 * (job_submit; an admitted job counts in n->em_inflight until it is answered); the worker runs
 * the policy with the context job_begin gives, inside its group-commit batch; the loop thread
 * answers in the job's done callback (job_answer), which tells the phones only when the batch
 * committed. Each servlet's job embeds struct job first and adds its own fields. */
#ifndef EMCC_DAEMON_JOB_H
#define EMCC_DAEMON_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/log.h"
#include "core/workq.h"
#include "daemon/node.h"
#include "em/em.h"

struct evhttp_request;

struct job {
	struct workq_job wq; /* first: the queue hands us this pointer */
	struct node *node;
	struct evhttp_request *req; /* the request to answer; NULL for a timer's job */
	uint64_t reqno;
	struct timespec t0;	     /* when the request came in (monotonic) */
	char remote_ip[64];	     /* the peer's address, "local" on the admin socket */
	int admitted;		     /* counted in n->em_inflight until answered */
	struct node_changes changes; /* logins and logouts to tell the phones after the commit */
};

/* Maximum Concurrent Requests (CUCM's limit, shared by the EM API, the phone app and the EMCC
 * requests of other clusters). 1: one more may go in flight. 0: over the limit, logged to svc
 * with the peer's address; the caller answers 26 in its own format, at once (never a queue). */
int job_admit(struct node *n, enum log_service svc, uint64_t reqno, const char *ip);

/* A zeroed job of size bytes (at least sizeof(struct job)) for req (may be NULL), its request
 * number, start time and peer address filled; NULL when out of memory. Loop thread. */
void *job_new(struct node *n, struct evhttp_request *req, size_t size, uint64_t reqno);

/* Hands j to a worker; admitted: it counts in n->em_inflight until job_answer. Loop thread. */
void job_submit(struct job *j, void (*work)(struct workq_job *, void *),
		void (*done)(struct workq_job *), int admitted);

/* On the worker, first thing in a job: the worker's snapshots are brought up to date and the
 * policy's context is returned (its store, parameters, PIN key, now, the job's request number,
 * source and remote address; its changes go to j->changes). No credential cache: callers that
 * authenticate application users set ctx.cache. */
struct em_ctx job_begin(struct worker *w, struct job *j, const char *source, const char *remote_ip);

/* The end of a job on the loop thread: the phones are told of its changes unless the batch
 * failed (node_changes_flush), an admitted job leaves n->em_inflight, and the request gets
 * status with body (NULL = empty). The caller frees the job. */
void job_answer(struct job *j, int batch_error, int status, const char *ctype, const char *body,
		size_t len);

/* The request's body, moved out of its input buffer into a NUL-terminated copy the caller frees,
 * its length in *len; NULL when out of memory (the body stays). Loop thread. */
char *job_take_body(struct evhttp_request *req, size_t *len);

#endif
