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

#include "core/config.h"
#include "prov/build.h"
#include "prov/cnf.h"
#include "prov/softkey.h"
#include "store/store.h"

#define NOW_MS 1700000000000LL
#define DEV "SEPC80084AA8743"

static struct prov_build_env env = {
    .node = "127.0.12.1", .sip_port = 5060, .http_port = 8080, .https_port = 8443};

static void seed(struct store *st)
{
	struct store_device d = {.name = DEV,
				 .model = "7821",
				 .protocol = "SIP",
				 .em_enabled = 1,
				 .security_mode = 1,
				 .user_locale = "English_United_States"};
	struct store_profile p = {.name = "test_emcc_udp",
				  .model = "7821",
				  .user_locale = "French_France",
				  .softkey_template = "Hot Desk"};
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
	/* the home TFTP as an address, without its port; the EM service is ours */
	assert_int_equal(v.emcc_mode, 1);
	assert_int_equal(v.emcc_override, 0);
	assert_string_equal(v.temp_tftp[0], "127.0.12.2");
	assert_string_equal(v.temp_tftp[1], "");
	assert_string_equal(v.vem_ip, "127.0.12.1");
	assert_int_equal(v.vem_port, 8080);
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
	/* the home's file is an ordinary one: the phone keeps the mini-config's EMCC mode */
	assert_int_equal(v.emcc, PROV_EMCC_NONE);
	assert_int_equal(v.emcc_mode, 0);
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

/* A fake DNS: names under .example resolve to 10.9.9.x, x = the name's length; others fail. */
static int fake_resolve(const char *name, char *ip, size_t len)
{
	size_t n = strlen(name);
	if (n < 8 || strcmp(name + n - 8, ".example") != 0)
		return ENOENT;
	snprintf(ip, len, "10.9.9.%zu", n);
	return 0;
}

static int bad_resolve(const char *name, char *ip, size_t len)
{
	(void)name;
	snprintf(ip, len, "not-an-address");
	return 0;
}

static void put_visit(struct store *st, const char *home_tftp)
{
	struct store_emcc_visit vis = {.device = DEV,
				       .user_id = "adgjm",
				       .home_cluster = "ClusterTwo",
				       .home_call_manager = "127.0.12.2:5070",
				       .login_time = 1700000000};
	snprintf(vis.home_tftp, sizeof(vis.home_tftp), "%s", home_tftp);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_emcc_visit_put(st, &vis), 0);
	assert_int_equal(store_commit(st), 0);
}

/* The EMCC properties hold addresses only: a name is resolved, or there is no file (ENXIO). */
static void test_emcc_names(void **state)
{
	struct store *st = *state;
	struct prov_cnf *c = calloc(1, sizeof(*c));
	struct prov_cnf_view v;

	assert_non_null(c);
	env.resolve = fake_resolve;
	put_visit(st, "cucm-home.example:6970");
	view_of(st, DEV, &v);
	assert_string_equal(v.temp_tftp[0], "10.9.9.17");
	/* the URLs keep the name: only the phone's properties need an address */
	assert_string_equal(v.vem_ip, "127.0.12.1");

	/* this node known by name: vEM-IP resolved too */
	env.node = "visiting.example";
	view_of(st, DEV, &v);
	assert_string_equal(v.vem_ip, "10.9.9.16");
	env.node = "127.0.12.1";

	/* [v6] literal: taken as it is, without brackets */
	put_visit(st, "[2001:db8::2]:6970");
	view_of(st, DEV, &v);
	assert_string_equal(v.temp_tftp[0], "2001:db8::2");

	/* no home TFTP given: the home call manager's address */
	put_visit(st, "");
	view_of(st, DEV, &v);
	assert_string_equal(v.temp_tftp[0], "127.0.12.2");

	/* names that do not resolve, or resolve to garbage: refused */
	put_visit(st, "cucm-home.invalid:6970");
	assert_int_equal(prov_build(st, DEV, &env, "s", c), ENXIO);
	put_visit(st, "cucm-home.example");
	env.resolve = bad_resolve;
	assert_int_equal(prov_build(st, DEV, &env, "s", c), ENXIO);
	env.resolve = fake_resolve;
	env.node = "unknown.invalid";
	assert_int_equal(prov_build(st, DEV, &env, "s", c), ENXIO);
	env.node = "127.0.12.1";
	env.resolve = NULL;
	free(c);
}

