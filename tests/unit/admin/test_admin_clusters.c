/* test_admin_clusters.c -- trust and cluster commands: argument checks and bundle import rules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "admin/admin.h"
#include "core/buf.h"
#include "core/tls.h"
#include "em/em.h"
#include "em/params.h"
#include "emcc/trust.h"
#include "store/store.h"

struct fixture {
	struct store *st;
	struct em_params params;
	struct em_ctx em;
	struct admin_ctx admin;
	char dir[64];
	char our_cert[128], two_cert[128], three_cert[128];
	char *two_bundle;   /* ClusterTwo, its own certificate */
	char *three_bundle; /* ClusterThree, but ClusterTwo's certificate */
	char two_hex[TRUST_FP_HEX_SIZE], two_colon[TRUST_FP_COLON_SIZE];
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *b = calloc(1, 65536);
	assert_non_null(b);
	assert_true(fread(b, 1, 65535, f) > 0);
	fclose(f);
	return b;
}

static char *bundle_for(const char *cluster, const char *address, const char *pem)
{
	struct buf b;
	char err[256];
	buf_init(&b);
	assert_int_equal(
	    trust_bundle_write(&b, cluster, address, pem, 1700000000, err, sizeof(err)), 0);
	char *s = strdup(b.data);
	buf_free(&b);
	return s;
}

static void make_cert(struct fixture *f, char *cert, const char *name, const char *host)
{
	char key[160], err[256];
	snprintf(cert, 128, "%s/%s.crt", f->dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", f->dir, name);
	assert_int_equal(tls_generate_self_signed(cert, key, name, host, err, sizeof(err)), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/emcc-clusters-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(&f->st, ":memory:"), 0);
	em_params_defaults(&f->params);
	f->em.st = f->st;
	f->em.params = &f->params;
	f->em.now_ms = 1700000000000LL;
	f->em.source = "test";
	f->em.remote_ip = "";
	f->admin.em = &f->em;
	f->admin.cluster_id = "ClusterOne";
	make_cert(f, f->our_cert, "one", "127.0.7.100");
	make_cert(f, f->two_cert, "two", "127.0.7.200");
	f->admin.tls_cert_path = f->our_cert;
	f->admin.https_address = "127.0.7.100:8443";
	char *pem = slurp(f->two_cert);
	assert_int_equal(trust_cert_fingerprint(pem, f->two_hex, f->two_colon), 0);
	f->two_bundle = bundle_for("ClusterTwo", "127.0.7.200:8443", pem);
	f->three_bundle = bundle_for("ClusterThree", "127.0.7.201:8443", pem);
	free(pem);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];
	store_close(f->st);
	free(f->two_bundle);
	free(f->three_bundle);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Runs cmd with args; fails the test unless the status is want. Returns the answer. */
static json_t *run(struct fixture *f, int want, const char *cmd, json_t *args)
{
	json_t *out = NULL;
	int got = admin_dispatch(&f->admin, cmd, args, &out);
	json_decref(args);
	if (got != want) {
		char *s = json_dumps(out, 0);
		fail_msg("%s: expected %d, got %d: %s", cmd, want, got, s);
	}
	return out;
}

static void expect_error(struct fixture *f, int want, const char *cmd, json_t *args,
			 const char *needle)
{
	json_t *out = run(f, want, cmd, args);
	const char *e = json_string_value(json_object_get(out, "error"));
	assert_non_null(e);
	if (needle && !strstr(e, needle))
		fail_msg("error '%s' does not contain '%s'", e, needle);
	json_decref(out);
}

static json_t *add_args(struct fixture *f, const char *id, const char *bundle)
{
	(void)f;
	return json_pack("{s:s, s:s, s:s}", "id", id, "address", "127.0.7.200", "bundle", bundle);
}

static void test_add_list_show_del(void **state)
{
	struct fixture *f = *state;
	json_t *out = run(f, 200, "cluster/add", add_args(f, "ClusterTwo", f->two_bundle));
	assert_string_equal(json_string_value(json_object_get(out, "address")), "127.0.7.200:8443");
	assert_string_equal(json_string_value(json_object_get(out, "sha256")), f->two_hex);
	assert_string_equal(json_string_value(json_object_get(out, "services")), "emcc");
	assert_int_equal(json_array_size(json_object_get(out, "warnings")), 0);
	json_decref(out);

	out = run(f, 200, "cluster/list", NULL);
	json_t *row = json_array_get(json_object_get(out, "clusters"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "id")), "ClusterTwo");
	assert_string_equal(json_string_value(json_object_get(row, "status")), "unknown");
	assert_int_equal(strlen(json_string_value(json_object_get(row, "fingerprint"))), 16);
	json_decref(out);

	out = run(f, 200, "cluster/set",
		  json_pack("{s:s, s:s, s:b, s:b}", "id", "ClusterTwo", "address", "[::1]:9443",
			    "emcc", 0, "tftp", 1));
	assert_string_equal(json_string_value(json_object_get(out, "address")), "[::1]:9443");
	assert_string_equal(json_string_value(json_object_get(out, "services")), "tftp");
	json_decref(out);
	out = run(f, 200, "cluster/show", json_pack("{s:s}", "id", "ClusterTwo"));
	assert_string_equal(json_string_value(json_object_get(out, "fingerprint")), f->two_colon);
	json_decref(out);

	json_decref(run(f, 200, "cluster/del", json_pack("{s:s}", "id", "ClusterTwo")));
	expect_error(f, 404, "cluster/del", json_pack("{s:s}", "id", "ClusterTwo"), "no remote");
	expect_error(f, 404, "cluster/show", json_pack("{s:s}", "id", "ClusterTwo"), "no remote");
}

