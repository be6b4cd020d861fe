/* cnf.h -- SEP<MAC>.cnf.xml, the phone configuration file: build it, read it, stamp it, name it.
 *
 * Pure code: no I/O, no store access. The caller (TFTP/HTTP server, EM and EMCC glue) fills a
 * struct prov_cnf from the store and the node's addresses; prov_cnf_render() writes the file in
 * the element structure of a real CUCM 11/12 file for a SIP 78xx/88xx (reference section 4.2);
 * prov_cnf_parse() reads back what a phone needs from such a file (our simulated phone, tests).
 *
 * The four device states, and how a caller fills the struct for each (addresses from the lab):
 *
 *  1. Logged out -- the device's own lines (the features stored for the device), the device's
 *     locale, everything pointing at this cluster:
 *        cm_address "192.168.7.100", tvs_address "192.168.7.100", node "192.168.7.100",
 *        features = device's, user_id "", load_enforced 1, emcc PROV_EMCC_NONE.
 *
 *  2. EM login -- as logged out, but the lines, speed dials, services and user locale are the
 *     profile's (STORE_OWNER_PROFILE), and user_id names the user:
 *        features = profile's, user_locale = profile's, user_id "adgjm", fresh version_stamp.
 *
 *  3. EMCC visitor, rendered by the VISITING cluster for its own phone (the guide's "EMCC
 *     Mini-config file"): the phone must go to the HOME cluster for call control and its real
 *     configuration, and must still reach the visiting EM service to log out:
 *        cm_address / cm_name = home call manager, tftp = home TFTP (the phone's "tempTftp1"),
 *        node = home (its ccmcip URLs), em_node = visiting, features empty or the device's,
 *        emcc PROV_EMCC_VISITOR.
 *     TVS: the guide's capture (frames 482-497) shows the phone asking the VISITING TVS to
 *     vouch for the home ITL signer while it holds this mini-config, so tvs_address is the
 *     visiting node here (the home's TVS comes with the home's full file, state 4). The caller
 *     decides; this is what the capture supports.
 *
 *  4. EMCC device at home, rendered by the HOME cluster for the remote phone: home call control
 *     and TVS, the user's profile, firmware not enforced (reference 3.1, 4.2):
 *        cm_address = home, tvs_address = home, node = home, em_node = visiting (the phone logs
 *        out where it logged in), features = profile's, user_id set, load_enforced 0,
 *        emcc PROV_EMCC_HOME.
 *
 * The EMCC mini-config (state 3) carries the phone's EMCC properties in one element at the end of
 * <device>, named below; the home cluster's file (state 4) is an ordinary one without it. Phones
 * skip elements they do not know, as ours (prov_cnf_parse) does. docs/provisioning.md has the
 * whole file and the reasons for each choice. */
#ifndef EMCC_PROV_CNF_H
#define EMCC_PROV_CNF_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/features.h"

/* The phone caps downloads at 2048 KB (reference 4.1); the parser refuses anything larger. */
#define PROV_CNF_MAX_DOC (2048 * 1024)

#define PROV_HOST_MAX LIM_TEXT_MAX /* host names, IPv4/IPv6 literals (store's home_tftp fits) */
#define PROV_UUID_MAX 37	   /* 36 characters + NUL, without braces */
#define PROV_LANG_MAX 16	   /* "en_US" */
#define PROV_PROTO_MAX 16	   /* "SIP" */

#define PROV_SIP_PORT 5060
#define PROV_TVS_PORT 2445
#define PROV_HTTP_PORT 8080
#define PROV_HTTPS_PORT 8443

/* transportLayerProtocol. The values are Cisco's SIP stack's connection types (SIPCC's CONN_TYPE,
 * open-sourced in Mozilla's WebRTC import: CONN_TCP 1, CONN_UDP 2, CONN_TLS 3, CONN_TCP_TMP 4,
 * "need to match the values in the config matrix"); usecallmanager.nz's SEPMAC.cnf.xml page
 * lists 1 TCP, 2 UDP, 3 TLS. 4 is what a real CUCM file says for a phone whose security
 * profile is CUCM's default "TCP + UDP" [S19], and the lab's 7821 logs "transport: 4" and opens
 * a TCP connection with it: TCP first, UDP allowed. The renderer writes what the node's SIP
 * listeners offer (prov_build_env_from_config). TLS (3) needs a SIP TLS listener we do not run. */
enum prov_transport {
	PROV_TRANSPORT_DEFAULT = 0, /* = PROV_TRANSPORT_TCP_UDP */
	PROV_TRANSPORT_TCP = 1,
	PROV_TRANSPORT_UDP = 2,
	PROV_TRANSPORT_TLS = 3,
	PROV_TRANSPORT_TCP_UDP = 4,
};

