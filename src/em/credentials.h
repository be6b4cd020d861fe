/* credentials.h -- password and PIN hashing, verification and the EM credential cache.
 *
 * Passwords (application users, end users' API passwords) use libsodium's Argon2id string
 * format: slow on purpose, so a stolen database does not give them away; a short-lived cache
 * (CUCM caches for about 2 minutes) keeps the API fast for a busy integration.
 * PINs are 4-16 digits: a slow KDF cannot protect so small a space and would cost the login
 * rate, so a PIN is stored as a keyed BLAKE2b MAC with a per-PIN salt. The key (the "pepper")
 * lives in a 0600 file outside the database: a stolen database alone does not reveal PINs. */
#ifndef EMCC_EM_CREDENTIALS_H
#define EMCC_EM_CREDENTIALS_H

#include <stddef.h>
#include <stdint.h>

#define CRED_HASH_MAX 257
#define CRED_PEPPER_BYTES 32

struct cred_pepper {
	unsigned char key[CRED_PEPPER_BYTES];
};

/* Must be called once before any other function here (sodium_init). Returns 0 or EIO. */
int cred_init(void);

/* Loads the pepper from path, creating it (0600, random) if missing. Returns 0 or errno. */
int cred_pepper_load(struct cred_pepper *p, const char *path);

/* Password: "$argon2id$..." string. Returns 0, EINVAL (empty or > 256 bytes) or ENOMEM. */
int cred_password_hash(const char *password, char *out, size_t outlen);
/* 0 = match, EACCES = no match, EINVAL = malformed hash. Constant time. */
int cred_password_verify(const char *hash, const char *password);

/* PIN rules: digits only, 4..16 long (CUCM credential policy default minimum is 4? we choose
 * 4; change CRED_PIN_MIN here). Returns 0 or EINVAL with a reason. */
#define CRED_PIN_MIN 4
#define CRED_PIN_MAX 16
int cred_pin_check(const char *pin, const char **why);
/* "pin1$<salt hex>$<mac hex>". */
int cred_pin_hash(const struct cred_pepper *p, const char *pin, char *out, size_t outlen);
/* 0 = match, EACCES = no match, EINVAL = malformed hash. Constant time. */
int cred_pin_verify(const struct cred_pepper *p, const char *hash, const char *pin);

/* The credential cache: remembers (id, secret) pairs that verified, for ttl seconds. Thread
 * safe. The secret is kept only as a keyed hash with a per-process random key. */
struct cred_cache;
int cred_cache_alloc(struct cred_cache **cp, size_t capacity);
void cred_cache_free(struct cred_cache *c);
/* 1 if (id, secret) verified less than ttl seconds ago (remaining ms in *left_ms), else 0. */
int cred_cache_check(struct cred_cache *c, const char *id, const char *secret, int64_t now_ms,
		     int64_t *left_ms);
void cred_cache_put(struct cred_cache *c, const char *id, const char *secret, int64_t expires_ms);
/* Forget id (after a password change). */
void cred_cache_forget(struct cred_cache *c, const char *id);

#endif
