/* msg.c -- EMCC inter-cluster messages: the operations' field tables and the renderer (the
 * parser is msg_parse.c, the replay guard replay.c).
 *
 * One table per operation lists its fields in document order, and both the parser and the
 * renderer walk that table (msg_int.h): the two cannot drift apart, and whatever the renderer
 * accepts parses back to the same struct (the fuzz target checks exactly that). */
#include "emcc/msg.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/xmlsafe.h"
#include "emcc/msg_int.h"

/* ---- the field tables ---- */

#define MEMBER(m) offsetof(struct emcc_msg, m), sizeof(((struct emcc_msg *)0)->m)
#define TEXT(n, m, fl)                                                                             \
	{                                                                                          \
		n, F_TEXT, fl, MEMBER(m), 0                                                        \
	}
#define NUM(n, t, m, mx)                                                                           \
	{                                                                                          \
		n, t, 0, MEMBER(m), (uint64_t)(mx)                                                 \
	}
#define BOOL(n, m)                                                                                 \
	{                                                                                          \
		n, F_BOOL, 0, MEMBER(m), 1                                                         \
	}
#define MARK(n)                                                                                    \
	{                                                                                          \
		n, F_MARK, 0, 0, 0, 0                                                              \
	}
static const struct field req_head[] = {
    TEXT("cluster", cluster, F_NONEMPTY),
    NUM("requestNumber", F_U64, request_number, UINT64_MAX),
    NUM("sent", F_I64, sent_ms, INT64_MAX),
    {"nonce", F_NONCE, 0, MEMBER(nonce), 0},
};

static const struct field resp_head[] = {
    TEXT("cluster", cluster, F_NONEMPTY),
    NUM("requestNumber", F_U64, request_number, UINT64_MAX),
};

static const struct field f_check_user_req[] = {
    TEXT("userID", user_id, 0),
};

static const struct field f_home_login_req[] = {
    TEXT("userID", user_id, 0),
    TEXT("pin", pin, 0),
    TEXT("deviceName", device_name, 0),
    TEXT("model", model, 0),
    NUM("modelEnum", F_INT, model_enum, INT_MAX),
    TEXT("protocol", protocol, 0),
    NUM("securityMode", F_INT, security_mode, INT_MAX),
    TEXT("loginType", login_type, 0),
    TEXT("deviceProfile", device_profile, F_OPT),
    TEXT("remoteIPAddr", remote_ip, F_OPT),
};

static const struct field f_logout_req[] = {
    TEXT("deviceName", device_name, 0),
    TEXT("userID", user_id, 0),
    TEXT("reason", reason, 0),
};

static const struct field f_home_login_resp[] = {
    MARK("success"),
    TEXT("deviceProfile", device_profile, 0),
    NUM("loginDuration", F_I64, login_duration, EMCC_DURATION_MAX),
    TEXT("tftpServer", tftp_server, 0),
    TEXT("callManager", call_manager, 0),
    TEXT("tvs", tvs, 0),
    TEXT("configVersion", config_version, 0),
};

static const struct field f_cluster_info_resp[] = {
    TEXT("version", cluster_version, 0),
    BOOL("emcc", emcc),
    BOOL("pstnAccess", pstn_access),
    BOOL("tftp", tftp),
};

const struct opdef emcc_msg_ops[] = {
    {EMCC_REQ_CHECK_USER, "checkUser", 1, S_FIELDS, f_check_user_req, COUNT(f_check_user_req)},
    {EMCC_REQ_HOME_LOGIN, "homeLogin", 1, S_FIELDS, f_home_login_req, COUNT(f_home_login_req)},
    {EMCC_REQ_HOME_LOGOUT, "homeLogout", 1, S_FIELDS, f_logout_req, COUNT(f_logout_req)},
    {EMCC_REQ_VISITING_LOGOUT, "visitingLogout", 1, S_FIELDS, f_logout_req, COUNT(f_logout_req)},
    {EMCC_REQ_CLUSTER_INFO, "clusterInfo", 1, S_EMPTY, NULL, 0},
    {EMCC_RESP_CHECK_USER, "checkUser", 0, S_CHECK_USER, NULL, 0},
    {EMCC_RESP_HOME_LOGIN, "homeLogin", 0, S_FIELDS, f_home_login_resp, COUNT(f_home_login_resp)},
    {EMCC_RESP_SUCCESS, "success", 0, S_EMPTY, NULL, 0},
    {EMCC_RESP_CLUSTER_INFO, "clusterInfo", 0, S_FIELDS, f_cluster_info_resp,
     COUNT(f_cluster_info_resp)},
    {EMCC_RESP_FAILURE, "failure", 0, S_FAILURE, NULL, 0},
};
const size_t emcc_msg_nops = COUNT(emcc_msg_ops);

