/* main.c -- `emcc`: global options, the command, then the admin API or the EM API. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/cli.h"

/* The output-file positional of c ('>' key), NULL when it has none. */
static const char *save_key(const struct cli_cmd *c)
{
	for (size_t i = 0; i < 3 && c->positional[i]; i++)
		if (c->positional[i][0] == '>')
			return c->positional[i];
	return NULL;
}

/* Writes the answer's "text" to path (mode 0644, replaced whole) and drops it from the answer;
 * without path prints it to stdout and the answer's "fingerprint" to stderr. */
static int save_text(json_t *answer, const char *path)
{
	const char *text = json_string_value(json_object_get(answer, "text"));
	const char *fp = json_string_value(json_object_get(answer, "fingerprint"));
	if (!text) {
		fprintf(stderr, "emcc: the answer has no text\n");
		return CLI_EXIT_FAILED;
	}
	if (!path) {
		fputs(text, stdout);
		if (fp)
			fprintf(stderr, "SHA-256 fingerprint: %s\n", fp);
		return CLI_EXIT_OK;
	}
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int bad = !f || fputs(text, f) < 0;
	if ((f && fclose(f) != 0) || bad || rename(tmp, path) != 0) {
		warn("cannot write %s", path);
		remove(tmp);
		return CLI_EXIT_FAILED;
	}
	json_object_del(answer, "text");
	json_object_set_new(answer, "written", json_string(path));
	return CLI_EXIT_OK;
}

/* The options before the noun; *next = where the noun is. Returns 0, or an exit code (help
 * printed: 0 via *done; usage error: 2). */
static int parse_globals(int argc, char **argv, struct cli_global *g, int *next, int *done)
{
	int i = 1;

	g->socket = getenv("EMCC_SOCKET");
	if (!g->socket || !*g->socket)
		g->socket = CLI_DEFAULT_SOCKET;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_print_top_help(stdout);
			*done = 1;
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			g->json = 1;
		} else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			g->socket = argv[++i];
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			g->socket = argv[i] + 9;
		} else {
			return cli_usage_error("unknown option '%s' (try emcc --help)", argv[i]);
		}
	}
	if (i >= argc) {
		cli_print_top_help(stderr);
		return CLI_EXIT_USAGE;
	}
	*next = i;
	return 0;
}

/* The command whose noun is argv[i]; *used = how many words its verb took. NULL with *rc set
 * when there is none to run: the noun's help printed (0), an unknown noun or verb (2). */
static const struct cli_cmd *choose_cmd(int argc, char **argv, int i, int *used, int *rc)
{
	const char *noun = argv[i];
	const struct cli_cmd *c;

	*rc = CLI_EXIT_USAGE;
	if (!cli_noun_known(noun)) {
		cli_usage_error("unknown command '%s' (try emcc --help)", noun);
		return NULL;
	}
	if (i + 1 < argc &&
	    (strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0) &&
	    !cli_find_cmd(noun, 0, NULL, used)) {
		printf("usage: emcc %s <verb> [ARGS...]\n\n", noun);
		cli_list_commands(stdout, noun);
		*rc = CLI_EXIT_OK;
		return NULL;
	}
	c = cli_find_cmd(noun, argc - i - 1, argv + i + 1, used);
	if (!c) {
		if (i + 1 < argc)
			fprintf(stderr, "emcc: unknown verb '%s' for '%s'; one of:\n", argv[i + 1],
				noun);
		else
			fprintf(stderr, "emcc: '%s' needs a verb, one of:\n", noun);
		cli_list_commands(stderr, noun);
	}
	return c;
}

/* An admin command with its output file given: the answer's text goes there. */
static int admin_to_file(const struct cli_cmd *c, const struct cli_global *g, json_t *args,
			 const char *key, json_t **answer)
{
	char *path = strdup(json_string_value(json_object_get(args, key)));
	int status = 0, rc;

	json_object_del(args, key);
	if (!path || cli_admin_call(g, c->api, args, &status, answer) != 0)
		rc = CLI_EXIT_FAILED;
	else if (status == 200 && (rc = save_text(*answer, path)) != CLI_EXIT_OK)
		;
	else
		rc = cli_print_answer(c, status, *answer, g->json);
	free(path);
	return rc;
}

static int run_cmd(const struct cli_cmd *c, const struct cli_global *g, json_t *args)
{
	const char *key = save_key(c);
	json_t *answer = NULL;
	int status = 0, rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "emcc: cannot initialise libcurl\n");
		return CLI_EXIT_FAILED;
	}
	if (c->kind == CLI_EMAPI)
		rc = cli_emapi_run(g, c, args);
	else if (key && json_object_get(args, key))
		rc = admin_to_file(c, g, args, key, &answer);
	else if (cli_admin_call(g, c->api, args, &status, &answer) != 0)
		rc = CLI_EXIT_FAILED;
	else if (key && !g->json && status == 200)
		/* No output file: the text alone goes to stdout, so it can be redirected. */
		rc = save_text(answer, NULL);
	else
		rc = cli_print_answer(c, status, answer, g->json);
	curl_global_cleanup();
	json_decref(answer);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli_global g = {0};
	const struct cli_cmd *c;
	json_t *args;
	int i = 1, used = 0, done = 0, rc;

	rc = parse_globals(argc, argv, &g, &i, &done);
	if (rc || done)
		return rc;
	if (!(c = choose_cmd(argc, argv, i, &used, &rc)))
		return rc;
	args = json_object();
	rc = cli_parse_args(c, &g, argc - i - 1 - used, argv + i + 1 + used, args, &done);
	if (!rc && !done)
		rc = run_cmd(c, &g, args);
	json_decref(args);
	return rc;
}
