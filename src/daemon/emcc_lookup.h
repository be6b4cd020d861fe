/* emcc_lookup.h -- the admin command cluster/lookup (`emcc cluster lookup USER`): which remote
 * cluster claims a user, each one's answer and time. */
#ifndef EMCC_DAEMON_EMCC_LOOKUP_H
#define EMCC_DAEMON_EMCC_LOOKUP_H

#include <jansson.h>
#include <stdint.h>

struct node;
struct evhttp_request;

/* Loop thread. args: {"user": ID}. Always answers req (JSON: user, local_user, login, home,
 * claimed_by, total_ms, clusters[id, address, answer, ms, reason]; or {"error"}). args stays
 * the caller's. */
void emcc_lookup_admin(struct node *n, struct evhttp_request *req, uint64_t reqno, json_t *args);

#endif
