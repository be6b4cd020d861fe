/* replay.c -- the replay guard for incoming EMCC messages, and the nonces senders put in them.
 *
 * Every request carries (cluster, nonce, sent time); the receiver admits each pair once within
 * a freshness window, so a captured request cannot be played again. The nonce maker lives here
 * because it and the guard share one contract: 16 random bytes, unguessable, as lowercase hex. */
#include "emcc/replay.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* ---- nonces ---- */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ready;

static void sodium_init_once(void)
{
	sodium_ready = sodium_init() >= 0;
}

int emcc_replay_nonce(char out[EMCC_NONCE_LEN + 1])
{
	unsigned char raw[EMCC_NONCE_LEN / 2];
	pthread_once(&sodium_once, sodium_init_once);
	if (!sodium_ready) {
		out[0] = '\0';
		return EIO;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, EMCC_NONCE_LEN + 1, raw, sizeof(raw));
	return 0;
}

/* ---- the guard ----
 *
 * A chained hash table over a fixed pool of entries: buckets and next links are pool indexes
 * plus one (0 ends a chain), free entries are chained through next as well. The bucket comes
 * from SipHash with a random key, so a peer cannot choose nonces that pile into one chain.
 * Expired entries are unlinked whenever a lookup walks past them, and the whole table is swept
 * only when the pool runs dry. */

#define REPLAY_MAX_CAPACITY (1u << 20) /* about 190 MB of entries */

struct replay_entry {
	char cluster[LIM_ID_MAX];
	char nonce[EMCC_NONCE_LEN + 1];
	int64_t sent_ms;
	uint32_t next;
};

struct emcc_replay {
	pthread_mutex_t lock;
	size_t cap, count, nbuckets; /* nbuckets: a power of two */
	uint32_t free_head;
	uint32_t *buckets;
	struct replay_entry *e;
	unsigned char key[crypto_shorthash_KEYBYTES];
};

int emcc_replay_alloc(struct emcc_replay **rp, size_t capacity)
{
	struct emcc_replay *r = NULL;
	int rc;

	if (!rp || capacity == 0 || capacity > REPLAY_MAX_CAPACITY)
		return EINVAL;
	pthread_once(&sodium_once, sodium_init_once);
	if (!sodium_ready)
		return EIO;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->cap = capacity;
	r->nbuckets = 1;
	while (r->nbuckets < capacity)
		r->nbuckets <<= 1;
	r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
	r->e = calloc(capacity, sizeof(*r->e));
	if (!r->buckets || !r->e) {
		rc = ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < capacity; i++)
		r->e[i].next = i + 1 < capacity ? (uint32_t)(i + 2) : 0;
	r->free_head = 1;
	crypto_shorthash_keygen(r->key);
	rc = pthread_mutex_init(&r->lock, NULL);
	if (rc)
		goto fail;
	*rp = r;
	return 0;
fail:
	free(r->buckets);
	free(r->e);
	free(r);
	return rc;
}

void emcc_replay_free(struct emcc_replay *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->buckets);
	free(r->e);
	free(r);
}

/* |a - b| > w, without overflow for any int64 values (w >= 0). */
static int too_far(int64_t a, int64_t b, int64_t w)
{
	uint64_t d = a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
	return d > (uint64_t)w;
}

/* An entry is kept while its message could still pass the window check. */
static int expired(const struct replay_entry *e, int64_t now_ms, int64_t window_ms)
{
	return e->sent_ms < now_ms && too_far(now_ms, e->sent_ms, window_ms);
}

static size_t bucket_of(const struct emcc_replay *r, const char *cluster, const char *nonce)
{
	unsigned char in[LIM_ID_MAX + EMCC_NONCE_LEN + 1], h[crypto_shorthash_BYTES];
	size_t cl = strlen(cluster), nl = strlen(nonce);
	uint64_t v = 0;
	memcpy(in, cluster, cl + 1); /* the NUL keeps ("ab","c") apart from ("a","bc") */
	memcpy(in + cl + 1, nonce, nl);
	crypto_shorthash(h, in, cl + 1 + nl, r->key);
	for (size_t i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	return (size_t)(v & (r->nbuckets - 1));
}

static void release(struct emcc_replay *r, uint32_t idx)
{
	r->e[idx - 1].next = r->free_head;
	r->free_head = idx;
	r->count--;
}

/* Unlinks the expired entries of one chain. */
static void sweep_chain(struct emcc_replay *r, size_t bucket, int64_t now_ms, int64_t window_ms)
{
	uint32_t *link = &r->buckets[bucket];
	while (*link) {
		uint32_t idx = *link;
		struct replay_entry *e = &r->e[idx - 1];
		if (expired(e, now_ms, window_ms)) {
			*link = e->next;
			release(r, idx);
		} else {
			link = &e->next;
		}
	}
}

int emcc_replay_check(struct emcc_replay *r, const char *cluster, const char *nonce,
		      int64_t sent_ms, int64_t now_ms, int64_t window_ms)
{
	int rc = 0;

	if (!r || !cluster || !nonce || window_ms < 0 ||
	    strnlen(cluster, LIM_ID_MAX) >= LIM_ID_MAX ||
	    strnlen(nonce, EMCC_NONCE_LEN + 1) > EMCC_NONCE_LEN)
		return EINVAL;
	if (too_far(sent_ms, now_ms, window_ms))
		return ETIME;

	size_t bucket = bucket_of(r, cluster, nonce);
	pthread_mutex_lock(&r->lock);
	sweep_chain(r, bucket, now_ms, window_ms);
	for (uint32_t idx = r->buckets[bucket]; idx; idx = r->e[idx - 1].next) {
		const struct replay_entry *e = &r->e[idx - 1];
		if (strcmp(e->nonce, nonce) == 0 && strcmp(e->cluster, cluster) == 0) {
			rc = EALREADY;
			goto out;
		}
	}
	if (!r->free_head)
		for (size_t b = 0; b < r->nbuckets; b++)
			sweep_chain(r, b, now_ms, window_ms);
	if (!r->free_head) {
		rc = ENOSPC;
		goto out;
	}
	uint32_t idx = r->free_head;
	struct replay_entry *e = &r->e[idx - 1];
	r->free_head = e->next;
	snprintf(e->cluster, sizeof(e->cluster), "%s", cluster);
	snprintf(e->nonce, sizeof(e->nonce), "%s", nonce);
	e->sent_ms = sent_ms;
	e->next = r->buckets[bucket];
	r->buckets[bucket] = idx;
	r->count++;
out:
	pthread_mutex_unlock(&r->lock);
	return rc;
}

size_t emcc_replay_count(struct emcc_replay *r)
{
	pthread_mutex_lock(&r->lock);
	size_t n = r->count;
	pthread_mutex_unlock(&r->lock);
	return n;
}
