/* fuzz_phonexml.c -- libFuzzer target: raw bytes into px_parse; a parsed object must render and
 * round-trip. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emapp/phonexml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int terminated(const char *s, size_t cap)
{
	return strnlen(s, cap) < cap;
}

#define T(f) terminated((f), sizeof(f))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct px_object o, again;
	char why[200];
	int rc = px_parse((const char *)data, size, &o, why, sizeof(why));
	if (rc != 0) {
		if (!T(why))
			abort();
		return 0;
	}
	/* Invariants of anything px_parse accepts: a known kind, bounded counts, terminated fields.
	 */
	if (o.kind < PX_INPUT || o.kind > PX_EXECUTE)
		abort();
	if (o.ninputs > PX_MAX_INPUTS || o.nitems > PX_MAX_MENU || o.nsoftkeys > PX_MAX_SOFTKEYS ||
	    o.nexecute > PX_MAX_EXECUTE)
		abort();
	if (!T(o.title) || !T(o.prompt) || !T(o.text) || !T(o.url))
		abort();
	for (size_t i = 0; i < o.nitems; i++)
		if (!T(o.items[i].name) || !T(o.items[i].url))
			abort();
	/* Re-rendering may refuse what a lenient parse let through (e.g. control characters in
	 * text, two URLs in an Execute); what it renders must parse back to the same object. */
	struct buf b;
	buf_init(&b);
	if (px_render(&b, &o) == 0) {
		if (px_parse(b.data, b.len, &again, why, sizeof(why)) != 0)
			abort();
		if (memcmp(&o, &again, sizeof(o)) != 0)
			abort();
	}
	buf_free(&b);
	return 0;
}
