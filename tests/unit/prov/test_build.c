/* test_build.c -- prov_build in each device state from store rows, and the names the
 * provisioning listener refuses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prov/build.h"
#include "prov/cnf.h"
#include "store/store.h"

#define NOW_MS 1700000000000LL
#define DEV "SEPC80084AA8743"

static const struct prov_build_env env = {"127.0.12.1", 5060, 8080, 8443};

static void seed(struct store *st)
{
	struct store_device d = {.name = DEV,
				 .model = "7821",
				 .protocol = "SIP",
				 .em_enabled = 1,
				 .security_mode = 1,
				 .user_locale = "English_United_States"};
	struct store_profile p = {
	    .name = "test_emcc_udp", .model = "7821", .user_locale = "French_France"};
	struct features *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_insert(st, &d), 0);
	assert_int_equal(store_profile_insert(st, &p), 0);
	f->nlines = 1;
	f->lines[0].index = 1;
	snprintf(f->lines[0].dn, sizeof(f->lines[0].dn), "5001");
	assert_int_equal(store_features_set(st, STORE_OWNER_DEVICE, DEV, f), 0);
	snprintf(f->lines[0].dn, sizeof(f->lines[0].dn), "1000");
	f->nspeed_dials = 1;
	f->speed_dials[0].index = 1;
	snprintf(f->speed_dials[0].number, sizeof(f->speed_dials[0].number), "2000");
	assert_int_equal(store_features_set(st, STORE_OWNER_PROFILE, "test_emcc_udp", f), 0);
	assert_int_equal(store_commit(st), 0);
	free(f);
}

static int setup(void **state)
{
	struct store *st;
	assert_int_equal(store_open(&st, ":memory:"), 0);
	seed(st);
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	return 0;
}

/* Builds, renders and parses back: what the phone would see. */
static void view_of(struct store *st, const char *device, struct prov_cnf_view *v)
{
	struct prov_cnf *c = calloc(1, sizeof(*c));
	struct buf b;
	char why[200];

	assert_non_null(c);
	buf_init(&b);
	assert_int_equal(prov_build(st, device, &env, "1700000000-stamp", c), 0);
	assert_int_equal(prov_cnf_render(&b, c), 0);
	if (prov_cnf_parse(b.data, b.len, v, why, sizeof(why)) != 0)
		fail_msg("parse: %s", why);
	assert_string_equal(v->version_stamp, "1700000000-stamp");
	buf_free(&b);
	free(c);
}

static void test_logged_out(void **state)
{
	struct prov_cnf_view v;

	view_of(*state, DEV, &v);
	assert_int_equal(v.emcc, PROV_EMCC_NONE);
	assert_string_equal(v.cm_address, "127.0.12.1");
	assert_int_equal(v.sip_port, 5060);
	assert_string_equal(v.user_id, "");
	assert_int_equal((int)v.features.nlines, 1);
	assert_string_equal(v.features.lines[0].dn, "5001");
	assert_string_equal(v.load, ""); /* no load known: not enforced */
}

static void test_em_login(void **state)
{
	struct store *st = *state;
	struct store_em_state s = {.device = DEV,
				   .user_id = "adgjm",
				   .profile = "test_emcc_udp",
				   .login_time = 1700000000};
	struct prov_cnf_view v;

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_em_state_put(st, &s), 0);
	assert_int_equal(store_commit(st), 0);
	view_of(st, DEV, &v);
	assert_int_equal(v.emcc, PROV_EMCC_NONE);
	assert_string_equal(v.user_id, "adgjm");
	assert_string_equal(v.user_locale, "French_France");
	assert_int_equal((int)v.features.nlines, 1);
	assert_string_equal(v.features.lines[0].dn, "1000");
	assert_int_equal((int)v.features.nspeed_dials, 1);
	assert_string_equal(v.features.speed_dials[0].number, "2000");
}

