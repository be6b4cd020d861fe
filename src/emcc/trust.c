/* trust.c -- trust bundles: strict import and export (the certificates in them: trust_cert.c). */
#include "emcc/trust.h"
#include "emcc/trust_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/str.h"

#define HEADER "# emcc trust bundle v1"
#define TIME_FMT "%Y-%m-%dT%H:%M:%SZ"

static const char *const role_names[] = {
    [TRUST_ROLE_HTTPS] = "https",
    [TRUST_ROLE_SIGNING] = "signing",
    [TRUST_ROLE_TVS] = "tvs",
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

const char *trust_role_name(enum trust_role role)
{
	return (size_t)role < NROLES && role_names[role] ? role_names[role] : NULL;
}

/* ---- field syntax ---------------------------------------------------------------------------- */

/* Cluster IDs as config.c accepts them: they end up in log prefixes, XML and SQL keys. */
static int cluster_id_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > TRUST_CLUSTER_MAX - 1)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* host:port as core/addr.h has it, the port required; s is not NUL-terminated. */
static int address_ok(const char *s, size_t n)
{
	char copy[TRUST_ADDRESS_MAX];
	struct addr a;

	if (!s || n == 0 || n >= sizeof(copy) || memchr(s, '\0', n))
		return 0;
	memcpy(copy, s, n);
	copy[n] = '\0';
	return addr_parse(&a, copy, 0, 0) == 0;
}

static int format_time(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 9999)
		return EINVAL;
	return strftime(out, len, TIME_FMT, &tm) ? 0 : EINVAL;
}

/* Exactly the form format_time writes: the round trip refuses "2024-02-30", short fields and
 * any trailing text. */
static int parse_time(const char *s, size_t n, time_t *out)
{
	char in[32], again[32];
	struct tm tm;
	const char *end;
	time_t t;

	if (n >= sizeof(in))
		return EINVAL;
	memcpy(in, s, n);
	in[n] = '\0';
	memset(&tm, 0, sizeof(tm));
	end = strptime(in, TIME_FMT, &tm);
	if (!end || *end)
		return EINVAL;
	t = timegm(&tm);
	if (format_time(t, again, sizeof(again)) || strcmp(again, in) != 0)
		return EINVAL;
	*out = t;
	return 0;
}

/* Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF); 1 when valid. */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return 0;
		}
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* ---- parse ----------------------------------------------------------------------------------- */

void trust_bundle_free(struct trust_bundle *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->ncerts; i++)
		free(b->certs[i].pem);
	free(b);
}

const struct trust_cert *trust_bundle_cert(const struct trust_bundle *b, enum trust_role role)
{
	size_t i;

	for (i = 0; b && i < b->ncerts; i++)
		if (b->certs[i].role == role)
			return &b->certs[i];
	return NULL;
}

static int line_is(const char *l, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(l, lit, n) == 0;
}

static int starts_with(const char *l, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && memcmp(l, lit, k) == 0;
}

/* Splits "name: value" (spaces or tabs around the value). 0 or EINVAL. */
static int split_field(const char *l, size_t n, const char **name, size_t *nn, const char **val,
		       size_t *vn)
{
	const char *colon = memchr(l, ':', n);
	size_t i;

	if (!colon || colon == l)
		return EINVAL;
	for (i = 0; l + i < colon; i++)
		if (l[i] < 'a' || l[i] > 'z')
			return EINVAL;
	*name = l;
	*nn = (size_t)(colon - l);
	*val = colon + 1;
	*vn = n - *nn - 1;
	while (*vn && (**val == ' ' || **val == '\t')) {
		(*val)++;
		(*vn)--;
	}
	while (*vn && ((*val)[*vn - 1] == ' ' || (*val)[*vn - 1] == '\t'))
		(*vn)--;
	return 0;
}

enum pstate { P_FIELDS, P_WANT_PEM, P_IN_PEM, P_AFTER_PEM };

struct parser {
	struct trust_bundle *b;
	enum pstate state;
	enum trust_role role;
	const char *pem_start; /* BEGIN line of the block being read */
	size_t pem_line;
	int have_cluster, have_address, have_created;
	char *err;
	size_t errlen;
};

