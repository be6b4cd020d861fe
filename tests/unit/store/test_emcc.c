/* test_emcc.c -- the EMCC part of store.h (schema 2) on an in-memory database: remote clusters,
 * home devices, visits, the outbox, config versions; error codes, cascades, paging. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"

static const char *const nasty[] = {
    "a'; DROP TABLE remote_clusters;--",
    "\"quoted\" and 'single' \\back\\slash",
    "%s%n%x ?1 :name @x $y",
    "j\xc3\xbcrgen-\xe6\x97\xa5\xe6\x9c\xac",
    "semi;colon) OR 1=1 --",
    "under_score%wild*card[x]",
};
#define NNASTY (sizeof(nasty) / sizeof(nasty[0]))

#define FP_A "a3f1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a"
#define FP_B "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static int setup(void **state)
{
	struct store *st = NULL;

	if (store_open(&st, ":memory:") != 0)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	return 0;
}

/* The cluster struct is 17 KiB: tests keep theirs on the heap, as callers should. */
static struct store_remote_cluster *new_rc(const char *id, const char *fp)
{
	struct store_remote_cluster *rc = calloc(1, sizeof(*rc));

	assert_non_null(rc);
	snprintf(rc->id, sizeof(rc->id), "%s", id);
	strcpy(rc->address, "127.0.7.200:8443");
	rc->emcc_enabled = 1;
	rc->pstn_enabled = 1;
	if (fp[0]) {
		snprintf(rc->cert_pem, sizeof(rc->cert_pem),
			 "-----BEGIN CERTIFICATE-----\nMIIB%s\n-----END CERTIFICATE-----\n", id);
		snprintf(rc->cert_sha256, sizeof(rc->cert_sha256), "%s", fp);
	}
	return rc;
}

static void insert_rc(struct store *st, const char *id, const char *fp)
{
	struct store_remote_cluster *rc = new_rc(id, fp);

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_insert(st, rc), 0);
	assert_int_equal(store_commit(st), 0);
	free(rc);
}

static void add_device(struct store *st, const char *name)
{
	struct store_device d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	strcpy(d.model, "7821");
	strcpy(d.protocol, "SIP");
	d.em_enabled = d.emcc_enabled = 1;
	d.security_mode = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_insert(st, &d), 0);
	assert_int_equal(store_commit(st), 0);
}

static void fill_hd(struct store_emcc_home_device *hd, const char *device, const char *user)
{
	memset(hd, 0, sizeof(*hd));
	snprintf(hd->device, sizeof(hd->device), "%s", device);
	snprintf(hd->user_id, sizeof(hd->user_id), "%s", user);
	strcpy(hd->profile, "test_emcc_udp");
	strcpy(hd->visiting_cluster, "ClusterOne");
	strcpy(hd->model, "7821");
	strcpy(hd->protocol, "SIP");
	hd->security_mode = 1;
	hd->login_time = 1700000000;
	hd->login_duration = 36000;
	strcpy(hd->config_version, "1700000000-6a6e0b8b");
	hd->created_ms = 1700000000123;
}

static void fill_visit(struct store_emcc_visit *v, const char *device, const char *user)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->device, sizeof(v->device), "%s", device);
	snprintf(v->user_id, sizeof(v->user_id), "%s", user);
	strcpy(v->home_cluster, "ClusterTwo");
	strcpy(v->home_tftp, "127.0.7.200:69");
	strcpy(v->home_call_manager, "127.0.7.200:5060");
	strcpy(v->home_tvs, "127.0.7.200:2445");
	v->login_time = 1700000000;
	v->login_duration = 36000;
	strcpy(v->config_version, "1700000001-abc");
}

static void fill_ob(struct store_emcc_outbox *o, const char *cluster, const char *device,
		    int64_t next)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->cluster, sizeof(o->cluster), "%s", cluster);
	strcpy(o->kind, "homeLogout");
	snprintf(o->device, sizeof(o->device), "%s", device);
	strcpy(o->user_id, "adgjm");
	strcpy(o->reason, "maximum login time");
	o->next_attempt_ms = next;
	o->created_ms = 1000;
}

/* ---- collectors ------------------------------------------------------------------------------ */

struct names {
	size_t n;
	char v[64][LIM_ID_MAX];
	int64_t ids[64];
	int stop_after; /* 0 = never */
};

static int collect_rc(void *arg, const struct store_remote_cluster *rc)
{
	struct names *c = arg;

	assert_true(c->n < 64);
	snprintf(c->v[c->n++], LIM_ID_MAX, "%s", rc->id);
	return c->stop_after && (int)c->n == c->stop_after ? 42 : 0;
}

static int collect_hd(void *arg, const struct store_emcc_home_device *hd)
{
	struct names *c = arg;

	assert_true(c->n < 64);
	snprintf(c->v[c->n++], LIM_ID_MAX, "%s", hd->device);
	return 0;
}

static int collect_visit(void *arg, const struct store_emcc_visit *v)
{
	struct names *c = arg;

	assert_true(c->n < 64);
	snprintf(c->v[c->n++], LIM_ID_MAX, "%s", v->device);
	return 0;
}

static int collect_ob(void *arg, const struct store_emcc_outbox *o)
{
	struct names *c = arg;

	assert_true(c->n < 64);
	c->ids[c->n] = o->id;
	snprintf(c->v[c->n++], LIM_ID_MAX, "%s", o->device);
	return 0;
}

