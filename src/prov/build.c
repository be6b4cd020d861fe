/* build.c -- fills a struct prov_cnf for one device from the store (its state decides what). */
#include "prov/build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "core/str.h"
#include "prov/softkey.h"

/* CUCM's defaults for a device or profile that names no locale. */
#define DEFAULT_USER_LOCALE "English_United_States"
#define DEFAULT_NETWORK_LOCALE "United_States"

void prov_build_env_from_config(const struct config *cfg, struct prov_build_env *env)
{
	struct addr a;
	int udp = cfg->sip_udp[0] && addr_parse(&a, cfg->sip_udp, ADDR_LISTEN, 0) == 0;
	int tcp = cfg->sip_tcp[0] && addr_parse(&a, cfg->sip_tcp, ADDR_LISTEN, 0) == 0;

	memset(env, 0, sizeof(*env));
	env->node = cfg->node_address;
	if (addr_parse(&a, cfg->sip_udp, ADDR_LISTEN, 0) == 0 ||
	    addr_parse(&a, cfg->sip_tcp, ADDR_LISTEN, 0) == 0)
		env->sip_port = a.port;
	if (addr_parse(&a, cfg->http_listen, ADDR_LISTEN, 0) == 0)
		env->http_port = a.port;
	if (addr_parse(&a, cfg->https_listen, ADDR_LISTEN, 0) == 0)
		env->https_port = a.port;
	env->transport = tcp && udp ? PROV_TRANSPORT_TCP_UDP
			 : tcp	    ? PROV_TRANSPORT_TCP
			 : udp	    ? PROV_TRANSPORT_UDP
				    : PROV_TRANSPORT_DEFAULT;
	env->ntp_server = cfg->ntp_server;
}

