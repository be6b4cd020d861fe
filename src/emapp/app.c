/* app.c -- the EM phone application's logic: query decoding, the pages, and the policy calls behind
 * them.
 *
 * Decisions where Cisco's documents leave room (reference section 2 and gap 2):
 *  - The login form (CUCM's form1.jsp, never captured) is a CiscoIPPhoneInput titled
 *    "Extension Mobility" with two items, user ID (flags A, or N when Alphanumeric User ID is
 *    off) and PIN (NP, masked, sent as EMAPP_PIN_PARAM), and the softkeys Submit, << and Exit.
 *    Its URL comes back here with device and, when the phone sent them, EMCC and loginType.
 *  - The success page (CUCM's phone_refresh.jsp, whose XML was never captured either) is a
 *    CiscoIPPhoneText plus an HTTP Refresh header pointing at ...?refresh=<device>#Login, the
 *    request the guide's capture shows next; that answers a CiscoIPPhoneExecute of
 *    /emapp/jsp/initservices.jsp, which the capture shows next again, and that closes the
 *    services application (Init:Services) so that the restart NOTIFY finds the phone idle.
 *  - An unknown device answers 11 ("Login is unavailable(11)"): CUCM's EMService code for "Device
 *    does not exist", which the phone shows in the generic form. A missing, blank, over-long or
 *    malformed device name (not SEP + 12 uppercase hex digits where the model wants that) is 207.
 *  - The profile menu re-submits the user ID and PIN with the chosen profile: the app keeps no
 *    state between a phone's requests, as CUCM's does not, and the phone sent both in the same
 *    kind of GET a moment before. The PIN is checked (and counted) again.
 *  - Text pages carry an Exit softkey at position 1: without it the phone adds Update there,
 *    which would send a failed login's PIN again. */
#include "emapp/app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "em/models.h"
#include "core/str.h"

/* ---- the query ---- */

enum pslot {
	P_DEVICE,
	P_USERID,
	P_PIN,
	P_PROFILE,
	P_LOGIN_TYPE,
	P_EMCC,
	P_REFRESH,
	P_DO_LOGOUT,
	P_CLUSTER_INFO,
	P_COUNT
};

struct pdef {
	const char *name;
	size_t off_val, size_val, off_has;
	int bad_code; /* the answer when the value cannot be used */
};

/* clang-format off */
#define SLOT(n, field, has, code)                                                                  \
	{n, offsetof(struct emapp_request, field), sizeof(((struct emapp_request *)0)->field),   \
	 offsetof(struct emapp_request, has), code}
/* clang-format on */

static const struct pdef pdefs[P_COUNT] = {
    SLOT("device", device, has_device, EMAPP_DEVICE_NAME_EMPTY),
    SLOT("userid", userid, has_userid, EMAPP_BLANK_USER_OR_PIN),
    SLOT(EMAPP_PIN_PARAM, pin, has_pin, EMAPP_BLANK_USER_OR_PIN),
    SLOT("profile", profile, has_profile, EMAPP_BLANK_USER_OR_PIN),
    SLOT("loginType", login_type, has_login_type, EMAPP_LOGIN_TYPE_INVALID),
    SLOT("EMCC", emcc, has_emcc, EMAPP_DEVICE_NAME_EMPTY),
    SLOT("refresh", refresh, has_refresh, EMAPP_DEVICE_NAME_EMPTY),
    SLOT("doLogout", do_logout, has_do_logout, EMAPP_DEVICE_NAME_EMPTY),
    SLOT("getClusterInfo", get_cluster_info, has_get_cluster_info, EMAPP_DEVICE_NAME_EMPTY),
};

static void set_error(struct emapp_request *r, int code, const char *param)
{
	if (r->error)
		return; /* the first problem is the one to report */
	r->error = code;
	snprintf(r->error_param, sizeof(r->error_param), "%s", param);
}

