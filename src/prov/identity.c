/* identity.c -- the cluster's signing identities on disk (made once, kept, rotated) and the ITL
 * and .sgn files made with them. */
#include "prov/identity.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/tls.h"
#include "prov/itl.h"
#include "prov/sgn.h"
#include "prov/tlv.h"

static const char *const role_names[IDENTITY_NROLES] = {"itlrecovery", "tftp", "tvs"};

const char *identity_role_name(enum identity_role role)
{
	return (unsigned)role < IDENTITY_NROLES ? role_names[role] : "?";
}

uint16_t identity_itl_role(enum identity_role role)
{
	switch (role) {
	case IDENTITY_ITLRECOVERY: return ITL_ROLE_SAST;
	case IDENTITY_TFTP: return ITL_ROLE_CCM_TFTP;
	case IDENTITY_TVS: return ITL_ROLE_TVS;
	}
	return ITL_ROLE_SAST;
}

int identity_path(const struct identities *ids, enum identity_role role, int key, int prev,
		  char *out, size_t len)
{
	return str_printf(out, len, "%s/%s%s.%s", ids->dir, identity_role_name(role),
			  prev ? "-prev" : "", key ? "key" : "crt")
		   ? ENAMETOOLONG
		   : 0;
}

/* What each role's certificate is made of. CUCM names the ITLRecovery certificate
 * ITLRECOVERY_<host> and the CallManager and TVS ones after the host; the OU tells ours apart.
 * ITLRecovery lives 20 years (as CUCM's, we believe: it is the key phones must keep trusting),
 * the others 10 like the HTTPS certificate; all easy to change here. */
static void role_spec(const struct identities *ids, enum identity_role role, char *cn, size_t cnlen,
		      struct tls_cert_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->rsa_bits = IDENTITY_RSA_BITS;
	spec->common_name = cn;
	spec->key_usage = "critical,digitalSignature,keyEncipherment";
	spec->days = 10L * 365;
	switch (role) {
	case IDENTITY_ITLRECOVERY:
		str_printf(cn, cnlen, "ITLRECOVERY_%s", ids->name);
		spec->org_unit = "ITLRecovery";
		spec->days = 20L * 365;
		break;
	case IDENTITY_TFTP:
		str_printf(cn, cnlen, "%s", ids->name);
		spec->org_unit = "TFTP";
		spec->host = ids->host;
		spec->ext_key_usage = "serverAuth,clientAuth";
		break;
	case IDENTITY_TVS:
		str_printf(cn, cnlen, "%s", ids->name);
		spec->org_unit = "TVS";
		spec->host = ids->host;
		spec->ext_key_usage = "serverAuth";
		break;
	}
}

static void identity_clear(struct identity *id)
{
	EVP_PKEY_free(id->key);
	X509_free(id->cert);
	id->key = NULL;
	id->cert = NULL;
}

static void ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
	char detail[256] = "";
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, detail, sizeof(detail));
	str_printf(err, errlen, "%s %s%s%s", what, path, detail[0] ? ": " : "", detail);
	ERR_clear_error();
}

int identity_read_cert(const char *path, X509 **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int rc;

	*out = NULL;
	if (!f) {
		rc = errno;
		str_printf(err, errlen, "cannot read %s: %s", path, strerror(rc));
		return rc;
	}
	*out = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!*out) {
		ssl_err(err, errlen, "no certificate in", path);
		return EINVAL;
	}
	return 0;
}

/* A key file: group and others may not read it, and it holds a private key. */
static int read_key(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	int rc;

	*out = NULL;
	if (!f || fstat(fileno(f), &st) != 0) {
		rc = errno;
		str_printf(err, errlen, "cannot read %s: %s", path, strerror(rc));
		if (f)
			fclose(f);
		return rc;
	}
	if (st.st_mode & 077) {
		fclose(f);
		str_printf(err, errlen, "%s is open to group or others (mode %04o): chmod 600 it",
			   path, (unsigned)(st.st_mode & 07777));
		return EACCES;
	}
	*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!*out) {
		ssl_err(err, errlen, "no private key in", path);
		return EINVAL;
	}
	return 0;
}

/* One identity from its two files: 0, ENOENT when both are absent (and *absent set), or
 * another errno value. */
static int load_one(const struct identities *ids, enum identity_role role, int prev,
		    struct identity *id, int *absent, char *err, size_t errlen)
{
	char kp[IDENTITY_PATH_MAX], cp[IDENTITY_PATH_MAX];
	struct stat st;
	int have_key, have_cert, rc;

