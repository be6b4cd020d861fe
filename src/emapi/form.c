/* form.c -- one field out of an application/x-www-form-urlencoded body (the EM API's "xml"). */
#include "emapi/emapi.h"

#include <errno.h>
#include <string.h>

static int hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Checks the %-escapes of s[0..len) and returns the decoded length, or -1 for a bad escape.
 * Lets us refuse an over-long value before writing a byte of it. */
static long decoded_len(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++, n++) {
		if (s[i] != '%')
			continue;
		if (len - i < 3 || !hex_digit(s[i + 1]) || !hex_digit(s[i + 2]))
			return -1;
		i += 2;
	}
	return (long)n;
}

/* Does the (still encoded) name s[0..len) decode to exactly field? Field names are short, so a
 * small buffer suffices; anything longer cannot match. */
static int name_matches(const char *s, size_t len, const char *field)
{
	char dec[128];
	size_t flen = strlen(field), n;
	long dl = decoded_len(s, len);
	if (dl < 0 || (size_t)dl != flen || len >= sizeof(dec))
		return 0;
	if (buf_url_decode(s, len, dec, &n) != 0)
		return 0;
	return n == flen && memcmp(dec, field, flen) == 0;
}

int emapi_form_field(const char *body, size_t len, const char *field, char *out, size_t outlen,
		     size_t *outn)
{
	if (outn)
		*outn = 0;
	if (out && outlen)
		out[0] = '\0';
	if (!body || !field)
		return ENOENT;

	size_t pos = 0;
	while (pos < len) {
		const char *pair = body + pos;
		const char *amp = memchr(pair, '&', len - pos);
		size_t plen = amp ? (size_t)(amp - pair) : len - pos;
		pos += plen + 1;

		const char *eq = memchr(pair, '=', plen);
		size_t nlen = eq ? (size_t)(eq - pair) : plen;
		if (!name_matches(pair, nlen, field))
			continue;

		const char *val = eq ? eq + 1 : pair + plen;
		size_t vlen = eq ? plen - nlen - 1 : 0;
		long dl = decoded_len(val, vlen);
		if (dl < 0)
			return EINVAL;
		if (!out || (size_t)dl >= outlen)
			return E2BIG;
		size_t n = 0;
		int rc = buf_url_decode(val, vlen, out, &n);
		if (rc) {
			out[0] = '\0';
			return rc;
		}
		if (outn)
			*outn = n;
		return 0;
	}
	return ENOENT;
}
