/* phone.h -- the simulated Cisco 7821: its SIP side (register, alarms, service-control restart),
 * its EM phone-service walk over HTTP, and the message builders and parsers behind both.
 *
 * Behaviour follows shared/reference/cisco-em-emcc.md sections 2 and 6 and the guide's phone
 * capture. One struct phone per process: it owns libre's main loop (libre_init/libre_close) and
 * runs it inside its blocking calls, so a NOTIFY is answered while the phone waits for HTTP. */
#ifndef EMCC_PHONE_PHONE_H
#define EMCC_PHONE_PHONE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "emapp/phonexml.h"

enum phone_transport { PHONE_TP_UDP = 0, PHONE_TP_TCP = 1 };

struct phone_config {
	const char *name;	 /* device name, SEP + 12 hex digits */
	const char *model;	 /* "7821" (any form em_model_find takes) */
	const char *ip;		 /* the phone's own address */
	const char *server;	 /* the node: call control and EM app */
	const char *tftp;	 /* host[:port] of the phone's TFTP (HTTP, 6970): where it reads
				  * SEP<MAC>.cnf.xml; NULL = server:6970, "" = never fetch */
	unsigned http_port;	 /* the node's HTTP port (8080) */
	unsigned sip_port;	 /* the node's SIP port (5060) */
	unsigned local_sip_port; /* the phone's own SIP port (5060) */
	enum phone_transport transport;
	const char *lang;     /* Accept-Language, en_US */
	int emcc;	      /* #EMCC# becomes "true" (else "false") */
	const char *line;     /* user part of the address of record; NULL = the device name */
	const char *load;     /* firmware load id; NULL = sip78xx.12-1-1-12 as in the guide */
	const char *em_url;   /* EM service URL template; NULL = found in the services menu */
	unsigned timeout_ms;  /* per exchange and per wait for a NOTIFY; 0 = 10000 */
	const char *sip_user; /* digest credentials; NULL = none */
	const char *sip_password;
	int trace; /* report every SIP message sent and received as a trace step */
};

/* ---- identity: names and ids a 7821 derives from its MAC and model ---- */

struct phone_identity {
	char name[16];	       /* SEPC80084AA8743 */
	char mac[13];	       /* c80084aa8743 */
	char model[16];	       /* 7821 */
	int model_enum;	       /* 621 */
	char instance[64];     /* urn:uuid:00000000-0000-0000-0000-c80084aa8743 */
	char contact_user[40]; /* a uuid that stays the same for the device */
	char user_agent[64];   /* Cisco-CP7821/12.1.1 */
};

/* Fills id from a device name and model. EINVAL with a reason for a name that is not SEP + 12
 * hex digits or a model em_model_find does not know. */
int phone_identity_init(struct phone_identity *id, const char *name, const char *model, char *why,
			size_t whylen);

/* ---- SIP messages (headers after the Via and Max-Forwards that libre adds, then the body) ---- */

struct phone_sip_msg {
	const char *server;   /* host of the Request-URI and To/From */
	const char *aor_user; /* address-of-record user */
	const char *ip;	      /* phone address and port for Contact */
	unsigned port;
	enum phone_transport transport;
	const char *call_id;
	const char *from_tag;
	uint32_t cseq;
	unsigned expires;	/* REGISTER: 3600, 0 to remove the binding */
	const char *last;	/* REGISTER Reason "Last=": initialized, reset-restart, ... */
	const char *load;	/* firmware load id */
	const char *session_id; /* 32 hex digits */
	const char *content_id; /* REFER: the alarm body's Content-ID (no brackets) */
	int64_t now;		/* unix seconds for the Date header; 0 = no Date */
	/* REFER: the DeviceTLInfo alarm's trust lists, as the 7821 reports them
	 * (phone-console.log): a signature is SHA-1 hex in pairs, each followed by a space ("1B A1
	 * ... 6D "); NULL = "Not Installed" for a signature, "N/A" for a TFTP server. */
	const char *ctl_signature, *ctl_tftp_server;
	const char *itl_signature, *itl_tftp_server;
	int status_code; /* StatusCode; < 0 = 3, what the lab's phone sends (its meaning is not
			  * public) */
};

/* <sip:uuid@ip:port;transport=tcp>;+sip.instance="<urn:...>";+u.sip!devicename...;+u.sip!model...
 */
void phone_contact_render(struct buf *b, const struct phone_identity *id, const char *ip,
			  unsigned port, enum phone_transport tp);
/* The REGISTER a 7821 sends (reference 6.2): Contact with instance, device name and model,
 * Supported, Reason cisco-alarm, Expires, Session-ID, and the multipart/mixed body with the
 * bulkregisterreq and optionsind (<service-control/>) remotecc requests. */
void phone_register_render(struct buf *b, const struct phone_identity *id,
			   const struct phone_sip_msg *m);
/* The DeviceTLInfo alarm REFER the phone sends before it registers, with the headers and
 * fields of the lab's 7821 (phone-console.log): From and Referred-By with the line as display
 * name, a Contact with only the device name, Date, Session-ID, Expires 10, and the trust-list
 * fields of m. */
void phone_alarm_render(struct buf *b, const struct phone_identity *id,
			const struct phone_sip_msg *m);

/* A service-control NOTIFY body (reference 6.1): CRLF-separated key=value lines whose values
 * may sit in braces. */
