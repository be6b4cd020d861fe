/* test_peer.c -- one call to a peer cluster against a real HTTPS server on loopback: what the
 * request carries (our cluster, request number, sent time, a fresh nonce, as xml=), and how
 * each kind of answer comes back (ours, misaddressed, a request, CUCM's bare reply with and
 * without EMCC_PEER_ANY_VERSION, garbage, HTTP 500, silence, the wrong certificate), and the
 * refusals that never call back. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/tls.h"
#include "emcc/msg.h"
#include "emcc/peer.h"
#include "emcc/trust.h"

enum mode { ANSWER, WRONG_REQNO, WRONG_CLUSTER, A_REQUEST, BARE, GARBAGE, HTTP_500, SILENT };

static struct fixture {
	char dir[64], address[64], fingerprint[65];
	struct event_base *base;
	struct evhttp *http;
	SSL_CTX *server_ctx;
	struct emcc_client *client;
	/* the server's side */
	enum mode mode;
	struct emcc_msg got; /* the last request */
	int requests;
	/* the caller's side */
	int calls;
	struct emcc_peer_result r;
	struct emcc_msg answer;
	char why[400], detail[400];
} F;

static const char *const files[] = {"peer.pem", "peer.key", "us.pem", "us.key"};

static char *slurp(const char *path)
{
	static char pem[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(pem, 1, sizeof(pem) - 1, f);
	fclose(f);
	pem[n] = '\0';
	return pem;
}

static void answer(struct evhttp_request *req, int status, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, status, "x", b);
	evbuffer_free(b);
}

/* The peer: decodes xml=, keeps the request, answers as F.mode says. */
static void on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in), n;
	char *body = calloc(1, len + 1);
	struct emcc_msg a;
	struct buf out;

	(void)arg;
	assert_non_null(body);
	evbuffer_remove(in, body, len);
	assert_memory_equal(body, "xml=", 4);
	assert_int_equal(buf_url_decode(body + 4, len - 4, body, &n), 0);
	assert_int_equal(emcc_msg_parse(body, n, &F.got, NULL), 0);
	free(body);
	F.requests++;
	if (F.mode == SILENT)
		return; /* never answered: the caller's deadline */
	if (F.mode == GARBAGE || F.mode == HTTP_500) {
		answer(req, F.mode == GARBAGE ? 200 : 500, "<html>not EMCC</html>");
		return;
	}
	emcc_msg_init(&a, EMCC_RESP_CHECK_USER);
	snprintf(a.cluster, sizeof(a.cluster), "%s", F.mode == WRONG_CLUSTER ? "Other" : "Peer");
	a.request_number = F.got.request_number + (F.mode == WRONG_REQNO);
	snprintf(a.user_id, sizeof(a.user_id), "%s", F.got.user_id);
	if (F.mode == BARE) {
		a.version = 0;
		a.cluster[0] = '\0';
		a.request_number = 0;
	}
	if (F.mode == A_REQUEST)
		a = F.got;
	buf_init(&out);
	assert_int_equal(emcc_msg_render(&out, &a), 0);
	answer(req, 200, out.data);
	buf_free(&out);
}

