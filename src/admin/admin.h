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
	struct em_ctx *em; /* store, params, pepper, cache, clock, reqno, on_change */
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
	/* This cluster's identity for trust/show and trust/export: the node's HTTPS certificate
	 * (PEM file) and the address other clusters reach it on ("host:port", "" = no HTTPS).
	 * NULL/"" makes those commands answer 500. */
	const char *tls_cert_path;
	const char *https_address;
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

/* Remote clusters (admin_clusters.c), for the daemon's two-step commands that need the network
 * in between. cluster/add with "fetch": true and no "bundle" cannot run here: the daemon calls
 * admin_cluster_prefetch on a worker (every check that needs no bundle: arguments, id rule,
 * own id, id not taken, "fingerprint" present and well formed), fetches the bundle from
 * host:port on its loop thread, then runs cluster/add with "bundle" set and "fetch" removed.
 * Returns 200 with host/port filled, or an error status with *out the error object (the
 * caller owns it). */
int admin_cluster_prefetch(struct admin_ctx *ctx, json_t *args, char *host, size_t hostlen,
			   int *port, json_t **out);

/* The command names, for `emcc --help` and the API's own 404 text. NULL-terminated. */
const char *const *admin_commands(void);

#endif
