/* cnf.c -- SEP<MAC>.cnf.xml: rendered from struct prov_cnf, parsed back into prov_cnf_view.
 *
 * The rendered file follows the element order and defaults of a real CUCM 11/12 file for a SIP
 * 78xx/88xx (reference section 4.2), one element per line and no indentation, as CUCM writes it.
 * Like CUCM we write xsi:type without declaring the xsi prefix; namespace-aware parsers call that
 * a namespace error, which phones (and libxml2 without the namespace check) do not mind.
 *
 * The parser reads a file a server sent us, so the bytes go through src/core/xmlsafe (size,
 * strict UTF-8, declared encoding checked first; no NOENT/DTDLOAD/HUGE, NONET; a DTD declaration
 * stops the parse; errors captured per thread), with namespace errors ignored (see above). */
#include "prov/cnf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <libxml/tree.h>

#include "core/addr.h"
#include "core/xmlsafe.h"

#define SUFFIX_CNF ".cnf.xml"
#define SUFFIX_SGN ".sgn"
#define EM_SERVLET "/emapp/EMAppServlet"
#define SPEED_DIAL_INDEX_MAX 9999 /* CUCM's abbreviated-dial indexes are small; this is ample */
#define BUTTON_MAX 9999
#define PRIORITY_MAX 1000000L

/* ---- text rules shared by both directions ---- */

/* A field the renderer may write: NUL-terminated within cap, strict UTF-8, and only characters
 * XML 1.0 allows and keeps as they are (no C0 controls at all: a CR or TAB would come back
 * changed, and the others are not XML characters; no U+FFFE/U+FFFF). */
static int text_ok(const char *s, size_t cap, int required)
{
	size_t n = strnlen(s, cap);
	if (n == cap || (required && n == 0))
		return 0;
	return xmlsafe_chars_ok(s, n, 0);
}

/* Host names and address literals: they go inside URLs, so nothing that could end the
 * authority part (/ ? # @ space) may appear. */
static int host_ok(const char *s, size_t cap, int required)
{
	size_t n = strnlen(s, cap);
	if (n == cap || (required && n == 0))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || c == ':'))
			return 0;
	}
	return 1;
}

static int uuid_ok(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
	}
	return 1;
}

static int port_ok(int p)
{
	return p >= 0 && p <= 65535;
}

