/* files.c -- the table of provisioning file kinds: name rules, and the builder of each kind. */
#include "prov/files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "prov/cnf.h"
#include "prov/softkey.h"

enum key_class {
	KEY_NONE,   /* a fixed name: prefix is the whole name */
	KEY_DEVICE, /* prefix + device name (prov_device_name_check) + suffix */
	KEY_UUID,   /* prefix + 8-4-4-4-12 hex digits + suffix */
	KEY_LOCALE, /* <locale>/<file>: a name of [A-Za-z_], '/', a plain name (locale_ok) */
};

/* A builder: the version that keys the cache, then the bytes for that version. */
struct builder {
	int (*version)(struct store *st, const char *key, int64_t now_ms, char *out, size_t len);
	int (*build)(struct store *st, const struct prov_build_env *env, const char *key,
		     const char *version, struct buf *out);
};

struct row {
	enum prov_file_kind kind;
	enum key_class key;
	const char *prefix, *suffix;
	int nocase; /* fixed names CUCM's TFTP matches without case (phones vary) */
	const struct builder *builder; /* NULL: "not found" at once, why says why */
	const char *why;
};

static int cnf_version(struct store *st, const char *device, int64_t now_ms, char *out, size_t len);
static int cnf_build(struct store *st, const struct prov_build_env *env, const char *device,
		     const char *version, struct buf *out);

static int softkey_version(struct store *st, const char *uuid, int64_t now_ms, char *out,
			   size_t len);
static int softkey_build(struct store *st, const struct prov_build_env *env, const char *uuid,
			 const char *version, struct buf *out);

static const struct builder cnf_builder = {cnf_version, cnf_build};
static const struct builder softkey_builder = {softkey_version, softkey_build};

/* clang-format off */
static const struct row rows[] = {
	/* Phones not provisioned yet ask for the default file; it matters only with
	 * auto-registration, which is off (CUCM's default) and which we do not have. */
	{PROV_FILE_DEFAULT, KEY_NONE, "XMLDefault.cnf.xml", "", 1, NULL,
	 "auto-registration is off"},
	{PROV_FILE_DEFAULT_SGN, KEY_NONE, "XMLDefault.cnf.xml.sgn", "", 1, NULL,
	 "auto-registration is off"},
	/* ITL: plugs in here as a builder whose version is the ITL's own (a hash of the node's
	 * identities' certificates) and whose build is identity_itl (src/prov/identity.h) with the
	 * identities the daemon loads at start (identity_load) passed in prov_build_env; the
	 * daemon does not load them yet. Until then phones run without an ITL, as they do with
	 * a cluster that has none. */
	{PROV_FILE_ITL, KEY_NONE, "ITLFile.tlv", "", 0, NULL, "no ITL file yet"},
	{PROV_FILE_ITL, KEY_DEVICE, "ITL", ".tlv", 0, NULL, "no ITL file yet"},
	/* CTL: only a cluster in mixed mode has one; "File not found" is what a phone of a
	 * non-secure cluster gets from CUCM (the lab phone's console log). Final, not a gap. */
	{PROV_FILE_CTL, KEY_NONE, "CTLFile.tlv", "", 0, NULL, "non-secure cluster: no CTL file"},
	{PROV_FILE_CTL, KEY_DEVICE, "CTL", ".tlv", 0, NULL, "non-secure cluster: no CTL file"},
	/* Softkey templates (src/prov/softkey.c): the cnf names SK<uuid>.xml of the profile's
	 * template, else of "Standard User". The signed one is identity_sgn over
	 * softkey_build's bytes, as the signed cnf below; until it plugs in, the phone takes
	 * the plain file. */
	{PROV_FILE_SOFTKEY, KEY_UUID, "SK", ".xml", 0, &softkey_builder, NULL},
	{PROV_FILE_SOFTKEY_SGN, KEY_UUID, "SK", ".xml.sgn", 0, NULL, "no signing key yet"},
	/* Files with content we do not ship: a clean "not found" is final for the phone, which
	 * keeps its defaults. */
	{PROV_FILE_RINGLIST, KEY_NONE, "Ringlist-wb.xml", "", 1, NULL, "no ring list installed"},
	{PROV_FILE_RINGLIST, KEY_NONE, "Ringlist.xml", "", 1, NULL, "no ring list installed"},
	{PROV_FILE_RINGLIST, KEY_NONE, "DistinctiveRingList.xml", "", 1, NULL,
	 "no ring list installed"},
	{PROV_FILE_DIALPLAN, KEY_NONE, "dialplan.xml", "", 1, NULL, "no SIP dial rules stored"},
	{PROV_FILE_LOCALE, KEY_LOCALE, "", "", 0, NULL, "no locale package installed"},
	/* SEP<MAC>.cnf.xml.sgn: plugs in here as a builder with the plain file's version
	 * (cnf_version) whose build signs cnf_build's bytes with identity_sgn
	 * (src/prov/identity.h, the TFTP identity, once the daemon loads it); until then the
	 * phone, which has no ITL, takes the plain file. */
	{PROV_FILE_CNF_SGN, KEY_DEVICE, "", ".cnf.xml.sgn", 0, NULL, "no signing key yet"},
	{PROV_FILE_CNF, KEY_DEVICE, "", ".cnf.xml", 0, &cnf_builder, NULL},
};
/* clang-format on */
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const char *const labels[PROV_FILE_KIND_COUNT] = {
    [PROV_FILE_CNF] = "SEP<MAC>.cnf.xml",
    [PROV_FILE_CNF_SGN] = "SEP<MAC>.cnf.xml.sgn",
    [PROV_FILE_ITL] = "ITL file",
    [PROV_FILE_CTL] = "CTL file",
    [PROV_FILE_SOFTKEY] = "softkey template",
    [PROV_FILE_SOFTKEY_SGN] = "signed softkey template",
    [PROV_FILE_DEFAULT] = "XMLDefault.cnf.xml",
    [PROV_FILE_DEFAULT_SGN] = "XMLDefault.cnf.xml.sgn",
    [PROV_FILE_RINGLIST] = "ring list",
    [PROV_FILE_DIALPLAN] = "dial rules",
    [PROV_FILE_LOCALE] = "locale file",
};

