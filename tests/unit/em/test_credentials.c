/* test_credentials.c -- password and PIN hashing, the pepper file and the credential cache. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "em/credentials.h"

static int setup(void **state)
{
	(void)state;
	return cred_init();
}

static void test_password(void **state)
{
	char h1[CRED_HASH_MAX], h2[CRED_HASH_MAX], big[300];
	(void)state;
	assert_int_equal(cred_password_hash("s3cret!", h1, sizeof(h1)), 0);
	assert_true(strncmp(h1, "$argon2id$", 10) == 0);
	assert_int_equal(cred_password_verify(h1, "s3cret!"), 0);
	assert_int_equal(cred_password_verify(h1, "s3cret"), EACCES);
	assert_int_equal(cred_password_verify(h1, ""), EACCES);
	/* Salted: the same password hashes differently. */
	assert_int_equal(cred_password_hash("s3cret!", h2, sizeof(h2)), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(cred_password_verify(h2, "s3cret!"), 0);

	assert_int_equal(cred_password_hash("", h1, sizeof(h1)), EINVAL);
	memset(big, 'a', 257);
	big[257] = '\0';
	assert_int_equal(cred_password_hash(big, h1, sizeof(h1)), EINVAL);
	big[256] = '\0';
	assert_int_equal(cred_password_hash(big, h1, sizeof(h1)), 0);
	assert_int_equal(cred_password_verify(h1, big), 0);
	/* Too small an output buffer. */
	assert_int_equal(cred_password_hash("x", h2, 20), EINVAL);

	assert_int_equal(cred_password_verify("", "x"), EINVAL);
	assert_int_equal(cred_password_verify("plaintext", "plaintext"), EINVAL);
	assert_int_equal(cred_password_verify("pin1$00$00", "1234"), EINVAL);
}

static void test_pin_rules(void **state)
{
	const char *why = NULL;
	(void)state;
	assert_int_equal(cred_pin_check("1234", &why), 0);
	assert_int_equal(cred_pin_check("1234567890123456", &why), 0);
	assert_int_equal(cred_pin_check("123", &why), EINVAL);
	assert_non_null(strstr(why, "short"));
	assert_int_equal(cred_pin_check("12345678901234567", &why), EINVAL);
	assert_non_null(strstr(why, "long"));
	assert_int_equal(cred_pin_check("12a4", &why), EINVAL);
	assert_non_null(strstr(why, "digits"));
	assert_int_equal(cred_pin_check("12 34", &why), EINVAL);
	assert_int_equal(cred_pin_check("", &why), EINVAL);
	assert_int_equal(cred_pin_check(NULL, &why), EINVAL);
	assert_int_equal(cred_pin_check("-1234", NULL), EINVAL);
}