/* Locale and softkey defaults, the NTP server and the transport from the environment. */
static void test_defaults(void **state)
{
	struct store *st = *state;
	struct store_device d = {.name = "SEP0000000000AA", .model = "7821", .protocol = "SIP"};
	struct store_em_state s = {.device = DEV,
				   .user_id = "adgjm",
				   .profile = "test_emcc_udp",
				   .login_time = 1700000000};
	char uuid[PROV_UUID_MAX], file[64];
	struct prov_cnf_view v;

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_device_insert(st, &d), 0);
	assert_int_equal(store_commit(st), 0);
	env.ntp_server = "[2001:db8::123]";
	env.transport = PROV_TRANSPORT_UDP;
	view_of(st, "SEP0000000000AA", &v);
	assert_string_equal(v.user_locale, "English_United_States");
	assert_string_equal(v.lang_code, "en_US");
	assert_string_equal(v.network_locale, "United_States");
	assert_string_equal(v.ntp_server, "2001:db8::123");
	assert_int_equal(v.transport, 2);
	assert_int_equal(prov_softkey_uuid(PROV_SOFTKEY_DEFAULT, uuid), 0);
	snprintf(file, sizeof(file), "SK%s.xml", uuid);
	assert_string_equal(v.softkey_file, file);
	env.ntp_server = NULL;
	env.transport = 0;
	view_of(st, "SEP0000000000AA", &v);
	assert_string_equal(v.ntp_server, "");
	assert_int_equal(v.transport, 4);

	/* an EM login: the profile's template */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_em_state_put(st, &s), 0);
	assert_int_equal(store_commit(st), 0);
	view_of(st, DEV, &v);
	assert_int_equal(prov_softkey_uuid("Hot Desk", uuid), 0);
	snprintf(file, sizeof(file), "SK%s.xml", uuid);
	assert_string_equal(v.softkey_file, file);
}

static void test_softkey_find(void **state)
{
	struct store *st = *state;
	char uuid[PROV_UUID_MAX], name[LIM_TEXT_MAX];

	assert_int_equal(prov_softkey_uuid(PROV_SOFTKEY_DEFAULT, uuid), 0);
	assert_int_equal(prov_softkey_find(st, uuid, name, sizeof(name)), 0);
	assert_string_equal(name, PROV_SOFTKEY_DEFAULT);
	assert_int_equal(prov_softkey_uuid("Hot Desk", uuid), 0);
	assert_int_equal(prov_softkey_find(st, uuid, name, sizeof(name)), 0);
	assert_string_equal(name, "Hot Desk");
	assert_int_equal(prov_softkey_find(st, uuid, name, 4), ERANGE);
	assert_int_equal(prov_softkey_uuid("Nobody's", uuid), 0);
	assert_int_equal(prov_softkey_find(st, uuid, name, sizeof(name)), ENOENT);
}

/* What the node's config says of itself. */
static void test_env_from_config(void **state)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	struct prov_build_env e;

	(void)state;
	assert_non_null(cfg);
	config_defaults(cfg);
	prov_build_env_from_config(cfg, &e);
	assert_string_equal(e.node, "127.0.7.100");
	assert_int_equal(e.sip_port, 5060);
	assert_int_equal(e.http_port, 8080);
	assert_int_equal(e.https_port, 8443);
	assert_int_equal(e.transport, PROV_TRANSPORT_TCP_UDP);
	assert_string_equal(e.ntp_server, "");
	assert_null(e.resolve);
	cfg->sip_udp[0] = '\0';
	prov_build_env_from_config(cfg, &e);
	assert_int_equal(e.transport, PROV_TRANSPORT_TCP);
	snprintf(cfg->sip_udp, sizeof(cfg->sip_udp), "127.0.7.100:5070");
	cfg->sip_tcp[0] = '\0';
	snprintf(cfg->ntp_server, sizeof(cfg->ntp_server), "192.168.7.1");
	prov_build_env_from_config(cfg, &e);
	assert_int_equal(e.transport, PROV_TRANSPORT_UDP);
	assert_int_equal(e.sip_port, 5070);
	assert_string_equal(e.ntp_server, "192.168.7.1");
	free(cfg);
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
	    cmocka_unit_test_setup_teardown(test_emcc_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_softkey_find, setup, teardown),
	    cmocka_unit_test(test_env_from_config),
	    cmocka_unit_test_setup_teardown(test_unknown_and_bad, setup, teardown),
	    cmocka_unit_test(test_route_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
