/* admin_clusters.c -- remote clusters and our trust bundle: the trust and cluster commands. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "admin/admin.h"
#include "admin/admin_int.h"
#include "core/addr.h"
#include "core/buf.h"
#include "core/str.h"
#include "emcc/peer.h"
#include "emcc/trust.h"
#include "store/store.h"

#define CLUSTER_ID_MAX 50 /* as the trust bundle and config.c: [A-Za-z0-9_.-]{1,50} */
#define LIST_LIMIT_DEFAULT 1000

const struct admin_arg admin_cluster_add_args[] = {
    {"id", ADMIN_T_STR, 1, 0},		{"address", ADMIN_T_STR, 1, 0},
    {"bundle", ADMIN_T_STR, 0, 0},	{"fetch", ADMIN_T_BOOL, 0, 0},
    {"fingerprint", ADMIN_T_STR, 0, 0}, {"emcc", ADMIN_T_BOOL, 0, 0},
    {"pstn", ADMIN_T_BOOL, 0, 0},	{"rsvp", ADMIN_T_BOOL, 0, 0},
    {"tftp", ADMIN_T_BOOL, 0, 0},	ADMIN_ARGS_END};
const struct admin_arg admin_cluster_set_args[] = {{"id", ADMIN_T_STR, 1, 0},
						   {"address", ADMIN_T_STR, 0, 0},
						   {"bundle", ADMIN_T_STR, 0, 0},
						   {"fingerprint", ADMIN_T_STR, 0, 0},
						   {"emcc", ADMIN_T_BOOL, 0, 0},
						   {"pstn", ADMIN_T_BOOL, 0, 0},
						   {"rsvp", ADMIN_T_BOOL, 0, 0},
						   {"tftp", ADMIN_T_BOOL, 0, 0},
						   ADMIN_ARGS_END};
const struct admin_arg admin_cluster_update_args[] = {{"id", ADMIN_T_STR, 0, 0}, ADMIN_ARGS_END};

/* ---- checks ------------------------------------------------------------------------------ */

/* The Cluster ID rule also keeps quotes, spaces and SQL or shell metacharacters out of logs,
 * bundles and file names. */
static int check_cluster_id(const char *id, const char *field, struct admin_err *e)
{
	size_t n = strlen(id);
	if (n == 0 || n > CLUSTER_ID_MAX)
		return admin_fail(e, 400, field, "'%s' must be 1 to %d characters", field,
				  CLUSTER_ID_MAX);
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return admin_fail(e, 400, field,
					  "'%s' may only hold letters, digits, '_', '.' and '-'",
					  field);
	return 0;
}

/* "host:port" with the default port filled in, brackets kept for IPv6. */
static int normalise_address(const char *in, const char *field, char *out, size_t outlen,
			     struct admin_err *e)
{
	struct addr a;
	if (addr_parse(&a, in, ADDR_PORT_OPTIONAL, EMCC_PEER_PORT) != 0)
		return admin_fail(e, 400, field,
				  "'%s' must be host, host:port or [v6]:port (port 1..65535)",
				  field);
	if (addr_format(out, outlen, a.host, a.port) != 0)
		return admin_fail(e, 400, field, "'%s' is too long", field);
	return 0;
}

static int check_fingerprint_text(const char *fp, const char *field, struct admin_err *e)
{
	/* Equal to itself only when well formed (64 hex digits, or 32 pairs joined by ':'). */
	if (!trust_fingerprint_equal(fp, fp))
		return admin_fail(e, 400, field,
				  "'%s' must be a SHA-256 fingerprint: 64 hex digits or AA:BB:... "
				  "(32 pairs)",
				  field);
	return 0;
}

