/* fuzz_cnf.c -- libFuzzer target: bytes into prov_cnf_parse and prov_device_from_file_name; what
 * they accept is checked, a parsed file rendered again must read back the same, and an accepted
 * file name must be exactly the one prov_cnf_file_name builds. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prov/cnf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(f) (strnlen((f), sizeof(f)) < sizeof(f))

/* Values come back trimmed of surrounding spaces. */
static int same(const char *sent, const char *got)
{
	while (*sent == ' ')
		sent++;
	size_t n = strlen(sent);
	while (n > 0 && sent[n - 1] == ' ')
		n--;
	return strlen(got) == n && memcmp(sent, got, n) == 0;
}

static void check_view(const struct prov_cnf_view *v)
{
	const struct features *f = &v->features;
	if (!TERMINATED(v->version_stamp) || !TERMINATED(v->protocol) ||
	    !TERMINATED(v->cm_address) || !TERMINATED(v->tvs_address) ||
	    !TERMINATED(v->user_locale) || !TERMINATED(v->lang_code) || !TERMINATED(v->load) ||
	    !TERMINATED(v->load_model) || !TERMINATED(v->user_id) ||
	    !TERMINATED(v->network_locale) || !TERMINATED(v->softkey_file) ||
	    !TERMINATED(v->ntp_server) || !TERMINATED(v->vem_ip))
		abort();
	for (int i = 0; i < PROV_EMCC_TFTP_MAX; i++)
		if (!TERMINATED(v->temp_tftp[i]))
			abort();
	if (v->transport < 0 || v->transport > 4 || v->emcc_mode < 0 || v->emcc_mode > 1 ||
	    v->emcc_override < 0 || v->emcc_override > 1 || v->vem_port < 0 ||
	    v->vem_port > 65535 || v->services_provisioning < -1 || v->services_provisioning > 2 ||
	    v->builtin_services < 0 || (v->emcc == PROV_EMCC_VISITOR) != (v->emcc_mode == 1))
		abort();
	if (v->sip_port < 0 || v->sip_port > 65535 || v->tvs_port < 0 || v->tvs_port > 65535)
		abort();
	if (v->tftp_default < -1 || v->tftp_default > 1 || v->security_mode < 0 ||
	    v->security_mode > 3 || v->emcc < PROV_EMCC_NONE || v->emcc > PROV_EMCC_VISITOR)
		abort();
	if (f->nlines > LIM_LINES || f->nspeed_dials > LIM_SPEED_DIALS ||
	    f->nservices > LIM_SERVICES)
		abort();
	for (size_t i = 0; i < f->nlines; i++)
		if (f->lines[i].index < 1 || !TERMINATED(f->lines[i].dn) ||
		    !TERMINATED(f->lines[i].label) || !TERMINATED(f->lines[i].display))
			abort();
	for (size_t i = 0; i < f->nspeed_dials; i++)
		if (f->speed_dials[i].index < 1 || !TERMINATED(f->speed_dials[i].number) ||
		    !TERMINATED(f->speed_dials[i].label))
			abort();
	for (size_t i = 0; i < f->nservices; i++)
		if (!TERMINATED(f->services[i].name) || !TERMINATED(f->services[i].url))
			abort();
}

static void sort_lines(struct feature_line *l, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && l[j - 1].index > l[j].index; j--) {
			struct feature_line t = l[j];
			l[j] = l[j - 1];
			l[j - 1] = t;
		}
}

static void sort_speed_dials(struct feature_speed_dial *s, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && s[j - 1].index > s[j].index; j--) {
			struct feature_speed_dial t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
}

