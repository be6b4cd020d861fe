/* main.c -- `emcc`: argument parsing and help from the command table, then admin or EM API. */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/cli.h"

static void usage_line(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "  emcc %s%s%s%s%s%s\n", c->noun, c->verb[0] ? " " : "", c->verb,
		c->metavars[0] ? " " : "", c->metavars, c->opts ? " [options]" : "");
}

/* Prints "emcc noun verb ..." with its summary, one per line, for every command of noun (all
 * commands when noun is NULL). */
static void list_commands(FILE *f, const char *noun)
{
	size_t n, i;
	const struct cli_cmd *cmds = cli_commands(&n);
	char head[96];

	for (i = 0; i < n; i++) {
		const struct cli_cmd *c = &cmds[i];
		if (noun && strcmp(c->noun, noun) != 0)
			continue;
		snprintf(head, sizeof(head), "%s%s%s%s%s", c->noun, c->verb[0] ? " " : "", c->verb,
			 c->metavars[0] ? " " : "", c->metavars);
		fprintf(f, "  emcc %-34s %s\n", head, c->summary);
	}
}

static void print_top_help(FILE *f)
{
	fprintf(f, "usage: emcc [--socket PATH] [--json] <noun> <verb> [ARGS...]\n\n"
		   "Administers an emccd node over its admin socket ($EMCC_SOCKET, "
		   "default " CLI_DEFAULT_SOCKET ").\n"
		   "`emcc em login|logout|query` speak the Cisco EM API to --url instead.\n\n"
		   "global options:\n"
		   "  --socket PATH   admin socket\n"
		   "  --json          print the server's JSON answer\n"
		   "  --help          this text; `emcc NOUN --help`, `emcc NOUN VERB --help`\n\n"
		   "commands:\n");
	list_commands(f, NULL);
	fprintf(f, "\nexit status: 0 ok, 1 failed, 2 usage error\n");
}

static void print_cmd_help(FILE *f, const struct cli_cmd *c)
{
	const struct cli_opt *o;

	fprintf(f, "usage:\n");
	usage_line(f, c);
	fprintf(f, "\n%s\n", c->summary);
	if (c->file_key)
		fprintf(f, "The file's text is sent to the server; the first row names the "
			   "columns.\n");
	if (!c->opts)
		return;
	fprintf(f, "\noptions:\n");
	for (o = c->opts; o->flag; o++) {
		char head[64];
		if (!o->help)
			continue;
		if (o->type == CLI_O_BOOL)
			snprintf(head, sizeof(head), "--[no-]%s", o->flag);
		else if (o->metavar)
			snprintf(head, sizeof(head), "--%s %s", o->flag, o->metavar);
		else
			snprintf(head, sizeof(head), "--%s", o->flag);
		fprintf(f, "  %-30s %s\n", head, o->help);
	}
}

static int noun_known(const char *noun)
{
	size_t n, i;
	const struct cli_cmd *cmds = cli_commands(&n);

	for (i = 0; i < n; i++)
		if (strcmp(cmds[i].noun, noun) == 0)
			return 1;
	return 0;
}

/* Finds noun + verb at argv[0..]; *used = how many words the verb took (0, 1 or 2). */
static const struct cli_cmd *find_cmd(const char *noun, int argc, char **argv, int *used)
{
	size_t n, i;
	const struct cli_cmd *cmds = cli_commands(&n);
	char two[128];

	if (argc >= 2) {
		snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]);
		for (i = 0; i < n; i++)
			if (strcmp(cmds[i].noun, noun) == 0 && strcmp(cmds[i].verb, two) == 0) {
				*used = 2;
				return &cmds[i];
			}
	}
	if (argc >= 1) {
		for (i = 0; i < n; i++) {
			const char *v = cmds[i].verb;
			if (strcmp(cmds[i].noun, noun) != 0 || !v[0])
				continue;
			/* "profile-add" is accepted for "profile add", as in the API name */
			snprintf(two, sizeof(two), "%s", v);
			for (char *p = two; *p; p++)
				if (*p == ' ')
					*p = '-';
			if (strcmp(v, argv[0]) == 0 || strcmp(two, argv[0]) == 0) {
				*used = 1;
				return &cmds[i];
			}
		}
	}
	if (argc == 0 || argv[0][0] == '-') {
		for (i = 0; i < n; i++)
			if (strcmp(cmds[i].noun, noun) == 0 && !cmds[i].verb[0]) {
				*used = 0;
				return &cmds[i];
			}
	}
	return NULL;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "emcc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return CLI_EXIT_USAGE;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *d;
			cap = cap ? cap * 2 : 65536;
			d = realloc(data, cap);
			if (!d) {
				free(data);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			data = d;
		}
		r = fread(data + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(data);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	data[n] = 0;
	*len = n;
	return data;
}

