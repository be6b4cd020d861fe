/* job.c -- the worker-job plumbing the servlets share (job.h). */
#include "daemon/job.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/str.h"
#include "daemon/servlet.h"

int job_admit(struct node *n, enum log_service svc, uint64_t reqno, const char *ip)
{
	if (n->em_inflight < (unsigned)atomic_load(&n->max_concurrent))
		return 1;
	log_warnx(svc, reqno, "from %s: busy, %u requests in flight", ip, n->em_inflight);
	return 0;
}

void *job_new(struct node *n, struct evhttp_request *req, size_t size, uint64_t reqno)
{
	struct job *j = calloc(1, size);

	if (!j)
		return NULL;
	j->node = n;
	j->req = req;
	j->reqno = reqno;
	j->t0 = clock_start();
	if (req)
		http_peer_ip(req, j->remote_ip, sizeof(j->remote_ip));
	else
		str_copy(j->remote_ip, sizeof(j->remote_ip), "");
	return j;
}

void job_submit(struct job *j, void (*work)(struct workq_job *, void *),
		void (*done)(struct workq_job *), int admitted)
{
	j->wq.work = work;
	j->wq.done = done;
	j->admitted = admitted;
	if (admitted)
		j->node->em_inflight++;
	workq_submit(j->node->wq, &j->wq);
}

struct em_ctx job_begin(struct worker *w, struct job *j, const char *source, const char *remote_ip)
{
	node_worker_refresh(w);
	struct em_ctx ctx = {
	    .st = w->st,
	    .params = &w->params,
	    .pepper = &w->node->pepper,
	    .now_ms = clock_now_ms(),
	    .reqno = j->reqno,
	    .source = source,
	    .remote_ip = remote_ip,
	    .on_change = node_changes_add,
	    .on_change_arg = &j->changes,
	};
	return ctx;
}

void job_answer(struct job *j, int batch_error, int status, const char *ctype, const char *body,
		size_t len)
{
	struct node *n = j->node;

	node_changes_flush(n, &j->changes, batch_error, j->reqno);
	if (j->admitted) {
		n->em_inflight--;
		j->admitted = 0;
	}
	if (j->req)
		http_reply(n, j->req, status, ctype, body ? body : "", len);
}

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
