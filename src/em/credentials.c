/* credentials.c -- password and PIN hashing (libsodium) and the EMService credential cache. */
#include "em/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PASSWORD_MAX 256
#define PIN_SALT_BYTES 16
#define PIN_MAC_BYTES 32
#define PIN_PREFIX "pin1$"
#define PIN_PREFIX_LEN 5
/* "pin1$" + salt hex + "$" + mac hex */
#define PIN_HASH_LEN (PIN_PREFIX_LEN + 2 * PIN_SALT_BYTES + 1 + 2 * PIN_MAC_BYTES)
#define CACHE_ID_MAX 129 /* same bound as LIM_ID_MAX; longer ids are never cached */

int cred_init(void)
{
	return sodium_init() < 0 ? EIO : 0;
}

/* ---- pepper --------------------------------------------------------------------------- */

static int read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r == 0)
			return EINVAL;
		got += (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const unsigned char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		done += (size_t)w;
	}
	return 0;
}

static int pepper_create(struct cred_pepper *p, const char *path)
{
	unsigned char key[CRED_PEPPER_BYTES];
	int fd, rc;

	/* O_EXCL: two processes starting at once must not both write a different key. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	randombytes_buf(key, sizeof(key));
	rc = write_full(fd, key, sizeof(key));
	if (rc == 0 && fsync(fd) != 0)
		rc = errno;
	if (close(fd) != 0 && rc == 0)
		rc = errno;
	if (rc != 0) {
		unlink(path);
		goto out;
	}
	memcpy(p->key, key, sizeof(key));
out:
	sodium_memzero(key, sizeof(key));
	return rc;
}

int cred_pepper_load(struct cred_pepper *p, const char *path)
{
	struct stat sb;
	int fd, rc;

	if (!p || !path || !*path)
		return EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		rc = pepper_create(p, path);
		if (rc != EEXIST)
			return rc;
		/* Lost the race with another process: read what it wrote. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return errno;
	if (fstat(fd, &sb) != 0) {
		rc = errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size != CRED_PEPPER_BYTES) {
		rc = EINVAL;
		goto out;
	}
	rc = read_full(fd, p->key, CRED_PEPPER_BYTES);
out:
	close(fd);
	return rc;
}

/* ---- passwords ------------------------------------------------------------------------ */

int cred_password_hash(const char *password, char *out, size_t outlen)
{
	char buf[crypto_pwhash_STRBYTES];
	size_t len;

	if (!password || !out)
		return EINVAL;
	len = strlen(password);
	if (len == 0 || len > PASSWORD_MAX)
		return EINVAL;
	if (crypto_pwhash_str_alg(buf, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ENOMEM;
	if (strlen(buf) >= outlen)
		return EINVAL;
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

int cred_password_verify(const char *hash, const char *password)
{
	size_t len;

	if (!hash || strncmp(hash, "$argon2id$", 10) != 0 || strlen(hash) >= crypto_pwhash_STRBYTES)
		return EINVAL;
	if (!password)
		return EACCES;
	len = strlen(password);
	if (len > PASSWORD_MAX)
		return EACCES;
	return crypto_pwhash_str_verify(hash, password, len) == 0 ? 0 : EACCES;
}

/* ---- PINs ----------------------------------------------------------------------------- */

int cred_pin_check(const char *pin, const char **why)
{
	const char *reason = NULL;
	size_t len;

	if (!pin || !*pin) {
		reason = "PIN is empty";
		goto out;
	}
	len = strlen(pin);
	for (size_t i = 0; i < len; i++) {
		if (pin[i] < '0' || pin[i] > '9') {
			reason = "PIN must contain digits only";
			goto out;
		}
	}
	if (len < CRED_PIN_MIN)
		reason = "PIN is too short (at least 4 digits)";
	else if (len > CRED_PIN_MAX)
		reason = "PIN is too long (at most 16 digits)";
out:
	if (why)
		*why = reason ? reason : "";
	return reason ? EINVAL : 0;
}

_Static_assert(CRED_PIN_MIN == 4 && CRED_PIN_MAX == 16, "update the texts in cred_pin_check");

static int pin_mac(const struct cred_pepper *p, const unsigned char *salt, const char *pin,
		   unsigned char *mac)
{
	crypto_generichash_state st;

	if (crypto_generichash_init(&st, p->key, CRED_PEPPER_BYTES, PIN_MAC_BYTES) != 0 ||
	    crypto_generichash_update(&st, salt, PIN_SALT_BYTES) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)pin, strlen(pin)) != 0 ||
	    crypto_generichash_final(&st, mac, PIN_MAC_BYTES) != 0)
		return EINVAL;
	return 0;
}

int cred_pin_hash(const struct cred_pepper *p, const char *pin, char *out, size_t outlen)
{
	unsigned char salt[PIN_SALT_BYTES], mac[PIN_MAC_BYTES];
	int rc;

	if (!p || !out || outlen < PIN_HASH_LEN + 1)
		return EINVAL;
	rc = cred_pin_check(pin, NULL);
	if (rc)
		return rc;
	randombytes_buf(salt, sizeof(salt));
	rc = pin_mac(p, salt, pin, mac);
	if (rc)
		goto out;
	memcpy(out, PIN_PREFIX, PIN_PREFIX_LEN);
	sodium_bin2hex(out + PIN_PREFIX_LEN, 2 * PIN_SALT_BYTES + 1, salt, sizeof(salt));
	out[PIN_PREFIX_LEN + 2 * PIN_SALT_BYTES] = '$';
	sodium_bin2hex(out + PIN_PREFIX_LEN + 2 * PIN_SALT_BYTES + 1, 2 * PIN_MAC_BYTES + 1, mac,
		       sizeof(mac));
out:
	sodium_memzero(mac, sizeof(mac));
	return rc;
}

/* Decodes exactly len bytes from exactly 2*len lowercase/uppercase hex digits. */
static int hex_exact(const char *hex, size_t hexlen, unsigned char *bin, size_t len)
{
	size_t got = 0;
	const char *end = NULL;

	if (hexlen != 2 * len)
		return EINVAL;
	if (sodium_hex2bin(bin, len, hex, hexlen, NULL, &got, &end) != 0 || got != len ||
	    end != hex + hexlen)
		return EINVAL;
	return 0;
}

int cred_pin_verify(const struct cred_pepper *p, const char *hash, const char *pin)
{
	unsigned char salt[PIN_SALT_BYTES], want[PIN_MAC_BYTES], got[PIN_MAC_BYTES];
	const char *s, *dollar;
	int rc;

	if (!p || !hash || strncmp(hash, PIN_PREFIX, PIN_PREFIX_LEN) != 0 ||
	    strlen(hash) != PIN_HASH_LEN)
		return EINVAL;
	s = hash + PIN_PREFIX_LEN;
	dollar = strchr(s, '$');
	if (!dollar || hex_exact(s, (size_t)(dollar - s), salt, sizeof(salt)) != 0 ||
	    hex_exact(dollar + 1, strlen(dollar + 1), want, sizeof(want)) != 0)
		return EINVAL;
	/* A PIN that breaks the rules cannot match anything we stored. */
	if (cred_pin_check(pin, NULL) != 0)
		return EACCES;
	rc = pin_mac(p, salt, pin, got);
	if (rc == 0)
		rc = sodium_memcmp(got, want, sizeof(got)) == 0 ? 0 : EACCES;
	sodium_memzero(got, sizeof(got));
	return rc;
}

/* ---- credential cache ----------------------------------------------------------------- */

struct cache_entry {
	int used;
	char id[CACHE_ID_MAX];
	unsigned char mac[crypto_generichash_BYTES];
	int64_t expires_ms;
};

struct cred_cache {
	pthread_mutex_t mu;
	size_t capacity;
	unsigned char key[crypto_generichash_KEYBYTES]; /* per cache, random: never stored */
	struct cache_entry *e;
};

int cred_cache_alloc(struct cred_cache **cp, size_t capacity)
{
	struct cred_cache *c;
	int rc = 0;

	if (!cp || capacity == 0)
		return EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->e = calloc(capacity, sizeof(*c->e));
	if (!c->e) {
		rc = ENOMEM;
		goto out;
	}
	rc = pthread_mutex_init(&c->mu, NULL);
	if (rc)
		goto out;
	c->capacity = capacity;
	randombytes_buf(c->key, sizeof(c->key));
	*cp = c;
	return 0;
out:
	free(c->e);
	free(c);
	return rc;
}

void cred_cache_free(struct cred_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	sodium_memzero(c->e, c->capacity * sizeof(*c->e));
	free(c->e);
	sodium_memzero(c->key, sizeof(c->key));
	free(c);
}

/* The id is hashed in too, so an entry only ever matches its own id. */
static int cache_mac(const struct cred_cache *c, const char *id, const char *secret,
		     unsigned char *mac)
{
	crypto_generichash_state st;

	if (crypto_generichash_init(&st, c->key, sizeof(c->key), crypto_generichash_BYTES) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)id, strlen(id) + 1) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)secret, strlen(secret)) != 0 ||
	    crypto_generichash_final(&st, mac, crypto_generichash_BYTES) != 0)
		return EINVAL;
	return 0;
}