static int is_ip(const char *s)
{
	unsigned char a[16];
	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* getaddrinfo, the first IPv4 address, else the first IPv6 one. */
static int resolve_default(const char *name, char *ip, size_t len)
{
	struct addrinfo hints, *res = NULL, *pick = NULL;
	int rc = ENXIO;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return ENXIO;
	for (int pass = 0; pass < 2 && !pick; pass++)
		for (struct addrinfo *ai = res; ai && !pick; ai = ai->ai_next)
			if (ai->ai_family == (pass == 0 ? AF_INET : AF_INET6))
				pick = ai;
	if (pick && pick->ai_family == AF_INET &&
	    inet_ntop(AF_INET, &((struct sockaddr_in *)pick->ai_addr)->sin_addr, ip,
		      (socklen_t)len))
		rc = 0;
	else if (pick && pick->ai_family == AF_INET6 &&
		 inet_ntop(AF_INET6, &((struct sockaddr_in6 *)pick->ai_addr)->sin6_addr, ip,
			   (socklen_t)len))
		rc = 0;
	freeaddrinfo(res);
	return rc;
}

/* host (no port, no brackets) as an IP literal: as it is, or resolved. 0 or ENXIO. */
static int ip_of(const struct prov_build_env *env, const char *host, char *out, size_t len)
{
	if (is_ip(host))
		return str_copy(out, len, host) ? ENXIO : 0;
	if (!host[0] || (env->resolve ? env->resolve : resolve_default)(host, out, len) != 0 ||
	    !is_ip(out)) {
		out[0] = '\0';
		return ENXIO;
	}
	return 0;
}

/* "host:port" or "host" into host and *port (left as is without a port). IPv6 literals come
 * bracketed; the file cannot carry brackets, so they are taken off. What does not parse is
 * copied as it is: the phone shows it, and the admin sees what the home sent. */
static void split_host(const char *hostport, char *host, size_t len, int *port)
{
	struct addr a;

	if (addr_parse(&a, hostport, ADDR_PORT_OPTIONAL, -1) == 0) {
		str_copy(host, len, a.host);
		if (port && a.port >= 0)
			*port = a.port;
		return;
	}
	str_copy(host, len, hostport);
}

static void fill_common(struct prov_cnf *c, const struct prov_build_env *env, const char *device,
			const char *version)
{
	c->transport = env->transport;
	if (env->ntp_server && env->ntp_server[0]) /* "[v6]" comes without its brackets */
		split_host(env->ntp_server, c->ntp_server, sizeof(c->ntp_server), NULL);
	str_copy(c->device, sizeof(c->device), device);
	str_copy(c->version_stamp, sizeof(c->version_stamp), version);
	str_copy(c->cm_address, sizeof(c->cm_address), env->node);
	str_copy(c->tvs_address, sizeof(c->tvs_address), env->node);
	str_copy(c->node, sizeof(c->node), env->node);
	c->sip_port = env->sip_port;
	c->http_port = env->http_port;
	c->https_port = env->https_port;
	/* The store keeps no firmware load per device or model yet: nothing to enforce, so the
	 * phone keeps what it runs (an empty <loadInformation>, as for EMCC). */
	c->load_enforced = 0;
	c->emcc = PROV_EMCC_NONE;
}

/* "Cisco 7821" for loadInformation; "" when the device has no model. */
static void model_name(char *out, size_t len, const char *model)
{
	if (!model[0])
		out[0] = '\0';
	else if (strncmp(model, "Cisco ", 6) == 0)
		str_copy(out, len, model);
	else
		snprintf(out, len, "Cisco %s", model);
}

static int profile_contents(struct store *st, const char *profile, struct prov_cnf *c)
{
	struct store_profile prof;
	int rc = store_profile_get(st, profile, &prof);

	if (rc && rc != ENOENT)
		return rc;
	if (rc == 0 && prof.user_locale[0])
		str_copy(c->user_locale, sizeof(c->user_locale), prof.user_locale);
	if (rc == 0 && prof.softkey_template[0] &&
	    (rc = prov_softkey_uuid(prof.softkey_template, c->softkey_uuid)) != 0)
		return rc;
	/* A profile deleted under a login leaves the phone with no lines rather than no file. */
	return store_features_get(st, STORE_OWNER_PROFILE, profile, &c->features);
}

static int build_home(struct store *st, const char *device, const struct prov_build_env *env,
		      const char *version, struct prov_cnf *c)
{
	struct store_emcc_home_device hd;
	struct store_remote_cluster *rc_row;
	int rc = store_emcc_home_device_get(st, device, &hd);

	if (rc)
		return rc;
	fill_common(c, env, device, version);
	model_name(c->model, sizeof(c->model), hd.model);
	c->security_mode = hd.security_mode;
	c->load_enforced = 0; /* reference 3.1: EMCC phones keep the visiting cluster's firmware */
	str_copy(c->user_id, sizeof(c->user_id), hd.user_id);
	c->emcc = PROV_EMCC_HOME;
	/* The phone logs out where it logged in: the EM service URL is the visiting cluster's. */
	rc_row = malloc(sizeof(*rc_row)); /* a PEM inside: too big for a worker's stack */
	if (!rc_row)
		return ENOMEM;
	if (store_remote_cluster_get(st, hd.visiting_cluster, rc_row) == 0)
		split_host(rc_row->address, c->em_node, sizeof(c->em_node), NULL);
	free(rc_row);
	return profile_contents(st, hd.profile, c);
}

static int build_visitor(struct store *st, const struct store_device *dev,
			 const struct store_emcc_visit *v, const struct prov_build_env *env,
			 const char *version, struct prov_cnf *c)
{
	char host[PROV_HOST_MAX];
	int port = 0, rc;

	fill_common(c, env, dev->name, version);
	model_name(c->model, sizeof(c->model), dev->model);
	c->security_mode = dev->security_mode;
	str_copy(c->user_id, sizeof(c->user_id), v->user_id);
	c->emcc = PROV_EMCC_VISITOR;
	/* Call control, the real configuration and the service URLs are the home's; TVS and the
	 * EM service (so the user can log out here) stay ours (cnf.h, state 3). */
	split_host(v->home_call_manager, c->cm_address, sizeof(c->cm_address), &port);
	c->sip_port = port > 0 ? port : PROV_SIP_PORT;
	if (v->home_tftp[0])
		split_host(v->home_tftp, c->node, sizeof(c->node), NULL);
	else
		str_copy(c->node, sizeof(c->node), c->cm_address);
	str_copy(c->em_node, sizeof(c->em_node), env->node);
	str_copy(c->tvs_address, sizeof(c->tvs_address), env->node);
	str_copy(c->user_locale, sizeof(c->user_locale), dev->user_locale);
	/* The EMCC properties. tempTftp1 is the home's TFTP (without its port: the phone has
	 * only an address; it fetches over HTTP 6970, else TFTP 69), else its call manager; the
	 * home hands out one TFTP, so tempTftp2..4 stay empty, as in the lab. vEM is this node's
	 * EM service. Names are resolved: the phone converts these as IP addresses. */
	if ((rc = ip_of(env, c->node, c->temp_tftp[0], sizeof(c->temp_tftp[0]))) != 0)
		return rc;
	split_host(env->node, host, sizeof(host), NULL);
	if ((rc = ip_of(env, host, c->vem_ip, sizeof(c->vem_ip))) != 0)
		return rc;
	c->vem_port = env->http_port > 0 ? env->http_port : PROV_HTTP_PORT;
	c->emcc_override = 0; /* as the lab's phone logs it; what 1 would do is not known */
	return store_features_get(st, STORE_OWNER_DEVICE, dev->name, &c->features);
}

static int build_state(struct store *st, const char *device, const struct prov_build_env *env,
		       const char *version, struct prov_cnf *out)
{
	struct store_device dev;
	struct store_emcc_visit visit;
	struct store_em_state em;
	int rc = store_device_get(st, device, &dev);

	if (rc == ENOENT)
		return build_home(st, device, env, version, out);
	if (rc)
		return rc;
	rc = store_emcc_visit_get(st, device, &visit);
	if (rc == 0)
		return build_visitor(st, &dev, &visit, env, version, out);
	if (rc != ENOENT)
		return rc;

	fill_common(out, env, device, version);
	model_name(out->model, sizeof(out->model), dev.model);
	out->security_mode = dev.security_mode;
	str_copy(out->user_locale, sizeof(out->user_locale), dev.user_locale);
	rc = store_em_state_get(st, device, &em);
	if (rc && rc != ENOENT)
		return rc;
	if (rc == 0 && em.user_id[0] && em.emcc_role == STORE_EMCC_NONE) {
		str_copy(out->user_id, sizeof(out->user_id), em.user_id);
		return profile_contents(st, em.profile, out);
	}
	return store_features_get(st, STORE_OWNER_DEVICE, device, &out->features);
}

int prov_build(struct store *st, const char *device, const struct prov_build_env *env,
	       const char *version, struct prov_cnf *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!device || prov_device_name_check(device) != 0 || !env || !env->node || !env->node[0] ||
	    !version || !version[0])
		return EINVAL;
	rc = build_state(st, device, env, version, out);
	if (rc)
		return rc;
	if (!out->user_locale[0])
		str_copy(out->user_locale, sizeof(out->user_locale), DEFAULT_USER_LOCALE);
	if (!out->network_locale[0])
		str_copy(out->network_locale, sizeof(out->network_locale), DEFAULT_NETWORK_LOCALE);
	if (!out->softkey_uuid[0])
		rc = prov_softkey_uuid(PROV_SOFTKEY_DEFAULT, out->softkey_uuid);
	return rc;
}