const struct field *emcc_msg_head(int is_request, size_t *n)
{
	*n = is_request ? COUNT(req_head) : COUNT(resp_head);
	return is_request ? req_head : resp_head;
}

const struct opdef *emcc_msg_op(enum emcc_msg_kind kind)
{
	for (size_t i = 0; i < emcc_msg_nops; i++)
		if (emcc_msg_ops[i].kind == kind)
			return &emcc_msg_ops[i];
	return NULL;
}

/* A value we can carry: valid UTF-8, no C0 control character (XML would turn a literal CR or
 * tab into something else on the way back), no U+FFFE/U+FFFF (not XML characters), and no
 * surrounding whitespace (the parser trims it). The renderer refuses anything else, so every
 * rendered value parses back unchanged. */
int emcc_msg_value_ok(const char *s, size_t len)
{
	if (!xmlsafe_chars_ok(s, len, 0))
		return 0;
	return len == 0 || (s[0] != ' ' && s[len - 1] != ' ');
}

int emcc_msg_nonce_ok(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == EMCC_NONCE_LEN;
}

/* ---- rendering ---- */

static int text_ok(const char *s, size_t size, int nonempty)
{
	size_t len = strnlen(s, size);
	return len < size && emcc_msg_value_ok(s, len) && (!nonempty || len > 0);
}

static int fields_ok(const struct emcc_msg *m, const struct field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		const char *p = ctext_at(m, f);
		switch (f->type) {
		case F_TEXT:
			if (!text_ok(p, f->size, (f->flags & F_NONEMPTY) != 0))
				return 0;
			break;
		case F_NONCE:
			if (strnlen(p, f->size) >= f->size || !emcc_msg_nonce_ok(p))
				return 0;
			break;
		case F_I64: {
			int64_t v = *(const int64_t *)(const void *)p;
			if (v < 0 || (uint64_t)v > f->max)
				return 0;
			break;
		}
		case F_INT: {
			int v = *(const int *)(const void *)p;
			if (v < 0 || (uint64_t)v > f->max)
				return 0;
			break;
		}
		case F_BOOL: {
			int v = *(const int *)(const void *)p;
			if (v != 0 && v != 1)
				return 0;
			break;
		}
		case F_U64:
		case F_MARK: break;
		}
	}
	return 1;
}

/* Whether m renders to a document that parses back to m. */
static int renderable(const struct emcc_msg *m, const struct opdef *op)
{
	if (m->version == EMCC_MSG_VERSION) {
		if (!fields_ok(m, op->is_request ? req_head : resp_head,
			       op->is_request ? COUNT(req_head) : COUNT(resp_head)))
			return 0;
	} else if (m->version != 0 || op->is_request || m->cluster[0] || m->request_number) {
		return 0; /* version 0 is CUCM's bare reply: nothing but the body */
	}
	switch (op->shape) {
	case S_FIELDS: return fields_ok(m, op->fields, op->nfields);
	case S_EMPTY: return 1;
	case S_CHECK_USER:
		if (!text_ok(m->user_id, sizeof(m->user_id), 0))
			return 0;
		if (m->user_exists != 0 && m->user_exists != 1)
			return 0;
		if (m->nprofiles > EMCC_MAX_PROFILES || (!m->user_exists && m->nprofiles))
			return 0;
		for (size_t i = 0; i < m->nprofiles; i++)
			if (!text_ok(m->profiles[i], sizeof(m->profiles[i]), 0))
				return 0;
		return 1;
	case S_FAILURE:
		return m->error_code >= 0 && m->error_code <= EMCC_CODE_MAX &&
		       text_ok(m->error_text, sizeof(m->error_text), 0);
	}
	return 0;
}

static void put_text(struct buf *b, const char *tag, const char *text)
{
	buf_printf(b, "<%s>", tag);
	buf_xml_escape(b, text);
	buf_printf(b, "</%s>", tag);
}

static void render_fields(struct buf *b, const struct emcc_msg *m, const struct field *fields,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		const char *p = ctext_at(m, f);
		switch (f->type) {
		case F_TEXT:
		case F_NONCE:
			if (!(f->flags & F_OPT) || p[0])
				put_text(b, f->name, p);
			break;
		case F_U64:
			buf_printf(b, "<%s>%" PRIu64 "</%s>", f->name,
				   *(const uint64_t *)(const void *)p, f->name);
			break;
		case F_I64:
			buf_printf(b, "<%s>%" PRId64 "</%s>", f->name,
				   *(const int64_t *)(const void *)p, f->name);
			break;
		case F_INT:
			buf_printf(b, "<%s>%d</%s>", f->name, *(const int *)(const void *)p,
				   f->name);
			break;
		case F_BOOL:
			buf_printf(b, "<%s>%s</%s>", f->name,
				   *(const int *)(const void *)p ? "true" : "false", f->name);
			break;
		case F_MARK: buf_printf(b, "<%s/>", f->name); break;
		}
	}
}

