/* buf.h -- growable byte buffer with the escaping helpers our XML and JSON writers need. */
#ifndef EMCC_CORE_BUF_H
#define EMCC_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A buffer owns its bytes; data is always NUL-terminated so it can be printed. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	int oom; /* set once an allocation failed; later appends are ignored */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Appends s with & < > " replaced by XML entities. The apostrophe stays as it is: our attributes
 * are double-quoted, and Cisco's texts show it bare ("Could not authenticate 'appid'"). */
void buf_xml_escape(struct buf *b, const char *s);
/* Appends s percent-encoded the way CUCM escapes user IDs in EM API answers (em%40cisco.com):
 * everything but ALPHA / DIGIT / "-" / "." / "_" / "~" is encoded. */
void buf_url_escape(struct buf *b, const char *s);

/* Decodes application/x-www-form-urlencoded text ('+' is a space) into out (NUL-terminated).
 * Returns 0, or EINVAL for a bad %-escape or an embedded NUL. out may alias in. */
int buf_url_decode(const char *in, size_t len, char *out, size_t *out_len);

#endif