static int device_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/* The device-name rule on n bytes (not necessarily NUL-terminated). */
static int device_ok(const char *s, size_t n)
{
	if (n == 0 || n >= LIM_ID_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!device_char(s[i]))
			return 0;
		if (s[i] == '.' && i + 1 < n && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

int prov_device_name_check(const char *device)
{
	if (!device)
		return EINVAL;
	size_t n = strnlen(device, LIM_ID_MAX);
	return device_ok(device, n) ? 0 : EINVAL;
}

/* ---- rendering ---- */

static int check_features(const struct features *f)
{
	unsigned char seen[LIM_LINES + 1] = {0};

	if (f->nlines > LIM_LINES || f->nspeed_dials > LIM_SPEED_DIALS ||
	    f->nservices > LIM_SERVICES)
		return EINVAL;
	for (size_t i = 0; i < f->nlines; i++) {
		const struct feature_line *l = &f->lines[i];
		if (l->index < 1 || l->index > LIM_LINES || seen[l->index]++)
			return EINVAL;
		if (!text_ok(l->dn, sizeof(l->dn), 1) || !text_ok(l->label, sizeof(l->label), 0) ||
		    !text_ok(l->display, sizeof(l->display), 0))
			return EINVAL;
	}
	for (size_t i = 0; i < f->nspeed_dials; i++) {
		const struct feature_speed_dial *s = &f->speed_dials[i];
		if (s->index < 1 || s->index > SPEED_DIAL_INDEX_MAX)
			return EINVAL;
		for (size_t j = 0; j < i; j++)
			if (f->speed_dials[j].index == s->index)
				return EINVAL;
		if (!text_ok(s->number, sizeof(s->number), 1) ||
		    !text_ok(s->label, sizeof(s->label), 0))
			return EINVAL;
	}
	for (size_t i = 0; i < f->nservices; i++) {
		const struct feature_service *s = &f->services[i];
		if (!text_ok(s->name, sizeof(s->name), 1) || !text_ok(s->url, sizeof(s->url), 1))
			return EINVAL;
	}
	return 0;
}

#define TEXT_OK(field, req) text_ok((field), sizeof(field), (req))
#define HOST_OK(field, req) host_ok((field), sizeof(field), (req))

static int check_cnf(const struct prov_cnf *c)
{
	if (prov_device_name_check(c->device) != 0)
		return EINVAL;
	if (!uuid_ok(c->uuid, sizeof(c->uuid)) ||
	    !uuid_ok(c->softkey_uuid, sizeof(c->softkey_uuid)))
		return EINVAL;
	if (c->ctiid < 0 || c->security_mode < 0 || c->security_mode > 3)
		return EINVAL;
	if (!port_ok(c->sip_port) || !port_ok(c->tvs_port) || !port_ok(c->http_port) ||
	    !port_ok(c->https_port))
		return EINVAL;
	if (c->emcc < PROV_EMCC_NONE || c->emcc > PROV_EMCC_HOME)
		return EINVAL;
	if (!TEXT_OK(c->model, 0) || !TEXT_OK(c->load, c->load_enforced) ||
	    !TEXT_OK(c->version_stamp, 1) || !TEXT_OK(c->user_id, 0) ||
	    !TEXT_OK(c->user_locale, 0) || !TEXT_OK(c->lang_code, 0) ||
	    !TEXT_OK(c->network_locale, 0) || !TEXT_OK(c->device_pool, 0) ||
	    !TEXT_OK(c->cm_group, 0) || !TEXT_OK(c->cm_description, 0))
		return EINVAL;
	if (!HOST_OK(c->cm_name, 0) || !HOST_OK(c->cm_address, 1) ||
	    !HOST_OK(c->tftp, c->emcc == PROV_EMCC_VISITOR) || !HOST_OK(c->tvs_address, 0) ||
	    !HOST_OK(c->node, 1) || !HOST_OK(c->em_node, 0))
		return EINVAL;
	return check_features(&c->features);
}

/* <name>text</name> on its own line, text escaped. */
static void el(struct buf *b, const char *name, const char *text)
{
	buf_printf(b, "<%s>", name);
	buf_xml_escape(b, text);
	buf_printf(b, "</%s>\n", name);
}

static void el_int(struct buf *b, const char *name, long v)
{
	buf_printf(b, "<%s>%ld</%s>\n", name, v, name);
}

/* <name>scheme://host:port/path</name>, or an empty element when path is NULL. */
static void el_url(struct buf *b, const char *name, const char *scheme, const char *host, int port,
		   const char *path)
{
	if (!path) {
		buf_printf(b, "<%s></%s>\n", name, name);
		return;
	}
	buf_printf(b, "<%s>%s://", name, scheme);
	buf_xml_escape(b, host);
	buf_printf(b, ":%d%s</%s>\n", port, path, name);
}

/* Positions 0..n-1 ordered by key (insertion sort: n is at most 128). */
static void order_by(size_t *ord, size_t n, const int *keys)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0 && keys[ord[j - 1]] > keys[i]) {
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = i;
	}
}

static void render_lines(struct buf *b, const struct prov_cnf *c, int sip_port)
{
	const struct features *f = &c->features;
	size_t ord[LIM_SPEED_DIALS];
	int keys[LIM_SPEED_DIALS];
	int last_button = 0;

	buf_puts(b, "<sipLines>\n");
	for (size_t i = 0; i < f->nlines; i++)
		keys[i] = f->lines[i].index;
	order_by(ord, f->nlines, keys);
	for (size_t k = 0; k < f->nlines; k++) {
		const struct feature_line *l = &f->lines[ord[k]];
		buf_printf(b, "<line button=\"%d\" lineIndex=\"%d\">\n", l->index, l->index);
		el_int(b, "featureID", 9);
		el(b, "featureLabel", l->label);
		el(b, "proxy", "USECALLMANAGER");
		el_int(b, "port", sip_port);
		el(b, "name", l->dn);
		el(b, "displayName", l->display);
		buf_puts(b,
			 "<autoAnswer>\n<autoAnswerEnabled>2</autoAnswerEnabled>\n</autoAnswer>\n"
			 "<callWaiting>3</callWaiting>\n<sharedLine>false</sharedLine>\n"
			 "<messageWaitingLampPolicy>3</messageWaitingLampPolicy>\n"
			 "<messageWaitingAMWI>0</messageWaitingAMWI>\n"
			 "<messagesNumber></messagesNumber>\n"
			 "<ringSettingIdle>4</ringSettingIdle>\n"
			 "<ringSettingActive>5</ringSettingActive>\n");
		/* CUCM 11+ writes a per-line uuid here and the phone registers with it as the
		 * contact's user part; the DN keeps REGISTER and NOTIFY readable in our traces and
		 * is what the guide's lab shows (NOTIFY sip:1000@...). */
		el(b, "contact", l->dn);
		buf_puts(b,
			 "<forwardCallInfoDisplay>\n<callerName>true</callerName>\n"
			 "<callerNumber>false</callerNumber>\n"
			 "<redirectedNumber>false</redirectedNumber>\n"
			 "<dialedNumber>true</dialedNumber>\n</forwardCallInfoDisplay>\n"
			 "<maxNumCalls>4</maxNumCalls>\n<busyTrigger>2</busyTrigger>\n</line>\n");
		last_button = l->index;
	}
	/* Speed dials take the buttons after the last line, as a phone button template lays
	 * them out. */
	for (size_t i = 0; i < f->nspeed_dials; i++)
		keys[i] = f->speed_dials[i].index;
	order_by(ord, f->nspeed_dials, keys);
	for (size_t k = 0; k < f->nspeed_dials; k++) {
		const struct feature_speed_dial *s = &f->speed_dials[ord[k]];
		buf_printf(b, "<line button=\"%d\">\n", last_button + 1 + (int)k);
		el_int(b, "featureID", 2);
		el(b, "featureLabel", s->label);
		el(b, "speedDialNumber", s->number);
		el_int(b, "speedDialIndex", s->index);
		buf_puts(b, "</line>\n");
	}
	buf_puts(b, "</sipLines>\n");
}