struct phone_notify {
	char action[32];	    /* restart, reset, check-version, apply-config, ... */
	char register_call_id[256]; /* braces removed */
	char config_version[128];
	char dialplan_version[128];
	char softkey_version[128];
	char feature_control_version[128];
};
/* 0, or EINVAL when the body names no action. Unknown keys are ignored. */
int phone_notify_parse(const char *body, size_t len, struct phone_notify *n);

/* ---- the EM service as a phone walks it ---- */

/* Replaces #DEVICENAME# and #EMCC# as a phone does. */
void phone_url_subst(struct buf *out, const char *tmpl, const char *device, int emcc);
/* Resolves href (absolute http(s) URL, /absolute-path, or relative) against the page's URL. */
int phone_url_resolve(struct buf *out, const char *base, const char *href);
/* The URL an Input object is answered with: its URL, then name=value for every InputItem in
 * order (the user ID to the plain item, pin to the item with the P flag, defaults elsewhere),
 * percent-encoded and joined with ? or &. EINVAL if the object has no URL or no item. */
int phone_input_answer(struct buf *out, const struct px_object *o, const char *user,
		       const char *pin);
/* Index of the menu item whose name is name (case-insensitive), else -1. */
int phone_menu_find(const struct px_object *o, const char *name);
/* The URL that logs out (doLogout=true) among softkeys, menu items and execute items, or NULL. */
const char *phone_logout_url(const struct px_object *o);
/* Cisco's EM texts end a failure with its code: "Please try to login again (201)". Returns the
 * code, or 0 when text carries none. */
int phone_text_error_code(const char *text);
/* One line: CiscoIPPhoneInput "Extension Mobility" [User ID, PIN]. */
void phone_object_summary(struct buf *b, const struct px_object *o);
/* Several lines, every field of the object, for `emcc-phone get`. */
void phone_object_print(struct buf *b, const struct px_object *o);
/* The XML element name of a kind. */
const char *phone_object_kind(enum px_kind k);

/* ---- the phone ---- */

enum phone_step_kind { PHONE_STEP_SIP = 1, PHONE_STEP_HTTP, PHONE_STEP_NOTE, PHONE_STEP_TRACE };

/* One thing the phone did or saw, reported as it completes. Pointers live for the callback. */
struct phone_step {
	enum phone_step_kind kind;
	const char *name; /* register, unregister, refresh, refer, notify, get, login, ... */
	double ms;	  /* how long the exchange took (for an incoming request: the wait) */
	double at_ms;	  /* since the phone started */
	int ok;
	const char *text;   /* the line a person reads */
	int status;	    /* SIP or HTTP status, 0 when none */
	const char *method; /* REGISTER, NOTIFY, GET, ... */
	const char *uri;    /* Request-URI or URL */
	const char *call_id;
	int expires; /* REGISTER: granted expiry, -1 when none */
	const struct phone_notify *notify;
	const struct px_object *object; /* HTTP: the page, when it parsed */
	const char *body; /* trace: the raw message; get: a body that is not phone XML */
};

typedef void(phone_step_h)(const struct phone_step *s, void *arg);

struct phone;

/* Validates the config, sets up libre (and its loop), libcurl and the SIP stack listening on
 * ip:local_sip_port. With sip == 0 nothing SIP is bound (for the HTTP-only commands). Returns 0,
 * or an errno with the reason in why. */
int phone_alloc(struct phone **pp, const struct phone_config *cfg, int sip, phone_step_h *steph,
		void *arg, char *why, size_t whylen);
void phone_free(struct phone *p);

/* Why the last call failed, as the phone would show it ("Please try to login again (201)"). */
const char *phone_error(const struct phone *p);
const struct phone_identity *phone_identity(const struct phone *p);

/* Sends the DeviceTLInfo alarm and REGISTERs; returns once the registrar answered. 0, EACCES
 * (refused), ETIMEDOUT, EINTR (a signal), or another errno. */
int phone_register(struct phone *p);
/* Removes the binding (Expires: 0); 0 when there was none. */
int phone_unregister(struct phone *p);
/* Stays registered, refreshing and answering NOTIFYs (a restart unregisters and registers
 * again), until SIGINT/SIGTERM (returns 0) or seconds have passed (0 = no limit). */
int phone_run(struct phone *p, unsigned seconds);
/* How many service-control restarts have completed (NOTIFY answered and registered again). */
unsigned phone_restarts(const struct phone *p);
/* Waits until restarts reach count. 0, ETIMEDOUT, EINTR, or the restart's failure. */
int phone_wait_restarts(struct phone *p, unsigned count);

/* GETs a page like the phone (path on the node, or a full URL); parses phone XML into o when
 * o is given (o->kind 0 when the body is not phone XML). body, when given, gets the raw body. */
int phone_get(struct phone *p, const char *path_or_url, struct px_object *o, struct buf *body);
/* Services -> Extension Mobility -> user ID and PIN -> (profile) -> the result text. 0 on
 * success, EACCES when the EM app refused (phone_error has its text). */
int phone_em_login(struct phone *p, const char *user, const char *pin, const char *profile);
/* Extension Mobility -> the logout prompt -> its doLogout=true URL. */
int phone_em_logout(struct phone *p);
/* register, login, restart, logout, restart, unregister. */
int phone_walk(struct phone *p, const char *user, const char *pin, const char *profile);

#endif
