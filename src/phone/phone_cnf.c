/* phone_cnf.c -- the simulated phone reads its SEP<MAC>.cnf.xml as a 7821 does, and follows it.
 *
 * At start and on every restart the phone GETs http://<tftp>/SEP<MAC>.cnf.xml from its TFTP
 * (HTTP, 6970), parses it (prov_cnf_parse) and registers its first line's DN at the file's first
 * call manager. An EMCC visitor mini-config (its EMCC properties, prov/cnf.h: emcc_mode 1,
 * tempTftp1..4, vEM-IP, vEM-Port) puts the phone in EMCC mode: it keeps those properties and
 * asks the home TFTPs, in order, for its real file, now and on every restart, until a home TFTP
 * answers 404 (the EMCC device is gone after the logout), which sends it back to its own TFTP.
 * A fetch that fails leaves the phone registering where it was. Fetches run on a helper thread
 * (phone_http_start) so SIP keeps being answered. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "phone/phone_int.h"

static int fetch(struct phone *p, const char *tftp);

static void note(struct phone *p, const char *text)
{
	struct phone_step s = {
	    .kind = PHONE_STEP_NOTE, .name = "config", .ok = 1, .text = text, .expires = -1};

	phone_report(p, &s);
}

/* "host", "host:port", "[v6]:port" or a bare IPv6 literal (as tempTftp gives one) -> the file's
 * URL, port 6970 by default. An address that does not parse goes into the URL as it is: the
 * fetch fails and says so. */
static void tftp_url(char *out, size_t len, const char *tftp, const char *device)
{
	struct addr a;
	struct in6_addr v6;
	char hostport[ADDR_MAX];

	if (inet_pton(AF_INET6, tftp, &v6) == 1)
		addr_format(hostport, sizeof(hostport), tftp, 6970);
	else if (addr_parse(&a, tftp, ADDR_PORT_OPTIONAL, 6970) == 0)
		addr_format(hostport, sizeof(hostport), a.host, a.port);
	else
		snprintf(hostport, sizeof(hostport), "%s", tftp);
	snprintf(out, len, "http://%s/%s.cnf.xml", hostport, device);
}

static void finish(struct phone *p)
{
	p->cnf_busy = false;
	if (p->cnf_then_register) {
		p->cnf_then_register = false;
		phone_sip_restart_register(p);
	}
	re_cancel();
}

/* Which of the home TFTPs tftp is (0..3), or -1 for our own. */
static int home_index(const struct phone *p, const char *tftp)
{
	for (int i = 0; i < PROV_EMCC_TFTP_MAX; i++)
		if (tftp == p->emcc_tftp[i])
			return i;
	return -1;
}

/* The first home TFTP from index i on, or NULL. */
static const char *home_tftp(const struct phone *p, int i)
{
	for (; i >= 0 && i < PROV_EMCC_TFTP_MAX; i++)
		if (p->emcc_tftp[i][0])
			return p->emcc_tftp[i];
	return NULL;
}

static void emcc_leave(struct phone *p)
{
	p->emcc_mode = false;
	p->emcc_override = 0;
	memset(p->emcc_tftp, 0, sizeof(p->emcc_tftp));
	p->vem_ip[0] = '\0';
	p->vem_port = 0;
}

/* Takes the mini-config's EMCC properties, as the 7821 logs them ("emcc_mode =1, override =0,
 * tempTftp1= ...", "[vEM-IP,vEM-Port]:[...]"). */
static void emcc_enter(struct phone *p, const struct prov_cnf_view *v)
{
	char text[512];

	p->emcc_mode = true;
	p->emcc_override = v->emcc_override;
	memcpy(p->emcc_tftp, v->temp_tftp, sizeof(p->emcc_tftp));
	snprintf(p->vem_ip, sizeof(p->vem_ip), "%s", v->vem_ip);
	p->vem_port = v->vem_port > 0 ? (unsigned)v->vem_port : 0;
	snprintf(
	    text, sizeof(text),
	    "EMCC mode: home cluster %s (tempTftp1); emcc_mode=1 override=%d tempTftp=[%s,%s,%s,"
	    "%s] vEM=%s:%u",
	    p->emcc_tftp[0], p->emcc_override, p->emcc_tftp[0], p->emcc_tftp[1], p->emcc_tftp[2],
	    p->emcc_tftp[3], p->vem_ip[0] ? p->vem_ip : "-", p->vem_port);
	note(p, text);
}

static const char *state_name(const struct prov_cnf_view *v, bool from_home)
{
	if (v->emcc == PROV_EMCC_VISITOR)
		return "EMCC visitor";
	if (from_home)
		return "EMCC at home";
	return v->user_id[0] ? "EM login" : "logged out";
}

/* The mini-config's first home TFTP, or NULL when it names none. */
static const char *home_tftp_of(const struct prov_cnf_view *v)
{
	for (int i = 0; i < PROV_EMCC_TFTP_MAX; i++)
		if (v->temp_tftp[i][0])
			return v->temp_tftp[i];
	return NULL;
}