static int check_services(int emcc, int tftp, struct admin_err *e)
{
	/* CUCM: "Proxy TFTP is not supported with EMCC"; the EMCC phone fetches its config
	 * from the home cluster's TFTP server itself. */
	if (emcc && tftp)
		return admin_fail(
		    e, 400, "tftp",
		    "TFTP (proxy TFTP) cannot be enabled together with EMCC: CUCM does "
		    "not support proxy TFTP with EMCC");
	return 0;
}

/* ---- JSON views ---------------------------------------------------------------------------- */

static void services_text(const struct store_remote_cluster *rc, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s", rc->emcc_enabled ? "emcc," : "",
		 rc->pstn_enabled ? "pstn," : "", rc->rsvp_enabled ? "rsvp," : "",
		 rc->tftp_enabled ? "tftp," : "");
	size_t n = strlen(out);
	if (n)
		out[n - 1] = '\0';
	else
		snprintf(out, len, "none");
}

static json_t *cluster_row(const struct store_remote_cluster *rc)
{
	char services[32], prefix[20];
	services_text(rc, services, sizeof(services));
	snprintf(prefix, sizeof(prefix), "%.16s", rc->cert_sha256);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "id", rc->id, "address",
			 rc->address, "services", services, "status",
			 rc->status[0] ? rc->status : "unknown", "version", rc->version,
			 "last_update_time_ms", (json_int_t)rc->last_update_ms, "fingerprint",
			 prefix, "last_error", rc->last_error);
}

static json_t *cluster_full(const struct store_remote_cluster *rc)
{
	json_t *o = cluster_row(rc);
	if (!o)
		return NULL;
	char colon[TRUST_FP_COLON_SIZE] = "", hex[TRUST_FP_HEX_SIZE];
	if (rc->cert_pem[0])
		trust_cert_fingerprint(rc->cert_pem, hex, colon);
	json_object_set_new(o, "emcc", json_boolean(rc->emcc_enabled));
	json_object_set_new(o, "pstn", json_boolean(rc->pstn_enabled));
	json_object_set_new(o, "rsvp", json_boolean(rc->rsvp_enabled));
	json_object_set_new(o, "tftp", json_boolean(rc->tftp_enabled));
	json_object_set_new(o, "sha256", json_string(rc->cert_sha256));
	json_object_set_new(o, "fingerprint", json_string(colon));
	return o;
}

/* ---- importing a bundle ---------------------------------------------------------------- */

/* Parses bundle text for cluster id and fills rc's certificate; checks the optional
 * fingerprint the admin was given; adds a warning when the certificate does not name the host
 * of address. Returns 0 or 400. */
static int import_bundle(const char *text, const char *id, const char *fingerprint,
			 const char *address, struct store_remote_cluster *rc, json_t *warnings,
			 struct admin_err *e)
{
	struct trust_bundle *b = NULL;
	char why[256];
	int rc_ = trust_bundle_parse(text, strlen(text), &b, why, sizeof(why));
	if (rc_ == EFBIG)
		return admin_fail(e, 400, "bundle", "the trust bundle is larger than %d bytes",
				  TRUST_BUNDLE_MAX);
	if (rc_ == ENOMEM)
		return admin_fail(e, 500, NULL, "out of memory");
	if (rc_)
		return admin_fail(e, 400, "bundle", "not a trust bundle: %s", why);
	int status = 0;
	const struct trust_cert *c = trust_bundle_cert(b, TRUST_ROLE_HTTPS);
	if (strcmp(b->cluster, id) != 0) {
		status =
		    admin_fail(e, 400, "bundle",
			       "the bundle is for cluster '%s', not '%s': refused", b->cluster, id);
		goto done;
	}
	if (!c || strlen(c->pem) >= sizeof(rc->cert_pem)) {
		status = admin_fail(e, 400, "bundle", "the bundle has no usable https certificate");
		goto done;
	}
	if (fingerprint && !trust_fingerprint_equal(c->sha256, fingerprint)) {
		char colon[TRUST_FP_COLON_SIZE], hex[TRUST_FP_HEX_SIZE];
		trust_cert_fingerprint(c->pem, hex, colon);
		status = admin_fail(e, 400, "fingerprint",
				    "fingerprint mismatch: cluster %s's certificate is %s, not the "
				    "%s you gave: refused, nothing stored",
				    id, colon, fingerprint);
		goto done;
	}
	snprintf(rc->cert_pem, sizeof(rc->cert_pem), "%s", c->pem);
	snprintf(rc->cert_sha256, sizeof(rc->cert_sha256), "%s", c->sha256);
	int matches = 0;
	if (trust_cert_matches_host(c->pem, address, &matches) == 0 && !matches) {
		char w[LIM_TEXT_MAX + 128];
		snprintf(w, sizeof(w),
			 "the certificate (%s) does not name the host of %s; the peer is "
			 "identified by its fingerprint, so this works, but check the address",
			 c->subject, address);
		json_array_append_new(warnings, json_string(w));
	}
	if (b->address[0] && strcmp(b->address, address) != 0) {
		char w[2 * LIM_TEXT_MAX + 64];
		snprintf(w, sizeof(w), "the bundle gives address %s; using %s", b->address,
			 address);
		json_array_append_new(warnings, json_string(w));
	}
done:
	trust_bundle_free(b);
	return status;
}

