/* job.h -- the plumbing every worker job of the daemon shares: the request's body copied on the
 * loop thread, the submit, the policy's context on the worker, the answer once the batch is
 * durable.
 *
 * A job's life: the loop thread copies what the worker needs (job_take_body) and submits it
 * (job_submit; an admitted EM request counts against Maximum Concurrent Requests until it is
 * answered); the worker runs the policy with job_em_ctx, inside its group-commit batch; the
 * loop thread answers in the job's done callback (job_answer), which tells the phones only
 * when the batch committed. */
#ifndef EMCC_DAEMON_JOB_H
#define EMCC_DAEMON_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "em/em.h"

struct evhttp_request;
struct node;
struct node_changes;
struct worker;
struct workq_job;

/* The request's body, moved out of its input buffer into a NUL-terminated copy the caller frees,
 * its length in *len; NULL when out of memory (the body stays). Loop thread. */
char *job_take_body(struct evhttp_request *req, size_t *len);

/* Sets the job's callbacks and hands it to a worker; admitted: it counts in n->em_inflight
 * until job_answer (or the caller) takes it out. Loop thread. */
void job_submit(struct node *n, struct workq_job *job, void (*work)(struct workq_job *, void *),
		void (*done)(struct workq_job *), int admitted);

/* The policy's context for a job on worker w: its store, parameters and PIN key, now, reqno,
 * source and remote address; the changes it commits go to changes (NULL: none). No credential
 * cache: the callers that authenticate application users set ctx.cache. Worker thread. */
struct em_ctx job_em_ctx(struct worker *w, uint64_t reqno, const char *source,
			 const char *remote_ip, struct node_changes *changes);

/* The end of a job on the loop thread: the phones are told of its changes unless the batch
 * failed (node_changes_flush), an admitted job leaves n->em_inflight, and req gets status with
 * body (NULL = empty). */
void job_answer(struct node *n, struct evhttp_request *req, struct node_changes *changes,
		int batch_error, uint64_t reqno, int admitted, int status, const char *ctype,
		const char *body, size_t len);

#endif
