/* test_cnf.c -- SEP<MAC>.cnf.xml: the four device states rendered and read back, exact elements,
 * escaping, limits, a hand-trimmed real-CUCM-like file, the parser's refusals, stamps, names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prov/cnf.h"

#define DEVICE "SEPC80084AA8743"
#define VISITING "192.168.7.100"
#define HOME "192.168.7.200"
#define EM_URL_XML(host)                                                                           \
	"<url>http://" host ":8080/emapp/EMAppServlet?device=#DEVICENAME#&amp;EMCC=#EMCC#</url>"
#define EM_URL(host) "http://" host ":8080/emapp/EMAppServlet?device=#DEVICENAME#&EMCC=#EMCC#"

/* Large structs live here, not on the stack. */
static struct prov_cnf cnf;
static struct prov_cnf_view view;
static struct buf out;
static char why[256];

static void add_line(struct features *f, int index, const char *dn, const char *label,
		     const char *display)
{
	struct feature_line *l = &f->lines[f->nlines++];
	l->index = index;
	snprintf(l->dn, sizeof(l->dn), "%s", dn);
	snprintf(l->label, sizeof(l->label), "%s", label);
	snprintf(l->display, sizeof(l->display), "%s", display);
}

static void add_speed_dial(struct features *f, int index, const char *number, const char *label)
{
	struct feature_speed_dial *s = &f->speed_dials[f->nspeed_dials++];
	s->index = index;
	snprintf(s->number, sizeof(s->number), "%s", number);
	snprintf(s->label, sizeof(s->label), "%s", label);
}

static void add_service(struct features *f, const char *name, const char *url)
{
	struct feature_service *s = &f->services[f->nservices++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->url, sizeof(s->url), "%s", url);
}

/* State 1: logged out at the visiting cluster (the lab's ClusterOne), the device's own line. */
static void logged_out(struct prov_cnf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->device, sizeof(c->device), DEVICE);
	snprintf(c->uuid, sizeof(c->uuid), "7fe8bd6e-3d42-4ad5-1d1b-cfcb53bdc717");
	c->ctiid = 548;
	snprintf(c->model, sizeof(c->model), "Cisco 7821");
	snprintf(c->load, sizeof(c->load), "sip78xx.12-1-1-12");
	c->load_enforced = 1;
	snprintf(c->version_stamp, sizeof(c->version_stamp),
		 "1550846224-ca3abf91-97c3-4ce7-9a3d-4373eb132289");
	snprintf(c->user_locale, sizeof(c->user_locale), "English_United_States");
	snprintf(c->lang_code, sizeof(c->lang_code), "en_US");
	snprintf(c->network_locale, sizeof(c->network_locale), "United_States");
	snprintf(c->softkey_uuid, sizeof(c->softkey_uuid), "b0ec918f-b9ee-994b-57ae-345883c1fde8");
	snprintf(c->device_pool, sizeof(c->device_pool), "Default");
	snprintf(c->cm_group, sizeof(c->cm_group), "Default");
	snprintf(c->cm_description, sizeof(c->cm_description), "ClusterOne");
	snprintf(c->cm_address, sizeof(c->cm_address), VISITING);
	snprintf(c->node, sizeof(c->node), VISITING);
	add_line(&c->features, 1, "1000", "Lobby 1000", "Lobby phone");
}

/* State 2: EM login of adgjm with the profile's lines, speed dials, services and locale. */
static void em_login(struct prov_cnf *c)
{
	logged_out(c);
	memset(&c->features, 0, sizeof(c->features));
	add_line(&c->features, 1, "2001", "adgjm 2001", "A. User");
	add_line(&c->features, 2, "2002", "adgjm 2002", "A. User (2)");
	add_speed_dial(&c->features, 1, "40384", "Help desk");
	add_speed_dial(&c->features, 2, "911", "Emergency");
	add_service(&c->features, "Weather", "http://192.168.7.5/weather?city=Lyon&units=metric");
	/* the profile subscribes EM too: the renderer writes its own entry instead */
	add_service(&c->features, "Extension Mobility", EM_URL(VISITING));
	snprintf(c->user_locale, sizeof(c->user_locale), "French_France");
	snprintf(c->lang_code, sizeof(c->lang_code), "fr_FR");
	snprintf(c->user_id, sizeof(c->user_id), "adgjm");
	snprintf(c->version_stamp, sizeof(c->version_stamp),
		 "1552156347-145cec2d-3b45-430f-acaf-d79657a15c58");
}

/* State 3: the visiting cluster's mini-config sending the phone to the home cluster. */
static void emcc_visitor(struct prov_cnf *c)
{
	logged_out(c);
	memset(&c->features, 0, sizeof(c->features));
	snprintf(c->cm_name, sizeof(c->cm_name), "cucm-home");
	snprintf(c->cm_address, sizeof(c->cm_address), HOME);
	snprintf(c->cm_description, sizeof(c->cm_description), "ClusterTwo");
	snprintf(c->temp_tftp[0], sizeof(c->temp_tftp[0]), HOME);
	snprintf(c->vem_ip, sizeof(c->vem_ip), VISITING);
	c->vem_port = 8080;
	snprintf(c->tvs_address, sizeof(c->tvs_address), VISITING);
	snprintf(c->node, sizeof(c->node), HOME);
	snprintf(c->em_node, sizeof(c->em_node), VISITING);
	c->emcc = PROV_EMCC_VISITOR;
	snprintf(c->version_stamp, sizeof(c->version_stamp),
		 "1552156347-00000000-3b45-430f-acaf-d79657a15c58");
}

/* State 4: the home cluster's EMCC device with the user's profile, load not enforced. */
static void emcc_home(struct prov_cnf *c)
{
	em_login(c);
	snprintf(c->cm_address, sizeof(c->cm_address), HOME);
	snprintf(c->cm_description, sizeof(c->cm_description), "ClusterTwo");
	snprintf(c->tvs_address, sizeof(c->tvs_address), HOME);
	snprintf(c->node, sizeof(c->node), HOME);
	snprintf(c->em_node, sizeof(c->em_node), VISITING);
	c->load_enforced = 0;
	c->emcc = PROV_EMCC_HOME;
}

static void render_ok(void)
{
	buf_reset(&out);
	int rc = prov_cnf_render(&out, &cnf);
	if (rc != 0)
		fail_msg("render: %d", rc);
}

static void parse_ok(const char *xml, size_t len)
{
	int rc = prov_cnf_parse(xml, len, &view, why, sizeof(why));
	if (rc != 0)
		fail_msg("parse: %d (%s)", rc, why);
}

static void has(const char *needle)
{
	if (!strstr(out.data, needle))
		fail_msg("missing: %s", needle);
}

