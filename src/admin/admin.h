/* admin.h -- the administration API: JSON commands on the node's Unix socket.
 *
 * Transport: HTTP/1.1 on a Unix socket (curl --unix-socket works), POST /v1/<noun>/<verb> with a
 * JSON object of arguments; the answer is a JSON object. The daemon owns the transport; this
 * module turns one command into one answer, on a worker thread with its own store connection. */
#ifndef EMCC_ADMIN_ADMIN_H
#define EMCC_ADMIN_ADMIN_H

#include <jansson.h>
#include <stdint.h>

#include "em/em.h"

struct admin_ctx {
	struct em_ctx *em;   /* store, params, pepper, cache, clock, reqno, on_change */
	const char *cluster_id;
	/* Called after parameters changed, so the node reloads them everywhere. May be NULL. */
	void (*params_changed)(void *arg);
	void *params_changed_arg;
	/* Extra status the daemon adds to "status/show" (listeners, uptime...). May be NULL. */
	json_t *(*status)(void *arg);
	void *status_arg;
	/* Live SIP registrations for "sip/bindings": a new JSON array of binding objects, only
	 * device's when device is not NULL; NULL when the node runs no SIP. May be NULL (no SIP).
	 * Called on a worker thread. */
	json_t *(*sip_bindings)(void *arg, const char *device);
	void *sip_bindings_arg;
};

/* Runs command "noun/verb" (e.g. "user/add") with args (a JSON object, may be NULL).
 * Returns an HTTP status: 200, 400 (bad arguments), 404 (no such object or command),
 * 409 (conflict: exists, in use), 500 (store error). *out is always set: the result object, or
 * {"error": "readable text", "field": "...", ...} on failure. The caller owns *out.
 * Other statuses: 422 (em/logout refused by policy, with "code"), 503 (database busy).
 * sip/bindings {device?} answers {"bindings": [...]}, or 404 when the node runs no SIP.
 * Imports (user/import, device/import, profile/import {csv}) answer 200 even when rows failed:
 * {"imported": n, "failed": m, "errors": [{"line", "error", "field"}]} (errors capped at 1000);
 * a bad header (unknown, repeated or missing column) refuses the whole file with 400. */
int admin_dispatch(struct admin_ctx *ctx, const char *command, json_t *args, json_t **out);

/* The command names, for `emcc --help` and the API's own 404 text. NULL-terminated. */
const char *const *admin_commands(void);

#endif
