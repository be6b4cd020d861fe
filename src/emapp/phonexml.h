/* phonexml.h -- Cisco IP Phone XML objects: render them (the node) and parse them (the phone).
 *
 * Objects and limits from shared/reference/cisco-em-emcc.md section 2.2: CiscoIPPhoneInput (at
 * most 5 InputItems), CiscoIPPhoneMenu (at most 100 MenuItems, names at most 64 characters),
 * CiscoIPPhoneText, CiscoIPPhoneExecute (at most 3 ExecuteItems), SoftKeyItem. Phones have a
 * small parser: render only the defined tags, escape & as &amp;, no XML declaration. */
#ifndef EMCC_EMAPP_PHONEXML_H
#define EMCC_EMAPP_PHONEXML_H

#include <stddef.h>

#include "core/buf.h"

#define PX_TEXT_MAX 256
#define PX_URL_MAX 1024
#define PX_MAX_INPUTS 5
#define PX_MAX_MENU 100
#define PX_MAX_SOFTKEYS 8
#define PX_MAX_EXECUTE 3

enum px_kind { PX_INPUT = 1, PX_MENU, PX_TEXT, PX_EXECUTE };

struct px_softkey {
	char name[PX_TEXT_MAX];
	char url[PX_URL_MAX];
	int position; /* 1-based; 0 = not given */
};
struct px_input_item {
	char display_name[PX_TEXT_MAX];
	char query_param[PX_TEXT_MAX];
	char default_value[PX_TEXT_MAX];
	char flags[8]; /* "A", "N", "AP", "NP", "T", ... */
};
struct px_menu_item {
	char name[PX_TEXT_MAX];
	char url[PX_URL_MAX];
};
struct px_execute_item {
	char url[PX_URL_MAX];
	int priority; /* 0, 1, 2 */
};

/* One object, whichever kind; only the fields of its kind are used. */
struct px_object {
	enum px_kind kind;
	char title[PX_TEXT_MAX];
	char prompt[PX_TEXT_MAX];
	char text[2048];      /* Text */
	char url[PX_URL_MAX]; /* Input: where the phone GETs the answers */
	size_t ninputs, nitems, nsoftkeys, nexecute;
	struct px_input_item inputs[PX_MAX_INPUTS];
	struct px_menu_item items[PX_MAX_MENU];
	struct px_softkey softkeys[PX_MAX_SOFTKEYS];
	struct px_execute_item execute[PX_MAX_EXECUTE];
};

/* Appends the object's XML. Returns 0, or EINVAL when it breaks a documented limit. */
int px_render(struct buf *b, const struct px_object *o);

/* Parses one object (as a phone would). Returns 0, or EINVAL with a reason in why.
 * Refuses DTDs/entities like the EM API parser, and documents over 64 KiB. */
int px_parse(const char *xml, size_t len, struct px_object *o, char *why, size_t whylen);

#endif