static void test_emcc_visitor(void **state)
{
	struct store *st = *state;
	struct store_emcc_visit vis = {.device = DEV,
				       .user_id = "adgjm",
				       .home_cluster = "ClusterTwo",
				       .home_tftp = "127.0.12.2:6970",
				       .home_call_manager = "127.0.12.2:5070",
				       .home_tvs = "127.0.12.2:2445",
				       .login_time = 1700000000};
	struct prov_cnf_view v;

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_visit_put(st, &vis), 0);
	assert_int_equal(store_commit(st), 0);
	view_of(st, DEV, &v);
	assert_int_equal(v.emcc, PROV_EMCC_VISITOR);
	assert_string_equal(v.tftp, "127.0.12.2:6970");
	assert_string_equal(v.cm_address, "127.0.12.2");
	assert_int_equal(v.sip_port, 5070);
	/* TVS stays the visiting cluster's (cnf.h, state 3) */
	assert_string_equal(v.tvs_address, "127.0.12.1");
	/* the EM service URL stays ours, so the user can log out here */
	int found = 0;
	for (size_t i = 0; i < v.features.nservices; i++)
		if (strstr(v.features.services[i].url, "http://127.0.12.1:8080/emapp/"))
			found = 1;
	assert_true(found);
}

static void test_emcc_home(void **state)
{
	struct store *st = *state;
	struct store_emcc_home_device hd = {.device = "SEP00112233AABB",
					    .user_id = "adgjm",
					    .profile = "test_emcc_udp",
					    .visiting_cluster = "ClusterOne",
					    .model = "7821",
					    .protocol = "SIP",
					    .security_mode = 1};
	struct store_remote_cluster *rc = calloc(1, sizeof(*rc));
	struct prov_cnf_view v;

	assert_non_null(rc);
	snprintf(rc->id, sizeof(rc->id), "ClusterOne");
	snprintf(rc->address, sizeof(rc->address), "127.0.12.9:8443");
	rc->emcc_enabled = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_remote_cluster_insert(st, rc), 0);
	assert_int_equal(store_emcc_home_device_put(st, &hd), 0);
	assert_int_equal(store_commit(st), 0);
	free(rc);
	view_of(st, "SEP00112233AABB", &v);
	assert_int_equal(v.emcc, PROV_EMCC_HOME);
	assert_string_equal(v.cm_address, "127.0.12.1");
	assert_string_equal(v.tvs_address, "127.0.12.1");
	assert_string_equal(v.user_id, "adgjm");
	assert_string_equal(v.load, ""); /* loadInformation not enforced */
	assert_string_equal(v.features.lines[0].dn, "1000");
	int found = 0;
	for (size_t i = 0; i < v.features.nservices; i++)
		if (strstr(v.features.services[i].url, "http://127.0.12.9:8080/emapp/"))
			found = 1;
	assert_true(found);
}

static void test_unknown_and_bad(void **state)
{
	struct prov_cnf *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(prov_build(*state, "SEP000000000000", &env, "s", c), ENOENT);
	assert_int_equal(prov_build(*state, "../etc/passwd", &env, "s", c), EINVAL);
	assert_int_equal(prov_build(*state, DEV, &env, "", c), EINVAL);
	free(c);
}

/* What the provisioning listener hands prov_device_from_file_name (the raw path after '/'). */
static void test_route_names(void **state)
{
	static const char *const bad[] = {
	    "../etc/passwd",
	    "..%2fetc%2fpasswd",
	    "%2e%2e/",
	    "SEPC80084AA8743.cnf.xml%00",
	    "SEPC80084AA8743.cnf.xml/",
	    "a/SEPC80084AA8743.cnf.xml",
	    "SEPC80084AA8743.CNF.XML",
	    "SEPC80084AA8743.cnf",
	    "",
	    ".cnf.xml",
	    "..cnf.xml",
	    "XmlDefault.cnf.xml?x",
	    "SEP%43%38.cnf.xml",
	    "SEPC80084AA8743.cnf.xml.sgn.sgn",
	    "index.html",
	};
	char dev[LIM_ID_MAX];
	int sgn = -1;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (prov_device_from_file_name(bad[i], strlen(bad[i]), dev, sizeof(dev), &sgn) == 0)
			fail_msg("accepted %s", bad[i]);
	/* an embedded NUL within the length */
	assert_int_not_equal(
	    prov_device_from_file_name("SEPA.cnf.xml\0x", 14, dev, sizeof(dev), NULL), 0);
	assert_int_equal(
	    prov_device_from_file_name("SEPC80084AA8743.cnf.xml", 23, dev, sizeof(dev), &sgn), 0);
	assert_string_equal(dev, DEV);
	assert_int_equal(sgn, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_logged_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_em_login, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_emcc_visitor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_emcc_home, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_and_bad, setup, teardown),
	    cmocka_unit_test(test_route_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
