/* cnf_render.c -- SEP<MAC>.cnf.xml written from struct prov_cnf, one section at a time.
 *
 * The rendered file follows the element order and defaults of a real CUCM 11/12 file for a SIP
 * 78xx/88xx (reference section 4.2), one element per line and no indentation, as CUCM writes it.
 * Like CUCM we write xsi:type without declaring the xsi prefix; namespace-aware parsers call that
 * a namespace error, which phones (and libxml2 without the namespace check) do not mind. */
#include "prov/cnf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/xmlsafe.h"

#define EM_SERVLET "/emapp/EMAppServlet"
#define SPEED_DIAL_INDEX_MAX 9999 /* CUCM's abbreviated-dial indexes are small; this is ample */
#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* ---- what the renderer may write ---- */

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

/* An IPv4 or IPv6 literal (no brackets, no zone): what the phone's EMCC properties hold. */
static int ip_ok(const char *s, size_t cap, int required)
{
	unsigned char a[16];
	size_t n = strnlen(s, cap);
	if (n == cap)
		return 0;
	if (n == 0)
		return !required;
	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

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
	if (c->transport < PROV_TRANSPORT_DEFAULT || c->transport > PROV_TRANSPORT_TCP_UDP)
		return EINVAL;
	if (c->emcc == PROV_EMCC_VISITOR) {
		for (int i = 0; i < PROV_EMCC_TFTP_MAX; i++)
			if (!ip_ok(c->temp_tftp[i], sizeof(c->temp_tftp[i]), i == 0))
				return EINVAL;
		if (!ip_ok(c->vem_ip, sizeof(c->vem_ip), 1) || !port_ok(c->vem_port) ||
		    (c->emcc_override != 0 && c->emcc_override != 1))
			return EINVAL;
	}
	if (!TEXT_OK(c->model, 0) || !TEXT_OK(c->load, c->load_enforced) ||
	    !TEXT_OK(c->version_stamp, 1) || !TEXT_OK(c->user_id, 0) ||
	    !TEXT_OK(c->user_locale, 0) || !TEXT_OK(c->lang_code, 0) ||
	    !TEXT_OK(c->network_locale, 0) || !TEXT_OK(c->device_pool, 0) ||
	    !TEXT_OK(c->cm_group, 0) || !TEXT_OK(c->cm_description, 0))
		return EINVAL;
	if (!HOST_OK(c->cm_name, 0) || !HOST_OK(c->cm_address, 1) || !HOST_OK(c->tvs_address, 0) ||
	    !HOST_OK(c->node, 1) || !HOST_OK(c->em_node, 0) || !HOST_OK(c->ntp_server, 0))
		return EINVAL;
	return check_features(&c->features);
}

/* ---- writing it ---- */

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
			 "<callWaiting>3</callWaiting>\n"
			 /* <authName>/<authPassword> would go here (usecallmanager.nz: the
			  * digest user and secret the line registers with). They are left out:
			  * the store keeps no per-line or per-device SIP credential yet (none is
			  * invented here), so a phone cannot answer the challenge of a node with
			  * a [sip] realm until that credential source exists. */
			 "<sharedLine>false</sharedLine>\n"
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

static void render_service(struct buf *b, int type, const char *name, const char *url)
{
	buf_printf(b, "<phoneService type=\"%d\" category=\"0\">\n", type);
	el(b, "name", name);
	el(b, "url", url);
	buf_puts(b, "<vendor></vendor>\n<version></version>\n</phoneService>\n");
}

/* What several sections share: cnf.h's defaults applied, the hosts ready for URLs. */
struct resolved {
	int sip_port, http_port, https_port;
	char node[PROV_HOST_MAX + 2], em_node[PROV_HOST_MAX + 2];
};

static void resolve(struct resolved *r, const struct prov_cnf *c)
{
	r->sip_port = c->sip_port ? c->sip_port : PROV_SIP_PORT;
	r->http_port = c->http_port ? c->http_port : PROV_HTTP_PORT;
	r->https_port = c->https_port ? c->https_port : PROV_HTTPS_PORT;
	/* the host part of a URL: IPv6 literals in brackets (RFC 3986) */
	addr_format_host(r->node, sizeof(r->node), c->node);
	addr_format_host(r->em_node, sizeof(r->em_node), c->em_node[0] ? c->em_node : c->node);
}

