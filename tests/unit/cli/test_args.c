/* test_args.c -- `emcc` words into the JSON its API call takes, from the real command table:
 * positionals, every option type, --no- forms, files, and the usage errors (exit 2). */
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

#include "cli/cli.h"

/* Parses "noun verb args..." (as typed after `emcc`) into *out; returns cli_parse_args's code. */
static int parse(json_t **out, int *done, struct cli_global *g, const char *noun,
		 const char *const *words, int nwords)
{
	char *argv[32];
	int used = 0;

	assert_true(nwords < 32);
	for (int i = 0; i < nwords; i++)
		argv[i] = (char *)words[i];
	const struct cli_cmd *c = cli_find_cmd(noun, nwords, argv, &used);
	assert_non_null(c);
	*out = json_object();
	*done = 0;
	return cli_parse_args(c, g, nwords - used, argv + used, *out, done);
}

static void assert_json(json_t *got, const char *want)
{
	json_error_t e;
	json_t *w = json_loads(want, 0, &e);
	assert_non_null(w);
	if (!json_equal(got, w)) {
		char *s = json_dumps(got, JSON_SORT_KEYS);
		fail_msg("got %s, want %s", s, want);
	}
	json_decref(w);
}

static void test_positionals_and_strings(void **state)
{
	(void)state;
	static const char *const w[] = {"add",	       "adgjm", "--pin", "12345", "--name=A. User",
					"--extension", "5001"};
	struct cli_global g = {0};
	json_t *a;
	int done;
	assert_int_equal(parse(&a, &done, &g, "user", w, 7), 0);
	assert_json(a, "{\"id\":\"adgjm\",\"pin\":\"12345\",\"name\":\"A. User\","
		       "\"primary_extension\":\"5001\"}");
	json_decref(a);
}

static void test_booleans_lists_and_aliases(void **state)
{
	(void)state;
	static const char *const w[] = {"add",	     "adgjm",	      "--no-emcc", "--proxy",
					"--profile", "test_emcc_udp", "--profile", "second"};
	struct cli_global g = {0};
	json_t *a;
	int done;
	assert_int_equal(parse(&a, &done, &g, "user", w, 8), 0);
	assert_json(a, "{\"id\":\"adgjm\",\"emcc_enabled\":false,\"proxy_rights\":true,"
		       "\"profiles\":[\"test_emcc_udp\",\"second\"]}");
	json_decref(a);
}

static void test_lines_speed_dials_services_numbers(void **state)
{
	(void)state;
	static const char *const w[] = {"add",		"test_emcc_udp",
					"--line",	"2:1000:Main line",
					"--line",	"1001",
					"--speed-dial", "2000:Desk",
					"--service",	"Directory=http://127.0.7.100/dir"};
	static const char *const d[] = {"add", "SEPC80084AA8743", "--security-mode",
					"1",   "--line",	  "5001:Lobby"};
	struct cli_global g = {0};
	json_t *a;
	int done;
	assert_int_equal(parse(&a, &done, &g, "profile", w, 10), 0);
	assert_json(a,
		    "{\"name\":\"test_emcc_udp\","
		    "\"lines\":[{\"index\":2,\"dn\":\"1000\",\"label\":\"Main line\"},"
		    "{\"index\":3,\"dn\":\"1001\"}],"
		    "\"speed_dials\":[{\"index\":1,\"number\":\"2000\",\"label\":\"Desk\"}],"
		    "\"services\":[{\"name\":\"Directory\",\"url\":\"http://127.0.7.100/dir\"}]}");
	json_decref(a);
	assert_int_equal(parse(&a, &done, &g, "device", d, 6), 0);
	assert_json(a, "{\"name\":\"SEPC80084AA8743\",\"security_mode\":1,"
		       "\"lines\":[{\"index\":1,\"dn\":\"5001\",\"label\":\"Lobby\"}]}");
	json_decref(a);
}