static void render_service(struct buf *b, const char *name, const char *url)
{
	buf_puts(b, "<phoneService type=\"0\" category=\"0\">\n");
	el(b, "name", name);
	el(b, "url", url);
	buf_puts(b, "<vendor></vendor>\n<version></version>\n</phoneService>\n");
}

int prov_cnf_render(struct buf *b, const struct prov_cnf *c)
{
	char node[PROV_HOST_MAX + 2], em_node[PROV_HOST_MAX + 2], url[PROV_HOST_MAX + 128];
	size_t start = b->len;

	if (check_cnf(c) != 0)
		return EINVAL;
	int sip_port = c->sip_port ? c->sip_port : PROV_SIP_PORT;
	int tvs_port = c->tvs_port ? c->tvs_port : PROV_TVS_PORT;
	int http_port = c->http_port ? c->http_port : PROV_HTTP_PORT;
	int https_port = c->https_port ? c->https_port : PROV_HTTPS_PORT;
	int security_mode = c->security_mode ? c->security_mode : 1;
	/* the host part of a URL: IPv6 literals in brackets (RFC 3986) */
	addr_format_host(node, sizeof(node), c->node);
	addr_format_host(em_node, sizeof(em_node), c->em_node[0] ? c->em_node : c->node);

	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_printf(b, "<device xsi:type=\"axl:XIPPhone\" ctiid=\"%d\"", c->ctiid);
	if (c->uuid[0])
		buf_printf(b, " uuid=\"{%s}\"", c->uuid);
	buf_puts(b, ">\n<fullConfig>true</fullConfig>\n<deviceProtocol>SIP</deviceProtocol>\n"
		    "<sshUserId></sshUserId>\n<sshPassword></sshPassword>\n"
		    "<ipAddressMode>0</ipAddressMode>\n<allowAutoConfig>true</allowAutoConfig>\n"
		    "<dadEnable>true</dadEnable>\n<redirectEnable>false</redirectEnable>\n"
		    "<echoMultiEnable>false</echoMultiEnable>\n"
		    "<ipPreferenceModeControl>0</ipPreferenceModeControl>\n"
		    "<ipMediaAddressFamilyPreference>0</ipMediaAddressFamilyPreference>\n");

	/* devicePool: date/time, the call manager group with its one member, SRST off */
	buf_puts(b, "<devicePool>\n<revertPriority>0</revertPriority>\n");
	el(b, "name", c->device_pool[0] ? c->device_pool : "Default");
	buf_puts(b, "<dateTimeSetting>\n<name>CMLocal</name>\n<dateTemplate>M/D/Y</dateTemplate>\n"
		    "<timeZone>Greenwich Standard Time</timeZone>\n"
		    "<olsonTimeZone>Etc/GMT</olsonTimeZone>\n</dateTimeSetting>\n"
		    "<callManagerGroup>\n");
	el(b, "name", c->cm_group[0] ? c->cm_group : "Default");
	buf_puts(b, "<tftpDefault>true</tftpDefault>\n<members>\n<member priority=\"0\">\n"
		    "<callManager>\n");
	el(b, "name", c->cm_name[0] ? c->cm_name : c->cm_address);
	el(b, "description", c->cm_description);
	buf_puts(b, "<ports>\n<ethernetPhonePort>2000</ethernetPhonePort>\n");
	el_int(b, "sipPort", sip_port);
	buf_puts(b,
		 "<securedSipPort>5061</securedSipPort>\n"
		 "<mgcpPorts>\n<listen>2427</listen>\n<keepAlive>2428</keepAlive>\n</mgcpPorts>\n"
		 "</ports>\n");
	el(b, "processNodeName", c->cm_address);
	buf_puts(b, "</callManager>\n</member>\n</members>\n</callManagerGroup>\n"
		    "<srstInfo>\n<name>Disable</name>\n<srstOption>Disable</srstOption>\n"
		    "<userModifiable>false</userModifiable>\n<isSecure>false</isSecure>\n"
		    "</srstInfo>\n<connectionMonitorDuration>120</connectionMonitorDuration>\n"
		    "</devicePool>\n");

	buf_puts(b, "<TVS>\n<members>\n<member priority=\"0\">\n");
	el_int(b, "port", tvs_port);
	el(b, "address", c->tvs_address[0] ? c->tvs_address : c->cm_address);
	buf_puts(b, "</member>\n</members>\n</TVS>\n");

	/* sipProfile: proxies from the call manager group, CUCM's default features and stack */
	buf_puts(b, "<sipProfile>\n<sipProxies>\n<backupProxy>USECALLMANAGER</backupProxy>\n");
	el_int(b, "backupProxyPort", sip_port);
	buf_puts(b, "<emergencyProxy>USECALLMANAGER</emergencyProxy>\n");
	el_int(b, "emergencyProxyPort", sip_port);
	buf_puts(b, "<outboundProxy>USECALLMANAGER</outboundProxy>\n");
	el_int(b, "outboundProxyPort", sip_port);
	buf_puts(b,
		 "<registerWithProxy>true</registerWithProxy>\n</sipProxies>\n"
		 "<sipCallFeatures>\n<cnfJoinEnabled>true</cnfJoinEnabled>\n"
		 "<callForwardURI>x-cisco-serviceuri-cfwdall</callForwardURI>\n"
		 "<callPickupURI>x-cisco-serviceuri-pickup</callPickupURI>\n"
		 "<callPickupListURI>x-cisco-serviceuri-opickup</callPickupListURI>\n"
		 "<callPickupGroupURI>x-cisco-serviceuri-gpickup</callPickupGroupURI>\n"
		 "<meetMeServiceURI>x-cisco-serviceuri-meetme</meetMeServiceURI>\n"
		 "<abbreviatedDialURI>x-cisco-serviceuri-abbrdial</abbreviatedDialURI>\n"
		 "<rfc2543Hold>false</rfc2543Hold>\n<callHoldRingback>2</callHoldRingback>\n"
		 "<URIDialingDisplayPreference>1</URIDialingDisplayPreference>\n"
		 "<localCfwdEnable>true</localCfwdEnable>\n"
		 "<semiAttendedTransfer>true</semiAttendedTransfer>\n"
		 "<anonymousCallBlock>2</anonymousCallBlock>\n"
		 "<callerIdBlocking>2</callerIdBlocking>\n<dndControl>0</dndControl>\n"
		 "<remoteCcEnable>true</remoteCcEnable>\n"
		 "<retainForwardInformation>false</retainForwardInformation>\n"
		 "</sipCallFeatures>\n"
		 "<sipStack>\n<sipInviteRetx>6</sipInviteRetx>\n<sipRetx>10</sipRetx>\n"
		 "<timerInviteExpires>180</timerInviteExpires>\n"
		 "<timerRegisterExpires>3600</timerRegisterExpires>\n"
		 "<timerRegisterDelta>5</timerRegisterDelta>\n"
		 "<timerKeepAliveExpires>120</timerKeepAliveExpires>\n"
		 "<timerSubscribeExpires>120</timerSubscribeExpires>\n"
		 "<timerSubscribeDelta>5</timerSubscribeDelta>\n<timerT1>500</timerT1>\n"
		 "<timerT2>4000</timerT2>\n<maxRedirects>70</maxRedirects>\n"
		 "<remotePartyID>true</remotePartyID>\n<userInfo>None</userInfo>\n"
		 "</sipStack>\n"
		 "<autoAnswerTimer>1</autoAnswerTimer>\n"
		 "<autoAnswerAltBehavior>false</autoAnswerAltBehavior>\n"
		 "<autoAnswerOverride>true</autoAnswerOverride>\n"
		 "<transferOnhookEnabled>false</transferOnhookEnabled>\n"
		 "<enableVad>false</enableVad>\n<preferredCodec>none</preferredCodec>\n"
		 "<dtmfAvtPayload>101</dtmfAvtPayload>\n<dtmfDbLevel>3</dtmfDbLevel>\n"
		 "<dtmfOutofBand>avt</dtmfOutofBand>\n<kpml>3</kpml>\n"
		 "<phoneLabel></phoneLabel>\n<stutterMsgWaiting>2</stutterMsgWaiting>\n"
		 "<callStats>true</callStats>\n"
		 "<offhookToFirstDigitTimer>15000</offhookToFirstDigitTimer>\n"
		 "<T302Timer>15000</T302Timer>\n"
		 "<silentPeriodBetweenCallWaitingBursts>10</silentPeriodBetweenCallWaitingBursts>\n"
		 "<disableLocalSpeedDialConfig>true</disableLocalSpeedDialConfig>\n"
		 "<poundEndOfDial>false</poundEndOfDial>\n"
		 "<startMediaPort>16384</startMediaPort>\n<stopMediaPort>32766</stopMediaPort>\n");
	render_lines(b, c, sip_port);
	buf_puts(b, "<externalNumberMask></externalNumberMask>\n");
	el_int(b, "voipControlPort", sip_port);
	buf_puts(b, "<dscpForAudio>184</dscpForAudio>\n<dscpVideo>136</dscpVideo>\n"
		    "<dialTemplate></dialTemplate>\n");
	if (c->softkey_uuid[0])
		buf_printf(b, "<softKeyFile>SK%s.xml</softKeyFile>\n", c->softkey_uuid);
	else
		buf_puts(b, "<softKeyFile></softKeyFile>\n");
	buf_puts(b, "<alwaysUsePrimeLine>false</alwaysUsePrimeLine>\n"
		    "<alwaysUsePrimeLineVoiceMail>false</alwaysUsePrimeLineVoiceMail>\n"
		    "</sipProfile>\n");

	buf_puts(b, "<MissedCallLoggingOption>1</MissedCallLoggingOption>\n"
		    "<commonProfile>\n<phonePassword></phonePassword>\n"
		    "<backgroundImageAccess>true</backgroundImageAccess>\n"
		    "<callLogBlfEnabled>2</callLogBlfEnabled>\n</commonProfile>\n");
	/* Not enforced (EMCC): an empty element, so the phone keeps the load it runs. */
	if (c->load_enforced) {
		buf_puts(b, "<loadInformation");
		if (c->model[0]) {
			buf_puts(b, " model=\"");
			buf_xml_escape(b, c->model);
			buf_puts(b, "\"");
		}
		buf_puts(b, ">");
		buf_xml_escape(b, c->load);
		buf_puts(b, "</loadInformation>\n");
	} else {
		buf_puts(b, "<loadInformation></loadInformation>\n");
	}
	buf_puts(b, "<inactiveLoadInformation></inactiveLoadInformation>\n"
		    "<vendorConfig>\n<disableSpeaker>false</disableSpeaker>\n"
		    "<disableSpeakerAndHeadset>false</disableSpeakerAndHeadset>\n"
		    "<pcPort>0</pcPort>\n<garp>1</garp>\n<voiceVlanAccess>0</voiceVlanAccess>\n"
		    "<spanToPCPort>1</spanToPCPort>\n<loggingDisplay>1</loggingDisplay>\n"
		    "</vendorConfig>\n");
	el(b, "versionStamp", c->version_stamp);
	buf_puts(b, "<userLocale>\n");
	el(b, "name", c->user_locale);
	el(b, "langCode", c->lang_code);
	buf_puts(b, "</userLocale>\n");
	el(b, "networkLocale", c->network_locale);
	el_int(b, "deviceSecurityMode", security_mode);
	buf_puts(b, "<idleTimeout>0</idleTimeout>\n");

	el_url(b, "authenticationURL", "http", node, http_port, "/ccmcip/authenticate.jsp");
	el_url(b, "directoryURL", "http", node, http_port, "/ccmcip/xmldirectory.jsp");
	el_url(b, "idleURL", NULL, NULL, 0, NULL);
	el_url(b, "informationURL", "http", node, http_port, "/ccmcip/GetTelecasterHelpText.jsp");
	el_url(b, "messagesURL", NULL, NULL, 0, NULL);
	el_url(b, "proxyServerURL", NULL, NULL, 0, NULL);
	el_url(b, "servicesURL", "http", node, http_port, "/ccmcip/getservicesmenu.jsp");
	el_url(b, "secureAuthenticationURL", "https", node, https_port, "/ccmcip/authenticate.jsp");
	el_url(b, "secureDirectoryURL", "https", node, https_port, "/ccmcip/xmldirectory.jsp");
	el_url(b, "secureIdleURL", NULL, NULL, 0, NULL);
	el_url(b, "secureInformationURL", "https", node, https_port,
	       "/ccmcip/GetTelecasterHelpText.jsp");
	el_url(b, "secureMessagesURL", NULL, NULL, 0, NULL);
	el_url(b, "secureServicesURL", "https", node, https_port, "/ccmcip/getservicesmenu.jsp");

	buf_puts(b, "<dscpForSCCPPhoneConfig>96</dscpForSCCPPhoneConfig>\n"
		    "<dscpForSCCPPhoneServices>0</dscpForSCCPPhoneServices>\n"
		    "<dscpForCm2Dvce>96</dscpForCm2Dvce>\n");
	el_int(b, "transportLayerProtocol", PROV_TRANSPORT_TCP);
	buf_puts(b, "<dialToneSetting>1</dialToneSetting>\n"
		    "<phonePersonalization>1</phonePersonalization>\n"
		    "<capfAuthMode>0</capfAuthMode>\n<certHash></certHash>\n"
		    "<encrConfig>false</encrConfig>\n");
	if (c->user_id[0])
		el(b, "userId", c->user_id);

	/* The EM service first: logout must always be one press away, whatever the profile
	 * subscribes. &EMCC=#EMCC# lets the visiting cluster tell an EMCC login apart. */
	buf_puts(b, "<phoneServices>\n<provisioning>0</provisioning>\n");
	snprintf(url, sizeof(url), "http://%s:%d" EM_SERVLET "?device=#DEVICENAME#&EMCC=#EMCC#",
		 em_node, http_port);
	render_service(b, "Extension Mobility", url);
	for (size_t i = 0; i < c->features.nservices; i++) {
		const struct feature_service *s = &c->features.services[i];
		if (strstr(s->url, EM_SERVLET))
			continue;
		render_service(b, s->name, s->url);
	}
	buf_puts(b, "</phoneServices>\n");

	if (c->emcc != PROV_EMCC_NONE) {
		buf_puts(b, "<emccInfo>\n");
		el(b, "emccMode", c->emcc == PROV_EMCC_VISITOR ? "visiting" : "home");
		if (c->tftp[0])
			el(b, "tempTftp1", c->tftp);
		buf_puts(b, "</emccInfo>\n");
	}
	buf_puts(b, "</device>\n");

	if (b->oom) {
		/* Cut back, so a caller that reuses the buffer never sends half a file. */
		if (b->data && start <= b->len) {
			b->len = start;
			b->data[start] = '\0';
		}
		return ENOMEM;
	}
	return 0;
}

