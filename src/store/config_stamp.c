/* config_stamp.c -- the versionStamp of a device's configuration file: made, bumped with every
 * change of what the file says, read by the provisioning listener and the restart NOTIFY.
 *
 * Built on the store's own functions (store.h), so any backend has it. The rule it keeps: a
 * change of what SEP<MAC>.cnf.xml says and its new stamp commit in one transaction, so a cached
 * file is never served for a newer state and the NOTIFY names the file the phone will get. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/str.h"
#include "core/vec.h"
#include "store/store.h"

int store_config_stamp_new(char *out, size_t len, int64_t now_ms)
{
	unsigned char r[16];
	size_t got = 0;

	if (!out || now_ms < 0)
		return EINVAL;
	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno ? errno : EIO;
		}
		got += (size_t)n;
	}
	/* RFC 4122 version 4: real stamps carry one (…-430f-acaf-…). */
	r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
	int n = snprintf(out, len,
			 "%" PRId64 "-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x",
			 now_ms / 1000, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
			 r[10], r[11], r[12], r[13], r[14], r[15]);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return ERANGE;
	}
	return 0;
}

int store_config_bump(struct store *st, const char *device, int64_t now_ms, char *out, size_t len)
{
	char stamp[LIM_STAMP_MAX];
	int rc = store_config_stamp_new(stamp, sizeof(stamp), now_ms);

	if (rc)
		return rc;
	rc = store_config_version_set(st, device, stamp, now_ms);
	if (rc == 0 && out && str_copy(out, len, stamp) != 0)
		rc = EINVAL;
	return rc;
}

/* 0 when the device has a configuration file (a devices or an emcc_home_devices row). */
static int has_file(struct store *st, const char *device)
{
	struct store_device dev;
	struct store_emcc_home_device hd;
	int rc = store_device_get(st, device, &dev);

	if (rc != ENOENT)
		return rc;
	return store_emcc_home_device_get(st, device, &hd);
}

int store_config_stamp_get(struct store *st, const char *device, int64_t now_ms, char *out,
			   size_t len, int *created)
{
	int rc = store_config_version_get(st, device, out, len, NULL);

	if (created)
		*created = 0;
	if (rc != ENOENT)
		return rc;
	if ((rc = has_file(st, device)) != 0)
		return rc;
	rc = store_config_bump(st, device, now_ms, out, len);
	if (rc == 0 && created)
		*created = 1;
	return rc;
}

struct profile_devices {
	const char *profile;
	struct vec names; /* char[LIM_ID_MAX] each */
};

static int add_name(struct profile_devices *p, const char *profile, const char *device)
{
	char(*slot)[LIM_ID_MAX];

	if (strcmp(profile, p->profile) != 0)
		return 0;
	if (!(slot = vec_push(&p->names, sizeof(*slot))))
		return ENOMEM;
	str_copy(*slot, sizeof(*slot), device);
	return 0;
}

static int em_by_profile(void *arg, const struct store_em_state *s)
{
	struct profile_devices *p = arg;

	return add_name(p, s->profile, s->device);
}

static int home_by_profile(void *arg, const struct store_emcc_home_device *hd)
{
	struct profile_devices *p = arg;

	return add_name(p, hd->profile, hd->device);
}

int store_config_bump_profile(struct store *st, const char *profile, int64_t now_ms)
{
	struct profile_devices p = {.profile = profile};
	char(*names)[LIM_ID_MAX];
	int rc;

	/* Names first, writes after: list callbacks must not write. */
	rc = store_em_state_logged_in(st, em_by_profile, &p);
	if (rc == 0)
		rc = store_emcc_home_device_list(st, "", 0, home_by_profile, &p);
	names = p.names.data;
	for (size_t i = 0; i < p.names.n && rc == 0; i++)
		rc = store_config_bump(st, names[i], now_ms, NULL, 0);
	vec_free(&p.names);
	return rc;
}