/* Appends an element built from "A:B" (or "A=B") to args[key]. */
static int append_pair(json_t *args, const char *key, const char *val, char sep, const char *k1,
		       const char *k2, int indexed)
{
	json_t *arr = json_object_get(args, key), *o;
	const char *cut = strchr(val, sep);
	char *first;

	if (!arr) {
		arr = json_array();
		json_object_set_new(args, key, arr);
	}
	first = cut ? strndup(val, (size_t)(cut - val)) : strdup(val);
	if (!first)
		return -1;
	o = json_pack("{s:s}", k1, first);
	free(first);
	if (!o)
		return -1;
	if (cut)
		json_object_set_new(o, k2, json_string(cut + 1));
	if (indexed)
		json_object_set_new(o, "index", json_integer((json_int_t)json_array_size(arr) + 1));
	json_array_append_new(arr, o);
	return 0;
}

/* --line takes DN, DN:LABEL or INDEX:DN:LABEL (a leading number followed by two colons is the
 * button index; without it lines are numbered in the order given). */
static int append_line(json_t *args, const char *key, const char *val)
{
	const char *c1 = strchr(val, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	json_t *arr, *last;
	size_t n;
	long idx;
	char *end;

	if (!c2)
		return append_pair(args, key, val, ':', "dn", "label", 1);
	errno = 0;
	idx = strtol(val, &end, 10);
	if (end != c1 || errno || idx < 1)
		return append_pair(args, key, val, ':', "dn", "label", 1);
	if (append_pair(args, key, c1 + 1, ':', "dn", "label", 1))
		return -1;
	arr = json_object_get(args, key);
	n = json_array_size(arr);
	last = json_array_get(arr, n - 1);
	json_object_set_new(last, "index", json_integer(idx));
	return 0;
}

static size_t npositional(const struct cli_cmd *c)
{
	size_t n = 0;

	while (n < 3 && c->positional[n])
		n++;
	return n;
}

/* args[key] = the text of the file at path. Returns 0 or an exit code (reason printed). */
static int set_file_text(json_t *args, const char *key, const char *path)
{
	size_t len;
	char *text = read_file(path, &len);

	if (!text) {
		warn("cannot read %s", path);
		return CLI_EXIT_FAILED;
	}
	json_object_set_new(args, key, json_stringn(text, len));
	free(text);
	if (!json_object_get(args, key)) {
		fprintf(stderr, "emcc: %s is not UTF-8 text\n", path);
		return CLI_EXIT_FAILED;
	}
	return 0;
}

/* A word that is no "--" option: "-h", or positional *npos. Returns 0 or an exit code. */
static int take_positional(const struct cli_cmd *c, const char *a, int only_pos, int *npos,
			   json_t *args, int *done)
{
	if (!only_pos && a[0] == '-' && a[1] && strcmp(a, "-h") != 0 &&
	    !(a[1] >= '0' && a[1] <= '9'))
		return usage_error("unknown option '%s' (try --help)", a);
	if (strcmp(a, "-h") == 0 && !only_pos) {
		print_cmd_help(stdout, c);
		*done = 1;
		return 0;
	}
	if ((size_t)*npos >= npositional(c))
		return usage_error("unexpected argument '%s' (try `emcc %s --help`)", a, c->noun);
	const char *key = c->positional[(*npos)++];
	if (key[0] != '>' && c->file_key && *npos == 1)
		return set_file_text(args, c->file_key, a);
	json_object_set_new(args, key, json_string(a));
	return 0;
}

/* c's option called name, or its --no- form (*neg set); NULL when c has none. */
static const struct cli_opt *find_opt(const struct cli_cmd *c, const char *name, int *neg)
{
	for (const struct cli_opt *p = c->opts; p && p->flag; p++) {
		if (strcmp(p->flag, name) == 0)
			return p;
		if (p->type == CLI_O_BOOL && strncmp(name, "no-", 3) == 0 &&
		    strcmp(p->flag, name + 3) == 0) {
			*neg = 1;
			return p;
		}
	}
	return NULL;
}

/* The value val of option o (--name) into args. Returns 0 or an exit code. */
static int set_value(json_t *args, const struct cli_opt *o, const char *name, const char *val)
{
	switch (o->type) {
	case CLI_O_STR: json_object_set_new(args, o->key, json_string(val)); break;
	case CLI_O_INT: {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(val, &end, 10);
		if (errno || end == val || *end)
			return usage_error("--%s needs a number, not '%s'", name, val);
		json_object_set_new(args, o->key, json_integer(v));
		break;
	}
	case CLI_O_LIST: {
		json_t *arr = json_object_get(args, o->key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(args, o->key, arr);
		}
		json_array_append_new(arr, json_string(val));
		break;
	}
	case CLI_O_LINE:
		if (append_line(args, o->key, val))
			return usage_error("--%s needs [INDEX:]DN[:LABEL], not '%s'", name, val);
		break;
	case CLI_O_SPEED: append_pair(args, o->key, val, ':', "number", "label", 1); break;
	case CLI_O_FILE: return set_file_text(args, o->key, val);
	case CLI_O_SERVICE:
		if (!strchr(val, '='))
			return usage_error("--%s needs NAME=URL, not '%s'", name, val);
		append_pair(args, o->key, val, '=', "name", "url", 0);
		break;
	}
	return 0;
}

/* The "--" option at argv[*i]; its value may take the next word (*i moves on). Returns 0 or
 * an exit code. */
static int take_option(const struct cli_cmd *c, struct cli_global *g, int argc, char **argv, int *i,
		       json_t *args, int *done)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '='), *val = eq ? eq + 1 : NULL;
	const struct cli_opt *o;
	char name[64];
	int neg = 0;

	snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
	if (strcmp(name, "help") == 0) {
		print_cmd_help(stdout, c);
		*done = 1;
		return 0;
	}
	if (strcmp(name, "json") == 0 && !eq) {
		g->json = 1;
		return 0;
	}
	if (strcmp(name, "socket") == 0) {
		if (!val && *i + 1 >= argc)
			return usage_error("--socket needs a PATH");
		g->socket = val ? val : argv[++*i];
		return 0;
	}
	if (!(o = find_opt(c, name, &neg)))
		return usage_error("unknown option '--%s' (try `emcc %s --help`)", name, c->noun);
	if (o->type == CLI_O_BOOL || o->type == CLI_O_FLAG) {
		if (eq)
			return usage_error("--%s takes no value", name);
		json_object_set_new(args, o->key, json_boolean(!neg));
		return 0;
	}
	if (!val) {
		if (*i + 1 >= argc)
			return usage_error("--%s needs a value (%s)", name,
					   o->metavar ? o->metavar : "VALUE");
		val = argv[++*i];
	}
	return set_value(args, o, name, val);
}