/* ---- remote clusters ------------------------------------------------------------------------ */

static void test_remote_cluster_crud(void **state)
{
	struct store *st = *state;
	struct store_remote_cluster *rc = new_rc("ClusterTwo", FP_A),
				    *got = calloc(1, sizeof(*got));
	long n = -1;

	assert_non_null(got);
	/* writes need a transaction */
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	assert_int_equal(store_remote_cluster_get(st, "ClusterTwo", got), ENOENT);

	rc->tftp_enabled = 7; /* flags are stored as 0/1 */
	strcpy(rc->version, "0.1.0");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_insert(st, rc), 0);
	assert_int_equal(store_remote_cluster_insert(st, rc), EEXIST);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_remote_cluster_get(st, "ClusterTwo", got), 0);
	assert_string_equal(got->id, "ClusterTwo");
	assert_string_equal(got->address, "127.0.7.200:8443");
	assert_int_equal(got->emcc_enabled, 1);
	assert_int_equal(got->pstn_enabled, 1);
	assert_int_equal(got->rsvp_enabled, 0);
	assert_int_equal(got->tftp_enabled, 1);
	assert_string_equal(got->cert_pem, rc->cert_pem);
	assert_string_equal(got->cert_sha256, FP_A);
	assert_string_equal(got->status, "unknown"); /* "" is stored as unknown */
	assert_string_equal(got->version, "0.1.0");
	assert_int_equal(got->last_update_ms, 0);
	assert_string_equal(got->last_error, "");
	/* ids are exact */
	assert_int_equal(store_remote_cluster_get(st, "clustertwo", got), ENOENT);

	/* update replaces every field */
	strcpy(rc->address, "remote.example.org:9443");
	rc->emcc_enabled = 0;
	rc->tftp_enabled = 0;
	strcpy(rc->status, "down");
	rc->last_update_ms = 1700000000000;
	strcpy(rc->last_error, "connection refused");
	rc->cert_pem[0] = rc->cert_sha256[0] = '\0'; /* certificate removed */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_update(st, rc), 0);
	strcpy(rc->id, "Nowhere");
	assert_int_equal(store_remote_cluster_update(st, rc), ENOENT);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_remote_cluster_get(st, "ClusterTwo", got), 0);
	assert_string_equal(got->address, "remote.example.org:9443");
	assert_int_equal(got->emcc_enabled, 0);
	assert_int_equal(got->tftp_enabled, 0);
	assert_string_equal(got->cert_pem, "");
	assert_string_equal(got->cert_sha256, "");
	assert_string_equal(got->status, "down");
	assert_int_equal(got->last_update_ms, 1700000000000);
	assert_string_equal(got->last_error, "connection refused");

	/* set_status touches only the update's outcome */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_set_status(st, "ClusterTwo", "up", "emcc 0.2.0",
							 1700000001000, ""),
			 0);
	assert_int_equal(store_remote_cluster_set_status(st, "Nowhere", "up", "", 1, ""), ENOENT);
	assert_int_equal(store_remote_cluster_set_status(st, "ClusterTwo", "sideways", "", 1, ""),
			 EINVAL);
	assert_int_equal(store_remote_cluster_set_status(st, "ClusterTwo", "up", "", -1, ""),
			 EINVAL);
	assert_int_equal(store_remote_cluster_set_status(st, "ClusterTwo", NULL, "", 1, ""),
			 EINVAL);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_remote_cluster_get(st, "ClusterTwo", got), 0);
	assert_string_equal(got->status, "up");
	assert_string_equal(got->version, "emcc 0.2.0");
	assert_int_equal(got->last_update_ms, 1700000001000);
	assert_string_equal(got->last_error, "");
	assert_string_equal(got->address, "remote.example.org:9443");

	assert_int_equal(store_remote_cluster_set_status(st, "ClusterTwo", "up", "", 1, ""),
			 EINVAL); /* outside a transaction */
	assert_int_equal(store_remote_cluster_count(st, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_delete(st, "ClusterTwo"), 0);
	assert_int_equal(store_remote_cluster_delete(st, "ClusterTwo"), ENOENT);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_remote_cluster_get(st, "ClusterTwo", got), ENOENT);
	assert_int_equal(store_remote_cluster_count(st, &n), 0);
	assert_int_equal(n, 0);
	free(rc);
	free(got);
}

