/* test_binding.c -- the registrar's table: one binding per device, RFC 3261 ordering, expiry,
 * limits, and readers on other threads while the table changes. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip/binding.h"

static struct sipd_binding mk(const char *device, const char *contact, const char *call_id,
			      uint32_t cseq, int64_t expires_at)
{
	struct sipd_binding b;
	memset(&b, 0, sizeof(b));
	snprintf(b.device, sizeof(b.device), "%s", device);
	snprintf(b.contact, sizeof(b.contact), "%s", contact);
	snprintf(b.call_id, sizeof(b.call_id), "%s", call_id);
	snprintf(b.transport, sizeof(b.transport), "udp");
	b.cseq = cseq;
	b.expires_at = expires_at;
	b.registered_at = expires_at - 3600;
	return b;
}

static void test_put_get(void **state)
{
	(void)state;
	struct sipd_table *t;
	struct sipd_binding b = mk("SEPC80084AA8743", "sip:a@127.0.0.1:5060", "c1", 1, 4600), out;
	int created = -1;
	assert_int_equal(sipd_table_alloc(&t, 10), 0);
	assert_int_equal(sipd_table_get(t, "SEPC80084AA8743", 1000, &out), ENOENT);
	assert_int_equal(sipd_table_put(t, &b, 1000, &created), 0);
	assert_int_equal(created, 1);
	assert_int_equal(sipd_table_get(t, "SEPC80084AA8743", 1000, &out), 0);
	assert_memory_equal(&out, &b, sizeof(b));
	/* Device names do not care about case, as CUCM's do not. */
	assert_int_equal(sipd_table_get(t, "sepc80084aa8743", 1000, &out), 0);

	/* A refresh on the same Call-ID keeps registered_at; a new Call-ID replaces it all. */
	b.cseq = 2;
	b.registered_at = 2000;
	b.expires_at = 5600;
	assert_int_equal(sipd_table_put(t, &b, 2000, &created), 0);
	assert_int_equal(created, 0);
	assert_int_equal(sipd_table_get(t, "SEPC80084AA8743", 2000, &out), 0);
	assert_int_equal(out.registered_at, 1000);
	assert_int_equal(out.expires_at, 5600);
	struct sipd_binding b2 = mk("SEPC80084AA8743", "sip:b@127.0.0.1:5062", "c2", 1, 5700);
	assert_int_equal(sipd_table_put(t, &b2, 2100, &created), 0);
	assert_int_equal(sipd_table_get(t, "SEPC80084AA8743", 2100, &out), 0);
	assert_string_equal(out.contact, "sip:b@127.0.0.1:5062");
	assert_int_equal(out.registered_at, b2.registered_at);
	assert_int_equal(sipd_table_count(t), 1);

	/* Expired: not returned, and a put counts as new. */
	assert_int_equal(sipd_table_get(t, "SEPC80084AA8743", 5700, &out), ENOENT);
	assert_int_equal(sipd_table_put(t, &b, 5700, &created), 0);
	assert_int_equal(created, 1);
	sipd_table_free(t);
}

static void test_ordering(void **state)
{
	(void)state;
	struct sipd_table *t;
	struct sipd_binding b = mk("SEP1", "sip:a@h", "c1", 5, 5000), out;
	assert_int_equal(sipd_table_alloc(&t, 10), 0);
	assert_int_equal(sipd_table_put(t, &b, 1000, NULL), 0);
	/* RFC 3261 10.3 step 7: same Call-ID, lower CSeq -> aborted; equal is a retransmission. */
	b.cseq = 4;
	b.expires_at = 9000;
	assert_int_equal(sipd_table_put(t, &b, 1000, NULL), ESTALE);
	assert_int_equal(sipd_table_get(t, "SEP1", 1000, &out), 0);
	assert_int_equal(out.expires_at, 5000);
	b.cseq = 5;
	assert_int_equal(sipd_table_put(t, &b, 1000, NULL), 0);
	assert_int_equal(sipd_table_remove(t, "SEP1", "sip:a@h", "c1", 4, 1000), ESTALE);
	assert_int_equal(sipd_table_get(t, "SEP1", 1000, &out), 0);

	/* An unregister for another contact and Call-ID leaves the live binding alone. */
	assert_int_equal(sipd_table_remove(t, "SEP1", "sip:old@h", "c0", 9, 1000), ENOENT);
	assert_int_equal(sipd_table_get(t, "SEP1", 1000, &out), 0);
	/* Same contact on another Call-ID (the phone restarted) removes it. */
	assert_int_equal(sipd_table_remove(t, "SEP1", "sip:a@h", "c9", 1, 1000), 0);
	assert_int_equal(sipd_table_get(t, "SEP1", 1000, &out), ENOENT);
	assert_int_equal(sipd_table_remove(t, "SEP1", "sip:a@h", "c9", 2, 1000), ENOENT);
	assert_int_equal(sipd_table_count(t), 0);

	/* Same Call-ID and a higher CSeq removes it whatever the contact; NULLs remove anything. */
	assert_int_equal(sipd_table_put(t, &b, 1000, NULL), 0);
	assert_int_equal(sipd_table_remove(t, "SEP1", "sip:other@h", "c1", 6, 1000), 0);
	assert_int_equal(sipd_table_put(t, &b, 1000, NULL), 0);
	assert_int_equal(sipd_table_remove(t, "sep1", NULL, NULL, 0, 1000), 0);
	assert_int_equal(sipd_table_count(t), 0);
	sipd_table_free(t);
}