/* ---- parsing ---- */

/* The caller's why buffer. */
struct why {
	char *buf;
	size_t len;
};

static int fail(struct why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct why *w, const char *fmt, ...)
{
	if (w->buf && w->len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->buf, w->len, fmt, ap);
		va_end(ap);
		xmlsafe_utf8_trim_tail(w->buf);
	}
	return EINVAL;
}

/* The first child element called name, or NULL. */
static const xmlNode *child(const xmlNode *el, const char *name)
{
	if (!el)
		return NULL;
	for (const xmlNode *c = el->children; c; c = c->next)
		if (xmlsafe_is_name(c, name))
			return c;
	return NULL;
}

static const xmlNode *path(const xmlNode *el, const char *a, const char *b, const char *c)
{
	el = child(el, a);
	if (b)
		el = child(el, b);
	if (c)
		el = child(el, c);
	return el;
}

/* Copies the trimmed text of a text-only element into out. Absent element: "". Over-long
 * values are refused, never cut: a cut address would send the phone somewhere else. */
static int get_text(const xmlNode *el, char *out, size_t outsz, struct why *w)
{
	out[0] = '\0';
	if (!el)
		return 0;
	char *content;
	size_t len;
	int rc = xmlsafe_text(el, &content, &len, NULL);
	if (rc == EINVAL)
		return fail(w, "<%.64s> must hold text only", (const char *)el->name);
	if (rc)
		return rc;
	const char *s = content;
	xmlsafe_trim(&s, &len);
	if (len >= outsz) {
		rc = fail(w, "value of <%.64s> is too long (%zu bytes, at most %zu)",
			  (const char *)el->name, len, outsz - 1);
	} else {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	free(content);
	return rc;
}

/* Digits only, 0..max; "" gives 0 (absent). */
static int parse_num(const char *s, long max, long *v)
{
	long n = 0;
	*v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
		if (n > max)
			return -1;
	}
	*v = n;
	return 0;
}