/* Parses the options and positionals after the verb into args. Returns 0, or an exit code
 * (help printed: 0 via *done; usage error: 2). */
static int parse_args(const struct cli_cmd *c, struct cli_global *g, int argc, char **argv,
		      json_t *args, int *done)
{
	int npos = 0, only_pos = 0, rc = 0;
	size_t maxpos = npositional(c);

	for (int i = 0; i < argc && !rc && !*done; i++) {
		if (!only_pos && strcmp(argv[i], "--") == 0)
			only_pos = 1;
		else if (only_pos || strncmp(argv[i], "--", 2) != 0)
			rc = take_positional(c, argv[i], only_pos, &npos, args, done);
		else
			rc = take_option(c, g, argc, argv, &i, args, done);
	}
	if (rc || *done)
		return rc;
	if ((size_t)npos < maxpos && c->positional[npos][0] != '>') {
		fprintf(stderr, "emcc: missing argument%s; usage:\n", maxpos - npos > 1 ? "s" : "");
		usage_line(stderr, c);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

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
			print_top_help(stdout);
			*done = 1;
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			g->json = 1;
		} else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			g->socket = argv[++i];
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			g->socket = argv[i] + 9;
		} else {
			return usage_error("unknown option '%s' (try emcc --help)", argv[i]);
		}
	}
	if (i >= argc) {
		print_top_help(stderr);
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
	if (!noun_known(noun)) {
		usage_error("unknown command '%s' (try emcc --help)", noun);
		return NULL;
	}
	if (i + 1 < argc &&
	    (strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0) &&
	    !find_cmd(noun, 0, NULL, used)) {
		printf("usage: emcc %s <verb> [ARGS...]\n\n", noun);
		list_commands(stdout, noun);
		*rc = CLI_EXIT_OK;
		return NULL;
	}
	c = find_cmd(noun, argc - i - 1, argv + i + 1, used);
	if (!c) {
		if (i + 1 < argc)
			fprintf(stderr, "emcc: unknown verb '%s' for '%s'; one of:\n", argv[i + 1],
				noun);
		else
			fprintf(stderr, "emcc: '%s' needs a verb, one of:\n", noun);
		list_commands(stderr, noun);
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
	rc = parse_args(c, &g, argc - i - 1 - used, argv + i + 1 + used, args, &done);
	if (!rc && !done)
		rc = run_cmd(c, &g, args);
	json_decref(args);
	return rc;
}