static void test_import_refusals(void **state)
{
	struct fixture *f = *state;
	expect_error(f, 400, "cluster/add", add_args(f, "Other", f->two_bundle),
		     "for cluster 'ClusterTwo', not 'Other'");
	expect_error(f, 400, "cluster/add", add_args(f, "ClusterTwo", "garbage\n"),
		     "not a trust bundle");
	expect_error(f, 400, "cluster/add", add_args(f, "ClusterOne", f->two_bundle), "own id");
	expect_error(f, 400, "cluster/add", add_args(f, "clusterone", f->two_bundle), "own id");
	/* SQL and shell metacharacters never reach the store: the Cluster ID rule refuses them. */
	expect_error(f, 400, "cluster/add",
		     add_args(f, "x'; DROP TABLE remote_clusters;--", f->two_bundle),
		     "may only hold");
	expect_error(f, 400, "cluster/add", add_args(f, "", f->two_bundle), "1 to 50");
	json_t *a = add_args(f, "ClusterTwo", f->two_bundle);
	json_object_set_new(a, "tftp", json_true());
	expect_error(f, 400, "cluster/add", a, "TFTP");
	a = add_args(f, "ClusterTwo", f->two_bundle);
	json_object_set_new(a, "address", json_string("127.0.7.200:99999"));
	expect_error(f, 400, "cluster/add", a, "address");
	a = add_args(f, "ClusterTwo", f->two_bundle);
	json_object_set_new(a, "fingerprint", json_string("AB:CD"));
	expect_error(f, 400, "cluster/add", a, "SHA-256");
	a = add_args(f, "ClusterTwo", f->two_bundle);
	json_object_set_new(a, "fingerprint",
			    json_string("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
					"01:23:45:67:89:AB:CD:EF:01:23:45:67:89"));
	expect_error(f, 400, "cluster/add", a, "fingerprint mismatch");
	expect_error(f, 400, "cluster/add",
		     json_pack("{s:s, s:s}", "id", "ClusterTwo", "address", "h"), "bundle");
	expect_error(f, 400, "cluster/add",
		     json_pack("{s:s, s:s, s:b}", "id", "ClusterTwo", "address", "h", "fetch", 1),
		     "daemon");
	json_t *out = run(f, 200, "cluster/list", NULL);
	assert_int_equal(json_array_size(json_object_get(out, "clusters")), 0);
	json_decref(out);

	/* the right fingerprint, in colon form and lower case, is accepted */
	a = add_args(f, "ClusterTwo", f->two_bundle);
	json_object_set_new(a, "fingerprint", json_string(f->two_colon));
	json_decref(run(f, 200, "cluster/add", a));
	expect_error(f, 409, "cluster/add", add_args(f, "ClusterTwo", f->two_bundle),
		     "already exists");
	/* the same certificate for another cluster id: the store's uniqueness */
	expect_error(f, 409, "cluster/add", add_args(f, "ClusterThree", f->three_bundle),
		     "already trusted for cluster 'ClusterTwo'");
	expect_error(f, 400, "cluster/set", json_pack("{s:s, s:b}", "id", "ClusterTwo", "tftp", 1),
		     "TFTP");
}

