/* str.h -- bounded string copies and formatted texts into a caller's fixed buffer.
 *
 * Fixed buffers are the rule here (LIM_* sizes), so every copy into one goes through these: a
 * NULL source is "", a result is always NUL-terminated, and a cut is reported, never silent. */
#ifndef EMCC_CORE_STR_H
#define EMCC_CORE_STR_H

#include <stdarg.h>
#include <stddef.h>

/* Copies src (NULL = "") into dst of len bytes. Returns 0, or ERANGE when src was cut to fit
 * (dst then holds its first len-1 bytes). len 0: nothing is written, ERANGE. */
int str_copy(char *dst, size_t len, const char *src);

/* snprintf into dst that says when it cut: 0 or ERANGE. dst NULL or len 0 writes nothing (an
 * optional error buffer). */
int str_printf(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int str_vprintf(char *dst, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
