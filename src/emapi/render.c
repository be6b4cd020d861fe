/* render.c -- EM API <response> documents, byte for byte in the shapes of Cisco's examples.
 *
 * No XML declaration and no whitespace between elements, as CUCM answers. User IDs are
 * URL-escaped (em%40cisco.com) wherever they appear, element text or id attribute, because
 * that is what the guide's examples show and what clients un-escape; every other value is
 * XML-escaped. A NULL string renders as empty. */
#include "emapi/emapi.h"

static const char *str(const char *s)
{
	return s ? s : "";
}

/* A user ID as CUCM writes it: URL-escaped. The escaped form has no XML metacharacters
 * (only ALPHA / DIGIT / - . _ ~ and %XX), so it needs no XML escaping on top. */
static void put_user(struct buf *b, const char *user_id)
{
	buf_url_escape(b, str(user_id));
}

static void put_elem_text(struct buf *b, const char *tag, const char *text)
{
	buf_printf(b, "<%s>", tag);
	buf_xml_escape(b, str(text));
	buf_printf(b, "</%s>", tag);
}

static void put_user_open(struct buf *b, const char *user_id)
{
	buf_puts(b, "<user id=\"");
	put_user(b, user_id);
	buf_puts(b, "\">");
}

static void put_user_state(struct buf *b, const char *user_id, enum emapi_user_state s)
{
	put_user_open(b, user_id);
	buf_puts(b, s == EMAPI_USER_NONE ? "<none/>" : "<doesNotExist/>");
	buf_puts(b, "</user>");
}

void emapi_render_success(struct buf *b)
{
	buf_puts(b, "<response><success/></response>");
}

void emapi_render_failure(struct buf *b, int code, const char *text)
{
	buf_printf(b, "<response><failure><error code=\"%d\">", code);
	buf_xml_escape(b, str(text));
	buf_puts(b, "</error></failure></response>");
}

/* ---- deviceUserResults ---- */

void emapi_render_device_user_begin(struct buf *b)
{
	buf_puts(b, "<response><deviceUserResults>");
}

void emapi_render_device_user(struct buf *b, const struct emapi_device_result *r)
{
	int has_last = r->last_user && r->last_user[0];
	buf_puts(b, "<device name=\"");
	buf_xml_escape(b, str(r->name));
	buf_puts(b, "\">");
	switch (r->state) {
	case EMAPI_DEV_LOGGED_IN:
		buf_puts(b, "<userID>");
		put_user(b, r->user_id);
		buf_puts(b, "</userID>");
		if (has_last) {
			buf_puts(b, "<lastlogin>");
			put_user(b, r->last_user);
			buf_puts(b, "</lastlogin>");
		}
		buf_puts(b, r->emcc_device ? "<emccDevice>yes</emccDevice>"
					   : "<emccDevice>no</emccDevice>");
		break;
	case EMAPI_DEV_NONE:
		buf_puts(b, "<none/>");
		if (has_last) {
			buf_puts(b, "<lastlogin>");
			put_user(b, r->last_user);
			buf_puts(b, "</lastlogin>");
		}
		break;
	case EMAPI_DEV_DOES_NOT_EXIST:
	default: buf_puts(b, "<doesNotExist/>"); break;
	}
	buf_puts(b, "</device>");
}

void emapi_render_device_user_end(struct buf *b)
{
	buf_puts(b, "</deviceUserResults></response>");
}

/* ---- the users of userDevicesResults and deviceProfileResults ---- */

void emapi_render_user_begin(struct buf *b, const char *user_id)
{
	put_user_open(b, user_id);
}

void emapi_render_user_end(struct buf *b)
{
	buf_puts(b, "</user>");
}

void emapi_render_user_state(struct buf *b, const char *user_id, enum emapi_user_state s)
{
	put_user_state(b, user_id, s);
}

/* ---- userDevicesResults ---- */

void emapi_render_user_devices_begin(struct buf *b)
{
	buf_puts(b, "<response><userDevicesResults>");
}

void emapi_render_user_devices_device(struct buf *b, const char *device_name)
{
	put_elem_text(b, "deviceName", device_name);
}

void emapi_render_user_devices_end(struct buf *b)
{
	buf_puts(b, "</userDevicesResults></response>");
}

/* ---- deviceProfileResults ---- */

void emapi_render_profiles_begin(struct buf *b)
{
	buf_puts(b, "<response><deviceProfileResults>");
}

void emapi_render_profiles_profile(struct buf *b, const char *profile, int is_default)
{
	buf_puts(b, "<deviceProfile>");
	put_elem_text(b, "deviceProfileName", profile);
	buf_puts(b, is_default ? "<isDefaultDeviceProfile>t</isDefaultDeviceProfile>"
			       : "<isDefaultDeviceProfile>f</isDefaultDeviceProfile>");
	buf_puts(b, "</deviceProfile>");
}

void emapi_render_profiles_end(struct buf *b)
{
	buf_puts(b, "</deviceProfileResults></response>");
}

/* ---- checkUser ---- */

void emapi_render_check_user_begin(struct buf *b)
{
	buf_puts(b, "<response><checkUserResults>");
}

void emapi_render_check_user(struct buf *b, const char *user_id, int exists)
{
	put_user_open(b, user_id);
	buf_puts(b, exists ? "<exists/>" : "<doesNotExist/>");
	buf_puts(b, "</user>");
}

void emapi_render_check_user_end(struct buf *b)
{
	buf_puts(b, "</checkUserResults></response>");
}
