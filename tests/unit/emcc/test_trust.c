/* test_trust.c -- trust bundles (write, parse, every refusal) and certificate fingerprints,
 * checked against the openssl command line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/buf.h"
#include "core/tls.h"
#include "emcc/trust.h"

#define NCERTS 4
#define CREATED 1714564800 /* 2024-05-01T12:00:00Z */

/* Made once for the whole run: certificates by tls_generate_self_signed, as a node makes its
 * own on first start. 0: IP 127.0.7.200; 1: DNS emcc.example.org; 2, 3: more IPs. */
struct world {
	char dir[64];
	char cert_path[NCERTS][128];
	char key_path[NCERTS][128];
	char *pem[NCERTS];
	char *key_pem;
};
static struct world W;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

static int group_setup(void **state)
{
	static const char *const cn[NCERTS] = {"ClusterTwo", "cn.example.org", "C2", "C3"};
	static const char *const host[NCERTS] = {"127.0.7.200", "emcc.example.org", "127.0.7.202",
						 "127.0.7.203"};
	char err[256];
	int i;

	(void)state;
	snprintf(W.dir, sizeof(W.dir), "/tmp/emcc-trust-XXXXXX");
	if (!mkdtemp(W.dir))
		return -1;
	for (i = 0; i < NCERTS; i++) {
		snprintf(W.cert_path[i], sizeof(W.cert_path[i]), "%s/https%d.crt", W.dir, i);
		snprintf(W.key_path[i], sizeof(W.key_path[i]), "%s/https%d.key", W.dir, i);
		if (tls_generate_self_signed(W.cert_path[i], W.key_path[i], cn[i], host[i], err,
					     sizeof(err)) != 0) {
			fprintf(stderr, "tls_generate_self_signed: %s\n", err);
			return -1;
		}
		W.pem[i] = slurp(W.cert_path[i]);
	}
	W.key_pem = slurp(W.key_path[0]);
	return 0;
}

static int group_teardown(void **state)
{
	char p[192];
	int i;

	(void)state;
	for (i = 0; i < NCERTS; i++) {
		free(W.pem[i]);
		unlink(W.cert_path[i]);
		unlink(W.key_path[i]);
	}
	free(W.key_pem);
	snprintf(p, sizeof(p), "%s/bundle.txt", W.dir);
	unlink(p);
	rmdir(W.dir);
	return 0;
}

/* What `openssl x509 -noout -fingerprint -sha256` prints after the '='. */
static void openssl_fingerprint(const char *cert_path, char *out, size_t len)
{
	char cmd[256], line[256], *eq;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -fingerprint -sha256 -in '%s'", cert_path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(pclose(p), 0);
	line[strcspn(line, "\r\n")] = '\0';
	eq = strchr(line, '=');
	assert_non_null(eq);
	snprintf(out, len, "%s", eq + 1);
}

/* A bundle around cert 0, with the given lines (each ending in \n) between header and cert. */
static char *text_with(const char *fields, const char *role_and_pem)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "# emcc trust bundle v1\n%s%s", fields, role_and_pem ? role_and_pem : "");
	assert_false(b.oom);
	return b.data;
}

#define GOOD_FIELDS                                                                                \
	"cluster: ClusterTwo\naddress: 127.0.7.200:8443\ncreated: 2024-05-01T12:00:00Z\n"

static char *role_pem(const char *role, int cert)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "role: %s\n%s", role, W.pem[cert]);
	return b.data;
}

/* Expects a refusal with code and a reason containing what. */
static void refuse_len(const char *text, size_t len, int code, const char *what)
{
	struct trust_bundle *b = (struct trust_bundle *)0x1;
	char err[256] = "";
	int rc = trust_bundle_parse(text, len, &b, err, sizeof(err));

	if (rc != code || !strstr(err, what))
		fail_msg("expected %d \"%s\", got %d \"%s\"", code, what, rc, err);
	assert_ptr_equal(b, (struct trust_bundle *)0x1); /* untouched */
}

static void refuse(const char *text, const char *what)
{
	refuse_len(text, strlen(text), EINVAL, what);
}

static struct trust_bundle *accept_text(const char *text)
{
	struct trust_bundle *b = NULL;
	char err[256] = "";
	int rc = trust_bundle_parse(text, strlen(text), &b, err, sizeof(err));

	if (rc != 0)
		fail_msg("refused (%d): %s", rc, err);
	assert_non_null(b);
	return b;
}