/* One REGISTER's contacts go in whole or not at all: a later one out of order or without room
 * leaves the earlier ones unstored. */
static void test_apply_all_or_none(void **state)
{
	(void)state;
	struct sipd_table *t;
	struct sipd_binding out;
	assert_int_equal(sipd_table_alloc(&t, 3), 0);
	struct sipd_binding old = mk("B", "sip:b@h", "c1", 10, 5000);
	assert_int_equal(sipd_table_put(t, &old, 1000, NULL), 0);

	/* A is new and fine, B is out of order (CSeq 5 < 10 on c1): nothing changes. */
	struct sipd_binding a = mk("A", "sip:a@h", "c1", 5, 5000),
			    b = mk("B", "sip:b2@h", "c1", 5, 6000);
	struct sipd_table_op ops[3] = {{.b = &a}, {.b = &b}};
	assert_int_equal(sipd_table_apply(t, ops, 2, 1000), ESTALE);
	assert_int_equal(sipd_table_get(t, "A", 1000, &out), ENOENT);
	assert_int_equal(sipd_table_get(t, "B", 1000, &out), 0);
	assert_string_equal(out.contact, "sip:b@h");
	assert_int_equal(sipd_table_count(t), 1);
	/* The same for a remove that is out of order. */
	ops[1].remove = 1;
	assert_int_equal(sipd_table_apply(t, ops, 2, 1000), ESTALE);
	assert_int_equal(sipd_table_get(t, "A", 1000, &out), ENOENT);
	assert_int_equal(sipd_table_get(t, "B", 1000, &out), 0);

	/* Room for two more: A, C and D together do not fit, so none of them goes in. A device
	 * named twice takes one slot. */
	struct sipd_binding c = mk("C", "sip:c@h", "c2", 1, 5000),
			    d = mk("D", "sip:d@h", "c2", 1, 5000),
			    a2 = mk("A", "sip:a@h", "c2", 1, 5000),
			    c2 = mk("c", "sip:c2@h", "c2", 1, 5000);
	struct sipd_table_op room[3] = {{.b = &a2}, {.b = &c}, {.b = &d}};
	assert_int_equal(sipd_table_apply(t, room, 3, 1000), ENOSPC);
	assert_int_equal(sipd_table_count(t), 1);
	assert_int_equal(sipd_table_get(t, "A", 1000, &out), ENOENT);
	assert_int_equal(sipd_table_get(t, "C", 1000, &out), ENOENT);
	struct sipd_table_op fits[3] = {{.b = &a2}, {.b = &c}, {.b = &c2}};
	assert_int_equal(sipd_table_apply(t, fits, 3, 1000), 0);
	assert_int_equal(fits[0].created, 1);
	assert_int_equal(fits[0].rc, 0);
	assert_int_equal(fits[2].created, 0); /* C was made by the op before it */
	assert_int_equal(sipd_table_count(t), 3);
	assert_int_equal(sipd_table_get(t, "C", 1000, &out), 0);
	assert_string_equal(out.contact, "sip:c2@h");

	/* In order: a put and a remove of one batch both happen; a remove of nothing is ENOENT. */
	b = mk("B", "sip:b@h", "c1", 11, 6000);
	a = mk("A", "sip:a@h", "c1", 11, 6000);
	struct sipd_binding gone = mk("Z", "sip:z@h", "c1", 11, 0);
	struct sipd_table_op mix[3] = {
	    {.b = &b}, {.b = &a, .remove = 1}, {.b = &gone, .remove = 1}};
	assert_int_equal(sipd_table_apply(t, mix, 3, 1000), 0);
	assert_int_equal(mix[0].rc, 0);
	assert_int_equal(mix[0].created, 0);
	assert_int_equal(mix[1].rc, 0); /* same contact, another Call-ID: removed */
	assert_int_equal(mix[2].rc, ENOENT);
	assert_int_equal(sipd_table_get(t, "A", 1000, &out), ENOENT);
	assert_int_equal(sipd_table_get(t, "B", 1000, &out), 0);
	assert_int_equal(out.cseq, 11);

	/* Ops of different REGISTERs cannot be one batch. */
	struct sipd_table_op two[2] = {{.b = &b}, {.b = &c}};
	assert_int_equal(sipd_table_apply(t, two, 2, 1000), EINVAL);
	assert_int_equal(sipd_table_apply(t, two, 0, 1000), 0);
	sipd_table_free(t);
}

