/* csv.c -- RFC 4180 CSV reader: one record per call, errors reported per row with resync. */
#include "core/csv.h"

#include <errno.h>
#include <string.h>

void csv_reader_init(struct csv_reader *r, const char *data, size_t len)
{
	r->p = data;
	r->end = data + len;
	r->line = 0;
	r->next_line = 1;
	/* Spreadsheets on Windows save "CSV UTF-8" with a byte order mark. */
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		r->p += 3;
}

/* Is p at a line end: LF, CRLF, or a CR that ends the input? */
static int at_eol(const char *p, const char *end)
{
	if (*p == '\n')
		return 1;
	return *p == '\r' && (p + 1 == end || p[1] == '\n');
}

/* Steps over a line end at p (if any); returns the new position and counts the line. */
static const char *skip_eol(const char *p, const char *end, size_t *line)
{
	if (p < end && *p == '\r')
		p++;
	if (p < end && *p == '\n') {
		p++;
		(*line)++;
	}
	return p;
}

/* Moves past the rest of the physical line that p is on. */
static const char *skip_line(const char *p, const char *end, size_t *line)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		return end;
	(*line)++;
	return nl + 1;
}

struct field_out {
	char *out;   /* next free byte of rec->storage */
	size_t len;  /* bytes in the current field */
	int discard; /* after E2BIG: parse on to the end of the record, store nothing */
	int err;
	const char *why;
};

static void put(struct field_out *f, char c)
{
	if (f->discard)
		return;
	if (f->len == CSV_MAX_FIELD) {
		f->err = -E2BIG;
		f->why = "field longer than 1024 bytes";
		f->discard = 1;
		return;
	}
	*f->out++ = c;
	f->len++;
}

/* Where csv_read is: p within [p, e), line the physical line at p; the record began at start on
 * start_line (an unterminated quote restarts reading after that line). */
struct cursor {
	const char *p, *e, *start;
	size_t line, start_line;
};

/* A syntax error: skips the rest of the physical line and says why. Returns -EINVAL. */
static int bad_row(struct cursor *c, struct field_out *f, const char *why)
{
	f->why = why;
	c->p = skip_line(c->p, c->e, &c->line);
	return -EINVAL;
}

/* A quoted field, c->p just past its opening quote. Returns 0 or -EINVAL. */
static int quoted_field(struct cursor *c, struct field_out *f)
{
	for (;;) {
		if (c->p >= c->e) {
			/* Restart right after the line this record began on. */
			f->why = "unterminated quoted field";
			c->line = c->start_line;
			c->p = skip_line(c->start, c->e, &c->line);
			return -EINVAL;
		}
		if (*c->p == '"') {
			if (c->p + 1 < c->e && c->p[1] == '"') {
				put(f, '"');
				c->p += 2;
				continue;
			}
			c->p++;
			break;
		}
		if (*c->p == '\0')
			return bad_row(c, f, "NUL byte");
		if (*c->p == '\n')
			c->line++;
		put(f, *c->p++);
	}
	if (c->p < c->e && *c->p != ',' && !at_eol(c->p, c->e))
		return bad_row(c, f, "text after a closing quote");
	return 0;
}

/* An unquoted field: up to the next comma or line end. Returns 0 or -EINVAL. */
static int bare_field(struct cursor *c, struct field_out *f)
{
	while (c->p < c->e && *c->p != ',' && !at_eol(c->p, c->e)) {
		if (*c->p == '\0')
			return bad_row(c, f, "NUL byte");
		put(f, *c->p++);
	}
	return 0;
}

/* The fields of one record, up to and past its line end. Returns 1 or a negative errno. */
static int read_fields(struct cursor *c, struct csv_record *rec, struct field_out *f)
{
	for (;;) {
		int rc;

		if (rec->nfields == CSV_MAX_FIELDS && !f->discard) {
			f->err = -E2BIG;
			f->why = "more than 64 fields";
			f->discard = 1;
		}
		if (!f->discard)
			rec->fields[rec->nfields] = f->out;
		f->len = 0;
		if (c->p < c->e && *c->p == '"') {
			c->p++;
			rc = quoted_field(c, f);
		} else {
			rc = bare_field(c, f);
		}
		if (rc)
			return rc;
		if (!f->discard) {
			*f->out++ = '\0';
			rec->nfields++;
		}
		if (c->p < c->e && *c->p == ',') {
			c->p++;
			continue;
		}
		c->p = skip_eol(c->p, c->e, &c->line);
		return f->err ? f->err : 1;
	}
}

int csv_read(struct csv_reader *r, struct csv_record *rec, const char **why)
{
	struct cursor c = {.p = r->p, .e = r->end, .line = r->next_line};
	struct field_out f = {.out = rec->storage};
	int rc = 0;

	rec->nfields = 0;
	if (why)
		*why = NULL;
	/* Blank lines carry no record. */
	while (c.p < c.e && at_eol(c.p, c.e))
		c.p = skip_eol(c.p, c.e, &c.line);
	if (c.p < c.e) {
		c.start = c.p;
		c.start_line = c.line;
		r->line = c.line;
		rc = read_fields(&c, rec, &f);
	}
	r->p = c.p;
	r->next_line = c.line;
	if (rc < 0) {
		rec->nfields = 0;
		if (why)
			*why = f.why;
	}
	return rc;
}
