/* models.h -- phone models we know: names, CUCM model enums, naming rule, EMCC support. */
#ifndef EMCC_EM_MODELS_H
#define EMCC_EM_MODELS_H

struct em_model {
	const char *name;      /* "7821" */
	int model_enum;	       /* CUCM tkmodel, e.g. 621 */
	const char *long_name; /* "Cisco 7821" */
	int sep_name;	       /* device name must be SEP + 12 uppercase hex digits */
	int supports_emcc;     /* SUPPORTS_FEATURE_EMCC */
	int lines;	       /* line buttons */
};

/* NULL if unknown. Accepts "7821", "Cisco 7821" and "CP-7821". */
const struct em_model *em_model_find(const char *name);
/* The table, for `emcc model list`. */
const struct em_model *em_models(int *n);
/* 0 if name fits the model's naming rule; EINVAL with a reason otherwise. */
int em_model_check_device_name(const struct em_model *m, const char *name, const char **why);

#endif
