/* tls.c -- OpenSSL server contexts and first-start self-signed certificates. */
#include "core/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void ssl_reason(char *err, size_t errlen, const char *what)
{
	char detail[256] = "";
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, detail, sizeof(detail));
	snprintf(err, errlen, "%s%s%s", what, detail[0] ? ": " : "", detail);
	ERR_clear_error();
}

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	int ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok ? 0 : -1;
}

/* A random positive 128-bit serial number. Returns 0 or EIO with err set. */
static int set_serial(X509 *cert, char *err, size_t errlen)
{
	unsigned char serial[16];
	FILE *ur = fopen("/dev/urandom", "rb");

	if (!ur || fread(serial, 1, sizeof(serial), ur) != sizeof(serial)) {
		if (ur)
			fclose(ur);
		snprintf(err, errlen, "cannot read /dev/urandom");
		return EIO;
	}
	fclose(ur);
	serial[0] &= 0x7f; /* positive */
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
	BN_free(bn);
	return 0;
}

/* X.509 v3, valid from an hour ago for `days`, subject and issuer "CN=common_name[, OU=org_unit],
 * O=emcc". */
static void set_subject(X509 *cert, EVP_PKEY *key, const struct tls_cert_spec *spec)
{
	X509_set_version(cert, 2);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), spec->days * 24 * 3600);
	X509_set_pubkey(cert, key);
	X509_NAME *name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				   (const unsigned char *)spec->common_name, -1, -1, 0);
	if (spec->org_unit && spec->org_unit[0])
		X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
					   (const unsigned char *)spec->org_unit, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"emcc", -1, -1,
				   0);
	X509_set_issuer_name(cert, name);
}

/* host as the subject alternative name (IP: for an address literal, else DNS:; none when host is
 * NULL or ""), no CA, and the key uses the spec names. Returns 0 or EIO with err set. */
static int add_extensions(X509 *cert, const struct tls_cert_spec *spec, char *err, size_t errlen)
{
	char san[300];
	struct in6_addr a6;
	struct in_addr a4;
	const char *host = spec->host;

	if (host && host[0]) {
		if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1)
			snprintf(san, sizeof(san), "IP:%s", host);
		else
			snprintf(san, sizeof(san), "DNS:%s", host);
		if (add_ext(cert, NID_subject_alt_name, san))
			goto fail;
	}
	if (add_ext(cert, NID_basic_constraints, "critical,CA:FALSE"))
		goto fail;
	if (spec->key_usage && add_ext(cert, NID_key_usage, spec->key_usage))
		goto fail;
	if (spec->ext_key_usage && add_ext(cert, NID_ext_key_usage, spec->ext_key_usage))
		goto fail;
	return 0;
fail:
	ssl_reason(err, errlen, "cannot add certificate extensions");
	return EIO;
}

/* Writes one PEM object to tmp (path.tmp) with the given mode and flushes it to disk; the caller
 * renames it into place. A stale .tmp from a crash would keep its old mode under O_CREAT, so it
 * is removed first. */
static int write_tmp(const char *path, char *tmp, size_t tmplen, mode_t mode, EVP_PKEY *key,
		     X509 *cert, char *err, size_t errlen)
{
	FILE *f = NULL;
	int fd = -1, rc = EIO, ok;

	if (snprintf(tmp, tmplen, "%s.tmp", path) >= (int)tmplen) {
		snprintf(err, errlen, "path too long: %s", path);
		tmp[0] = '\0';
		return ENAMETOOLONG;
	}
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) != 0 || !(f = fdopen(fd, "w"))) {
		rc = errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(rc));
		goto out;
	}
	fd = -1;
	ok =
	    key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
	if (!ok) {
		ssl_reason(err, errlen,
			   key ? "cannot write the key" : "cannot write the certificate");
		goto out;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rc = errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(rc));
		goto out;
	}
	ok = fclose(f);
	f = NULL;
	if (ok != 0) {
		rc = errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(rc));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Flushes the directory holding path, so the renames survive a crash too. Best effort. */