/* ---- the EMCC mini-config: the phone's EMCC properties, named in this one place ----
 *
 * What the mini-config must tell the phone is known from its console log (phone-console.log in
 * the seed lab): "emcc_mode =1, override =0, tempTftp1= 192.168.7.200, tempTftp2 = , tempTftp3
 * = , tempTftp4 = " (the home cluster's TFTP servers, which the phone converts as IP addresses:
 * "unable to convert the tempTftpSvr2" for the empty ones) and "[commitEMCCProperties] notify
 * sipcc of [vEM-IP,vEM-Port]:[192.168.7.100,8080]" (the visiting EM service). How CUCM spells
 * them in the XML is not public (reference section 8 item 5), so the elements carry the
 * phone's own property names, inside one element named after its commitEMCCProperties:
 *
 *   <emccProperties>
 *   <emcc_mode>1</emcc_mode>
 *   <override>0</override>
 *   <tempTftp1>192.168.7.200</tempTftp1>
 *   <tempTftp2></tempTftp2> <tempTftp3></tempTftp3> <tempTftp4></tempTftp4>
 *   <vEM-IP>192.168.7.100</vEM-IP>
 *   <vEM-Port>8080</vEM-Port>
 *   </emccProperties>
 *
 * Change a name here and both the renderer and the parser follow. */
#define PROV_EMCC_EL "emccProperties"
#define PROV_EMCC_EL_MODE "emcc_mode"
#define PROV_EMCC_EL_OVERRIDE "override"
#define PROV_EMCC_EL_TFTP "tempTftp" /* tempTftp1 .. tempTftp4 */
#define PROV_EMCC_EL_VEM_IP "vEM-IP"
#define PROV_EMCC_EL_VEM_PORT "vEM-Port"
#define PROV_EMCC_TFTP_MAX 4 /* tempTftp1..4 */
#define PROV_IP_MAX 46	     /* an IPv4 or IPv6 literal without brackets (INET6_ADDRSTRLEN) */

/* The same values as enum store_emcc_role, so a caller may copy em_state.emcc_role. */
enum prov_emcc {
	PROV_EMCC_NONE = 0,    /* logged out or plain EM login */
	PROV_EMCC_VISITOR = 1, /* visiting cluster's mini-config that sends the phone home */
	PROV_EMCC_HOME = 2,    /* home cluster's config for a visiting phone */
};

/* What a SEP<MAC>.cnf.xml must say. Every string is NUL-terminated within its array, valid
 * UTF-8, without control characters; the renderer escapes the rest (& < > "), so labels may hold
 * anything else. Numbers set to 0 take the default named beside them. */
struct prov_cnf {
	/* the device */
	char device[LIM_ID_MAX];  /* "SEPC80084AA8743"; [A-Za-z0-9._-], no "..", required */
	char uuid[PROV_UUID_MAX]; /* device uuid without braces; "" = no uuid attribute */
	int ctiid;		  /* CTI id of the device; >= 0 */
	char model[LIM_TEXT_MAX]; /* "Cisco 7821": loadInformation's model attribute; "" = none */
	char load[LIM_TEXT_MAX];  /* firmware load, "sip78xx.12-1-1-12" */
	int load_enforced;	  /* 0: <loadInformation> empty, as for EMCC (reference 3.1) */
	int security_mode;	  /* deviceSecurityMode 1..3; 0 = 1 (non-secure) */
	char version_stamp[LIM_STAMP_MAX]; /* required; see store_config_stamp_new() */
	char user_id[LIM_ID_MAX];	   /* logged-in user (<userId>); "" = nobody */
	char user_locale[LIM_TEXT_MAX];	   /* "English_United_States" */
	char lang_code[PROV_LANG_MAX];	   /* "en_US" */
	char network_locale[LIM_TEXT_MAX]; /* "United_States" */
	char softkey_uuid[PROV_UUID_MAX];  /* <softKeyFile>SK<uuid>.xml; "" = empty element
					    * (prov_softkey_uuid, prov/softkey.h) */
	char ntp_server[PROV_HOST_MAX];	   /* dateTimeSetting's one <ntp>; "" = no <ntps>: the phone
					    * takes the time from the REGISTER 200's Date header */
	int transport;			   /* enum prov_transport; 0 = TCP + UDP */

	/* call control: the device pool's only call manager */
	char device_pool[LIM_TEXT_MAX]; /* "" = "Default" */
	char cm_group[LIM_TEXT_MAX];	/* callManagerGroup name; "" = "Default" */
	char cm_name[PROV_HOST_MAX];	/* callManager <name>; "" = cm_address */
	char cm_description[LIM_TEXT_MAX];
	char cm_address[PROV_HOST_MAX];	 /* processNodeName: where the phone registers; required */
	int sip_port;			 /* 0 = 5060 */
	char tvs_address[PROV_HOST_MAX]; /* "" = cm_address */
	int tvs_port;			 /* 0 = 2445 */

	/* the node behind the phone's URLs */
	char node[PROV_HOST_MAX];    /* http://<node>:8080/ccmcip/...; required */
	char em_node[PROV_HOST_MAX]; /* host of the EM service URL; "" = node */
	int http_port;		     /* 0 = 8080 */
	int https_port;		     /* 0 = 8443 */

