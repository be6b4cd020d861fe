/* tftp.c -- TFTP packet parser and builder, option negotiation and netascii (tftp.h). */
#include "prov/tftp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static unsigned get16(const uint8_t *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int tftp_opcode(const void *pkt, size_t len)
{
	return pkt && len >= 2 ? (int)get16(pkt) : 0;
}

const char *tftp_error_text(int code)
{
	static const char *const texts[] = {
	    "Not defined",
	    "File not found",
	    "Access violation",
	    "Disk full or allocation exceeded",
	    "Illegal TFTP operation",
	    "Unknown transfer ID",
	    "File already exists",
	    "No such user",
	    "Option negotiation failed",
	};
	if (code < 0 || (size_t)code >= sizeof(texts) / sizeof(texts[0]))
		return texts[0];
	return texts[code];
}

/* The NUL-terminated string at *pos within [pkt, pkt + len): 0 with *s and *n set and *pos
 * moved past the NUL, or -1 when no NUL ends it. */
static int next_string(const uint8_t *pkt, size_t len, size_t *pos, const char **s, size_t *n)
{
	if (*pos >= len)
		return -1;
	const uint8_t *nul = memchr(pkt + *pos, 0, len - *pos);
	if (!nul)
		return -1;
	*s = (const char *)pkt + *pos;
	*n = (size_t)(nul - (pkt + *pos));
	*pos += *n + 1;
	return 0;
}

/* Strict decimal (1..20 digits, no sign, no spaces) into *v; -1 otherwise or on overflow. */
static int decimal(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static int fail(int *code, const char **why, int c, const char *text)
{
	if (code)
		*code = c;
	if (why)
		*why = text;
	return EINVAL;
}

struct known_option {
	const char *name;
	unsigned bit;
	uint64_t min, max;
};

static const struct known_option known[] = {
    {"blksize", TFTP_OPT_BLKSIZE, TFTP_BLKSIZE_MIN, TFTP_BLKSIZE_MAX},
    {"timeout", TFTP_OPT_TIMEOUT, TFTP_TIMEOUT_MIN, TFTP_TIMEOUT_MAX},
    {"tsize", TFTP_OPT_TSIZE, 0, UINT64_MAX},
    {"windowsize", TFTP_OPT_WINDOWSIZE, TFTP_WINDOW_MIN, TFTP_WINDOW_MAX},
};

/* The option pairs from pos to the end of the packet into out. */
static int parse_options(const uint8_t *p, size_t len, size_t pos, struct tftp_request *out,
			 int *code, const char **why)
{
	while (pos < len) {
		const char *name, *value;
		size_t nlen, vlen;
		uint64_t v;

		if (next_string(p, len, &pos, &name, &nlen) != 0 || nlen == 0)
			return fail(code, why, TFTP_ERR_ILLEGAL, "malformed option name");
		if (next_string(p, len, &pos, &value, &vlen) != 0)
			return fail(code, why, TFTP_ERR_ILLEGAL, "option without a value");
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
			const struct known_option *o = &known[k];
			if (strlen(o->name) != nlen || strncasecmp(o->name, name, nlen) != 0)
				continue;
			if (out->options & o->bit)
				return fail(code, why, TFTP_ERR_OPTIONS, "option given twice");
			if (decimal(value, vlen, &v) != 0 || v < o->min || v > o->max)
				return fail(code, why, TFTP_ERR_OPTIONS,
					    "option value out of range");
			out->options |= o->bit;
			if (o->bit == TFTP_OPT_BLKSIZE)
				out->blksize = (unsigned)v;
			else if (o->bit == TFTP_OPT_TIMEOUT)
				out->timeout = (unsigned)v;
			else if (o->bit == TFTP_OPT_TSIZE)
				out->tsize = v;
			else
				out->windowsize = (unsigned)v;
		}
		/* Unknown options are left out of the answer (RFC 2347). */
	}
	return 0;
}

