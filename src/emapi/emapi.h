/* emapi.h -- the Cisco EM service API: parse <request>/<query> documents, render <response>s.
 *
 * Pure translation between bytes and structs: no policy, no storage, no logging. The element
 * names and response shapes are those of Cisco's EM API DTDs (shared/reference/cisco-em-emcc.md
 * sections 1.3-1.5); the parser accepts the documented variants (userDeviceProfileQuery). */
#ifndef EMCC_EMAPI_EMAPI_H
#define EMCC_EMAPI_EMAPI_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"

#define EMAPI_MAX_NAMES 256	  /* deviceName+ / userID+ entries in one query */
#define EMAPI_SECRET_MAX 257	  /* appCertificate */
#define EMAPI_MAX_DOC (64 * 1024) /* larger documents are refused before parsing */

enum emapi_kind {
	EMAPI_LOGIN = 1,
	EMAPI_LOGOUT,
	EMAPI_LOGOUT_ALL,
	EMAPI_DEVICE_USER_QUERY,
	EMAPI_USER_DEVICES_QUERY,
	EMAPI_DEVICE_PROFILE_QUERY,
	EMAPI_CHECK_USER,
};

enum emapi_duration { EMAPI_DURATION_DEFAULT = 0, EMAPI_DURATION_TIME, EMAPI_DURATION_INDEFINITE };

struct emapi_request {
	enum emapi_kind kind;
	char app_id[LIM_ID_MAX];
	char app_secret[EMAPI_SECRET_MAX]; /* appCertificate (or appEncryptedCertificate) */
	int app_secret_encrypted;	   /* 1 when it came as appEncryptedCertificate */

	/* login / logout */
	char device_name[LIM_ID_MAX];
	char user_id[LIM_ID_MAX];	 /* login: as sent (the policy lowercases) */
	char device_profile[LIM_ID_MAX]; /* login: "" = the user's default */
	enum emapi_duration duration_kind;
	long duration_minutes; /* EMAPI_DURATION_TIME */

	/* common optional fields */
	char remote_ip[64];
	int via_header_set;

	/* queries: deviceName+ or userID+ */
	size_t nnames;
	char names[EMAPI_MAX_NAMES][LIM_ID_MAX];
};

/* Why a document was refused: the EM code (1 = parse error, 8 = unknown query type) and text. */
struct emapi_error {
	int code;
	char text[256];
};

/* Parses one XML document (the decoded value of the form field "xml"). Returns 0, or EINVAL
 * with err filled. Never resolves entities or loads DTDs; refuses non-UTF-8 text, documents
 * over EMAPI_MAX_DOC, unknown elements where the DTD allows none, and over-long values. *
 * Codes: 8 (Query type undetermined) when the element in the operation's place is unknown, for
 * <query> and <request> alike; 1 (Error on Parsing) for everything else, missing appInfo
 * included. Text values are trimmed of surrounding XML whitespace; user IDs are kept as sent.
 * No init call is needed (libxml2 is initialised once inside); safe from several threads. */
int emapi_parse(const char *xml, size_t len, struct emapi_request *req, struct emapi_error *err);

/* Extracts and URL-decodes the "xml" field of an application/x-www-form-urlencoded body into
 * out (NUL-terminated). Returns 0, ENOENT (no such field), EINVAL (bad encoding), E2BIG. */
int emapi_form_field(const char *body, size_t len, const char *field, char *out, size_t outlen,
		     size_t *outn);

/* ---- responses ---- */

/* <response><success/></response> */
void emapi_render_success(struct buf *b);
/* <response><failure><error code="N">text</error></failure></response> */
void emapi_render_failure(struct buf *b, int code, const char *text);

/* deviceUserResults: call begin, then one device per queried name, then end. */
enum emapi_device_state { EMAPI_DEV_LOGGED_IN, EMAPI_DEV_NONE, EMAPI_DEV_DOES_NOT_EXIST };
struct emapi_device_result {
	const char *name;
	enum emapi_device_state state;
	const char *user_id;   /* EMAPI_DEV_LOGGED_IN */
	const char *last_user; /* NULL or "" = no <lastlogin>; URL-escaped like user_id */
	int emcc_device;       /* <emccDevice>yes|no</emccDevice> when logged in */
};
void emapi_render_device_user_begin(struct buf *b);
void emapi_render_device_user(struct buf *b, const struct emapi_device_result *r);
void emapi_render_device_user_end(struct buf *b);

/* userDevicesResults and deviceProfileResults list users alike: per user either user_begin,
 * its devices or profiles, user_end; or a lone user_state. */
void emapi_render_user_begin(struct buf *b, const char *user_id);
void emapi_render_user_end(struct buf *b);
/* <user id=".."><none/></user> or <doesNotExist/> */
enum emapi_user_state { EMAPI_USER_NONE, EMAPI_USER_DOES_NOT_EXIST };
void emapi_render_user_state(struct buf *b, const char *user_id, enum emapi_user_state s);

void emapi_render_user_devices_begin(struct buf *b);
void emapi_render_user_devices_device(struct buf *b, const char *device_name);
void emapi_render_user_devices_end(struct buf *b);

void emapi_render_profiles_begin(struct buf *b);
void emapi_render_profiles_profile(struct buf *b, const char *profile, int is_default);
void emapi_render_profiles_end(struct buf *b);

/* checkUser (EM API form). Cisco documents no response DTD for checkUser: we answer
 * <response><checkUserResults><user id=".."><exists/>|<doesNotExist/></user>...</checkUserResults>
 * </response>, mirroring the EMCC reply of the guide. Unconfirmed; kept in one place. */
void emapi_render_check_user_begin(struct buf *b);
void emapi_render_check_user(struct buf *b, const char *user_id, int exists);
void emapi_render_check_user_end(struct buf *b);

#endif
