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

#include "core/config.h"
#include "prov/cnf.h"
#include "store/store.h"

/* What the node says about itself in every file it builds. Fields added later are 0/NULL in an
 * older caller's struct and then take the default named beside them. */
struct prov_build_env {
	const char *node; /* this node's address: call manager, TVS, service URLs */
	int sip_port;	  /* this node's SIP port; 0 = 5060 */
	int http_port;	  /* 0 = 8080 */
	int https_port;	  /* 0 = 8443 */
	/* Added for the real phone (issue 8): */
	int transport;		/* enum prov_transport of our SIP listeners; 0 = TCP + UDP */
	const char *ntp_server; /* [cluster] ntp_server; NULL or "" = none */
	/* Host name -> IP literal for the EMCC properties (the phone takes addresses only):
	 * fills ip (ip_len bytes) and returns 0, or an errno when name does not resolve. NULL =
	 * getaddrinfo, IPv4 first (the 7821 of the lab runs IPv4 only). Called on the worker that
	 * builds the file, once per versionStamp (the file is cached by stamp). */
	int (*resolve)(const char *name, char *ip, size_t ip_len);
};

/* Fills env from the node's configuration: node_address, the SIP, HTTP and HTTPS ports, the
 * transportLayerProtocol our SIP listeners offer (both UDP and TCP: 4, TCP only: 1, UDP only:
 * 2) and [cluster] ntp_server. The strings point into cfg, which must outlive env. */
void prov_build_env_from_config(const struct config *cfg, struct prov_build_env *env);

/* Fills out for device (see above). version is the stamp to write into the file (the caller
 * read it with store_config_stamp_get, so the file and the NOTIFY agree). Returns 0, ENOENT (no
 * such device anywhere), EINVAL (bad device name or env), ENXIO (an EMCC mini-config whose home
 * TFTP or visiting EM host is a name that does not resolve: the phone takes IP addresses only,
 * so no file rather than a wrong one), or a store error.
 *
 * Defaults filled here: user locale English_United_States and network locale United_States
 * (CUCM's) when the device or profile names none; the softkey file of the profile's template,
 * else of PROV_SOFTKEY_DEFAULT. */
int prov_build(struct store *st, const char *device, const struct prov_build_env *env,
	       const char *version, struct prov_cnf *out);

/* Which softkey template has this uuid (prov_softkey_uuid): PROV_SOFTKEY_DEFAULT, or a template
 * a device profile names. The name goes to out. Returns 0, ENOENT, ERANGE (out too small) or a
 * store error. Reads every profile (the store keeps templates only as profile fields): a file
 * server should cache the answer. */
int prov_softkey_find(struct store *st, const char *uuid, char *out, size_t len);

#endif
