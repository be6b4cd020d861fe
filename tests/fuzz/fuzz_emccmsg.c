/* fuzz_emccmsg.c -- libFuzzer target: bytes into emcc_msg_parse; a parsed message must render,
 * parse back equal, and render to the same bytes again. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emcc/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every string field stays NUL-terminated inside its array. */
#define TERMINATED(f) (strnlen((f), sizeof(f)) < sizeof(f))

static void check_invariants(const struct emcc_msg *m)
{
	if (m->kind <= EMCC_MSG_NONE || m->kind > EMCC_RESP_FAILURE)
		abort();
	if (m->version != 0 && m->version != EMCC_MSG_VERSION)
		abort();
	if (m->nprofiles > EMCC_MAX_PROFILES)
		abort();
	if (!TERMINATED(m->cluster) || !TERMINATED(m->nonce) || !TERMINATED(m->user_id) ||
	    !TERMINATED(m->device_name) || !TERMINATED(m->pin) || !TERMINATED(m->model) ||
	    !TERMINATED(m->protocol) || !TERMINATED(m->login_type) || !TERMINATED(m->remote_ip) ||
	    !TERMINATED(m->device_profile) || !TERMINATED(m->reason) ||
	    !TERMINATED(m->tftp_server) || !TERMINATED(m->call_manager) || !TERMINATED(m->tvs) ||
	    !TERMINATED(m->config_version) || !TERMINATED(m->cluster_version) ||
	    !TERMINATED(m->error_text))
		abort();
	for (size_t i = 0; i < EMCC_MAX_PROFILES; i++)
		if (!TERMINATED(m->profiles[i]))
			abort();
	if (m->sent_ms < 0 || m->login_duration < 0 || m->login_duration > EMCC_DURATION_MAX ||
	    m->model_enum < 0 || m->security_mode < 0 || m->error_code < 0 ||
	    m->error_code > EMCC_CODE_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct emcc_msg m, back;
	struct emcc_msg_error err;
	struct buf b1, b2;
	int rc = emcc_msg_parse((const char *)data, size, &m, &err);

	/* the router's hint must never crash either */
	(void)emcc_msg_sniff((const char *)data, size);
	if (rc != 0) {
		if (rc != EMCC_MSG_E_PARSE && rc != EMCC_MSG_E_VERSION &&
		    rc != EMCC_MSG_E_UNKNOWN_OP && rc != ENOMEM)
			abort();
		if (m.kind != EMCC_MSG_NONE) /* nothing half-filled */
			abort();
		if (!TERMINATED(err.text) || (err.code != 1 && err.code != 8 && err.code != 0))
			abort();
		/* the receiver answers with the reason: it must render as a failure */
		struct emcc_msg f;
		emcc_msg_init(&f, EMCC_RESP_FAILURE);
		strcpy(f.cluster, "ClusterTwo");
		f.error_code = err.code;
		memcpy(f.error_text, err.text, sizeof(f.error_text));
		buf_init(&b1);
		if (emcc_msg_render(&b1, &f) != 0)
			abort();
		buf_free(&b1);
		return 0;
	}
	check_invariants(&m);

	buf_init(&b1);
	buf_init(&b2);
	if (emcc_msg_render(&b1, &m) != 0)
		abort(); /* whatever parses must render */
	if (emcc_msg_parse(b1.data, b1.len, &back, &err) != 0)
		abort(); /* and what we render must parse */
	if (!emcc_msg_equal(&m, &back))
		abort();
	if (emcc_msg_render(&b2, &back) != 0 || b1.len != b2.len ||
	    memcmp(b1.data, b2.data, b1.len) != 0)
		abort(); /* rendering is a function of the message */
	if (!emcc_msg_sniff(b1.data, b1.len))
		abort();
	buf_free(&b1);
	buf_free(&b2);
	return 0;
}