/* Tells which unique key an EEXIST hit. */
static int insert_conflict(struct admin_call *c, const struct store_remote_cluster *rc)
{
	struct store_remote_cluster *other = calloc(1, sizeof(*other));
	int status;
	if (!other)
		return admin_fail(&c->err, 500, NULL, "out of memory");
	if (store_remote_cluster_by_fingerprint(c->ctx->em->st, rc->cert_sha256, other) == 0 &&
	    strcmp(other->id, rc->id) != 0)
		status = admin_fail(&c->err, 409, "bundle",
				    "this certificate is already trusted for cluster '%s': refused",
				    other->id);
	else
		status = admin_fail(&c->err, 409, "id", "cluster '%s' already exists", rc->id);
	free(other);
	return status;
}

/* Every check of cluster/add that needs no bundle. Fills rc's id, address and services. */
static int add_check(struct admin_ctx *ctx, json_t *args, struct store_remote_cluster *rc,
		     struct admin_err *e)
{
	char address[LIM_TEXT_MAX];
	int rc_;
	if ((rc_ = admin_get_str(args, "id", "id", rc->id, sizeof(rc->id), NULL, e)) ||
	    (rc_ = check_cluster_id(rc->id, "id", e)))
		return rc_;
	if (ctx->cluster_id && strcasecmp(rc->id, ctx->cluster_id) == 0)
		return admin_fail(e, 400, "id", "'%s' is this cluster's own id", rc->id);
	if ((rc_ = admin_get_str(args, "address", "address", address, sizeof(address), NULL, e)) ||
	    (rc_ = normalise_address(address, "address", rc->address, sizeof(rc->address), e)))
		return rc_;
	rc->emcc_enabled = 1;
	admin_get_bool(args, "emcc", &rc->emcc_enabled);
	admin_get_bool(args, "pstn", &rc->pstn_enabled);
	admin_get_bool(args, "rsvp", &rc->rsvp_enabled);
	admin_get_bool(args, "tftp", &rc->tftp_enabled);
	if ((rc_ = check_services(rc->emcc_enabled, rc->tftp_enabled, e)))
		return rc_;
	json_t *fp = json_object_get(args, "fingerprint");
	if (fp && (rc_ = check_fingerprint_text(json_string_value(fp), "fingerprint", e)))
		return rc_;
	struct store_remote_cluster *old = calloc(1, sizeof(*old));
	if (!old)
		return admin_fail(e, 500, NULL, "out of memory");
	rc_ = store_remote_cluster_get(ctx->em->st, rc->id, old);
	free(old);
	if (rc_ == 0)
		return admin_fail(e, 409, "id",
				  "cluster '%s' already exists (emcc cluster set %s --bundle FILE "
				  "replaces its certificate)",
				  rc->id, rc->id);
	if (rc_ != ENOENT)
		return admin_store_fail(e, rc_, NULL, "remote cluster");
	return 0;
}

