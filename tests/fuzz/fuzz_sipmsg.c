/* fuzz_sipmsg.c -- libFuzzer target: bytes into the registrar's text helpers (src/sip/sipmsg.h):
 * Contact parameters, device names, numbers, the NOTIFY body, the alarm XML (summary and fields),
 * the remotecc answer to an optionsind and log text. The first byte picks the helper; what each
 * one returns is checked against what its header says. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sipmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable_or_die(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
			abort();
}

/* Splits s at the first NUL byte: a name and the rest, as two strings (both malloc'd). */
static void split(const char *s, size_t len, char **a, char **b, size_t *blen)
{
	const char *z = memchr(s, 0, len);
	size_t al = z ? (size_t)(z - s) : 0;
	*a = strndup(s, al);
	*blen = z ? len - al - 1 : len;
	/* Header values reach the helpers from libre as text: no NUL inside. */
	const char *z2 = memchr(z ? z + 1 : s, 0, *blen);
	if (z2)
		*blen = (size_t)(z2 - (z ? z + 1 : s));
	*b = malloc(*blen + 1);
	if (*b) {
		memcpy(*b, z ? z + 1 : s, *blen);
		(*b)[*blen] = '\0';
	}
}

static void fuzz_params(const char *s, size_t len, size_t outlen)
{
	char *name = NULL, *params = NULL;
	size_t plen;
	split(s, len, &name, &params, &plen);
	if (!name || !params)
		goto out;
	char *out = malloc(outlen + 1), *stripped = malloc(plen + 1);
	if (!out || !stripped)
		goto out2;
	memset(out, 'X', outlen + 1);
	int rc = sipd_param_get(params, plen, name, out, outlen);
	if (rc == 0 && strnlen(out, outlen) >= outlen)
		abort();
	if (rc != 0 && rc != ENOENT && rc != ENOSPC && rc != EINVAL)
		abort();
	if (out[outlen] != 'X') /* wrote past outlen */
		abort();
	rc = sipd_param_strip(params, plen, name, stripped, plen + 1);
	if (rc != 0 && rc != ENOSPC)
		abort();
	if (rc == 0) {
		size_t sl = strlen(stripped);
		if (sl > plen)
			abort();
		/* Stripping twice changes nothing more. */
		char *twice = malloc(sl + 1);
		if (twice && sipd_param_strip(stripped, sl, name, twice, sl + 1) == 0 &&
		    strcmp(twice, stripped) != 0)
			abort();
		free(twice);
	}
out2:
	free(out);
	free(stripped);
out:
	free(name);
	free(params);
}

static void fuzz_device(const char *s, size_t len)
{
	char *user = NULL, *params = NULL;
	size_t plen;
	split(s, len, &user, &params, &plen);
	if (!user || !params)
		goto out;
	char dev[160];
	int rc = sipd_device_name(params, plen, user, strlen(user), dev, sizeof(dev));
	if (rc == 0 && !sipd_device_name_valid(dev, strlen(dev)))
		abort();
	if (rc != 0 && rc != ENOENT && rc != EINVAL && rc != ENOSPC)
		abort();
	if (sipd_device_name_valid(s, len)) {
		if (len < 1 || len > 128)
			abort();
		for (size_t i = 0; i < len; i++)
			if (!strchr(
				"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-",
				s[i]) ||
			    s[i] == '\0')
				abort();
	}
out:
	free(user);
	free(params);
}

static void fuzz_u32(const char *s, size_t len)
{
	uint32_t v = 7;
	int rc = sipd_parse_u32(s, len, &v);
	if (rc == 0) {
		uint64_t want = 0;
		if (len == 0)
			abort();
		for (size_t i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				abort();
			if (want <= UINT32_MAX)
				want = want * 10 + (uint64_t)(s[i] - '0');
		}
		if (want > UINT32_MAX)
			want = UINT32_MAX;
		if (v != want)
			abort();
	} else if (rc != EINVAL) {
		abort();
	}
	uint32_t g = sipd_expires_grant(len & 1, v, len & 2, (uint32_t)len, 7200);
	if (g > 7200)
		abort();
}