static void render_body(struct buf *b, const struct emcc_msg *m, const struct opdef *op)
{
	switch (op->shape) {
	case S_EMPTY: buf_printf(b, "<%s/>", op->name); break;
	case S_FIELDS:
		buf_printf(b, "<%s>", op->name);
		render_fields(b, m, op->fields, op->nfields);
		buf_printf(b, "</%s>", op->name);
		break;
	case S_CHECK_USER:
		/* The guide's reply, byte for byte: the id is plain, XML-escaped only. */
		buf_puts(b, "<checkUser><user id=\"");
		buf_xml_escape(b, m->user_id);
		buf_puts(b, "\">");
		if (m->user_exists) {
			buf_printf(b, "<numProfiles>%zu</numProfiles><exists/>", m->nprofiles);
			for (size_t i = 0; i < m->nprofiles; i++) {
				buf_printf(b, "<deviceProfile%zu>", i + 1);
				buf_xml_escape(b, m->profiles[i]);
				buf_printf(b, "</deviceProfile%zu>", i + 1);
			}
		} else {
			buf_puts(b, "<doesNotExist/>");
		}
		buf_puts(b, "</user></checkUser>");
		break;
	case S_FAILURE:
		buf_printf(b, "<failure><error code=\"%d\">", m->error_code);
		buf_xml_escape(b, m->error_text);
		buf_puts(b, "</error></failure>");
		break;
	}
}

int emcc_msg_render(struct buf *b, const struct emcc_msg *m)
{
	const struct opdef *op = emcc_msg_op(m->kind);
	if (!op || !renderable(m, op))
		return EINVAL;
	const char *root = op->is_request ? "emccRequest" : "emccResponse";
	if (m->version == 0) {
		buf_printf(b, "<%s>", root);
	} else {
		buf_printf(b, "<%s version=\"%d\">", root, EMCC_MSG_VERSION);
		if (op->is_request)
			render_fields(b, m, req_head, COUNT(req_head));
		else
			render_fields(b, m, resp_head, COUNT(resp_head));
	}
	render_body(b, m, op);
	buf_printf(b, "</%s>", root);
	return b->oom ? ENOMEM : 0;
}

/* ---- small helpers ---- */

void emcc_msg_init(struct emcc_msg *m, enum emcc_msg_kind kind)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->version = EMCC_MSG_VERSION;
}

int emcc_msg_is_request(enum emcc_msg_kind kind)
{
	const struct opdef *op = emcc_msg_op(kind);
	return op && op->is_request;
}

const char *emcc_msg_kind_name(enum emcc_msg_kind kind)
{
	const struct opdef *op = emcc_msg_op(kind);
	return op ? op->name : "none";
}

#define SAME_STR(f) (strncmp(a->f, b->f, sizeof(a->f)) == 0)

int emcc_msg_equal(const struct emcc_msg *a, const struct emcc_msg *b)
{
	if (a->kind != b->kind || a->version != b->version || !SAME_STR(cluster) ||
	    a->request_number != b->request_number || a->sent_ms != b->sent_ms ||
	    !SAME_STR(nonce) || !SAME_STR(user_id) || !SAME_STR(device_name) || !SAME_STR(pin) ||
	    !SAME_STR(model) || a->model_enum != b->model_enum || !SAME_STR(protocol) ||
	    a->security_mode != b->security_mode || !SAME_STR(login_type) || !SAME_STR(remote_ip) ||
	    !SAME_STR(device_profile) || !SAME_STR(reason) || a->user_exists != b->user_exists ||
	    a->nprofiles != b->nprofiles || a->login_duration != b->login_duration ||
	    !SAME_STR(tftp_server) || !SAME_STR(call_manager) || !SAME_STR(tvs) ||
	    !SAME_STR(config_version) || !SAME_STR(cluster_version) || a->emcc != b->emcc ||
	    a->pstn_access != b->pstn_access || a->tftp != b->tftp ||
	    a->error_code != b->error_code || !SAME_STR(error_text))
		return 0;
	for (size_t i = 0; i < a->nprofiles && i < EMCC_MAX_PROFILES; i++)
		if (strncmp(a->profiles[i], b->profiles[i], sizeof(a->profiles[i])) != 0)
			return 0;
	return 1;
}