int emapp_parse_query(const char *query, struct emapp_request *r)
{
	char *tmp = NULL;
	const char *p = query ? query : "";

	memset(r, 0, sizeof(*r));
	tmp = malloc(strlen(p) + 1);
	if (!tmp)
		return ENOMEM;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t seglen = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', seglen);
		size_t nlen = eq ? (size_t)(eq - p) : seglen;
		size_t dlen = 0;
		const struct pdef *d = NULL;

		if (nlen > 0 && buf_url_decode(p, nlen, tmp, &dlen) == 0) {
			for (size_t i = 0; i < P_COUNT; i++)
				if (strcmp(tmp, pdefs[i].name) == 0)
					d = &pdefs[i];
		}
		if (d && !*(int *)((char *)r + d->off_has)) {
			const char *v = eq ? eq + 1 : p + seglen;
			size_t vlen = eq ? seglen - nlen - 1 : 0;
			char *field = (char *)r + d->off_val;
			if (buf_url_decode(v, vlen, tmp, &dlen) != 0)
				set_error(r, d->bad_code, d->name);
			else if (dlen >= d->size_val)
				set_error(r, d->bad_code, d->name); /* refused, never cut */
			else {
				memcpy(field, tmp, dlen + 1);
				*(int *)((char *)r + d->off_has) = 1;
			}
		}
		p = amp ? amp + 1 : p + seglen;
	}
	explicit_bzero(tmp, strlen(query ? query : ""));
	free(tmp);
	return r->error ? EINVAL : 0;
}

/* ---- small helpers ---- */

static int is_true(const char *s)
{
	return strcasecmp(s, "true") == 0;
}

