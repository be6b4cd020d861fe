/* sipd.h -- the node's SIP side: registrar, alarms, and the service-control NOTIFY that restarts
 * a phone after an EM login or logout. Runs libre in its own thread; the rest of the node talks
 * to it only through these calls, which are thread safe. */
#ifndef EMCC_SIP_SIPD_H
#define EMCC_SIP_SIPD_H

#include <stddef.h>
#include <stdint.h>

struct sipd;

struct sipd_config {
	const char *udp_listen; /* "127.0.7.100:5060", "" = off */
	const char *tcp_listen; /* "127.0.7.100:5060", "" = off */
	const char *realm;	/* digest realm; NULL/"" = no authentication */
	const char *cluster_id; /* for logs */
	/* Digest authentication, when realm is set: fills the HA1 (hex MD5 of user:realm:password)
	 * for a device name; returns 0 or ENOENT. Called on the SIP thread. May be NULL. */
	int (*lookup_ha1)(void *arg, const char *device, char ha1_hex[33]);
	void *lookup_arg;
	unsigned max_expires; /* cap on Expires (default 3600) */
};

/* Binds the listeners and starts the SIP thread. Returns 0 or errno (and logs why). */
int sipd_start(struct sipd **sp, const struct sipd_config *cfg);
/* Stops the thread, frees everything. Returns when the SIP thread has ended: at once, or within
 * 5 s (the purge timer) when the stop request could not be queued to it. */
void sipd_stop(struct sipd *s);

/* Sends NOTIFY Event: service-control with action=restart (or reset) and the version stamps to
 * the device's registered contact, with retransmission, from the SIP thread. Returns at once:
 * 0 when queued, ENOENT when the device has no live binding (the caller logs it; nothing
 * waits). config_version may be NULL (a fresh stamp is made).
 *
 * Added with the implementation -- what goes on the wire:
 *   NOTIFY <registered Contact URI>, From <sip:node-address>;tag, To <the AoR>, a Call-ID of its
 *   own, Event: service-control, Subscription-State: active (CUCM's headers were never captured
 *   (reference section 8 item 3); "active" is what the open implementations send, and a phone
 *   acts on the body, not on a subscription), Content-Type: text/plain, body as in reference 6.1
 *   with RegisterCallId = the Call-ID of the device's last REGISTER and an empty
 *   FeatureControlVersionStamp after the softkey stamp. A client transaction:
 *   Timer E retransmits on UDP, Timer F ends it after 32 s. A phone on TCP is reached over the
 *   connection it registered on; when that is gone, its Contact is tried once. The final answer
 *   (or the failure) is logged in sip.log with reqno. Other errors: EINVAL (unknown action, bad
 *   stamp), EAGAIN (more than 10000 NOTIFYs waiting), ESHUTDOWN (stopping).
 *
 * And what the node answers phones (sipd_uas.c), every answer with Date: REGISTER 200 as CUCM
 * sends it (Expires, the Contact echoed with x-cisco-newreg when the binding is new, Supported,
 * the x-cisco-remotecc-response body to the phone's optionsind; a Contact with
 * cisco-keep-alive is a heartbeat that binds and unbinds nothing), 400 for malformed requests
 * (nothing stored), 401/403 with a realm, 500 for an out-of-order
 * CSeq, 503 when 200000 bindings are held (after 500 or 503 none of the REGISTER's Contacts is
 * stored); REFER with a Cisco alarm or remotecc body 202, other REFER 415; OPTIONS 200 with
 * Allow/Accept/Supported; INVITE, BYE, MESSAGE, SUBSCRIBE, NOTIFY, PUBLISH, INFO, UPDATE, PRACK
 * 405 with Allow; unknown methods 501; Require of anything but norefersub 420. Requests without
 * Via and unparsable datagrams are dropped. UDP datagrams are read up to 8 KB (libre), TCP
 * messages up to 64 KB (the connection is closed beyond). */
int sipd_notify_service_control(struct sipd *s, const char *device, const char *action,
				const char *config_version, uint64_t reqno);

struct sipd_binding {
	char device[129];
	char aor[256];
	char contact[512];
	char transport[8]; /* udp | tcp */
	char source[64];   /* ip:port the REGISTER came from */
	char call_id[256];
	char instance[128]; /* +sip.instance */
	char model[16];	    /* +u.sip!model.ccm.cisco.com */
	int64_t expires_at; /* unix seconds */
	int64_t registered_at;
	/* Added with the registrar: */
	uint32_t cseq;	     /* CSeq of the REGISTER that made or refreshed it (RFC 3261 10.3) */
	char user_agent[96]; /* User-Agent of that REGISTER, for troubleshooting */
};
/* Copies the live binding of device; 0 or ENOENT. */
int sipd_binding_get(struct sipd *s, const char *device, struct sipd_binding *out);
/* Calls fn for every live binding (under the table lock: fn must be quick). */
int sipd_binding_list(struct sipd *s, int (*fn)(void *arg, const struct sipd_binding *b),
		      void *arg);
/* Live bindings (for status pages). */
size_t sipd_binding_count(struct sipd *s);

#endif
