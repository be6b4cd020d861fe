/* args.c -- a command's words and --options into the JSON arguments its API call takes, by the
 * command's entry in the table (commands.c): positionals, typed options, files read in. */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_usage_error(const char *fmt, ...)
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

/* The button after the last one given: "--line 2:1000 --line 1001" puts 1001 on button 3. */
static json_int_t next_index(json_t *arr)
{
	json_int_t max = 0;
	size_t i;
	json_t *e;

	json_array_foreach (arr, i, e) {
		json_int_t v = json_integer_value(json_object_get(e, "index"));
		if (v > max)
			max = v;
	}
	return max + 1;
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
		json_object_set_new(o, "index", json_integer(next_index(arr)));
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
		return cli_usage_error("unknown option '%s' (try --help)", a);
	if (strcmp(a, "-h") == 0 && !only_pos) {
		cli_print_cmd_help(stdout, c);
		*done = 1;
		return 0;
	}
	if ((size_t)*npos >= npositional(c))
		return cli_usage_error("unexpected argument '%s' (try `emcc %s --help`)", a,
				       c->noun);
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
			return cli_usage_error("--%s needs a number, not '%s'", name, val);
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
			return cli_usage_error("--%s needs [INDEX:]DN[:LABEL], not '%s'", name,
					       val);
		break;
	case CLI_O_SPEED: append_pair(args, o->key, val, ':', "number", "label", 1); break;
	case CLI_O_FILE: return set_file_text(args, o->key, val);
	case CLI_O_SERVICE:
		if (!strchr(val, '='))
			return cli_usage_error("--%s needs NAME=URL, not '%s'", name, val);
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
		cli_print_cmd_help(stdout, c);
		*done = 1;
		return 0;
	}
	if (strcmp(name, "json") == 0 && !eq) {
		g->json = 1;
		return 0;
	}
	if (strcmp(name, "socket") == 0) {
		if (!val && *i + 1 >= argc)
			return cli_usage_error("--socket needs a PATH");
		g->socket = val ? val : argv[++*i];
		return 0;
	}
	if (!(o = find_opt(c, name, &neg)))
		return cli_usage_error("unknown option '--%s' (try `emcc %s --help`)", name,
				       c->noun);
	if (o->type == CLI_O_BOOL || o->type == CLI_O_FLAG) {
		if (eq)
			return cli_usage_error("--%s takes no value", name);
		json_object_set_new(args, o->key, json_boolean(!neg));
		return 0;
	}
	if (!val) {
		if (*i + 1 >= argc)
			return cli_usage_error("--%s needs a value (%s)", name,
					       o->metavar ? o->metavar : "VALUE");
		val = argv[++*i];
	}
	return set_value(args, o, name, val);
}

/* Parses the options and positionals after the verb into args. Returns 0, or an exit code
 * (help printed: 0 via *done; usage error: 2). */
int cli_parse_args(const struct cli_cmd *c, struct cli_global *g, int argc, char **argv,
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
		cli_usage_line(stderr, c);
		return CLI_EXIT_USAGE;
	}
	return 0;
}
