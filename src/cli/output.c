/* output.c -- prints admin answers: `key: value` lines, tables for lists, or the raw JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

/* Times are stored as unix seconds or ms; people read local dates. */
static int is_time_key(const char *key, int *ms)
{
	size_t n = strlen(key);

	*ms = n >= 7 && strcmp(key + n - 7, "time_ms") == 0;
	if (*ms)
		return 1;
	return (n >= 5 && strcmp(key + n - 5, "_time") == 0) || strcmp(key, "locked_until") == 0;
}

/* The text of a scalar, in a caller's buffer. */
static const char *scalar_text(const char *key, json_t *v, char *tmp, size_t len)
{
	int ms;

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "no";
	if (json_is_null(v))
		return "-";
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (key && is_time_key(key, &ms) && i > 0) {
			time_t t = (time_t)(ms ? i / 1000 : i);
			struct tm tm;
			localtime_r(&t, &tm);
			strftime(tmp, len, "%Y-%m-%d %H:%M:%S", &tm);
			return tmp;
		}
		snprintf(tmp, len, "%" JSON_INTEGER_FORMAT, i);
		return tmp;
	}
	if (json_is_real(v)) {
		snprintf(tmp, len, "%g", json_real_value(v));
		return tmp;
	}
	return "";
}

static int is_scalar(json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* A table of an array of objects: columns are the scalar members of the first row. */
static void print_table(FILE *f, json_t *arr, const char *indent)
{
	const char *cols[16];
	size_t widths[16], ncols = 0, i, j;
	json_t *first = json_array_get(arr, 0), *row, *v;
	const char *key;
	char tmp[64];

	if (!json_is_object(first)) {
		json_array_foreach (arr, i, v)
			fprintf(f, "%s%s\n", indent, scalar_text(NULL, v, tmp, sizeof(tmp)));
		return;
	}
	json_object_foreach (first, key, v) {
		if (ncols < 16 && is_scalar(v)) {
			widths[ncols] = strlen(key);
			cols[ncols++] = key;
		}
	}
	json_array_foreach (arr, i, row) {
		for (j = 0; j < ncols; j++) {
			size_t w = strlen(
			    scalar_text(cols[j], json_object_get(row, cols[j]), tmp, sizeof(tmp)));
			if (w > widths[j])
				widths[j] = w;
		}
	}
	fprintf(f, "%s", indent);
	for (j = 0; j < ncols; j++)
		fprintf(f, "%-*s%s", j + 1 < ncols ? (int)widths[j] : 0, cols[j],
			j + 1 < ncols ? "  " : "\n");
	json_array_foreach (arr, i, row) {
		fprintf(f, "%s", indent);
		for (j = 0; j < ncols; j++) {
			json_t *cell = json_object_get(row, cols[j]);
			fprintf(f, "%-*s%s", j + 1 < ncols ? (int)widths[j] : 0,
				cell ? scalar_text(cols[j], cell, tmp, sizeof(tmp)) : "",
				j + 1 < ncols ? "  " : "\n");
		}
	}
}

static void print_object(FILE *f, json_t *o, const char *indent)
{
	const char *key;
	json_t *v;
	char tmp[64], sub[32];

	json_object_foreach (o, key, v) {
		if (is_scalar(v)) {
			fprintf(f, "%s%s: %s\n", indent, key,
				scalar_text(key, v, tmp, sizeof(tmp)));
		} else if (json_is_array(v)) {
			size_t i;
			json_t *e;
			int objects = json_is_object(json_array_get(v, 0));
			if (json_array_size(v) == 0) {
				fprintf(f, "%s%s: (none)\n", indent, key);
				continue;
			}
			if (!objects) {
				fprintf(f, "%s%s: ", indent, key);
				json_array_foreach (v, i, e)
					fprintf(f, "%s%s", i ? ", " : "",
						scalar_text(NULL, e, tmp, sizeof(tmp)));
				fprintf(f, "\n");
				continue;
			}
			fprintf(f, "%s%s:\n", indent, key);
			snprintf(sub, sizeof(sub), "%s  ", indent);
			print_table(f, v, sub);
		} else {
			fprintf(f, "%s%s:\n", indent, key);
			snprintf(sub, sizeof(sub), "%s  ", indent);
			print_object(f, v, sub);
		}
	}
}

/* A listing answer is one array (plus an optional paging "next"). */
static json_t *listing(json_t *answer, const char **name)
{
	const char *key;
	json_t *v, *found = NULL;

	json_object_foreach (answer, key, v) {
		if (strcmp(key, "next") == 0)
			continue;
		if (!json_is_array(v) || found)
			return NULL;
		found = v;
		*name = key;
	}
	return found;
}

static int print_import(json_t *answer)
{
	json_int_t imported = json_integer_value(json_object_get(answer, "imported"));
	json_int_t failed = json_integer_value(json_object_get(answer, "failed"));
	json_t *e;
	size_t i;

	printf("imported: %" JSON_INTEGER_FORMAT "\nfailed: %" JSON_INTEGER_FORMAT "\n", imported,
	       failed);
	json_array_foreach (json_object_get(answer, "errors"), i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		fprintf(stderr, "emcc: line %" JSON_INTEGER_FORMAT ": %s%s%s%s\n",
			json_integer_value(json_object_get(e, "line")),
			json_string_value(json_object_get(e, "error")), field ? " (" : "",
			field ? field : "", field ? ")" : "");
	}
	if (json_is_true(json_object_get(answer, "errors_truncated")))
		fprintf(stderr, "emcc: (more errors not shown)\n");
	return failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

int cli_print_answer(const struct cli_cmd *cmd, int status, json_t *answer, int json_out)
{
	const char *name = NULL;
	json_t *arr;

	if (json_out) {
		char *s = json_dumps(answer, JSON_INDENT(2));
		printf("%s\n", s ? s : "{}");
		free(s);
	}
	if (status != 200) {
		const char *err = json_string_value(json_object_get(answer, "error"));
		const char *field = json_string_value(json_object_get(answer, "field"));
		fprintf(stderr, "emcc: %s%s%s%s\n", err ? err : "request failed", field ? " (" : "",
			field ? field : "", field ? ")" : "");
		if (!err)
			fprintf(stderr, "emcc: the server answered HTTP %d\n", status);
		return CLI_EXIT_FAILED;
	}
	if (cmd->file_key)
		return json_out ? (json_integer_value(json_object_get(answer, "failed"))
				       ? CLI_EXIT_FAILED
				       : CLI_EXIT_OK)
				: print_import(answer);
	if (json_out)
		return CLI_EXIT_OK;
	arr = listing(answer, &name);
	if (arr) {
		if (json_array_size(arr) == 0)
			printf("(no %s)\n", name);
		else
			print_table(stdout, arr, "");
		if (json_is_string(json_object_get(answer, "next")))
			printf("(more: --after %s)\n",
			       json_string_value(json_object_get(answer, "next")));
		return CLI_EXIT_OK;
	}
	print_object(stdout, answer, "");
	return CLI_EXIT_OK;
}