static void render_head(struct buf *b, const struct prov_cnf *c)
{
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
}

/* The phone's NTP server (CUCM's "Phone NTP Reference"), in a real CUCM file's form [S19]:
 * <ntps><ntp><name/><nameV6/><ntpMode>Unicast</ntpMode></ntp></ntps>, an IPv6 literal in nameV6.
 * Without one, no <ntps>: CUCM's administration guide (Phone NTP Reference Configuration) says
 * a SIP phone whose NTP servers do not answer takes the date and time from the Date header of
 * the 200 OK to its REGISTER, which the registrar sends (sipd_uas.c). */
static void render_ntps(struct buf *b, const struct prov_cnf *c)
{
	int v6 = strchr(c->ntp_server, ':') != NULL;

	if (!c->ntp_server[0])
		return;
	buf_puts(b, "<ntps>\n<ntp>\n");
	el(b, "name", v6 ? "" : c->ntp_server);
	el(b, "nameV6", v6 ? c->ntp_server : "");
	buf_puts(b, "<ntpMode>Unicast</ntpMode>\n</ntp>\n</ntps>\n");
}

/* devicePool: date/time, the call manager group with its one member, SRST off. */
static void render_device_pool(struct buf *b, const struct prov_cnf *c, int sip_port)
{
	buf_puts(b, "<devicePool>\n<revertPriority>0</revertPriority>\n");
	el(b, "name", c->device_pool[0] ? c->device_pool : "Default");
	buf_puts(b, "<dateTimeSetting>\n<name>CMLocal</name>\n<dateTemplate>M/D/Y</dateTemplate>\n"
		    "<timeZone>Greenwich Standard Time</timeZone>\n"
		    "<olsonTimeZone>Etc/GMT</olsonTimeZone>\n");
	render_ntps(b, c);
	buf_puts(b, "</dateTimeSetting>\n<callManagerGroup>\n");
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
}

static void render_tvs(struct buf *b, const struct prov_cnf *c)
{
	buf_puts(b, "<TVS>\n<members>\n<member priority=\"0\">\n");
	el_int(b, "port", c->tvs_port ? c->tvs_port : PROV_TVS_PORT);
	el(b, "address", c->tvs_address[0] ? c->tvs_address : c->cm_address);
	buf_puts(b, "</member>\n</members>\n</TVS>\n");
}

