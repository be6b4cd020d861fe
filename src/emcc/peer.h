/* peer.h -- one call to a remote cluster: an EMCC request out, its checked answer back.
 *
 * Every inter-cluster request (checkUser, homeLogin, the outbox's logouts, clusterInfo) goes
 * through emcc_peer_call, so framing, nonces and the answer's checks exist once: it fills in
 * who we are, the request number, the sent time and a fresh nonce, renders the document, posts
 * it as the form field xml= to the peer's /emservice/EMServiceServlet over mutual TLS (client.c:
 * the peer must present the certificate pinned for it), parses the answer and checks that it is
 * a response of our version, from the cluster we asked, to our request number. The buffers that
 * held the document are wiped: a homeLogin carries the PIN. */
#ifndef EMCC_EMCC_PEER_H
#define EMCC_EMCC_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "emcc/client.h"

struct emcc_msg;

#define EMCC_PEER_PORT 8443 /* a remote cluster's address that names no port */
#define EMCC_PEER_PATH "/emservice/EMServiceServlet"

/* Flags of a call. */
#define EMCC_PEER_ANY_VERSION                                                                      \
	0x1u /* a response without our version (CUCM's bare reply) is an                           \
		answer too, its cluster and request number unchecked */

/* A remote cluster as a call needs it; the strings are read during emcc_peer_call only. */
struct emcc_peer_remote {
	const char *id;		 /* its cluster id: the answer must name it */
	const char *address;	 /* host, host:port or [v6]:port (EMCC_PEER_PORT when none) */
	const char *fingerprint; /* SHA-256 of its certificate; "" = none imported */
};

struct emcc_peer_call {
	const char *from; /* our cluster id: the request's <cluster> */
	struct emcc_peer_remote to;
	uint64_t reqno; /* our request number: the answer must echo it */
	int timeout_ms;
	unsigned flags; /* EMCC_PEER_* */
};

enum emcc_peer_outcome {
	EMCC_PEER_OK = 0,	/* an answer: a response of our version, from them, to us */
	EMCC_PEER_TRANSPORT,	/* no answer: connect, TLS, timeout or an HTTP status */
	EMCC_PEER_UNPARSABLE,	/* what came back is not an EMCC document */
	EMCC_PEER_NOT_ANSWER,	/* a request, or a response without our version */
	EMCC_PEER_MISADDRESSED, /* a response naming another cluster or request number */
};

/* What came back. Everything in it is valid during the callback only. */
struct emcc_peer_result {
	enum emcc_peer_outcome outcome;
	/* OK: the answer (a failure answer included); NOT_ANSWER, MISADDRESSED: the document
	 * that came instead; otherwise NULL. */
	const struct emcc_msg *msg;
	enum emcc_client_error client; /* TRANSPORT: which way it failed */
	int http_status;	       /* the HTTP status when there was one, else 0 */
	const char *detail; /* TRANSPORT: the client's reason; UNPARSABLE: the parser's; else "" */
	const char *why;    /* not OK: the reason in one line, for a log ("timeout: ...") */
};

typedef void (*emcc_peer_cb)(void *arg, const struct emcc_peer_result *r);

/* Sends m (its kind and fields set; cluster, request number, sent time and nonce are filled in
 * here) to call->to. Returns 0, and cb runs exactly once on the loop thread (possibly before
 * this returns, when the connection fails at once); or, and cb never runs: EPERM (no
 * certificate imported for the peer: no answer could be trusted), EINVAL (its address does not
 * parse, core/addr.h), EBADMSG (m cannot be rendered), EIO (no nonce: the random source),
 * ENOMEM, or another of emcc_client_post's (ESHUTDOWN: the client is stopping). The caller may
 * wipe and free m once this returns. Loop thread. */
int emcc_peer_call(struct emcc_client *c, const struct emcc_peer_call *call, struct emcc_msg *m,
		   emcc_peer_cb cb, void *arg);

/* A short reason for what emcc_peer_call returned: "no certificate imported" for EPERM, else
 * strerror's. */
const char *emcc_peer_strerror(int rc);

#endif
