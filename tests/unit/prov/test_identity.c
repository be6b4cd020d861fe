/* test_identity.c -- the cluster's signing identities: made on first start with keys 0600,
 * reloaded and not regenerated, refused rather than replaced when damaged; the cluster's ITL and
 * .sgn files made with them; rotations a phone holding the old ITL follows (TFTP, TVS, and the
 * ITLRecovery key in two steps). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../core/testutil.h"
#include "core/buf.h"
#include "core/tls.h"
#include "prov/identity.h"
#include "prov/itl.h"
#include "prov/sgn.h"
#include "prov/tlv.h"

#define TS 1552156360u
#define CNF "SEPC80084AA8743.cnf.xml"
#define CNF_SGN CNF ".sgn"

static const char *const FILES[] = {"itlrecovery.key", "itlrecovery.crt", "tftp.key",
				    "tftp.crt",	       "tvs.key",	  "tvs.crt"};

/* One set of identities made for the whole run, copied into each test's directory: making
 * RSA keys is what takes the time. */
static char TEMPLATE[64];

static void copy_file(const char *from, const char *to, mode_t mode)
{
	size_t n;
	char *s = tu_slurp(from, &n);
	FILE *f = fopen(to, "w");
	if (!s || !f || fwrite(s, 1, n, f) != n || fclose(f) != 0 || chmod(to, mode) != 0)
		abort();
	free(s);
}