static void test_remote_cluster_invalid(void **state)
{
	struct store *st = *state;
	struct store_remote_cluster *rc = new_rc("ClusterTwo", FP_A);

	assert_int_equal(store_begin(st), 0);
	/* each of these is refused and changes nothing */
	rc->id[0] = '\0';
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	strcpy(rc->id, "ClusterTwo");
	rc->address[0] = '\0';
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	strcpy(rc->address, "127.0.7.200:8443");
	strcpy(rc->status, "maybe");
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	rc->status[0] = '\0';
	/* a certificate without its fingerprint, and the other way round */
	rc->cert_sha256[0] = '\0';
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	strcpy(rc->cert_sha256, FP_A);
	rc->cert_pem[0] = '\0';
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	strcpy(rc->cert_pem, "-----BEGIN CERTIFICATE-----\n");
	/* fingerprints: 64 hex digits, nothing else */
	strcpy(rc->cert_sha256, "A3:F1:C2");
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	strcpy(rc->cert_sha256, FP_A);
	rc->cert_sha256[63] = 'g';
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	rc->cert_sha256[63] = '\0'; /* 63 digits */
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	memset(rc->cert_sha256, 'a', sizeof(rc->cert_sha256)); /* not NUL-terminated */
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	strcpy(rc->cert_sha256, FP_A);
	/* unterminated fields */
	memset(rc->cert_pem, 'x', sizeof(rc->cert_pem));
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	strcpy(rc->cert_pem, "pem");
	memset(rc->address, 'x', sizeof(rc->address));
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	strcpy(rc->address, "h:1");
	rc->last_update_ms = -5;
	assert_int_equal(store_remote_cluster_insert(st, rc), EINVAL);
	rc->last_update_ms = 0;
	assert_int_equal(store_remote_cluster_insert(st, NULL), EINVAL);
	/* still fine after all that */
	assert_int_equal(store_remote_cluster_insert(st, rc), 0);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_remote_cluster_get(st, "", rc), EINVAL);
	assert_int_equal(store_remote_cluster_get(st, NULL, rc), EINVAL);
	assert_int_equal(store_remote_cluster_get(st, "ClusterTwo", NULL), EINVAL);
	assert_int_equal(store_remote_cluster_list(st, "", 0, NULL, NULL), EINVAL);
	assert_int_equal(store_remote_cluster_count(st, NULL), EINVAL);
	free(rc);
}

static void test_remote_cluster_fingerprint(void **state)
{
	struct store *st = *state;
	struct store_remote_cluster *rc = calloc(1, sizeof(*rc)), *other;
	char upper[LIM_SHA256_HEX];
	size_t i;

	assert_non_null(rc);
	/* stored lowercase whatever the caller's case */
	for (i = 0; i < 64; i++)
		upper[i] = (FP_A[i] >= 'a' && FP_A[i] <= 'f') ? (char)(FP_A[i] - 32) : FP_A[i];
	upper[64] = '\0';
	other = new_rc("ClusterTwo", upper);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_insert(st, other), 0);
	assert_int_equal(store_commit(st), 0);
	free(other);
	assert_int_equal(store_remote_cluster_get(st, "ClusterTwo", rc), 0);
	assert_string_equal(rc->cert_sha256, FP_A);

	/* found by either case */
	memset(rc, 0, sizeof(*rc));
	assert_int_equal(store_remote_cluster_by_fingerprint(st, FP_A, rc), 0);
	assert_string_equal(rc->id, "ClusterTwo");
	assert_int_equal(store_remote_cluster_by_fingerprint(st, upper, rc), 0);
	assert_string_equal(rc->id, "ClusterTwo");
	assert_int_equal(store_remote_cluster_by_fingerprint(st, FP_B, rc), ENOENT);
	/* "" never matches the clusters without a certificate; other forms are refused */
	insert_rc(st, "NoCert1", "");
	insert_rc(st, "NoCert2", ""); /* several clusters may lack a certificate */
	assert_int_equal(store_remote_cluster_by_fingerprint(st, "", rc), EINVAL);
	assert_int_equal(store_remote_cluster_by_fingerprint(st, NULL, rc), EINVAL);
	assert_int_equal(store_remote_cluster_by_fingerprint(st, "A3:F1", rc), EINVAL);
	assert_int_equal(store_remote_cluster_by_fingerprint(st, "' OR 1=1 --", rc), EINVAL);
	assert_int_equal(store_remote_cluster_by_fingerprint(st, FP_A "00", rc), EINVAL);

	/* the same certificate cannot belong to two clusters */
	other = new_rc("ClusterThree", FP_A);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_insert(st, other), EEXIST);
	strcpy(other->cert_sha256, FP_B);
	assert_int_equal(store_remote_cluster_insert(st, other), 0);
	/* nor move onto another's by an update */
	strcpy(other->cert_sha256, upper);
	assert_int_equal(store_remote_cluster_update(st, other), EEXIST);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_remote_cluster_by_fingerprint(st, FP_B, rc), 0);
	assert_string_equal(rc->id, "ClusterThree");

	/* a fingerprint is free again once its cluster is gone */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_delete(st, "ClusterTwo"), 0);
	assert_int_equal(store_remote_cluster_update(st, other), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_remote_cluster_by_fingerprint(st, FP_A, rc), 0);
	assert_string_equal(rc->id, "ClusterThree");
	assert_int_equal(store_remote_cluster_by_fingerprint(st, FP_B, rc), ENOENT);
	free(other);
	free(rc);
}