const char *prov_file_kind_label(enum prov_file_kind kind)
{
	return (unsigned)kind < PROV_FILE_KIND_COUNT ? labels[kind] : "file";
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/* A plain name: [A-Za-z0-9._-], 1..n bytes, not starting with '.', no "..". */
static int plain_name(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!name_char(s[i]))
			return 0;
		if (s[i] == '.' && i + 1 < n && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* Lower case, as the cnf writes it and prov_softkey_uuid makes it. */
static int hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int uuid_ok(const char *s, size_t n)
{
	if (n != 36)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !hex(s[i]))
			return 0;
	}
	return 1;
}

/* <locale>/<file>: CUCM's locale folders are names of letters and '_' ("English_United_States",
 * "United_States"); the file a plain name. */
static int locale_ok(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);

	if (!slash || slash == s)
		return 0;
	size_t a = (size_t)(slash - s);
	for (size_t i = 0; i < a; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
			return 0;
	return plain_name(slash + 1, n - a - 1);
}

/* The key part of name (between prefix and suffix) when row r takes name; -1 otherwise. */
static int row_key(const struct row *r, const char *name, size_t len, size_t *kofs, size_t *klen)
{
	size_t p = strlen(r->prefix), s = strlen(r->suffix);

	if (r->key == KEY_NONE) {
		if (len != p)
			return -1;
		if (r->nocase ? strncasecmp(name, r->prefix, p) != 0
			      : memcmp(name, r->prefix, p) != 0)
			return -1;
		*kofs = *klen = 0;
		return 0;
	}
	if (len <= p + s || memcmp(name, r->prefix, p) != 0 ||
	    memcmp(name + len - s, r->suffix, s) != 0)
		return -1;
	*kofs = p;
	*klen = len - p - s;
	return 0;
}

static int key_ok(enum key_class k, const char *key, size_t n)
{
	switch (k) {
	case KEY_NONE: return n == 0;
	case KEY_DEVICE: return n < LIM_ID_MAX && plain_name(key, n);
	case KEY_UUID: return uuid_ok(key, n);
	case KEY_LOCALE: return locale_ok(key, n);
	}
	return 0;
}

