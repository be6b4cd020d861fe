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

int csv_read(struct csv_reader *r, struct csv_record *rec, const char **why)
{
	const char *p = r->p, *e = r->end;
	size_t line = r->next_line;
	struct field_out f = {.out = rec->storage};
	int rc = 1;

	rec->nfields = 0;
	if (why)
		*why = NULL;

	/* Blank lines carry no record. */
	while (p < e && at_eol(p, e))
		p = skip_eol(p, e, &line);
	if (p >= e) {
		r->p = p;
		r->next_line = line;
		return 0;
	}

	const char *start = p;
	size_t start_line = line;
	r->line = start_line;

	for (;;) {
		if (rec->nfields == CSV_MAX_FIELDS && !f.discard) {
			f.err = -E2BIG;
			f.why = "more than 64 fields";
			f.discard = 1;
		}
		if (!f.discard)
			rec->fields[rec->nfields] = f.out;
		f.len = 0;

		if (p < e && *p == '"') {
			p++;
			for (;;) {
				if (p >= e) {
					/* Restart right after the line this record began on. */
					rc = -EINVAL;
					f.why = "unterminated quoted field";
					line = start_line;
					p = skip_line(start, e, &line);
					goto out;
				}
				if (*p == '"') {
					if (p + 1 < e && p[1] == '"') {
						put(&f, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\0') {
					rc = -EINVAL;
					f.why = "NUL byte";
					p = skip_line(p, e, &line);
					goto out;
				}
				if (*p == '\n')
					line++;
				put(&f, *p++);
			}
			if (p < e && *p != ',' && !at_eol(p, e)) {
				rc = -EINVAL;
				f.why = "text after a closing quote";
				p = skip_line(p, e, &line);
				goto out;
			}
		} else {
			while (p < e && *p != ',' && !at_eol(p, e)) {
				if (*p == '\0') {
					rc = -EINVAL;
					f.why = "NUL byte";
					p = skip_line(p, e, &line);
					goto out;
				}
				put(&f, *p++);
			}
		}

		if (!f.discard) {
			*f.out++ = '\0';
			rec->nfields++;
		}
		if (p < e && *p == ',') {
			p++;
			continue;
		}
		p = skip_eol(p, e, &line);
		break;
	}
	if (f.err)
		rc = f.err;
out:
	r->p = p;
	r->next_line = line;
	if (rc < 0) {
		rec->nfields = 0;
		if (why)
			*why = f.why;
	}
	return rc;
}
