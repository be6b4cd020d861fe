/* app.h -- the EM phone application (EMApp): a phone's GET parameters in, a Cisco IP Phone object
 * out.
 *
 * CUCM's EMAppServlet answers the phone's Services -> Extension Mobility requests: a login form
 * (CiscoIPPhoneInput), the profile choice (CiscoIPPhoneMenu), the logout prompt and the result
 * texts (CiscoIPPhoneText), in the phone's language. This module is that logic without HTTP: it
 * decodes the query, runs the EM policy (em_login_pin, em_logout_device) and fills a px_object;
 * the servlet (src/daemon/servlet_emapp.c) does the HTTP, the worker thread and the logging.
 * Like all library code it never logs: what the edge should log comes back in the outcome. */
#ifndef EMCC_EMAPP_APP_H
#define EMCC_EMAPP_APP_H

#include <stddef.h>

#include "core/buf.h"
#include "em/em.h"
#include "emapp/phonexml.h"

/* The query parameter that carries the PIN. Cisco never documented it; third-party EM callers
 * send it as `seq` (reference section 2.1 and gap 2), so that is what the form asks the phone to
 * send. Unconfirmed until a capture from a real CUCM shows form1.jsp: change it here only. */
#define EMAPP_PIN_PARAM "seq"

#define EMAPP_SERVLET_PATH "/emapp/EMAppServlet"
#define EMAPP_INITSERVICES_PATH "/emapp/jsp/initservices.jsp"
#define EMAPP_SERVICES_MENU_PATH "/ccmcip/getservicesmenu.jsp"

enum emapp_lang { EMAPP_LANG_EN = 0, EMAPP_LANG_DE, EMAPP_LANG_FR, EMAPP_LANG_COUNT };
enum emapp_charset { EMAPP_CHARSET_UTF8 = 0, EMAPP_CHARSET_LATIN1 };

/* One phone request's parameters, decoded. has_* tell present from absent (a present but empty
 * value is "blank", which has its own answer). Values never arrive cut: a value longer than its
 * field makes emapp_parse_query fail with the phone code for that parameter. */
struct emapp_request {
	int has_device, has_userid, has_pin, has_profile, has_login_type, has_emcc;
	int has_refresh, has_do_logout, has_get_cluster_info;
	char device[LIM_ID_MAX];
	char userid[LIM_ID_MAX]; /* user ID, or the extension for loginType=DN */
	char pin[CRED_PIN_MAX + 1];
	char profile[LIM_ID_MAX];
	char login_type[8];	      /* as sent: UID, SP, DN */
	char emcc[8];		      /* as sent: true / false */
	char refresh[LIM_ID_MAX + 8]; /* "<device>#Login" or "<device>#Logout" */
	char do_logout[8];
	char get_cluster_info[8];
	int error;	      /* phone code when the query is unusable, else 0 */
	char error_param[24]; /* the parameter that made it unusable */
};

/* Decodes an application/x-www-form-urlencoded query (may be NULL or ""). Unknown parameters
 * are ignored; of a repeated one the first counts, as a servlet's getParameter does. Returns 0,
 * or EINVAL with r->error 207 (device or a flag over-long or badly %-encoded), 202 (user ID, PIN
 * or profile over-long) or 215 (loginType over-long); everything else is still decoded. */
int emapp_parse_query(const char *query, struct emapp_request *r);

/* Where the phone reached us and how it wants its texts. */
struct emapp_env {
	const char *base_url; /* scheme://host:port the phone used, e.g. http://127.0.7.100:8080 */
	const char
	    *http_base_url; /* http://<node_address>:<http port>: the services menu's EM URL */
	enum emapp_lang lang;
};

enum emapp_page {
	EMAPP_PAGE_ERROR = 1,
	EMAPP_PAGE_LOGIN_FORM,
	EMAPP_PAGE_PROFILE_MENU,
	EMAPP_PAGE_LOGIN_OK,
	EMAPP_PAGE_LOGOUT_PROMPT,
	EMAPP_PAGE_LOGOUT_OK,
	EMAPP_PAGE_REFRESH,
	EMAPP_PAGE_INIT_SERVICES,
	EMAPP_PAGE_SERVICES_MENU,
	EMAPP_PAGE_EMCC_PENDING, /* no page yet: the remote clusters must be asked first */
};