static int get_num(const xmlNode *el, long min, long max, int *out, struct why *w)
{
	char text[32];
	long v;
	int rc = get_text(el, text, sizeof(text), w);
	*out = 0;
	if (rc)
		return rc;
	if (!text[0])
		return 0;
	if (parse_num(text, max, &v) != 0 || v < min)
		return fail(w, "<%.64s> must be a number from %ld to %ld", (const char *)el->name,
			    min, max);
	*out = (int)v;
	return 0;
}

/* A numeric attribute; absent gives dflt. */
static int get_num_attr(const xmlNode *el, const char *attr, long max, long dflt, long *out,
			struct why *w)
{
	xmlChar *v = xmlGetProp(el, (const xmlChar *)attr);
	*out = dflt;
	if (!v)
		return 0;
	int bad = !v[0] || parse_num((const char *)v, max, out) != 0;
	xmlFree(v);
	if (bad)
		return fail(w, "attribute %s of <%.64s> must be a number from 0 to %ld", attr,
			    (const char *)el->name, max);
	return 0;
}

/* The member of members with the lowest priority; the first one on a tie. */
static int first_member(const xmlNode *members, const xmlNode **best, struct why *w)
{
	long best_prio = 0;
	*best = NULL;
	if (!members)
		return 0;
	for (const xmlNode *m = members->children; m; m = m->next) {
		if (!xmlsafe_is_name(m, "member"))
			continue;
		long prio;
		int rc = get_num_attr(m, "priority", PRIORITY_MAX, 0, &prio, w);
		if (rc)
			return rc;
		if (!*best || prio < best_prio) {
			*best = m;
			best_prio = prio;
		}
	}
	return 0;
}