static void sync_dir_of(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Both files are written in full beside their targets before either is renamed, so a full
 * disk or a failed write leaves the old pair; only a crash between the two renames can leave a
 * new key beside an old certificate, which loading refuses (they do not match) rather than
 * silently making a new identity: a lost or torn key would make every phone that trusted the
 * old one refuse us. */
int tls_write_pem(const char *cert_path, const char *key_path, EVP_PKEY *key, X509 *cert, char *err,
		  size_t errlen)
{
	char ktmp[4096] = "", ctmp[4096] = "";
	int rc;

	if ((rc = write_tmp(key_path, ktmp, sizeof(ktmp), 0600, key, NULL, err, errlen)) != 0 ||
	    (rc = write_tmp(cert_path, ctmp, sizeof(ctmp), 0644, NULL, cert, err, errlen)) != 0)
		goto out;
	if (rename(ktmp, key_path) != 0 || rename(ctmp, cert_path) != 0) {
		rc = errno;
		snprintf(err, errlen, "cannot write %s or %s: %s", key_path, cert_path,
			 strerror(rc));
		goto out;
	}
	sync_dir_of(cert_path);
out:
	if (rc) {
		if (ktmp[0])
			(void)unlink(ktmp);
		if (ctmp[0])
			(void)unlink(ctmp);
	}
	return rc;
}

int tls_make_self_signed(const struct tls_cert_spec *spec, EVP_PKEY **keyp, X509 **certp, char *err,
			 size_t errlen)
{
	EVP_PKEY *key = spec->rsa_bits ? EVP_RSA_gen(spec->rsa_bits) : EVP_EC_gen("P-256");
	X509 *cert = NULL;
	int rc = EIO;

	if (!key) {
		ssl_reason(err, errlen, "cannot generate a key");
		goto out;
	}
	if (!(cert = X509_new()) || set_serial(cert, err, errlen) != 0)
		goto out;
	set_subject(cert, key, spec);
	if (add_extensions(cert, spec, err, errlen) != 0)
		goto out;
	if (!X509_sign(cert, key, EVP_sha256())) {
		ssl_reason(err, errlen, "cannot sign the certificate");
		goto out;
	}
	*keyp = key;
	*certp = cert;
	key = NULL;
	cert = NULL;
	rc = 0;
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

int tls_generate_self_signed(const char *cert_path, const char *key_path, const char *common_name,
			     const char *host, char *err, size_t errlen)
{
	const struct tls_cert_spec spec = {
	    .common_name = common_name,
	    .host = host,
	    .ext_key_usage = "serverAuth,clientAuth",
	    .days = 10L * 365,
	};
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;

	int rc = tls_make_self_signed(&spec, &key, &cert, err, errlen);
	if (rc == 0)
		rc = tls_write_pem(cert_path, key_path, key, cert, err, errlen);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

/* Any client certificate is accepted during the handshake: phones and API clients send none, and
 * a cluster's self-signed certificate has no CA. Whether a certificate is trusted is decided per
 * request, by its fingerprint against the imported remote clusters (tls_peer_fingerprint). */
static int accept_any_client_cert(int preverify_ok, X509_STORE_CTX *xs)
{
	(void)preverify_ok;
	(void)xs;
	return 1;
}

int tls_peer_fingerprint(SSL *ssl, char hex[65])
{
	hex[0] = '\0';
	X509 *cert = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
	if (!cert)
		return ENOENT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok = X509_digest(cert, EVP_sha256(), md, &n) == 1 && n == 32;
	X509_free(cert);
	if (!ok)
		return EIO;
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int tls_server_ctx(const char *cert_path, const char *key_path, const char *common_name,
		   const char *host, SSL_CTX **ctxp, char *err, size_t errlen)
{
	struct stat sb;
	int have_cert = stat(cert_path, &sb) == 0, have_key = stat(key_path, &sb) == 0;
	if (!have_cert && !have_key) {
		int rc =
		    tls_generate_self_signed(cert_path, key_path, common_name, host, err, errlen);
		if (rc)
			return rc;
	} else if (!have_cert || !have_key) {
		snprintf(err, errlen, "%s is missing while %s exists",
			 have_cert ? key_path : cert_path, have_cert ? cert_path : key_path);
		return ENOENT;
	}
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		ssl_reason(err, errlen, "cannot create a TLS context");
		return EIO;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Ask for a client certificate (other clusters present theirs: mutual TLS) without
	 * requiring one. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_client_cert);
	/* Session ids need a context id once client certificates are requested. */
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"emccd", 5);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
		ssl_reason(err, errlen, "cannot load the certificate");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ssl_reason(err, errlen,
			   "cannot load the key, or it does not match the certificate");
		goto fail;
	}
	*ctxp = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return EINVAL;
}
