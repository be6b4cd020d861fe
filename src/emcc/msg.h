/* msg.h -- EMCC inter-cluster messages: parse <emccRequest>/<emccResponse> documents, render them.
 *
 * Pure translation between bytes and structs: no policy, no storage, no I/O, no logging. Cisco
 * never published the inter-cluster XML except the checkUser reply (shared/reference/
 * cisco-em-emcc.md section 8 item 1), so the format is ours; the checkUser reply keeps the
 * guide's shape byte for byte. A message travels as the form field "xml" of an HTTPS POST to
 * the peer's /emservice/EMServiceServlet (mutual TLS is handled elsewhere).
 *
 * Requests (the sender's cluster id and request number, then a freshness stamp):
 *   <emccRequest version="1"><cluster>ClusterOne</cluster><requestNumber>3</requestNumber>
 *   <sent>1700000000123</sent><nonce>(32 lowercase hex)</nonce>OP</emccRequest>
 * OP is one of
 *   <checkUser><userID>adgjm</userID></checkUser>           home lookup; never carries the PIN
 *   <homeLogin><userID/><pin/><deviceName/><model/><modelEnum/><protocol/><securityMode/>
 *     <loginType/>[<deviceProfile/>][<remoteIPAddr/>]</homeLogin>          visiting -> home
 *   <homeLogout><deviceName/><userID/><reason/></homeLogout>                visiting -> home
 *   <visitingLogout><deviceName/><userID/><reason/></visitingLogout>        home -> visiting
 *   <clusterInfo/>                                                   remote cluster update
 * Responses (the answering cluster's id, the request number echoed):
 *   <emccResponse version="1"><cluster>ClusterTwo</cluster><requestNumber>3</requestNumber>
 *   BODY</emccResponse>
 * BODY is one of
 *   <checkUser><user id="adgjm"><numProfiles>1</numProfiles><exists/>
 *     <deviceProfile1>test_emcc_udp</deviceProfile1></user></checkUser>
 *   <checkUser><user id="x"><doesNotExist/></user></checkUser>
 *   <homeLogin><success/><deviceProfile/><loginDuration/><tftpServer/><callManager/><tvs/>
 *     <configVersion/></homeLogin>
 *   <success/>                                         homeLogout, visitingLogout
 *   <clusterInfo><version>0.1.0</version><emcc>true</emcc><pstnAccess>false</pstnAccess>
 *     <tftp>false</tftp></clusterInfo>
 *   <failure><error code="31">EMCC Not Activated for the user</error></failure>
 *
 * Rendering is in exactly that element order, with no XML declaration and no whitespace. Every
 * text and attribute is XML-escaped; user IDs are written plain (the guide shows id="adgjm"),
 * unlike the EM API's URL-escaped ones. The parser wants the same order (only we write these
 * documents) but tolerates whitespace, comments and processing instructions between elements;
 * values are trimmed of surrounding XML whitespace.
 *
 * Version 0: CUCM's reply as the guide logged it, <emccResponse><checkUser>...</emccResponse>,
 * has no version, cluster or request number. The parser accepts that bare form for responses
 * (the log analyzer reads CUCM traces) and reports version 0; a bare response that carries
 * <cluster> or <requestNumber> claims to be ours without a version and is EMCC_MSG_E_VERSION,
 * as is any request without version="1". Our own messages always carry version="1". */
#ifndef EMCC_EMCC_MSG_H
#define EMCC_EMCC_MSG_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"

#define EMCC_MSG_VERSION 1	     /* the version="..." we speak */
#define EMCC_MSG_MAX_DOC (64 * 1024) /* larger documents are refused before parsing */
#define EMCC_NONCE_LEN 32	     /* hex characters (16 random bytes) */
#define EMCC_MAX_PROFILES 32	     /* deviceProfileN entries in a checkUser reply */
#define EMCC_PIN_MAX 65		     /* 64 bytes + NUL; the policy checks the real rules */
#define EMCC_SHORT_MAX 65	     /* protocol, loginType, reason, versions: 64 + NUL */
#define EMCC_ADDR_MAX 264	     /* "host:port": a DNS name is at most 253 bytes */
#define EMCC_IP_MAX 64
#define EMCC_ERROR_TEXT_MAX 256
#define EMCC_DURATION_MAX INT32_MAX /* loginDuration seconds: now + duration cannot overflow */
#define EMCC_CODE_MAX 999	    /* error code="N": every EM code has three digits at most */

/* What parse returns besides 0 and ENOMEM: errno values, so strerror() says something sane. */
#define EMCC_MSG_E_PARSE EBADMSG	   /* malformed: answer EM code 1 with the reason */
#define EMCC_MSG_E_VERSION EPROTONOSUPPORT /* version missing or not "1": answer EM code 1 */
#define EMCC_MSG_E_UNKNOWN_OP EOPNOTSUPP   /* well-formed, unknown operation: EM code 8 */

enum emcc_msg_kind {
	EMCC_MSG_NONE = 0,
	/* <emccRequest> */
	EMCC_REQ_CHECK_USER,
	EMCC_REQ_HOME_LOGIN,
	EMCC_REQ_HOME_LOGOUT,
	EMCC_REQ_VISITING_LOGOUT,
	EMCC_REQ_CLUSTER_INFO,
	/* <emccResponse> */
	EMCC_RESP_CHECK_USER,
	EMCC_RESP_HOME_LOGIN,
	EMCC_RESP_SUCCESS, /* homeLogout, visitingLogout */
	EMCC_RESP_CLUSTER_INFO,
	EMCC_RESP_FAILURE,
};