/* "role: X": the certificate block that follows has role X. */
static int on_role(struct parser *p, size_t lineno, const char *val, size_t vn)
{
	size_t r;

	for (r = 1; r < NROLES; r++)
		if (line_is(val, vn, role_names[r]))
			break;
	if (r == NROLES) {
		str_printf(p->err, p->errlen,
			   "line %zu: unknown role \"%.*s\" (https, signing or tvs)", lineno,
			   (int)(vn > 32 ? 32 : vn), val);
		return EINVAL;
	}
	if (p->b->ncerts == TRUST_MAX_CERTS) {
		str_printf(p->err, p->errlen, "line %zu: more than %d certificates", lineno,
			   TRUST_MAX_CERTS);
		return EINVAL;
	}
	p->role = (enum trust_role)r;
	p->state = P_WANT_PEM;
	return 0;
}

static int on_field(struct parser *p, size_t lineno, const char *l, size_t n)
{
	const char *name, *val;
	size_t nn, vn;

	if (split_field(l, n, &name, &nn, &val, &vn)) {
		str_printf(p->err, p->errlen, "line %zu: expected \"name: value\"", lineno);
		return EINVAL;
	}
	if (line_is(name, nn, "role"))
		return on_role(p, lineno, val, vn);
	if (p->state != P_FIELDS) {
		str_printf(p->err, p->errlen, "line %zu: field \"%.*s\" after the certificates",
			   lineno, (int)(nn > 32 ? 32 : nn), name);
		return EINVAL;
	}
	if (line_is(name, nn, "cluster")) {
		if (p->have_cluster++) {
			str_printf(p->err, p->errlen, "line %zu: duplicate field \"cluster\"",
				   lineno);
			return EINVAL;
		}
		if (!cluster_id_ok(val, vn)) {
			str_printf(p->err, p->errlen,
				   "line %zu: \"cluster\" must be 1 to 50 of A-Z a-z 0-9 _ . -",
				   lineno);
			return EINVAL;
		}
		memcpy(p->b->cluster, val, vn);
		p->b->cluster[vn] = '\0';
		return 0;
	}
	if (line_is(name, nn, "address")) {
		if (p->have_address++) {
			str_printf(p->err, p->errlen, "line %zu: duplicate field \"address\"",
				   lineno);
			return EINVAL;
		}
		if (!address_ok(val, vn)) {
			str_printf(
			    p->err, p->errlen,
			    "line %zu: \"address\" must be host:port (DNS name, IPv4, or [IPv6])",
			    lineno);
			return EINVAL;
		}
		memcpy(p->b->address, val, vn);
		p->b->address[vn] = '\0';
		return 0;
	}
	if (line_is(name, nn, "created")) {
		if (p->have_created++) {
			str_printf(p->err, p->errlen, "line %zu: duplicate field \"created\"",
				   lineno);
			return EINVAL;
		}
		if (parse_time(val, vn, &p->b->created)) {
			str_printf(p->err, p->errlen,
				   "line %zu: \"created\" must be UTC as YYYY-MM-DDTHH:MM:SSZ",
				   lineno);
			return EINVAL;
		}
		return 0;
	}
	str_printf(p->err, p->errlen, "line %zu: unknown field \"%.*s\"", lineno,
		   (int)(nn > 32 ? 32 : nn), name);
	return EINVAL;
}

/* The END line of a block: decode it, check it, keep it. */
static int on_pem_end(struct parser *p, const char *end_of_block)
{
	struct trust_cert *c = &p->b->certs[p->b->ncerts];
	char why[160];
	size_t i;
	X509 *x;
	int err;

	x = trust_decode_block(p->pem_start, (size_t)(end_of_block - p->pem_start), why,
			       sizeof(why));
	if (!x) {
		str_printf(p->err, p->errlen, "line %zu: %s", p->pem_line, why);
		return EINVAL;
	}
	memset(c, 0, sizeof(*c));
	c->role = p->role;
	err = trust_cert_fill(x, c);
	X509_free(x);
	if (err == EFBIG) {
		str_printf(p->err, p->errlen, "line %zu: certificate larger than %d bytes of PEM",
			   p->pem_line, TRUST_PEM_MAX);
		return EINVAL;
	}
	if (err) {
		str_printf(p->err, p->errlen, "out of memory");
		return err;
	}
	for (i = 0; i < p->b->ncerts; i++) {
		if (p->b->certs[i].role == c->role &&
		    strcmp(p->b->certs[i].sha256, c->sha256) == 0) {
			str_printf(p->err, p->errlen, "line %zu: the same %s certificate twice",
				   p->pem_line, role_names[c->role]);
			free(c->pem);
			c->pem = NULL;
			return EINVAL;
		}
	}
	p->b->ncerts++;
	p->state = P_AFTER_PEM;
	return 0;
}