struct collect {
	int n;
	char names[64][129];
};

static int collect_fn(void *arg, const struct sipd_binding *b)
{
	struct collect *c = arg;
	if (c->n < 64)
		snprintf(c->names[c->n], sizeof(c->names[0]), "%s", b->device);
	c->n++;
	return 0;
}

static int stop_fn(void *arg, const struct sipd_binding *b)
{
	(void)b;
	int *n = arg;
	return ++*n == 2 ? 42 : 0;
}

static void gone_fn(void *arg, const struct sipd_binding *b)
{
	collect_fn(arg, b);
}

static void test_list_purge_limit(void **state)
{
	(void)state;
	struct sipd_table *t;
	assert_int_equal(sipd_table_alloc(&t, 3), 0);
	struct sipd_binding a = mk("A", "sip:a@h", "1", 1, 100),
			    b = mk("B", "sip:b@h", "2", 1, 200),
			    c = mk("C", "sip:c@h", "3", 1, 300),
			    d = mk("D", "sip:d@h", "4", 1, 400);
	assert_int_equal(sipd_table_put(t, &a, 0, NULL), 0);
	assert_int_equal(sipd_table_put(t, &b, 0, NULL), 0);
	assert_int_equal(sipd_table_put(t, &c, 0, NULL), 0);
	/* Full: a new device is refused, an existing one still refreshes. */
	assert_int_equal(sipd_table_put(t, &d, 0, NULL), ENOSPC);
	c.expires_at = 350;
	assert_int_equal(sipd_table_put(t, &c, 0, NULL), 0);

	struct collect col = {0};
	assert_int_equal(sipd_table_list(t, 150, collect_fn, &col), 0);
	assert_int_equal(col.n, 2); /* A expired at 100 */
	int n = 0;
	assert_int_equal(sipd_table_list(t, 0, stop_fn, &n), 42);
	assert_int_equal(n, 2);

	struct collect gone = {0};
	assert_int_equal(sipd_table_purge(t, 250, gone_fn, &gone), 2);
	assert_int_equal(gone.n, 2);
	assert_int_equal(sipd_table_count(t), 1);
	assert_int_equal(sipd_table_put(t, &d, 250, NULL), 0);
	assert_int_equal(sipd_table_purge(t, 250, NULL, NULL), 0);
	sipd_table_free(t);
}

/* Many devices: the table grows and every one is still found. */
static void test_many(void **state)
{
	(void)state;
	struct sipd_table *t;
	struct sipd_binding b, out;
	char name[32];
	assert_int_equal(sipd_table_alloc(&t, 20000), 0);
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "SEP%012X", i);
		b = mk(name, "sip:x@h", name, 1, 10000 + i);
		assert_int_equal(sipd_table_put(t, &b, 0, NULL), 0);
	}
	assert_int_equal(sipd_table_count(t), 20000);
	for (int i = 0; i < 20000; i += 7) {
		snprintf(name, sizeof(name), "sep%012x", i);
		assert_int_equal(sipd_table_get(t, name, 0, &out), 0);
		assert_int_equal(out.expires_at, 10000 + i);
	}
	assert_int_equal(sipd_table_purge(t, 15000, NULL, NULL),
			 5001); /* expires_at <= now is gone */
	assert_int_equal(sipd_table_count(t), 14999);
	sipd_table_free(t);
}

/* Readers never see a binding whose fields come from two different REGISTERs. */
struct race {
	struct sipd_table *t;
	atomic_int stop;
	atomic_int torn;
};

static void *reader(void *arg)
{
	struct race *r = arg;
	struct sipd_binding out;
	while (!atomic_load(&r->stop)) {
		if (sipd_table_get(r->t, "SEP1", 0, &out) == 0) {
			char want[64];
			snprintf(want, sizeof(want), "call-%u", out.cseq);
			if (strcmp(out.call_id, want) != 0 || out.expires_at != 1000 + out.cseq)
				atomic_fetch_add(&r->torn, 1);
		}
	}
	return NULL;
}

static void test_readers(void **state)
{
	(void)state;
	struct race r = {0};
	pthread_t th[2];
	assert_int_equal(sipd_table_alloc(&r.t, 10), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &r), 0);
	for (uint32_t i = 1; i <= 20000; i++) {
		char cid[64];
		snprintf(cid, sizeof(cid), "call-%u", i);
		struct sipd_binding b = mk("SEP1", "sip:a@h", cid, i, 1000 + i);
		assert_int_equal(sipd_table_put(r.t, &b, 0, NULL), 0);
		if (i % 5 == 0)
			sipd_table_remove(r.t, "SEP1", NULL, NULL, 0, 0);
	}
	atomic_store(&r.stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&r.torn), 0);
	sipd_table_free(r.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put_get),	     cmocka_unit_test(test_ordering),
	    cmocka_unit_test(test_list_purge_limit), cmocka_unit_test(test_many),
	    cmocka_unit_test(test_readers),	     cmocka_unit_test(test_apply_all_or_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