static int setup_empty(void **state)
{
	char *dir = strdup("/tmp/emcc-identity-XXXXXX");
	if (!dir || !mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

/* A directory holding the template's identities, as a node that started before. */
static int setup(void **state)
{
	char from[512], to[512];

	if (setup_empty(state))
		return -1;
	for (size_t i = 0; i < 6; i++) {
		snprintf(from, sizeof(from), "%s/%s", TEMPLATE, FILES[i]);
		snprintf(to, sizeof(to), "%s/%s", (char *)*state, FILES[i]);
		copy_file(from, to, i % 2 == 0 ? 0600 : 0644);
	}
	return 0;
}

static int group_setup(void **state)
{
	struct identities *ids = NULL;
	char err[256];

	(void)state;
	snprintf(TEMPLATE, sizeof(TEMPLATE), "/tmp/emcc-identity-t-XXXXXX");
	if (!mkdtemp(TEMPLATE) ||
	    identity_load(&ids, TEMPLATE, "ClusterTwo", "127.0.7.200", err, sizeof(err)) != 0)
		return -1;
	identity_free(ids);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rm_rf(TEMPLATE);
	return 0;
}

static int teardown(void **state)
{
	tu_rm_rf(*state);
	free(*state);
	return 0;
}

static void path(char *out, size_t len, const char *dir, const char *file)
{
	snprintf(out, len, "%s/%s", dir, file);
}

static int exists(const char *dir, const char *file)
{
	char p[512];
	struct stat st;
	path(p, sizeof(p), dir, file);
	return stat(p, &st) == 0;
}

static struct identities *load(const char *dir)
{
	struct identities *ids = NULL;
	char err[512] = "";
	int rc = identity_load(&ids, dir, "ClusterTwo", "127.0.7.200", err, sizeof(err));
	if (rc)
		fprintf(stderr, "identity_load: %s\n", err);
	assert_int_equal(rc, 0);
	return ids;
}

static int load_rc(const char *dir, char *err, size_t errlen)
{
	struct identities *ids = NULL;
	int rc = identity_load(&ids, dir, "ClusterTwo", NULL, err, errlen);
	if (rc == 0)
		identity_free(ids);
	else
		assert_null(ids);
	return rc;
}

static void test_first_start(void **state)
{
	const char *dir = *state;
	struct identities *ids = load(dir);
	char p[512], name[256];
	struct stat st;

	for (size_t i = 0; i < 6; i++) {
		path(p, sizeof(p), dir, FILES[i]);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, i % 2 == 0 ? 0600 : 0644);
	}
	assert_false(exists(dir, "itlrecovery-prev.key"));
	assert_false(exists(dir, "itlrecovery.key.tmp"));
	for (int r = 0; r < IDENTITY_NROLES; r++) {
		EVP_PKEY *k = ids->id[r].key;
		assert_int_equal(EVP_PKEY_get_base_id(k), EVP_PKEY_RSA);
		assert_int_equal(EVP_PKEY_get_bits(k), 2048);
		assert_int_equal(X509_check_private_key(ids->id[r].cert, k), 1);
		/* tls.c builds the DN CN, OU, O: RFC 4514 shows it from the last RDN. */
		assert_int_equal(
		    tlv_name(X509_get_subject_name(ids->id[r].cert), name, sizeof(name)), 0);
		assert_non_null(
		    strstr(name, r == 0 ? "CN=ITLRECOVERY_ClusterTwo" : "CN=ClusterTwo"));
		assert_non_null(strstr(name, r == 0   ? "OU=ITLRecovery"
					     : r == 1 ? "OU=TFTP"
						      : "OU=TVS"));
	}
	assert_int_equal(identity_itl_role(IDENTITY_ITLRECOVERY), ITL_ROLE_SAST);
	assert_int_equal(identity_itl_role(IDENTITY_TFTP), ITL_ROLE_CCM_TFTP);
	assert_int_equal(identity_itl_role(IDENTITY_TVS), ITL_ROLE_TVS);
	assert_string_equal(identity_role_name(IDENTITY_TVS), "tvs");
	assert_int_equal(identity_path(ids, IDENTITY_TVS, 1, 0, p, sizeof(p)), 0);
	assert_non_null(strstr(p, "/tvs.key"));
	assert_int_equal(ids->digest, TLV_DIGEST_SHA1);
	identity_free(ids);
}

static void test_reload_not_regenerated(void **state)
{
	const char *dir = *state;
	struct identities *a = load(dir), *b;
	char *before[6], *after[6], p[512];

	for (size_t i = 0; i < 6; i++) {
		path(p, sizeof(p), dir, FILES[i]);
		before[i] = tu_slurp(p, NULL);
		assert_non_null(before[i]);
	}
	b = load(dir);
	for (int r = 0; r < IDENTITY_NROLES; r++) {
		assert_int_equal(X509_cmp(a->id[r].cert, b->id[r].cert), 0);
		assert_int_equal(EVP_PKEY_eq(a->id[r].key, b->id[r].key), 1);
	}
	for (size_t i = 0; i < 6; i++) {
		path(p, sizeof(p), dir, FILES[i]);
		after[i] = tu_slurp(p, NULL);
		assert_string_equal(before[i], after[i]);
		free(before[i]);
		free(after[i]);
	}
	identity_free(a);
	identity_free(b);
}

/* A damaged identity is refused with a reason, and nothing is replaced. */
static void test_refusals(void **state)
{
	const char *dir = *state;
	char p[512], q[512], err[512];
	char *key;

	identity_free(load(dir));
	path(p, sizeof(p), dir, "tftp.key");
	key = tu_slurp(p, NULL);

	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(load_rc(dir, err, sizeof(err)), EACCES);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(p, 0600), 0);

	path(q, sizeof(q), dir, "tftp.crt");
	char moved[512];
	path(moved, sizeof(moved), dir, "tftp.crt.away");
	assert_int_equal(rename(q, moved), 0);
	assert_int_equal(load_rc(dir, err, sizeof(err)), ENOENT);
	assert_non_null(strstr(err, "is missing while"));
	char *still = tu_slurp(p, NULL);
	assert_string_equal(still, key); /* the key was not replaced */
	free(still);
	assert_false(exists(dir, "tftp.crt"));
	assert_int_equal(rename(moved, q), 0);

	/* Another identity's key under this certificate. */
	char tvs[512];
	path(tvs, sizeof(tvs), dir, "tvs.key");
	char *tvskey = tu_slurp(tvs, NULL);
	FILE *f = fopen(p, "w");
	fputs(tvskey, f);
	fclose(f);
	assert_int_equal(load_rc(dir, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "does not match"));

	/* An EC identity (as the HTTPS one) cannot sign ITLs or .sgn files. */
	assert_int_equal(
	    tls_generate_self_signed(q, p, "ClusterTwo", "127.0.7.200", err, sizeof(err)), 0);
	assert_int_equal(load_rc(dir, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "not an RSA key"));

	/* Garbage in a certificate. */
	f = fopen(p, "w");
	fputs(key, f);
	fclose(f);
	f = fopen(q, "w");
	fputs("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", f);
	fclose(f);
	assert_int_equal(load_rc(dir, err, sizeof(err)), EINVAL);
	free(tvskey);
	free(key);

	/* Arguments. */
	struct identities *ids = NULL;
	assert_int_equal(identity_load(&ids, dir, "", NULL, err, sizeof(err)), EINVAL);
	assert_int_equal(identity_load(&ids, "", "x", NULL, err, sizeof(err)), EINVAL);
	assert_int_not_equal(identity_load(&ids, "/nonexistent/emcc", "x", NULL, err, sizeof(err)),
			     0);
	assert_null(ids);
}