	*absent = 0;
	if (identity_path(ids, role, 1, prev, kp, sizeof(kp)) ||
	    identity_path(ids, role, 0, prev, cp, sizeof(cp))) {
		str_printf(err, errlen, "data_dir path too long: %s", ids->dir);
		return ENAMETOOLONG;
	}
	have_key = stat(kp, &st) == 0;
	have_cert = stat(cp, &st) == 0;
	if (!have_key && !have_cert) {
		*absent = 1;
		return ENOENT;
	}
	if (!have_key || !have_cert) {
		str_printf(err, errlen, "%s is missing while %s exists", have_key ? cp : kp,
			   have_key ? kp : cp);
		return ENOENT;
	}
	if ((rc = read_key(kp, &id->key, err, errlen)) != 0 ||
	    (rc = identity_read_cert(cp, &id->cert, err, errlen)) != 0)
		goto fail;
	rc = EINVAL;
	if (X509_check_private_key(id->cert, id->key) != 1) {
		ssl_err(err, errlen, "the key does not match the certificate", cp);
		goto fail;
	}
	if (EVP_PKEY_get_base_id(id->key) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(id->key) > TLV_RSA_BITS_MAX) {
		str_printf(err, errlen, "%s is not an RSA key of at most %d bits", kp,
			   TLV_RSA_BITS_MAX);
		goto fail;
	}
	return 0;
fail:
	identity_clear(id);
	return rc;
}

/* A new identity for role, written to its files (or the -prev ones). */
static int make_one(const struct identities *ids, enum identity_role role, int prev,
		    struct identity *id, char *err, size_t errlen)
{
	char kp[IDENTITY_PATH_MAX], cp[IDENTITY_PATH_MAX], cn[IDENTITY_NAME_MAX + 16];
	struct tls_cert_spec spec;
	int rc;

	if (identity_path(ids, role, 1, prev, kp, sizeof(kp)) ||
	    identity_path(ids, role, 0, prev, cp, sizeof(cp))) {
		str_printf(err, errlen, "data_dir path too long: %s", ids->dir);
		return ENAMETOOLONG;
	}
	role_spec(ids, role, cn, sizeof(cn), &spec);
	if ((rc = tls_make_self_signed(&spec, &id->key, &id->cert, err, errlen)) != 0)
		return rc;
	if ((rc = tls_write_pem(cp, kp, id->key, id->cert, err, errlen)) != 0)
		identity_clear(id);
	return rc;
}

/* Writes an identity we hold to the -prev files. */
static int write_prev(const struct identities *ids, const struct identity *id, char *err,
		      size_t errlen)
{
	char kp[IDENTITY_PATH_MAX], cp[IDENTITY_PATH_MAX];

	if (identity_path(ids, IDENTITY_ITLRECOVERY, 1, 1, kp, sizeof(kp)) ||
	    identity_path(ids, IDENTITY_ITLRECOVERY, 0, 1, cp, sizeof(cp))) {
		str_printf(err, errlen, "data_dir path too long: %s", ids->dir);
		return ENAMETOOLONG;
	}
	return tls_write_pem(cp, kp, id->key, id->cert, err, errlen);
}

static int unlink_prev(const struct identities *ids, char *err, size_t errlen)
{
	char p[IDENTITY_PATH_MAX];
	int rc = 0;

	for (int key = 0; key < 2; key++) {
		if (identity_path(ids, IDENTITY_ITLRECOVERY, key, 1, p, sizeof(p)) == 0 &&
		    unlink(p) != 0 && errno != ENOENT && !rc) {
			rc = errno;
			str_printf(err, errlen, "cannot remove %s: %s", p, strerror(rc));
		}
	}
	return rc;
}

void identity_free(struct identities *ids)
{
	if (!ids)
		return;
	for (int i = 0; i < IDENTITY_NROLES; i++)
		identity_clear(&ids->id[i]);
	identity_clear(&ids->prev_sast);
	free(ids);
}

int identity_load(struct identities **out, const char *data_dir, const char *name, const char *host,
		  char *err, size_t errlen)
{
	struct identities *ids = calloc(1, sizeof(*ids));
	int absent, rc = ENOMEM;

	*out = NULL;
	if (!ids) {
		str_printf(err, errlen, "out of memory");
		return ENOMEM;
	}
	ids->digest = TLV_DIGEST_SHA1;
	rc = EINVAL;
	if (!data_dir || !data_dir[0] || !name || !name[0] ||
	    str_copy(ids->dir, sizeof(ids->dir), data_dir) ||
	    str_copy(ids->name, sizeof(ids->name), name) ||
	    str_copy(ids->host, sizeof(ids->host), host)) {
		str_printf(err, errlen, "a data_dir and a name (at most %d bytes) are needed",
			   IDENTITY_NAME_MAX - 1);
		goto fail;
	}
	for (int i = 0; i < IDENTITY_NROLES; i++) {
		rc = load_one(ids, (enum identity_role)i, 0, &ids->id[i], &absent, err, errlen);
		if (rc && absent)
			rc = make_one(ids, (enum identity_role)i, 0, &ids->id[i], err, errlen);
		if (rc)
			goto fail;
	}
	rc = load_one(ids, IDENTITY_ITLRECOVERY, 1, &ids->prev_sast, &absent, err, errlen);
	if (rc && !absent)
		goto fail;
	/* A crash during a rotation, after the old key was copied to -prev and before the new one
	 * took its place, leaves the same identity twice: no rotation is under way. */
	if (rc == 0 && X509_cmp(ids->prev_sast.cert, ids->id[IDENTITY_ITLRECOVERY].cert) == 0) {
		identity_clear(&ids->prev_sast);
		if ((rc = unlink_prev(ids, err, errlen)) != 0)
			goto fail;
	}
	*out = ids;
	return 0;
fail:
	identity_free(ids);
	return rc;
}

