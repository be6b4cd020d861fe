/* softkey.h -- SK<uuid>.xml, the softkey template file a cnf.xml names in <softKeyFile>.
 *
 * Pure code: no I/O, no store access (prov_softkey_find in build.h reads the store). A device or
 * a profile names a softkey template (store_profile.softkey_template; a device and a profile
 * without one use PROV_SOFTKEY_DEFAULT); the file name carries a uuid made from that name, the
 * same on every node and every run, so a phone's cached file and the name in its cnf.xml stay
 * right across restarts. The store keeps only the template's name, no layout: every template
 * renders the same default layout (prov_softkey_render), under its own uuid and versionStamp.
 *
 * For the file server: a request "SK<uuid>.xml" (or ".xml.sgn") is checked and split with
 * prov_softkey_from_file_name, the template found with prov_softkey_find (build.h), and the
 * answer rendered with prov_softkey_render. */
#ifndef EMCC_PROV_SOFTKEY_H
#define EMCC_PROV_SOFTKEY_H

#include <stddef.h>

#include "core/buf.h"
#include "prov/cnf.h"

/* CUCM's standard softkey template for phones, which a device without one gets. */
#define PROV_SOFTKEY_DEFAULT "Standard User"

/* The template's uuid: an RFC 4122 version 5 (SHA-1) uuid of the template name in a namespace
 * of ours, lower-case, without braces (as a real cnf.xml writes it: SKa9bea76c-...xml).
 * name: 1..LIM_TEXT_MAX-1 bytes. Returns 0, EINVAL or EIO (no SHA-1 from the crypto library). */
int prov_softkey_uuid(const char *name, char out[PROV_UUID_MAX]);

/* "SK<uuid>.xml" or, signed, "SK<uuid>.xml.sgn" into out. EINVAL (uuid not 36 of [0-9a-f-]),
 * ERANGE (out too small). */
int prov_softkey_file_name(char *out, size_t len, const char *uuid, int is_signed);

/* The other way, for a name a phone asks for (len bytes, not necessarily NUL-terminated): exactly
 * "SK" + a lower-case uuid (8-4-4-4-12 hex digits) + ".xml" or ".xml.sgn". The uuid goes to out.
 * Returns 0 or EINVAL; is_signed may be NULL. */
int prov_softkey_from_file_name(const char *name, size_t len, char out[PROV_UUID_MAX],
				int *is_signed);

/* Appends the softkey file of template name to b: <softKeyCfg> with its versionStamp (a uuid of
 * the name and the layout's revision: the same file always has the same stamp), the key
 * definitions and the softkey sets of the default layout. Returns 0, EINVAL, EIO (as
 * prov_softkey_uuid) or ENOMEM (b cut back to where it was). */
int prov_softkey_render(struct buf *b, const char *name);

#endif