int tftp_parse_request(const void *pkt, size_t len, struct tftp_request *out, int *code,
		       const char **why)
{
	const uint8_t *p = pkt;
	const char *name, *mode;
	size_t nlen, mlen, pos = 2;

	if (!out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	if (!p || len < 2)
		return fail(code, why, TFTP_ERR_ILLEGAL, "short packet");
	unsigned op = get16(p);
	if (op != TFTP_RRQ && op != TFTP_WRQ)
		return fail(code, why, TFTP_ERR_ILLEGAL, "not a request");
	if (len > TFTP_REQUEST_MAX)
		return fail(code, why, TFTP_ERR_ILLEGAL, "request longer than 512 bytes");
	if (next_string(p, len, &pos, &name, &nlen) != 0)
		return fail(code, why, TFTP_ERR_ILLEGAL, "file name without its NUL");
	if (nlen == 0 || nlen > TFTP_NAME_MAX)
		return fail(code, why, TFTP_ERR_ILLEGAL, "empty or overlong file name");
	if (next_string(p, len, &pos, &mode, &mlen) != 0)
		return fail(code, why, TFTP_ERR_ILLEGAL, "mode without its NUL");
	if (mlen == 5 && strncasecmp(mode, "octet", 5) == 0)
		out->mode = TFTP_MODE_OCTET;
	else if (mlen == 8 && strncasecmp(mode, "netascii", 8) == 0)
		out->mode = TFTP_MODE_NETASCII;
	else
		return fail(code, why, TFTP_ERR_ILLEGAL, "unknown transfer mode");
	out->opcode = (enum tftp_opcode)op;
	memcpy(out->name, name, nlen);
	out->name[nlen] = '\0';
	out->name_len = nlen;
	int rc = parse_options(p, len, pos, out, code, why);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return 0;
}

int tftp_parse_ack(const void *pkt, size_t len, uint16_t *block)
{
	if (!pkt || len != 4 || get16(pkt) != TFTP_ACK)
		return EINVAL;
	if (block)
		*block = (uint16_t)get16((const uint8_t *)pkt + 2);
	return 0;
}

int tftp_parse_data(const void *pkt, size_t len, uint16_t *block, const uint8_t **data,
		    size_t *dlen)
{
	if (!pkt || len < 4 || len > 4 + TFTP_BLKSIZE_MAX || get16(pkt) != TFTP_DATA)
		return EINVAL;
	if (block)
		*block = (uint16_t)get16((const uint8_t *)pkt + 2);
	if (data)
		*data = (const uint8_t *)pkt + 4;
	if (dlen)
		*dlen = len - 4;
	return 0;
}

int tftp_parse_error(const void *pkt, size_t len, int *code, char *msg, size_t msglen)
{
	const uint8_t *p = pkt;

	if (!p || len < 4 || get16(p) != TFTP_ERROR)
		return EINVAL;
	if (code)
		*code = (int)get16(p + 2);
	if (msg && msglen) {
		size_t i = 0;
		for (size_t k = 4; k < len && p[k] && i + 1 < msglen; k++)
			msg[i++] = p[k] >= 0x20 && p[k] < 0x7f ? (char)p[k] : '?';
		msg[i] = '\0';
	}
	return 0;
}

int tftp_parse_oack(const void *pkt, size_t len, struct tftp_request *out)
{
	if (!pkt || !out || len < 2 || get16(pkt) != TFTP_OACK)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	return parse_options(pkt, len, 2, out, NULL, NULL);
}

void tftp_negotiate(const struct tftp_request *rq, const struct tftp_limits *lim, uint64_t size,
		    struct tftp_options *out)
{
	unsigned bmax = lim && lim->blksize_max ? lim->blksize_max : TFTP_BLKSIZE_MAX;
	unsigned wmax = lim && lim->window_max ? lim->window_max : TFTP_WINDOW_MAX;

	if (bmax > TFTP_BLKSIZE_MAX)
		bmax = TFTP_BLKSIZE_MAX;
	if (bmax < TFTP_BLKSIZE_MIN)
		bmax = TFTP_BLKSIZE_MIN;
	if (wmax > TFTP_WINDOW_MAX)
		wmax = TFTP_WINDOW_MAX;
	if (wmax < TFTP_WINDOW_MIN)
		wmax = TFTP_WINDOW_MIN;
	memset(out, 0, sizeof(*out));
	out->blksize = TFTP_BLKSIZE_DEFAULT;
	out->windowsize = 1;
	if (!rq)
		return;
	if (rq->options & TFTP_OPT_BLKSIZE) {
		out->acked |= TFTP_OPT_BLKSIZE;
		out->blksize = rq->blksize < bmax ? rq->blksize : bmax;
	}
	if (rq->options & TFTP_OPT_TIMEOUT) {
		out->acked |= TFTP_OPT_TIMEOUT;
		out->timeout = rq->timeout;
	}
	if (rq->options & TFTP_OPT_TSIZE) {
		out->acked |= TFTP_OPT_TSIZE;
		out->tsize = size;
	}
	if (rq->options & TFTP_OPT_WINDOWSIZE) {
		out->acked |= TFTP_OPT_WINDOWSIZE;
		out->windowsize = rq->windowsize < wmax ? rq->windowsize : wmax;
	}
}

size_t tftp_build_data(void *out, size_t cap, uint16_t block, const void *data, size_t len)
{
	if (!out || cap < 4 || len > cap - 4 || (len && !data))
		return 0;
	put16(out, TFTP_DATA);
	put16((uint8_t *)out + 2, block);
	if (len)
		memcpy((uint8_t *)out + 4, data, len);
	return 4 + len;
}

size_t tftp_build_ack(void *out, size_t cap, uint16_t block)
{
	if (!out || cap < 4)
		return 0;
	put16(out, TFTP_ACK);
	put16((uint8_t *)out + 2, block);
	return 4;
}

size_t tftp_build_error(void *out, size_t cap, int code, const char *msg)
{
	if (!msg)
		msg = tftp_error_text(code);
	size_t n = strlen(msg);
	if (!out || code < 0 || code > 0xffff || cap < 5 || n > cap - 5)
		return 0;
	put16(out, TFTP_ERROR);
	put16((uint8_t *)out + 2, (unsigned)code);
	memcpy((uint8_t *)out + 4, msg, n + 1);
	return 5 + n;
}

/* Appends "name\0value\0" at *pos; -1 when it does not fit. */
static int put_option(uint8_t *out, size_t cap, size_t *pos, const char *name, uint64_t value)
{
	char v[24];
	int vn = snprintf(v, sizeof(v), "%llu", (unsigned long long)value);
	size_t nn = strlen(name);

	if (vn < 0 || *pos + nn + 1 + (size_t)vn + 1 > cap)
		return -1;
	memcpy(out + *pos, name, nn + 1);
	*pos += nn + 1;
	memcpy(out + *pos, v, (size_t)vn + 1);
	*pos += (size_t)vn + 1;
	return 0;
}

static size_t put_options(uint8_t *p, size_t cap, size_t pos, unsigned bits, unsigned blksize,
			  unsigned timeout, uint64_t tsize, unsigned windowsize)
{
	if ((bits & TFTP_OPT_BLKSIZE) && put_option(p, cap, &pos, "blksize", blksize))
		return 0;
	if ((bits & TFTP_OPT_TIMEOUT) && put_option(p, cap, &pos, "timeout", timeout))
		return 0;
	if ((bits & TFTP_OPT_TSIZE) && put_option(p, cap, &pos, "tsize", tsize))
		return 0;
	if ((bits & TFTP_OPT_WINDOWSIZE) && put_option(p, cap, &pos, "windowsize", windowsize))
		return 0;
	return pos;
}

size_t tftp_build_oack(void *out, size_t cap, const struct tftp_options *o)
{
	if (!out || !o || cap < 2)
		return 0;
	put16(out, TFTP_OACK);
	return put_options(out, cap, 2, o->acked, o->blksize, o->timeout, o->tsize, o->windowsize);
}

size_t tftp_build_request(void *out, size_t cap, const struct tftp_request *rq)
{
	uint8_t *p = out;
	const char *mode = rq && rq->mode == TFTP_MODE_NETASCII ? "netascii" : "octet";

	if (!p || !rq || (rq->opcode != TFTP_RRQ && rq->opcode != TFTP_WRQ))
		return 0;
	size_t n = strnlen(rq->name, sizeof(rq->name)), m = strlen(mode);
	if (cap < 2 + n + 1 + m + 1)
		return 0;
	put16(p, rq->opcode);
	memcpy(p + 2, rq->name, n);
	p[2 + n] = 0;
	memcpy(p + 3 + n, mode, m + 1);
	return put_options(p, cap, 4 + n + m, rq->options, rq->blksize, rq->timeout, rq->tsize,
			   rq->windowsize);
}

int tftp_netascii_encode(const void *in, size_t len, struct buf *out)
{
	const uint8_t *p = in;
	size_t start = out->len, from = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\n' && p[i] != '\r')
			continue;
		buf_append(out, (const char *)p + from, i - from);
		buf_append(out, p[i] == '\n' ? "\r\n" : "\r\0", 2);
		from = i + 1;
	}
	buf_append(out, (const char *)p + from, len - from);
	if (out->oom) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return ENOMEM;
	}
	return 0;
}