int admin_cluster_prefetch(struct admin_ctx *ctx, json_t *args, char *host, size_t hostlen,
			   int *port, json_t **out)
{
	struct admin_err e = {0};
	struct store_remote_cluster *rc = calloc(1, sizeof(*rc));
	int status = 200;
	*out = NULL;
	if (!rc || !ctx || !ctx->em || !ctx->em->st) {
		status = admin_fail(&e, 500, NULL,
				    rc ? "the admin API has no database" : "out of memory");
		goto done;
	}
	if (!json_is_object(args)) {
		status = admin_fail(&e, 400, NULL, "arguments must be a JSON object");
		goto done;
	}
	if ((status = admin_check_args(args, admin_cluster_add_args, NULL, &e)))
		goto done;
	if (json_object_get(args, "bundle")) {
		status = admin_fail(&e, 400, "bundle", "give either --bundle or --fetch, not both");
		goto done;
	}
	if (!json_object_get(args, "fingerprint")) {
		status =
		    admin_fail(&e, 400, "fingerprint",
			       "--fetch needs --fingerprint: the SHA-256 fingerprint the other "
			       "cluster's administrator read out to you");
		goto done;
	}
	if ((status = add_check(ctx, args, rc, &e)))
		goto done;
	struct addr a;
	if (addr_parse(&a, rc->address, ADDR_PORT_OPTIONAL, EMCC_PEER_PORT) != 0 ||
	    str_copy(host, hostlen, a.host) != 0) {
		status = admin_fail(&e, 400, "address", "bad address");
	} else {
		*port = a.port;
		status = 200;
	}
done:
	if (status != 200) {
		*out = json_pack("{s:s}", "error", e.text);
		if (*out && e.field[0])
			json_object_set_new(*out, "field", json_string(e.field));
	}
	free(rc);
	return status;
}

/* ---- commands ---------------------------------------------------------------------------- */

/* Reads the "id" argument into id and that cluster into rc: 404 when there is none. */
static int cluster_from_args(struct admin_call *c, char id[LIM_ID_MAX],
			     struct store_remote_cluster *rc)
{
	int status, err;

	if ((status = admin_get_str(c->args, "id", "id", id, LIM_ID_MAX, NULL, &c->err)) ||
	    (status = check_cluster_id(id, "id", &c->err)))
		return status;
	if ((err = store_remote_cluster_get(c->ctx->em->st, id, rc)))
		return err == ENOENT ? admin_fail(&c->err, 404, "id", "no remote cluster '%s'", id)
				     : admin_store_fail(&c->err, err, NULL, "remote cluster");
	return 0;
}

/* Writes rc in a transaction of its own, as a new cluster or over the stored one, and answers
 * with it and the warnings. Returns 200, 0 when the answer could not be built, or a failure. */
static int cluster_write(struct admin_call *c, struct store_remote_cluster *rc, int insert,
			 json_t *warnings)
{
	struct store *st = c->ctx->em->st;
	int err;

	if ((err = store_begin(st)))
		return admin_store_fail(&c->err, err, NULL, "remote cluster");
	err = insert ? store_remote_cluster_insert(st, rc) : store_remote_cluster_update(st, rc);
	if (err == 0)
		err = store_commit(st);
	else
		store_rollback(st);
	if (err == EEXIST)
		return insert_conflict(c, rc);
	if (err)
		return admin_store_fail(&c->err, err, NULL, "remote cluster");
	c->out = cluster_full(rc);
	if (!c->out)
		return 0;
	json_object_set(c->out, "warnings", warnings);
	return 200;
}

