/* build.h -- a device's SEP<MAC>.cnf.xml contents from the store, and its version stamp.
 *
 * Reads the store only through store.h with the caller's struct store (a worker's connection).
 * Which of cnf.h's four states a device is in is decided here, in this order:
 *   1. an emcc_visits row (our phone, a remote user): EMCC visitor mini-config;
 *   2. a devices row with a plain EM login in em_state: the profile's lines, services, locale;
 *   3. a devices row otherwise: logged out, the device's own lines;
 *   4. no devices row but an emcc_home_devices row (a remote phone, our user): EMCC at home.
 * Anything else is ENOENT (the TFTP answers 404). */
#ifndef EMCC_PROV_BUILD_H
#define EMCC_PROV_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "prov/cnf.h"
#include "store/store.h"

/* What the node says about itself in every file it builds. */
struct prov_build_env {
	const char *node; /* this node's address: call manager, TVS, service URLs */
	int sip_port;	  /* this node's SIP port; 0 = 5060 */
	int http_port;	  /* 0 = 8080 */
	int https_port;	  /* 0 = 8443 */
};

/* Fills out for device (see above). version is the stamp to write into the file (the caller
 * read it with prov_config_version, so the file and the NOTIFY agree). Returns 0, ENOENT (no
 * such device anywhere), EINVAL (bad device name or env), or a store error. */
int prov_build(struct store *st, const char *device, const struct prov_build_env *env,
	       const char *version, struct prov_cnf *out);

/* The device's current stamp into out (PROV_STAMP_MAX bytes fit); when it has none yet, one is
 * made and stored, which needs a write: *created tells the caller (may be NULL). Must be called
 * inside store_begin/store_commit when the device may have no stamp yet (else EINVAL from the
 * store). A stamp is made only for a device prov_build has a file for (a devices or an
 * emcc_home_devices row): the provisioning listener calls this for any name a client sends, and
 * a row per invented name would let anyone grow the database without bound. Returns 0, ENOENT
 * (no stamp and no such device; nothing written) or a store error. */
int prov_config_version(struct store *st, const char *device, int64_t now_ms, char *out, size_t len,
			int *created);

/* A new stamp for device, inside the caller's transaction: every change of what the device's
 * file says calls this in the transaction that makes the change (EM login/logout, admin edits,
 * EMCC visit and home-device rows), so a cached file is never served for a newer state and the
 * restart NOTIFY names the file the phone will get. out (may be NULL) gets the stamp. Returns 0,
 * EINVAL, or a store error. */
int prov_config_bump(struct store *st, const char *device, int64_t now_ms, char *out, size_t len);

/* prov_config_bump for every device whose file shows profile: the devices logged in with it
 * (em_state) and the EMCC home devices using it. Inside the caller's transaction. */
int prov_config_bump_profile(struct store *st, const char *profile, int64_t now_ms);

#endif