int identity_rotate(struct identities *ids, enum identity_role role, char *err, size_t errlen)
{
	struct identity fresh = {0};
	int rc;

	if ((unsigned)role >= IDENTITY_NROLES) {
		str_printf(err, errlen, "no such identity");
		return EINVAL;
	}
	if (role == IDENTITY_ITLRECOVERY) {
		if (ids->prev_sast.key) {
			str_printf(err, errlen,
				   "an ITLRecovery rotation is under way: retire the previous key "
				   "once every phone has the ITL it signed");
			return EBUSY;
		}
		/* The old key first, so that a crash never loses it (load sees the copy). */
		if ((rc = write_prev(ids, &ids->id[role], err, errlen)) != 0)
			return rc;
	}
	if ((rc = make_one(ids, role, 0, &fresh, err, errlen)) != 0) {
		if (role == IDENTITY_ITLRECOVERY)
			(void)unlink_prev(ids, NULL, 0);
		return rc;
	}
	if (role == IDENTITY_ITLRECOVERY)
		ids->prev_sast = ids->id[role];
	else
		identity_clear(&ids->id[role]);
	ids->id[role] = fresh;
	return 0;
}

int identity_retire_previous(struct identities *ids, char *err, size_t errlen)
{
	int rc = unlink_prev(ids, err, errlen);

	if (rc == 0)
		identity_clear(&ids->prev_sast);
	return rc;
}

int identity_itl(const struct identities *ids, X509 *https, X509 *const *more_tvs,
		 size_t n_more_tvs, uint32_t now, struct buf *out, char *err, size_t errlen)
{
	const struct identity *signer =
	    ids->prev_sast.key ? &ids->prev_sast : &ids->id[IDENTITY_ITLRECOVERY];
	const struct itl_build b = {
	    .name = IDENTITY_ITL_NAME,
	    .digest = ids->digest,
	    .signer_version = {ITL_SIGNER_VERSION_MAJOR, ITL_SIGNER_VERSION_MINOR},
	    .timestamp = now,
	};
	struct itl_entry *e;
	size_t n = 0;
	int rc;

	if (n_more_tvs > ITL_MAX_RECORDS - 5) {
		str_printf(err, errlen, "too many TVS certificates (%zu)", n_more_tvs);
		return EINVAL;
	}
	if (!(e = calloc(5 + n_more_tvs, sizeof(*e)))) {
		str_printf(err, errlen, "out of memory");
		return ENOMEM;
	}
	/* The signer first, as certutils lists it. */
	e[n++] = (struct itl_entry){signer->cert, ITL_ROLE_SAST};
	if (ids->prev_sast.key)
		e[n++] = (struct itl_entry){ids->id[IDENTITY_ITLRECOVERY].cert, ITL_ROLE_SAST};
	e[n++] = (struct itl_entry){ids->id[IDENTITY_TFTP].cert, ITL_ROLE_CCM_TFTP};
	e[n++] = (struct itl_entry){ids->id[IDENTITY_TVS].cert, ITL_ROLE_TVS};
	for (size_t i = 0; i < n_more_tvs; i++)
		e[n++] = (struct itl_entry){more_tvs[i], ITL_ROLE_TVS};
	if (https)
		e[n++] = (struct itl_entry){https, ITL_ROLE_HTTPS};
	rc = itl_build(out, &b, signer->key, signer->cert, e, n, err, errlen);
	free(e);
	return rc;
}

int identity_sgn(const struct identities *ids, const char *name, const void *body, size_t len,
		 uint32_t now, struct buf *out, char *err, size_t errlen)
{
	const struct identity *tftp = &ids->id[IDENTITY_TFTP];
	char sgn_name[TLV_NAME_MAX];

	/* FILENAME is the .sgn's own name (reference section 5.2). certutils' sgnfile writes the
	 * name without ".sgn" by default; change it here if a phone turns out to want that. */
	if (!name || !name[0] || str_printf(sgn_name, sizeof(sgn_name), "%s.sgn", name)) {
		str_printf(err, errlen, "a file name of at most %d bytes is needed",
			   TLV_NAME_MAX - 5);
		return EINVAL;
	}
	return sgn_build(out, sgn_name, ids->digest, now, tftp->key, tftp->cert, body, len, err,
			 errlen);
}
