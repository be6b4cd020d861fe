/* admin_import.c -- bulk CSV import of users, devices and profiles, one transaction per row.
 *
 * A CSV row becomes the same JSON object the matching "add" command takes, then goes through
 * the same validation and writer, so an import can never accept what "add" refuses. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin_int.h"
#include "core/csv.h"

/* Errors kept in one answer; a file of 100k bad rows still gets a bounded reply. */
#define IMPORT_MAX_ERRORS 1000

enum col_kind {
	COL_STR = 1,
	COL_BOOL,
	COL_INT,
	COL_NAMES,	 /* "a;b;c" -> ["a","b","c"] */
	COL_LINES,	 /* "dn:label;dn:label" -> [{index, dn, label}] */
	COL_SPEED_DIALS, /* "number:label;..." -> [{index, number, label}] */
};

struct column {
	const char *name;
	int kind;
	int required;
};

static const struct column user_cols[] = {
    {"id", COL_STR, 1},
    {"name", COL_STR, 0},
    {"pin", COL_STR, 0},
    {"password", COL_STR, 0},
    {"primary_extension", COL_STR, 0},
    {"emcc_enabled", COL_BOOL, 0},
    {"proxy_rights", COL_BOOL, 0},
    {"max_login_minutes", COL_STR, 0},
    {"profiles", COL_NAMES, 0},
    {NULL, 0, 0},
};

static const struct column device_cols[] = {
    {"name", COL_STR, 1},	   {"model", COL_STR, 1},
    {"protocol", COL_STR, 0},	   {"description", COL_STR, 0},
    {"em_enabled", COL_BOOL, 0},   {"emcc_enabled", COL_BOOL, 0},
    {"security_mode", COL_INT, 0}, {"user_locale", COL_STR, 0},
    {"lines", COL_LINES, 0},	   {NULL, 0, 0},
};

static const struct column profile_cols[] = {
    {"name", COL_STR, 1},
    {"model", COL_STR, 1},
    {"description", COL_STR, 0},
    {"user_locale", COL_STR, 0},
    {"softkey_template", COL_STR, 0},
    {"lines", COL_LINES, 0},
    {"speed_dials", COL_SPEED_DIALS, 0},
    {NULL, 0, 0},
};

struct import_kind {
	const char *name;
	const struct column *cols;
	const struct admin_arg *args;
	const char *key; /* the column that identifies a row */
	int (*create)(struct admin_ctx *ctx, json_t *args, struct admin_err *e, json_t **shown);
};

static const struct import_kind kinds[] = {
    {"user", user_cols, admin_user_add_args, "id", admin_user_create},
    {"device", device_cols, admin_device_add_args, "name", admin_device_create},
    {"profile", profile_cols, admin_profile_add_args, "name", admin_profile_create},
};

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = 0;
	return s;
}

/* "a:b;c:d" -> array of objects {index, k1: a, k2: b}. */
static json_t *split_pairs(const char *text, const char *k1, const char *k2)
{
	json_t *arr = json_array();
	char *copy = strdup(text), *save = NULL, *item;
	int index = 0;

	if (!copy || !arr) {
		free(copy);
		json_decref(arr);
		return NULL;
	}
	for (item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *colon;
		json_t *o;

		item = trim(item);
		if (!*item)
			continue;
		colon = strchr(item, ':');
		if (colon)
			*colon = 0;
		o = json_pack("{s:i, s:s}", "index", ++index, k1, trim(item));
		if (o && colon)
			json_object_set_new(o, k2, json_string(trim(colon + 1)));
		json_array_append_new(arr, o);
	}
	free(copy);
	return arr;
}

static json_t *split_names(const char *text)
{
	json_t *arr = json_array();
	char *copy = strdup(text), *save = NULL, *item;

	if (!copy || !arr) {
		free(copy);
		json_decref(arr);
		return NULL;
	}
	for (item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		item = trim(item);
		if (*item)
			json_array_append_new(arr, json_string(item));
	}
	free(copy);
	return arr;
}

