/* str.c -- bounded string copies and formatted texts (str.h). */
#include "core/str.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int str_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	int rc = 0;

	if (len == 0)
		return ERANGE;
	if (n >= len) {
		n = len - 1;
		rc = ERANGE;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
	return rc;
}

int str_vprintf(char *dst, size_t len, const char *fmt, va_list ap)
{
	int n;

	if (!dst || len == 0)
		return ERANGE;
	n = vsnprintf(dst, len, fmt, ap);
	if (n < 0) {
		dst[0] = '\0';
		return EINVAL;
	}
	return (size_t)n >= len ? ERANGE : 0;
}

int str_printf(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = str_vprintf(dst, len, fmt, ap);
	va_end(ap);
	return rc;
}
