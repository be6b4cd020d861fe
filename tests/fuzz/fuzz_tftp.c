/* fuzz_tftp.c -- libFuzzer target: bytes into the TFTP packet parsers and the provisioning file
 * names. What they accept is checked: a request's name and options within their RFC ranges, the
 * request built again from what was parsed reads back the same, an OACK of the negotiated
 * options reads back as negotiated, and a file name the table takes is never a path. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prov/files.h"
#include "prov/tftp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const struct tftp_request *rq)
{
	static uint8_t pkt[TFTP_REQUEST_MAX + 64];
	struct tftp_request back;
	struct tftp_options o;
	struct tftp_limits lim = {1468, 64};

	if (rq->opcode != TFTP_RRQ && rq->opcode != TFTP_WRQ)
		abort();
	if (rq->name_len == 0 || rq->name_len > TFTP_NAME_MAX || strlen(rq->name) != rq->name_len)
		abort();
	if (rq->mode != TFTP_MODE_OCTET && rq->mode != TFTP_MODE_NETASCII)
		abort();
	if (((rq->options & TFTP_OPT_BLKSIZE) &&
	     (rq->blksize < TFTP_BLKSIZE_MIN || rq->blksize > TFTP_BLKSIZE_MAX)) ||
	    ((rq->options & TFTP_OPT_TIMEOUT) &&
	     (rq->timeout < TFTP_TIMEOUT_MIN || rq->timeout > TFTP_TIMEOUT_MAX)) ||
	    ((rq->options & TFTP_OPT_WINDOWSIZE) &&
	     (rq->windowsize < TFTP_WINDOW_MIN || rq->windowsize > TFTP_WINDOW_MAX)))
		abort();
	size_t n = tftp_build_request(pkt, sizeof(pkt), rq);
	if (n == 0 || tftp_parse_request(pkt, n > TFTP_REQUEST_MAX ? TFTP_REQUEST_MAX : n, &back,
					 NULL, NULL) != (n > TFTP_REQUEST_MAX ? EINVAL : 0))
		abort();
	if (n <= TFTP_REQUEST_MAX &&
	    (strcmp(back.name, rq->name) || back.mode != rq->mode || back.options != rq->options ||
	     back.blksize != rq->blksize || back.timeout != rq->timeout ||
	     back.windowsize != rq->windowsize || back.tsize != rq->tsize))
		abort();
	tftp_negotiate(rq, &lim, 7580, &o);
	if (o.blksize < TFTP_BLKSIZE_MIN || o.blksize > 1468 || o.windowsize < 1 ||
	    o.windowsize > 64 || (o.acked & ~rq->options))
		abort();
	n = tftp_build_oack(pkt, sizeof(pkt), &o);
	if (n == 0 || tftp_parse_oack(pkt, n, &back) != 0 || back.options != o.acked)
		abort();
}

static void check_name(const uint8_t *data, size_t size)
{
	struct prov_file_req r;

	if (prov_file_parse((const char *)data, size, &r) != 0)
		return;
	if (strlen(r.name) != size || memcmp(r.name, data, size) != 0 || r.name[0] == '/' ||
	    r.name[0] == '.' || strstr(r.name, "..") || strchr(r.name, '\\') ||
	    strchr(r.name, '%') || (unsigned)r.kind >= PROV_FILE_KIND_COUNT)
		abort();
	const char *slash = strchr(r.name, '/');
	if (slash && (r.kind != PROV_FILE_LOCALE || strchr(slash + 1, '/')))
		abort();
	for (size_t i = 0; i < size; i++)
		if (data[i] < 0x21 || data[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tftp_request rq;
	int code = -1;
	const char *why = NULL;
	uint16_t block;
	const uint8_t *d;
	size_t dlen;
	char msg[32];

	int rc = tftp_parse_request(data, size, &rq, &code, &why);
	if (rc == 0)
		check_request(&rq);
	else if (rc != EINVAL || !why || (code != TFTP_ERR_ILLEGAL && code != TFTP_ERR_OPTIONS))
		abort();
	if (tftp_parse_ack(data, size, &block) == 0 && size != 4)
		abort();
	if (tftp_parse_data(data, size, &block, &d, &dlen) == 0 &&
	    (d != data + 4 || dlen != size - 4))
		abort();
	if (tftp_parse_error(data, size, &code, msg, sizeof(msg)) == 0 &&
	    strlen(msg) >= sizeof(msg))
		abort();
	(void)tftp_parse_oack(data, size, &rq);
	check_name(data, size);
	return 0;
}
