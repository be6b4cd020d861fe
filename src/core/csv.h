/* csv.h -- RFC 4180 CSV reader for bulk imports: quoted fields, "" escapes, CRLF or LF. */
#ifndef EMCC_CORE_CSV_H
#define EMCC_CORE_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 64
#define CSV_MAX_FIELD 1024

struct csv_reader {
	const char *p, *end;
	size_t line;	  /* 1-based physical line of the record just read */
	size_t next_line; /* internal: physical line at p */
};

struct csv_record {
	size_t nfields;
	char *fields[CSV_MAX_FIELDS]; /* point into storage */
	char storage[CSV_MAX_FIELDS * (CSV_MAX_FIELD + 1)];
};

/* data need not be NUL-terminated; a UTF-8 byte order mark at the start is skipped. */
void csv_reader_init(struct csv_reader *r, const char *data, size_t len);

/* Reads the next record. Returns 1 when a record was read, 0 at end of input, or a negative
 * errno: -EINVAL (unterminated quote, text after a closing quote, NUL byte), -E2BIG (too many
 * fields or a field too long). After an error the reader skips to the next line, so a caller can
 * report the bad row and go on. Blank lines are skipped. On error r->line is the line where the
 * bad record starts and *why (if why is not NULL) a static text saying what is wrong.
 * Resync: an unterminated quote restarts at the line after the record's first line, so one stray
 * quote does not swallow the rest of the file; a field that is too long or one field too many
 * consumes the rest of its record; other errors skip to the end of the physical line. */
int csv_read(struct csv_reader *r, struct csv_record *rec, const char **why);

#endif