/* Another node's identities, for its TVS certificate; and an EC HTTPS certificate. */
struct extra {
	char dir[64];
	struct identities *ids;
	X509 *https;
};

static void extra_make(struct extra *x)
{
	char c[128], k[128], err[256];

	snprintf(x->dir, sizeof(x->dir), "/tmp/emcc-identity2-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	assert_int_equal(identity_load(&x->ids, x->dir, "node2", NULL, err, sizeof(err)), 0);
	snprintf(c, sizeof(c), "%s/https.crt", x->dir);
	snprintf(k, sizeof(k), "%s/https.key", x->dir);
	assert_int_equal(
	    tls_generate_self_signed(c, k, "ClusterTwo", "127.0.7.200", err, sizeof(err)), 0);
	assert_int_equal(identity_read_cert(c, &x->https, err, sizeof(err)), 0);
}

static void extra_free(struct extra *x)
{
	identity_free(x->ids);
	X509_free(x->https);
	tu_rm_rf(x->dir);
}

static struct itl *itl_of(const struct identities *ids, const struct extra *x)
{
	X509 *more[1] = {x ? x->ids->id[IDENTITY_TVS].cert : NULL};
	struct itl *itl = NULL;
	struct buf b;
	char err[256];

	buf_init(&b);
	assert_int_equal(
	    identity_itl(ids, x ? x->https : NULL, more, x ? 1 : 0, TS, &b, err, sizeof(err)), 0);
	assert_int_equal(itl_parse(b.data, b.len, &itl), 0);
	buf_free(&b);
	return itl;
}

static void sgn_of(const struct identities *ids, struct buf *b)
{
	char err[256];

	buf_init(b);
	assert_int_equal(identity_sgn(ids, CNF, "<device/>", 9, TS, b, err, sizeof(err)), 0);
}

static void test_cluster_itl(void **state)
{
	struct identities *ids = load(*state);
	struct extra x;
	struct itl *itl;
	struct buf s;
	struct sgn parsed;
	char why[512];

	extra_make(&x);
	itl = itl_of(ids, &x);
	assert_string_equal(itl->hdr.filename, IDENTITY_ITL_NAME);
	assert_int_equal(itl->hdr.version[1], 2);
	assert_int_equal(itl->nrecs, 5);
	const struct {
		X509 *cert;
		uint16_t role;
	} want[] = {
	    {ids->id[IDENTITY_ITLRECOVERY].cert, ITL_ROLE_SAST},
	    {ids->id[IDENTITY_TFTP].cert, ITL_ROLE_CCM_TFTP},
	    {ids->id[IDENTITY_TVS].cert, ITL_ROLE_TVS},
	    {x.ids->id[IDENTITY_TVS].cert, ITL_ROLE_TVS},
	    {x.https, ITL_ROLE_HTTPS},
	};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(itl->recs[i].role, want[i].role);
		assert_int_equal(X509_cmp(itl->recs[i].cert, want[i].cert), 0);
	}
	assert_ptr_equal(itl_signer(itl), &itl->recs[0]);
	assert_int_equal(itl->recs[4].public_key.len, 65); /* the EC P-256 point */
	assert_int_equal(itl_verify_self(itl, why, sizeof(why)), 0);

	sgn_of(ids, &s);
	assert_int_equal(sgn_verify(s.data, s.len, itl, CNF_SGN, &parsed, why, sizeof(why)), 0);
	assert_string_equal(parsed.hdr.filename, CNF_SGN);
	assert_int_equal(parsed.body_len, 9);
	buf_free(&s);

	/* SHA-512, when the cluster is told so. */
	ids->digest = TLV_DIGEST_SHA512;
	sgn_of(ids, &s);
	assert_int_equal(sgn_verify(s.data, s.len, itl, CNF_SGN, &parsed, why, sizeof(why)), 0);
	assert_int_equal(parsed.hdr.digest, TLV_DIGEST_SHA512);
	buf_free(&s);
	struct itl *itl512 = itl_of(ids, NULL);
	assert_int_equal(itl512->hdr.digest, TLV_DIGEST_SHA512);
	assert_int_equal(itl512->nrecs, 3); /* SAST, TFTP, TVS */
	itl_free(itl512);

	/* Names that do not fit. */
	char err[256], big[TLV_NAME_MAX];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&s);
	assert_int_equal(identity_sgn(ids, big, "x", 1, TS, &s, err, sizeof(err)), EINVAL);
	assert_int_equal(identity_sgn(ids, "", "x", 1, TS, &s, err, sizeof(err)), EINVAL);
	buf_free(&s);
	itl_free(itl);
	extra_free(&x);
	identity_free(ids);
}