static void test_remote_cluster_paging(void **state)
{
	struct store *st = *state;
	struct names c;
	char id[32];
	int i;

	for (i = 0; i < 25; i++) {
		snprintf(id, sizeof(id), "C%02d", 24 - i); /* inserted out of order */
		insert_rc(st, id, "");
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_remote_cluster_list(st, NULL, 0, collect_rc, &c), 0);
	assert_int_equal(c.n, 25);
	assert_string_equal(c.v[0], "C00");
	assert_string_equal(c.v[24], "C24");

	/* pages of 10 by the last id seen */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_remote_cluster_list(st, "", 10, collect_rc, &c), 0);
	assert_int_equal(c.n, 10);
	assert_int_equal(store_remote_cluster_list(st, c.v[9], 10, collect_rc, &c), 0);
	assert_int_equal(c.n, 20);
	assert_string_equal(c.v[10], "C10");
	assert_int_equal(store_remote_cluster_list(st, c.v[19], 10, collect_rc, &c), 0);
	assert_int_equal(c.n, 25);
	assert_string_equal(c.v[24], "C24");
	assert_int_equal(store_remote_cluster_list(st, "C24", 10, collect_rc, &c), 0);
	assert_int_equal(c.n, 25);

	/* the callback's non-zero stops the walk and comes back */
	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	assert_int_equal(store_remote_cluster_list(st, "", 0, collect_rc, &c), 42);
	assert_int_equal(c.n, 3);
}

/* Reads inside a list callback (the admin API shows each cluster with its outbox depth). */
struct reenter {
	struct store *st;
	int seen;
};

static int reenter_rc(void *arg, const struct store_remote_cluster *rc)
{
	struct reenter *r = arg;
	struct store_remote_cluster *again = malloc(sizeof(*again));
	long n;

	assert_non_null(again);
	assert_int_equal(store_remote_cluster_get(r->st, rc->id, again), 0);
	assert_string_equal(again->id, rc->id);
	assert_int_equal(store_remote_cluster_count(r->st, &n), 0);
	free(again);
	r->seen++;
	return 0;
}

static void test_remote_cluster_reentrant(void **state)
{
	struct store *st = *state;
	struct reenter r = {st, 0};

	insert_rc(st, "A", FP_A);
	insert_rc(st, "B", FP_B);
	assert_int_equal(store_remote_cluster_list(st, "", 0, reenter_rc, &r), 0);
	assert_int_equal(r.seen, 2);
}

static void test_metacharacters(void **state)
{
	struct store *st = *state;
	struct store_remote_cluster *got = calloc(1, sizeof(*got));
	struct store_emcc_home_device hd, hgot;
	struct store_emcc_visit v, vgot;
	struct store_emcc_outbox o;
	struct names c;
	char ver[LIM_ID_MAX];
	size_t i;
	long n;

	assert_non_null(got);
	for (i = 0; i < NNASTY; i++) {
		char fp[LIM_SHA256_HEX];

		snprintf(fp, sizeof(fp), "%s", FP_B);
		fp[0] = (char)('0' + i);
		insert_rc(st, nasty[i], fp);
		add_device(st, nasty[i]);

		assert_int_equal(store_begin(st), 0);
		fill_hd(&hd, nasty[i], "u");
		snprintf(hd.profile, sizeof(hd.profile), "%s", nasty[i]);
		snprintf(hd.visiting_cluster, sizeof(hd.visiting_cluster), "%s", nasty[i]);
		assert_int_equal(store_emcc_home_device_put(st, &hd), 0);
		fill_visit(&v, nasty[i], "u");
		snprintf(v.home_cluster, sizeof(v.home_cluster), "%s", nasty[i]);
		snprintf(v.home_tvs, sizeof(v.home_tvs), "%s", nasty[i]);
		assert_int_equal(store_emcc_visit_put(st, &v), 0);
		fill_ob(&o, nasty[i], nasty[i], 5);
		snprintf(o.reason, sizeof(o.reason), "%s", nasty[i]);
		assert_int_equal(store_emcc_outbox_add(st, &o, NULL), 0);
		assert_int_equal(store_config_version_set(st, nasty[i], nasty[i], 1), 0);
		assert_int_equal(store_commit(st), 0);
	}
	for (i = 0; i < NNASTY; i++) {
		assert_int_equal(store_remote_cluster_get(st, nasty[i], got), 0);
		assert_string_equal(got->id, nasty[i]);
		assert_int_equal(store_emcc_home_device_get(st, nasty[i], &hgot), 0);
		assert_string_equal(hgot.profile, nasty[i]);
		assert_string_equal(hgot.visiting_cluster, nasty[i]);
		assert_int_equal(store_emcc_visit_get(st, nasty[i], &vgot), 0);
		assert_string_equal(vgot.home_cluster, nasty[i]);
		assert_string_equal(vgot.home_tvs, nasty[i]);
		assert_int_equal(store_config_version_get(st, nasty[i], ver, sizeof(ver), NULL), 0);
		assert_string_equal(ver, nasty[i]);
	}
	/* nothing was dropped or doubled, and a prefix or pattern matches nothing */
	assert_int_equal(store_remote_cluster_count(st, &n), 0);
	assert_int_equal(n, (long)NNASTY);
	assert_int_equal(store_remote_cluster_get(st, "a'", got), ENOENT);
	assert_int_equal(store_remote_cluster_get(st, "%", got), ENOENT);
	assert_int_equal(store_emcc_outbox_count(st, &n), 0);
	assert_int_equal(n, (long)NNASTY);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_outbox_due(st, 5, 0, collect_ob, &c), 0);
	assert_int_equal(c.n, NNASTY);
	for (i = 0; i < NNASTY; i++)
		assert_string_equal(c.v[i], nasty[i]); /* by id: insertion order */

	/* deleting one removes exactly that one */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_outbox_delete_for(st, nasty[0], nasty[0], &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_remote_cluster_delete(st, nasty[1]), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_emcc_outbox_count(st, &n), 0);
	assert_int_equal(n, (long)NNASTY - 2);
	free(got);
}

