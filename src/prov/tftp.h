/* tftp.h -- TFTP packets: parse and build (RFC 1350), option negotiation (RFC 2347: OACK;
 * RFC 2348 blksize; RFC 2349 timeout, tsize; RFC 7440 windowsize), netascii.
 *
 * Pure code on byte buffers: no sockets, no clock, nothing of ours but core. The server's
 * transfers are daemon/tftpd.c; tests and the benchmark's client build requests here too. */
#ifndef EMCC_PROV_TFTP_H
#define EMCC_PROV_TFTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define TFTP_PORT 69

enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6,
};

/* Error codes (RFC 1350, 2347). */
enum tftp_error {
	TFTP_ERR_UNDEF = 0,    /* "Not defined, see error message" */
	TFTP_ERR_NOTFOUND = 1, /* "File not found" */
	TFTP_ERR_ACCESS = 2,   /* "Access violation" */
	TFTP_ERR_DISKFULL = 3,
	TFTP_ERR_ILLEGAL = 4, /* "Illegal TFTP operation" */
	TFTP_ERR_BADTID = 5,  /* "Unknown transfer ID" */
	TFTP_ERR_EXISTS = 6,
	TFTP_ERR_NOUSER = 7,
	TFTP_ERR_OPTIONS = 8, /* "Option negotiation failed" (RFC 2347) */
};

enum tftp_mode { TFTP_MODE_OCTET = 1, TFTP_MODE_NETASCII = 2 };

#define TFTP_BLKSIZE_DEFAULT 512
#define TFTP_BLKSIZE_MIN 8     /* RFC 2348 */
#define TFTP_BLKSIZE_MAX 65464 /* RFC 2348 */
#define TFTP_TIMEOUT_MIN 1     /* seconds, RFC 2349 */
#define TFTP_TIMEOUT_MAX 255
#define TFTP_WINDOW_MIN 1 /* RFC 7440 */
#define TFTP_WINDOW_MAX 65535
/* A request (opcode, name, mode, options) is at most 512 bytes (RFC 2347 section 2). */
#define TFTP_REQUEST_MAX 512
/* A file name in a request: longer ones are refused as malformed. */
#define TFTP_NAME_MAX 255

/* Options a request carried (bits of tftp_request.options). */
#define TFTP_OPT_BLKSIZE 0x1u
#define TFTP_OPT_TIMEOUT 0x2u
#define TFTP_OPT_TSIZE 0x4u
#define TFTP_OPT_WINDOWSIZE 0x8u

/* A read or write request. Unknown options are skipped (RFC 2347); the known ones come back
 * with their values checked against the RFCs' ranges. */
struct tftp_request {
	enum tftp_opcode opcode; /* TFTP_RRQ or TFTP_WRQ */
	char name[TFTP_NAME_MAX + 1];
	size_t name_len;
	enum tftp_mode mode;
	unsigned options;    /* TFTP_OPT_* */
	unsigned blksize;    /* TFTP_BLKSIZE_MIN..TFTP_BLKSIZE_MAX when asked */
	unsigned timeout;    /* seconds, TFTP_TIMEOUT_MIN..TFTP_TIMEOUT_MAX when asked */
	unsigned windowsize; /* TFTP_WINDOW_MIN..TFTP_WINDOW_MAX when asked */
	uint64_t tsize;	     /* what the client sent (0 in a read request) */
};

/* Parses a RRQ or WRQ. Returns 0, or EINVAL with *code the error to answer and *why its text:
 * TFTP_ERR_ILLEGAL for a malformed packet (not a request, a field without its NUL, an empty
 * name, a name longer than TFTP_NAME_MAX, an unknown mode, an option without a value, more
 * than TFTP_REQUEST_MAX bytes), TFTP_ERR_OPTIONS for a known option with a bad value (not
 * decimal, out of its RFC's range, given twice). code and why may be NULL. */
int tftp_parse_request(const void *pkt, size_t len, struct tftp_request *out, int *code,
		       const char **why);

/* The opcode of a packet of len bytes, 0 when it has none (shorter than 2 bytes). */
int tftp_opcode(const void *pkt, size_t len);

/* An ACK: 0 and *block, or EINVAL (not exactly an ACK's 4 bytes or not an ACK). */
int tftp_parse_ack(const void *pkt, size_t len, uint16_t *block);

/* A DATA packet: 0 with *block and data/dlen pointing into pkt, or EINVAL. */
int tftp_parse_data(const void *pkt, size_t len, uint16_t *block, const uint8_t **data,
		    size_t *dlen);

/* An ERROR packet: 0 with *code and msg (NUL-terminated, cut to msglen; non-printable bytes
 * become '?'), or EINVAL. msg may be NULL. */
int tftp_parse_error(const void *pkt, size_t len, int *code, char *msg, size_t msglen);

/* An OACK: 0 with the options it carries in out (options, blksize, timeout, windowsize,
 * tsize; name and mode left empty), or EINVAL. Values are checked as in a request. */
int tftp_parse_oack(const void *pkt, size_t len, struct tftp_request *out);

/* What the server agrees to for a read request (RFC 2347-2349, 7440). */
struct tftp_limits {
	unsigned blksize_max; /* at most TFTP_BLKSIZE_MAX */
	unsigned window_max;  /* at most TFTP_WINDOW_MAX */
};
struct tftp_options {
	unsigned acked;	     /* TFTP_OPT_* to put in the OACK; 0: no OACK, DATA 1 first */
	unsigned blksize;    /* in force: asked (capped at blksize_max) or 512 */
	unsigned timeout;    /* seconds asked, 0 = the server's own */
	unsigned windowsize; /* in force: asked (capped at window_max) or 1 */
	uint64_t tsize;	     /* the file's size, when acked */
};
/* The answer to rq for a file of size bytes: every known option the client asked is acked,
 * blksize and windowsize capped at lim (RFC 2348: the server may answer a smaller block). */
void tftp_negotiate(const struct tftp_request *rq, const struct tftp_limits *lim, uint64_t size,
		    struct tftp_options *out);

/* Builders: each writes one packet into out (cap bytes) and returns its length, or 0 when it
 * does not fit. */
size_t tftp_build_data(void *out, size_t cap, uint16_t block, const void *data, size_t len);
size_t tftp_build_ack(void *out, size_t cap, uint16_t block);
/* msg: printable ASCII; NULL takes the RFC's text for code. */
size_t tftp_build_error(void *out, size_t cap, int code, const char *msg);
/* The options of o->acked, in the order blksize, timeout, tsize, windowsize. */
size_t tftp_build_oack(void *out, size_t cap, const struct tftp_options *o);
/* A request (client side: tests, the benchmark): rq->options say which options go in. */
size_t tftp_build_request(void *out, size_t cap, const struct tftp_request *rq);

/* The RFC's text for an error code ("File not found"...); "Not defined" for others. */
const char *tftp_error_text(int code);

/* netascii (RFC 764, as RFC 1350 uses it): LF becomes CR LF, a bare CR becomes CR NUL; appended
 * to out. Returns 0 or ENOMEM (out is then cut back to where it was). */
int tftp_netascii_encode(const void *in, size_t len, struct buf *out);

#endif
