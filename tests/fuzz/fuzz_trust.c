/* fuzz_trust.c -- libFuzzer target: bytes into trust_bundle_parse; an accepted bundle is well
 * formed, its fingerprints are those of its certificates, and written back it parses to the same
 * bundle. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "emcc/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(f) (strnlen((f), sizeof(f)) < sizeof(f))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trust_bundle *b = NULL, *again = NULL;
	struct buf out;
	char err[256];

	err[0] = '\0';
	int rc = trust_bundle_parse((const char *)data, size, &b, err, sizeof(err));
	if (rc != 0) {
		if (b || !TERMINATED(err) || (rc != EINVAL && rc != EFBIG && rc != ENOMEM))
			abort();
		return 0;
	}
	if (!b || !TERMINATED(b->cluster) || !TERMINATED(b->address) || b->ncerts > TRUST_MAX_CERTS)
		abort();
	for (size_t i = 0; i < b->ncerts; i++) {
		const struct trust_cert *c = &b->certs[i];
		char hex[TRUST_FP_HEX_SIZE];
		if (!trust_role_name(c->role) || !c->pem || !TERMINATED(c->subject) ||
		    !TERMINATED(c->sha256))
			abort();
		if (trust_cert_fingerprint(c->pem, hex, NULL) != 0 || strcmp(hex, c->sha256) != 0 ||
		    !trust_fingerprint_equal(hex, c->sha256))
			abort();
	}
	/* What we write for the bundle's own HTTPS certificate must read back the same. */
	const struct trust_cert *https = trust_bundle_cert(b, TRUST_ROLE_HTTPS);
	if (https) {
		buf_init(&out);
		if (trust_bundle_write(&out, b->cluster, b->address, https->pem, b->created, err,
				       sizeof(err)) == 0) {
			if (trust_bundle_parse(out.data, out.len, &again, err, sizeof(err)) != 0)
				abort();
			const struct trust_cert *h2 = trust_bundle_cert(again, TRUST_ROLE_HTTPS);
			if (strcmp(again->cluster, b->cluster) != 0 ||
			    strcmp(again->address, b->address) != 0 ||
			    again->created != b->created || !h2 ||
			    strcmp(h2->sha256, https->sha256) != 0)
				abort();
			trust_bundle_free(again);
		}
		buf_free(&out);
	}
	trust_bundle_free(b);
	return 0;
}
