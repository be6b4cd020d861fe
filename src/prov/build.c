/* build.c -- fills a struct prov_cnf for one device from the store (its state decides what). */
#include "prov/build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/str.h"

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

	if (rc == 0 && prof.user_locale[0])
		str_copy(c->user_locale, sizeof(c->user_locale), prof.user_locale);
	else if (rc && rc != ENOENT)
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
	int port = 0;

	fill_common(c, env, dev->name, version);
	model_name(c->model, sizeof(c->model), dev->model);
	c->security_mode = dev->security_mode;
	str_copy(c->user_id, sizeof(c->user_id), v->user_id);
	c->emcc = PROV_EMCC_VISITOR;
	/* Call control, the real configuration and the service URLs are the home's; TVS and the
	 * EM service (so the user can log out here) stay ours (cnf.h, state 3). */
	split_host(v->home_call_manager, c->cm_address, sizeof(c->cm_address), &port);
	c->sip_port = port > 0 ? port : PROV_SIP_PORT;
	str_copy(c->tftp, sizeof(c->tftp), v->home_tftp);
	if (v->home_tftp[0])
		split_host(v->home_tftp, c->node, sizeof(c->node), NULL);
	else
		str_copy(c->node, sizeof(c->node), c->cm_address);
	str_copy(c->em_node, sizeof(c->em_node), env->node);
	str_copy(c->tvs_address, sizeof(c->tvs_address), env->node);
	str_copy(c->user_locale, sizeof(c->user_locale), dev->user_locale);
	return store_features_get(st, STORE_OWNER_DEVICE, dev->name, &c->features);
}

int prov_build(struct store *st, const char *device, const struct prov_build_env *env,
	       const char *version, struct prov_cnf *out)
{
	struct store_device dev;
	struct store_emcc_visit visit;
	struct store_em_state em;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!device || prov_device_name_check(device) != 0 || !env || !env->node || !env->node[0] ||
	    !version || !version[0])
		return EINVAL;
	rc = store_device_get(st, device, &dev);
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
