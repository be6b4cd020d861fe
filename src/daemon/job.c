/* job.c -- the worker-job plumbing the servlets share (job.h). */
#include "daemon/job.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/workq.h"
#include "daemon/node.h"
#include "daemon/servlet.h"

char *job_take_body(struct evhttp_request *req, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	char *body = malloc(n + 1);

	if (!body)
		return NULL;
	evbuffer_remove(in, body, n);
	body[n] = '\0';
	*len = n;
	return body;
}

void job_submit(struct node *n, struct workq_job *job, void (*work)(struct workq_job *, void *),
		void (*done)(struct workq_job *), int admitted)
{
	job->work = work;
	job->done = done;
	if (admitted)
		n->em_inflight++;
	workq_submit(n->wq, job);
}

struct em_ctx job_em_ctx(struct worker *w, uint64_t reqno, const char *source,
			 const char *remote_ip, struct node_changes *changes)
{
	struct em_ctx ctx = {
	    .st = w->st,
	    .params = &w->params,
	    .pepper = &w->node->pepper,
	    .now_ms = clock_now_ms(),
	    .reqno = reqno,
	    .source = source,
	    .remote_ip = remote_ip,
	    .on_change = changes ? node_changes_add : NULL,
	    .on_change_arg = changes,
	};
	return ctx;
}

void job_answer(struct node *n, struct evhttp_request *req, struct node_changes *changes,
		int batch_error, uint64_t reqno, int admitted, int status, const char *ctype,
		const char *body, size_t len)
{
	node_changes_flush(n, changes, batch_error, reqno);
	if (admitted)
		n->em_inflight--;
	http_reply(n, req, status, ctype, body ? body : "", len);
}
