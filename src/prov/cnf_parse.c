/* cnf_parse.c -- SEP<MAC>.cnf.xml read back into struct prov_cnf_view (our phone, tests).
 *
 * The parser reads a file a server sent us, so the bytes go through src/core/xmlsafe (size,
 * strict UTF-8, declared encoding checked first; no NOENT/DTDLOAD/HUGE, NONET; a DTD declaration
 * stops the parse; errors captured per thread), with namespace errors ignored: like CUCM we write
 * xsi:type without declaring the xsi prefix (see cnf_render.c). */
#include "prov/cnf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <libxml/tree.h>

#include "core/xmlsafe.h"

#define BUTTON_MAX 9999
#define PRIORITY_MAX 1000000L

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

/* The phone's built-in applications: CUCM's standard services point at them. */
#define BUILTIN_PREFIX "Application:Cisco/"
#define BUILTIN_MAX 64

static int parse_services(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	struct features *f = &out->features;
	const xmlNode *list = child(dev, "phoneServices");
	struct feature_service sv;
	int rc;

	out->services_provisioning = -1;
	if (!list)
		return 0;
	const xmlNode *prov = child(list, "provisioning");
	if (prov && (rc = get_num(prov, 0, 2, &out->services_provisioning, w)))
		return rc;
	for (const xmlNode *s = list->children; s; s = s->next) {
		if (!xmlsafe_is_name(s, "phoneService"))
			continue;
		if ((rc = get_text(child(s, "name"), sv.name, sizeof(sv.name), w)) ||
		    (rc = get_text(child(s, "url"), sv.url, sizeof(sv.url), w)))
			return rc;
		if (strncmp(sv.url, BUILTIN_PREFIX, strlen(BUILTIN_PREFIX)) == 0) {
			if (out->builtin_services >= BUILTIN_MAX)
				return fail(w, "more than %d built-in phone services", BUILTIN_MAX);
			out->builtin_services++;
			continue;
		}
		if (f->nservices >= LIM_SERVICES)
			return fail(w, "more than %d phone services", LIM_SERVICES);
		f->services[f->nservices++] = sv;
	}
	return 0;
}

/* The first <ntp> of dateTimeSetting: its name, else its nameV6. */
static int parse_ntp(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	const xmlNode *ntp = path(dev, "devicePool", "dateTimeSetting", "ntps");
	int rc;

	ntp = child(ntp, "ntp");
	if (!ntp)
		return 0;
	rc = get_text(child(ntp, "name"), out->ntp_server, sizeof(out->ntp_server), w);
	if (rc == 0 && !out->ntp_server[0])
		rc = get_text(child(ntp, "nameV6"), out->ntp_server, sizeof(out->ntp_server), w);
	return rc;
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

/* The EMCC properties (cnf.h, PROV_EMCC_EL). Each tempTftp must be an IP address or empty, as
 * the phone converts them; so must vEM-IP. */
static int parse_emcc(const xmlNode *dev, struct prov_cnf_view *out, struct why *w)
{
	const xmlNode *p = child(dev, PROV_EMCC_EL);
	unsigned char a[16];
	char name[32];
	int rc;

	if (!p)
		return 0;
	if ((rc = get_num(child(p, PROV_EMCC_EL_MODE), 0, 1, &out->emcc_mode, w)) ||
	    (rc = get_num(child(p, PROV_EMCC_EL_OVERRIDE), 0, 1, &out->emcc_override, w)) ||
	    (rc = get_text(child(p, PROV_EMCC_EL_VEM_IP), out->vem_ip, sizeof(out->vem_ip), w)) ||
	    (rc = get_num(child(p, PROV_EMCC_EL_VEM_PORT), 1, 65535, &out->vem_port, w)))
		return rc;
	if (out->vem_ip[0] && inet_pton(AF_INET, out->vem_ip, a) != 1 &&
	    inet_pton(AF_INET6, out->vem_ip, a) != 1)
		return fail(w, "<" PROV_EMCC_EL_VEM_IP "> must be an IP address");
	for (int i = 0; i < PROV_EMCC_TFTP_MAX; i++) {
		char *t = out->temp_tftp[i];
		snprintf(name, sizeof(name), PROV_EMCC_EL_TFTP "%d", i + 1);
		if ((rc = get_text(child(p, name), t, sizeof(out->temp_tftp[i]), w)))
			return rc;
		if (t[0] && inet_pton(AF_INET, t, a) != 1 && inet_pton(AF_INET6, t, a) != 1)
			return fail(w, "<%s> must be an IP address", name);
	}
	if (out->emcc_mode == 1)
		out->emcc = PROV_EMCC_VISITOR;
	return 0;
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
	    (rc = get_text(child(dev, "userId"), out->user_id, sizeof(out->user_id), w)) ||
	    (rc = get_text(child(dev, "networkLocale"), out->network_locale,
			   sizeof(out->network_locale), w)) ||
	    (rc = get_text(path(dev, "sipProfile", "softKeyFile", NULL), out->softkey_file,
			   sizeof(out->softkey_file), w)) ||
	    (rc = get_num(child(dev, "transportLayerProtocol"), 1, 4, &out->transport, w)) ||
	    (rc = parse_ntp(dev, out, w)))
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
	out->services_provisioning = -1;
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
		out->services_provisioning = -1;
	}
	return rc;
}