static int parse_call_manager(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	const xmlNode *group = path(dev, "devicePool", "callManagerGroup", NULL), *m;
	char text[16];
	int rc;

	out->tftp_default = -1;
	if (!group)
		return 0;
	rc = get_text(child(group, "tftpDefault"), text, sizeof(text), w);
	if (rc)
		return rc;
	if (strcasecmp(text, "true") == 0)
		out->tftp_default = 1;
	else if (strcasecmp(text, "false") == 0)
		out->tftp_default = 0;
	else if (text[0])
		return fail(w, "<tftpDefault> must be true or false");
	rc = first_member(child(group, "members"), &m, w);
	if (rc || !m)
		return rc;
	const xmlNode *cm = child(m, "callManager");
	rc = get_text(child(cm, "processNodeName"), out->cm_address, sizeof(out->cm_address), w);
	if (rc == 0 && !out->cm_address[0])
		rc = get_text(child(cm, "name"), out->cm_address, sizeof(out->cm_address), w);
	if (rc == 0)
		rc = get_num(path(cm, "ports", "sipPort", NULL), 1, 65535, &out->sip_port, w);
	return rc;
}

static int parse_tvs(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	const xmlNode *m;
	int rc = first_member(path(dev, "TVS", "members", NULL), &m, w);
	if (rc || !m)
		return rc;
	rc = get_text(child(m, "address"), out->tvs_address, sizeof(out->tvs_address), w);
	if (rc == 0)
		rc = get_num(child(m, "port"), 1, 65535, &out->tvs_port, w);
	return rc;
}