/* ---- softkey templates ---- */

struct sk_find {
	const char *uuid;
	char *out;
	size_t len;
	int found; /* 0, or the result for the caller (0 or ERANGE) once found */
};

#define SK_FOUND (-1) /* stops store_profile_list; never an errno */

static int sk_match(struct sk_find *f, const char *name)
{
	char uuid[PROV_UUID_MAX];

	if (!name[0] || prov_softkey_uuid(name, uuid) != 0 || strcmp(uuid, f->uuid) != 0)
		return 0;
	f->found = 1;
	return str_copy(f->out, f->len, name) ? ERANGE : 0;
}

static int sk_profile(void *arg, const struct store_profile *p)
{
	struct sk_find *f = arg;
	int rc = sk_match(f, p->softkey_template);

	if (f->found) {
		f->found = rc ? ERANGE : SK_FOUND;
		return SK_FOUND;
	}
	return 0;
}

int prov_softkey_find(struct store *st, const char *uuid, char *out, size_t len)
{
	struct sk_find f = {uuid, out, len, 0};
	int rc;

	if (!uuid || !out || !len)
		return EINVAL;
	out[0] = '\0';
	rc = sk_match(&f, PROV_SOFTKEY_DEFAULT);
	if (f.found)
		return rc;
	rc = store_profile_list(st, NULL, 0, sk_profile, &f);
	if (f.found)
		return f.found == SK_FOUND ? 0 : f.found;
	return rc ? rc : ENOENT;
}