/* ---- deleting a remote cluster -------------------------------------------------------------- */

static void test_remote_cluster_delete_cascade(void **state)
{
	struct store *st = *state;
	struct store_emcc_home_device hd;
	struct store_emcc_visit v;
	struct store_emcc_outbox o;
	struct names c;
	long n;

	insert_rc(st, "ClusterOne", FP_A);
	insert_rc(st, "ClusterTwo", FP_B);
	add_device(st, "SEPC80084AA8743");
	assert_int_equal(store_begin(st), 0);
	fill_ob(&o, "ClusterOne", "SEP1", 10);
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), 0);
	fill_ob(&o, "ClusterOne", "SEP2", 10);
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), 0);
	fill_ob(&o, "ClusterTwo", "SEP1", 10);
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), 0);
	fill_hd(&hd, "SEP1", "adgjm"); /* visiting_cluster ClusterOne */
	assert_int_equal(store_emcc_home_device_put(st, &hd), 0);
	fill_visit(&v, "SEPC80084AA8743", "bob");
	strcpy(v.home_cluster, "ClusterOne");
	assert_int_equal(store_emcc_visit_put(st, &v), 0);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_delete(st, "ClusterOne"), 0);
	assert_int_equal(store_commit(st), 0);

	/* its outbox rows went with it, the other cluster's stay */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_outbox_due(st, 100, 0, collect_ob, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(store_emcc_outbox_count(st, &n), 0);
	assert_int_equal(n, 1);
	/* live logins stay for the policy to end */
	assert_int_equal(store_emcc_home_device_get(st, "SEP1", &hd), 0);
	assert_int_equal(store_emcc_visit_get(st, "SEPC80084AA8743", &v), 0);
	/* and nothing new can be owed to it */
	assert_int_equal(store_begin(st), 0);
	fill_ob(&o, "ClusterOne", "SEP1", 10);
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), ENOENT);
	assert_int_equal(store_commit(st), 0);
}

/* ---- home devices --------------------------------------------------------------------------- */

static void test_home_devices(void **state)
{
	struct store *st = *state;
	struct store_emcc_home_device hd, got;
	struct names c;
	char name[32];
	long n = -1;
	int i;

	fill_hd(&hd, "SEPC80084AA8743", "AdGjM");
	assert_int_equal(store_emcc_home_device_put(st, &hd), EINVAL); /* no transaction */
	assert_int_equal(store_emcc_home_device_get(st, "SEPC80084AA8743", &got), ENOENT);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_home_device_put(st, &hd), 0);
	assert_int_equal(store_commit(st), 0);

	memset(&got, 0, sizeof(got));
	assert_int_equal(store_emcc_home_device_get(st, "SEPC80084AA8743", &got), 0);
	assert_string_equal(got.device, "SEPC80084AA8743");
	assert_string_equal(got.user_id, "adgjm"); /* user IDs are folded */
	assert_string_equal(got.profile, "test_emcc_udp");
	assert_string_equal(got.visiting_cluster, "ClusterOne");
	assert_string_equal(got.model, "7821");
	assert_string_equal(got.protocol, "SIP");
	assert_int_equal(got.security_mode, 1);
	assert_int_equal(got.login_time, 1700000000);
	assert_int_equal(got.login_duration, 36000);
	assert_string_equal(got.config_version, "1700000000-6a6e0b8b");
	assert_int_equal(got.created_ms, 1700000000123);
	/* device names are exact */
	assert_int_equal(store_emcc_home_device_get(st, "sepc80084aa8743", &got), ENOENT);

	/* put replaces */
	strcpy(hd.profile, "other_udp");
	hd.security_mode = 3;
	strcpy(hd.protocol, "SCCP");
	strcpy(hd.config_version, "v2");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_home_device_put(st, &hd), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_emcc_home_device_get(st, "SEPC80084AA8743", &got), 0);
	assert_string_equal(got.profile, "other_udp");
	assert_int_equal(got.security_mode, 3);
	assert_string_equal(got.protocol, "SCCP");
	assert_string_equal(got.config_version, "v2");
	assert_int_equal(store_emcc_home_device_count(st, &n), 0);
	assert_int_equal(n, 1);

	/* refusals */
	assert_int_equal(store_begin(st), 0);
	fill_hd(&hd, "SEPX", "u");
	hd.user_id[0] = '\0';
	assert_int_equal(store_emcc_home_device_put(st, &hd), EINVAL);
	fill_hd(&hd, "SEPX", "u");
	hd.visiting_cluster[0] = '\0';
	assert_int_equal(store_emcc_home_device_put(st, &hd), EINVAL);
	fill_hd(&hd, "SEPX", "u");
	strcpy(hd.protocol, "H323");
	assert_int_equal(store_emcc_home_device_put(st, &hd), EINVAL);
	fill_hd(&hd, "SEPX", "u");
	hd.security_mode = 4;
	assert_int_equal(store_emcc_home_device_put(st, &hd), EINVAL);
	fill_hd(&hd, "SEPX", "u");
	hd.login_duration = -1;
	assert_int_equal(store_emcc_home_device_put(st, &hd), EINVAL);
	fill_hd(&hd, "", "u");
	assert_int_equal(store_emcc_home_device_put(st, &hd), EINVAL);
	fill_hd(&hd, "SEPX", "u");
	memset(hd.config_version, 'v', sizeof(hd.config_version));
	assert_int_equal(store_emcc_home_device_put(st, &hd), EINVAL);
	assert_int_equal(store_emcc_home_device_put(st, NULL), EINVAL);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_emcc_home_device_get(st, "SEPX", &got), ENOENT);

	/* list, by user, paging */
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "SEP%04d", 11 - i);
		fill_hd(&hd, name, i % 3 == 0 ? "carol" : "dave");
		assert_int_equal(store_emcc_home_device_put(st, &hd), 0);
	}
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_emcc_home_device_count(st, &n), 0);
	assert_int_equal(n, 13);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_home_device_by_user(st, "CAROL", collect_hd, &c), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.v[0], "SEP0002");
	assert_string_equal(c.v[3], "SEP0011");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_home_device_by_user(st, "nobody", collect_hd, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_emcc_home_device_by_user(st, "", collect_hd, &c), EINVAL);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_home_device_list(st, NULL, 5, collect_hd, &c), 0);
	assert_int_equal(store_emcc_home_device_list(st, c.v[4], 5, collect_hd, &c), 0);
	assert_int_equal(store_emcc_home_device_list(st, c.v[9], 5, collect_hd, &c), 0);
	assert_int_equal(c.n, 13);
	assert_string_equal(c.v[0], "SEP0000");
	assert_string_equal(c.v[11], "SEP0011");
	assert_string_equal(c.v[12], "SEPC80084AA8743");

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_home_device_delete(st, "SEP0000"), 0);
	assert_int_equal(store_emcc_home_device_delete(st, "SEP0000"), ENOENT);
	assert_int_equal(store_emcc_home_device_delete(st, ""), EINVAL);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_emcc_home_device_count(st, &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(store_emcc_home_device_delete(st, "SEP0001"), EINVAL); /* no transaction */
}

