/* msg_int.h -- what the EMCC message renderer (msg.c) and parser (msg_parse.c) share: one table
 * per operation listing its fields in document order. Both walk the same table, so the two
 * cannot drift apart. Internal to src/emcc. */
#ifndef EMCC_EMCC_MSG_INT_H
#define EMCC_EMCC_MSG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "emcc/msg.h"

enum ftype {
	F_TEXT,	 /* char[] */
	F_U64,	 /* uint64_t */
	F_I64,	 /* int64_t, >= 0 */
	F_INT,	 /* int, >= 0 */
	F_BOOL,	 /* int 0/1 as false/true */
	F_NONCE, /* char[EMCC_NONCE_LEN + 1], lowercase hex */
	F_MARK,	 /* an empty element that must be there (<success/>); no struct member */
};

#define F_OPT 1u      /* may be absent; rendered only when not empty */
#define F_NONEMPTY 2u /* text that must not be empty */

struct field {
	const char *name;
	enum ftype type;
	unsigned flags;
	size_t off, size;
	uint64_t max;
};

enum shape {
	S_FIELDS,     /* <op> holding the table's fields */
	S_EMPTY,      /* <op/> */
	S_CHECK_USER, /* the guide's checkUser reply */
	S_FAILURE,    /* <failure><error code="N">text</error></failure> */
};

struct opdef {
	enum emcc_msg_kind kind;
	const char *name;
	int is_request;
	enum shape shape;
	const struct field *fields;
	size_t nfields;
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Every operation, requests and responses (msg.c). */
extern const struct opdef emcc_msg_ops[];
extern const size_t emcc_msg_nops;

/* The fields before the operation: a request's (cluster, requestNumber, sent, nonce) or a
 * response's (cluster, requestNumber); *n set to their number. */
const struct field *emcc_msg_head(int is_request, size_t *n);

/* The operation of kind, or NULL. */
const struct opdef *emcc_msg_op(enum emcc_msg_kind kind);

/* A value we can carry (see msg.c): 1 or 0. */
int emcc_msg_value_ok(const char *s, size_t len);
/* EMCC_NONCE_LEN lowercase hex digits: 1 or 0. */
int emcc_msg_nonce_ok(const char *s);

/* A field's place in a message. */
static inline char *text_at(struct emcc_msg *m, const struct field *f)
{
	return (char *)m + f->off;
}

static inline const char *ctext_at(const struct emcc_msg *m, const struct field *f)
{
	return (const char *)m + f->off;
}

#endif