int prov_file_parse(const char *name, size_t len, struct prov_file_req *out)
{
	if (!name || !out || len == 0 || len >= PROV_FILE_NAME_MAX)
		return EINVAL;
	/* Every row's characters are plain ones (and the locale row's one '/'): anything else
	 * (NUL, '%', '\\', controls, non-ASCII) is refused before any row looks at it. */
	for (size_t i = 0; i < len; i++)
		if (!name_char(name[i]) && name[i] != '/')
			return EINVAL;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		size_t kofs, klen;

		if (row_key(r, name, len, &kofs, &klen) != 0 || !key_ok(r->key, name + kofs, klen))
			continue;
		memset(out, 0, sizeof(*out));
		out->kind = r->kind;
		out->row = (int)i;
		memcpy(out->name, name, len);
		memcpy(out->key, name + kofs, klen);
		/* The device rule once more, on the copy: one definition of a device name. */
		if (r->key == KEY_DEVICE && prov_device_name_check(out->key) != 0)
			return EINVAL;
		return 0;
	}
	return EINVAL;
}

static const struct row *row_of(const struct prov_file_req *r)
{
	if (!r || r->row < 0 || (size_t)r->row >= NROWS)
		return NULL;
	return &rows[r->row];
}

int prov_file_has_builder(const struct prov_file_req *r, const char **why)
{
	const struct row *row = row_of(r);

	if (why)
		*why = row && row->why ? row->why : "not found";
	return row && row->builder;
}

int prov_file_version(struct store *st, const struct prov_file_req *r, int64_t now_ms, char *out,
		      size_t len)
{
	const struct row *row = row_of(r);

	if (!row || !row->builder)
		return ENOTSUP;
	return row->builder->version(st, r->key, now_ms, out, len);
}

int prov_file_build(struct store *st, const struct prov_build_env *env,
		    const struct prov_file_req *r, const char *version, struct buf *out)
{
	const struct row *row = row_of(r);

	if (!row || !row->builder)
		return ENOTSUP;
	return row->builder->build(st, env, r->key, version, out);
}

/* ---- SEP<MAC>.cnf.xml ------------------------------------------------------------------- */

/* The device's stamp, made in its own transaction when it has none yet; ENOENT (nothing
 * written) when no device has that name: a name nobody has leaves no row behind. */
static int cnf_version(struct store *st, const char *device, int64_t now_ms, char *out, size_t len)
{
	int rc = store_config_version_get(st, device, out, len, NULL);

	if (rc != ENOENT)
		return rc;
	if ((rc = store_begin(st)) != 0)
		return rc;
	rc = store_config_stamp_get(st, device, now_ms, out, len, NULL);
	if (rc) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

static int cnf_build(struct store *st, const struct prov_build_env *env, const char *device,
		     const char *version, struct buf *out)
{
	struct prov_cnf *c = malloc(sizeof(*c)); /* large: off the worker's stack */
	int rc;

	if (!c)
		return ENOMEM;
	rc = prov_build(st, device, env, version, c);
	if (rc == 0)
		rc = prov_cnf_render(out, c);
	free(c);
	return rc;
}

/* ---- SK<uuid>.xml ----------------------------------------------------------------------- */

/* A softkey file depends on its template's name alone, which its uuid names (RFC 4122 v5), and
 * on the layout this binary renders: one version for all, no store read on a cache hit. A uuid
 * no template has is found out by the build, and answered not found. */
static int softkey_version(struct store *st, const char *uuid, int64_t now_ms, char *out,
			   size_t len)
{
	(void)st;
	(void)uuid;
	(void)now_ms;
	return str_copy(out, len, "layout") == 0 ? 0 : ERANGE;
}

static int softkey_build(struct store *st, const struct prov_build_env *env, const char *uuid,
			 const char *version, struct buf *out)
{
	char name[LIM_TEXT_MAX];
	int rc = prov_softkey_find(st, uuid, name, sizeof(name));

	(void)env;
	(void)version;
	if (rc)
		return rc;
	return prov_softkey_render(out, name);
}