/* ---- visits --------------------------------------------------------------------------------- */

static void test_visits(void **state)
{
	struct store *st = *state;
	struct store_emcc_visit v, got;
	struct names c;
	char name[32];
	int i;

	add_device(st, "SEPC80084AA8743");
	fill_visit(&v, "SEPC80084AA8743", "AdGjM");
	assert_int_equal(store_emcc_visit_put(st, &v), EINVAL); /* no transaction */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_visit_put(st, &v), 0);
	/* only our own phones have visitors */
	fill_visit(&v, "SEPUNKNOWN", "x");
	assert_int_equal(store_emcc_visit_put(st, &v), ENOENT);
	fill_visit(&v, "SEPC80084AA8743", "x");
	v.home_cluster[0] = '\0';
	assert_int_equal(store_emcc_visit_put(st, &v), EINVAL);
	fill_visit(&v, "SEPC80084AA8743", "");
	assert_int_equal(store_emcc_visit_put(st, &v), EINVAL);
	fill_visit(&v, "SEPC80084AA8743", "x");
	v.login_duration = -3;
	assert_int_equal(store_emcc_visit_put(st, &v), EINVAL);
	fill_visit(&v, "SEPC80084AA8743", "x");
	memset(v.home_tftp, 't', sizeof(v.home_tftp));
	assert_int_equal(store_emcc_visit_put(st, &v), EINVAL);
	assert_int_equal(store_commit(st), 0);

	memset(&got, 0, sizeof(got));
	assert_int_equal(store_emcc_visit_get(st, "SEPC80084AA8743", &got), 0);
	assert_string_equal(got.device, "SEPC80084AA8743");
	assert_string_equal(got.user_id, "adgjm");
	assert_string_equal(got.home_cluster, "ClusterTwo");
	assert_string_equal(got.home_tftp, "127.0.7.200:69");
	assert_string_equal(got.home_call_manager, "127.0.7.200:5060");
	assert_string_equal(got.home_tvs, "127.0.7.200:2445");
	assert_int_equal(got.login_time, 1700000000);
	assert_int_equal(got.login_duration, 36000);
	assert_string_equal(got.config_version, "1700000001-abc");
	assert_int_equal(store_emcc_visit_get(st, "SEPUNKNOWN", &got), ENOENT);
	assert_int_equal(store_emcc_visit_get(st, "", &got), EINVAL);

	/* put replaces */
	fill_visit(&v, "SEPC80084AA8743", "eve");
	strcpy(v.home_cluster, "ClusterThree");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_visit_put(st, &v), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_emcc_visit_get(st, "SEPC80084AA8743", &got), 0);
	assert_string_equal(got.user_id, "eve");
	assert_string_equal(got.home_cluster, "ClusterThree");

	/* paging */
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "SEPA%d", 6 - i);
		add_device(st, name);
		fill_visit(&v, name, "u");
		assert_int_equal(store_begin(st), 0);
		assert_int_equal(store_emcc_visit_put(st, &v), 0);
		assert_int_equal(store_commit(st), 0);
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_visit_list(st, "", 3, collect_visit, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(store_emcc_visit_list(st, c.v[2], 3, collect_visit, &c), 0);
	assert_int_equal(store_emcc_visit_list(st, c.v[5], 3, collect_visit, &c), 0);
	assert_int_equal(c.n, 8);
	assert_string_equal(c.v[0], "SEPA0");
	assert_string_equal(c.v[6], "SEPA6");
	assert_string_equal(c.v[7], "SEPC80084AA8743");

	/* deleting the visit, and deleting the device (which ends its visit) */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_visit_delete(st, "SEPA0"), 0);
	assert_int_equal(store_emcc_visit_delete(st, "SEPA0"), ENOENT);
	assert_int_equal(store_device_delete(st, "SEPA1"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_emcc_visit_get(st, "SEPA1", &got), ENOENT);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_visit_list(st, NULL, 0, collect_visit, &c), 0);
	assert_int_equal(c.n, 6);
}