	/* lines (button = index, 1..LIM_LINES, unique), speed dials (buttons after the
	 * highest line, in index order; speedDialIndex = index, unique, >= 1) and services. The
	 * <phoneServices> list starts with CUCM's standard entries (the call histories,
	 * directories and voicemail), then the Extension Mobility service, the first entry of
	 * the Services menu, pointing at em_node; then these services. Those whose URL names
	 * /emapp/EMAppServlet are left out so the phone never shows two. */
	struct features features;

	int emcc; /* enum prov_emcc */
	/* The EMCC properties, written when emcc is PROV_EMCC_VISITOR only. IP literals, never
	 * names (the phone converts them as addresses): the caller resolves. */
	char temp_tftp[PROV_EMCC_TFTP_MAX][PROV_IP_MAX]; /* [0] required, the rest may be "" */
	int emcc_override;				 /* "override": 0 or 1; the lab: 0 */
	char vem_ip[PROV_IP_MAX];			 /* "vEM-IP", required */
	int vem_port;					 /* "vEM-Port"; 0 = http_port */
};

/* Appends the whole file to b (after whatever b holds). Returns 0; EINVAL when a field breaks
 * the rules above (b unchanged); ENOMEM (b cut back to where it was). */
int prov_cnf_render(struct buf *b, const struct prov_cnf *c);

/* What the phone takes from a cnf.xml. Absent elements leave "" / 0 (tftp_default: -1). */
struct prov_cnf_view {
	char version_stamp[LIM_STAMP_MAX];
	char protocol[PROV_PROTO_MAX];	/* deviceProtocol */
	char cm_address[PROV_HOST_MAX]; /* lowest-priority member: processNodeName, else name */
	int sip_port;
	int tftp_default;		 /* callManagerGroup/tftpDefault: 1, 0, -1 absent */
	char tvs_address[PROV_HOST_MAX]; /* lowest-priority TVS member */
	int tvs_port;
	/* lines: index = button, from <line featureID 9>; speed dials: index = button, from
	 * featureID 2; other features (BLF...) are skipped. services: every phoneService but the
	 * phone's built-in applications (URL "Application:Cisco/..."), which builtin_services
	 * counts. */
	struct features features;
	int builtin_services;
	int services_provisioning; /* <phoneServices><provisioning>: 0..2, -1 absent */
	char user_locale[LIM_TEXT_MAX];
	char lang_code[PROV_LANG_MAX];
	int security_mode;	 /* 1..3, 0 absent */
	char load[LIM_TEXT_MAX]; /* "" = not enforced */
	char load_model[LIM_TEXT_MAX];
	char user_id[LIM_ID_MAX];
	char network_locale[LIM_TEXT_MAX];
	char softkey_file[LIM_TEXT_MAX]; /* <softKeyFile>, "SK<uuid>.xml" */
	char ntp_server[PROV_HOST_MAX];	 /* the first <ntp>'s name (else nameV6) */
	int transport;			 /* transportLayerProtocol, 0 absent */
	/* The EMCC properties (PROV_EMCC_EL): emcc is PROV_EMCC_VISITOR when the file has them
	 * with emcc_mode 1, else PROV_EMCC_NONE (a home cluster's file looks like any other). */
	int emcc;
	int emcc_mode, emcc_override;			 /* 0 or 1 */
	char temp_tftp[PROV_EMCC_TFTP_MAX][PROV_IP_MAX]; /* as written: IP literals or "" */
	char vem_ip[PROV_IP_MAX];
	int vem_port;
};

/* Parses a cnf.xml (plain: strip a .sgn header first). libxml2 runs hardened as in the EM API
 * parser: strict UTF-8 and UTF-8 only, at most PROV_CNF_MAX_DOC bytes, no DTD declarations or
 * entities, no network. Unknown elements are skipped (real files have hundreds); for repeated
 * single elements the first wins. Values too long for out are refused, never cut. Returns 0,
 * EINVAL (why says what, out zeroed) or ENOMEM. why may be NULL. */
int prov_cnf_parse(const char *xml, size_t len, struct prov_cnf_view *out, char *why,
		   size_t whylen);

/* 0 when device is a name we will put in a file name: 1..LIM_ID_MAX-1 bytes of
 * [A-Za-z0-9._-], not starting with '.', no "..". EINVAL otherwise. */
int prov_device_name_check(const char *device);

/* "SEP<MAC>.cnf.xml" or, signed, "SEP<MAC>.cnf.xml.sgn" into out. EINVAL for a bad device
 * name, ERANGE when out is too small. */
int prov_cnf_file_name(char *out, size_t len, const char *device, int is_signed);

/* The other way, for names a phone asks for: name (len bytes, not necessarily NUL-terminated)
 * must be exactly <device>.cnf.xml or <device>.cnf.xml.sgn, suffix in lower case, device passing
 * prov_device_name_check. No path separators, "..", NUL or other bytes get through, so a server
 * never opens a path built from the request. The device part is returned as sent (lookups are
 * exact). Returns 0, EINVAL, or ERANGE (devlen too small). is_signed may be NULL. */
int prov_device_from_file_name(const char *name, size_t len, char *device, size_t devlen,
			       int *is_signed);

#endif
