/* files.h -- the provisioning files a phone asks for by name: one table of kinds, each with its
 * name rule and its builder, shared by every edge that serves them (HTTP 6970, HTTPS 6971, TFTP
 * UDP 69, see daemon/fileserv.h).
 *
 * A name is parsed once (prov_file_parse) into its kind and the key it carries (a device name,
 * a softkey template uuid, a locale); nothing but the table's names gets through, so no edge
 * ever turns a request into a path: no '/', "..", '%', NUL or other byte outside
 * [A-Za-z0-9._-] (the one locale row takes exactly one '/', after a folder name of letters and
 * '_').
 *
 * The kinds, in match order (reference section 4.1; the phone's console log of the lab):
 *
 *   name                        kind                  today
 *   XMLDefault.cnf.xml          PROV_FILE_DEFAULT     not found: auto-registration is off
 *   XMLDefault.cnf.xml.sgn      PROV_FILE_DEFAULT_SGN not found: idem
 *   ITLFile.tlv, ITL<dev>.tlv   PROV_FILE_ITL         not found until the ITL builder plugs in
 *   CTLFile.tlv, CTL<dev>.tlv   PROV_FILE_CTL         not found: a non-secure cluster has no CTL
 *   SK<uuid>.xml                PROV_FILE_SOFTKEY     the template's file (prov_softkey_render)
 *   SK<uuid>.xml.sgn            PROV_FILE_SOFTKEY_SGN not found until the signer plugs in
 *   Ringlist-wb.xml, ...        PROV_FILE_RINGLIST    not found: no ring files ship
 *   dialplan.xml                PROV_FILE_DIALPLAN    not found: no SIP dial rules stored
 *   <Locale>/<file>             PROV_FILE_LOCALE      not found: no locale package installed
 *   <dev>.cnf.xml.sgn           PROV_FILE_CNF_SGN     not found until the signer plugs in
 *   <dev>.cnf.xml               PROV_FILE_CNF         built from the store (prov_build)
 *
 * A kind with a builder is served from the store on a worker: its version (for the cnf the
 * device's versionStamp; for a softkey file one for all, its uuid naming its content) keys a
 * cache of built files, so a file is built once per version. A
 * kind without one is answered "not found" at once, without the store. */
#ifndef EMCC_PROV_FILES_H
#define EMCC_PROV_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"
#include "prov/build.h"
#include "store/store.h"

/* The longest name we serve: "ITL" + a device name + ".tlv" and "<dev>.cnf.xml.sgn" fit. */
#define PROV_FILE_NAME_MAX (LIM_ID_MAX + 24)

enum prov_file_kind {
	PROV_FILE_CNF = 0,
	PROV_FILE_CNF_SGN,
	PROV_FILE_ITL,
	PROV_FILE_CTL,
	PROV_FILE_SOFTKEY,
	PROV_FILE_SOFTKEY_SGN,
	PROV_FILE_DEFAULT,
	PROV_FILE_DEFAULT_SGN,
	PROV_FILE_RINGLIST,
	PROV_FILE_DIALPLAN,
	PROV_FILE_LOCALE,
	PROV_FILE_KIND_COUNT
};

/* A name that passed the table. */
struct prov_file_req {
	enum prov_file_kind kind;
	int row;		       /* the table row that matched (internal) */
	char name[PROV_FILE_NAME_MAX]; /* the name as asked, NUL-terminated */
	char key[PROV_FILE_NAME_MAX];  /* device, uuid or locale part; "" for a fixed name */
};

/* name: len bytes, not necessarily NUL-terminated. 0 and *out filled, or EINVAL: not a name
 * any row takes (the edges answer 404 / TFTP error 1 "File not found" and log it as refused). */
int prov_file_parse(const char *name, size_t len, struct prov_file_req *out);

/* "SEP<MAC>.cnf.xml", "ITL file", ...: what the kind is, for logs. */
const char *prov_file_kind_label(enum prov_file_kind kind);

/* 1 when the request's row has a builder (a worker must run prov_file_version and
 * prov_file_build); 0 when the answer is "not found" without the store, why then says why
 * ("non-secure cluster: no CTL file", ...). why may be NULL. */
int prov_file_has_builder(const struct prov_file_req *r, const char **why);

/* Worker, builder rows only: the version of the file r names, the key of its cache entry (for
 * the cnf the device's versionStamp, made and stored in its own transaction when the device
 * has none yet). Returns 0, ENOENT (no such file: nothing was written), ENOTSUP (no builder)
 * or a store error. */
int prov_file_version(struct store *st, const struct prov_file_req *r, int64_t now_ms, char *out,
		      size_t len);

/* Worker, builder rows only: appends the file for version to out. Returns 0, ENOENT (the file
 * went away meanwhile), ENOTSUP (no builder), EINVAL, ENOMEM or a store error. */
int prov_file_build(struct store *st, const struct prov_build_env *env,
		    const struct prov_file_req *r, const char *version, struct buf *out);

#endif