static struct cache_entry *cache_find(struct cred_cache *c, const char *id)
{
	for (size_t i = 0; i < c->capacity; i++)
		if (c->e[i].used && strcmp(c->e[i].id, id) == 0)
			return &c->e[i];
	return NULL;
}

static int cache_usable_id(const char *id)
{
	return id && *id && strlen(id) < CACHE_ID_MAX;
}

int cred_cache_check(struct cred_cache *c, const char *id, const char *secret, int64_t now_ms,
		     int64_t *left_ms)
{
	unsigned char mac[crypto_generichash_BYTES];
	struct cache_entry *e;
	int hit = 0;

	if (!c || !cache_usable_id(id) || !secret)
		return 0;
	if (cache_mac(c, id, secret, mac) != 0)
		return 0;
	pthread_mutex_lock(&c->mu);
	e = cache_find(c, id);
	if (e && e->expires_ms <= now_ms) {
		sodium_memzero(e, sizeof(*e));
		e = NULL;
	}
	if (e && sodium_memcmp(e->mac, mac, sizeof(mac)) == 0) {
		hit = 1;
		if (left_ms)
			*left_ms = e->expires_ms - now_ms;
	}
	pthread_mutex_unlock(&c->mu);
	sodium_memzero(mac, sizeof(mac));
	return hit;
}