static void has_not(const char *needle)
{
	if (strstr(out.data, needle))
		fail_msg("unexpected: %s", needle);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static int setup(void **state)
{
	buf_init(&out);
	memset(why, 0, sizeof(why));
	return 0;
}

static int teardown(void **state)
{
	buf_free(&out);
	return 0;
}

/* ---- the four states, as the phone sees them ---- */

static void test_logged_out(void **state)
{
	logged_out(&cnf);
	render_ok();
	parse_ok(out.data, out.len);
	assert_string_equal(view.version_stamp, "1550846224-ca3abf91-97c3-4ce7-9a3d-4373eb132289");
	assert_string_equal(view.protocol, "SIP");
	assert_string_equal(view.cm_address, VISITING);
	assert_int_equal(view.sip_port, 5060);
	assert_int_equal(view.tftp_default, 1);
	assert_string_equal(view.tvs_address, VISITING);
	assert_int_equal(view.tvs_port, 2445);
	assert_int_equal(view.features.nlines, 1);
	assert_int_equal(view.features.lines[0].index, 1);
	assert_string_equal(view.features.lines[0].dn, "1000");
	assert_string_equal(view.features.lines[0].label, "Lobby 1000");
	assert_string_equal(view.features.lines[0].display, "Lobby phone");
	assert_int_equal(view.features.nspeed_dials, 0);
	assert_int_equal(view.features.nservices, 1);
	assert_string_equal(view.features.services[0].name, "Extension Mobility");
	assert_string_equal(view.features.services[0].url, EM_URL(VISITING));
	assert_int_equal(view.builtin_services, 6);
	assert_int_equal(view.services_provisioning, 0);
	assert_string_equal(view.user_locale, "English_United_States");
	assert_string_equal(view.lang_code, "en_US");
	assert_int_equal(view.security_mode, 1);
	assert_string_equal(view.load, "sip78xx.12-1-1-12");
	assert_string_equal(view.load_model, "Cisco 7821");
	assert_string_equal(view.user_id, "");
	assert_int_equal(view.emcc, PROV_EMCC_NONE);
	assert_int_equal(view.emcc_mode, 0);
	assert_string_equal(view.temp_tftp[0], "");
	assert_int_equal(view.transport, 4);
	assert_string_equal(view.network_locale, "United_States");
	assert_string_equal(view.softkey_file, "SKb0ec918f-b9ee-994b-57ae-345883c1fde8.xml");
	assert_string_equal(view.ntp_server, "");
	has_not("<" PROV_EMCC_EL ">");
	has_not("<ntps>");
	has_not("<userId>");
}

static void test_em_login(void **state)
{
	em_login(&cnf);
	render_ok();
	parse_ok(out.data, out.len);
	assert_string_equal(view.version_stamp, "1552156347-145cec2d-3b45-430f-acaf-d79657a15c58");
	assert_string_equal(view.cm_address, VISITING);
	assert_int_equal(view.features.nlines, 2);
	assert_string_equal(view.features.lines[0].dn, "2001");
	assert_string_equal(view.features.lines[1].dn, "2002");
	assert_string_equal(view.features.lines[1].display, "A. User (2)");
	assert_int_equal(view.features.nspeed_dials, 2);
	assert_int_equal(view.features.speed_dials[0].index, 3); /* buttons after the lines */
	assert_string_equal(view.features.speed_dials[0].number, "40384");
	assert_string_equal(view.features.speed_dials[0].label, "Help desk");
	assert_int_equal(view.features.speed_dials[1].index, 4);
	assert_string_equal(view.features.speed_dials[1].number, "911");
	/* EM once, first; the profile's own EM entry is not repeated */
	assert_int_equal(view.features.nservices, 2);
	assert_string_equal(view.features.services[0].name, "Extension Mobility");
	assert_string_equal(view.features.services[1].name, "Weather");
	assert_string_equal(view.features.services[1].url,
			    "http://192.168.7.5/weather?city=Lyon&units=metric");
	assert_int_equal(count(out.data, "EMAppServlet"), 1);
	assert_string_equal(view.user_locale, "French_France");
	assert_string_equal(view.lang_code, "fr_FR");
	assert_string_equal(view.user_id, "adgjm");
	assert_int_equal(view.emcc, PROV_EMCC_NONE);
}

static void test_emcc_visitor(void **state)
{
	emcc_visitor(&cnf);
	render_ok();
	parse_ok(out.data, out.len);
	/* call control and TFTP at home; EM (to log out) and TVS still at the visiting cluster */
	assert_string_equal(view.cm_address, HOME);
	assert_int_equal(view.emcc, PROV_EMCC_VISITOR);
	assert_int_equal(view.emcc_mode, 1);
	assert_int_equal(view.emcc_override, 0);
	assert_string_equal(view.temp_tftp[0], HOME);
	assert_string_equal(view.temp_tftp[1], "");
	assert_string_equal(view.temp_tftp[3], "");
	assert_string_equal(view.vem_ip, VISITING);
	assert_int_equal(view.vem_port, 8080);
	assert_string_equal(view.tvs_address, VISITING);
	assert_string_equal(view.features.services[0].url, EM_URL(VISITING));
	assert_int_equal(view.features.nlines, 0);
	assert_string_equal(view.version_stamp, "1552156347-00000000-3b45-430f-acaf-d79657a15c58");
	has("<name>cucm-home</name>\n<description>ClusterTwo</description>");
	has("<processNodeName>" HOME "</processNodeName>");
	has("<authenticationURL>http://" HOME ":8080/ccmcip/authenticate.jsp</authenticationURL>");
	/* the phone's own property names, the empty tempTftps as its log shows them */
	has("</phoneServices>\n<emccProperties>\n<emcc_mode>1</emcc_mode>\n<override>0</override>\n"
	    "<tempTftp1>" HOME "</tempTftp1>\n<tempTftp2></tempTftp2>\n<tempTftp3></tempTftp3>\n"
	    "<tempTftp4></tempTftp4>\n<vEM-IP>" VISITING "</vEM-IP>\n<vEM-Port>8080</vEM-Port>\n"
	    "</emccProperties>\n</device>\n");

	/* vEM-Port defaults to the EM service's HTTP port */
	cnf.vem_port = 0;
	cnf.http_port = 8081;
	render_ok();
	has("<vEM-Port>8081</vEM-Port>");
	cnf.http_port = 0;

	/* a second home TFTP and an IPv6 one are written as given */
	snprintf(cnf.temp_tftp[1], sizeof(cnf.temp_tftp[1]), "2001:db8::7");
	render_ok();
	parse_ok(out.data, out.len);
	assert_string_equal(view.temp_tftp[1], "2001:db8::7");

	/* the home TFTP is what this state is for; names are refused (the phone converts
	 * addresses: the caller resolves), as are a name for vEM-IP and override past 1 */
	static const char *const bad[] = {"", "cucm-home.example", "192.168.7.200:6970",
					  "[2001:db8::7]", "192.168.7.256"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		emcc_visitor(&cnf);
		snprintf(cnf.temp_tftp[0], sizeof(cnf.temp_tftp[0]), "%s", bad[i]);
		buf_reset(&out);
		if (prov_cnf_render(&out, &cnf) != EINVAL)
			fail_msg("tempTftp1 \"%s\" rendered", bad[i]);
		emcc_visitor(&cnf);
		snprintf(cnf.temp_tftp[2], sizeof(cnf.temp_tftp[2]), "%s",
			 bad[i][0] ? bad[i] : "x");
		if (prov_cnf_render(&out, &cnf) != EINVAL)
			fail_msg("tempTftp3 \"%s\" rendered", bad[i]);
		emcc_visitor(&cnf);
		snprintf(cnf.vem_ip, sizeof(cnf.vem_ip), "%s", bad[i]);
		if (prov_cnf_render(&out, &cnf) != EINVAL)
			fail_msg("vEM-IP \"%s\" rendered", bad[i]);
	}
	emcc_visitor(&cnf);
	cnf.emcc_override = 2;
	assert_int_equal(prov_cnf_render(&out, &cnf), EINVAL);
	emcc_visitor(&cnf);
	cnf.vem_port = 65536;
	assert_int_equal(prov_cnf_render(&out, &cnf), EINVAL);
}

static void test_emcc_home(void **state)
{
	emcc_home(&cnf);
	render_ok();
	parse_ok(out.data, out.len);
	assert_string_equal(view.cm_address, HOME);
	assert_string_equal(view.tvs_address, HOME);
	assert_string_equal(view.load, ""); /* not enforced */
	assert_string_equal(view.load_model, "");
	has("<loadInformation></loadInformation>\n");
	/* the home's file is an ordinary one: no EMCC properties, even with some set */
	assert_int_equal(view.emcc, PROV_EMCC_NONE);
	has_not("<" PROV_EMCC_EL ">");
	snprintf(cnf.temp_tftp[0], sizeof(cnf.temp_tftp[0]), "not checked here");
	render_ok();
	has_not("<" PROV_EMCC_EL ">");
	assert_int_equal(view.features.nlines, 2);
	assert_string_equal(view.features.lines[0].dn, "2001");
	assert_int_equal(view.features.nspeed_dials, 2);
	assert_string_equal(view.features.services[0].url, EM_URL(VISITING));
	assert_string_equal(view.user_id, "adgjm");
	has("<secureServicesURL>https://" HOME
	    ":8443/ccmcip/getservicesmenu.jsp</secureServicesURL>");
}

/* ---- exact elements ---- */

static void test_exact_elements(void **state)
{
	em_login(&cnf);
	render_ok();
	static const char head[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device xsi:type=\"axl:XIPPhone\" "
	    "ctiid=\"548\" uuid=\"{7fe8bd6e-3d42-4ad5-1d1b-cfcb53bdc717}\">\n"
	    "<fullConfig>true</fullConfig>\n<deviceProtocol>SIP</deviceProtocol>\n";
	assert_int_equal(strncmp(out.data, head, strlen(head)), 0);
	has("<phoneService type=\"0\" category=\"0\">\n<name>Extension "
	    "Mobility</name>\n" EM_URL_XML(
		VISITING) "\n<vendor></vendor>\n<version></version>\n</phoneService>\n");
	has("<url>http://192.168.7.5/weather?city=Lyon&amp;units=metric</url>");
	has("<line button=\"1\" lineIndex=\"1\">\n<featureID>9</featureID>\n"
	    "<featureLabel>adgjm 2001</featureLabel>\n<proxy>USECALLMANAGER</proxy>\n"
	    "<port>5060</port>\n<name>2001</name>\n<displayName>A. User</displayName>\n");
	has("<line button=\"2\" lineIndex=\"2\">\n<featureID>9</featureID>\n");
	has("<line button=\"3\">\n<featureID>2</featureID>\n<featureLabel>Help "
	    "desk</featureLabel>\n"
	    "<speedDialNumber>40384</speedDialNumber>\n<speedDialIndex>1</speedDialIndex>\n</"
	    "line>\n");
	has("<line button=\"4\">\n<featureID>2</featureID>\n");
	has("<member priority=\"0\">\n<callManager>\n<name>" VISITING "</name>\n");
	has("<ports>\n<ethernetPhonePort>2000</ethernetPhonePort>\n<sipPort>5060</sipPort>\n"
	    "<securedSipPort>5061</securedSipPort>\n<mgcpPorts>\n<listen>2427</listen>\n"
	    "<keepAlive>2428</keepAlive>\n</mgcpPorts>\n</ports>\n");
	has("<TVS>\n<members>\n<member priority=\"0\">\n<port>2445</port>\n<address>" VISITING
	    "</address>\n</member>\n</members>\n</TVS>\n");
	has("<backupProxy>USECALLMANAGER</backupProxy>\n");
	has("<sipInviteRetx>6</sipInviteRetx>\n<sipRetx>10</sipRetx>\n");
	has("<timerRegisterExpires>3600</timerRegisterExpires>\n");
	has("<remotePartyID>true</remotePartyID>\n<userInfo>None</userInfo>\n");
	has("<softKeyFile>SKb0ec918f-b9ee-994b-57ae-345883c1fde8.xml</softKeyFile>\n");
	has("<loadInformation model=\"Cisco 7821\">sip78xx.12-1-1-12</loadInformation>\n");
	has("<versionStamp>1552156347-145cec2d-3b45-430f-acaf-d79657a15c58</versionStamp>\n");
	/* a locale whose CUCM uid and version no public source gives: written empty */
	has("<userLocale>\n<name>French_France</name>\n<uid></uid>\n<langCode>fr_FR</langCode>\n"
	    "<version></version>\n<winCharSet>utf-8</winCharSet>\n</userLocale>\n");
	has("<networkLocale>United_States</networkLocale>\n<networkLocaleInfo>\n"
	    "<name>United_States</name>\n<uid>64</uid>\n<version>11.0.0.0(1)</version>\n"
	    "</networkLocaleInfo>\n");
	has("<deviceSecurityMode>1</deviceSecurityMode>\n");
	has("<transportLayerProtocol>4</transportLayerProtocol>\n");
	has("<directoryURL>http://" VISITING ":8080/ccmcip/xmldirectory.jsp</directoryURL>\n");
	has("<informationURL>http://" VISITING
	    ":8080/ccmcip/GetTelecasterHelpText.jsp</informationURL>\n");
	has("<idleURL></idleURL>\n");
	has("<proxyServerURL></proxyServerURL>\n");
	has("<secureAuthenticationURL>https://" VISITING
	    ":8443/ccmcip/authenticate.jsp</secureAuthenticationURL>\n");
	has("<userId>adgjm</userId>\n");
	/* CUCM's standard services first, in a real file's order, then EM, then the profile's */
	const char *missed = strstr(out.data, "<phoneServices useHTTPS=\"false\">\n"
					      "<provisioning>0</provisioning>\n"
					      "<phoneService type=\"1\" category=\"0\">\n"
					      "<name>Missed Calls</name>\n"
					      "<url>Application:Cisco/MissedCalls</url>\n");
	const char *vm =
	    strstr(out.data, "<phoneService type=\"2\" category=\"0\">\n<name>Voicemail"
			     "</name>\n<url>Application:Cisco/Voicemail</url>");
	const char *corp = strstr(out.data, "<name>Corporate Directory</name>\n"
					    "<url>Application:Cisco/CorporateDirectory</url>");
	const char *em = strstr(out.data, "<name>Extension Mobility</name>");
	const char *weather = strstr(out.data, "<name>Weather</name>");
	assert_non_null(missed);
	assert_non_null(vm);
	assert_non_null(corp);
	assert_true(missed < vm && vm < corp && corp < em && em < weather);
	has("<name>Received Calls</name>\n<url>Application:Cisco/ReceivedCalls</url>");
	has("<name>Placed Calls</name>\n<url>Application:Cisco/PlacedCalls</url>");
	has("<name>Personal Directory</name>\n<url>Application:Cisco/PersonalDirectory</url>");
	/* one element per line: every '<' but the first starts a line */
	assert_true(out.len > 0 && out.data[out.len - 1] == '\n');
}

/* dateTimeSetting's NTP server, the locale details and transportLayerProtocol. */
static void test_time_locale_transport(void **state)
{
	logged_out(&cnf);
	render_ok();
	has("<olsonTimeZone>Etc/GMT</olsonTimeZone>\n</dateTimeSetting>\n"); /* no NTP: no <ntps> */
	snprintf(cnf.ntp_server, sizeof(cnf.ntp_server), "192.168.7.1");
	render_ok();
	has("<olsonTimeZone>Etc/GMT</olsonTimeZone>\n<ntps>\n<ntp>\n<name>192.168.7.1</name>\n"
	    "<nameV6></nameV6>\n<ntpMode>Unicast</ntpMode>\n</ntp>\n</ntps>\n"
	    "</dateTimeSetting>\n<callManagerGroup>\n");
	parse_ok(out.data, out.len);
	assert_string_equal(view.ntp_server, "192.168.7.1");
	snprintf(cnf.ntp_server, sizeof(cnf.ntp_server), "2001:db8::123");
	render_ok();
	has("<ntp>\n<name></name>\n<nameV6>2001:db8::123</nameV6>\n");
	parse_ok(out.data, out.len);
	assert_string_equal(view.ntp_server, "2001:db8::123");
	snprintf(cnf.ntp_server, sizeof(cnf.ntp_server), "ntp.example.org");
	render_ok();
	has("<name>ntp.example.org</name>");
	snprintf(cnf.ntp_server, sizeof(cnf.ntp_server), "ntp/x");
	assert_int_equal(prov_cnf_render(&out, &cnf), EINVAL);

	/* English_United_States as a real CUCM file writes it; the language code from the table
	 * when the caller has none */
	logged_out(&cnf);
	cnf.lang_code[0] = '\0';
	render_ok();
	has("<userLocale>\n<name>English_United_States</name>\n<uid>1</uid>\n"
	    "<langCode>en_US</langCode>\n<version>11.0.0.0(1)</version>\n"
	    "<winCharSet>iso-8859-1</winCharSet>\n</userLocale>\n");
	/* a locale nobody knows: its name, nothing made up */
	snprintf(cnf.user_locale, sizeof(cnf.user_locale), "Klingon_Empire");
	snprintf(cnf.network_locale, sizeof(cnf.network_locale), "Qonos");
	render_ok();
	has("<userLocale>\n<name>Klingon_Empire</name>\n<uid></uid>\n<langCode></langCode>\n"
	    "<version></version>\n<winCharSet>utf-8</winCharSet>\n</userLocale>\n"
	    "<networkLocale>Qonos</networkLocale>\n<networkLocaleInfo>\n<name>Qonos</name>\n"
	    "<uid></uid>\n<version></version>\n</networkLocaleInfo>\n");

	/* transportLayerProtocol: what the caller says our listeners offer, 4 by default */
	static const struct {
		int transport;
		const char *el;
	} tp[] = {
	    {PROV_TRANSPORT_DEFAULT, "<transportLayerProtocol>4</transportLayerProtocol>"},
	    {PROV_TRANSPORT_TCP, "<transportLayerProtocol>1</transportLayerProtocol>"},
	    {PROV_TRANSPORT_UDP, "<transportLayerProtocol>2</transportLayerProtocol>"},
	    {PROV_TRANSPORT_TLS, "<transportLayerProtocol>3</transportLayerProtocol>"},
	    {PROV_TRANSPORT_TCP_UDP, "<transportLayerProtocol>4</transportLayerProtocol>"},
	};
	for (size_t i = 0; i < sizeof(tp) / sizeof(tp[0]); i++) {
		logged_out(&cnf);
		cnf.transport = tp[i].transport;
		render_ok();
		has(tp[i].el);
	}
	cnf.transport = 5;
	assert_int_equal(prov_cnf_render(&out, &cnf), EINVAL);
	cnf.transport = -1;
	assert_int_equal(prov_cnf_render(&out, &cnf), EINVAL);
}

/* Lines keep their button numbers (gaps and input order included); speed dials follow the
 * highest line, in speed-dial index order. */
static void test_button_numbering(void **state)
{
	logged_out(&cnf);
	memset(&cnf.features, 0, sizeof(cnf.features));
	add_line(&cnf.features, 3, "3003", "three", "");
	add_line(&cnf.features, 1, "1001", "one", "");
	add_speed_dial(&cnf.features, 7, "777", "seven");
	add_speed_dial(&cnf.features, 2, "222", "two");
	render_ok();
	const char *l1 = strstr(out.data, "<line button=\"1\" lineIndex=\"1\">");
	const char *l3 = strstr(out.data, "<line button=\"3\" lineIndex=\"3\">");
	const char *s4 = strstr(out.data, "<line button=\"4\">\n<featureID>2</featureID>\n"
					  "<featureLabel>two</featureLabel>");
	const char *s5 = strstr(out.data, "<line button=\"5\">\n<featureID>2</featureID>\n"
					  "<featureLabel>seven</featureLabel>");
	assert_non_null(l1);
	assert_non_null(l3);
	assert_non_null(s4);
	assert_non_null(s5);
	assert_true(l1 < l3 && l3 < s4 && s4 < s5);
	has("<speedDialIndex>7</speedDialIndex>");
	parse_ok(out.data, out.len);
	assert_int_equal(view.features.nlines, 2);
	assert_int_equal(view.features.lines[0].index, 1);
	assert_int_equal(view.features.lines[1].index, 3);
	assert_int_equal(view.features.speed_dials[0].index, 4);
	assert_string_equal(view.features.speed_dials[0].number, "222");
	assert_int_equal(view.features.speed_dials[1].index, 5);
}

static void test_defaults_and_ports(void **state)
{
	logged_out(&cnf);
	cnf.sip_port = 5070;
	cnf.tvs_port = 12445;
	cnf.http_port = 18080;
	cnf.https_port = 18443;
	cnf.security_mode = 3;
	snprintf(cnf.node, sizeof(cnf.node), "2001:db8::7");
	snprintf(cnf.tvs_address, sizeof(cnf.tvs_address), "tvs.example.org");
	cnf.uuid[0] = '\0';
	cnf.softkey_uuid[0] = '\0';
	cnf.device_pool[0] = '\0';
	snprintf(cnf.cm_group, sizeof(cnf.cm_group), "Prefer Sub then Pub");
	render_ok();
	has("<devicePool>\n<revertPriority>0</revertPriority>\n<name>Default</name>\n");
	has("<callManagerGroup>\n<name>Prefer Sub then "
	    "Pub</name>\n<tftpDefault>true</tftpDefault>\n");
	has("<device xsi:type=\"axl:XIPPhone\" ctiid=\"548\">\n");
	has("<softKeyFile></softKeyFile>\n");
	has("<servicesURL>http://[2001:db8::7]:18080/ccmcip/getservicesmenu.jsp</servicesURL>");
	has("<secureServicesURL>https://[2001:db8::7]:18443/ccmcip/getservicesmenu.jsp</"
	    "secureServicesURL>");
	has("<url>http://[2001:db8::7]:18080/emapp/"
	    "EMAppServlet?device=#DEVICENAME#&amp;EMCC=#EMCC#</url>");
	has("<backupProxyPort>5070</backupProxyPort>");
	has("<port>5070</port>\n<name>1000</name>");
	parse_ok(out.data, out.len);
	assert_int_equal(view.sip_port, 5070);
	assert_int_equal(view.tvs_port, 12445);
	assert_string_equal(view.tvs_address, "tvs.example.org");
	assert_int_equal(view.security_mode, 3);

	/* cm_name defaults to the address */
	has("<callManager>\n<name>" VISITING "</name>\n");
}

/* ---- escaping ---- */

static void test_hostile_labels(void **state)
{
	static const char *const hostile[] = {
	    "<script>alert(1)</script>", "Tom & Jerry \"quoted\" 'single'",
	    "x'); DROP TABLE lines;--",	 "]]><!-- --><![CDATA[x]]>",
	    "&amp; &#60; &lt;",		 "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x9E",
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		logged_out(&cnf);
		snprintf(cnf.features.lines[0].label, sizeof(cnf.features.lines[0].label), "%s",
			 hostile[i]);
		snprintf(cnf.features.lines[0].display, sizeof(cnf.features.lines[0].display), "%s",
			 hostile[i]);
		snprintf(cnf.cm_description, sizeof(cnf.cm_description), "%s", hostile[i]);
		snprintf(cnf.model, sizeof(cnf.model), "%s", hostile[i]);
		snprintf(cnf.user_id, sizeof(cnf.user_id), "%s", hostile[i]);
		add_speed_dial(&cnf.features, 1, hostile[i], hostile[i]);
		add_service(&cnf.features, hostile[i], hostile[i]);
		render_ok();
		has_not("<script>");
		has_not("<!--");
		has_not("<![CDATA[");
		parse_ok(out.data, out.len);
		assert_string_equal(view.features.lines[0].label, hostile[i]);
		assert_string_equal(view.features.lines[0].display, hostile[i]);
		assert_string_equal(view.features.speed_dials[0].number, hostile[i]);
		assert_string_equal(view.features.services[1].name, hostile[i]);
		assert_string_equal(view.features.services[1].url, hostile[i]);
		assert_string_equal(view.load_model, hostile[i]);
		assert_string_equal(view.user_id, hostile[i]);
	}
	logged_out(&cnf);
	snprintf(cnf.features.lines[0].label, sizeof(cnf.features.lines[0].label), "a&b<c>\"d\"");
	render_ok();
	has("<featureLabel>a&amp;b&lt;c&gt;&quot;d&quot;</featureLabel>");
}

/* Bytes that cannot be carried in XML (or would come back changed) are refused, not sent. */
static void test_unrenderable_text(void **state)
{
	static const char *const bad[] = {
	    "tab\there", "new\nline",	 "cr\rhere",	 "bell\x07",	 "\xC3",
	    "\xC0\xAF",	 "\xED\xA0\x80", "\xEF\xBF\xBE", "\xEF\xBF\xBF",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		logged_out(&cnf);
		snprintf(cnf.features.lines[0].label, sizeof(cnf.features.lines[0].label), "%s",
			 bad[i]);
		buf_reset(&out);
		buf_puts(&out, "kept");
		assert_int_equal(prov_cnf_render(&out, &cnf), EINVAL);
		assert_string_equal(out.data, "kept"); /* nothing appended */
	}
}

/* ---- limits and bad input to the renderer ---- */

static void expect_einval(const char *what)
{
	buf_reset(&out);
	int rc = prov_cnf_render(&out, &cnf);
	if (rc != EINVAL)
		fail_msg("%s: expected EINVAL, got %d", what, rc);
	assert_int_equal(out.len, 0);
}

static void test_render_limits(void **state)
{
	logged_out(&cnf);
	memset(&cnf.features, 0, sizeof(cnf.features));
	for (int i = 1; i <= LIM_LINES; i++) {
		char dn[16];
		snprintf(dn, sizeof(dn), "%d", 1000 + i);
		add_line(&cnf.features, i, dn, dn, "");
	}
	for (int i = 1; i <= LIM_SPEED_DIALS; i++)
		add_speed_dial(&cnf.features, i, "5555", "sd");
	for (int i = 1; i <= LIM_SERVICES; i++)
		add_service(&cnf.features, "svc", "http://x/");
	render_ok(); /* exactly at every maximum */
	/* EM + 32 of the profile's cannot all fit a view: the phone's parser says so */
	assert_int_equal(prov_cnf_parse(out.data, out.len, &view, why, sizeof(why)), EINVAL);
	assert_non_null(strstr(why, "more than 32 phone services"));
	cnf.features.nservices--;
	render_ok();
	parse_ok(out.data, out.len);
	assert_int_equal(view.features.nlines, LIM_LINES);
	assert_int_equal(view.features.nspeed_dials, LIM_SPEED_DIALS);
	assert_int_equal(view.features.speed_dials[LIM_SPEED_DIALS - 1].index,
			 LIM_LINES + LIM_SPEED_DIALS);
	assert_int_equal(view.features.nservices, LIM_SERVICES);
	cnf.features.nservices++;

	cnf.features.nlines = LIM_LINES + 1;
	expect_einval("too many lines");
	cnf.features.nlines = LIM_LINES;
	cnf.features.nspeed_dials = LIM_SPEED_DIALS + 1;
	expect_einval("too many speed dials");
	cnf.features.nspeed_dials = LIM_SPEED_DIALS;
	cnf.features.nservices = LIM_SERVICES + 1;
	expect_einval("too many services");
}

static void test_render_refusals(void **state)
{
	logged_out(&cnf);
	add_line(&cnf.features, 1, "1001", "dup", "");
	expect_einval("duplicate line index");
	logged_out(&cnf);
	cnf.features.lines[0].index = 0;
	expect_einval("line index 0");
	cnf.features.lines[0].index = LIM_LINES + 1;
	expect_einval("line index past the maximum");
	logged_out(&cnf);
	cnf.features.lines[0].dn[0] = '\0';
	expect_einval("empty DN");
	logged_out(&cnf);
	add_speed_dial(&cnf.features, 1, "1", "a");
	add_speed_dial(&cnf.features, 1, "2", "b");
	expect_einval("duplicate speed dial index");
	logged_out(&cnf);
	add_speed_dial(&cnf.features, 1, "", "a");
	expect_einval("empty speed dial number");
	logged_out(&cnf);
	add_service(&cnf.features, "", "http://x/");
	expect_einval("service without a name");

	static const char *const bad_devices[] = {"",	     "../etc/passwd", "SEP/1", "a..b",
						  ".hidden", "SEP 1",	      "SEP1.", "SEP%2F"};
	for (size_t i = 0; i < sizeof(bad_devices) / sizeof(bad_devices[0]); i++) {
		logged_out(&cnf);
		snprintf(cnf.device, sizeof(cnf.device), "%s", bad_devices[i]);
		expect_einval(bad_devices[i]);
	}
	logged_out(&cnf);
	memset(cnf.device, 'A', sizeof(cnf.device)); /* not NUL-terminated */
	expect_einval("unterminated device");
	logged_out(&cnf);
	cnf.version_stamp[0] = '\0';
	expect_einval("no versionStamp");
	logged_out(&cnf);
	cnf.cm_address[0] = '\0';
	expect_einval("no call manager");
	logged_out(&cnf);
	cnf.node[0] = '\0';
	expect_einval("no node");
	logged_out(&cnf);
	snprintf(cnf.node, sizeof(cnf.node), "evil.example/x?");
	expect_einval("node with a path");
	logged_out(&cnf);
	snprintf(cnf.em_node, sizeof(cnf.em_node), "user@host");
	expect_einval("em_node with userinfo");
	logged_out(&cnf);
	snprintf(cnf.cm_address, sizeof(cnf.cm_address), "a b");
	expect_einval("address with a space");
	logged_out(&cnf);
	cnf.sip_port = 65536;
	expect_einval("sip port");
	logged_out(&cnf);
	cnf.tvs_port = -1;
	expect_einval("tvs port");
	logged_out(&cnf);
	cnf.security_mode = 4;
	expect_einval("security mode");
	logged_out(&cnf);
	cnf.ctiid = -5;
	expect_einval("ctiid");
	logged_out(&cnf);
	cnf.emcc = 3;
	expect_einval("emcc");
	logged_out(&cnf);
	cnf.load[0] = '\0';
	expect_einval("enforced without a load");
	cnf.load_enforced = 0;
	render_ok();
	logged_out(&cnf);
	snprintf(cnf.uuid, sizeof(cnf.uuid), "\"><x y=\"");
	expect_einval("uuid");
	logged_out(&cnf);
	snprintf(cnf.softkey_uuid, sizeof(cnf.softkey_uuid), "../../x");
	expect_einval("softkey uuid");
}

/* ---- the parser on a file shaped like real CUCM output ---- */

/* Trimmed by hand from the element structure of reference section 4.2: CUCM's double spaces
 * before attributes, the undeclared xsi prefix, elements we do not read, a BLF line, Cisco's
 * built-in services, two call managers (the lower priority wins), an empty processNodeName on
 * the chosen one (its name is the address), CDATA and a comment inside a value. */
static const char real_like[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<device  xsi:type=\"axl:XIPPhone\" ctiid=\"548\" "
    "uuid=\"{7fe8bd6e-3d42-4ad5-1d1b-cfcb53bdc717}\">\n"
    "<fullConfig>true</fullConfig>\n"
    "<portalDefaultServer>64.73.32.133</portalDefaultServer>\n"
    "<deviceProtocol>SIP</deviceProtocol>\n"
    "<sshUserId></sshUserId>\n"
    "<tzdata>\n<tzolsonversion>2018c</tzolsonversion>\n<tzupdater>tzupdater.jar</tzupdater>\n</"
    "tzdata>\n"
    "<devicePool  uuid=\"{c858bf9a-9a77-4961-9b76-ff209c886452}\">\n"
    "<revertPriority>0</revertPriority>\n"
    "<name>BDK106 non-SRST Phones</name>\n"
    "<dateTimeSetting  uuid=\"{5811a6e6-9a74-37cc-e03c-5eb7970e9a23}\">\n"
    "<name>Central</name>\n<dateTemplate>M/D/YA</dateTemplate>\n"
    "<ntps>\n<ntp>\n<name>10.89.174.1</name>\n<nameV6></nameV6>\n<ntpMode>Unicast</ntpMode>\n</"
    "ntp>\n</ntps>\n"
    "</dateTimeSetting>\n"
    "<callManagerGroup>\n"
    "<name>Prefer Sub then Pub</name>\n"
    "<tftpDefault>false</tftpDefault>\n"
    "<members>\n"
    "<member  priority=\"1\">\n<callManager>\n<name>64.73.32.132</name>\n"
    "<description>democm01 (Publisher)</description>\n"
    "<ports>\n<ethernetPhonePort>2000</ethernetPhonePort>\n<sipPort>5060</sipPort>\n</ports>\n"
    "<processNodeName>64.73.32.132</processNodeName>\n</callManager>\n</member>\n"
    "<member  priority=\"0\">\n<callManager>\n<name>democm02.ucalpha.com</name>\n"
    "<description>democm02 (Subscriber)</description>\n"
    "<ports>\n<ethernetPhonePort>2000</ethernetPhonePort>\n<sipPort>5062</sipPort>\n"
    "<securedSipPort>5061</securedSipPort>\n"
    "<mgcpPorts>\n<listen>2427</listen>\n<keepAlive>2428</keepAlive>\n</mgcpPorts>\n</ports>\n"
    "<processNodeName></processNodeName>\n</callManager>\n</member>\n"
    "</members>\n"
    "</callManagerGroup>\n"
    "<srstInfo  uuid=\"{cd241e11-4a58-4d3d-9661-f06c912a18a3}\">\n<name>Disable</name>\n"
    "<srstOption>Disable</srstOption>\n<ipAddr1></ipAddr1>\n<port1>2000</port1>\n</srstInfo>\n"
    "<connectionMonitorDuration>120</connectionMonitorDuration>\n"
    "</devicePool>\n"
    "<TVS>\n<members>\n<member  "
    "priority=\"0\">\n<port>2445</port>\n<address>64.73.32.133</address>\n"
    "</member>\n</members>\n</TVS>\n"
    "<sipProfile>\n"
    "<sipProxies>\n<backupProxy>USECALLMANAGER</backupProxy>\n<backupProxyPort>5060</"
    "backupProxyPort>\n"
    "</sipProxies>\n"
    "<sipStack>\n<sipInviteRetx>6</sipInviteRetx>\n</sipStack>\n"
    "<dtmfAvtPayload>101</dtmfAvtPayload>\n"
    "<sipLines>\n"
    "<line  button=\"1\" lineIndex=\"1\">\n<featureID>9</featureID>\n"
    "<featureLabel>BDK106 7821 40361</featureLabel>\n<proxy>USECALLMANAGER</proxy>\n"
    "<port>5060</port>\n<name>40361</name>\n<displayName><![CDATA[BDK106 & 7821]]></displayName>\n"
    "<autoAnswer>\n<autoAnswerEnabled>2</autoAnswerEnabled>\n</autoAnswer>\n"
    "<callWaiting>3</callWaiting>\n<sharedLine>true</sharedLine>\n"
    "<contact>6270f0fa-80fe-b49f-7ad3-e61eb3cf9a16</contact>\n"
    "<forwardCallInfoDisplay>\n<callerName>true</callerName>\n</forwardCallInfoDisplay>\n"
    "<maxNumCalls>4</maxNumCalls>\n<busyTrigger>2</busyTrigger>\n</line>\n"
    "<line  button=\"2\">\n<featureID>2</featureID>\n<featureLabel></featureLabel>\n"
    "<speedDialNumber>40<!-- split "
    "-->384</speedDialNumber>\n<speedDialIndex>1</speedDialIndex>\n</line>\n"
    "<line  button=\"3\">\n<featureID>21</featureID>\n<featureLabel>BLF</featureLabel>\n"
    "<blfSpeedDialNumber>40999</blfSpeedDialNumber>\n</line>\n"
    "</sipLines>\n"
    "<dscpForAudio  tcl=\"conversational.audio.aq:admitted\">184</dscpForAudio>\n"
    "<softKeyFile>SKa9bea76c-2993-07f8-9c8f-07e996ec91d4.xml</softKeyFile>\n"
    "</sipProfile>\n"
    "<commonProfile>\n<phonePassword></phonePassword>\n</commonProfile>\n"
    "<loadInformation>sip78xx.12-5-1SR2-2</loadInformation>\n"
    "<inactiveLoadInformation></inactiveLoadInformation>\n"
    "<vendorConfig>\n<disableSpeaker>false</disableSpeaker><pcPort>0</pcPort></vendorConfig>\n"
    "<commonConfig>\n<sshAccess>1</sshAccess></commonConfig>\n"
    "<versionStamp>1555108264-18843a73-f9e1-4a3b-99bb-86295a710462</versionStamp>\n"
    "<userLocale>\n<name>English_United_States</name>\n<uid>1</uid>\n<langCode>en_US</langCode>\n"
    "<version>11.0.0.0(1)</version>\n<winCharSet>iso-8859-1</winCharSet>\n</userLocale>\n"
    "<networkLocale>United_States</networkLocale>\n"
    "<deviceSecurityMode>1</deviceSecurityMode>\n"
    "<authenticationURL>http://democm01.ucalpha.com:8080/ccmcip/authenticate.jsp</"
    "authenticationURL>\n"
    "<transportLayerProtocol>4</transportLayerProtocol>\n"
    "<capfList>\n<capf>\n<phonePort>3804</phonePort>\n<processNodeName></processNodeName>\n</"
    "capf>\n</capfList>\n"
    "<userId  serviceProfileFile=\"SPDefault.cnf.xml\">bdk106</userId>\n"
    "<phoneServices  useHTTPS=\"true\">\n<provisioning>0</provisioning>\n"
    "<phoneService  type=\"1\" category=\"0\">\n<name>Missed Calls</name>\n"
    "<url>Application:Cisco/MissedCalls</url>\n<vendor></vendor>\n<version></version>\n</"
    "phoneService>\n"
    "<phoneService  type=\"0\" category=\"0\">\n<name>Extension Mobility</name>\n"
    "<url>http://10.89.174.10:8080/emapp/EMAppServlet?device=#DEVICENAME#&amp;EMCC=#EMCC#</url>\n"
    "<vendor></vendor>\n<version></version>\n</phoneService>\n"
    "</phoneServices>\n"
    "</device>\n";

static void test_parse_real_like(void **state)
{
	parse_ok(real_like, strlen(real_like));
	assert_string_equal(view.version_stamp, "1555108264-18843a73-f9e1-4a3b-99bb-86295a710462");
	assert_string_equal(view.protocol, "SIP");
	assert_string_equal(view.cm_address, "democm02.ucalpha.com");
	assert_int_equal(view.sip_port, 5062);
	assert_int_equal(view.tftp_default, 0);
	assert_string_equal(view.tvs_address, "64.73.32.133");
	assert_int_equal(view.tvs_port, 2445);
	assert_int_equal(view.features.nlines, 1);
	assert_int_equal(view.features.lines[0].index, 1);
	assert_string_equal(view.features.lines[0].dn, "40361");
	assert_string_equal(view.features.lines[0].label, "BDK106 7821 40361");
	assert_string_equal(view.features.lines[0].display, "BDK106 & 7821");
	assert_int_equal(view.features.nspeed_dials, 1); /* the BLF (21) is skipped */
	assert_int_equal(view.features.speed_dials[0].index, 2);
	assert_string_equal(view.features.speed_dials[0].number, "40384");
	assert_string_equal(view.features.speed_dials[0].label, "");
	/* Missed Calls is the phone's own application: counted, not listed */
	assert_int_equal(view.features.nservices, 1);
	assert_int_equal(view.builtin_services, 1);
	assert_int_equal(view.services_provisioning, 0);
	assert_string_equal(
	    view.features.services[0].url,
	    "http://10.89.174.10:8080/emapp/EMAppServlet?device=#DEVICENAME#&EMCC=#EMCC#");
	assert_string_equal(view.ntp_server, "10.89.174.1");
	assert_int_equal(view.transport, 4);
	assert_string_equal(view.network_locale, "United_States");
	assert_string_equal(view.softkey_file, "SKa9bea76c-2993-07f8-9c8f-07e996ec91d4.xml");
	assert_string_equal(view.user_locale, "English_United_States");
	assert_string_equal(view.lang_code, "en_US");
	assert_int_equal(view.security_mode, 1);
	assert_string_equal(view.load, "sip78xx.12-5-1SR2-2");
	assert_string_equal(view.load_model, "");
	assert_string_equal(view.user_id, "bdk106");
	assert_int_equal(view.emcc, PROV_EMCC_NONE);

	/* a BOM and pretty-printing around values are fine too */
	static const char pretty[] =
	    "\xEF\xBB\xBF<device>\n  <versionStamp>\n    1-2\n  </versionStamp>\n"
	    "  <deviceSecurityMode> 2 </deviceSecurityMode>\n</device>\n";
	parse_ok(pretty, strlen(pretty));
	assert_string_equal(view.version_stamp, "1-2");
	assert_int_equal(view.security_mode, 2);
	assert_int_equal(view.tftp_default, -1);
	assert_string_equal(view.cm_address, "");
	assert_int_equal(view.features.nlines, 0);
}

static void refused(const char *xml, size_t len, const char *what)
{
	memset(&view, 0x5A, sizeof(view));
	int rc = prov_cnf_parse(xml, len, &view, why, sizeof(why));
	if (rc != EINVAL || !strstr(why, what))
		fail_msg("expected EINVAL with \"%s\"; got %d \"%s\"", what, rc, why);
	assert_string_equal(view.version_stamp, ""); /* nothing half-filled */
	assert_int_equal(view.features.nlines, 0);
	assert_int_equal(view.tftp_default, -1);
}

#define REFUSED(xml, what) refused((xml), strlen(xml), (what))

static void test_parse_refusals(void **state)
{
	REFUSED("", "empty");
	assert_int_equal(prov_cnf_parse(NULL, 0, &view, NULL, 0), EINVAL);
	REFUSED("<device><versionStamp>\xC3\x28</versionStamp></device>", "not valid UTF-8");
	REFUSED("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><device/>", "ISO-8859-1");
	REFUSED("<?xml version=\"1.0\"?>\n<!DOCTYPE device [<!ENTITY a \"aaaa\"><!ENTITY b "
		"\"&a;&a;\">]>"
		"<device><versionStamp>&b;</versionStamp></device>",
		"entity declarations are not allowed");
	REFUSED("<!DOCTYPE device SYSTEM \"file:///etc/passwd\"><device/>", "external identifier");
	REFUSED("<!DOCTYPE device [<!ELEMENT device ANY>]><device/>", "DTD declarations");
	REFUSED("<device><versionStamp>&xxe;</versionStamp></device>", "xxe");
	REFUSED("<device><versionStamp>1</versionStamp>", "line 1");
	REFUSED("<config><versionStamp>1</versionStamp></config>", "root element must be <device>");
	REFUSED("<device><versionStamp><b>1</b></versionStamp></device>", "must hold text");
	REFUSED("<device><versionStamp>1555108264-18843a73-f9e1-4a3b-99bb-86295a710462-and-a-good-"
		"deal-more"
		"</versionStamp></device>",
		"too long");
	REFUSED(
	    "<device><devicePool><callManagerGroup><members><member priority=\"0\"><callManager>"
	    "<ports><sipPort>70000</sipPort></ports></callManager></member></members>"
	    "</callManagerGroup></devicePool></device>",
	    "<sipPort> must be a number");
	REFUSED("<device><devicePool><callManagerGroup><members><member priority=\"x\"/></members>"
		"</callManagerGroup></devicePool></device>",
		"priority");
	REFUSED("<device><devicePool><callManagerGroup><tftpDefault>maybe</tftpDefault>"
		"</callManagerGroup></devicePool></device>",
		"tftpDefault");
	REFUSED("<device><TVS><members><member><port>-1</port></member></members></TVS></device>",
		"<port> must be a number");
	REFUSED("<device><deviceSecurityMode>9</deviceSecurityMode></device>",
		"deviceSecurityMode");
	REFUSED("<device><sipProfile><sipLines><line><featureID>9</featureID></line></sipLines>"
		"</sipProfile></device>",
		"button");
	REFUSED("<device><emccProperties><emcc_mode>2</emcc_mode></emccProperties></device>",
		"emcc_mode");
	REFUSED("<device><emccProperties><override>yes</override></emccProperties></device>",
		"override");
	REFUSED("<device><emccProperties><tempTftp2>cucm.example</tempTftp2></emccProperties>"
		"</device>",
		"<tempTftp2> must be an IP address");
	REFUSED("<device><emccProperties><vEM-IP>visiting</vEM-IP></emccProperties></device>",
		"vEM-IP");
	REFUSED("<device><emccProperties><vEM-Port>0</vEM-Port></emccProperties></device>",
		"vEM-Port");
	REFUSED("<device><transportLayerProtocol>5</transportLayerProtocol></device>",
		"transportLayerProtocol");
	REFUSED("<device><phoneServices><provisioning>3</provisioning></phoneServices></device>",
		"provisioning");
	static const char nul[] = "<device><versionStamp>1\0002</versionStamp></device>";
	refused(nul, sizeof(nul) - 1, "not valid UTF-8");

	/* more lines than a view holds */
	struct buf big;
	buf_init(&big);
	buf_puts(&big, "<device><sipProfile><sipLines>");
	for (int i = 1; i <= LIM_LINES + 1; i++)
		buf_printf(&big,
			   "<line button=\"%d\"><featureID>9</featureID><name>%d</name></line>", i,
			   i);
	buf_puts(&big, "</sipLines></sipProfile></device>");
	refused(big.data, big.len, "more than 64 lines");

	/* the phone's 2048 KB cap: one byte over is refused before libxml2 sees it */
	static char pad[PROV_CNF_MAX_DOC];
	buf_reset(&big);
	buf_puts(&big, "<device>");
	size_t fill = PROV_CNF_MAX_DOC - strlen("<device></device>");
	memset(pad, ' ', fill);
	buf_append(&big, pad, fill);
	buf_puts(&big, "</device>");
	assert_int_equal(big.len, PROV_CNF_MAX_DOC);
	parse_ok(big.data, big.len);
	buf_puts(&big, " ");
	refused(big.data, big.len, "too large");
	buf_free(&big);
}

/* ---- versionStamp ---- */

static void test_version_stamp(void **state)
{
	/* a real file's stamp renders and comes back */
	logged_out(&cnf);
	snprintf(cnf.version_stamp, sizeof(cnf.version_stamp), "%s",
		 "1552156347-145cec2d-3b45-430f-acaf-d79657a15c58");
	render_ok();
	parse_ok(out.data, out.len);
	assert_string_equal(view.version_stamp, cnf.version_stamp);
}

/* ---- file names ---- */

static void name_ok(const char *name, const char *device, int is_signed)
{
	char dev[LIM_ID_MAX];
	int sgn = -1;
	int rc = prov_device_from_file_name(name, strlen(name), dev, sizeof(dev), &sgn);
	if (rc != 0)
		fail_msg("%s refused: %d", name, rc);
	assert_string_equal(dev, device);
	assert_int_equal(sgn, is_signed);
	char back[LIM_ID_MAX + 16];
	assert_int_equal(prov_cnf_file_name(back, sizeof(back), dev, sgn), 0);
	assert_string_equal(back, name);
}

static void name_refused(const char *name, size_t len)
{
	char dev[LIM_ID_MAX];
	int rc = prov_device_from_file_name(name, len, dev, sizeof(dev), NULL);
	if (rc != EINVAL)
		fail_msg("%.*s accepted or wrong code: %d", (int)len, name, rc);
}

static void test_file_names(void **state)
{
	name_ok("SEPC80084AA8743.cnf.xml", "SEPC80084AA8743", 0);
	name_ok("SEPC80084AA8743.cnf.xml.sgn", "SEPC80084AA8743", 1);
	name_ok("BOT_user-1.cnf.xml", "BOT_user-1", 0);
	name_ok("a.b.cnf.xml", "a.b", 0);

	static const char *const bad[] = {
	    "",
	    ".cnf.xml",
	    ".cnf.xml.sgn",
	    "SEPC80084AA8743",
	    "SEPC80084AA8743.cnf",
	    "SEPC80084AA8743.xml",
	    "SEPC80084AA8743.CNF.XML",
	    "SEPC80084AA8743.cnf.XML",
	    "SEPC80084AA8743.cnf.xml.SGN",
	    "SEPC80084AA8743.cnf.xml.sgn.sgn",
	    "SEPC80084AA8743.cnf.xml ",
	    " SEPC80084AA8743.cnf.xml",
	    "/SEPC80084AA8743.cnf.xml",
	    "../SEPC80084AA8743.cnf.xml",
	    "..\\SEPC80084AA8743.cnf.xml",
	    "tftp/SEPC80084AA8743.cnf.xml",
	    "C:\\SEPC80084AA8743.cnf.xml",
	    "..cnf.xml",
	    "...cnf.xml",
	    "a..b.cnf.xml",
	    "SEP.cnf.xml.cnf.xml/..",
	    ".hidden.cnf.xml",
	    "SEP%2F..%2Fx.cnf.xml",
	    "SEP\xC3\xA9.cnf.xml",
	    "SEP\n.cnf.xml",
	    "ITLSEPC80084AA8743.tlv",
	    "SKb0ec918f-b9ee-994b-57ae-345883c1fde8.xml",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		name_refused(bad[i], strlen(bad[i]));

	/* a NUL inside the name (TFTP packets and %00 in URLs carry one) */
	static const char nul[] = "SEPC80084AA8743\0.cnf.xml";
	name_refused(nul, sizeof(nul) - 1);
	static const char nul2[] = "x.cnf.xml\0.sgn";
	name_refused(nul2, sizeof(nul2) - 1);

	/* over-long: 128 bytes of device is the most */
	char name[512], dev[LIM_ID_MAX];
	memset(name, 'A', 128);
	strcpy(name + 128, ".cnf.xml.sgn");
	assert_int_equal(prov_device_from_file_name(name, strlen(name), dev, sizeof(dev), NULL), 0);
	assert_int_equal(strlen(dev), 128);
	assert_int_equal(prov_device_from_file_name(name, strlen(name), dev, 128, NULL), ERANGE);
	memset(name, 'A', 129);
	strcpy(name + 129, ".cnf.xml");
	name_refused(name, strlen(name));
	memset(name, 'A', 400);
	strcpy(name + 400, ".cnf.xml");
	name_refused(name, strlen(name));

	/* the way out */
	char fn[32];
	assert_int_equal(prov_cnf_file_name(fn, sizeof(fn), "SEPC80084AA8743", 1), 0);
	assert_string_equal(fn, "SEPC80084AA8743.cnf.xml.sgn");
	assert_int_equal(prov_cnf_file_name(fn, 27, "SEPC80084AA8743", 1), ERANGE);
	assert_int_equal(prov_cnf_file_name(fn, 28, "SEPC80084AA8743", 1), 0);
	assert_int_equal(prov_cnf_file_name(fn, sizeof(fn), "../x", 0), EINVAL);
	assert_int_equal(prov_cnf_file_name(fn, sizeof(fn), NULL, 0), EINVAL);
	assert_int_equal(prov_device_name_check("SEPC80084AA8743"), 0);
	assert_int_equal(prov_device_name_check("SEP/"), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_logged_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_em_login, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_emcc_visitor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_emcc_home, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exact_elements, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_time_locale_transport, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_button_numbering, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_defaults_and_ports, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_labels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unrenderable_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_render_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_render_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_real_like, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_version_stamp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
