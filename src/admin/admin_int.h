/* admin_int.h -- shared internals of the admin module: argument checking, errors, handlers.
 *
 * Not part of the contract (admin.h is); only src/admin/ includes this. */
#ifndef EMCC_ADMIN_ADMIN_INT_H
#define EMCC_ADMIN_ADMIN_INT_H

#include <jansson.h>
#include <stddef.h>

#include "admin/admin.h"
#include "store/store.h"

/* One failure: the HTTP status and what the answer says. */
struct admin_err {
	int status;	/* 0 = no error */
	char field[96]; /* "" = no field */
	char text[512];
	json_t *extra; /* extra members for the error object (owned), may be NULL */
};

/* Argument types a command accepts. */
enum admin_type {
	ADMIN_T_STR = 1,
	ADMIN_T_INT,
	ADMIN_T_BOOL,
	ADMIN_T_ARRAY,
	ADMIN_T_SCALAR,	 /* string, integer or boolean (parameter values) */
	ADMIN_T_MINUTES, /* integer minutes or "HHH:MM" text */
};

struct admin_arg {
	const char *name;
	int type; /* enum admin_type */
	int required;
	int nullable; /* JSON null accepted (clears the value) */
};
/* clang-format off */
#define ADMIN_ARGS_END { NULL, 0, 0, 0 }
/* clang-format on */

/* One command being run. */
struct admin_call {
	struct admin_ctx *ctx;
	json_t *args; /* always an object */
	json_t *out;  /* the result object on success (owned until handed over) */
	struct admin_err err;
};

/* Records a failure in e and returns status. field may be NULL. */
int admin_fail(struct admin_err *e, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a store error code to an HTTP status and records it with text "what: reason". */
int admin_store_fail(struct admin_err *e, int rc, const char *field, const char *what);

/* Checks an argument object against defs: unknown keys, types, required keys. prefix is put in
 * front of field names in errors ("lines[1]."). Returns 0 or 400. */
int admin_check_args(json_t *obj, const struct admin_arg *defs, const char *prefix,
		     struct admin_err *e);

/* Copies string member `name` of obj into dst (size dstlen) if present; checks the length and
 * refuses control characters. *present (may be NULL) tells whether it was there. JSON null
 * copies "". Returns 0 or 400. */
int admin_get_str(json_t *obj, const char *name, const char *field, char *dst, size_t dstlen,
		  int *present, struct admin_err *e);
/* Checks a plain string value the same way. */
int admin_check_text(const char *s, const char *field, size_t dstlen, struct admin_err *e);
/* Boolean member into *dst if present. */
void admin_get_bool(json_t *obj, const char *name, int *dst);

/* The current time in unix ms (ctx->em->now_ms, or the wall clock when that is 0). */
long long admin_now_ms(struct admin_ctx *ctx);

/* Normalises a user ID and applies Alphanumeric User ID. Returns 0 or 400. */
int admin_user_id(struct admin_ctx *ctx, const char *in, const char *field, char *out,
		  size_t outlen, struct admin_err *e);

/* Parses max_login_minutes: integer (-1 = service parameter) or text ("8:00", "480",
 * "default"). Returns 0 or 400. */
int admin_parse_minutes(json_t *v, const char *field, int *minutes, struct admin_err *e);
/* Parses a CSV boolean ("true", "yes", "1", ...). Returns 0 or EINVAL. */
int admin_parse_bool_text(const char *s, int *out);

/* Runs a bulk CSV import. kind: "user", "device" or "profile". */
int admin_import(struct admin_call *c, const char *kind);

/* Handlers: each returns 200 with c->out set, or an error status with c->err filled. */
int admin_cmd_user_list(struct admin_call *c);
int admin_cmd_user_show(struct admin_call *c);
int admin_cmd_user_add(struct admin_call *c);
int admin_cmd_user_set(struct admin_call *c);
int admin_cmd_user_del(struct admin_call *c);
int admin_cmd_user_set_pin(struct admin_call *c);
int admin_cmd_user_unlock(struct admin_call *c);
int admin_cmd_user_import(struct admin_call *c);
int admin_cmd_user_profile_add(struct admin_call *c);
int admin_cmd_user_profile_del(struct admin_call *c);
int admin_cmd_user_profile_default(struct admin_call *c);
int admin_cmd_appuser_list(struct admin_call *c);
int admin_cmd_appuser_show(struct admin_call *c);
int admin_cmd_appuser_add(struct admin_call *c);
int admin_cmd_appuser_set(struct admin_call *c);
int admin_cmd_appuser_del(struct admin_call *c);
int admin_cmd_device_list(struct admin_call *c);
int admin_cmd_device_show(struct admin_call *c);
int admin_cmd_device_add(struct admin_call *c);
int admin_cmd_device_set(struct admin_call *c);
int admin_cmd_device_del(struct admin_call *c);
int admin_cmd_device_import(struct admin_call *c);
int admin_cmd_profile_list(struct admin_call *c);
int admin_cmd_profile_show(struct admin_call *c);
int admin_cmd_profile_add(struct admin_call *c);
int admin_cmd_profile_set(struct admin_call *c);
int admin_cmd_profile_del(struct admin_call *c);
int admin_cmd_profile_import(struct admin_call *c);
int admin_cmd_trust_show(struct admin_call *c);
int admin_cmd_trust_export(struct admin_call *c);
int admin_cmd_cluster_list(struct admin_call *c);
int admin_cmd_cluster_show(struct admin_call *c);
int admin_cmd_cluster_add(struct admin_call *c);
int admin_cmd_cluster_set(struct admin_call *c);
int admin_cmd_cluster_del(struct admin_call *c);
int admin_cmd_cluster_update(struct admin_call *c);
int admin_cmd_cluster_emcc_devices(struct admin_call *c);

/* Row writers shared by the commands and the importers: validate args (already type-checked)
 * and write them in one transaction. Return 0 or an HTTP status with e filled. */
int admin_user_create(struct admin_ctx *ctx, json_t *args, struct admin_err *e, json_t **shown);
int admin_device_create(struct admin_ctx *ctx, json_t *args, struct admin_err *e, json_t **shown);
int admin_profile_create(struct admin_ctx *ctx, json_t *args, struct admin_err *e, json_t **shown);

/* Argument tables, shared with the importers (a CSV row becomes such an object). */
extern const struct admin_arg admin_user_add_args[];
extern const struct admin_arg admin_device_add_args[];
extern const struct admin_arg admin_device_set_args[];
extern const struct admin_arg admin_profile_add_args[];
extern const struct admin_arg admin_profile_set_args[];
extern const struct admin_arg admin_cluster_add_args[];
extern const struct admin_arg admin_cluster_set_args[];
extern const struct admin_arg admin_cluster_update_args[];

#endif