static struct bufferevent *server_bev(struct event_base *base, void *arg)
{
	(void)arg;
	return bufferevent_openssl_socket_new(base, -1, SSL_new(F.server_ctx),
					      BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static int group_setup(void **state)
{
	char cert[128], key[128], ccert[128], ckey[128], err[256], colon[TRUST_FP_COLON_SIZE];
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);

	(void)state;
	snprintf(F.dir, sizeof(F.dir), "/tmp/emcc-test-peer.XXXXXX");
	assert_non_null(mkdtemp(F.dir));
	snprintf(cert, sizeof(cert), "%s/%s", F.dir, files[0]);
	snprintf(key, sizeof(key), "%s/%s", F.dir, files[1]);
	snprintf(ccert, sizeof(ccert), "%s/%s", F.dir, files[2]);
	snprintf(ckey, sizeof(ckey), "%s/%s", F.dir, files[3]);
	assert_int_equal(
	    tls_server_ctx(cert, key, "Peer", "127.0.0.1", &F.server_ctx, err, sizeof(err)), 0);
	assert_int_equal(tls_generate_self_signed(ccert, ckey, "Us", "127.0.0.1", err, sizeof(err)),
			 0);
	assert_int_equal(trust_cert_fingerprint(slurp(cert), F.fingerprint, colon), 0);
	F.base = event_base_new();
	F.http = evhttp_new(F.base);
	evhttp_set_bevcb(F.http, server_bev, NULL);
	evhttp_set_gencb(F.http, on_request, NULL);
	struct evhttp_bound_socket *s = evhttp_bind_socket_with_handle(F.http, "127.0.0.1", 0);
	assert_non_null(s);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sa, &salen),
			 0);
	snprintf(F.address, sizeof(F.address), "127.0.0.1:%d", ntohs(sa.sin_port));
	assert_int_equal(emcc_client_alloc(&F.client, F.base, ccert, ckey, err, sizeof(err)), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	emcc_client_free(F.client);
	evhttp_free(F.http);
	SSL_CTX_free(F.server_ctx);
	event_base_free(F.base);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", F.dir, files[i]);
		remove(path);
	}
	rmdir(F.dir);
	return 0;
}

static void on_result(void *arg, const struct emcc_peer_result *r)
{
	(void)arg;
	F.calls++;
	F.r = *r;
	if (r->msg)
		F.answer = *r->msg;
	snprintf(F.why, sizeof(F.why), "%s", r->why);
	snprintf(F.detail, sizeof(F.detail), "%s", r->detail);
	F.r.msg = r->msg ? &F.answer : NULL;
	event_base_loopbreak(F.base);
}

/* One checkUser to the peer in mode; returns what emcc_peer_call returned, after the callback
 * when it was 0. */
static int call(enum mode mode, const char *fingerprint, unsigned flags, uint64_t reqno)
{
	struct emcc_peer_call c = {.from = "Us",
				   .to = {"Peer", F.address, fingerprint},
				   .reqno = reqno,
				   /* short only where the deadline is the point */
				   .timeout_ms = mode == SILENT ? 200 : 10000,
				   .flags = flags};
	struct emcc_msg m;
	int rc;

	F.mode = mode;
	F.calls = 0;
	memset(&F.r, 0, sizeof(F.r));
	emcc_msg_init(&m, EMCC_REQ_CHECK_USER);
	snprintf(m.user_id, sizeof(m.user_id), "adgjm");
	rc = emcc_peer_call(F.client, &c, &m, on_result, NULL);
	if (rc == 0) {
		while (F.calls == 0)
			event_base_dispatch(F.base);
		event_base_loop(F.base, EVLOOP_NONBLOCK); /* nothing calls back twice */
		assert_int_equal(F.calls, 1);
	}
	return rc;
}

static void test_request_and_answer(void **state)
{
	(void)state;
	int64_t before = clock_now_ms();
	char first_nonce[EMCC_NONCE_LEN + 1];

	assert_int_equal(call(ANSWER, F.fingerprint, 0, 41), 0);
	/* what went out: our cluster and request number, a fresh stamp and nonce */
	assert_int_equal(F.got.kind, EMCC_REQ_CHECK_USER);
	assert_string_equal(F.got.cluster, "Us");
	assert_int_equal(F.got.request_number, 41);
	assert_true(F.got.sent_ms >= before && F.got.sent_ms <= clock_now_ms());
	assert_int_equal(strlen(F.got.nonce), EMCC_NONCE_LEN);
	assert_string_equal(F.got.user_id, "adgjm");
	/* what came back */
	assert_int_equal(F.r.outcome, EMCC_PEER_OK);
	assert_non_null(F.r.msg);
	assert_int_equal(F.answer.kind, EMCC_RESP_CHECK_USER);
	assert_string_equal(F.answer.cluster, "Peer");
	assert_int_equal(F.r.http_status, 200);
	snprintf(first_nonce, sizeof(first_nonce), "%s", F.got.nonce);
	assert_int_equal(call(ANSWER, F.fingerprint, 0, 42), 0);
	assert_string_not_equal(F.got.nonce, first_nonce);
}