/* Turns one CSV value into its JSON argument. Returns 0 or 400 with e filled. */
static int column_value(const struct column *col, const char *raw, json_t *row, struct admin_err *e)
{
	json_t *v = NULL;
	char *end;
	long n;
	int b;

	switch (col->kind) {
	case COL_STR: v = json_string(raw); break;
	case COL_BOOL:
		if (admin_parse_bool_text(raw, &b))
			return admin_fail(e, 400, col->name, "'%s' must be true or false, not '%s'",
					  col->name, raw);
		v = json_boolean(b);
		break;
	case COL_INT:
		errno = 0;
		n = strtol(raw, &end, 10);
		if (errno || end == raw || *end)
			return admin_fail(e, 400, col->name, "'%s' must be a number, not '%s'",
					  col->name, raw);
		v = json_integer(n);
		break;
	case COL_NAMES: v = split_names(raw); break;
	case COL_LINES: v = split_pairs(raw, "dn", "label"); break;
	case COL_SPEED_DIALS: v = split_pairs(raw, "number", "label"); break;
	}
	/* json_string refuses invalid UTF-8 */
	if (!v)
		return admin_fail(e, 400, col->name, "'%s' is not valid UTF-8 text", col->name);
	json_object_set_new(row, col->name, v);
	return 0;
}

/* The key that makes two rows "the same object" (user IDs compare normalised). */
static int row_key(struct admin_ctx *ctx, const struct import_kind *k, json_t *row, char *key,
		   size_t len, struct admin_err *e)
{
	const char *raw = json_string_value(json_object_get(row, k->key));
	char *p;

	if (!raw)
		return admin_fail(e, 400, k->key, "missing '%s'", k->key);
	if (strcmp(k->name, "user") == 0)
		return admin_user_id(ctx, raw, k->key, key, len, e);
	snprintf(key, len, "%s", raw);
	if (strcmp(k->name, "device") == 0 && strncasecmp(key, "SEP", 3) == 0)
		for (p = key; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	return 0;
}

static void add_error(json_t *errors, size_t line, const struct admin_err *e)
{
	json_t *o;

	if (json_array_size(errors) >= IMPORT_MAX_ERRORS)
		return;
	o = json_pack("{s:I, s:s}", "line", (json_int_t)line, "error", e->text);
	if (o && e->field[0])
		json_object_set_new(o, "field", json_string(e->field));
	json_array_append_new(errors, o);
}

/* One import: the kind, the header's columns in file order, and what the rows did so far. */
struct import {
	const struct import_kind *k;
	struct csv_reader r;
	struct csv_record *rec;
	const struct column *map[CSV_MAX_FIELDS];
	size_t ncols, imported, failed;
	json_t *seen;	/* key -> line of its first row */
	json_t *errors; /* [{line, error, field}] */
};

static const struct import_kind *find_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

static int unknown_column(struct admin_err *e, const struct import_kind *k, const char *name)
{
	char known[512] = "";
	size_t off = 0;

	for (const struct column *kc = k->cols; kc->name; kc++)
		off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s",
					kc == k->cols ? "" : ",", kc->name);
	return admin_fail(e, 400, "csv", "unknown column '%s' in the header (known: %s)", name,
			  known);
}

/* Header cell i names one of the kind's columns, and no earlier cell named it. */
static int map_column(struct import *im, size_t i, struct admin_err *e)
{
	const struct column *col;
	char *name = trim(im->rec->fields[i]);

	for (col = im->k->cols; col->name; col++)
		if (strcasecmp(col->name, name) == 0)
			break;
	if (!col->name)
		return unknown_column(e, im->k, name);
	for (size_t j = 0; j < i; j++)
		if (im->map[j] == col)
			return admin_fail(e, 400, "csv", "column '%s' appears twice in the header",
					  col->name);
	im->map[i] = col;
	return 0;
}