/* CUCM's default SIP call features, stack timers and phone settings: nothing here varies. */
static void render_sip_defaults(struct buf *b)
{
	buf_puts(b,
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
}

/* sipProfile: proxies from the call manager group, CUCM's defaults, the lines, the soft keys. */
static void render_sip_profile(struct buf *b, const struct prov_cnf *c, int sip_port)
{
	buf_puts(b, "<sipProfile>\n<sipProxies>\n<backupProxy>USECALLMANAGER</backupProxy>\n");
	el_int(b, "backupProxyPort", sip_port);
	buf_puts(b, "<emergencyProxy>USECALLMANAGER</emergencyProxy>\n");
	el_int(b, "emergencyProxyPort", sip_port);
	buf_puts(b, "<outboundProxy>USECALLMANAGER</outboundProxy>\n");
	el_int(b, "outboundProxyPort", sip_port);
	buf_puts(b, "<registerWithProxy>true</registerWithProxy>\n</sipProxies>\n");
	render_sip_defaults(b);
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
}

/* commonProfile, the firmware load and vendorConfig: the device settings after the profile. */
static void render_load(struct buf *b, const struct prov_cnf *c)
{
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
}

/* What a file says of a locale besides its name. The English_United_States and United_States
 * rows are a real CUCM 11 file's [S19] (uid 1 and 64, version 11.0.0.0(1), iso-8859-1). For
 * the others only the language code is known (the ISO code in the locale installer's name,
 * po-locale-<code>-..., usecallmanager.nz "User Locale"); their uid and version are CUCM's
 * database ids and installer versions, which no public source lists: we write them empty
 * rather than wrong ones, and utf-8, the other character set usecallmanager.nz names. A phone
 * fetches a locale's files from its TFTP by name; we serve none, so it keeps its own English
 * texts whatever these say. */
struct locale_row {
	const char *name, *lang, *uid, *version, *charset;
};

static const struct locale_row user_locales[] = {
    {"English_United_States", "en_US", "1", "11.0.0.0(1)", "iso-8859-1"},
    {"English_United_Kingdom", "en_GB", "", "", "utf-8"},
    {"French_France", "fr_FR", "", "", "utf-8"},
    {"German_Germany", "de_DE", "", "", "utf-8"},
    {"Spanish_Spain", "es_ES", "", "", "utf-8"},
    {"Italian_Italy", "it_IT", "", "", "utf-8"},
    {"Dutch_Netherlands", "nl_NL", "", "", "utf-8"},
    {"Portuguese_Brazil", "pt_BR", "", "", "utf-8"},
    {"Japanese_Japan", "ja_JP", "", "", "utf-8"},
    {"Chinese_China", "zh_CN", "", "", "utf-8"},
};
static const struct locale_row network_locales[] = {
    {"United_States", "", "64", "11.0.0.0(1)", ""},
};

static const struct locale_row *locale_find(const struct locale_row *t, size_t n, const char *name)
{
	static const struct locale_row unknown = {"", "", "", "", "utf-8"};

	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return &unknown;
}

static void render_locale(struct buf *b, const struct prov_cnf *c)
{
	const struct locale_row *u = locale_find(user_locales, NROWS(user_locales), c->user_locale);
	const struct locale_row *n =
	    locale_find(network_locales, NROWS(network_locales), c->network_locale);

	el(b, "versionStamp", c->version_stamp);
	buf_puts(b, "<userLocale>\n");
	el(b, "name", c->user_locale);
	el(b, "uid", u->uid);
	el(b, "langCode", c->lang_code[0] ? c->lang_code : u->lang);
	el(b, "version", u->version);
	el(b, "winCharSet", u->charset);
	buf_puts(b, "</userLocale>\n");
	el(b, "networkLocale", c->network_locale);
	buf_puts(b, "<networkLocaleInfo>\n");
	el(b, "name", c->network_locale);
	el(b, "uid", n->uid);
	el(b, "version", n->version);
	buf_puts(b, "</networkLocaleInfo>\n");
	el_int(b, "deviceSecurityMode", c->security_mode ? c->security_mode : 1);
	buf_puts(b, "<idleTimeout>0</idleTimeout>\n");
}

static void render_urls(struct buf *b, const struct resolved *r)
{
	const char *node = r->node;
	int http_port = r->http_port, https_port = r->https_port;

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
}

/* DSCP, transport and security settings, then the logged-in user if any. */
static void render_settings(struct buf *b, const struct prov_cnf *c)
{
	buf_puts(b, "<dscpForSCCPPhoneConfig>96</dscpForSCCPPhoneConfig>\n"
		    "<dscpForSCCPPhoneServices>0</dscpForSCCPPhoneServices>\n"
		    "<dscpForCm2Dvce>96</dscpForCm2Dvce>\n");
	el_int(b, "transportLayerProtocol", c->transport ? c->transport : PROV_TRANSPORT_TCP_UDP);
	buf_puts(b, "<dialToneSetting>1</dialToneSetting>\n"
		    "<phonePersonalization>1</phonePersonalization>\n"
		    "<capfAuthMode>0</capfAuthMode>\n<certHash></certHash>\n"
		    "<encrConfig>false</encrConfig>\n");
	if (c->user_id[0])
		el(b, "userId", c->user_id);
}

/* CUCM's standard services, as a real CUCM 11 file lists them and in its order [S19]: the
 * phone's own applications (URL "Application:Cisco/<name>", CUCM's default service URLs as its
 * administration guide names them). type is the menu they appear in (usecallmanager.nz,
 * SEPMAC.cnf.xml "phoneService"): 0 Services, 1 Directories, 2 Messages. */
static const struct {
	int type;
	const char *name, *url;
} standard_services[] = {
    {1, "Missed Calls", "Application:Cisco/MissedCalls"},
    {2, "Voicemail", "Application:Cisco/Voicemail"},
    {1, "Received Calls", "Application:Cisco/ReceivedCalls"},
    {1, "Placed Calls", "Application:Cisco/PlacedCalls"},
    {1, "Personal Directory", "Application:Cisco/PersonalDirectory"},
    {1, "Corporate Directory", "Application:Cisco/CorporateDirectory"},
};

/* <provisioning> is CUCM's "Services Provisioning" (usecallmanager.nz: 0 this list only, 1 the
 * servicesURL/directoryURL/messagesURL pages only, 2 both). 0, CUCM's default ("Internal") and
 * what the real file says [S19]: the phone builds its Services, Directories and Messages menus
 * from this list, which holds everything our services page (/ccmcip/getservicesmenu.jsp) would
 * list, so nothing shows twice. useHTTPS stays false: the phone would check our HTTPS
 * certificate against its trust list, and the services are plain http:// URLs.
 *
 * The EM service is the first of the Services menu (type 0): logout must always be one press
 * away, whatever the profile subscribes. &EMCC=#EMCC# lets the visiting cluster tell an EMCC
 * login apart. */
static void render_services(struct buf *b, const struct prov_cnf *c, const struct resolved *r)
{
	char url[PROV_HOST_MAX + 128];

	buf_puts(b, "<phoneServices useHTTPS=\"false\">\n<provisioning>0</provisioning>\n");
	for (size_t i = 0; i < NROWS(standard_services); i++)
		render_service(b, standard_services[i].type, standard_services[i].name,
			       standard_services[i].url);
	snprintf(url, sizeof(url), "http://%s:%d" EM_SERVLET "?device=#DEVICENAME#&EMCC=#EMCC#",
		 r->em_node, r->http_port);
	render_service(b, 0, "Extension Mobility", url);
	for (size_t i = 0; i < c->features.nservices; i++) {
		const struct feature_service *s = &c->features.services[i];
		if (strstr(s->url, EM_SERVLET))
			continue;
		render_service(b, 0, s->name, s->url);
	}
	buf_puts(b, "</phoneServices>\n");
}

/* The EMCC properties (cnf.h, PROV_EMCC_EL), in the visiting cluster's mini-config only: the
 * home cluster's file for the EMCC device is an ordinary one, and the phone leaves EMCC mode
 * when the home no longer has a file for it. All four tempTftp elements are written, empty
 * ones empty, as the phone's log shows them. */
static void render_emcc(struct buf *b, const struct prov_cnf *c, const struct resolved *r)
{
	char name[32];

	if (c->emcc != PROV_EMCC_VISITOR)
		return;
	buf_puts(b, "<" PROV_EMCC_EL ">\n");
	el_int(b, PROV_EMCC_EL_MODE, 1);
	el_int(b, PROV_EMCC_EL_OVERRIDE, c->emcc_override);
	for (int i = 0; i < PROV_EMCC_TFTP_MAX; i++) {
		snprintf(name, sizeof(name), PROV_EMCC_EL_TFTP "%d", i + 1);
		el(b, name, c->temp_tftp[i]);
	}
	el(b, PROV_EMCC_EL_VEM_IP, c->vem_ip);
	el_int(b, PROV_EMCC_EL_VEM_PORT, c->vem_port ? c->vem_port : r->http_port);
	buf_puts(b, "</" PROV_EMCC_EL ">\n");
}

int prov_cnf_render(struct buf *b, const struct prov_cnf *c)
{
	struct resolved r;
	size_t start = b->len;

	if (check_cnf(c) != 0)
		return EINVAL;
	resolve(&r, c);
	render_head(b, c);
	render_device_pool(b, c, r.sip_port);
	render_tvs(b, c);
	render_sip_profile(b, c, r.sip_port);
	render_load(b, c);
	render_locale(b, c);
	render_urls(b, &r);
	render_settings(b, c);
	render_services(b, c, &r);
	render_emcc(b, c, &r);
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