static void test_host_warning_and_prefetch(void **state)
{
	struct fixture *f = *state;
	json_t *a = add_args(f, "ClusterTwo", f->two_bundle);
	json_object_set_new(a, "address", json_string("127.0.9.9:8443"));
	json_t *out = run(f, 200, "cluster/add", a);
	assert_true(json_array_size(json_object_get(out, "warnings")) >= 1);
	json_decref(out);

	char host[256];
	int port = 0;
	a = json_pack("{s:s, s:s, s:b, s:s}", "id", "ClusterFour", "address", "127.0.7.44", "fetch",
		      1, "fingerprint", f->two_hex);
	assert_int_equal(admin_cluster_prefetch(&f->admin, a, host, sizeof(host), &port, &out),
			 200);
	assert_string_equal(host, "127.0.7.44");
	assert_int_equal(port, 8443);
	json_decref(a);
	a = json_pack("{s:s, s:s, s:b}", "id", "ClusterFour", "address", "h", "fetch", 1);
	assert_int_equal(admin_cluster_prefetch(&f->admin, a, host, sizeof(host), &port, &out),
			 400);
	assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "fingerprint"));
	json_decref(out);
	json_decref(a);
	a = json_pack("{s:s, s:s, s:b, s:s}", "id", "ClusterTwo", "address", "h", "fetch", 1,
		      "fingerprint", f->two_hex);
	assert_int_equal(admin_cluster_prefetch(&f->admin, a, host, sizeof(host), &port, &out),
			 409);
	json_decref(out);
	json_decref(a);
}

static void test_trust_show_export(void **state)
{
	struct fixture *f = *state;
	json_t *out = run(f, 200, "trust/export", NULL);
	const char *text = json_string_value(json_object_get(out, "text"));
	struct trust_bundle *b = NULL;
	char err[256];
	assert_non_null(text);
	assert_int_equal(trust_bundle_parse(text, strlen(text), &b, err, sizeof(err)), 0);
	assert_string_equal(b->cluster, "ClusterOne");
	assert_string_equal(b->address, "127.0.7.100:8443");
	assert_true(trust_fingerprint_equal(
	    b->certs[0].sha256, json_string_value(json_object_get(out, "fingerprint"))));
	trust_bundle_free(b);
	json_decref(out);
	out = run(f, 200, "trust/show", NULL);
	assert_null(json_object_get(out, "text"));
	assert_int_equal(strlen(json_string_value(json_object_get(out, "sha256"))), 64);
	json_decref(out);
	f->admin.https_address = "";
	expect_error(f, 500, "trust/export", NULL, "HTTPS");
	f->admin.tls_cert_path = NULL;
	expect_error(f, 500, "trust/show", NULL, "certificate");
	expect_error(f, 501, "cluster/update", NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_add_list_show_del, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_warning_and_prefetch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trust_show_export, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
