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
 * read it with store_config_stamp_get, so the file and the NOTIFY agree). Returns 0, ENOENT (no
 * such device anywhere), EINVAL (bad device name or env), or a store error. */
int prov_build(struct store *st, const char *device, const struct prov_build_env *env,
	       const char *version, struct prov_cnf *out);

#endif
