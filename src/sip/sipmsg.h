/* sipmsg.h -- the registrar's text work on SIP header values and bodies: Contact parameters, the
 * device name a Cisco phone registers as, Expires, the service-control NOTIFY body, the
 * DeviceTLInfo alarm. Plain strings in, plain strings out (no libre), so each is unit-tested and
 * fuzzable on its own. All return 0 or an errno value and never log. */
#ifndef EMCC_SIP_SIPMSG_H
#define EMCC_SIP_SIPMSG_H

#include <stddef.h>
#include <stdint.h>

/* Cisco's Contact parameters (reference 6.2). */
#define SIPD_PARAM_DEVICENAME "+u.sip!devicename.ccm.cisco.com"
#define SIPD_PARAM_MODEL "+u.sip!model.ccm.cisco.com"
#define SIPD_PARAM_INSTANCE "+sip.instance"

/* RFC 3261 10.2.1.1: no Expires anywhere means one hour. */
#define SIPD_DEFAULT_EXPIRES 3600u

/* Finds parameter name (ASCII case-insensitive) in a ";a=b;c=\"d\"" list and copies its value,
 * unquoted, into out. A parameter without "=" has the empty value.
 * Returns 0, ENOENT (absent), ENOSPC (value longer than outlen - 1) or EINVAL (a quoted value
 * that never ends). */
int sipd_param_get(const char *params, size_t len, const char *name, char *out, size_t outlen);

/* Copies params without parameter name (all of its occurrences). 0 or ENOSPC. */
int sipd_param_strip(const char *params, size_t len, const char *name, char *out, size_t outlen);

/* A device name we store and log: 1..128 of A-Z a-z 0-9 . _ - */
int sipd_device_name_valid(const char *s, size_t len);

/* The device a REGISTER is for: the Contact's +u.sip!devicename.ccm.cisco.com parameter, else
 * the To URI's user part. Returns 0, ENOENT (neither is there) or EINVAL (not a valid name). */
int sipd_device_name(const char *contact_params, size_t plen, const char *to_user, size_t ulen,
		     char *out, size_t outlen);

/* Strict decimal (digits only); values past UINT32_MAX read as UINT32_MAX. 0 or EINVAL. */
int sipd_parse_u32(const char *s, size_t len, uint32_t *out);

/* The expiry a registrar grants: the Contact's expires parameter, else the Expires header, else
 * SIPD_DEFAULT_EXPIRES; capped at max. 0 stays 0 (unregister). */
uint32_t sipd_expires_grant(int has_param, uint32_t param, int has_header, uint32_t header,
			    uint32_t max);

/* The text/plain body of NOTIFY Event: service-control (reference 6.1), CRLF after each line:
 *   action=<action>  RegisterCallId={...}  ConfigVersionStamp={...}
 *   DialplanVersionStamp={}  SoftkeyVersionStamp={}  FeatureControlVersionStamp={}
 * FeatureControlVersionStamp is the stamp of the feature control policy file, which SIPCC's
 * service-control parser reads beside the others (its fcpVersionStamp) and usecallmanager's
 * cisco-restart/cisco-reset NOTIFYs carry; we serve no such file, so it is empty, as the
 * dialplan and softkey stamps are. (One third-party PJSIP module reports a CP-8861 on 14.1.1
 * answering 400 to it; SIPD_NOTIFY_FCP_STAMP leaves it out if that proves true here.)
 * action: restart | reset | check-version | apply-config. register_call_id and config_version
 * may be NULL or "" ({}); they must not hold braces or control characters.
 * *lenp = bytes written (without the NUL). 0, EINVAL or ENOSPC. */
int sipd_notify_body(char *out, size_t outlen, const char *action, const char *register_call_id,
		     const char *config_version, size_t *lenp);

#define SIPD_NOTIFY_FCP_STAMP 1 /* 0: no FeatureControlVersionStamp line */

/* A version stamp like CUCM's: "<unix seconds>-<uuid v4 from the 16 random bytes>". */
void sipd_version_stamp(char out[64], int64_t now, const uint8_t rnd[16]);

/* One log line from an application/x-cisco-alarm+xml body:
 *   name gets the Alarm's Name ("DeviceTLInfo"); out gets "Key=value Key=\"two words\" ..." for
 *   every <String name="Key"> of its ParameterList, in document order, control characters shown
 *   as '?', cut with "..." when outlen is short.
 * Documents with a DTD, and anything but strict UTF-8, are refused. 0 or EINVAL (not an
 * x-cisco-alarm). */
int sipd_alarm_summary(const char *xml, size_t len, char *name, size_t namelen, char *out,
		       size_t outlen);

/* The DeviceTLInfo alarm's fields, as the 7821 sends them (phone-console.log, reference 6.2):
 * the phone's name and addresses, its CTL and ITL (the signature as SHA-1 hex in pairs
 * separated by spaces, "Not Installed" when it has none; the TFTP server it came from, "N/A"
 * when none) and a status code. Values are the phone's text, control characters shown as '?',
 * cut to the field's size. */
struct sipd_alarm {
	char name[64];	      /* the Alarm's Name: "DeviceTLInfo" */
	char device_name[64]; /* DeviceName */
	char ipv4[48];	      /* IPv4Address */
	char ipv6[64];	      /* IPv6Address */
	char ctl_signature[96];
	char ctl_tftp_server[256];
	char itl_signature[96];
	char itl_tftp_server[256];
	int status_code; /* StatusCode; -1 when absent or not a number */
};
/* Reads an application/x-cisco-alarm+xml body into a (refused as sipd_alarm_summary refuses).
 * Parameters it does not know are skipped. 0 or EINVAL. */
int sipd_alarm_parse(const char *xml, size_t len, struct sipd_alarm *a);

/* The application/x-cisco-remotecc-response+xml body of a REGISTER's 200, as CUCM answers a
 * 7821's optionsind (phone-console.log, end): the capabilities the phone offered that CUCM
 * acknowledges, each only when the request's body names it (service-control, remotecc status,
 * hook-status and shared-line dialogs, BLF presence, joinreq, ix, bfcp). req is the REGISTER's
 * body (multipart or not). Returns 0 (*lenp bytes written), ENOENT (no optionsind in req: no
 * body to send) or ENOSPC. */
int sipd_remotecc_response(char *out, size_t outlen, const char *req, size_t reqlen, size_t *lenp);

/* Copies len bytes of peer-supplied text for a log line: control and non-ASCII bytes become '?',
 * cut at outlen - 1. Returns out. */
char *sipd_log_text(const char *s, size_t len, char *out, size_t outlen);

/* True when s (len bytes) is printable ASCII only: what we store from a phone's headers. */
int sipd_printable(const char *s, size_t len);

#endif
