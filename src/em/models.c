/* models.c -- the phone models we know: CUCM model enums, line keys, naming rule, EMCC. */
#include "em/models.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "store/store.h"

/* supports_emcc: Cisco decides EMCC support per model through the SUPPORTS_FEATURE_EMCC
 * capability, and the list itself was not retrieved (reference section 3.4, a known gap). We
 * mark the current 78xx/88xx SIP phones as capable; the lab-proven model is the 7821
 * (sip78xx 12.1.1). Line counts are the physical line/feature keys of each model. */
static const struct em_model models[] = {
    {"7811", 36213, "Cisco 7811", 1, 1, 1},
    {"7821", 621, "Cisco 7821", 1, 1, 2},
    {"7841", 622, "Cisco 7841", 1, 1, 4},
    {"7861", 623, "Cisco 7861", 1, 1, 16},
    {"7832", 36247, "Cisco 7832", 1, 1, 1},
    {"8811", 36217, "Cisco 8811", 1, 1, 5},
    {"8841", 683, "Cisco 8841", 1, 1, 5},
    {"8845", 36224, "Cisco 8845", 1, 1, 5},
    {"8851", 684, "Cisco 8851", 1, 1, 5},
    {"8861", 685, "Cisco 8861", 1, 1, 5},
    {"8865", 36225, "Cisco 8865", 1, 1, 5},
    {"8832", 36258, "Cisco 8832", 1, 1, 1},
    /* Any RFC 3261 phone: named freely (no MAC rule) and never an EMCC device. */
    {"third-party-sip-basic", 374, "Third-party SIP Device (Basic)", 0, 0, 1},
    {"third-party-sip-advanced", 375, "Third-party SIP Device (Advanced)", 0, 0, 8},
};

#define NMODELS ((int)(sizeof(models) / sizeof(models[0])))

const struct em_model *em_models(int *n)
{
	if (n)
		*n = NMODELS;
	return models;
}

/* True if s is name, optionally followed by the "-K9" ordering suffix. */
static int name_matches(const char *s, const char *name)
{
	size_t len = strlen(name);

	if (strncasecmp(s, name, len) != 0)
		return 0;
	return s[len] == '\0' || strcasecmp(s + len, "-K9") == 0;
}

const struct em_model *em_model_find(const char *name)
{
	const char *bare;

	if (!name || !*name)
		return NULL;
	bare = name;
	if (strncasecmp(bare, "Cisco ", 6) == 0)
		bare += 6;
	else if (strncasecmp(bare, "CP-", 3) == 0)
		bare += 3;
	for (int i = 0; i < NMODELS; i++) {
		if (name_matches(bare, models[i].name) ||
		    strcasecmp(name, models[i].long_name) == 0)
			return &models[i];
	}
	return NULL;
}

static int is_upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int is_hex(char c)
{
	return is_upper_hex(c) || (c >= 'a' && c <= 'f');
}

/* m == NULL (unknown model) gets the free-form rule. */
int em_model_check_device_name(const struct em_model *m, const char *name, const char **why)
{
	const char *reason = NULL;
	size_t len = name ? strlen(name) : 0;

	if (len == 0) {
		reason = "device name is empty";
		goto out;
	}
	if (m && m->sep_name) {
		int lower = 0;

		if (len != 15 || strncmp(name, "SEP", 3) != 0) {
			reason = "device name must be SEP followed by the 12 hex digits of the MAC "
				 "address (e.g. SEPC80084AA8743)";
			goto out;
		}
		for (size_t i = 3; i < len; i++) {
			if (!is_hex(name[i])) {
				reason =
				    "device name must be SEP followed by 12 hex digits (0-9, A-F)";
				goto out;
			}
			if (!is_upper_hex(name[i]))
				lower = 1;
		}
		if (lower) {
			/* Name the fix: the reason is kept per thread so *why stays valid. */
			static _Thread_local char upper[80];
			char fixed[16];

			for (size_t i = 0; i < len; i++)
				fixed[i] = (name[i] >= 'a' && name[i] <= 'f') ? (char)(name[i] - 32)
									      : name[i];
			fixed[len] = '\0';
			snprintf(upper, sizeof(upper),
				 "device name must use uppercase hex digits: %s", fixed);
			reason = upper;
		}
		goto out;
	}
	if (len >= LIM_ID_MAX) {
		reason = "device name is too long (at most 128 characters)";
		goto out;
	}
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			reason = "device name may contain only letters, digits, '.', '_' and '-'";
			goto out;
		}
	}
out:
	if (why)
		*why = reason ? reason : "";
	return reason ? EINVAL : 0;
}