/* What happened, for the edge: the page sent and, for the log only, the real story. */
struct emapp_outcome {
	enum emapp_page page;
	int code;		   /* the phone code shown (201, 22, ...), 0 when none */
	int real_code;		   /* the code behind it (23 for an unknown user...), 0 when none */
	char reason[LIM_TEXT_MAX]; /* never shown to the phone */
	char user_id[LIM_ID_MAX];  /* who logged in or out */
	char profile[LIM_ID_MAX];
	int lockout_engaged;
	char refresh_url[PX_URL_MAX]; /* for the HTTP Refresh header; "" = none */
	/* EMAPP_PAGE_EMCC_PENDING: EMCC=true, the user is not ours, and the phone passed the
	 * visiting checks; the edge asks the remote clusters and then calls emapp_emcc_finish.
	 * Allocated by emapp_handle; the caller frees it (free) whatever the page. */
	struct em_emcc_visit_check *emcc;
};

/* Runs one GET of /emapp/EMAppServlet against the policy (ctx->source should be "phone" and
 * ctx->remote_ip the phone's address). Fills o with the object to answer, whatever the outcome.
 * Returns 0, or an errno when no object could be made (then answer emapp_error_page). */
int emapp_handle(struct em_ctx *ctx, const struct emapp_env *env, const struct emapp_request *r,
		 struct px_object *o, struct emapp_outcome *out);

/* The answer to an EMCC login once the clusters had their say: code 0 = the login page with
 * its refresh, else the error page for code (a phone code or an EM code). */
int emapp_emcc_finish(const struct emapp_env *env, const struct emapp_request *r, int code,
		      struct px_object *o, struct emapp_outcome *out);

/* GET /ccmcip/getservicesmenu.jsp?device=...: the device's services menu, Extension Mobility
 * first (with the guide's URL form), then the services of the login profile when someone is
 * logged in, else the device's own. Returns 0 (o filled, an error text too) or an errno. */
int emapp_services_menu(struct em_ctx *ctx, const struct emapp_env *env,
			const struct emapp_request *r, struct px_object *o,
			struct emapp_outcome *out);

/* GET /emapp/jsp/initservices.jsp: closes the services application (Init:Services). */
void emapp_init_services(struct px_object *o);

/* A CiscoIPPhoneText with the phone text for code (logout: "Logout is unavailable(N)" forms). */
void emapp_error_page(struct px_object *o, enum emapp_lang lang, int code, int logout);

/* ---- language and charset (i18n.c) ---- */

/* The best of en, de, fr for an Accept-Language value ("de-DE,de;q=0.9,en;q=0.5", or the
 * phone's "en_US"); en when nothing fits. */
enum emapp_lang emapp_lang_pick(const char *accept_language);
/* utf-8 unless the phone accepts only ISO-8859-1 (Accept-Charset). */
enum emapp_charset emapp_charset_pick(const char *accept_charset);
const char *emapp_lang_name(enum emapp_lang lang);     /* "en" */
const char *emapp_charset_name(enum emapp_charset cs); /* "utf-8", "ISO-8859-1" */

enum emapp_msg {
	EMAPP_MSG_TITLE,
	EMAPP_MSG_PROMPT_UID,
	EMAPP_MSG_PROMPT_DN,
	EMAPP_MSG_USER_ID,
	EMAPP_MSG_EXTENSION,
	EMAPP_MSG_PIN,
	EMAPP_MSG_SUBMIT,
	EMAPP_MSG_EXIT,
	EMAPP_MSG_SELECT,
	EMAPP_MSG_CHOOSE_PROFILE,
	EMAPP_MSG_LOGIN_OK,
	EMAPP_MSG_LOGOUT_OK,
	EMAPP_MSG_LOGOUT_QUESTION,
	EMAPP_MSG_YES,
	EMAPP_MSG_NO,
	EMAPP_MSG_SERVICES,
	EMAPP_MSG_COUNT
};
/* The text of msg in lang (UTF-8); never NULL. */
const char *emapp_msg(enum emapp_lang lang, enum emapp_msg msg);
/* The phone text for an EM or EMApp code in lang, e.g. "Please try to login again (201)",
 * "Login is unavailable(22)"; logout picks the logout wording where one exists. */
void emapp_code_text(enum emapp_lang lang, int code, int logout, char *out, size_t len);

/* Converts UTF-8 text to ISO-8859-1 (iconv; what has no Latin-1 form becomes '?'), appending to
 * out. Returns 0, EILSEQ for input that is not UTF-8, or ENOMEM. */
int emapp_to_latin1(const char *in, size_t len, struct buf *out);

#endif