static int is_upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* What a phone can send as its name: SEP + 12 uppercase hex digits for a Cisco phone (the
 * phone substitutes #DEVICENAME# itself, always in that form), else letters, digits . _ - */
static int device_syntax_ok(const char *d)
{
	size_t len = strlen(d);

	if (len == 0)
		return 0;
	if (strncasecmp(d, "SEP", 3) == 0) {
		if (len != 15 || strncmp(d, "SEP", 3) != 0)
			return 0;
		for (size_t i = 3; i < len; i++)
			if (!is_upper_hex(d[i]))
				return 0;
		return 1;
	}
	for (size_t i = 0; i < len; i++) {
		char c = d[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* A display name cut to at most max characters, on a UTF-8 boundary (menu names are limited
 * to 64 characters; the value behind the item travels whole in its URL). A lead byte's
 * continuation bytes are looked at one by one and never past src's terminator: a sequence cut
 * short (at the end of src or by a byte that does not continue it) ends the copy there, so
 * nothing is read past src and no half character reaches the phone. */
static void copy_chars(char *dst, size_t cap, const char *src, size_t max)
{
	size_t i = 0, chars = 0;

	while (src[i] && i + 1 < cap) {
		unsigned char c = (unsigned char)src[i];
		size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		size_t k = 1;
		while (k < n && ((unsigned char)src[i + k] & 0xC0) == 0x80)
			k++; /* stops at the NUL too: it is no continuation byte */
		if (k < n || chars == max || i + n >= cap)
			break;
		memcpy(dst + i, src + i, n);
		i += n;
		chars++;
	}
	dst[i] = '\0';
}

static void url_param(struct buf *b, const char *name, const char *value)
{
	buf_puts(b, strchr(b->data ? b->data : "", '?') ? "&" : "?");
	buf_puts(b, name);
	buf_puts(b, "=");
	buf_url_escape(b, value);
}

/* Our own URL back to the servlet with the parameters a phone must keep sending. */
static void url_self(struct buf *b, const struct emapp_env *env, const struct emapp_request *r)
{
	buf_reset(b);
	buf_puts(b, env->base_url);
	buf_puts(b, EMAPP_SERVLET_PATH);
	url_param(b, "device", r->device);
	if (r->has_emcc)
		url_param(b, "EMCC", r->emcc);
	if (r->has_login_type)
		url_param(b, "loginType", r->login_type);
}

static int url_take(char *dst, size_t cap, struct buf *b)
{
	if (b->oom)
		return ENOMEM;
	if (b->len >= cap)
		return ENAMETOOLONG;
	memcpy(dst, b->data, b->len + 1);
	return 0;
}

static void softkey(struct px_object *o, const char *name, const char *url, int pos)
{
	struct px_softkey *k = &o->softkeys[o->nsoftkeys++];
	str_copy(k->name, sizeof(k->name), name);
	str_copy(k->url, sizeof(k->url), url);
	k->position = pos;
}

static void text_page(struct px_object *o, enum emapp_lang lang, const char *text)
{
	memset(o, 0, sizeof(*o));
	o->kind = PX_TEXT;
	str_copy(o->title, sizeof(o->title), emapp_msg(lang, EMAPP_MSG_TITLE));
	str_copy(o->text, sizeof(o->text), text);
	softkey(o, emapp_msg(lang, EMAPP_MSG_EXIT), "SoftKey:Exit", 1);
}

void emapp_error_page(struct px_object *o, enum emapp_lang lang, int code, int logout)
{
	char text[160];

	emapp_code_text(lang, code, logout, text, sizeof(text));
	text_page(o, lang, text);
}

static int fail(struct px_object *o, struct emapp_outcome *out, enum emapp_lang lang, int code,
		int logout)
{
	out->page = EMAPP_PAGE_ERROR;
	out->code = code;
	if (!out->real_code)
		out->real_code = code;
	emapp_error_page(o, lang, code, logout);
	return 0;
}

void emapp_init_services(struct px_object *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = PX_EXECUTE;
	o->nexecute = 1;
	str_copy(o->execute[0].url, sizeof(o->execute[0].url), "Init:Services");
}

/* ---- the pages ---- */

static int login_form(struct px_object *o, const struct emapp_env *env,
		      const struct emapp_request *r, int dn, const struct em_params *params,
		      const char *last_user, struct buf *u)
{
	enum emapp_lang lang = env->lang;
	struct px_input_item *id = &o->inputs[0], *pin = &o->inputs[1];
	int rc;

	memset(o, 0, sizeof(*o));
	o->kind = PX_INPUT;
	str_copy(o->title, sizeof(o->title), emapp_msg(lang, EMAPP_MSG_TITLE));
	str_copy(o->prompt, sizeof(o->prompt),
		 emapp_msg(lang, dn ? EMAPP_MSG_PROMPT_DN : EMAPP_MSG_PROMPT_UID));
	url_self(u, env, r);
	if ((rc = url_take(o->url, sizeof(o->url), u)))
		return rc;
	o->ninputs = 2;
	str_copy(id->display_name, sizeof(id->display_name),
		 emapp_msg(lang, dn ? EMAPP_MSG_EXTENSION : EMAPP_MSG_USER_ID));
	str_copy(id->query_param, sizeof(id->query_param), "userid");
	/* Remember the Last User Logged In: em_query_device hands it over only when it is on. */
	if (!dn && last_user && strlen(last_user) < sizeof(id->default_value))
		str_copy(id->default_value, sizeof(id->default_value), last_user);
	str_copy(id->flags, sizeof(id->flags), dn || !params->alphanumeric_user_id ? "N" : "A");
	str_copy(pin->display_name, sizeof(pin->display_name), emapp_msg(lang, EMAPP_MSG_PIN));
	str_copy(pin->query_param, sizeof(pin->query_param), EMAPP_PIN_PARAM);
	str_copy(pin->flags, sizeof(pin->flags), "NP");
	softkey(o, emapp_msg(lang, EMAPP_MSG_SUBMIT), "SoftKey:Submit", 1);
	softkey(o, "<<", "SoftKey:<<", 2);
	softkey(o, emapp_msg(lang, EMAPP_MSG_EXIT), "SoftKey:Exit", 3);
	return 0;
}

static int profile_menu(struct px_object *o, const struct emapp_env *env,
			const struct emapp_request *r, const struct em_pin_login_out *po,
			struct buf *u)
{
	enum emapp_lang lang = env->lang;
	int rc;

	memset(o, 0, sizeof(*o));
	o->kind = PX_MENU;
	str_copy(o->title, sizeof(o->title), emapp_msg(lang, EMAPP_MSG_TITLE));
	str_copy(o->prompt, sizeof(o->prompt), emapp_msg(lang, EMAPP_MSG_CHOOSE_PROFILE));
	for (size_t i = 0; i < po->nprofiles && i < PX_MAX_MENU; i++) {
		struct px_menu_item *it = &o->items[o->nitems];
		url_self(u, env, r);
		url_param(u, "userid", r->userid);
		url_param(u, EMAPP_PIN_PARAM, r->pin);
		url_param(u, "profile", po->profiles[i]);
		rc = url_take(it->url, sizeof(it->url), u);
		if (u->data)
			explicit_bzero(u->data, u->len); /* it held the PIN */
		if (rc)
			return rc;
		copy_chars(it->name, sizeof(it->name), po->profiles[i], 64);
		o->nitems++;
	}
	softkey(o, emapp_msg(lang, EMAPP_MSG_SELECT), "SoftKey:Select", 1);
	softkey(o, emapp_msg(lang, EMAPP_MSG_EXIT), "SoftKey:Exit", 3);
	return 0;
}

static int refresh_url(struct emapp_outcome *out, const struct emapp_env *env,
		       const struct emapp_request *r, const char *what, struct buf *u)
{
	char value[LIM_ID_MAX + 8];

	snprintf(value, sizeof(value), "%s#%s", r->device, what);
	buf_reset(u);
	buf_puts(u, env->base_url);
	buf_puts(u, EMAPP_SERVLET_PATH);
	url_param(u, "refresh", value);
	if (r->has_emcc)
		url_param(u, "EMCC", r->emcc);
	return url_take(out->refresh_url, sizeof(out->refresh_url), u);
}

/* ?refresh=<device>#Login|#Logout: the phone follows the success page's Refresh header. */
static int refresh_page(struct px_object *o, const struct emapp_env *env,
			const struct emapp_request *r, struct emapp_outcome *out, struct buf *u)
{
	char dev[LIM_ID_MAX + 8];
	char *hash;
	int rc;

	str_copy(dev, sizeof(dev), r->refresh);
	hash = strrchr(dev, '#');
	if (!hash || (strcmp(hash, "#Login") != 0 && strcmp(hash, "#Logout") != 0))
		return fail(o, out, env->lang, EMAPP_DEVICE_NAME_EMPTY, 0);
	*hash = '\0';
	if (!device_syntax_ok(dev))
		return fail(o, out, env->lang, EMAPP_DEVICE_NAME_EMPTY, 0);
	memset(o, 0, sizeof(*o));
	o->kind = PX_EXECUTE;
	o->nexecute = 1;
	buf_reset(u);
	buf_puts(u, env->base_url);
	buf_puts(u, EMAPP_INITSERVICES_PATH);
	if ((rc = url_take(o->execute[0].url, sizeof(o->execute[0].url), u)))
		return rc;
	out->page = EMAPP_PAGE_REFRESH;
	return 0;
}

/* The device named by the request, checked: 207 for a bad name, 11 when unknown. Returns 0
 * with *dev filled, or the phone code. */
static int check_device(struct em_ctx *ctx, const struct emapp_request *r, struct store_device *dev,
			int *serr)
{
	const struct em_model *m;
	int rc;

	*serr = 0;
	if (!r->has_device || !device_syntax_ok(r->device))
		return EMAPP_DEVICE_NAME_EMPTY;
	rc = store_device_get(ctx->st, r->device, dev);
	if (rc == ENOENT || rc == EINVAL)
		return EM_DEVICE_NOT_FOUND;
	if (rc) {
		*serr = rc;
		return rc == EBUSY ? EM_BUSY : EM_DATABASE_ERROR;
	}
	m = em_model_find(dev->model);
	if (em_model_check_device_name(m, r->device, NULL) != 0)
		return EMAPP_DEVICE_NAME_EMPTY;
	return 0;
}

static int parse_login_type(const struct emapp_request *r, enum em_login_type *t)
{
	*t = EM_LOGIN_TYPE_UID;
	if (!r->has_login_type || !r->login_type[0])
		return 0;
	if (strcasecmp(r->login_type, "UID") == 0)
		*t = EM_LOGIN_TYPE_UID;
	else if (strcasecmp(r->login_type, "SP") == 0)
		*t = EM_LOGIN_TYPE_SP;
	else if (strcasecmp(r->login_type, "DN") == 0)
		*t = EM_LOGIN_TYPE_DN;
	else
		return EMAPP_LOGIN_TYPE_INVALID;
	return 0;
}

static int do_logout(struct em_ctx *ctx, const struct emapp_env *env, const struct emapp_request *r,
		     struct px_object *o, struct emapp_outcome *out, struct buf *u)
{
	struct em_result res = {0};
	int rc;

	if (em_logout_device(ctx, r->device, out->user_id, &res) != 0)
		return fail(o, out, env->lang, res.code, 1);
	text_page(o, env->lang, emapp_msg(env->lang, EMAPP_MSG_LOGOUT_OK));
	out->page = EMAPP_PAGE_LOGOUT_OK;
	if ((rc = refresh_url(out, env, r, "Logout", u)))
		out->refresh_url[0] = '\0'; /* the logout happened; only the refresh is lost */
	return 0;
}

static int do_login(struct em_ctx *ctx, const struct emapp_env *env, const struct emapp_request *r,
		    enum em_login_type type, struct px_object *o, struct emapp_outcome *out,
		    struct buf *u)
{
	struct em_pin_login_out *po = calloc(1, sizeof(*po));
	struct em_pin_login_req lr = {
	    .device = r->device,
	    .id = r->userid,
	    .pin = r->pin,
	    .type = type,
	    .profile = r->has_profile ? r->profile : NULL,
	    .emcc = r->has_emcc && is_true(r->emcc),
	};
	struct em_result res = {0};
	int rc;

	if (!po)
		return ENOMEM;
	rc = em_login_pin(ctx, &lr, po, &res);
	str_copy(out->user_id, sizeof(out->user_id), po->user_id);
	str_copy(out->profile, sizeof(out->profile), po->profile);
	str_copy(out->reason, sizeof(out->reason), po->reason);
	out->real_code = po->real_code > 0 ? po->real_code : 0;
	out->lockout_engaged = po->lockout_engaged;
	if (rc == 0) {
		text_page(o, env->lang, emapp_msg(env->lang, EMAPP_MSG_LOGIN_OK));
		out->page = EMAPP_PAGE_LOGIN_OK;
		if (refresh_url(out, env, r, "Login", u))
			out->refresh_url[0] = '\0';
		rc = 0;
	} else if (rc == EAGAIN) {
		rc = profile_menu(o, env, r, po, u);
		if (rc == 0)
			out->page = EMAPP_PAGE_PROFILE_MENU;
	} else {
		rc = fail(o, out, env->lang, res.code, 0);
	}
	free(po);
	return rc;
}

/* EMCC=true and the user is not ours: the visiting checks, then the edge asks the clusters. */
static int emcc_begin(struct em_ctx *ctx, const struct emapp_env *env,
		      const struct emapp_request *r, struct px_object *o, struct emapp_outcome *out)
{
	struct em_result res = {0};

	out->emcc = calloc(1, sizeof(*out->emcc));
	if (!out->emcc)
		return ENOMEM;
	if (em_user_id_normalize(r->userid, out->user_id, sizeof(out->user_id)) != 0)
		str_copy(out->user_id, sizeof(out->user_id), r->userid);
	if (em_emcc_visit_check(ctx, r->device, out->emcc, &res) != 0) {
		str_copy(out->reason, sizeof(out->reason), res.text);
		return fail(o, out, env->lang, res.code, 0);
	}
	memset(o, 0, sizeof(*o));
	out->page = EMAPP_PAGE_EMCC_PENDING;
	return 0;
}

int emapp_emcc_finish(const struct emapp_env *env, const struct emapp_request *r, int code,
		      struct px_object *o, struct emapp_outcome *out)
{
	struct buf u;

	if (code)
		return fail(o, out, env->lang, code, 0);
	buf_init(&u);
	text_page(o, env->lang, emapp_msg(env->lang, EMAPP_MSG_LOGIN_OK));
	out->page = EMAPP_PAGE_LOGIN_OK;
	if (refresh_url(out, env, r, "Login", &u))
		out->refresh_url[0] = '\0';
	buf_free(&u);
	return 0;
}

/* A user ID and PIN sent: a local login, or an EMCC login when the user is not ours. */
static int login_request(struct em_ctx *ctx, const struct emapp_env *env,
			 const struct emapp_request *r, enum em_login_type type,
			 struct px_object *o, struct emapp_outcome *out, struct buf *u)
{
	int code;

	if (!r->userid[0] || !r->pin[0]) {
		str_copy(out->reason, sizeof(out->reason), "blank user ID or PIN");
		return fail(o, out, env->lang, EMAPP_BLANK_USER_OR_PIN, 0);
	}
	if (r->has_emcc && is_true(r->emcc) && type != EM_LOGIN_TYPE_DN) {
		int local = 0;
		if ((code = em_emcc_is_local_user(ctx, r->userid, &local)))
			return fail(o, out, env->lang, code == EBUSY ? EM_BUSY : EM_DATABASE_ERROR,
				    0);
		if (!local)
			return emcc_begin(ctx, env, r, o, out);
	}
	return do_login(ctx, env, r, type, o, out, u);
}

/* Someone is logged in: "log out?" with Yes (doLogout=true) and No. */
static int logout_prompt(const struct emapp_env *env, const struct emapp_request *r,
			 const char *user_id, struct px_object *o, struct emapp_outcome *out,
			 struct buf *u)
{
	int rc;

	str_copy(out->user_id, sizeof(out->user_id), user_id);
	text_page(o, env->lang, emapp_msg(env->lang, EMAPP_MSG_LOGOUT_QUESTION));
	o->nsoftkeys = 0;
	url_self(u, env, r);
	url_param(u, "doLogout", "true");
	if ((rc = url_take(o->softkeys[0].url, sizeof(o->softkeys[0].url), u)))
		return rc;
	str_copy(o->softkeys[0].name, sizeof(o->softkeys[0].name),
		 emapp_msg(env->lang, EMAPP_MSG_YES));
	o->softkeys[0].position = 1;
	o->nsoftkeys = 1;
	softkey(o, emapp_msg(env->lang, EMAPP_MSG_NO), "SoftKey:Exit", 3);
	out->page = EMAPP_PAGE_LOGOUT_PROMPT;
	return 0;
}

/* A plain visit: the logout prompt when someone is logged in, else the login form. */
static int visit(struct em_ctx *ctx, const struct emapp_env *env, const struct emapp_request *r,
		 const struct store_device *dev, enum em_login_type type, struct px_object *o,
		 struct emapp_outcome *out, struct buf *u)
{
	/* The app acts for the phone as CUCM's EMApp acts as CCMSysUser: it may query any
	 * device; what it may change is decided by em_login_pin and em_logout_device. */
	struct em_caller sys = {.id = "emapp", .proxy_rights = 1};
	struct em_device_status st;
	struct em_result res = {0};
	int rc;

	if (em_query_device(ctx, &sys, r->device, &st, &res) != 0)
		return fail(o, out, env->lang, res.code, 0);
	if (st.state == EM_DEVICE_LOGGED_IN)
		return logout_prompt(env, r, st.user_id, o, out, u);
	if (!dev->em_enabled) {
		/* "Login is unavailable(22)": the Services button on a phone without EM */
		return fail(o, out, env->lang, EM_DEVICE_LOGON_DISABLED, 0);
	}
	rc = login_form(o, env, r, type == EM_LOGIN_TYPE_DN, ctx->params, st.last_user_id, u);
	if (rc == 0)
		out->page = EMAPP_PAGE_LOGIN_FORM;
	return rc;
}

int emapp_handle(struct em_ctx *ctx, const struct emapp_env *env, const struct emapp_request *r,
		 struct px_object *o, struct emapp_outcome *out)
{
	int logout = r->has_do_logout && is_true(r->do_logout);
	struct store_device dev;
	enum em_login_type type;
	struct buf u;
	int code, serr, rc;

	memset(out, 0, sizeof(*out));
	buf_init(&u);
	if (r->error)
		rc = fail(o, out, env->lang, r->error, 0);
	else if (r->has_refresh)
		rc = refresh_page(o, env, r, out, &u);
	else if (!r->has_device || !device_syntax_ok(r->device))
		rc = fail(o, out, env->lang, EMAPP_DEVICE_NAME_EMPTY, 0);
	else if ((code = parse_login_type(r, &type)))
		rc = fail(o, out, env->lang, code, 0);
	else if ((code = check_device(ctx, r, &dev, &serr)))
		rc = fail(o, out, env->lang, code, logout);
	else if (logout)
		rc = do_logout(ctx, env, r, o, out, &u);
	else if (r->has_userid || r->has_pin)
		rc = login_request(ctx, env, r, type, o, out, &u);
	else
		rc = visit(ctx, env, r, &dev, type, o, out, &u);
	buf_free(&u);
	return rc;
}

/* ---- the services menu ---- */

static void menu_item(struct px_object *o, const char *name, const char *url)
{
	struct px_menu_item *it = &o->items[o->nitems++];
	copy_chars(it->name, sizeof(it->name), name, 64);
	str_copy(it->url, sizeof(it->url), url);
}

int emapp_services_menu(struct em_ctx *ctx, const struct emapp_env *env,
			const struct emapp_request *r, struct px_object *o,
			struct emapp_outcome *out)
{
	struct em_caller sys = {.id = "emapp", .proxy_rights = 1};
	struct features *f = NULL;
	struct em_device_status st;
	struct em_result res = {0};
	struct store_device dev;
	struct buf u;
	int code, serr, rc = 0;

	memset(out, 0, sizeof(*out));
	buf_init(&u);
	/* Only device matters here; a device that did not decode is absent, hence 207. */
	if ((code = check_device(ctx, r, &dev, &serr))) {
		rc = fail(o, out, env->lang, code, 0);
		goto out;
	}
	if (em_query_device(ctx, &sys, r->device, &st, &res) != 0) {
		rc = fail(o, out, env->lang, res.code, 0);
		goto out;
	}
	f = malloc(sizeof(*f));
	if (!f) {
		rc = ENOMEM;
		goto out;
	}
	/* Services follow the user: the login profile's while someone is logged in. */
	if (st.state == EM_DEVICE_LOGGED_IN && st.profile[0])
		rc = store_features_get(ctx->st, STORE_OWNER_PROFILE, st.profile, f);
	else
		rc = store_features_get(ctx->st, STORE_OWNER_DEVICE, r->device, f);
	if (rc) {
		rc = fail(o, out, env->lang, rc == EBUSY ? EM_BUSY : EM_DATABASE_ERROR, 0);
		goto out;
	}
	memset(o, 0, sizeof(*o));
	o->kind = PX_MENU;
	str_copy(o->title, sizeof(o->title), emapp_msg(env->lang, EMAPP_MSG_SERVICES));
	/* The guide's service URL with #DEVICENAME# and #EMCC# left in: the phone fills them in. */
	buf_puts(&u, env->http_base_url);
	buf_puts(&u, EMAPP_SERVLET_PATH "?device=#DEVICENAME#&EMCC=#EMCC#");
	if ((rc = url_take(o->items[0].url, sizeof(o->items[0].url), &u)))
		goto out;
	str_copy(o->items[0].name, sizeof(o->items[0].name), "Extension Mobility");
	o->nitems = 1;
	for (size_t i = 0; i < f->nservices && o->nitems < PX_MAX_MENU; i++) {
		/* A URL too long for a menu item cannot be offered; the phone would cut it. */
		if (strlen(f->services[i].url) >= PX_URL_MAX)
			continue;
		menu_item(o, f->services[i].name, f->services[i].url);
	}
	softkey(o, emapp_msg(env->lang, EMAPP_MSG_SELECT), "SoftKey:Select", 1);
	softkey(o, emapp_msg(env->lang, EMAPP_MSG_EXIT), "SoftKey:Exit", 3);
	out->page = EMAPP_PAGE_SERVICES_MENU;
out:
	free(f);
	buf_free(&u);
	return rc;
}