static void test_pin_hash_verify(void **state)
{
	struct cred_pepper p1, p2;
	char h[CRED_HASH_MAX], h2[CRED_HASH_MAX], bad[CRED_HASH_MAX];
	(void)state;
	memset(p1.key, 1, sizeof(p1.key));
	memset(p2.key, 2, sizeof(p2.key));

	assert_int_equal(cred_pin_hash(&p1, "12345", h, sizeof(h)), 0);
	assert_true(strncmp(h, "pin1$", 5) == 0);
	assert_int_equal(strlen(h), 5 + 32 + 1 + 64);
	assert_int_equal(h[5 + 32], '$');
	assert_null(strstr(h, "12345$")); /* the PIN is not in the hash */
	assert_int_equal(cred_pin_verify(&p1, h, "12345"), 0);
	assert_int_equal(cred_pin_verify(&p1, h, "12346"), EACCES);
	assert_int_equal(cred_pin_verify(&p1, h, "1234"), EACCES);
	assert_int_equal(cred_pin_verify(&p1, h, "abc"), EACCES);
	assert_int_equal(cred_pin_verify(&p1, h, ""), EACCES);
	/* Another pepper: no match. */
	assert_int_equal(cred_pin_verify(&p2, h, "12345"), EACCES);
	/* Salted. */
	assert_int_equal(cred_pin_hash(&p1, "12345", h2, sizeof(h2)), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(cred_pin_verify(&p1, h2, "12345"), 0);

	assert_int_equal(cred_pin_hash(&p1, "12", h2, sizeof(h2)), EINVAL);
	assert_int_equal(cred_pin_hash(&p1, "1234", h2, 50), EINVAL);

	/* Malformed stored hashes. */
	assert_int_equal(cred_pin_verify(&p1, "", "12345"), EINVAL);
	assert_int_equal(cred_pin_verify(&p1, "pin2$abc", "12345"), EINVAL);
	strcpy(bad, h);
	bad[5 + 32] = 'x'; /* separator gone */
	assert_int_equal(cred_pin_verify(&p1, bad, "12345"), EINVAL);
	strcpy(bad, h);
	bad[10] = 'g'; /* not hex */
	assert_int_equal(cred_pin_verify(&p1, bad, "12345"), EINVAL);
	strcpy(bad, h);
	bad[strlen(bad) - 1] = '\0'; /* short */
	assert_int_equal(cred_pin_verify(&p1, bad, "12345"), EINVAL);
	/* A flipped MAC digit: well-formed, no match. */
	strcpy(bad, h);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	assert_int_equal(cred_pin_verify(&p1, bad, "12345"), EACCES);
}

static void test_pepper_file(void **state)
{
	char dir[] = "/tmp/emcc-pepper-XXXXXX", path[128];
	struct cred_pepper a, b;
	struct stat sb;
	int fd;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pepper", dir);
	assert_int_equal(cred_pepper_load(&a, path), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, CRED_PEPPER_BYTES);
	/* Loaded again: the same key. */
	assert_int_equal(cred_pepper_load(&b, path), 0);
	assert_memory_equal(a.key, b.key, CRED_PEPPER_BYTES);
	/* A PIN hashed with one load verifies with the other. */
	char h[CRED_HASH_MAX];
	assert_int_equal(cred_pin_hash(&a, "9876", h, sizeof(h)), 0);
	assert_int_equal(cred_pin_verify(&b, h, "9876"), 0);
	unlink(path);

	/* A file of the wrong size is refused, not overwritten. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "short", 5), 5);
	close(fd);
	assert_int_equal(cred_pepper_load(&a, path), EINVAL);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 5);
	unlink(path);

	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/missing/pepper", dir);
	assert_int_equal(cred_pepper_load(&a, path), ENOENT);
	assert_int_equal(cred_pepper_load(&a, ""), EINVAL);
	rmdir(dir);
}

static void test_cache(void **state)
{
	struct cred_cache *c = NULL;
	int64_t left = -1;
	(void)state;
	assert_int_equal(cred_cache_alloc(&c, 0), EINVAL);
	assert_int_equal(cred_cache_alloc(&c, 4), 0);

	assert_int_equal(cred_cache_check(c, "ccmsysuser", "pw", 1000, &left), 0);
	cred_cache_put(c, "ccmsysuser", "pw", 1000 + 120000);
	assert_int_equal(cred_cache_check(c, "ccmsysuser", "pw", 1000, &left), 1);
	assert_int_equal(left, 120000);
	assert_int_equal(cred_cache_check(c, "ccmsysuser", "pw", 12766, &left), 1);
	assert_int_equal(left, 108234);
	/* Wrong secret, other id. */
	assert_int_equal(cred_cache_check(c, "ccmsysuser", "pW", 2000, &left), 0);
	assert_int_equal(cred_cache_check(c, "other", "pw", 2000, &left), 0);
	/* Expired exactly at the deadline. */
	assert_int_equal(cred_cache_check(c, "ccmsysuser", "pw", 121000, &left), 0);
	assert_int_equal(cred_cache_check(c, "ccmsysuser", "pw", 5000, &left), 0); /* evicted */

	/* A new password replaces the old entry. */
	cred_cache_put(c, "u", "old", 50000);
	cred_cache_put(c, "u", "new", 50000);
	assert_int_equal(cred_cache_check(c, "u", "old", 100, NULL), 0);
	assert_int_equal(cred_cache_check(c, "u", "new", 100, NULL), 1);
	cred_cache_forget(c, "u");
	assert_int_equal(cred_cache_check(c, "u", "new", 100, NULL), 0);
	cred_cache_forget(c, "never-there");
	cred_cache_free(c);
}

static void test_cache_eviction(void **state)
{
	struct cred_cache *c = NULL;
	(void)state;
	assert_int_equal(cred_cache_alloc(&c, 3), 0);
	cred_cache_put(c, "a", "1", 30000);
	cred_cache_put(c, "b", "2", 10000); /* expires soonest */
	cred_cache_put(c, "c", "3", 20000);
	cred_cache_put(c, "d", "4", 40000); /* full: evicts b */
	assert_int_equal(cred_cache_check(c, "a", "1", 0, NULL), 1);
	assert_int_equal(cred_cache_check(c, "b", "2", 0, NULL), 0);
	assert_int_equal(cred_cache_check(c, "c", "3", 0, NULL), 1);
	assert_int_equal(cred_cache_check(c, "d", "4", 0, NULL), 1);
	/* Ids we cannot hold are never cached. */
	char longid[200];
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	cred_cache_put(c, longid, "1", 99999);
	assert_int_equal(cred_cache_check(c, longid, "1", 0, NULL), 0);
	assert_int_equal(cred_cache_check(c, "a", "1", 0, NULL), 1);
	cred_cache_free(c);
	cred_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_password),	    cmocka_unit_test(test_pin_rules),
	    cmocka_unit_test(test_pin_hash_verify), cmocka_unit_test(test_pepper_file),
	    cmocka_unit_test(test_cache),	    cmocka_unit_test(test_cache_eviction),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