/* sipLines: featureID 9 lines and featureID 2 speed dials, by button; the rest skipped. */
static int parse_lines(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	struct features *f = &out->features;
	const xmlNode *lines = path(dev, "sipProfile", "sipLines", NULL);
	int rc;

	if (!lines)
		return 0;
	for (const xmlNode *l = lines->children; l; l = l->next) {
		int feature;
		long button;
		if (!xmlsafe_is_name(l, "line"))
			continue;
		rc = get_num(child(l, "featureID"), 0, 1000000, &feature, w);
		if (rc)
			return rc;
		if (feature != 9 && feature != 2)
			continue;
		rc = get_num_attr(l, "button", BUTTON_MAX, -1, &button, w);
		if (rc)
			return rc;
		if (button < 1)
			return fail(w, "<line> without a button number");
		if (feature == 9) {
			if (f->nlines >= LIM_LINES)
				return fail(w, "more than %d lines", LIM_LINES);
			struct feature_line *sl = &f->lines[f->nlines];
			sl->index = (int)button;
			if ((rc = get_text(child(l, "name"), sl->dn, sizeof(sl->dn), w)) ||
			    (rc = get_text(child(l, "featureLabel"), sl->label, sizeof(sl->label),
					   w)) ||
			    (rc = get_text(child(l, "displayName"), sl->display,
					   sizeof(sl->display), w)))
				return rc;
			f->nlines++;
		} else {
			if (f->nspeed_dials >= LIM_SPEED_DIALS)
				return fail(w, "more than %d speed dials", LIM_SPEED_DIALS);
			struct feature_speed_dial *sd = &f->speed_dials[f->nspeed_dials];
			sd->index = (int)button;
			if ((rc = get_text(child(l, "speedDialNumber"), sd->number,
					   sizeof(sd->number), w)) ||
			    (rc = get_text(child(l, "featureLabel"), sd->label, sizeof(sd->label),
					   w)))
				return rc;
			f->nspeed_dials++;
		}
	}
	return 0;
}

static int parse_services(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	struct features *f = &out->features;
	const xmlNode *list = child(dev, "phoneServices");
	int rc;

	if (!list)
		return 0;
	for (const xmlNode *s = list->children; s; s = s->next) {
		if (!xmlsafe_is_name(s, "phoneService"))
			continue;
		if (f->nservices >= LIM_SERVICES)
			return fail(w, "more than %d phone services", LIM_SERVICES);
		struct feature_service *sv = &f->services[f->nservices];
		if ((rc = get_text(child(s, "name"), sv->name, sizeof(sv->name), w)) ||
		    (rc = get_text(child(s, "url"), sv->url, sizeof(sv->url), w)))
			return rc;
		f->nservices++;
	}
	return 0;
}

static int parse_load(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	const xmlNode *load = child(dev, "loadInformation");
	int rc = get_text(load, out->load, sizeof(out->load), w);
	if (rc || !load)
		return rc;
	xmlChar *model = xmlGetProp(load, (const xmlChar *)"model");
	if (!model)
		return 0;
	size_t n = strlen((const char *)model);
	if (n >= sizeof(out->load_model))
		rc = fail(w, "model attribute of <loadInformation> is too long");
	else
		memcpy(out->load_model, model, n + 1);
	xmlFree(model);
	return rc;
}