/* A phone holding the ITL before a rotation of `role` takes the one after. */
static void test_rotate_tftp_tvs(void **state)
{
	const char *dir = *state;
	struct identities *ids = load(dir), *again;
	struct itl *held = NULL, *next;
	struct buf old_sgn, new_sgn, b;
	char why[512], err[256];

	held = itl_of(ids, NULL);
	sgn_of(ids, &old_sgn);
	X509 *old_tftp = X509_dup(ids->id[IDENTITY_TFTP].cert);

	assert_int_equal(identity_rotate(ids, IDENTITY_TFTP, err, sizeof(err)), 0);
	assert_int_not_equal(X509_cmp(old_tftp, ids->id[IDENTITY_TFTP].cert), 0);
	buf_init(&b);
	assert_int_equal(identity_itl(ids, NULL, NULL, 0, TS + 1, &b, err, sizeof(err)), 0);
	assert_int_equal(itl_accept(&held, b.data, b.len, why, sizeof(why)), 0);
	buf_free(&b);
	/* The old signer is gone from the ITL: its files are refused; the new one's taken. */
	assert_int_equal(
	    sgn_verify(old_sgn.data, old_sgn.len, held, CNF_SGN, NULL, why, sizeof(why)), ENOKEY);
	sgn_of(ids, &new_sgn);
	assert_int_equal(
	    sgn_verify(new_sgn.data, new_sgn.len, held, CNF_SGN, NULL, why, sizeof(why)), 0);

	/* TVS too: the ITL lists the new certificate and phones take it. */
	X509 *old_tvs = X509_dup(ids->id[IDENTITY_TVS].cert);
	assert_int_equal(identity_rotate(ids, IDENTITY_TVS, err, sizeof(err)), 0);
	next = itl_of(ids, NULL);
	assert_int_equal(itl_verify_update(held, next, why, sizeof(why)), 0);
	assert_int_equal(X509_cmp(next->recs[2].cert, ids->id[IDENTITY_TVS].cert), 0);
	assert_int_not_equal(X509_cmp(next->recs[2].cert, old_tvs), 0);
	itl_free(next);

	/* What is on disk is the rotated identities. */
	again = load(dir);
	assert_int_equal(X509_cmp(again->id[IDENTITY_TFTP].cert, ids->id[IDENTITY_TFTP].cert), 0);
	assert_int_equal(X509_cmp(again->id[IDENTITY_TVS].cert, ids->id[IDENTITY_TVS].cert), 0);
	assert_false(exists(dir, "itlrecovery-prev.crt"));
	assert_int_equal(identity_rotate(ids, (enum identity_role)7, err, sizeof(err)), EINVAL);

	identity_free(again);
	X509_free(old_tftp);
	X509_free(old_tvs);
	buf_free(&old_sgn);
	buf_free(&new_sgn);
	itl_free(held);
	identity_free(ids);
}

