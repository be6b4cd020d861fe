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

/* Under the lock. Whether a REGISTER with call_id and cseq comes too late for entry e (RFC 3261
 * 10.3 step 7): the live binding has the same Call-ID and a higher CSeq. An expired binding is
 * gone as far as the phone is concerned: no ordering applies. */
static int is_stale(const struct entry *e, const char *call_id, uint32_t cseq, int64_t now)
{
	return e && call_id && is_live(e, now) && strcmp(e->b.call_id, call_id) == 0 &&
	       e->b.cseq > cseq;
}

/* Under the lock. sipd_table_put's work; a new entry comes from *spare when it holds one (the
 * batch allocated it beforehand, so applying cannot fail), else from malloc. */
static int put_locked(struct sipd_table *t, const struct sipd_binding *b, int64_t now, int *created,
		      struct entry **spare)
{
	uint32_t h = name_hash(b->device);
	struct entry **pp = find_slot(t, b->device, h);
	struct entry *e = *pp;
	if (e) {
		if (is_stale(e, b->call_id, b->cseq, now))
			return ESTALE;
		int refresh = is_live(e, now) && strcmp(e->b.call_id, b->call_id) == 0;
		int64_t since = e->b.registered_at;
		if (created)
			*created = !is_live(e, now);
		e->b = *b;
		if (refresh) /* a refresh keeps the time the phone first registered */
			e->b.registered_at = since;
		return 0;
	}
	if (t->count >= t->max)
		return ENOSPC;
	if (spare && *spare) {
		e = *spare;
		*spare = e->next;
	} else if (!(e = malloc(sizeof(*e)))) {
		return ENOMEM;
	}
	e->hash = h;
	e->b = *b;
	e->next = NULL;
	*pp = e;
	t->count++;
	if (created)
		*created = 1;
	maybe_grow(t);
	return 0;
}

/* Under the lock. sipd_table_remove's work. */
static int remove_locked(struct sipd_table *t, const char *device, const char *contact,
			 const char *call_id, uint32_t cseq, int64_t now)
{
	struct entry **pp = find_slot(t, device, name_hash(device));
	struct entry *e = *pp;
	if (!e || !is_live(e, now))
		return ENOENT;
	if (is_stale(e, call_id, cseq, now))
		return ESTALE;
	int same_call = call_id && strcmp(e->b.call_id, call_id) == 0;
	/* One device, one binding: a request for another contact of the device (an old phone's
	 * late unregister) must not remove the phone that registered since. */
	if ((contact || call_id) && !same_call && !(contact && strcmp(e->b.contact, contact) == 0))
		return ENOENT;
	*pp = e->next;
	t->count--;
	free(e);
	return 0;
}

int sipd_table_put(struct sipd_table *t, const struct sipd_binding *b, int64_t now, int *created)
{
	pthread_mutex_lock(&t->mu);
	int rc = put_locked(t, b, now, created, NULL);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

int sipd_table_remove(struct sipd_table *t, const char *device, const char *contact,
		      const char *call_id, uint32_t cseq, int64_t now)
{
	pthread_mutex_lock(&t->mu);
	int rc = remove_locked(t, device, contact, call_id, cseq, now);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

int sipd_table_apply(struct sipd_table *t, struct sipd_table_op *ops, size_t n, int64_t now)
{
	struct entry *spare = NULL;
	size_t fresh = 0;
	int rc = 0;

	/* The all-or-none argument below needs one Call-ID and CSeq (one REGISTER's). */
	for (size_t i = 1; i < n; i++)
		if (strcmp(ops[i].b->call_id, ops[0].b->call_id) != 0 ||
		    ops[i].b->cseq != ops[0].b->cseq)
			return EINVAL;
	/* One spare entry per put, made before anything changes: then applying cannot fail
	 * half-way on memory (a device removed and put again in one batch needs one too). */
	for (size_t i = 0; i < n; i++) {
		if (ops[i].remove)
			continue;
		struct entry *e = malloc(sizeof(*e));
		if (!e) {
			rc = ENOMEM;
			goto out_free;
		}
		e->next = spare;
		spare = e;
	}

	pthread_mutex_lock(&t->mu);
	/* Check: nothing has changed yet. */
	for (size_t i = 0; i < n && !rc; i++) {
		const struct sipd_binding *b = ops[i].b;
		struct entry *e = *find_slot(t, b->device, name_hash(b->device));
		if (is_stale(e, b->call_id, b->cseq, now)) {
			rc = ESTALE;
			break;
		}
		if (ops[i].remove || e)
			continue;
		/* A device new to the table takes a slot once, however many ops name it. */
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !ops[k].remove && strcasecmp(ops[k].b->device, b->device) == 0;
		if (!seen)
			fresh++;
	}
	if (!rc && t->count + fresh > t->max)
		rc = ENOSPC;
	/* Apply, in order. With the checks above neither call can fail: every op's device was
	 * not stale against the table, and after an earlier op of the batch on the same device
	 * its entry carries this same Call-ID and CSeq (or is gone); the slots were counted and
	 * the entries made. */
	for (size_t i = 0; i < n && !rc; i++) {
		const struct sipd_binding *b = ops[i].b;
		ops[i].created = 0;
		ops[i].rc = ops[i].remove
				? remove_locked(t, b->device, b->contact, b->call_id, b->cseq, now)
				: put_locked(t, b, now, &ops[i].created, &spare);
	}
	pthread_mutex_unlock(&t->mu);
out_free:
	while (spare) {
		struct entry *next = spare->next;
		free(spare);
		spare = next;
	}
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