static int parse_emcc(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	const xmlNode *info = child(dev, "emccInfo");
	char mode[16];
	int rc;

	if (!info)
		return 0;
	rc = get_text(child(info, "emccMode"), mode, sizeof(mode), w);
	if (rc)
		return rc;
	if (strcmp(mode, "visiting") == 0)
		out->emcc = PROV_EMCC_VISITOR;
	else if (strcmp(mode, "home") == 0)
		out->emcc = PROV_EMCC_HOME;
	else
		return fail(w, "<emccMode> must be visiting or home");
	return get_text(child(info, "tempTftp1"), out->tftp, sizeof(out->tftp), w);
}

static int parse_device(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	int rc;

	if ((rc = get_text(child(dev, "versionStamp"), out->version_stamp,
			   sizeof(out->version_stamp), w)) ||
	    (rc =
		 get_text(child(dev, "deviceProtocol"), out->protocol, sizeof(out->protocol), w)) ||
	    (rc = parse_call_manager(dev, out, w)) || (rc = parse_tvs(dev, out, w)) ||
	    (rc = parse_lines(dev, out, w)) || (rc = parse_services(dev, out, w)) ||
	    (rc = get_text(path(dev, "userLocale", "name", NULL), out->user_locale,
			   sizeof(out->user_locale), w)) ||
	    (rc = get_text(path(dev, "userLocale", "langCode", NULL), out->lang_code,
			   sizeof(out->lang_code), w)) ||
	    (rc = get_num(child(dev, "deviceSecurityMode"), 1, 3, &out->security_mode, w)) ||
	    (rc = parse_load(dev, out, w)) ||
	    (rc = get_text(child(dev, "userId"), out->user_id, sizeof(out->user_id), w)))
		return rc;
	return parse_emcc(dev, out, w);
}

int prov_cnf_parse(const char *xml, size_t len, struct prov_cnf_view *out, char *why, size_t whylen)
{
	struct why w = {why, whylen};
	xmlDocPtr doc = NULL;
	char reason[XMLSAFE_REASON_MAX];
	int rc;

	memset(out, 0, sizeof(*out));
	out->tftp_default = -1;
	if (why && whylen)
		why[0] = '\0';
	rc = xmlsafe_read(xml, len, PROV_CNF_MAX_DOC, XMLSAFE_IGNORE_NS_ERRORS, &doc, reason,
			  sizeof(reason));
	if (rc) {
		if (rc == EINVAL)
			fail(&w, "%s", reason);
		goto out;
	}
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root || !xmlsafe_is_name(root, "device")) {
		rc = fail(&w, "root element must be <device>, not <%.64s>",
			  root ? (const char *)root->name : "");
		goto out;
	}
	rc = parse_device(root, out, &w);
out:
	if (doc)
		xmlFreeDoc(doc);
	if (rc) {
		memset(out, 0, sizeof(*out)); /* no half-filled view for a careless caller */
		out->tftp_default = -1;
	}
	return rc;
}

/* ---- file names ---- */

int prov_cnf_file_name(char *out, size_t len, const char *device, int is_signed)
{
	if (!out || prov_device_name_check(device) != 0)
		return EINVAL;
	int n = snprintf(out, len, "%s" SUFFIX_CNF "%s", device, is_signed ? SUFFIX_SGN : "");
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return ERANGE;
	}
	return 0;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len > n && memcmp(s + len - n, suffix, n) == 0;
}

int prov_device_from_file_name(const char *name, size_t len, char *device, size_t devlen,
			       int *is_signed)
{
	size_t base;
	int sgn;

	if (!name || !device)
		return EINVAL;
	if (len > LIM_ID_MAX + sizeof(SUFFIX_CNF SUFFIX_SGN))
		return EINVAL;
	if (ends_with(name, len, SUFFIX_CNF SUFFIX_SGN)) {
		sgn = 1;
		base = len - strlen(SUFFIX_CNF SUFFIX_SGN);
	} else if (ends_with(name, len, SUFFIX_CNF)) {
		sgn = 0;
		base = len - strlen(SUFFIX_CNF);
	} else {
		return EINVAL;
	}
	/* device_ok allows only [A-Za-z0-9._-] and no "..": NUL, '/', '\\', '%' and the rest of
	 * what could steer a path never get through. The suffix itself is a fixed string. */
	if (!device_ok(name, base))
		return EINVAL;
	if (base + 1 > devlen)
		return ERANGE;
	memcpy(device, name, base);
	device[base] = '\0';
	if (is_signed)
		*is_signed = sgn;
	return 0;
}
