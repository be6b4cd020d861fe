/* peer.c -- one call to a remote cluster: frame, send, parse and check the answer (peer.h). */
#include "emcc/peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/str.h"
#include "emcc/msg.h"
#include "emcc/replay.h"

/* A call on its way: what the answer must match, and whom to tell. */
struct call {
	emcc_peer_cb cb;
	void *arg;
	char cluster[LIM_ID_MAX];
	uint64_t reqno;
	unsigned flags;
};

/* Sorts a parsed document: an answer to this call, or why not (r->why written into reason). */
static void check_answer(const struct call *c, const struct emcc_msg *m, struct emcc_peer_result *r,
			 char *reason, size_t len)
{
	int ours = m->version == EMCC_MSG_VERSION;

	r->msg = m;
	if (emcc_msg_is_request(m->kind) || (!ours && !(c->flags & EMCC_PEER_ANY_VERSION))) {
		r->outcome = EMCC_PEER_NOT_ANSWER;
		snprintf(reason, len, "unusable answer: %s%s", emcc_msg_kind_name(m->kind),
			 !ours ? " without our version" : " (a request)");
	} else if (ours && (strcmp(m->cluster, c->cluster) != 0 || m->request_number != c->reqno)) {
		r->outcome = EMCC_PEER_MISADDRESSED;
		snprintf(reason, len,
			 "answer claims cluster %.64s request %llu, expected %.64s request %llu",
			 m->cluster, (unsigned long long)m->request_number, c->cluster,
			 (unsigned long long)c->reqno);
	} else {
		r->outcome = EMCC_PEER_OK;
	}
}

static void on_answer(void *arg, enum emcc_client_error err, int status, const char *body,
		      size_t len, const char *why)
{
	struct call *c = arg;
	struct emcc_peer_result r = {.client = err, .http_status = status, .detail = "", .why = ""};
	struct emcc_msg_error perr = {0};
	struct emcc_msg *m = NULL;
	char reason[320] = "";

	if (err != EMCC_CLIENT_OK) {
		r.outcome = EMCC_PEER_TRANSPORT;
		r.detail = why ? why : "";
		snprintf(reason, sizeof(reason), "%s: %s", emcc_client_error_name(err), r.detail);
	} else if (!(m = malloc(sizeof(*m)))) {
		r.outcome = EMCC_PEER_UNPARSABLE;
		r.detail = "out of memory";
		snprintf(reason, sizeof(reason), "out of memory");
	} else if (emcc_msg_parse(body, len, m, &perr) != 0) {
		r.outcome = EMCC_PEER_UNPARSABLE;
		r.detail = perr.text;
		snprintf(reason, sizeof(reason), "unusable answer (HTTP %d, %zu bytes): %s", status,
			 len, perr.text);
	} else {
		check_answer(c, m, &r, reason, sizeof(reason));
	}
	r.why = reason;
	c->cb(c->arg, &r);
	if (m) {
		explicit_bzero(m, sizeof(*m));
		free(m);
	}
	free(c);
}

/* The peer for the client: address parsed, names copied whole. 0 or EINVAL. */
static int peer_of(const struct emcc_peer_remote *to, struct emcc_peer *p)
{
	struct addr a;

	memset(p, 0, sizeof(*p));
	if (addr_parse(&a, to->address, ADDR_PORT_OPTIONAL, EMCC_PEER_PORT) != 0 ||
	    str_copy(p->host, sizeof(p->host), a.host) != 0 ||
	    str_copy(p->cluster, sizeof(p->cluster), to->id) != 0 ||
	    str_copy(p->fingerprint, sizeof(p->fingerprint), to->fingerprint) != 0)
		return EINVAL;
	p->port = a.port;
	return 0;
}

/* The form body: xml=<the document, URL-escaped>. 0, EBADMSG or ENOMEM. */
static int frame(struct buf *form, struct buf *doc, const struct emcc_msg *m)
{
	int rc = emcc_msg_render(doc, m);

	if (rc)
		return rc == ENOMEM ? ENOMEM : EBADMSG;
	buf_puts(form, "xml=");
	buf_url_escape(form, doc->data);
	return form->oom || doc->oom ? ENOMEM : 0;
}

static void wipe(struct buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->len);
	buf_free(b);
}

int emcc_peer_call(struct emcc_client *client, const struct emcc_peer_call *call,
		   struct emcc_msg *m, emcc_peer_cb cb, void *arg)
{
	struct emcc_peer peer;
	struct buf doc, form;
	struct call *c = NULL;
	int rc;

	if (!call->to.fingerprint || !*call->to.fingerprint)
		return EPERM; /* no certificate imported: we cannot trust any answer */
	if (peer_of(&call->to, &peer) != 0 || str_copy(m->cluster, sizeof(m->cluster), call->from))
		return EINVAL;
	m->request_number = call->reqno;
	m->sent_ms = clock_now_ms();
	if (emcc_replay_nonce(m->nonce) != 0)
		return EIO;
	buf_init(&doc);
	buf_init(&form);
	rc = frame(&form, &doc, m);
	if (rc)
		goto out;
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = ENOMEM;
		goto out;
	}
	c->cb = cb;
	c->arg = arg;
	c->reqno = call->reqno;
	c->flags = call->flags;
	str_copy(c->cluster, sizeof(c->cluster), call->to.id);
	rc = emcc_client_post(client, &peer, EMCC_PEER_PATH, form.data, form.len, call->timeout_ms,
			      on_answer, c);
	if (rc)
		free(c);
out:
	/* a homeLogin document holds the PIN */
	wipe(&doc);
	wipe(&form);
	return rc;
}

const char *emcc_peer_strerror(int rc)
{
	return rc == EPERM ? "no certificate imported" : strerror(rc);
}