/* Whatever the renderer accepts must come back through the parser unchanged. */
static void round_trip(const struct prov_cnf_view *v)
{
	static struct prov_cnf c;
	static struct prov_cnf_view back;
	struct buf b;

	memset(&c, 0, sizeof(c));
	strcpy(c.device, "SEPC80084AA8743");
	memcpy(c.version_stamp, v->version_stamp, sizeof(c.version_stamp));
	memcpy(c.cm_address, v->cm_address, sizeof(c.cm_address));
	memcpy(c.tvs_address, v->tvs_address, sizeof(c.tvs_address));
	memcpy(c.user_locale, v->user_locale, sizeof(c.user_locale));
	memcpy(c.lang_code, v->lang_code, sizeof(c.lang_code));
	memcpy(c.user_id, v->user_id, sizeof(c.user_id));
	memcpy(c.temp_tftp, v->temp_tftp, sizeof(c.temp_tftp));
	memcpy(c.vem_ip, v->vem_ip, sizeof(c.vem_ip));
	memcpy(c.network_locale, v->network_locale, sizeof(c.network_locale));
	memcpy(c.ntp_server, v->ntp_server, sizeof(c.ntp_server));
	c.vem_port = v->vem_port;
	c.emcc_override = v->emcc_override;
	c.transport = v->transport;
	memcpy(c.load, v->load, sizeof(c.load));
	memcpy(c.model, v->load_model, sizeof(c.model));
	strcpy(c.node, "127.0.7.100");
	c.load_enforced = v->load[0] != 0;
	c.sip_port = v->sip_port;
	c.tvs_port = v->tvs_port;
	c.security_mode = v->security_mode;
	c.emcc = v->emcc;
	c.features = v->features;

	buf_init(&b);
	int rc = prov_cnf_render(&b, &c);
	if (rc == 0) {
		if (prov_cnf_parse(b.data, b.len, &back, NULL, 0) != 0)
			abort();
		if (!same(c.version_stamp, back.version_stamp) ||
		    strcmp(back.cm_address, c.cm_address) ||
		    !same(c.user_locale, back.user_locale) || !same(c.user_id, back.user_id) ||
		    back.emcc != c.emcc || back.transport != (c.transport ? c.transport : 4) ||
		    strcmp(back.ntp_server, c.ntp_server) ||
		    !same(c.network_locale, back.network_locale) ||
		    (c.emcc == PROV_EMCC_VISITOR &&
		     (memcmp(back.temp_tftp, c.temp_tftp, sizeof(c.temp_tftp)) ||
		      strcmp(back.vem_ip, c.vem_ip) || back.emcc_override != c.emcc_override)) ||
		    back.security_mode != (c.security_mode ? c.security_mode : 1) ||
		    back.sip_port != (c.sip_port ? c.sip_port : PROV_SIP_PORT) ||
		    (c.load_enforced &&
		     (!same(c.load, back.load) || !same(c.model, back.load_model))))
			abort();
		sort_lines(c.features.lines, c.features.nlines);
		sort_speed_dials(c.features.speed_dials, c.features.nspeed_dials);
		if (back.features.nlines != c.features.nlines ||
		    back.features.nspeed_dials != c.features.nspeed_dials)
			abort();
		for (size_t i = 0; i < c.features.nlines; i++) {
			const struct feature_line *a = &c.features.lines[i],
						  *z = &back.features.lines[i];
			if (a->index != z->index || !same(a->dn, z->dn) ||
			    !same(a->label, z->label) || !same(a->display, z->display))
				abort();
		}
		for (size_t i = 0; i < c.features.nspeed_dials; i++) {
			const struct feature_speed_dial *a = &c.features.speed_dials[i],
							*z = &back.features.speed_dials[i];
			if (!same(a->number, z->number) || !same(a->label, z->label))
				abort();
		}
	} else if (rc != EINVAL && rc != ENOMEM) {
		abort();
	}
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prov_cnf_view v;
	char why[160];

	memset(why, 'x', sizeof(why));
	int rc = prov_cnf_parse((const char *)data, size, &v, why, sizeof(why));
	if (rc == 0) {
		check_view(&v);
		round_trip(&v);
	} else if (rc == EINVAL || rc == ENOMEM) {
		if (strnlen(why, sizeof(why)) == sizeof(why) || v.features.nlines ||
		    v.version_stamp[0])
			abort();
	} else {
		abort();
	}

	char dev[LIM_ID_MAX], name[LIM_ID_MAX + 16];
	int sgn = -1;
	rc = prov_device_from_file_name((const char *)data, size, dev, sizeof(dev), &sgn);
	if (rc == 0) {
		if (strchr(dev, '/') || strchr(dev, '\\') || strstr(dev, "..") || dev[0] == '.' ||
		    (sgn != 0 && sgn != 1) || prov_device_name_check(dev) != 0)
			abort();
		if (prov_cnf_file_name(name, sizeof(name), dev, sgn) != 0 || strlen(name) != size ||
		    memcmp(name, data, size) != 0)
			abort();
	} else if (rc != EINVAL) {
		abort();
	}
	return 0;
}