/* ---- outbox --------------------------------------------------------------------------------- */

static void test_outbox(void **state)
{
	struct store *st = *state;
	struct store_emcc_outbox o;
	struct names c;
	int64_t id1 = 0, id2 = 0, id3 = 0, id4 = 0;
	long n = -1;

	insert_rc(st, "ClusterOne", FP_A);
	insert_rc(st, "ClusterTwo", FP_B);

	fill_ob(&o, "ClusterTwo", "SEP1", 300);
	assert_int_equal(store_emcc_outbox_add(st, &o, &id1), EINVAL); /* no transaction */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_outbox_add(st, &o, &id1), 0);
	fill_ob(&o, "ClusterTwo", "SEP2", 100);
	strcpy(o.kind, "visitingLogout");
	strcpy(o.user_id, "BoB");
	o.id = 999; /* ignored */
	assert_int_equal(store_emcc_outbox_add(st, &o, &id2), 0);
	fill_ob(&o, "ClusterOne", "SEP1", 200);
	assert_int_equal(store_emcc_outbox_add(st, &o, &id3), 0);
	fill_ob(&o, "ClusterTwo", "SEP1", 400);
	o.user_id[0] = '\0'; /* allowed */
	assert_int_equal(store_emcc_outbox_add(st, &o, &id4), 0);
	/* refusals */
	fill_ob(&o, "ClusterTwo", "SEP1", 1);
	strcpy(o.kind, "logout");
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), EINVAL);
	fill_ob(&o, "Unknown", "SEP1", 1);
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), ENOENT);
	fill_ob(&o, "ClusterTwo", "", 1);
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), EINVAL);
	fill_ob(&o, "", "SEP1", 1);
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), EINVAL);
	fill_ob(&o, "ClusterTwo", "SEP1", 1);
	o.attempts = -1;
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), EINVAL);
	assert_int_equal(store_emcc_outbox_add(st, NULL, NULL), EINVAL);
	assert_int_equal(store_commit(st), 0);
	assert_true(id1 > 0 && id2 > id1 && id3 > id2 && id4 > id3);
	assert_int_equal(store_emcc_outbox_count(st, &n), 0);
	assert_int_equal(n, 4);

	/* due: next_attempt_ms <= now, by id, limited */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_outbox_due(st, 99, 0, collect_ob, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_emcc_outbox_due(st, 200, 0, collect_ob, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], id2); /* older first, whatever the due times */
	assert_int_equal(c.ids[1], id3);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_outbox_due(st, INT64_MAX, 3, collect_ob, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[0], id1);
	assert_int_equal(c.ids[2], id3);

	/* a failed send: attempts + 1, retried later */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_outbox_attempted(st, id2, 5000), 0);
	assert_int_equal(store_emcc_outbox_attempted(st, id2, 6000), 0);
	assert_int_equal(store_emcc_outbox_attempted(st, 123456, 6000), ENOENT);
	assert_int_equal(store_commit(st), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_outbox_due(st, 5999, 0, collect_ob, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ids[1], id3); /* id2 is not due before 6000 */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_emcc_outbox_due(st, 6000, 0, collect_ob, &c), 0);
	assert_int_equal(c.n, 4);

	/* acknowledged: deleted by id */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_outbox_delete(st, id3), 0);
	assert_int_equal(store_emcc_outbox_delete(st, id3), ENOENT);
	/* superseded by a newer login on (ClusterTwo, SEP1): both rows go, SEP2's stays */
	assert_int_equal(store_emcc_outbox_delete_for(st, "ClusterTwo", "SEP1", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_emcc_outbox_delete_for(st, "ClusterTwo", "SEP1", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_emcc_outbox_delete_for(st, "ClusterTwo", "SEP1", NULL), 0);
	assert_int_equal(store_emcc_outbox_delete_for(st, "", "SEP1", NULL), EINVAL);
	assert_int_equal(store_emcc_outbox_delete_for(st, "ClusterTwo", "", NULL), EINVAL);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_emcc_outbox_delete(st, id2), EINVAL); /* no transaction */
	assert_int_equal(store_emcc_outbox_attempted(st, id2, 1), EINVAL);
	assert_int_equal(store_emcc_outbox_delete_for(st, "ClusterTwo", "SEP2", NULL), EINVAL);
	assert_int_equal(store_emcc_outbox_count(st, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_emcc_outbox_due(st, 0, 0, NULL, NULL), EINVAL);

	/* ids keep growing after deletes (AUTOINCREMENT): an old id never names a new row */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_outbox_delete(st, id2), 0);
	fill_ob(&o, "ClusterTwo", "SEP9", 0);
	assert_int_equal(store_emcc_outbox_add(st, &o, &id1), 0);
	assert_int_equal(store_commit(st), 0);
	assert_true(id1 > id4);
}