int admin_cmd_cluster_add(struct admin_call *c)
{
	struct store_remote_cluster *rc = calloc(1, sizeof(*rc));
	json_t *warnings = json_array();
	int status;
	if (!rc || !warnings) {
		status = admin_fail(&c->err, 500, NULL, "out of memory");
		goto done;
	}
	if (json_is_true(json_object_get(c->args, "fetch")) &&
	    !json_object_get(c->args, "bundle")) {
		status = admin_fail(&c->err, 400, "fetch",
				    "--fetch is done by the daemon's admin socket");
		goto done;
	}
	if ((status = add_check(c->ctx, c->args, rc, &c->err)))
		goto done;
	const char *bundle = json_string_value(json_object_get(c->args, "bundle"));
	if (!bundle) {
		status =
		    admin_fail(&c->err, 400, "bundle",
			       "give the other cluster's trust bundle (--bundle FILE) or fetch "
			       "it (--fetch --fingerprint FP)");
		goto done;
	}
	if ((status = import_bundle(bundle, rc->id,
				    json_string_value(json_object_get(c->args, "fingerprint")),
				    rc->address, rc, warnings, &c->err)))
		goto done;
	snprintf(rc->status, sizeof(rc->status), "unknown");
	status = cluster_write(c, rc, 1, warnings);
done:
	json_decref(warnings);
	free(rc);
	return status ? status : 200;
}

int admin_cmd_cluster_set(struct admin_call *c)
{
	struct store_remote_cluster *rc = calloc(1, sizeof(*rc));
	json_t *warnings = json_array();
	char id[LIM_ID_MAX], address[LIM_TEXT_MAX];
	int status = 0, present = 0;
	if (!rc || !warnings) {
		status = admin_fail(&c->err, 500, NULL, "out of memory");
		goto done;
	}
	if ((status = cluster_from_args(c, id, rc)))
		goto done;
	char old_address[LIM_TEXT_MAX], old_sha[LIM_SHA256_HEX];
	snprintf(old_address, sizeof(old_address), "%s", rc->address);
	snprintf(old_sha, sizeof(old_sha), "%s", rc->cert_sha256);
	if ((status = admin_get_str(c->args, "address", "address", address, sizeof(address),
				    &present, &c->err)))
		goto done;
	if (present && (status = normalise_address(address, "address", rc->address,
						   sizeof(rc->address), &c->err)))
		goto done;
	admin_get_bool(c->args, "emcc", &rc->emcc_enabled);
	admin_get_bool(c->args, "pstn", &rc->pstn_enabled);
	admin_get_bool(c->args, "rsvp", &rc->rsvp_enabled);
	admin_get_bool(c->args, "tftp", &rc->tftp_enabled);
	if ((status = check_services(rc->emcc_enabled, rc->tftp_enabled, &c->err)))
		goto done;
	json_t *fp = json_object_get(c->args, "fingerprint");
	if (fp && (status = check_fingerprint_text(json_string_value(fp), "fingerprint", &c->err)))
		goto done;
	const char *bundle = json_string_value(json_object_get(c->args, "bundle"));
	if (fp && !bundle) {
		status = admin_fail(&c->err, 400, "fingerprint", "--fingerprint checks a --bundle");
		goto done;
	}
	if (bundle && (status = import_bundle(bundle, id, fp ? json_string_value(fp) : NULL,
					      rc->address, rc, warnings, &c->err)))
		goto done;
	/* A new address or certificate makes the last status meaningless until the next update. */
	if (strcmp(old_address, rc->address) || strcmp(old_sha, rc->cert_sha256)) {
		snprintf(rc->status, sizeof(rc->status), "unknown");
		rc->last_error[0] = '\0';
	}
	status = cluster_write(c, rc, 0, warnings);
done:
	json_decref(warnings);
	free(rc);
	return status ? status : 200;
}