/* One message, request or response. Fields not used by kind are zero after a parse. Strings
 * are NUL-terminated, hold valid UTF-8 without control characters, and have no surrounding
 * whitespace. A homeLogin request holds a PIN: wipe the struct (sodium_memzero) when done. */
struct emcc_msg {
	enum emcc_msg_kind kind;
	int version;			/* EMCC_MSG_VERSION, or 0 for CUCM's bare reply */
	char cluster[LIM_ID_MAX];	/* sender's cluster id; never empty in version 1 */
	uint64_t request_number;	/* sender's number (requests); echoed (responses) */
	int64_t sent_ms;		/* requests: sender's clock, ms since the epoch */
	char nonce[EMCC_NONCE_LEN + 1]; /* requests: 32 lowercase hex characters */

	/* requests: checkUser, homeLogin, homeLogout, visitingLogout; response: checkUser (id) */
	char user_id[LIM_ID_MAX]; /* as sent: the policy lowercases */
	/* requests: homeLogin, homeLogout, visitingLogout */
	char device_name[LIM_ID_MAX];
	/* request: homeLogin */
	char pin[EMCC_PIN_MAX];
	char model[LIM_TEXT_MAX];	 /* "7821" */
	int model_enum;			 /* 621; >= 0 */
	char protocol[EMCC_SHORT_MAX];	 /* "SIP" */
	int security_mode;		 /* the device's security mode (1 in the guide); >= 0 */
	char login_type[EMCC_SHORT_MAX]; /* "UID", "DN", "SP" */
	char remote_ip[EMCC_IP_MAX];	 /* optional: the phone's address */
	/* request: homeLogin (optional, "" = the user's default); response: homeLogin */
	char device_profile[LIM_ID_MAX];
	/* requests: homeLogout, visitingLogout: why ("phone", "admin", "api", "timer"...) */
	char reason[EMCC_SHORT_MAX];

	/* response: checkUser */
	int user_exists; /* 1: <exists/> with profiles; 0: <doesNotExist/> and no profiles */
	size_t nprofiles;
	char profiles[EMCC_MAX_PROFILES][LIM_ID_MAX]; /* deviceProfile1..N in that order */

	/* response: homeLogin */
	int64_t login_duration;		  /* seconds, 0..EMCC_DURATION_MAX */
	char tftp_server[EMCC_ADDR_MAX];  /* "127.0.7.200:6970" */
	char call_manager[EMCC_ADDR_MAX]; /* "127.0.7.200:5060" */
	char tvs[EMCC_ADDR_MAX];	  /* "127.0.7.200:2445" */
	char config_version[LIM_ID_MAX];

	/* response: clusterInfo */
	char cluster_version[EMCC_SHORT_MAX]; /* software version, "0.1.0" */
	int emcc, pstn_access, tftp;	      /* 0 or 1 */

	/* response: failure */
	int error_code; /* 0..EMCC_CODE_MAX (src/em/codes.h) */
	char error_text[EMCC_ERROR_TEXT_MAX];
};

/* Why a document was refused: the EM code to answer with (1 parse/version, 8 unknown
 * operation, 0 out of memory) and a readable reason that emcc_msg_render accepts as a failure
 * text as it is. */
struct emcc_msg_error {
	int code;
	char text[EMCC_ERROR_TEXT_MAX];
};

/* Zeroes m and sets kind and version = EMCC_MSG_VERSION. */
void emcc_msg_init(struct emcc_msg *m, enum emcc_msg_kind kind);

/* 1 for the EMCC_REQ_* kinds, 0 otherwise. */
int emcc_msg_is_request(enum emcc_msg_kind kind);

/* The element name of a kind ("checkUser", "homeLogin", "success", ...); never NULL. */
const char *emcc_msg_kind_name(enum emcc_msg_kind kind);

/* Parses one document (the decoded form field "xml"); the root decides request or response.
 * Returns 0, EMCC_MSG_E_PARSE, EMCC_MSG_E_VERSION, EMCC_MSG_E_UNKNOWN_OP or ENOMEM, with err
 * (may be NULL) filled on failure and m zeroed. Hardened as emapi_parse: size cap, strict
 * UTF-8, no DTD or entity declaration of any kind, no network, libxml2's errors captured and
 * never printed. Over-long values are refused, never truncated. No init call is needed;
 * safe from several threads. */
int emcc_msg_parse(const char *xml, size_t len, struct emcc_msg *m, struct emcc_msg_error *err);

/* Appends the document for m to b; fields the kind does not use are ignored (keep them zero,
 * as emcc_msg_init leaves them, and the parse of the document equals m). Returns 0; EINVAL
 * when m cannot be rendered as a document that parses back to it (bad kind or version, empty
 * cluster, bad nonce, a value too long, not UTF-8, with control characters or surrounding
 * whitespace, a number out of range, profiles with <doesNotExist/>; nothing is appended then);
 * ENOMEM when b ran out of memory. Version 0 renders CUCM's bare reply (responses only, with
 * no cluster and request number 0): for tests and mock CUCM peers. */
int emcc_msg_render(struct buf *b, const struct emcc_msg *m);

/* 1 when a and b carry the same message (every field compared, strings as strings). */
int emcc_msg_equal(const struct emcc_msg *a, const struct emcc_msg *b);

/* 1 when the document's root element looks like <emccRequest> or <emccResponse> (after an
 * optional BOM, XML declaration, comments and whitespace): lets the servlet route a form field
 * to this parser or to emapi_parse. A hint only; the parser has the last word. */
int emcc_msg_sniff(const char *xml, size_t len);

#endif
