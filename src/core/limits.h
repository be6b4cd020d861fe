/* limits.h -- the sizes of the names and texts every layer shares: the wire parsers, the policy
 * and the store agree on them, so a value a parser accepts always fits where it is stored.
 *
 * Sizes count the terminating NUL (LIM_ID_MAX 129 holds 128 bytes of text). */
#ifndef EMCC_CORE_LIMITS_H
#define EMCC_CORE_LIMITS_H

#define LIM_ID_MAX 129	  /* user IDs, device names, profile names, cluster IDs */
#define LIM_TEXT_MAX 257  /* descriptions, labels, addresses, short URL fields */
#define LIM_URL_MAX 1025  /* a service URL */
#define LIM_HASH_MAX 257  /* an encoded password or PIN hash */
#define LIM_PEM_MAX 16385 /* one PEM certificate: 16 KiB */
#define LIM_SHA256_HEX 65 /* a lowercase hex SHA-256 */
#define LIM_STAMP_MAX 64  /* a config versionStamp: "1555108264-18843a73-f9e1-...": 47 */

/* What one device or device profile may carry (a Cisco phone shows at most these). */
#define LIM_LINES 64
#define LIM_SPEED_DIALS 128
#define LIM_SERVICES 32

#endif