static int on_line(struct parser *p, size_t lineno, const char *l, size_t n, const char *next)
{
	if (p->state == P_IN_PEM) {
		if (starts_with(l, n, "-----END "))
			return on_pem_end(p, next);
		return 0; /* base64 body: OpenSSL judges it */
	}
	if (n == 0 || l[0] == '#')
		return 0;
	if (starts_with(l, n, "-----BEGIN ")) {
		if (p->state != P_WANT_PEM) {
			str_printf(p->err, p->errlen,
				   "line %zu: a PEM block must follow a \"role:\" line", lineno);
			return EINVAL;
		}
		if (memmem(l, n, "PRIVATE KEY", 11)) {
			str_printf(p->err, p->errlen,
				   "line %zu: a private key does not belong in a trust bundle; "
				   "it was not read",
				   lineno);
			return EINVAL;
		}
		p->pem_start = l;
		p->pem_line = lineno;
		p->state = P_IN_PEM;
		return 0;
	}
	if (p->state == P_WANT_PEM) {
		str_printf(p->err, p->errlen,
			   "line %zu: expected a PEM certificate after \"role:\"", lineno);
		return EINVAL;
	}
	return on_field(p, lineno, l, n);
}

/* Text-level checks: size, UTF-8, no control characters but tab and line ends (a lone CR, NUL
 * or escape sequence has no business in a bundle and could hide text from a reviewer). */
static int check_text(const char *text, size_t len, char *err, size_t errlen)
{
	size_t i, line = 1;

	if (len > TRUST_BUNDLE_MAX) {
		str_printf(err, errlen, "bundle larger than %d bytes", TRUST_BUNDLE_MAX);
		return EFBIG;
	}
	if (!utf8_ok((const unsigned char *)text, len)) {
		str_printf(err, errlen, "bundle is not valid UTF-8");
		return EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\n') {
			line++;
			continue;
		}
		if ((c < 0x20 && c != '\t' && !(c == '\r' && i + 1 < len && text[i + 1] == '\n')) ||
		    c == 0x7f) {
			str_printf(err, errlen, "line %zu: control character 0x%02x", line, c);
			return EINVAL;
		}
	}
	return 0;
}

int trust_bundle_parse(const char *text, size_t len, struct trust_bundle **out, char *err,
		       size_t errlen)
{
	struct parser p;
	const char *pos, *end, *nl, *next;
	size_t lineno = 0, n;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.err = err;
	p.errlen = errlen;
	if (!text || !out) {
		str_printf(err, errlen, "no bundle");
		return EINVAL;
	}
	if ((rc = check_text(text, len, err, errlen)))
		return rc;
	if (!(p.b = calloc(1, sizeof(*p.b)))) {
		str_printf(err, errlen, "out of memory");
		return ENOMEM;
	}
	p.state = P_FIELDS;
	end = text + len;
	for (pos = text; pos < end; pos = next) {
		nl = memchr(pos, '\n', (size_t)(end - pos));
		next = nl ? nl + 1 : end;
		n = (size_t)((nl ? nl : end) - pos);
		if (n && pos[n - 1] == '\r')
			n--;
		lineno++;
		if (lineno == 1) {
			if (!line_is(pos, n, HEADER)) {
				str_printf(err, errlen,
					   "line 1: not a trust bundle (expected \"%s\")", HEADER);
				rc = EINVAL;
				goto out;
			}
			continue;
		}
		if ((rc = on_line(&p, lineno, pos, n, next)))
			goto out;
	}
	if (lineno == 0) {
		str_printf(err, errlen, "empty bundle");
		rc = EINVAL;
	} else if (p.state == P_IN_PEM) {
		str_printf(err, errlen, "line %zu: PEM block without its END line", p.pem_line);
		rc = EINVAL;
	} else if (p.state == P_WANT_PEM) {
		str_printf(err, errlen, "\"role:\" at the end without a certificate");
		rc = EINVAL;
	} else if (!p.have_cluster || !p.have_address || !p.have_created) {
		str_printf(err, errlen, "missing field \"%s\"",
			   !p.have_cluster   ? "cluster"
			   : !p.have_address ? "address"
					     : "created");
		rc = EINVAL;
	} else if (!trust_bundle_cert(p.b, TRUST_ROLE_HTTPS)) {
		str_printf(err, errlen, "no certificate with role https");
		rc = EINVAL;
	}
out:
	if (rc) {
		trust_bundle_free(p.b);
		return rc;
	}
	*out = p.b;
	return 0;
}