int admin_cmd_cluster_show(struct admin_call *c)
{
	struct store_remote_cluster *rc = calloc(1, sizeof(*rc));
	char id[LIM_ID_MAX];
	int status;
	if (!rc)
		return admin_fail(&c->err, 500, NULL, "out of memory");
	if ((status = cluster_from_args(c, id, rc)))
		goto done;
	c->out = cluster_full(rc);
	status = 200;
done:
	free(rc);
	return status;
}

struct list_state {
	json_t *arr;
	size_t n;
	char last[LIM_ID_MAX];
};

static int list_one(void *arg, const struct store_remote_cluster *rc)
{
	struct list_state *s = arg;
	json_array_append_new(s->arr, cluster_row(rc));
	snprintf(s->last, sizeof(s->last), "%s", rc->id);
	s->n++;
	return 0;
}

int admin_cmd_cluster_list(struct admin_call *c)
{
	struct list_state s = {0};
	char after[LIM_ID_MAX] = "";
	json_int_t limit = LIST_LIMIT_DEFAULT;
	int status;
	if ((status =
		 admin_get_str(c->args, "after", "after", after, sizeof(after), NULL, &c->err)))
		return status;
	if (json_object_get(c->args, "limit"))
		limit = json_integer_value(json_object_get(c->args, "limit"));
	if (limit < 1 || limit > 100000)
		return admin_fail(&c->err, 400, "limit", "'limit' must be 1..100000");
	if (!(s.arr = json_array()))
		return admin_fail(&c->err, 500, NULL, "out of memory");
	int rc_ = store_remote_cluster_list(c->ctx->em->st, after, (size_t)limit, list_one, &s);
	if (rc_) {
		json_decref(s.arr);
		return admin_store_fail(&c->err, rc_, NULL, "remote clusters");
	}
	c->out = json_pack("{s:o}", "clusters", s.arr);
	if (c->out && s.n == (size_t)limit)
		json_object_set_new(c->out, "next", json_string(s.last));
	return 200;
}

int admin_cmd_cluster_del(struct admin_call *c)
{
	char id[LIM_ID_MAX];
	int status, rc_;
	if ((status = admin_get_str(c->args, "id", "id", id, sizeof(id), NULL, &c->err)) ||
	    (status = check_cluster_id(id, "id", &c->err)))
		return status;
	if ((rc_ = store_begin(c->ctx->em->st)))
		return admin_store_fail(&c->err, rc_, NULL, "remote cluster");
	rc_ = store_remote_cluster_delete(c->ctx->em->st, id);
	if (rc_ == 0)
		rc_ = store_commit(c->ctx->em->st);
	else
		store_rollback(c->ctx->em->st);
	if (rc_ == ENOENT)
		return admin_fail(&c->err, 404, "id", "no remote cluster '%s'", id);
	if (rc_)
		return admin_store_fail(&c->err, rc_, NULL, "remote cluster");
	c->out = json_pack("{s:s}", "deleted", id);
	return 200;
}

int admin_cmd_cluster_update(struct admin_call *c)
{
	/* The update talks to other clusters: only the daemon's loop thread can. */
	return admin_fail(&c->err, 501, NULL, "cluster/update is run by emccd itself");
}

/* Reads this node's certificate (one PEM block) into a new string. */
static int read_cert(struct admin_call *c, char **pem)
{
	const char *path = c->ctx->tls_cert_path;
	*pem = NULL;
	if (!path || !path[0])
		return admin_fail(&c->err, 500, NULL, "this node has no certificate configured");
	FILE *f = fopen(path, "r");
	if (!f)
		return admin_fail(&c->err, 500, NULL, "cannot read %s: %s", path, strerror(errno));
	char *buf = malloc(TRUST_PEM_MAX + 1);
	size_t n = buf ? fread(buf, 1, TRUST_PEM_MAX + 1, f) : 0;
	fclose(f);
	if (!buf)
		return admin_fail(&c->err, 500, NULL, "out of memory");
	if (n > TRUST_PEM_MAX) {
		free(buf);
		return admin_fail(&c->err, 500, NULL, "%s is larger than one certificate", path);
	}
	buf[n] = '\0';
	*pem = buf;
	return 0;
}