/* ---- round trip ------------------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
	struct trust_bundle *b = NULL;
	const struct trust_cert *c;
	struct buf out;
	char err[256] = "", hex[TRUST_FP_HEX_SIZE];

	(void)state;
	buf_init(&out);
	assert_int_equal(trust_bundle_write(&out, "ClusterTwo", "127.0.7.200:8443", W.pem[0],
					    CREATED, err, sizeof(err)),
			 0);
	assert_non_null(strstr(out.data, "# emcc trust bundle v1\ncluster: ClusterTwo\n"
					 "address: 127.0.7.200:8443\n"
					 "created: 2024-05-01T12:00:00Z\n")); /* documented form */
	assert_non_null(strstr(out.data, "\nrole: https\n-----BEGIN CERTIFICATE-----\n"));

	assert_int_equal(trust_bundle_parse(out.data, out.len, &b, err, sizeof(err)), 0);
	assert_string_equal(b->cluster, "ClusterTwo");
	assert_string_equal(b->address, "127.0.7.200:8443");
	assert_int_equal(b->created, CREATED);
	assert_int_equal(b->ncerts, 1);
	c = trust_bundle_cert(b, TRUST_ROLE_HTTPS);
	assert_non_null(c);
	assert_int_equal(c->role, TRUST_ROLE_HTTPS);
	/* tls.c wrote the file with PEM_write_X509: the re-encoded PEM is the same text */
	assert_string_equal(c->pem, W.pem[0]);
	assert_int_equal(trust_cert_fingerprint(W.pem[0], hex, NULL), 0);
	assert_string_equal(c->sha256, hex);
	assert_non_null(strstr(c->subject, "CN=ClusterTwo"));
	assert_true(c->not_after > CREATED + 9L * 365 * 24 * 3600); /* ten years from creation */
	assert_null(trust_bundle_cert(b, TRUST_ROLE_TVS));
	assert_string_equal(trust_role_name(TRUST_ROLE_SIGNING), "signing");
	assert_null(trust_role_name((enum trust_role)0));
	assert_null(trust_role_name((enum trust_role)9));
	trust_bundle_free(b);
	trust_bundle_free(NULL);

	/* what the parser gives back writes the same bundle again */
	b = NULL;
	assert_int_equal(trust_bundle_parse(out.data, out.len, &b, err, sizeof(err)), 0);
	{
		struct buf again;

		buf_init(&again);
		assert_int_equal(trust_bundle_write(&again, b->cluster, b->address, b->certs[0].pem,
						    b->created, err, sizeof(err)),
				 0);
		assert_string_equal(again.data, out.data);
		buf_free(&again);
	}
	trust_bundle_free(b);
	buf_free(&out);
}