/* ---- write ----------------------------------------------------------------------------------- */

int trust_bundle_write(struct buf *out, const char *cluster, const char *address,
		       const char *https_pem, time_t created, char *err, size_t errlen)
{
	struct trust_cert c;
	char when[32], colon[TRUST_FP_COLON_SIZE];
	X509 *x = NULL;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	if (!out || !cluster || !cluster_id_ok(cluster, strlen(cluster))) {
		str_printf(err, errlen, "cluster id must be 1 to 50 of A-Z a-z 0-9 _ . -");
		return EINVAL;
	}
	if (!address || !address_ok(address, strlen(address))) {
		str_printf(err, errlen, "address must be host:port (DNS name, IPv4, or [IPv6])");
		return EINVAL;
	}
	if (format_time(created, when, sizeof(when))) {
		str_printf(err, errlen, "creation time out of range");
		return EINVAL;
	}
	if (!(x = trust_first_cert(https_pem))) {
		str_printf(err, errlen, "no certificate OpenSSL can read in the https PEM");
		return EINVAL;
	}
	if ((rc = trust_cert_fill(x, &c))) {
		str_printf(err, errlen, rc == EFBIG ? "certificate too large" : "out of memory");
		rc = rc == EFBIG ? EINVAL : rc;
		goto out;
	}
	if ((rc = trust_x509_fingerprint(x, c.sha256, colon))) {
		str_printf(err, errlen, "cannot compute the fingerprint");
		goto out;
	}
	buf_printf(out,
		   HEADER "\n"
			  "cluster: %s\n"
			  "address: %s\n"
			  "created: %s\n"
			  "# sha256 %s\n"
			  "role: https\n"
			  "%s",
		   cluster, address, when, colon, c.pem);
	if (out->oom) {
		str_printf(err, errlen, "out of memory");
		rc = ENOMEM;
	}
out:
	free(c.pem);
	X509_free(x);
	return rc;
}

int trust_bundle_write_file(const char *path, const char *cluster, const char *address,
			    const char *https_pem, time_t created, char *err, size_t errlen)
{
	struct buf b;
	char *tmp = NULL;
	size_t off = 0;
	ssize_t w;
	int fd = -1, rc;

	buf_init(&b);
	if (!path || !*path) {
		str_printf(err, errlen, "no output path");
		return EINVAL;
	}
	if ((rc = trust_bundle_write(&b, cluster, address, https_pem, created, err, errlen)))
		goto out;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		rc = ENOMEM;
		str_printf(err, errlen, "out of memory");
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		rc = errno;
		str_printf(err, errlen, "cannot create %s: %s", tmp, strerror(rc));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* mkstemp makes 0600; a bundle holds only public certificates */
	if (fchmod(fd, 0644) != 0) {
		rc = errno;
		str_printf(err, errlen, "cannot chmod %s: %s", tmp, strerror(rc));
		goto out;
	}
	while (off < b.len) {
		w = write(fd, b.data + off, b.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? errno : EIO;
			str_printf(err, errlen, "cannot write %s: %s", tmp, strerror(rc));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		rc = errno;
		fd = -1;
		str_printf(err, errlen, "cannot write %s: %s", tmp, strerror(rc));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = errno;
		str_printf(err, errlen, "cannot rename to %s: %s", path, strerror(rc));
		goto out;
	}
	free(tmp);
	tmp = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	buf_free(&b);
	return rc;
}