static void test_file_option_and_late_globals(void **state)
{
	(void)state;
	char path[] = "/tmp/emcc-test-bundle-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "# emcc trust bundle v1\n", 23), 23);
	close(fd);
	const char *w[] = {"add",	"ClusterTwo", "127.0.7.200:8443", "--bundle", path,
			   "--no-pstn", "--socket",   "/tmp/x.sock",	  "--json"};
	struct cli_global g = {0};
	json_t *a;
	int done;
	assert_int_equal(parse(&a, &done, &g, "cluster", w, 9), 0);
	assert_json(a, "{\"id\":\"ClusterTwo\",\"address\":\"127.0.7.200:8443\","
		       "\"bundle\":\"# emcc trust bundle v1\\n\",\"pstn\":false}");
	assert_string_equal(g.socket, "/tmp/x.sock");
	assert_int_equal(g.json, 1);
	json_decref(a);
	unlink(path);
	/* a file that cannot be read fails the command, not the usage */
	const char *gone[] = {"add", "ClusterTwo", "127.0.7.200", "--bundle", path};
	assert_int_equal(parse(&a, &done, &g, "cluster", gone, 5), CLI_EXIT_FAILED);
	json_decref(a);
}

static void test_usage_errors(void **state)
{
	(void)state;
	static const char *const unknown[] = {"add", "adgjm", "--colour", "red"};
	static const char *const not_a_number[] = {"add", "SEP1", "--security-mode", "one"};
	static const char *const bool_value[] = {"add", "adgjm", "--emcc=yes"};
	static const char *const missing_value[] = {"add", "adgjm", "--pin"};
	static const char *const missing_positional[] = {"add"};
	static const char *const bad_service[] = {"add", "p", "--service", "no-equals"};
	static const char *const too_many[] = {"add", "adgjm", "extra"};
	struct cli_global g = {0};
	json_t *a;
	int done;
	assert_int_equal(parse(&a, &done, &g, "user", unknown, 4), CLI_EXIT_USAGE);
	json_decref(a);
	assert_int_equal(parse(&a, &done, &g, "device", not_a_number, 4), CLI_EXIT_USAGE);
	json_decref(a);
	assert_int_equal(parse(&a, &done, &g, "user", bool_value, 3), CLI_EXIT_USAGE);
	json_decref(a);
	assert_int_equal(parse(&a, &done, &g, "user", missing_value, 3), CLI_EXIT_USAGE);
	json_decref(a);
	assert_int_equal(parse(&a, &done, &g, "user", missing_positional, 1), CLI_EXIT_USAGE);
	json_decref(a);
	assert_int_equal(parse(&a, &done, &g, "profile", bad_service, 4), CLI_EXIT_USAGE);
	json_decref(a);
	assert_int_equal(parse(&a, &done, &g, "user", too_many, 3), CLI_EXIT_USAGE);
	json_decref(a);
}

static void test_help_and_double_dash(void **state)
{
	(void)state;
	static const char *const help[] = {"add", "--help"};
	static const char *const dashes[] = {"add", "--", "--odd-but-valid-id"};
	struct cli_global g = {0};
	json_t *a;
	int done;
	FILE *keep = stdout;
	stdout = fopen("/dev/null", "w"); /* the help text itself is not what is tested */
	assert_int_equal(parse(&a, &done, &g, "user", help, 2), 0);
	fclose(stdout);
	stdout = keep;
	assert_int_equal(done, 1);
	json_decref(a);
	assert_int_equal(parse(&a, &done, &g, "user", dashes, 3), 0);
	assert_json(a, "{\"id\":\"--odd-but-valid-id\"}");
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_positionals_and_strings),
	    cmocka_unit_test(test_booleans_lists_and_aliases),
	    cmocka_unit_test(test_lines_speed_dials_services_numbers),
	    cmocka_unit_test(test_file_option_and_late_globals),
	    cmocka_unit_test(test_usage_errors),
	    cmocka_unit_test(test_help_and_double_dash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