/* The header decides the columns; any doubt about it refuses the whole file. */
static int read_header(struct import *im, struct admin_err *e)
{
	const char *why = NULL;
	int rc = csv_read(&im->r, im->rec, &why);

	if (rc == 0)
		return admin_fail(e, 400, "csv", "empty CSV: the first row must name the columns");
	if (rc < 0)
		return admin_fail(e, 400, "csv", "line %zu (header): %s", im->r.line,
				  why ? why : "CSV syntax error");
	im->ncols = im->rec->nfields;
	for (size_t i = 0; i < im->ncols; i++)
		if ((rc = map_column(im, i, e)))
			return rc;
	for (const struct column *col = im->k->cols; col->name; col++) {
		int found = 0;
		for (size_t i = 0; i < im->ncols; i++)
			found |= im->map[i] == col;
		if (col->required && !found)
			return admin_fail(e, 400, "csv", "the header has no '%s' column",
					  col->name);
	}
	return 0;
}

/* A well-formed data row through the add command's checks and writer. Returns 0 or the
 * status with e filled. */
static int import_row(struct import *im, struct admin_ctx *ctx, size_t line, struct admin_err *e)
{
	const struct import_kind *k = im->k;
	json_t *row, *first;
	char key[LIM_ID_MAX];
	int rc = 0;

	if (im->rec->nfields != im->ncols)
		return admin_fail(e, 400, "csv", "expected %zu fields, found %zu", im->ncols,
				  im->rec->nfields);
	row = json_object();
	for (size_t i = 0; i < im->ncols && !rc; i++) {
		/* An empty cell means "not given": the add command's default applies. */
		if (im->rec->fields[i][0])
			rc = column_value(im->map[i], im->rec->fields[i], row, e);
	}
	if (!rc)
		rc = admin_check_args(row, k->args, NULL, e);
	if (!rc)
		rc = row_key(ctx, k, row, key, sizeof(key), e);
	if (!rc && (first = json_object_get(im->seen, key))) {
		rc = admin_fail(e, 400, k->key, "duplicate %s '%s' (first on line %lld)", k->key,
				key, (long long)json_integer_value(first));
	}
	if (!rc) {
		json_object_set_new_nocheck(im->seen, key, json_integer((json_int_t)line));
		rc = k->create(ctx, row, e, NULL);
	}
	json_decref(row);
	return rc;
}

/* Every row after the header; a bad row is counted and reported, never the end of the file. */
static void import_rows(struct import *im, struct admin_ctx *ctx)
{
	for (;;) {
		struct admin_err e;
		const char *why = NULL;
		int rc;

		memset(&e, 0, sizeof(e));
		rc = csv_read(&im->r, im->rec, &why);
		if (rc == 0)
			break;
		if (rc < 0)
			rc = admin_fail(&e, 400, "csv", "CSV syntax error: %s",
					why ? why
					    : (rc == -E2BIG ? "row too large" : "malformed row"));
		else
			rc = import_row(im, ctx, im->r.line, &e);
		json_decref(e.extra);
		if (rc) {
			add_error(im->errors, im->r.line, &e);
			im->failed++;
		} else {
			im->imported++;
		}
	}
}

int admin_import(struct admin_call *c, const char *kind)
{
	json_t *csvv = json_object_get(c->args, "csv");
	struct import im = {.k = find_kind(kind),
			    .rec = calloc(1, sizeof(*im.rec)),
			    .seen = json_object(),
			    .errors = json_array()};
	int rc;

	if (!im.rec || !im.seen || !im.errors || !im.k) {
		rc = admin_fail(&c->err, 500, NULL, "out of memory");
		goto out;
	}
	csv_reader_init(&im.r, json_string_value(csvv), json_string_length(csvv));
	if ((rc = read_header(&im, &c->err)))
		goto out;
	import_rows(&im, c->ctx);
	/* 200 even when rows failed: the import itself ran; "failed" and "errors" tell which. */
	c->out = json_pack("{s:I, s:I, s:O}", "imported", (json_int_t)im.imported, "failed",
			   (json_int_t)im.failed, "errors", im.errors);
	if (c->out && im.failed > json_array_size(im.errors))
		json_object_set_new(c->out, "errors_truncated", json_true());
	rc = 200;
out:
	json_decref(im.seen);
	json_decref(im.errors);
	free(im.rec);
	return rc;
}
