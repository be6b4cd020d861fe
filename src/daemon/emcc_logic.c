/* emcc_logic.c -- the visiting side's decisions and memory: home cache, busy phones, the home
 * decision, the outbox back-off (emcc_logic.h). */
#include "daemon/emcc_logic.h"

#include <errno.h>
#include <string.h>

#include "core/str.h"

/* ---- user -> home cluster ---- */

/* user's entry, or c->n when there is none. */
static size_t cache_index(const struct emcc_home_cache *c, const char *user)
{
	size_t i = 0;

	while (i < c->n && strcmp(c->e[i].user, user) != 0)
		i++;
	return i;
}

const char *emcc_home_cache_get(const struct emcc_home_cache *c, const char *user, int64_t now_ms)
{
	size_t i = cache_index(c, user);

	return i < c->n && c->e[i].expires_ms > now_ms ? c->e[i].cluster : NULL;
}

void emcc_home_cache_drop(struct emcc_home_cache *c, const char *user)
{
	size_t i = cache_index(c, user);

	if (i < c->n)
		c->e[i] = c->e[--c->n];
}

void emcc_home_cache_put(struct emcc_home_cache *c, const char *user, const char *cluster,
			 int64_t expires_ms)
{
	struct emcc_home_entry *e;

	emcc_home_cache_drop(c, user);
	if (c->n < EMCC_HOME_CACHE_MAX) {
		e = &c->e[c->n++];
	} else {
		e = &c->e[0];
		for (size_t i = 1; i < c->n; i++)
			if (c->e[i].expires_ms < e->expires_ms)
				e = &c->e[i];
	}
	str_copy(e->user, sizeof(e->user), user);
	str_copy(e->cluster, sizeof(e->cluster), cluster);
	e->expires_ms = expires_ms;
}

/* ---- phones with an EMCC login in flight ---- */

typedef char device_name[LIM_ID_MAX];

/* device's index, or b->v.n when it is not busy. */
static size_t busy_index(const struct emcc_busy *b, const char *device)
{
	const device_name *d = b->v.data;
	size_t i = 0;

	while (i < b->v.n && strcmp(d[i], device) != 0)
		i++;
	return i;
}

int emcc_busy_take(struct emcc_busy *b, const char *device)
{
	device_name *d;

	if (busy_index(b, device) < b->v.n)
		return EBUSY;
	if (!(d = vec_push(&b->v, sizeof(*d))))
		return ENOMEM;
	str_copy(*d, sizeof(*d), device);
	return 0;
}

int emcc_busy_has(const struct emcc_busy *b, const char *device)
{
	return busy_index(b, device) < b->v.n;
}

void emcc_busy_release(struct emcc_busy *b, const char *device)
{
	device_name *d = b->v.data;
	size_t i = busy_index(b, device);

	if (i < b->v.n)
		memcpy(d[i], d[--b->v.n], sizeof(d[i]));
}

void emcc_busy_free(struct emcc_busy *b)
{
	vec_free(&b->v);
}

/* ---- which cluster is the home ---- */

enum emcc_verdict emcc_decide(const enum emcc_answer *answers, size_t n, size_t *home)
{
	int answered = 0;

	for (size_t i = 0; i < n; i++) {
		if (answers[i] == EMCC_ANSWER_PENDING)
			return EMCC_VERDICT_WAIT; /* an earlier cluster may still claim the user */
		if (answers[i] == EMCC_ANSWER_EXISTS) {
			*home = i;
			return EMCC_VERDICT_HOME;
		}
		if (answers[i] == EMCC_ANSWER_NOT_HERE)
			answered = 1;
	}
	return answered ? EMCC_VERDICT_NOT_FOUND : EMCC_VERDICT_NO_ANSWER;
}

/* ---- the outbox ---- */

int64_t emcc_outbox_backoff_ms(int attempts)
{
	int64_t ms = 1000;

	for (int i = 0; i < attempts && ms < EMCC_OUTBOX_BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < EMCC_OUTBOX_BACKOFF_MAX_MS ? ms : EMCC_OUTBOX_BACKOFF_MAX_MS;
}
