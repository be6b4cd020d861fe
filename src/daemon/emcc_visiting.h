/* emcc_visiting.h -- EMCC in the daemon: the visiting side's login (emcc_login.c), the outbox and
 * the EMCC timers (emcc_outbox.c), incoming messages (servlet_emcc.c). */
#ifndef EMCC_DAEMON_EMCC_VISITING_H
#define EMCC_DAEMON_EMCC_VISITING_H

#include <stddef.h>
#include <stdint.h>

#include "em/em.h"

struct node;
struct evhttp_request;

/* Loop thread: the replay guard, the home cache and the outbox and maintenance timers.
 * Returns 0 or an errno value. */
int emcc_visiting_start(struct node *n);
void emcc_visiting_stop(struct node *n);

/* One EMCC login at the visiting cluster, after the phone passed the visiting checks. */
struct emcc_login {
	uint64_t reqno;
	char device[LIM_ID_MAX];
	char user_id[LIM_ID_MAX]; /* normalised */
	char pin[CRED_PIN_MAX + 1];
	char login_type[8];
	char remote_ip[64];
	int timeout_ms;			 /* emcc_request_timeout_ms */
	int cache_seconds;		 /* emcc_home_cache_seconds */
	struct em_emcc_visit_check *chk; /* owned by the login from here on */
	/* Called once, on the loop thread: code 0 = logged in (profile set), else the code for
	 * the phone (201, 208, 23, 25, ...) and a reason for the log. */
	void (*done)(void *arg, int code, const char *reason, const char *profile);
	void *arg;
};
/* Takes over l (allocated with malloc; freed, PIN wiped, when done). Loop thread. */
void emcc_visiting_login(struct node *n, struct emcc_login *l);

/* checkUser for user_id to each of clusters at once (a login's home search; `emcc cluster
 * lookup`). cb runs exactly once per cluster i, on the loop thread, at once when the request
 * could not be sent: m is the answer (EMCC_RESP_CHECK_USER, or a failure) after the cluster
 * and request number were checked, or NULL with why. clusters and user_id must stay valid until
 * this returns or until the last callback, whichever comes first. */
struct emcc_msg;
typedef void (*emcc_check_user_cb)(void *arg, size_t i, const struct emcc_msg *m, const char *why);
void emcc_check_user_fan_out(struct node *n, const struct em_emcc_cluster *clusters,
			     size_t nclusters, const char *user_id, uint64_t reqno, int timeout_ms,
			     emcc_check_user_cb cb, void *arg);

/* Asks the outbox sender to look now (after a commit that may have queued a message). */
void emcc_outbox_kick(struct node *n);

/* Loop thread: 1 when an EMCC login of device is in flight here (between the phone's request
 * and the visit's commit), else 0. */
int emcc_visiting_busy(struct node *n, const char *device);
/* Loop thread: grows with every visit record that finished (committed or not); a caller that
 * read the store before it changed may have missed a visit. */
uint64_t emcc_visiting_records(struct node *n);

/* servlet_emcc.c: POST /emservice/EMServiceServlet whose form field xml is an <emccRequest>
 * (or anything emcc_msg_sniff claims): 1 = handled (answered now or later), 0 = not ours. */
int servlet_emcc_try(struct node *n, struct evhttp_request *req);

#endif