/* The DN of the lowest line button; "" when the file has no line. */
static const char *first_dn(const struct prov_cnf_view *v)
{
	const struct feature_line *best = NULL;

	for (size_t i = 0; i < v->features.nlines; i++)
		if (!best || v->features.lines[i].index < best->index)
			best = &v->features.lines[i];
	return best ? best->dn : "";
}

/* Points SIP where the file says: its call manager, its first line. */
static void apply(struct phone *p, const struct prov_cnf_view *v)
{
	const char *dn = first_dn(v);
	const char *aor = dn[0] ? dn : (p->cfg.line ? p->cfg.line : p->id.name);
	unsigned port = v->sip_port > 0 ? (unsigned)v->sip_port : 5060;
	char text[512];

	snprintf(p->version, sizeof(p->version), "%s", v->version_stamp);
	if (!v->cm_address[0])
		return;
	if (p->sip)
		phone_sip_target(p, v->cm_address, port, aor);
	snprintf(text, sizeof(text), "config: line %s at call manager %s:%u%s", aor, v->cm_address,
		 port, v->user_id[0] ? " (user " : "");
	if (v->user_id[0])
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s)", v->user_id);
	note(p, text);
}

static void fetched(struct phone *p, int err, long status, const struct buf *body, double ms,
		    const char *why, void *arg)
{
	const char *tftp = arg; /* p->own_tftp or one of p->emcc_tftp */
	int home = home_index(p, tftp);
	struct phone_step s = {
	    .kind = PHONE_STEP_HTTP, .name = "config", .method = "GET", .expires = -1};
	struct prov_cnf_view *v = NULL;
	char url[PX_URL_MAX], text[1024], pwhy[200] = "";
	const char *next;
	int perr = EINVAL;

	tftp_url(url, sizeof(url), tftp, p->id.name);
	s.ms = ms;
	s.uri = url;
	s.status = (int)status;
	if (!err && status == 200 && (v = calloc(1, sizeof(*v))) != NULL)
		perr =
		    prov_cnf_parse(body->data ? body->data : "", body->len, v, pwhy, sizeof(pwhy));
	if (err)
		snprintf(text, sizeof(text), "GET %s -> %s", url, why);
	else if (status != 200)
		snprintf(text, sizeof(text), "GET %s -> %ld", url, status);
	else if (perr)
		snprintf(text, sizeof(text), "GET %s -> 200 (%zu bytes, unusable: %s)", url,
			 body->len, pwhy[0] ? pwhy : strerror(perr));
	else
		snprintf(text, sizeof(text),
			 "GET %s -> 200 (versionStamp %s, callManager %s:%d, %s)", url,
			 v->version_stamp, v->cm_address, v->sip_port > 0 ? v->sip_port : 5060,
			 state_name(v, home >= 0));
	s.ok = !err && status == 200 && perr == 0;
	s.text = text;
	phone_report(p, &s);

	if (!s.ok) {
		if (home >= 0 && !err && status == 404 && !p->cnf_from_own) {
			/* The home cluster no longer has an EMCC device for us: logged out. */
			note(p, "EMCC mode over: the home TFTP has no file for us; back to our own "
				"TFTP");
			emcc_leave(p);
			if (fetch(p, p->own_tftp) == 0)
				goto out;
		} else if (home >= 0 && err && (next = home_tftp(p, home + 1)) != NULL) {
			/* As the 7821's "look up server - 1 - ...": the next home TFTP. */
			if (fetch(p, next) == 0)
				goto out;
		}
		finish(p); /* keep registering where we were */
		goto out;
	}
	if (home < 0 && v->emcc == PROV_EMCC_VISITOR && home_tftp_of(v)) {
		emcc_enter(p, v);
		/* Until the home answers, the mini-config's call manager is the home's anyway. */
		apply(p, v);
		if (fetch(p, home_tftp(p, 0)) == 0)
			goto out;
		finish(p);
		goto out;
	}
	if (home < 0)
		emcc_leave(p);
	apply(p, v);
	finish(p);
out:
	free(v);
}

static int fetch(struct phone *p, const char *tftp)
{
	char url[PX_URL_MAX];

	if (tftp == p->own_tftp)
		p->cnf_from_own = true;
	tftp_url(url, sizeof(url), tftp, p->id.name);
	return phone_http_start(p, url, fetched, (void *)tftp);
}

int phone_cnf_start(struct phone *p, bool then_register)
{
	int err;

	if (!p->own_tftp[0])
		return ENOENT;
	if (p->cnf_busy)
		return EBUSY;
	p->cnf_busy = true;
	p->cnf_then_register = then_register;
	p->cnf_from_own = false;
	/* In EMCC mode the phone's TFTP is the home's (tempTftp1, else the next one given). */
	err = fetch(p, p->emcc_mode && home_tftp(p, 0) ? home_tftp(p, 0) : p->own_tftp);
	if (err) {
		p->cnf_busy = false;
		p->cnf_then_register = false;
	}
	return err;
}
