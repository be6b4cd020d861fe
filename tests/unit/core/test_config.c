/* test_config.c -- config file parsing: defaults, a full file, every error kind with its line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/config.h"
#include "testutil.h"

static int load(struct config *c, const char *text, char *err, size_t errlen)
{
	return config_load_string(c, "emccd.conf", text, strlen(text), err, errlen);
}

/* Loads text, expects failure with exactly this message. */
static void expect_err(const char *text, const char *want)
{
	struct config c;
	char err[512];
	config_defaults(&c);
	snprintf(c.cluster_id, sizeof(c.cluster_id), "Untouched");
	int rc = load(&c, text, err, sizeof(err));
	if (rc != EINVAL || strcmp(err, want) != 0)
		fail_msg("for:\n%s\nwant: %s\ngot (%d): %s", text, want, rc, err);
	/* A bad file changes nothing. */
	assert_string_equal(c.cluster_id, "Untouched");
}

/* Loads text, expects failure with a message that starts with prefix. */
static void expect_prefix(const char *text, const char *prefix)
{
	struct config c;
	char err[512];
	config_defaults(&c);
	int rc = load(&c, text, err, sizeof(err));
	if (rc != EINVAL || strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("for:\n%s\nwant prefix: %s\ngot (%d): %s", text, prefix, rc, err);
}

static void test_defaults(void **state)
{
	(void)state;
	struct config c;
	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	assert_string_equal(c.path, "");
	assert_string_equal(c.cluster_id, "ClusterOne");
	assert_string_equal(c.node_address, "127.0.7.100");
	assert_string_equal(c.http_listen, "127.0.7.100:8080");
	assert_string_equal(c.https_listen, "127.0.7.100:8443");
	assert_string_equal(c.data_dir, "/var/lib/emcc");
	assert_string_equal(c.tls_cert, "");
	assert_int_equal(c.workers, 4);
	assert_int_equal(c.max_body, 65536);
	assert_string_equal(c.log_level, "info");
	assert_int_equal(c.log_max_bytes, 10 * 1024 * 1024);
	assert_int_equal(c.log_keep, 5);
	assert_int_equal(c.log_stderr, 0);
	assert_string_equal(c.sip_udp, "127.0.7.100:5060");
	assert_string_equal(c.sip_tcp, "127.0.7.100:5060");
	assert_string_equal(c.sip_realm, "");
	assert_int_equal(c.sip_max_expires, 3600);
	assert_int_equal(c.nparams, 0);

	config_finish(&c);
	assert_string_equal(c.tls_cert, "/var/lib/emcc/https.crt");
	assert_string_equal(c.tls_key, "/var/lib/emcc/https.key");
	assert_string_equal(c.admin_socket, "/var/lib/emcc/admin.sock");
	assert_string_equal(c.database, "/var/lib/emcc/emcc.db");
	assert_string_equal(c.log_dir, "/var/lib/emcc/log");
}

static const char full[] = "; emccd.conf for the home cluster\n"
			   "[cluster]\n"
			   "id = ClusterTwo\n"
			   "node_address = 127.0.7.200\n"
			   "\n"
			   "[server]\n"
			   "http = 127.0.7.200:8080\r\n"
			   "https = [::1]:0\n"
			   "tls_cert = /etc/emcc/tls.crt\n"
			   "admin_socket = /run/emcc/admin.sock\n"
			   "data_dir = /srv/emcc\n"
			   "workers = 64\n"
			   "max_body = 1024 ; inline comment\n"
			   "# full-line comment\n"
			   "[log]\n"
			   "level = DEBUG\n"
			   "max_size = 4096\n"
			   "keep = 0\n"
			   "stderr = yes\n"
			   "[parameters]\n"
			   "Multiple Login Behavior = Auto Logout\n"
			   "\n"
			   "Inter-cluster Maximum Login Time = 36000\n";

static void test_full(void **state)
{
	(void)state;
	struct config c;
	char err[256] = "x";
	assert_int_equal(load(&c, full, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(c.path, "emccd.conf");
	assert_string_equal(c.cluster_id, "ClusterTwo");
	assert_string_equal(c.node_address, "127.0.7.200");
	assert_string_equal(c.http_listen, "127.0.7.200:8080");
	assert_string_equal(c.https_listen, "[::1]:0");
	assert_string_equal(c.tls_cert, "/etc/emcc/tls.crt");
	assert_string_equal(c.admin_socket, "/run/emcc/admin.sock");
	assert_string_equal(c.data_dir, "/srv/emcc");
	assert_int_equal(c.workers, 64);
	assert_int_equal(c.max_body, 1024);
	assert_string_equal(c.log_level, "debug");
	assert_int_equal(c.log_max_bytes, 4096);
	assert_int_equal(c.log_keep, 0);
	assert_int_equal(c.log_stderr, 1);
	assert_int_equal(c.nparams, 2);
	assert_string_equal(c.params[0].name, "Multiple Login Behavior");
	assert_string_equal(c.params[0].value, "Auto Logout");
	assert_int_equal(c.params[0].line, 21);
	assert_string_equal(c.params[1].name, "Inter-cluster Maximum Login Time");
	assert_string_equal(c.params[1].value, "36000");
	assert_int_equal(c.params[1].line, 23);
	/* [sip] left out: its listeners follow the HTTP host. */
	assert_string_equal(c.sip_udp, "127.0.7.200:5060");
	assert_string_equal(c.sip_tcp, "127.0.7.200:5060");

	config_finish(&c);
	assert_string_equal(c.tls_cert, "/etc/emcc/tls.crt"); /* set: kept */
	assert_string_equal(c.tls_key, "/srv/emcc/https.key");
	assert_string_equal(c.admin_socket, "/run/emcc/admin.sock");
	assert_string_equal(c.database, "/srv/emcc/emcc.db");
	assert_string_equal(c.log_dir, "/srv/emcc/log");
}

static void test_load_starts_from_defaults(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	config_defaults(&c);
	c.workers = 9;
	assert_int_equal(load(&c, "[log]\nkeep = 3\n", err, sizeof(err)), 0);
	assert_int_equal(c.workers, 4);
	assert_int_equal(c.log_keep, 3);
	/* Empty file: defaults. */
	assert_int_equal(load(&c, "", err, sizeof(err)), 0);
	assert_int_equal(c.log_keep, 5);
	/* Booleans in every spelling. */
	const char *yes[] = {"true", "YES", "1", "on"}, *no[] = {"false", "No", "0", "off"};
	for (int i = 0; i < 4; i++) {
		char text[64];
		snprintf(text, sizeof(text), "[log]\nstderr=%s\n", yes[i]);
		assert_int_equal(load(&c, text, err, sizeof(err)), 0);
		assert_int_equal(c.log_stderr, 1);
		snprintf(text, sizeof(text), "[log]\nstderr=%s\n", no[i]);
		assert_int_equal(load(&c, text, err, sizeof(err)), 0);
		assert_int_equal(c.log_stderr, 0);
	}
	/* "" disables a listener. */
	assert_int_equal(load(&c, "[server]\nhttp =\n", err, sizeof(err)), 0);
	assert_string_equal(c.http_listen, "");
	/* A value of 255 characters fits (lines are longer than inih's default 200). */
	char text[400];
	char v[256];
	memset(v, 'd', 255);
	v[0] = '/';
	v[255] = '\0';
	snprintf(text, sizeof(text), "[server]\ntls_key = %s\n", v);
	assert_int_equal(load(&c, text, err, sizeof(err)), 0);
	assert_string_equal(c.tls_key, v);
}

static void test_errors(void **state)
{
	(void)state;
	expect_err("[cluster]\nid = A\n[srever]\nhttp = 1.2.3.4:1\n",
		   "emccd.conf:4: [srever] http: unknown section (allowed [cluster], [server], "
		   "[log], [sip], [parameters])");
	expect_err("[server]\n\nworkerz = 3\n",
		   "emccd.conf:3: [server] workerz: unknown key (allowed http, https, tls_cert, "
		   "tls_key, admin_socket, data_dir, database, workers, max_body, tftp_http, "
		   "tftp_https, tftp)");
	expect_err("[server]\nworkers = 4x\n",
		   "emccd.conf:2: [server] workers: \"4x\" is not a number (allowed 1..64)");
	expect_err("[server]\nworkers = \n",
		   "emccd.conf:2: [server] workers: \"\" is not a number (allowed 1..64)");
	expect_err("[server]\nworkers = 0\n",
		   "emccd.conf:2: [server] workers: 0 is out of range (allowed 1..64)");
	expect_err("[server]\nworkers = 65\n",
		   "emccd.conf:2: [server] workers: 65 is out of range (allowed 1..64)");
	expect_err("[server]\nmax_body = 99999999999999999999999\n",
		   "emccd.conf:2: [server] max_body: 99999999999999999999999 is out of range "
		   "(allowed 1024..16777216)");
	expect_err(
	    "[server]\nmax_body = 1023\n",
	    "emccd.conf:2: [server] max_body: 1023 is out of range (allowed 1024..16777216)");
	expect_err("[log]\nmax_size = 4095\n",
		   "emccd.conf:2: [log] max_size: 4095 is out of range (allowed 4096 or more)");
	expect_err("[log]\nkeep = 101\n",
		   "emccd.conf:2: [log] keep: 101 is out of range (allowed 0..100)");
	expect_err("[log]\nkeep = -1\n",
		   "emccd.conf:2: [log] keep: -1 is out of range (allowed 0..100)");
	expect_err("[log]\nkeep = +1\n",
		   "emccd.conf:2: [log] keep: \"+1\" is not a number (allowed 0..100)");
	expect_err("[log]\nstderr = maybe\n",
		   "emccd.conf:2: [log] stderr: \"maybe\" is not a boolean (allowed true/false, "
		   "yes/no, on/off, 1/0)");
	expect_err("[log]\nlevel = loud\n",
		   "emccd.conf:2: [log] level: unknown level \"loud\" (allowed error, warn, info, "
		   "debug)");
	expect_err("[cluster]\nid = ClusterOne\nid = ClusterTwo\n",
		   "emccd.conf:3: [cluster] id: duplicate key (first set on line 2)");
	expect_err("[cluster]\nid = Cluster One\n",
		   "emccd.conf:2: [cluster] id: \"Cluster One\" is not a valid cluster id (allowed "
		   "1..50 of A-Z a-z 0-9 _ - .)");
	expect_err("[cluster]\nid =\n",
		   "emccd.conf:2: [cluster] id: \"\" is not a valid cluster id (allowed 1..50 of "
		   "A-Z a-z 0-9 _ - .)");
	expect_err("[cluster]\nid = 123456789012345678901234567890123456789012345678901\n",
		   "emccd.conf:2: [cluster] id: value too long, 51 characters (allowed up to 50)");
	expect_err("[cluster]\nnode_address = a/b\n",
		   "emccd.conf:2: [cluster] node_address: \"a/b\" is not a host name or address "
		   "(allowed letters, digits, - . _ : [ ])");
	expect_err("[server]\nhttp = 127.0.0.1\n",
		   "emccd.conf:2: [server] http: \"127.0.0.1\" is not a listen address (allowed "
		   "host:port, [v6]:port, port 0..65535, or empty to disable)");
	expect_prefix("[server]\nhttps = 127.0.0.1:65536\n",
		      "emccd.conf:2: [server] https: \"127.0.0.1:65536\" is not a listen address");
	expect_prefix("[server]\nhttps = ::1:80\n", "emccd.conf:2: [server] https: ");
	expect_err("[server]\ndata_dir =\n",
		   "emccd.conf:2: [server] data_dir: must not be empty (allowed a directory path)");
	expect_err(
	    "[server]\nadmin_socket = /"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaa\n",
	    "emccd.conf:2: [server] admin_socket: value too long, 108 characters (allowed up "
	    "to 107)");
	expect_err(
	    "id = x\n[cluster]\n",
	    "emccd.conf:1: id: key outside any section (allowed sections [cluster], [server], "
	    "[log], [sip], [parameters])");
	expect_err("[cluster]\njust words\n",
		   "emccd.conf:2: syntax error (allowed [section], key = value, ; comment)");
	expect_err("[cluster\n",
		   "emccd.conf:1: syntax error (allowed [section], key = value, ; comment)");
	expect_err("[parameters]\nA = 1\nB = 2\nA = 3\n",
		   "emccd.conf:4: [parameters] A: duplicate key (first set on line 2)");
	expect_err(
	    "[log]\nlevel = info\x01\n",
	    "emccd.conf:2: [log] level: unknown level \"info\x01\" (allowed error, warn, info, "
	    "debug)");
	expect_err("[server]\ntls_key = a\x01b\n",
		   "emccd.conf:2: [server] tls_key: control character in value");

	/* Over-long value and line. */
	char text[2200];
	char v[300];
	memset(v, 'x', 256);
	v[256] = '\0';
	snprintf(text, sizeof(text), "[server]\ndatabase = %s\n", v);
	expect_err(text, "emccd.conf:2: [server] database: value too long, 256 characters (allowed "
			 "up to 255)");
	snprintf(text, sizeof(text), "[parameters]\nX = %s\n", v);
	expect_err(text, "emccd.conf:2: [parameters] X: value too long, 256 characters (allowed "
			 "up to 255)");
	memset(text, 'y', 2000);
	memcpy(text, "[log]\n\nkeep = ", 14);
	strcpy(text + 2000, "\n");
	expect_err(text, "emccd.conf:3: line too long (allowed up to 1024 characters)");

	/* An embedded NUL must not hide the rest of a line. */
	struct config c;
	char err[256];
	static const char nul[] = "[log]\nkeep = 1\0junk\n";
	assert_int_equal(config_load_string(&c, "x.conf", nul, sizeof(nul) - 1, err, sizeof(err)),
			 EINVAL);
	assert_string_equal(err, "x.conf:2: NUL byte in line");
}

static void test_sip(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	assert_int_equal(
	    load(&c,
		 "[sip]\nudp = 127.0.9.31:5060\ntcp = [::1]:5061\nrealm = ClusterOne SIP\n"
		 "max_expires = 86400\n",
		 err, sizeof(err)),
	    0);
	assert_string_equal(c.sip_udp, "127.0.9.31:5060");
	assert_string_equal(c.sip_tcp, "[::1]:5061");
	assert_string_equal(c.sip_realm, "ClusterOne SIP");
	assert_int_equal(c.sip_max_expires, 86400);
	/* Empty turns a listener off; the one left out follows [server] http's host. */
	assert_int_equal(
	    load(&c, "[server]\nhttp = 127.0.9.32:8080\n[sip]\ntcp =\n", err, sizeof(err)), 0);
	assert_string_equal(c.sip_udp, "127.0.9.32:5060");
	assert_string_equal(c.sip_tcp, "");
	/* HTTP off: HTTPS's host; an IPv6 host keeps its brackets. */
	assert_int_equal(load(&c, "[server]\nhttp =\nhttps = [::1]:8443\n", err, sizeof(err)), 0);
	assert_string_equal(c.sip_udp, "[::1]:5060");
	assert_string_equal(c.sip_tcp, "[::1]:5060");

	expect_err("[sip]\nudp = 127.0.0.1\n",
		   "emccd.conf:2: [sip] udp: \"127.0.0.1\" is not a listen address (allowed "
		   "host:port, [v6]:port, port 0..65535, or empty to disable)");
	expect_err("[sip]\nmax_expires = 59\n",
		   "emccd.conf:2: [sip] max_expires: 59 is out of range (allowed 60..86400)");
	expect_err("[sip]\nrealm = a\"b\n",
		   "emccd.conf:2: [sip] realm: \"a\"b\" is not a realm (allowed printable ASCII "
		   "without \" and \\, or empty for no authentication)");
	expect_err("[sip]\nport = 5060\n",
		   "emccd.conf:2: [sip] port: unknown key (allowed udp, tcp, realm, max_expires)");
	expect_err("[sip]\ntcp = 127.0.0.1:5060\ntcp = 127.0.0.1:5061\n",
		   "emccd.conf:3: [sip] tcp: duplicate key (first set on line 2)");
}

/* [server] tftp_http: provisioning over HTTP follows the HTTP listener's host on 6970. */
static void test_tftp_http(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	config_defaults(&c);
	assert_string_equal(c.tftp_http, "127.0.7.100:6970");
	assert_int_equal(load(&c, "[server]\nhttp = 127.0.9.33:8080\n", err, sizeof(err)), 0);
	assert_string_equal(c.tftp_http, "127.0.9.33:6970");
	assert_int_equal(load(&c, "[server]\nhttp =\nhttps = [::1]:8443\n", err, sizeof(err)), 0);
	assert_string_equal(c.tftp_http, "[::1]:6970");
	assert_int_equal(load(&c,
			      "[server]\nhttp = 127.0.9.33:8080\ntftp_http = 127.0.9.34:16970\n",
			      err, sizeof(err)),
			 0);
	assert_string_equal(c.tftp_http, "127.0.9.34:16970");
	assert_int_equal(load(&c, "[server]\ntftp_http =\n", err, sizeof(err)), 0);
	assert_string_equal(c.tftp_http, "");
	expect_err(
	    "[server]\ntftp_http = 127.0.0.1\n",
	    "emccd.conf:2: [server] tftp_http: \"127.0.0.1\" is not a listen address (allowed "
	    "host:port, [v6]:port, port 0..65535, or empty to disable)");
}

/* [server] tftp (UDP) and tftp_https follow the HTTP listener's host on 69 and 6971, each on its
 * own: one set, or one turned off, leaves the others following. */
static void test_tftp_udp_https(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	config_defaults(&c);
	assert_string_equal(c.tftp_udp, "127.0.7.100:69");
	assert_string_equal(c.tftp_https, "127.0.7.100:6971");
	assert_int_equal(load(&c, "[server]\nhttp = 127.0.9.33:8080\n", err, sizeof(err)), 0);
	assert_string_equal(c.tftp_udp, "127.0.9.33:69");
	assert_string_equal(c.tftp_https, "127.0.9.33:6971");
	assert_int_equal(load(&c, "[server]\nhttp =\nhttps = [::1]:8443\n", err, sizeof(err)), 0);
	assert_string_equal(c.tftp_udp, "[::1]:69");
	assert_int_equal(
	    load(&c, "[server]\nhttp = 127.0.9.33:8080\ntftp =\ntftp_https = 127.0.9.35:16971\n",
		 err, sizeof(err)),
	    0);
	assert_string_equal(c.tftp_udp, "");
	assert_string_equal(c.tftp_https, "127.0.9.35:16971");
	assert_string_equal(c.tftp_http, "127.0.9.33:6970");
	assert_int_equal(load(&c, "[server]\ntftp = 0.0.0.0:69\n", err, sizeof(err)), 0);
	assert_string_equal(c.tftp_udp, "0.0.0.0:69");
	expect_err("[server]\ntftp = 69\n",
		   "emccd.conf:2: [server] tftp: \"69\" is not a listen address (allowed "
		   "host:port, [v6]:port, port 0..65535, or empty to disable)");
	expect_err("[server]\ntftp = 1.2.3.4:69\ntftp = 1.2.3.4:69\n",
		   "emccd.conf:3: [server] tftp: duplicate key (first set on line 2)");
}

/* [cluster] ntp_server: none by default; a host or address; empty again. */
static void test_ntp_server(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	config_defaults(&c);
	assert_string_equal(c.ntp_server, "");
	assert_int_equal(load(&c, "[cluster]\nntp_server = 192.168.7.1\n", err, sizeof(err)), 0);
	assert_string_equal(c.ntp_server, "192.168.7.1");
	assert_int_equal(load(&c, "[cluster]\nntp_server = ntp.example.org\n", err, sizeof(err)),
			 0);
	assert_string_equal(c.ntp_server, "ntp.example.org");
	assert_int_equal(load(&c, "[cluster]\nntp_server =\n", err, sizeof(err)), 0);
	assert_string_equal(c.ntp_server, "");
	expect_err("[cluster]\nntp_server = a b\n",
		   "emccd.conf:2: [cluster] ntp_server: \"a b\" is not a host name or address "
		   "(allowed letters, digits, - . _ : [ ])");
}

static void test_too_many_params(void **state)
{
	(void)state;
	char text[8192] = "[parameters]\n";
	size_t n = strlen(text);
	for (int i = 0; i <= CONFIG_MAX_PARAMS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "p%d = %d\n", i, i);
	expect_err(text, "emccd.conf:66: [parameters] p64: too many parameters (allowed up to 64)");
}

static void test_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/emcc-conf-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/emccd.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(full, f);
	fputs("[server]\nworkers = 0\n", f);
	fclose(f);

	struct config c;
	char err[512], want[512];
	assert_int_equal(config_load(&c, path, err, sizeof(err)), EINVAL);
	snprintf(want, sizeof(want),
		 "%s:25: [server] workers: duplicate key (first set on line 12)", path);
	assert_string_equal(err, want);

	f = fopen(path, "w");
	fputs(full, f);
	fclose(f);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.path, path);
	assert_string_equal(c.cluster_id, "ClusterTwo");

	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), ENOENT);
	assert_non_null(strstr(err, "missing.conf: "));
	assert_int_equal(config_load(&c, dir, err, sizeof(err)), EINVAL); /* a directory */
	tu_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_load_starts_from_defaults),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_sip),
	    cmocka_unit_test(test_tftp_http),
	    cmocka_unit_test(test_tftp_udp_https),
	    cmocka_unit_test(test_ntp_server),
	    cmocka_unit_test(test_too_many_params),
	    cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
