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

/* Parses the options and positionals after the verb into args. Returns 0, or an exit code
 * (help printed: 0 via *done; usage error: 2). */
static int parse_args(const struct cli_cmd *c, struct cli_global *g, int argc, char **argv,
		      json_t *args, int *done)
{
	int i, npos = 0, only_pos = 0;
	size_t maxpos = 0;

	while (maxpos < 3 && c->positional[maxpos])
		maxpos++;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct cli_opt *o = NULL;
		const char *val = NULL, *eq;
		char name[64];
		int neg = 0;

		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0 || strncmp(a, "--", 2) != 0) {
			if (!only_pos && a[0] == '-' && a[1] && strcmp(a, "-h") != 0 &&
			    !(a[1] >= '0' && a[1] <= '9'))
				return usage_error("unknown option '%s' (try --help)", a);
			if (strcmp(a, "-h") == 0 && !only_pos) {
				print_cmd_help(stdout, c);
				*done = 1;
				return 0;
			}
			if ((size_t)npos >= maxpos)
				return usage_error(
				    "unexpected argument '%s' (try `emcc %s --help`)", a, c->noun);
			if (c->positional[npos][0] == '>') {
				json_object_set_new(args, c->positional[npos], json_string(a));
			} else if (c->file_key && npos == 0) {
				size_t len;
				char *text = read_file(a, &len);
				if (!text) {
					warn("cannot read %s", a);
					return CLI_EXIT_FAILED;
				}
				json_object_set_new(args, c->file_key, json_stringn(text, len));
				free(text);
				if (!json_object_get(args, c->file_key)) {
					fprintf(stderr, "emcc: %s is not UTF-8 text\n", a);
					return CLI_EXIT_FAILED;
				}
			} else {
				json_object_set_new(args, c->positional[npos], json_string(a));
			}
			npos++;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		a += 2;
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		if (eq)
			val = eq + 1;
		if (strcmp(name, "help") == 0) {
			print_cmd_help(stdout, c);
			*done = 1;
			return 0;
		}
		if (strcmp(name, "json") == 0 && !eq) {
			g->json = 1;
			continue;
		}
		if (strcmp(name, "socket") == 0) {
			if (!val && i + 1 >= argc)
				return usage_error("--socket needs a PATH");
			g->socket = val ? val : argv[++i];
			continue;
		}
		for (const struct cli_opt *p = c->opts; p && p->flag; p++) {
			if (strcmp(p->flag, name) == 0) {
				o = p;
				break;
			}
			if (p->type == CLI_O_BOOL && strncmp(name, "no-", 3) == 0 &&
			    strcmp(p->flag, name + 3) == 0) {
				o = p;
				neg = 1;
				break;
			}
		}
		if (!o)
			return usage_error("unknown option '--%s' (try `emcc %s --help`)", name,
					   c->noun);
		if (o->type == CLI_O_BOOL || o->type == CLI_O_FLAG) {
			if (eq)
				return usage_error("--%s takes no value", name);
			json_object_set_new(args, o->key, json_boolean(!neg));
			continue;
		}
		if (!val) {
			if (i + 1 >= argc)
				return usage_error("--%s needs a value (%s)", name,
						   o->metavar ? o->metavar : "VALUE");
			val = argv[++i];
		}
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
				return usage_error("--%s needs [INDEX:]DN[:LABEL], not '%s'", name,
						   val);
			break;
		case CLI_O_SPEED: append_pair(args, o->key, val, ':', "number", "label", 1); break;
		case CLI_O_FILE: {
			size_t len;
			char *text = read_file(val, &len);
			if (!text) {
				warn("cannot read %s", val);
				return CLI_EXIT_FAILED;
			}
			json_object_set_new(args, o->key, json_stringn(text, len));
			free(text);
			if (!json_object_get(args, o->key)) {
				fprintf(stderr, "emcc: %s is not UTF-8 text\n", val);
				return CLI_EXIT_FAILED;
			}
			break;
		}
		case CLI_O_SERVICE:
			if (!strchr(val, '='))
				return usage_error("--%s needs NAME=URL, not '%s'", name, val);
			append_pair(args, o->key, val, '=', "name", "url", 0);
			break;
		}
	}
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

int main(int argc, char **argv)
{
	struct cli_global g = {0};
	const struct cli_cmd *c;
	json_t *args = NULL, *answer = NULL;
	int i = 1, used = 0, done = 0, status = 0, rc;

	g.socket = getenv("EMCC_SOCKET");
	if (!g.socket || !*g.socket)
		g.socket = CLI_DEFAULT_SOCKET;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_top_help(stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			g.json = 1;
		} else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			g.socket = argv[++i];
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			g.socket = argv[i] + 9;
		} else {
			fprintf(stderr, "emcc: unknown option '%s' (try emcc --help)\n", argv[i]);
			return CLI_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_top_help(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!noun_known(argv[i])) {
		fprintf(stderr, "emcc: unknown command '%s' (try emcc --help)\n", argv[i]);
		return CLI_EXIT_USAGE;
	}
	if (i + 1 < argc &&
	    (strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0) &&
	    !find_cmd(argv[i], 0, NULL, &used)) {
		printf("usage: emcc %s <verb> [ARGS...]\n\n", argv[i]);
		list_commands(stdout, argv[i]);
		return CLI_EXIT_OK;
	}
	c = find_cmd(argv[i], argc - i - 1, argv + i + 1, &used);
	if (!c) {
		if (i + 1 < argc)
			fprintf(stderr, "emcc: unknown verb '%s' for '%s'; one of:\n", argv[i + 1],
				argv[i]);
		else
			fprintf(stderr, "emcc: '%s' needs a verb, one of:\n", argv[i]);
		list_commands(stderr, argv[i]);
		return CLI_EXIT_USAGE;
	}
	args = json_object();
	rc = parse_args(c, &g, argc - i - 1 - used, argv + i + 1 + used, args, &done);
	if (rc || done)
		goto out;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "emcc: cannot initialise libcurl\n");
		rc = CLI_EXIT_FAILED;
		goto out;
	}
	if (c->kind == CLI_EMAPI) {
		rc = cli_emapi_run(&g, c, args);
	} else if (save_key(c) && !json_object_get(args, save_key(c)) && !g.json) {
		/* No output file: the text alone goes to stdout, so it can be redirected. */
		if (cli_admin_call(&g, c->api, args, &status, &answer) != 0)
			rc = CLI_EXIT_FAILED;
		else if (status == 200)
			rc = save_text(answer, NULL);
		else
			rc = cli_print_answer(c, status, answer, 0);
	} else if (save_key(c) && json_object_get(args, save_key(c))) {
		char *path = strdup(json_string_value(json_object_get(args, save_key(c))));
		json_object_del(args, save_key(c));
		if (!path || cli_admin_call(&g, c->api, args, &status, &answer) != 0)
			rc = CLI_EXIT_FAILED;
		else if (status == 200 && (rc = save_text(answer, path)) != CLI_EXIT_OK)
			;
		else
			rc = cli_print_answer(c, status, answer, g.json);
		free(path);
	} else if (cli_admin_call(&g, c->api, args, &status, &answer) != 0) {
		rc = CLI_EXIT_FAILED;
	} else {
		rc = cli_print_answer(c, status, answer, g.json);
	}
	curl_global_cleanup();
out:
	json_decref(args);
	json_decref(answer);
	return rc;
}
