/* fuzz_itl.c -- libFuzzer target: bytes into itl_parse, itl_verify_self and itl_verify_update;
 * an accepted ITL/CTL must be consistent (records inside the file and in order, a certificate
 * whose serial is its record's, strings terminated), and every verdict a documented code. */
#include <errno.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prov/itl.h"
#include "prov/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(f) (strnlen((f), sizeof(f)) < sizeof(f))

static int verdict(int rc)
{
	return rc == 0 || rc == ENOKEY || rc == EKEYREJECTED || rc == ENOTSUP;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct itl *itl = NULL, *held = NULL;
	char why[512];
	int rc = itl_parse(data, size, &itl);

	if (rc) {
		if (itl || (rc != EBADMSG && rc != ENOTSUP && rc != EFBIG && rc != ENOMEM))
			abort();
		return 0;
	}
	if (!itl || itl->len != size || memcmp(itl->data, data, size) != 0 || itl->nrecs < 1 ||
	    itl->nrecs > ITL_MAX_RECORDS)
		abort();
	size_t off = itl->hdr.length;
	for (size_t i = 0; i < itl->nrecs; i++) {
		const struct itl_record *r = &itl->recs[i];
		uint8_t serial[TLV_SERIAL_MAX];
		if (r->off != off || r->len < 5 || r->off + r->len > size ||
		    !TERMINATED(r->subject) || !TERMINATED(r->issuer) || !TERMINATED(r->dns_name) ||
		    r->serial_len < 1)
			abort();
		if (r->cert) {
			size_t n = tlv_cert_serial(r->cert, serial);
			if (!tlv_serial_equal(serial, n, r->serial, r->serial_len))
				abort();
		}
		off += r->len;
	}
	if (off != size)
		abort();
	const struct itl_record *s = itl_signer(itl);
	if (s && (s->role != ITL_ROLE_SAST || !s->cert))
		abort();
	why[0] = '\0';
	rc = itl_verify_self(itl, why, sizeof(why));
	if (!verdict(rc) || (rc && !why[0]))
		abort();
	/* The same file as the ITL held and as the next one: the update path. */
	if (itl_parse(data, size, &held) != 0)
		abort();
	int again = itl_verify_update(held, itl, why, sizeof(why));
	if (!verdict(again) || (rc == 0) != (again == 0))
		abort();
	itl_free(held);
	itl_free(itl);
	return 0;
}