static void test_misaddressed(void **state)
{
	(void)state;
	assert_int_equal(call(WRONG_REQNO, F.fingerprint, 0, 7), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_MISADDRESSED);
	assert_int_equal(F.answer.request_number, 8);
	assert_string_equal(F.why, "answer claims cluster Peer request 8, expected Peer request 7");
	assert_int_equal(call(WRONG_CLUSTER, F.fingerprint, 0, 7), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_MISADDRESSED);
	assert_string_equal(F.why,
			    "answer claims cluster Other request 7, expected Peer request 7");
	/* the lenient probe checks an answer of our version all the same */
	assert_int_equal(call(WRONG_CLUSTER, F.fingerprint, EMCC_PEER_ANY_VERSION, 7), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_MISADDRESSED);
}

static void test_not_an_answer(void **state)
{
	(void)state;
	assert_int_equal(call(A_REQUEST, F.fingerprint, 0, 9), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_NOT_ANSWER);
	assert_int_equal(F.answer.kind, EMCC_REQ_CHECK_USER);
	assert_string_equal(F.why, "unusable answer: checkUser (a request)");
	/* CUCM's bare reply: not ours, unless the call accepts any version */
	assert_int_equal(call(BARE, F.fingerprint, 0, 9), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_NOT_ANSWER);
	assert_string_equal(F.why, "unusable answer: checkUser without our version");
	assert_int_equal(call(BARE, F.fingerprint, EMCC_PEER_ANY_VERSION, 9), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_OK);
	assert_int_equal(F.answer.version, 0);
}

static void test_no_answer(void **state)
{
	(void)state;
	assert_int_equal(call(GARBAGE, F.fingerprint, 0, 11), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_UNPARSABLE);
	assert_null(F.r.msg);
	assert_non_null(strstr(F.why, "unusable answer (HTTP 200, 21 bytes): "));
	assert_string_not_equal(F.detail, "");
	assert_int_equal(call(HTTP_500, F.fingerprint, 0, 11), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_TRANSPORT);
	assert_int_equal(F.r.client, EMCC_CLIENT_HTTP);
	assert_int_equal(F.r.http_status, 500);
	assert_int_equal(call(SILENT, F.fingerprint, 0, 11), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_TRANSPORT);
	assert_int_equal(F.r.client, EMCC_CLIENT_TIMEOUT);
	assert_non_null(strstr(F.why, "timeout"));
	/* a peer without the pinned certificate is never asked */
	int before = F.requests;
	char other[65];
	memset(other, 'a', 64);
	other[64] = '\0';
	assert_int_equal(call(ANSWER, other, 0, 11), 0);
	assert_int_equal(F.r.outcome, EMCC_PEER_TRANSPORT);
	assert_int_equal(F.r.client, EMCC_CLIENT_TLS);
	assert_int_equal(F.requests, before);
}

static void test_refused_at_once(void **state)
{
	(void)state;
	struct emcc_peer_call c = {.from = "Us", .to = {"Peer", F.address, ""}, .timeout_ms = 300};
	struct emcc_msg m;
	int before = F.requests;

	F.calls = 0;
	emcc_msg_init(&m, EMCC_REQ_CHECK_USER);
	snprintf(m.user_id, sizeof(m.user_id), "adgjm");
	assert_int_equal(emcc_peer_call(F.client, &c, &m, on_result, NULL), EPERM);
	assert_string_equal(emcc_peer_strerror(EPERM), "no certificate imported");
	c.to.fingerprint = F.fingerprint;
	c.to.address = "a b:1";
	assert_int_equal(emcc_peer_call(F.client, &c, &m, on_result, NULL), EINVAL);
	c.to.address = F.address;
	snprintf(m.user_id, sizeof(m.user_id), "bad\x01"); /* a control character */
	assert_int_equal(emcc_peer_call(F.client, &c, &m, on_result, NULL), EBADMSG);
	event_base_loop(F.base, EVLOOP_NONBLOCK);
	assert_int_equal(F.calls, 0);
	assert_int_equal(F.requests, before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_and_answer), cmocka_unit_test(test_misaddressed),
	    cmocka_unit_test(test_not_an_answer),      cmocka_unit_test(test_no_answer),
	    cmocka_unit_test(test_refused_at_once),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