static void test_rotate_itlrecovery(void **state)
{
	const char *dir = *state;
	struct identities *ids = load(dir), *again;
	struct itl *phone_a = NULL, *phone_b = NULL, *phone_c = NULL, *t;
	struct buf b1, b2;
	char why[512], err[256];
	char p[512];
	struct stat st;

	phone_a = itl_of(ids, NULL);
	phone_c = itl_of(ids, NULL);
	X509 *old = X509_dup(ids->id[IDENTITY_ITLRECOVERY].cert);

	/* Step 1: a new key; the ITL is signed by the old one and lists both. */
	assert_int_equal(identity_rotate(ids, IDENTITY_ITLRECOVERY, err, sizeof(err)), 0);
	path(p, sizeof(p), dir, "itlrecovery-prev.key");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(X509_cmp(ids->prev_sast.cert, old), 0);
	buf_init(&b1);
	assert_int_equal(identity_itl(ids, NULL, NULL, 0, TS + 1, &b1, err, sizeof(err)), 0);
	assert_int_equal(itl_parse(b1.data, b1.len, &t), 0);
	assert_int_equal(X509_cmp(itl_signer(t)->cert, old), 0);
	assert_int_equal(t->recs[0].role, ITL_ROLE_SAST);
	assert_int_equal(t->recs[1].role, ITL_ROLE_SAST);
	assert_int_equal(X509_cmp(t->recs[1].cert, ids->id[IDENTITY_ITLRECOVERY].cert), 0);
	itl_free(t);
	assert_int_equal(itl_accept(&phone_a, b1.data, b1.len, why, sizeof(why)), 0);
	assert_int_equal(itl_accept(&phone_b, b1.data, b1.len, why, sizeof(why)), 0); /* new */

	/* One rotation at a time. */
	assert_int_equal(identity_rotate(ids, IDENTITY_ITLRECOVERY, err, sizeof(err)), EBUSY);

	/* A restart in between keeps the rotation under way. */
	again = load(dir);
	assert_non_null(again->prev_sast.key);
	assert_int_equal(X509_cmp(again->prev_sast.cert, old), 0);
	identity_free(again);

	/* Step 2: the old key retired; the ITL is signed by the new one. A phone that took the
	 * ITL of step 1 follows; one that missed it cannot. */
	assert_int_equal(identity_retire_previous(ids, err, sizeof(err)), 0);
	assert_false(exists(dir, "itlrecovery-prev.key"));
	assert_false(exists(dir, "itlrecovery-prev.crt"));
	assert_null(ids->prev_sast.key);
	buf_init(&b2);
	assert_int_equal(identity_itl(ids, NULL, NULL, 0, TS + 2, &b2, err, sizeof(err)), 0);
	assert_int_equal(itl_parse(b2.data, b2.len, &t), 0);
	assert_int_equal(X509_cmp(itl_signer(t)->cert, ids->id[IDENTITY_ITLRECOVERY].cert), 0);
	assert_int_equal(t->nrecs, 3);
	itl_free(t);
	assert_int_equal(itl_accept(&phone_a, b2.data, b2.len, why, sizeof(why)), 0);
	assert_int_equal(itl_accept(&phone_b, b2.data, b2.len, why, sizeof(why)), 0);
	assert_int_equal(itl_accept(&phone_c, b2.data, b2.len, why, sizeof(why)), ENOKEY);
	assert_non_null(strstr(why, "is not a SAST of the ITL held"));
	assert_int_equal(identity_retire_previous(ids, err, sizeof(err)), 0); /* none: fine */

	X509_free(old);
	buf_free(&b1);
	buf_free(&b2);
	itl_free(phone_a);
	itl_free(phone_b);
	itl_free(phone_c);
	identity_free(ids);
}

/* A crash after the old ITLRecovery was copied to -prev, before the new one was in place: the
 * same identity twice, so no rotation is under way. */
static void test_crash_mid_rotation(void **state)
{
	const char *dir = *state;
	struct identities *ids;
	char from[512], to[512];

	identity_free(load(dir));
	for (int k = 0; k < 2; k++) {
		path(from, sizeof(from), dir, k ? "itlrecovery.key" : "itlrecovery.crt");
		path(to, sizeof(to), dir, k ? "itlrecovery-prev.key" : "itlrecovery-prev.crt");
		char *s = tu_slurp(from, NULL);
		FILE *f = fopen(to, "w");
		fputs(s, f);
		fclose(f);
		chmod(to, 0600);
		free(s);
	}
	ids = load(dir);
	assert_null(ids->prev_sast.key);
	assert_false(exists(dir, "itlrecovery-prev.key"));
	identity_free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_first_start, setup_empty, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_not_regenerated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cluster_itl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rotate_tftp_tvs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rotate_itlrecovery, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_mid_rotation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