void cred_cache_put(struct cred_cache *c, const char *id, const char *secret, int64_t expires_ms)
{
	unsigned char mac[crypto_generichash_BYTES];
	struct cache_entry *e;

	if (!c || !cache_usable_id(id) || !secret)
		return;
	if (cache_mac(c, id, secret, mac) != 0)
		return;
	pthread_mutex_lock(&c->mu);
	e = cache_find(c, id);
	for (size_t i = 0; !e && i < c->capacity; i++)
		if (!c->e[i].used)
			e = &c->e[i];
	if (!e) {
		/* Full: evict the entry that would have expired first. */
		e = &c->e[0];
		for (size_t i = 1; i < c->capacity; i++)
			if (c->e[i].expires_ms < e->expires_ms)
				e = &c->e[i];
	}
	e->used = 1;
	memcpy(e->id, id, strlen(id) + 1);
	memcpy(e->mac, mac, sizeof(mac));
	e->expires_ms = expires_ms;
	pthread_mutex_unlock(&c->mu);
	sodium_memzero(mac, sizeof(mac));
}

void cred_cache_forget(struct cred_cache *c, const char *id)
{
	struct cache_entry *e;

	if (!c || !cache_usable_id(id))
		return;
	pthread_mutex_lock(&c->mu);
	e = cache_find(c, id);
	if (e)
		sodium_memzero(e, sizeof(*e));
	pthread_mutex_unlock(&c->mu);
}
