/* fileserv.h -- the provisioning file service the HTTP (6970), HTTPS (6971) and TFTP (UDP 69)
 * edges share: a name in, (status, bytes) out, asynchronously.
 *
 * fileserv_get runs on the loop thread. The name goes through the file-kind table
 * (prov/files.h): a name no row takes, or a kind without a builder, is answered at once
 * without the store; a kind with a builder goes to a worker, which reads the file's version
 * (the device's versionStamp), takes the built file from the cache when it has that version,
 * and builds it otherwise; the answer comes back on the loop thread. Built files are immutable
 * and reference-counted: the cache, an HTTP answer in its output buffer and a TFTP transfer
 * each hold a reference, so nothing is copied after the build. */
#ifndef EMCC_DAEMON_FILESERV_H
#define EMCC_DAEMON_FILESERV_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "prov/files.h"

struct node;

/* Lookups in flight (sent to a worker, not answered): beyond, the answer is 503 at once, and
 * the HTTP edge sends it (a phone then tries TFTP), the TFTP edge drops the request (the
 * client sends it again). */
#define FILESERV_INFLIGHT_MAX 1024

/* A built file: immutable once made; freed with its last reference. */
struct fileserv_body {
	atomic_int refs;
	size_t len;
	char data[]; /* len bytes, then a NUL */
};
void fileserv_body_ref(struct fileserv_body *b);
void fileserv_body_unref(struct fileserv_body *b); /* NULL is fine; any thread */

struct fileserv_result {
	int status;			 /* 200, 404, 503 (busy, try again), 500 */
	struct fileserv_body *body;	 /* 200: a reference the callback owns; NULL otherwise */
	const struct prov_file_req *req; /* the parsed name; NULL when no row took the name */
	const char *version;		 /* 200: the file's version (versionStamp); "" otherwise */
	int cached;			 /* 200: from the cache, not built */
	const char *why;		 /* 404, 503, 500: why, for the edge's log */
};

/* Called once per fileserv_get on the loop thread; r and what it points to live only for the
 * call (take a reference to keep the body). */
typedef void fileserv_done_fn(void *arg, const struct fileserv_result *r);

/* Looks up name (len bytes, not necessarily NUL-terminated) for request reqno. done runs
 * exactly once: before fileserv_get returns when no worker is needed (a refused name, a kind
 * without a builder, over FILESERV_INFLIGHT_MAX, out of memory), otherwise later from the
 * worker's answer. Loop thread. */
void fileserv_get(struct node *n, const char *name, size_t len, uint64_t reqno,
		  fileserv_done_fn *done, void *arg);

/* n->fileserv: made before the first provisioning listener opens (idempotent), freed after the
 * workers stopped. */
int fileserv_alloc(struct node *n);
void fileserv_free(struct node *n);

/* Lookups on a worker now (loop thread). */
unsigned fileserv_inflight(const struct node *n);

#endif
