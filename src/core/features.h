/* features.h -- what a device or a device profile carries to the phone: lines, speed dials,
 * services. The store keeps them (store_features_get/set), the policy moves them between a
 * profile and a device, and SEP<MAC>.cnf.xml renders and parses them (prov/cnf.h). */
#ifndef EMCC_CORE_FEATURES_H
#define EMCC_CORE_FEATURES_H

#include <stddef.h>

#include "core/limits.h"

struct feature_line {
	int index;	     /* button/line index, 1-based */
	char dn[LIM_ID_MAX]; /* directory number */
	char label[LIM_TEXT_MAX];
	char display[LIM_TEXT_MAX];
};
struct feature_speed_dial {
	int index;
	char number[LIM_ID_MAX];
	char label[LIM_TEXT_MAX];
};
struct feature_service {
	char name[LIM_TEXT_MAX];
	char url[LIM_URL_MAX];
};

/* The full contents attached to one owner; replaced as a whole. */
struct features {
	size_t nlines, nspeed_dials, nservices;
	struct feature_line lines[LIM_LINES];
	struct feature_speed_dial speed_dials[LIM_SPEED_DIALS];
	struct feature_service services[LIM_SERVICES];
};

#endif
