/* cnf_name.c -- the device-name rule and SEP<MAC>.cnf.xml[.sgn] file names, both ways. */
#include "prov/cnf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SUFFIX_CNF ".cnf.xml"
#define SUFFIX_SGN ".sgn"

static int device_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/* The device-name rule on n bytes (not necessarily NUL-terminated). */
static int device_ok(const char *s, size_t n)
{
	if (n == 0 || n >= LIM_ID_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!device_char(s[i]))
			return 0;
		if (s[i] == '.' && i + 1 < n && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

int prov_device_name_check(const char *device)
{
	if (!device)
		return EINVAL;
	size_t n = strnlen(device, LIM_ID_MAX);
	return device_ok(device, n) ? 0 : EINVAL;
}

int prov_cnf_file_name(char *out, size_t len, const char *device, int is_signed)
{
	if (!out || prov_device_name_check(device) != 0)
		return EINVAL;
	int n = snprintf(out, len, "%s" SUFFIX_CNF "%s", device, is_signed ? SUFFIX_SGN : "");
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return ERANGE;
	}
	return 0;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len > n && memcmp(s + len - n, suffix, n) == 0;
}

int prov_device_from_file_name(const char *name, size_t len, char *device, size_t devlen,
			       int *is_signed)
{
	size_t base;
	int sgn;

	if (!name || !device)
		return EINVAL;
	if (len > LIM_ID_MAX + sizeof(SUFFIX_CNF SUFFIX_SGN))
		return EINVAL;
	if (ends_with(name, len, SUFFIX_CNF SUFFIX_SGN)) {
		sgn = 1;
		base = len - strlen(SUFFIX_CNF SUFFIX_SGN);
	} else if (ends_with(name, len, SUFFIX_CNF)) {
		sgn = 0;
		base = len - strlen(SUFFIX_CNF);
	} else {
		return EINVAL;
	}
	/* device_ok allows only [A-Za-z0-9._-] and no "..": NUL, '/', '\\', '%' and the rest of
	 * what could steer a path never get through. The suffix itself is a fixed string. */
	if (!device_ok(name, base))
		return EINVAL;
	if (base + 1 > devlen)
		return ERANGE;
	memcpy(device, name, base);
	device[base] = '\0';
	if (is_signed)
		*is_signed = sgn;
	return 0;
}
