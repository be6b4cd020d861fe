/* test_openssl.c -- every signature we make checks out with the openssl command line and the
 * signer's certificate alone: the signed bytes and the signature are cut out of a .sgn and an
 * ITL by a reader written here from the format (not ours in src/), then
 *   openssl dgst -sha1 -verify pub.pem -signature sig.bin data.bin
 * (and -sha512, and openssl pkeyutl -verify) must say "Verified OK"; a changed byte must not. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../core/testutil.h"
#include "core/buf.h"
#include "prov/identity.h"
#include "prov/tlv.h"

#define TS 1552156360u

static char DIR_[64];
static struct identities *IDS;

static int group_setup(void **state)
{
	char err[256];

	(void)state;
	snprintf(DIR_, sizeof(DIR_), "/tmp/emcc-openssl-XXXXXX");
	if (!mkdtemp(DIR_) ||
	    identity_load(&IDS, DIR_, "ClusterTwo", "127.0.7.200", err, sizeof(err)) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	identity_free(IDS);
	tu_rm_rf(DIR_);
	return 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Where the SIGNATURE element is in a signed file, read from the format: VERSION, then
 * HEADER_LENGTH's value at bytes 8-9; every element is tag, u16 length, value, except PADDING
 * (13), one byte; the containers SIGNER_ID (3), SIGNATURE_INFO (7) and
 * SIGNATURE_ALGORITHM_INFO (9) hold the elements that follow them. */
static void find_signature(const uint8_t *f, size_t len, size_t *at, size_t *n, size_t *hlen)
{
	size_t hl = be16(f + 8), off = 0;

	assert_true(hl <= len);
	*at = 0;
	while (off < hl) {
		uint8_t tag = f[off];
		if (tag == 13) {
			off++;
			continue;
		}
		size_t l = be16(f + off + 1);
		if (tag == 12) {
			*at = off;
			*n = l;
		}
		off += (tag == 3 || tag == 7 || tag == 9) ? 3 : 3 + l;
	}
	assert_int_equal(off, hl);
	assert_true(*at > 0);
	*hlen = hl;
}

