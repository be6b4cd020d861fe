/* binding.c -- the registrar's binding table: a chained hash keyed by device name, one mutex. */
#include "sip/binding.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct entry {
	struct entry *next;
	uint32_t hash;
	struct sipd_binding b;
};

struct sipd_table {
	pthread_mutex_t mu;
	struct entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	size_t max;
};

#define INITIAL_BUCKETS 256

/* FNV-1a over the ASCII-lowercased name: "SEPC80084AA8743" and "sepc80084aa8743" are one device. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 16777619u;
	}
	return h;
}

int sipd_table_alloc(struct sipd_table **tp, size_t max)
{
	struct sipd_table *t = calloc(1, sizeof(*t));
	int rc = ENOMEM;
	if (!t)
		goto out;
	t->buckets = calloc(INITIAL_BUCKETS, sizeof(*t->buckets));
	if (!t->buckets)
		goto out;
	t->nbuckets = INITIAL_BUCKETS;
	t->max = max ? max : 1;
	pthread_mutex_init(&t->mu, NULL);
	*tp = t;
	t = NULL;
	rc = 0;
out:
	free(t);
	return rc;
}

void sipd_table_free(struct sipd_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct entry *e = t->buckets[i];
		while (e) {
			struct entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* Under the lock. The slot that points at device's entry (or at the NULL ending its chain). */
static struct entry **find_slot(struct sipd_table *t, const char *device, uint32_t h)
{
	struct entry **pp = &t->buckets[h & (t->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && strcasecmp((*pp)->b.device, device) == 0)
			return pp;
	return pp;
}

/* Under the lock. Doubling keeps chains short; a failed allocation only leaves them longer. */
static void maybe_grow(struct sipd_table *t)
{
	if (t->count < t->nbuckets * 2)
		return;
	size_t n = t->nbuckets * 2;
	struct entry **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct entry *e = t->buckets[i];
		while (e) {
			struct entry *next = e->next;
			e->next = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
			e = next;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = n;
}

static int is_live(const struct entry *e, int64_t now)
{
	return e->b.expires_at > now;
}

int sipd_table_put(struct sipd_table *t, const struct sipd_binding *b, int64_t now, int *created)
{
	uint32_t h = name_hash(b->device);
	int rc = 0;

	pthread_mutex_lock(&t->mu);
	struct entry **pp = find_slot(t, b->device, h);
	struct entry *e = *pp;
	if (e) {
		/* An expired binding is gone as far as the phone is concerned: no ordering applies.
		 */
		if (is_live(e, now) && strcmp(e->b.call_id, b->call_id) == 0 &&
		    e->b.cseq > b->cseq) {
			rc = ESTALE;
			goto out;
		}
		int refresh = is_live(e, now) && strcmp(e->b.call_id, b->call_id) == 0;
		int64_t since = e->b.registered_at;
		if (created)
			*created = !is_live(e, now);
		e->b = *b;
		if (refresh) /* a refresh keeps the time the phone first registered */
			e->b.registered_at = since;
		goto out;
	}
	if (t->count >= t->max) {
		rc = ENOSPC;
		goto out;
	}
	e = malloc(sizeof(*e));
	if (!e) {
		rc = ENOMEM;
		goto out;
	}
	e->hash = h;
	e->b = *b;
	e->next = NULL;
	*pp = e;
	t->count++;
	if (created)
		*created = 1;
	maybe_grow(t);
out:
	pthread_mutex_unlock(&t->mu);
	return rc;
}

int sipd_table_remove(struct sipd_table *t, const char *device, const char *contact,
		      const char *call_id, uint32_t cseq, int64_t now)
{
	uint32_t h = name_hash(device);
	int rc = 0;

	pthread_mutex_lock(&t->mu);
	struct entry **pp = find_slot(t, device, h);
	struct entry *e = *pp;
	if (!e || !is_live(e, now)) {
		rc = ENOENT;
		goto out;
	}
	int same_call = call_id && strcmp(e->b.call_id, call_id) == 0;
	if (same_call && e->b.cseq > cseq) {
		rc = ESTALE;
		goto out;
	}
	/* One device, one binding: a request for another contact of the device (an old phone's
	 * late unregister) must not remove the phone that registered since. */
	if ((contact || call_id) && !same_call &&
	    !(contact && strcmp(e->b.contact, contact) == 0)) {
		rc = ENOENT;
		goto out;
	}
	*pp = e->next;
	t->count--;
	free(e);
out:
	pthread_mutex_unlock(&t->mu);
	return rc;
}

int sipd_table_get(struct sipd_table *t, const char *device, int64_t now, struct sipd_binding *out)
{
	int rc = ENOENT;
	pthread_mutex_lock(&t->mu);
	struct entry *e = *find_slot(t, device, name_hash(device));
	if (e && is_live(e, now)) {
		*out = e->b;
		rc = 0;
	}
	pthread_mutex_unlock(&t->mu);
	return rc;
}

int sipd_table_list(struct sipd_table *t, int64_t now,
		    int (*fn)(void *arg, const struct sipd_binding *b), void *arg)
{
	int rc = 0;
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->nbuckets && !rc; i++)
		for (struct entry *e = t->buckets[i]; e && !rc; e = e->next)
			if (is_live(e, now))
				rc = fn(arg, &e->b);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

size_t sipd_table_purge(struct sipd_table *t, int64_t now,
			void (*gone)(void *arg, const struct sipd_binding *b), void *arg)
{
	size_t n = 0;
	struct entry *dead = NULL;

	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct entry **pp = &t->buckets[i];
		while (*pp) {
			struct entry *e = *pp;
			if (is_live(e, now)) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			e->next = dead;
			dead = e;
			t->count--;
			n++;
		}
	}
	pthread_mutex_unlock(&t->mu);

	/* Callbacks (they log) run outside the lock, so readers are not held up by them. */
	while (dead) {
		struct entry *next = dead->next;
		if (gone)
			gone(arg, &dead->b);
		free(dead);
		dead = next;
	}
	return n;
}

size_t sipd_table_count(struct sipd_table *t)
{
	pthread_mutex_lock(&t->mu);
	size_t n = t->count;
	pthread_mutex_unlock(&t->mu);
	return n;
}