static void test_write_variants(void **state)
{
	struct trust_bundle *b = NULL;
	struct buf out;
	char err[256] = "", chain[16384];

	(void)state;
	/* DNS and IPv6 addresses; a chain file exports its leaf */
	snprintf(chain, sizeof(chain), "%s%s", W.pem[1], W.pem[2]);
	buf_init(&out);
	assert_int_equal(trust_bundle_write(&out, "Cluster_2.b-x", "emcc.example.org:443", chain,
					    CREATED, err, sizeof(err)),
			 0);
	assert_int_equal(trust_bundle_parse(out.data, out.len, &b, err, sizeof(err)), 0);
	assert_string_equal(b->cluster, "Cluster_2.b-x");
	assert_string_equal(b->address, "emcc.example.org:443");
	assert_int_equal(b->ncerts, 1);
	assert_string_equal(b->certs[0].pem, W.pem[1]);
	trust_bundle_free(b);
	buf_reset(&out);
	assert_int_equal(trust_bundle_write(&out, "C", "[::1]:8443", W.pem[0], 0, err, sizeof(err)),
			 0);
	assert_int_equal(trust_bundle_parse(out.data, out.len, &b, err, sizeof(err)), 0);
	assert_string_equal(b->address, "[::1]:8443");
	assert_int_equal(b->created, 0);
	trust_bundle_free(b);

	/* refusals: nothing is appended */
	buf_reset(&out);
	assert_int_equal(
	    trust_bundle_write(&out, "Clu'ster", "h:1", W.pem[0], CREATED, err, sizeof(err)),
	    EINVAL);
	assert_non_null(strstr(err, "cluster id"));
	assert_int_equal(trust_bundle_write(&out, "", "h:1", W.pem[0], CREATED, err, sizeof(err)),
			 EINVAL);
	assert_int_equal(
	    trust_bundle_write(&out, "C", "127.0.7.200", W.pem[0], CREATED, err, sizeof(err)),
	    EINVAL);
	assert_non_null(strstr(err, "address"));
	assert_int_equal(trust_bundle_write(&out, "C", "h:1", W.key_pem, CREATED, err, sizeof(err)),
			 EINVAL);
	assert_non_null(strstr(err, "certificate"));
	assert_int_equal(trust_bundle_write(&out, "C", "h:1", "junk", CREATED, err, sizeof(err)),
			 EINVAL);
	assert_int_equal(trust_bundle_write(&out, "C", "h:1", NULL, CREATED, err, sizeof(err)),
			 EINVAL);
	assert_int_equal(trust_bundle_write(&out, "C", "h:1", W.pem[0], -1, err, sizeof(err)),
			 EINVAL);
	assert_int_equal(trust_bundle_write(NULL, "C", "h:1", W.pem[0], CREATED, NULL, 0), EINVAL);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void test_write_file(void **state)
{
	struct trust_bundle *b = NULL;
	char path[192], err[256] = "", *text;
	struct stat sb;

	(void)state;
	snprintf(path, sizeof(path), "%s/bundle.txt", W.dir);
	assert_int_equal(trust_bundle_write_file(path, "ClusterTwo", "127.0.7.200:8443", W.pem[0],
						 CREATED, err, sizeof(err)),
			 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	text = slurp(path);
	assert_int_equal(trust_bundle_parse(text, strlen(text), &b, err, sizeof(err)), 0);
	assert_string_equal(b->certs[0].pem, W.pem[0]);
	trust_bundle_free(b);
	free(text);

	/* a refused write leaves the old file and no temporary behind */
	assert_int_equal(trust_bundle_write_file(path, "bad id", "127.0.7.200:8443", W.pem[0],
						 CREATED, err, sizeof(err)),
			 EINVAL);
	assert_int_equal(stat(path, &sb), 0);
	{
		char cmd[256], line[64];
		FILE *p;

		snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -c tmp", W.dir);
		p = popen(cmd, "r");
		assert_non_null(p);
		assert_non_null(fgets(line, sizeof(line), p));
		pclose(p);
		assert_int_equal(atoi(line), 0);
	}
	/* a directory that does not exist */
	assert_int_equal(trust_bundle_write_file("/nonexistent/dir/b.txt", "C", "h:1", W.pem[0],
						 CREATED, err, sizeof(err)),
			 ENOENT);
	assert_non_null(strstr(err, "cannot create"));
}

static void test_accepts_variants(void **state)
{
	struct trust_bundle *b;
	struct buf t;
	char *https = role_pem("https", 0), *tvs = role_pem("tvs", 1),
	     *sig = role_pem("signing", 0);
	size_t i;

	(void)state;
	/* fields in any order, comments, blank lines, spaces and tabs around values */
	buf_init(&t);
	buf_printf(
	    &t,
	    "# emcc trust bundle v1\n\n# exported for the lab\ncreated:2024-05-01T12:00:00Z\n"
	    "address: \t 127.0.7.200:8443 \t\ncluster:   ClusterTwo\n\n%s\n# next\n%s%s",
	    https, tvs, sig);
	b = accept_text(t.data);
	assert_string_equal(b->cluster, "ClusterTwo");
	assert_string_equal(b->address, "127.0.7.200:8443");
	assert_int_equal(b->ncerts, 3);
	assert_int_equal(b->certs[0].role, TRUST_ROLE_HTTPS);
	assert_int_equal(b->certs[1].role, TRUST_ROLE_TVS);
	assert_int_equal(b->certs[2].role, TRUST_ROLE_SIGNING);
	/* the same certificate may serve two roles */
	assert_string_equal(b->certs[2].sha256, b->certs[0].sha256);
	assert_string_equal(trust_bundle_cert(b, TRUST_ROLE_TVS)->pem, W.pem[1]);
	trust_bundle_free(b);

	/* CRLF line ends (a bundle mailed through Windows), and no newline at the very end */
	buf_reset(&t);
	buf_puts(&t, "# emcc trust bundle v1\r\ncluster: ClusterTwo\r\naddress: h.example:1\r\n"
		     "created: 2024-05-01T12:00:00Z\r\n");
	buf_puts(&t, "role: https\r\n");
	for (i = 0; W.pem[0][i]; i++) {
		if (W.pem[0][i] == '\n')
			buf_puts(&t, "\r");
		buf_append(&t, &W.pem[0][i], 1);
	}
	t.len -= 2; /* drop the final CRLF */
	t.data[t.len] = '\0';
	b = accept_text(t.data);
	assert_string_equal(b->address, "h.example:1");
	assert_string_equal(b->certs[0].pem, W.pem[0]);
	trust_bundle_free(b);

	/* a non-ASCII comment is fine: the file is UTF-8 */
	free(t.data);
	t.data = text_with(
	    "# j\xc3\xbcrgen \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x93\x9e\n" GOOD_FIELDS, https);
	b = accept_text(t.data);
	trust_bundle_free(b);
	free(t.data);
	free(https);
	free(tvs);
	free(sig);
}

/* ---- refusals -------------------------------------------------------------------------------- */

static void test_refuses_header_and_fields(void **state)
{
	char *https = role_pem("https", 0), *t;
	static const char *const bad_clusters[] = {
	    "Clu'ster", "a;DROP TABLE remote_clusters",
	    "x\"--",	"two words",
	    "",		"C%s",
	    "c\\d",	"j\xc3\xbcrgen",
	    "a/b",	"012345678901234567890123456789012345678901234567890", /* 51 */
	};
	static const char *const bad_addresses[] = {
	    "127.0.7.200",   "127.0.7.200:0",  "127.0.7.200:65536",
	    "host:abc",	     "host:",	       "[::1]",
	    ":8443",	     "a b:1",	       "[::1]x:1",
	    "::1:8443",	     "-bad.example:1", "bad-.example:1",
	    "a..b:1",	     "x_y.example:1",  "h:123456",
	    "[127.0.0.1]:1", "h:+1",	       "h:1 2",
	};
	static const char *const bad_times[] = {
	    "2024-02-30T00:00:00Z",
	    "2024-05-01 12:00:00",
	    "2024-05-01T12:00:00+02:00",
	    "yesterday",
	    "2024-5-1T12:00:00Z",
	    "2024-05-01T12:00:00Zjunk",
	    "2024-05-01T24:00:00Z",
	    "1969-12-31T23:59:59Z",
	    "",
	};
	char fields[512];
	size_t i;

	(void)state;
	/* the header */
	refuse(GOOD_FIELDS, "line 1: not a trust bundle");
	t = text_with("", NULL);
	refuse(t + 2, "line 1: not a trust bundle"); /* "emcc trust bundle v1" without "# " */
	free(t);
	refuse("# emcc trust bundle v2\n" GOOD_FIELDS, "line 1: not a trust bundle");
	refuse("\n# emcc trust bundle v1\n" GOOD_FIELDS, "line 1");
	refuse(" # emcc trust bundle v1\n" GOOD_FIELDS, "line 1");
	refuse("", "empty");

	/* missing fields */
	t = text_with("address: h:1\ncreated: 2024-05-01T12:00:00Z\n", https);
	refuse(t, "missing field \"cluster\"");
	free(t);
	t = text_with("cluster: C\ncreated: 2024-05-01T12:00:00Z\n", https);
	refuse(t, "missing field \"address\"");
	free(t);
	t = text_with("cluster: C\naddress: h:1\n", https);
	refuse(t, "missing field \"created\"");
	free(t);
	/* duplicates, even with the same value */
	t = text_with(GOOD_FIELDS "cluster: ClusterTwo\n", https);
	refuse(t, "line 5: duplicate field \"cluster\"");
	free(t);
	t = text_with(GOOD_FIELDS "address: 127.0.7.200:8443\n", https);
	refuse(t, "duplicate field \"address\"");
	free(t);
	t = text_with(GOOD_FIELDS "created: 2024-05-01T12:00:00Z\n", https);
	refuse(t, "duplicate field \"created\"");
	free(t);
	/* unknown and malformed fields */
	t = text_with(GOOD_FIELDS "owner: me\n", https);
	refuse(t, "unknown field \"owner\"");
	free(t);
	t = text_with(GOOD_FIELDS "Cluster: X\n", https);
	refuse(t, "expected \"name: value\"");
	free(t);
	t = text_with(GOOD_FIELDS "just some words\n", https);
	refuse(t, "line 5: expected \"name: value\"");
	free(t);
	t = text_with(GOOD_FIELDS ": value\n", https);
	refuse(t, "expected \"name: value\"");
	free(t);

	/* cluster ids: SQL, quotes and the rest are refused (config.c's rule) */
	for (i = 0; i < sizeof(bad_clusters) / sizeof(bad_clusters[0]); i++) {
		snprintf(fields, sizeof(fields),
			 "cluster: %s\naddress: h:1\ncreated: 2024-05-01T12:00:00Z\n",
			 bad_clusters[i]);
		t = text_with(fields, https);
		refuse(t, "line 2: \"cluster\" must be");
		free(t);
	}
	for (i = 0; i < sizeof(bad_addresses) / sizeof(bad_addresses[0]); i++) {
		snprintf(fields, sizeof(fields),
			 "cluster: C\naddress: %s\ncreated: 2024-05-01T12:00:00Z\n",
			 bad_addresses[i]);
		t = text_with(fields, https);
		refuse(t, "line 3: \"address\" must be host:port");
		free(t);
	}
	for (i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		snprintf(fields, sizeof(fields), "cluster: C\naddress: h:1\ncreated: %s\n",
			 bad_times[i]);
		t = text_with(fields, https);
		refuse(t, "line 4: \"created\" must be");
		free(t);
	}
	/* a 50-character id is the longest allowed */
	snprintf(fields, sizeof(fields),
		 "cluster: %s\naddress: h:1\ncreated: 2024-05-01T12:00:00Z\n",
		 "01234567890123456789012345678901234567890123456789");
	t = text_with(fields, https);
	trust_bundle_free(accept_text(t));
	free(t);
	free(https);
}

static void test_refuses_certificates(void **state)
{
	char *https = role_pem("https", 0), *t, *pem;
	struct buf b;

	(void)state;
	/* a role without a certificate, a certificate without a role */
	t = text_with(GOOD_FIELDS, "role: https\n");
	refuse(t, "\"role:\" at the end without a certificate");
	free(t);
	t = text_with(GOOD_FIELDS, W.pem[0]);
	refuse(t, "line 5: a PEM block must follow a \"role:\" line");
	free(t);
	t = text_with(GOOD_FIELDS "role: https\ncluster: X\n", W.pem[0]);
	refuse(t, "line 6: expected a PEM certificate");
	free(t);
	t = text_with(GOOD_FIELDS, "role: ftp\n");
	refuse(t, "unknown role \"ftp\"");
	free(t);
	t = text_with(GOOD_FIELDS, "role: HTTPS\n");
	refuse(t, "unknown role");
	free(t);
	/* no https certificate at all; nothing at all */
	pem = role_pem("tvs", 0);
	t = text_with(GOOD_FIELDS, pem);
	refuse(t, "no certificate with role https");
	free(t);
	free(pem);
	t = text_with(GOOD_FIELDS, NULL);
	refuse(t, "no certificate with role https");
	free(t);
	/* fields after the certificates */
	buf_init(&b);
	buf_printf(&b, "%scluster: C\n", https);
	t = text_with("address: h:1\ncreated: 2024-05-01T12:00:00Z\n", b.data);
	refuse(t, "field \"cluster\" after the certificates");
	free(t);
	buf_free(&b);

	/* a PEM OpenSSL cannot parse: damaged base64 inside, damaged DER, a missing END */
	pem = strdup(W.pem[0]);
	assert_non_null(pem);
	/* the body starts "MII": the outer SEQUENCE tag; 'A' keeps it base64 but not DER */
	pem[strlen("-----BEGIN CERTIFICATE-----\n")] = 'A';
	buf_init(&b);
	buf_printf(&b, "role: https\n%s", pem);
	t = text_with(GOOD_FIELDS, b.data);
	refuse(t, "line 6: OpenSSL cannot parse the certificate");
	free(t);
	buf_free(&b);
	pem[40] = '!';
	buf_init(&b);
	buf_printf(&b, "role: https\n%s", pem);
	t = text_with(GOOD_FIELDS, b.data);
	refuse(t, "line 6: the PEM block cannot be decoded");
	free(t);
	buf_free(&b);
	free(pem);
	pem = strdup(https);
	assert_non_null(pem);
	*strstr(pem, "-----END") = '\0';
	t = text_with(GOOD_FIELDS, pem);
	refuse(t, "line 6: PEM block without its END line");
	free(t);
	free(pem);
	/* extra bytes after the DER: a certificate with a byte glued on, re-encoded */
	{
		X509 *x;
		BIO *in = BIO_new_mem_buf(W.pem[0], -1), *outb = BIO_new(BIO_s_mem());
		unsigned char *der = NULL, *grown;
		int dlen;
		char *data;
		long olen;

		x = PEM_read_bio_X509(in, NULL, NULL, NULL);
		assert_non_null(x);
		dlen = i2d_X509(x, &der);
		assert_true(dlen > 0);
		grown = malloc((size_t)dlen + 1);
		memcpy(grown, der, (size_t)dlen);
		grown[dlen] = 0;
		assert_true(PEM_write_bio(outb, "CERTIFICATE", "", grown, dlen + 1) > 0);
		olen = BIO_get_mem_data(outb, &data);
		buf_init(&b);
		buf_printf(&b, "role: https\n%.*s", (int)olen, data);
		t = text_with(GOOD_FIELDS, b.data);
		refuse(t, "bytes after the certificate's DER");
		free(t);
		buf_free(&b);
		/* a public key's DER labelled CERTIFICATE */
		BIO_reset(outb);
		OPENSSL_free(der);
		der = NULL;
		dlen = i2d_PUBKEY(X509_get0_pubkey(x), &der);
		assert_true(dlen > 0);
		assert_true(PEM_write_bio(outb, "CERTIFICATE", "", der, dlen) > 0);
		olen = BIO_get_mem_data(outb, &data);
		buf_init(&b);
		buf_printf(&b, "role: https\n%.*s", (int)olen, data);
		t = text_with(GOOD_FIELDS, b.data);
		refuse(t, "OpenSSL cannot parse the certificate");
		free(t);
		buf_free(&b);
		/* a non-X.509 PEM: the public key as itself */
		BIO_reset(outb);
		assert_true(PEM_write_bio_PUBKEY(outb, X509_get0_pubkey(x)) == 1);
		olen = BIO_get_mem_data(outb, &data);
		buf_init(&b);
		buf_printf(&b, "role: https\n%.*s", (int)olen, data);
		t = text_with(GOOD_FIELDS, b.data);
		refuse(t, "a \"PUBLIC KEY\" block is not an X.509 certificate");
		free(t);
		buf_free(&b);
		/* PEM headers (an "encrypted" certificate) */
		BIO_reset(outb);
		assert_true(
		    PEM_write_bio(outb, "CERTIFICATE", "Proc-Type: 4,ENCRYPTED\n", der, dlen) > 0);
		olen = BIO_get_mem_data(outb, &data);
		buf_init(&b);
		buf_printf(&b, "role: https\n%.*s", (int)olen, data);
		t = text_with(GOOD_FIELDS, b.data);
		refuse(t, "must not carry PEM headers");
		free(t);
		buf_free(&b);
		OPENSSL_free(der);
		free(grown);
		X509_free(x);
		BIO_free(in);
		BIO_free(outb);
	}
	/* a private key: refused before OpenSSL reads it */
	buf_init(&b);
	buf_printf(&b, "role: https\n%s", W.key_pem);
	t = text_with(GOOD_FIELDS, b.data);
	refuse(t, "line 6: a private key does not belong in a trust bundle");
	free(t);
	buf_free(&b);

	/* the same certificate twice in one role */
	buf_init(&b);
	buf_printf(&b, "%s%s", https, https);
	t = text_with(GOOD_FIELDS, b.data);
	refuse(t, "the same https certificate twice");
	free(t);
	buf_free(&b);

	/* at most 8 certificates: 8 pass, 9 do not */
	{
		static const char *const roles[] = {"https", "signing", "tvs"};
		char *one;
		int i;

		buf_init(&b);
		for (i = 0; i < 9; i++) {
			one = role_pem(roles[i % 3], i / 3);
			if (i == 8) {
				struct trust_bundle *ok;

				t = text_with(GOOD_FIELDS, b.data);
				ok = accept_text(t);
				assert_int_equal(ok->ncerts, 8);
				trust_bundle_free(ok);
				free(t);
			}
			buf_puts(&b, one);
			free(one);
		}
		t = text_with(GOOD_FIELDS, b.data);
		refuse(t, "more than 8 certificates");
		free(t);
		buf_free(&b);
	}
	free(https);
}

static void test_refuses_bad_text(void **state)
{
	char *https = role_pem("https", 0), *t, *big;
	size_t n, len;
	static const char *const bad_utf8[] = {
	    "\xff",	    "\xc0\xaf",				/* overlong '/' */
	    "\xed\xa0\x80", /* surrogate */ "\xf4\x90\x80\x80", /* past U+10FFFF */
	    "\xe6\x97",	    /* truncated */ "\x80",
	    "\xe0\x80\xaf", /* overlong */
	};
	static const char *const controls[] = {"\x1b[2J", "a\rb", "\x7f", "\x01"};
	char line[64];

	(void)state;
	for (n = 0; n < sizeof(bad_utf8) / sizeof(bad_utf8[0]); n++) {
		snprintf(line, sizeof(line), "# comment %s\n", bad_utf8[n]);
		t = text_with(line, https);
		refuse(t, "not valid UTF-8");
		free(t);
	}
	/* truncated at the very end */
	t = text_with(GOOD_FIELDS, https);
	len = strlen(t);
	big = malloc(len + 2);
	memcpy(big, t, len);
	big[len] = '\xc3';
	refuse_len(big, len + 1, EINVAL, "not valid UTF-8");
	/* an embedded NUL */
	big[len] = '\0';
	big[len + 1] = 'x';
	refuse_len(big, len + 2, EINVAL, "control character 0x00");
	free(big);
	free(t);
	for (n = 0; n < sizeof(controls) / sizeof(controls[0]); n++) {
		snprintf(line, sizeof(line), "# %s\n", controls[n]);
		t = text_with(line, https);
		refuse(t, "line 2: control character");
		free(t);
	}

	/* size: exactly TRUST_BUNDLE_MAX passes (padded with comments), one byte more does not */
	t = text_with(GOOD_FIELDS, https);
	len = strlen(t);
	big = malloc(TRUST_BUNDLE_MAX + 2);
	assert_non_null(big);
	memcpy(big, t, len);
	memset(big + len, '#', TRUST_BUNDLE_MAX - len);
	big[TRUST_BUNDLE_MAX - 1] = '\n';
	big[TRUST_BUNDLE_MAX] = '\0';
	{
		struct trust_bundle *b = NULL;
		char err[128];

		assert_int_equal(trust_bundle_parse(big, TRUST_BUNDLE_MAX, &b, err, sizeof(err)),
				 0);
		trust_bundle_free(b);
	}
	big[TRUST_BUNDLE_MAX] = '\n';
	big[TRUST_BUNDLE_MAX + 1] = '\0';
	refuse_len(big, TRUST_BUNDLE_MAX + 1, EFBIG, "larger than 262144 bytes");
	free(big);
	free(t);

	/* bad arguments; a NULL error buffer is allowed */
	{
		struct trust_bundle *b = NULL;

		assert_int_equal(trust_bundle_parse(NULL, 0, &b, NULL, 0), EINVAL);
		assert_int_equal(trust_bundle_parse("x", 1, NULL, NULL, 0), EINVAL);
		assert_int_equal(trust_bundle_parse("x", 1, &b, NULL, 0), EINVAL);
		assert_null(b);
	}
	free(https);
}

/* Random damage to a good bundle: never a crash or leak (ASan watches), always an answer, and a
 * refusal always says why. */
static void test_mutations(void **state)
{
	struct buf out;
	char err[256];
	unsigned seed = 12345;
	int i, k, accepted = 0;

	(void)state;
	buf_init(&out);
	assert_int_equal(trust_bundle_write(&out, "ClusterTwo", "127.0.7.200:8443", W.pem[0],
					    CREATED, err, sizeof(err)),
			 0);
	for (i = 0; i < 3000; i++) {
		char *m = malloc(out.len + 1);
		size_t len = out.len;
		struct trust_bundle *b = NULL;
		int rc;

		memcpy(m, out.data, out.len + 1);
		for (k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;

			seed = seed * 1103515245u + 12345u;
			switch (seed % 3) {
			case 0: m[at] = (char)(seed >> 16); break;
			case 1:
				len = at; /* truncate */
				break;
			default: m[at] = '\n'; break;
			}
			if (len == 0)
				break;
		}
		err[0] = '\0';
		rc = trust_bundle_parse(m, len, &b, err, sizeof(err));
		if (rc == 0) {
			accepted++;
			assert_non_null(b);
			assert_true(b->ncerts >= 1);
			trust_bundle_free(b);
		} else {
			assert_true(err[0] != '\0');
		}
		free(m);
	}
	assert_true(accepted < 3000);
	buf_free(&out);
}

/* ---- fingerprints ---------------------------------------------------------------------------- */

static void test_fingerprint_vs_openssl(void **state)
{
	char hex[TRUST_FP_HEX_SIZE], colon[TRUST_FP_COLON_SIZE], want[128], flat[TRUST_FP_HEX_SIZE];
	size_t i, j;
	int c;

	(void)state;
	for (c = 0; c < NCERTS; c++) {
		openssl_fingerprint(W.cert_path[c], want, sizeof(want));
		assert_int_equal(trust_cert_fingerprint(W.pem[c], hex, colon), 0);
		assert_string_equal(colon, want); /* the human form, byte for byte */
		for (i = j = 0; want[i]; i++)
			if (want[i] != ':')
				flat[j++] = (char)(want[i] >= 'A' && want[i] <= 'F' ? want[i] + 32
										    : want[i]);
		flat[j] = '\0';
		assert_string_equal(hex, flat);
		assert_int_equal(strlen(hex), 64);
		assert_int_equal(strlen(colon), 95);
		assert_true(trust_fingerprint_equal(hex, want));
		/* colon may be NULL */
		assert_int_equal(trust_cert_fingerprint(W.pem[c], hex, NULL), 0);
		assert_string_equal(hex, flat);
	}
	/* the X509 variant agrees */
	{
		BIO *bio = BIO_new_mem_buf(W.pem[1], -1);
		X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		char h2[TRUST_FP_HEX_SIZE];

		assert_non_null(x);
		assert_int_equal(trust_x509_fingerprint(x, h2, colon), 0);
		assert_int_equal(trust_cert_fingerprint(W.pem[1], hex, NULL), 0);
		assert_string_equal(h2, hex);
		X509_free(x);
		BIO_free(bio);
	}
	assert_int_equal(trust_x509_fingerprint(NULL, hex, NULL), EINVAL);
	assert_int_equal(trust_cert_fingerprint("junk", hex, NULL), EINVAL);
	assert_int_equal(trust_cert_fingerprint(W.key_pem, hex, NULL), EINVAL);
	assert_int_equal(trust_cert_fingerprint(NULL, hex, NULL), EINVAL);
	assert_int_equal(trust_cert_fingerprint(W.pem[0], NULL, NULL), EINVAL);
}

static void test_fingerprint_equal(void **state)
{
	char hex[TRUST_FP_HEX_SIZE], colon[TRUST_FP_COLON_SIZE], other[TRUST_FP_HEX_SIZE];
	char up[TRUST_FP_HEX_SIZE], lowc[TRUST_FP_COLON_SIZE], bad[128];
	size_t i;

	(void)state;
	assert_int_equal(trust_cert_fingerprint(W.pem[0], hex, colon), 0);
	assert_int_equal(trust_cert_fingerprint(W.pem[1], other, NULL), 0);
	for (i = 0; i < sizeof(up); i++)
		up[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	for (i = 0; i < sizeof(lowc); i++)
		lowc[i] = (char)(colon[i] >= 'A' && colon[i] <= 'F' ? colon[i] + 32 : colon[i]);

	assert_true(trust_fingerprint_equal(hex, hex));
	assert_true(trust_fingerprint_equal(hex, colon));
	assert_true(trust_fingerprint_equal(colon, hex));
	assert_true(trust_fingerprint_equal(up, lowc));
	assert_true(trust_fingerprint_equal(colon, lowc));
	assert_false(trust_fingerprint_equal(hex, other));
	assert_false(trust_fingerprint_equal(colon, other));
	/* one nibble off, first or last */
	snprintf(bad, sizeof(bad), "%s", hex);
	bad[0] = bad[0] == '0' ? '1' : '0';
	assert_false(trust_fingerprint_equal(hex, bad));
	snprintf(bad, sizeof(bad), "%s", hex);
	bad[63] = bad[63] == '0' ? '1' : '0';
	assert_false(trust_fingerprint_equal(hex, bad));
	/* malformed: never equal, not even to themselves */
	snprintf(bad, sizeof(bad), "%.63s", hex);
	assert_false(trust_fingerprint_equal(bad, bad));
	snprintf(bad, sizeof(bad), "%s0", hex);
	assert_false(trust_fingerprint_equal(bad, bad));
	snprintf(bad, sizeof(bad), "%s", hex);
	bad[10] = 'g';
	assert_false(trust_fingerprint_equal(bad, bad));
	snprintf(bad, sizeof(bad), "%s", colon);
	bad[2] = '-';
	assert_false(trust_fingerprint_equal(bad, colon));
	snprintf(bad, sizeof(bad), "%s", colon);
	bad[3] = ':';
	assert_false(trust_fingerprint_equal(bad, bad));
	snprintf(bad, sizeof(bad), " %s", hex);
	assert_false(trust_fingerprint_equal(bad, hex));
	snprintf(bad, sizeof(bad), "sha256 Fingerprint=%s", colon);
	assert_false(trust_fingerprint_equal(bad, colon));
	assert_false(trust_fingerprint_equal("", ""));
	assert_false(trust_fingerprint_equal(NULL, hex));
	assert_false(trust_fingerprint_equal(hex, NULL));
	memset(bad, 'a', 64);
	bad[64] = '\0';
	assert_true(trust_fingerprint_equal(bad, bad));
	memset(bad, '@', 64); /* '@' | 0x20 = '`', one below 'a' */
	assert_false(trust_fingerprint_equal(bad, bad));
	memset(bad, 'G', 64);
	assert_false(trust_fingerprint_equal(bad, bad));
	memset(bad, '/', 64); /* one below '0' */
	assert_false(trust_fingerprint_equal(bad, bad));
}

/* ---- host names ------------------------------------------------------------------------------ */

static void expect_match(int cert, const char *address, int want)
{
	int m = -1;

	assert_int_equal(trust_cert_matches_host(W.pem[cert], address, &m), 0);
	if (m != want)
		fail_msg("cert %d, %s: matches %d, wanted %d", cert, address, m, want);
}

static void test_matches_host(void **state)
{
	int m = -1;

	(void)state;
	/* cert 0: SAN IP:127.0.7.200 */
	expect_match(0, "127.0.7.200:8443", 1);
	expect_match(0, "127.0.7.200", 1);
	expect_match(0, "127.0.7.201:8443", 0);
	expect_match(0, "[::1]:8443", 0);
	expect_match(0, "localhost:8443", 0);
	expect_match(0, "ClusterTwo:8443", 0); /* the CN is not a name the certificate claims */
	/* cert 1: SAN DNS:emcc.example.org, CN cn.example.org */
	expect_match(1, "emcc.example.org:8443", 1);
	expect_match(1, "EMCC.Example.ORG:8443", 1);
	expect_match(1, "emcc.example.org", 1);
	expect_match(1, "cn.example.org:8443", 0);
	expect_match(1, "x.emcc.example.org:8443", 0);
	expect_match(1, "127.0.7.200:8443", 0);

	assert_int_equal(trust_cert_matches_host(W.pem[0], "a b:1", &m), EINVAL);
	assert_int_equal(trust_cert_matches_host(W.pem[0], "", &m), EINVAL);
	assert_int_equal(trust_cert_matches_host(W.pem[0], "h:0", &m), EINVAL);
	assert_int_equal(trust_cert_matches_host(W.pem[0], NULL, &m), EINVAL);
	assert_int_equal(trust_cert_matches_host("junk", "h:1", &m), EINVAL);
	assert_int_equal(trust_cert_matches_host(W.key_pem, "h:1", &m), EINVAL);
	assert_int_equal(trust_cert_matches_host(W.pem[0], "h:1", NULL), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_write_variants),
	    cmocka_unit_test(test_write_file),
	    cmocka_unit_test(test_accepts_variants),
	    cmocka_unit_test(test_refuses_header_and_fields),
	    cmocka_unit_test(test_refuses_certificates),
	    cmocka_unit_test(test_refuses_bad_text),
	    cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_fingerprint_vs_openssl),
	    cmocka_unit_test(test_fingerprint_equal),
	    cmocka_unit_test(test_matches_host),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