static void write_file(const char *name, const void *p, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", DIR_, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Writes data.bin (the file without its SIGNATURE element) and sig.bin. */
static void split(const struct buf *b, size_t *hlen)
{
	const uint8_t *f = (const uint8_t *)b->data;
	size_t at = 0, n = 0;
	struct buf data;

	find_signature(f, b->len, &at, &n, hlen);
	buf_init(&data);
	buf_append(&data, b->data, at);
	buf_append(&data, b->data + at + 3 + n, b->len - at - 3 - n);
	write_file("data.bin", data.data, data.len);
	write_file("sig.bin", f + at + 3, n);
	buf_free(&data);
}

/* Runs a shell command in DIR_; its exit status, its output into out. */
static int run(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[1024], line[256];
	va_list ap;
	int n = snprintf(cmd, sizeof(cmd), "exec 2>&1; cd '%s' && ", DIR_);

	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	out[0] = '\0';
	while (fgets(line, sizeof(line), p))
		strncat(out, line, outlen - strlen(out) - 1);
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_verified(const char *dgst, const char *pub)
{
	char out[1024];

	assert_int_equal(run(out, sizeof(out),
			     "openssl dgst -%s -verify %s -signature sig.bin "
			     "data.bin",
			     dgst, pub),
			 0);
	assert_non_null(strstr(out, "Verified OK"));
	/* One byte changed: refused. */
	assert_int_equal(
	    run(out, sizeof(out),
		"cp data.bin bad.bin && printf x | dd of=bad.bin bs=1 seek=20 "
		"conv=notrunc && openssl dgst -%s -verify %s -signature sig.bin bad.bin",
		dgst, pub),
	    1);
	assert_non_null(strstr(out, "Verification failure"));
}

static void test_sgn_sha1_sha512(void **state)
{
	static const char body[] = "<device><fullConfig>true</fullConfig></device>\n";
	char out[1024], err[256];
	struct buf b;
	size_t hl;

	(void)state;
	assert_int_equal(run(out, sizeof(out),
			     "openssl x509 -in tftp.crt -pubkey -noout -out "
			     "tftp.pub"),
			 0);
	for (int i = 0; i < 2; i++) {
		IDS->digest = i ? TLV_DIGEST_SHA512 : TLV_DIGEST_SHA1;
		buf_init(&b);
		assert_int_equal(identity_sgn(IDS, "SEPC80084AA8743.cnf.xml", body, strlen(body),
					      TS, &b, err, sizeof(err)),
				 0);
		split(&b, &hl);
		assert_int_equal(b.len - hl, strlen(body));
		assert_memory_equal(b.data + hl, body, strlen(body)); /* the original, unchanged */
		expect_verified(i ? "sha512" : "sha1", "tftp.pub");
		buf_free(&b);
	}
	IDS->digest = TLV_DIGEST_SHA1;
}

/* In the ITL, the certificate to check with is in the file: the SAST record with the header's
 * serial number. Records: RECORD_LENGTH (1, u16 whole record), then elements; FUNCTION (4),
 * SERIAL_NUMBER (6), CERTIFICATE (9). */
static void test_itl(void **state)
{
	const uint8_t *f, *serial = NULL, *cert = NULL;
	size_t hl, off, nserial = 0, ncert = 0, hserial_len = 0;
	const uint8_t *hserial = NULL;
	char out[1024], err[256];
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(identity_itl(IDS, NULL, NULL, 0, TS, &b, err, sizeof(err)), 0);
	split(&b, &hl);
	f = (const uint8_t *)b.data;
	/* The header's SERIAL_NUMBER (5), after SIGNER_NAME in SIGNER_ID. */
	for (off = 10; off < hl && !hserial;) {
		if (f[off] == 13) {
			off++;
			continue;
		}
		size_t l = be16(f + off + 1);
		if (f[off] == 5) {
			hserial = f + off + 3;
			hserial_len = l;
		}
		off += (f[off] == 3 || f[off] == 7 || f[off] == 9) ? 3 : 3 + l;
	}
	assert_non_null(hserial);
	for (off = hl; off < b.len && !cert;) {
		size_t end = off + be16(f + off + 3), p = off + 5;
		int sast = 0;
		serial = NULL;
		while (p < end) {
			size_t l = be16(f + p + 1);
			if (f[p] == 4)
				sast = be16(f + p + 3) == 0;
			if (f[p] == 6) {
				serial = f + p + 3;
				nserial = l;
			}
			if (f[p] == 9 && sast && serial && nserial == hserial_len &&
			    memcmp(serial, hserial, nserial) == 0) {
				cert = f + p + 3;
				ncert = l;
			}
			p += 3 + l;
		}
		off = end;
	}
	assert_non_null(cert);
	write_file("sast.der", cert, ncert);
	/* It is our ITLRecovery certificate, and its key checks the ITL. */
	assert_int_equal(run(out, sizeof(out),
			     "openssl x509 -in itlrecovery.crt -outform DER | "
			     "cmp - sast.der"),
			 0);
	assert_int_equal(run(out, sizeof(out),
			     "openssl x509 -inform DER -in sast.der -pubkey "
			     "-noout -out sast.pub"),
			 0);
	expect_verified("sha1", "sast.pub");
	/* pkeyutl on the digest, the other way to say it. */
	assert_int_equal(run(out, sizeof(out),
			     "openssl dgst -sha1 -binary data.bin > data.sha1 && "
			     "openssl pkeyutl -verify -pubin -inkey sast.pub "
			     "-sigfile sig.bin -in data.sha1 -pkeyopt digest:sha1"),
			 0);
	assert_non_null(strstr(out, "Signature Verified Successfully"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sgn_sha1_sha512),
	    cmocka_unit_test(test_itl),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
