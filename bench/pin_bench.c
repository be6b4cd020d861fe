/* pin_bench.c -- how many PIN checks and password checks one core does per second. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "em/credentials.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct cred_pepper pep;
	if (cred_init() != 0)
		return 1;
	for (size_t i = 0; i < sizeof(pep.key); i++)
		pep.key[i] = (unsigned char)i;
	char pin_hash[CRED_HASH_MAX], pw_hash[CRED_HASH_MAX];
	if (cred_pin_hash(&pep, "12345", pin_hash, sizeof(pin_hash)) ||
	    cred_password_hash("Bench-Pass-1", pw_hash, sizeof(pw_hash)))
		return 1;
	long n = 0;
	double t0 = now_s();
	while (now_s() - t0 < 1.0) {
		for (int i = 0; i < 1000; i++)
			if (cred_pin_verify(&pep, pin_hash, "12345") != 0)
				return 1;
		n += 1000;
	}
	double pin_rate = (double)n / (now_s() - t0);
	n = 0;
	t0 = now_s();
	while (now_s() - t0 < 1.0) {
		if (cred_password_verify(pw_hash, "Bench-Pass-1") != 0)
			return 1;
		n++;
	}
	double pw_rate = (double)n / (now_s() - t0);
	printf("{\"pin_verify_per_s\": %.0f, \"argon2id_verify_per_s\": %.1f}\n", pin_rate,
	       pw_rate);
	return 0;
}