static int trust_common(struct admin_call *c, int with_bundle)
{
	char *pem = NULL, hex[TRUST_FP_HEX_SIZE], colon[TRUST_FP_COLON_SIZE], why[256];
	int status;
	struct buf b;
	buf_init(&b);
	if ((status = read_cert(c, &pem)))
		return status;
	if (trust_cert_fingerprint(pem, hex, colon) != 0) {
		status = admin_fail(&c->err, 500, NULL, "%s is not one PEM certificate",
				    c->ctx->tls_cert_path);
		goto done;
	}
	const char *addr = c->ctx->https_address ? c->ctx->https_address : "";
	c->out = json_pack("{s:s, s:s, s:s, s:s}", "cluster",
			   c->ctx->cluster_id ? c->ctx->cluster_id : "", "address", addr,
			   "fingerprint", colon, "sha256", hex);
	if (with_bundle && c->out) {
		if (!addr[0]) {
			status =
			    admin_fail(&c->err, 500, NULL,
				       "this node has no HTTPS listener: other clusters cannot "
				       "reach it ([server] https)");
			goto done;
		}
		if (trust_bundle_write(&b, c->ctx->cluster_id, addr, pem,
				       (time_t)(admin_now_ms(c->ctx) / 1000), why,
				       sizeof(why)) != 0 ||
		    b.oom) {
			status = admin_fail(&c->err, 500, NULL, "cannot write the bundle: %s",
					    b.oom ? "out of memory" : why);
			goto done;
		}
		json_object_set_new(c->out, "text", json_stringn(b.data, b.len));
	}
	status = 200;
done:
	buf_free(&b);
	free(pem);
	return status;
}

int admin_cmd_trust_show(struct admin_call *c)
{
	return trust_common(c, 0);
}

int admin_cmd_trust_export(struct admin_call *c)
{
	return trust_common(c, 1);
}

/* ---- EMCC rows: the home's EMCC devices and our phones' visits (read-only) ---- */

static int emcc_hd_one(void *arg, const struct store_emcc_home_device *hd)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "device", hd->device, "user",
			      hd->user_id, "profile", hd->profile, "visiting_cluster",
			      hd->visiting_cluster, "login_time", (json_int_t)hd->login_time,
			      "login_duration", (json_int_t)hd->login_duration);
	return o && json_array_append_new(arg, o) == 0 ? 0 : ENOMEM;
}

static int emcc_visit_one(void *arg, const struct store_emcc_visit *v)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:I, s:I}", "device", v->device, "user", v->user_id,
		      "home_cluster", v->home_cluster, "login_time", (json_int_t)v->login_time,
		      "login_duration", (json_int_t)v->login_duration);
	return o && json_array_append_new(arg, o) == 0 ? 0 : ENOMEM;
}

/* Straight from the EMCC tables, not from em_state: an orphan row (an EMCC device without a
 * login behind it) shows here and nowhere else. */
int admin_cmd_cluster_emcc_devices(struct admin_call *c)
{
	json_t *home = json_array(), *visits = json_array();
	int rc_;

	if (!home || !visits) {
		json_decref(home);
		json_decref(visits);
		return admin_fail(&c->err, 500, NULL, "out of memory");
	}
	rc_ = store_emcc_home_device_list(c->ctx->em->st, "", 0, emcc_hd_one, home);
	if (rc_ == 0)
		rc_ = store_emcc_visit_list(c->ctx->em->st, "", 0, emcc_visit_one, visits);
	if (rc_) {
		json_decref(home);
		json_decref(visits);
		return admin_store_fail(&c->err, rc_, NULL, "EMCC devices");
	}
	c->out = json_pack("{s:o, s:o}", "home_devices", home, "visits", visits);
	return 200;
}
