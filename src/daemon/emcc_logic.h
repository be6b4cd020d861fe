/* emcc_logic.h -- the visiting side's decisions and memory, with no event loop, worker or store:
 * the user -> home cache, the phones with an EMCC login in flight, which cluster is the home,
 * and the outbox's back-off. Kept apart so tests/unit/daemon can drive them; the loop thread
 * owns every instance (nothing here locks). */
#ifndef EMCC_DAEMON_EMCC_LOGIC_H
#define EMCC_DAEMON_EMCC_LOGIC_H

#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/vec.h"

/* ---- user -> home cluster ---- */

#define EMCC_HOME_CACHE_MAX 1024

/* Zeroed ({0}) is empty. */
struct emcc_home_cache {
	size_t n;
	struct emcc_home_entry {
		char user[LIM_ID_MAX];
		char cluster[LIM_ID_MAX];
		int64_t expires_ms;
	} e[EMCC_HOME_CACHE_MAX];
};

/* user's home cluster while its entry lives (expires_ms > now_ms), else NULL. */
const char *emcc_home_cache_get(const struct emcc_home_cache *c, const char *user, int64_t now_ms);
/* Remembers user -> cluster until expires_ms, replacing user's entry; when the cache is full,
 * the entry closest to expiry makes room. */
void emcc_home_cache_put(struct emcc_home_cache *c, const char *user, const char *cluster,
			 int64_t expires_ms);
void emcc_home_cache_drop(struct emcc_home_cache *c, const char *user);

/* ---- phones with an EMCC login in flight ---- */

/* Zeroed ({0}) is empty; emcc_busy_free releases it. */
struct emcc_busy {
	struct vec v; /* of char[LIM_ID_MAX] */
};

/* Marks device busy: 0, EBUSY when it already is, ENOMEM. */
int emcc_busy_take(struct emcc_busy *b, const char *device);
/* 1 when device is busy, else 0. */
int emcc_busy_has(const struct emcc_busy *b, const char *device);
void emcc_busy_release(struct emcc_busy *b, const char *device);
void emcc_busy_free(struct emcc_busy *b);

/* ---- which cluster is the home ---- */

/* One remote cluster's answer to checkUser. */
enum emcc_answer {
	EMCC_ANSWER_PENDING = 0, /* not yet */
	EMCC_ANSWER_EXISTS,	 /* it has the user */
	EMCC_ANSWER_NOT_HERE,	 /* it answered: not its user */
	EMCC_ANSWER_NONE,	 /* no answer, an unusable one, or a refusal */
};

enum emcc_verdict {
	EMCC_VERDICT_WAIT,	/* an earlier cluster (by id) may still claim the user */
	EMCC_VERDICT_HOME,	/* *home is the home */
	EMCC_VERDICT_NOT_FOUND, /* every cluster answered or failed, some answered, none has the
				   user: code 23 */
	EMCC_VERDICT_NO_ANSWER, /* no cluster answered at all (or there is none): code 208 */
};

/* answers[0..n) in cluster-id order. The home is the first cluster that has the user, as soon
 * as every cluster before it has answered or failed: deterministic when two claim the user,
 * and as fast as the first claim when the claimer comes first. */
enum emcc_verdict emcc_decide(const enum emcc_answer *answers, size_t n, size_t *home);

/* ---- the outbox ---- */

#define EMCC_OUTBOX_BACKOFF_MAX_MS 60000

/* The wait before the next try of a message that failed attempts times before this failure
 * (0 for the first): 1, 2, 4 ... 60 s. */
int64_t emcc_outbox_backoff_ms(int attempts);

#endif