struct ob_one {
	int n;
	struct store_emcc_outbox o;
};

static int grab_ob(void *arg, const struct store_emcc_outbox *o)
{
	struct ob_one *g = arg;

	g->o = *o;
	g->n++;
	return 0;
}

static void test_outbox_fields(void **state)
{
	struct store *st = *state;
	struct store_emcc_outbox o;
	struct ob_one g;
	int64_t id = 0;

	insert_rc(st, "ClusterTwo", FP_B);
	fill_ob(&o, "ClusterTwo", "SEPC80084AA8743", 77);
	strcpy(o.user_id, "AdGjM");
	o.attempts = 2;
	o.created_ms = 1700000000999;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_outbox_add(st, &o, &id), 0);
	assert_int_equal(store_commit(st), 0);

	memset(&g, 0, sizeof(g));
	assert_int_equal(store_emcc_outbox_due(st, 77, 0, grab_ob, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.o.id, id);
	assert_string_equal(g.o.cluster, "ClusterTwo");
	assert_string_equal(g.o.kind, "homeLogout");
	assert_string_equal(g.o.device, "SEPC80084AA8743");
	assert_string_equal(g.o.user_id, "adgjm");
	assert_string_equal(g.o.reason, "maximum login time");
	assert_int_equal(g.o.attempts, 2);
	assert_int_equal(g.o.next_attempt_ms, 77);
	assert_int_equal(g.o.created_ms, 1700000000999);

	/* attempts saturate instead of overflowing */
	fill_ob(&o, "ClusterTwo", "SEPMAX", 0);
	o.attempts = 2147483647;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_outbox_add(st, &o, &id), 0);
	assert_int_equal(store_emcc_outbox_attempted(st, id, -1), 0);
	assert_int_equal(store_commit(st), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_emcc_outbox_due(st, -1, 0, grab_ob, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.o.attempts, 2147483647);
}

/* ---- config versions ------------------------------------------------------------------------ */

static void test_config_versions(void **state)
{
	struct store *st = *state;
	char v[LIM_ID_MAX], small[4];
	int64_t at = 0;

	assert_int_equal(store_config_version_get(st, "SEP1", v, sizeof(v), &at), ENOENT);
	assert_int_equal(store_config_version_set(st, "SEP1", "1-a", 10), EINVAL); /* no tx */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_config_version_set(st, "SEP1", "1700000000-6a6e0b8b", 10), 0);
	assert_int_equal(store_config_version_set(st, "SEP1", "", 10), EINVAL);
	assert_int_equal(store_config_version_set(st, "", "x", 10), EINVAL);
	assert_int_equal(store_config_version_set(st, "SEP1", NULL, 10), EINVAL);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_config_version_get(st, "SEP1", v, sizeof(v), &at), 0);
	assert_string_equal(v, "1700000000-6a6e0b8b");
	assert_int_equal(at, 10);
	assert_int_equal(store_config_version_get(st, "SEP1", v, sizeof(v), NULL), 0);
	assert_int_equal(store_config_version_get(st, "SEP1", small, sizeof(small), NULL), EINVAL);
	assert_int_equal(store_config_version_get(st, "SEP1", v, 0, NULL), EINVAL);
	assert_int_equal(store_config_version_get(st, "", v, sizeof(v), NULL), EINVAL);

	/* set replaces; a device's version outlives the device row */
	add_device(st, "SEP1");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_config_version_set(st, "SEP1", "1700000100-77", 20), 0);
	assert_int_equal(store_device_delete(st, "SEP1"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_config_version_get(st, "SEP1", v, sizeof(v), &at), 0);
	assert_string_equal(v, "1700000100-77");
	assert_int_equal(at, 20);
}

/* ---- transactions --------------------------------------------------------------------------- */

static void test_rollback(void **state)
{
	struct store *st = *state;
	struct store_remote_cluster *rc = new_rc("ClusterTwo", FP_A);
	struct store_emcc_home_device hd;
	struct store_emcc_outbox o;
	char v[LIM_ID_MAX];
	long n = -1;

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_insert(st, rc), 0);
	fill_hd(&hd, "SEP1", "u");
	assert_int_equal(store_emcc_home_device_put(st, &hd), 0);
	fill_ob(&o, "ClusterTwo", "SEP1", 0);
	assert_int_equal(store_emcc_outbox_add(st, &o, NULL), 0);
	assert_int_equal(store_config_version_set(st, "SEP1", "x", 1), 0);
	store_rollback(st);

	assert_int_equal(store_remote_cluster_get(st, "ClusterTwo", rc), ENOENT);
	assert_int_equal(store_emcc_home_device_get(st, "SEP1", &hd), ENOENT);
	assert_int_equal(store_emcc_outbox_count(st, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_config_version_get(st, "SEP1", v, sizeof(v), NULL), ENOENT);
	free(rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_remote_cluster_crud, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_cluster_invalid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_cluster_fingerprint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_cluster_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_cluster_reentrant, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metacharacters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_cluster_delete_cascade, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_home_devices, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_visits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_versions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