static void fuzz_notify(const char *s, size_t len, unsigned pick)
{
	static const char *const actions[] = {"restart", "reset", "check-version", "apply-config",
					      "bogus"};
	char *cid = NULL, *ver = NULL;
	size_t vlen;
	split(s, len, &cid, &ver, &vlen);
	if (!cid || !ver)
		goto out;
	char body[512];
	size_t n = 0;
	int rc = sipd_notify_body(body, (pick >> 3) % 2 ? 64 : sizeof(body), actions[pick % 5], cid,
				  ver, &n);
	if (rc == 0) {
		if (strlen(body) != n || strncmp(body, "action=", 7) != 0)
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)body[i] < 0x20 && body[i] != '\r' && body[i] != '\n')
				abort();
	} else if (rc != EINVAL && rc != ENOSPC) {
		abort();
	}
out:
	free(cid);
	free(ver);
}

static void fuzz_alarm(const char *s, size_t len, size_t outlen)
{
	char name[64], *out = malloc(outlen + 1);
	if (!out)
		return;
	out[outlen] = 'X';
	int rc = sipd_alarm_summary(s, len, name, sizeof(name), out, outlen);
	if (rc == 0) {
		if (strnlen(out, outlen) >= outlen || strnlen(name, sizeof(name)) >= sizeof(name))
			abort();
		printable_or_die(name);
		printable_or_die(out);
	} else if (rc != EINVAL) {
		abort();
	}
	if (out[outlen] != 'X')
		abort();
	free(out);
}

/* Text fields: NUL-terminated in their arrays, printable. */
#define FIELD_OK(f) (strnlen((f), sizeof(f)) < sizeof(f))

static void fuzz_alarm_parse(const char *s, size_t len)
{
	struct sipd_alarm a;
	char name[64], line[16];
	int rc = sipd_alarm_parse(s, len, &a);
	if (rc == 0) {
		if (!FIELD_OK(a.name) || !FIELD_OK(a.device_name) || !FIELD_OK(a.ipv4) ||
		    !FIELD_OK(a.ipv6) || !FIELD_OK(a.ctl_signature) ||
		    !FIELD_OK(a.ctl_tftp_server) || !FIELD_OK(a.itl_signature) ||
		    !FIELD_OK(a.itl_tftp_server) || a.status_code < -1 || a.status_code > 0xffff)
			abort();
		printable_or_die(a.name);
		printable_or_die(a.device_name);
		printable_or_die(a.itl_signature);
		printable_or_die(a.itl_tftp_server);
	} else if (rc != EINVAL) {
		abort();
	}
	/* the two readers of an alarm agree on what is one */
	if ((sipd_alarm_summary(s, len, name, sizeof(name), line, sizeof(line)) == 0) != (rc == 0))
		abort();
}

static void fuzz_remotecc(const char *s, size_t len, size_t outlen)
{
	char *out = malloc(outlen * 8 + 1);
	size_t n = 0;
	if (!out)
		return;
	size_t cap = outlen * 8;
	out[cap] = 'X';
	int rc = sipd_remotecc_response(out, cap, s, len, &n);
	if (rc == 0) {
		if (n >= cap || strlen(out) != n ||
		    strncmp(out, "<x-cisco-remotecc-response>\n", 28) != 0 ||
		    !memmem(s, len, "<optionsind", 11))
			abort();
	} else if (rc != ENOENT && rc != ENOSPC) {
		abort();
	}
	if (out[cap] != 'X')
		abort();
	free(out);
}

static void fuzz_logtext(const char *s, size_t len, size_t outlen)
{
	char *out = malloc(outlen + 1);
	if (!out)
		return;
	out[outlen] = 'X';
	if (sipd_log_text(s, len, out, outlen) != out)
		abort();
	if (strnlen(out, outlen) >= outlen || strlen(out) > len)
		abort();
	printable_or_die(out);
	if (out[outlen] != 'X')
		abort();
	if (sipd_printable(s, len)) {
		/* printable text comes through unchanged, as far as it fits */
		if (strncmp(out, s, strlen(out)) != 0)
			abort();
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned op = data[0], arg = data[1];
	const char *s = (const char *)data + 2;
	size_t len = size - 2;
	size_t outlen = 1 + arg % 200;
	switch (op % 8) {
	case 0: fuzz_params(s, len, outlen); break;
	case 1: fuzz_device(s, len); break;
	case 2: fuzz_u32(s, len); break;
	case 3: fuzz_notify(s, len, arg); break;
	case 4: fuzz_alarm(s, len, outlen); break;
	case 6: fuzz_alarm_parse(s, len); break;
	case 7: fuzz_remotecc(s, len, outlen); break;
	default: fuzz_logtext(s, len, outlen); break;
	}
	return 0;
}
