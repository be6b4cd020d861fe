/* commands.c -- the `emcc` command table: every noun, verb, argument and flag, in one place. */
#include <stddef.h>

#include "cli/cli.h"

/* The command table reads best aligned by hand. */
/* clang-format off */
#define END { NULL, NULL, 0, NULL, NULL }

static const struct cli_opt list_opts[] = {
	{ "after", "after", CLI_O_STR, "NAME", "start after this name (paging)" },
	{ "limit", "limit", CLI_O_INT, "N", "at most N rows (default 1000)" },
	END
};

#define USER_FIELDS                                                                           \
	{ "name", "name", CLI_O_STR, "TEXT", "display name" },                                \
	{ "pin", "pin", CLI_O_STR, "DIGITS", "PIN for phone logins (4-16 digits)" },          \
	{ "password", "password", CLI_O_STR, "TEXT", "password for the EM API" },             \
	{ "extension", "primary_extension", CLI_O_STR, "DN", "primary extension" },           \
	{ "emcc", "emcc_enabled", CLI_O_BOOL, NULL, "enable (--no-emcc: disable) EMCC" },     \
	{ "proxy-rights", "proxy_rights", CLI_O_BOOL, NULL,                                      \
	  "Standard EM Authentication Proxy Rights (also --proxy)" },                         \
	{ "proxy", "proxy_rights", CLI_O_BOOL, NULL, NULL },                                  \
	{ "max-login", "max_login_minutes", CLI_O_STR, "HHH:MM",                               \
	  "maximum login time (minutes, HHH:MM, or \"default\")" }

static const struct cli_opt user_add_opts[] = {
	USER_FIELDS,
	{ "profile", "profiles", CLI_O_LIST, "PROFILE",
	  "link a device profile (repeatable; the first is the default)" },
	END
};
static const struct cli_opt user_set_opts[] = { USER_FIELDS, END };
static const struct cli_opt link_opts[] = {
	{ "default", "default", CLI_O_FLAG, NULL, "make it the user's default profile" },
	END
};

static const struct cli_opt appuser_opts[] = {
	{ "password", "password", CLI_O_STR, "TEXT", "password (appCertificate)" },
	{ "proxy-rights", "proxy_rights", CLI_O_BOOL, NULL,
	  "Standard EM Authentication Proxy Rights (also --proxy)" },
	{ "proxy", "proxy_rights", CLI_O_BOOL, NULL, NULL },
	END
};

#define DEVICE_FIELDS                                                                         \
	{ "model", "model", CLI_O_STR, "MODEL", "phone model, e.g. 7821" },                   \
	{ "protocol", "protocol", CLI_O_STR, "SIP|SCCP", "signalling protocol (default SIP)" }, \
	{ "description", "description", CLI_O_STR, "TEXT", "description" },                   \
	{ "em", "em_enabled", CLI_O_BOOL, NULL, "Enable Extension Mobility (default on)" },   \
	{ "emcc", "emcc_enabled", CLI_O_BOOL, NULL, "allow EMCC logins (default off)" },       \
	{ "security-mode", "security_mode", CLI_O_INT, "1|2|3",                               \
	  "1 non-secure, 2 authenticated, 3 encrypted" },                                       \
	{ "locale", "user_locale", CLI_O_STR, "LOCALE", "user locale" },                      \
	{ "line", "lines", CLI_O_LINE, "[INDEX:]DN[:LABEL]", "a line (repeatable, in button order)" }

static const struct cli_opt device_opts[] = { DEVICE_FIELDS, END };

static const struct cli_opt profile_opts[] = {
	{ "model", "model", CLI_O_STR, "MODEL", "phone model the profile is for" },
	{ "description", "description", CLI_O_STR, "TEXT", "description" },
	{ "locale", "user_locale", CLI_O_STR, "LOCALE", "user locale" },
	{ "softkey-template", "softkey_template", CLI_O_STR, "NAME", "softkey template" },
	{ "line", "lines", CLI_O_LINE, "[INDEX:]DN[:LABEL]", "a line (repeatable)" },
	{ "speed-dial", "speed_dials", CLI_O_SPEED, "NUMBER[:LABEL]", "a speed dial (repeatable)" },
	{ "service", "services", CLI_O_SERVICE, "NAME=URL", "a phone service (repeatable)" },
	END
};

static const struct cli_opt sip_bindings_opts[] = {
	{ "device", "device", CLI_O_STR, "DEVICE", "one device (default: every live binding)" },
	END
};
static const struct cli_opt history_opts[] = {
	{ "user", "user", CLI_O_STR, "USER", "only this user" },
	{ "device", "device", CLI_O_STR, "DEVICE", "only this device" },
	{ "limit", "limit", CLI_O_INT, "N", "at most N entries (default 50)" },
	END
};
static const struct cli_opt state_opts[] = {
	{ "device", "device", CLI_O_STR, "DEVICE", "one device (default: all logged-in devices)" },
	END
};

#define CLUSTER_SERVICES                                                                      \
	{ "emcc", "emcc", CLI_O_BOOL, NULL, "EMCC service active (default on)" },             \
	{ "pstn", "pstn", CLI_O_BOOL, NULL, "PSTN access (default off)" },                     \
	{ "rsvp", "rsvp", CLI_O_BOOL, NULL, "RSVP agent (default off)" },                      \
	{ "tftp", "tftp", CLI_O_BOOL, NULL, "proxy TFTP (default off; refused with EMCC)" }

static const struct cli_opt cluster_add_opts[] = {
	{ "bundle", "bundle", CLI_O_FILE, "FILE", "the other cluster's trust bundle (emcc trust export)" },
	{ "fetch", "fetch", CLI_O_FLAG, NULL,
	  "fetch the bundle from https://ADDRESS/emcc/bundle (needs --fingerprint)" },
	{ "fingerprint", "fingerprint", CLI_O_STR, "SHA256",
	  "the certificate fingerprint the other side read out to you (hex or AA:BB:..)" },
	CLUSTER_SERVICES,
	END
};
static const struct cli_opt cluster_set_opts[] = {
	{ "address", "address", CLI_O_STR, "HOST[:PORT]", "its HTTPS address (default port 8443)" },
	{ "bundle", "bundle", CLI_O_FILE, "FILE", "re-import its trust bundle (new certificate)" },
	{ "fingerprint", "fingerprint", CLI_O_STR, "SHA256", "check --bundle against it" },
	CLUSTER_SERVICES,
	END
};

static const struct cli_opt cluster_update_opts[] = {
	{ "id", "id", CLI_O_STR, "ID", "only this cluster" },
	END
};

#define EMAPI_OPTS                                                                            \
	{ "url", "url", CLI_O_STR, "URL", "EM service URL ($EMCC_URL)" },                      \
	{ "app-user", "app_user", CLI_O_STR, "ID", "appID ($EMCC_APP_USER)" },                \
	{ "app-password", "app_password", CLI_O_STR, "TEXT", "appCertificate ($EMCC_APP_PASSWORD)" }

static const struct cli_opt em_login_opts[] = {
	{ "device", "device", CLI_O_STR, "DEVICE", "device name (required)" },
	{ "user", "user", CLI_O_STR, "USER", "user ID (required)" },
	{ "profile", "profile", CLI_O_STR, "PROFILE", "device profile (default: the user's)" },
	{ "duration", "duration", CLI_O_INT, "MINUTES", "exclusiveDuration time" },
	{ "indefinite", "indefinite", CLI_O_FLAG, NULL, "exclusiveDuration indefinite" },
	EMAPI_OPTS,
	END
};
static const struct cli_opt em_logout_opts[] = {
	{ "device", "device", CLI_O_STR, "DEVICE", "device to log out" },
	{ "all", "all", CLI_O_FLAG, NULL, "log out every device (logoutAll)" },
	EMAPI_OPTS,
	END
};
static const struct cli_opt em_query_opts[] = {
	{ "device", "devices", CLI_O_LIST, "DEVICE", "deviceUserQuery (repeatable)" },
	{ "user", "users", CLI_O_LIST, "USER", "userDevicesQuery (repeatable)" },
	{ "profiles", "profiles", CLI_O_LIST, "USER", "deviceProfileQuery (repeatable)" },
	{ "check", "check", CLI_O_LIST, "USER", "checkUser (repeatable)" },
	EMAPI_OPTS,
	END
};

#define A(noun, verb, api, p0, p1, meta, opts, summary)                                       \
	{ noun, verb, CLI_ADMIN, api, { p0, p1, NULL }, meta, opts, summary, NULL }
#define F(noun, verb, api, summary)                                                           \
	{ noun, verb, CLI_ADMIN, api, { "csv", NULL, NULL }, "FILE.csv", NULL, summary, "csv" }

static const struct cli_cmd commands[] = {
	A("status", "", "status/show", NULL, NULL, "", NULL,
	  "cluster id, schema version, counts, node status"),

	A("user", "list", "user/list", NULL, NULL, "", list_opts, "list end users"),
	A("user", "show", "user/show", "id", NULL, "ID", NULL, "show one user"),
	A("user", "add", "user/add", "id", NULL, "ID", user_add_opts, "add an end user"),
	A("user", "set", "user/set", "id", NULL, "ID", user_set_opts, "change an end user"),
	A("user", "del", "user/del", "id", NULL, "ID", NULL, "delete an end user"),
	A("user", "set-pin", "user/set-pin", "id", "pin", "ID PIN", NULL, "set a user's PIN"),
	A("user", "unlock", "user/unlock", "id", NULL, "ID", NULL,
	  "clear failed logons and the lockout"),
	F("user", "import", "user/import",
	  "import users from CSV (id,name,pin,password,primary_extension,emcc_enabled,"
	  "proxy_rights,max_login_minutes,profiles)"),
	A("user", "profile add", "user/profile-add", "id", "profile", "ID PROFILE", link_opts,
	  "link a device profile to a user"),
	A("user", "profile del", "user/profile-del", "id", "profile", "ID PROFILE", NULL,
	  "unlink a device profile"),
	A("user", "profile default", "user/profile-default", "id", "profile", "ID PROFILE", NULL,
	  "make a linked profile the default"),

	A("appuser", "list", "appuser/list", NULL, NULL, "", NULL, "list application users"),
	A("appuser", "show", "appuser/show", "id", NULL, "ID", NULL, "show an application user"),
	A("appuser", "add", "appuser/add", "id", NULL, "ID", appuser_opts,
	  "add an application user (--password required)"),
	A("appuser", "set", "appuser/set", "id", NULL, "ID", appuser_opts,
	  "change an application user"),
	A("appuser", "del", "appuser/del", "id", NULL, "ID", NULL, "delete an application user"),

	A("device", "list", "device/list", NULL, NULL, "", list_opts, "list devices"),
	A("device", "show", "device/show", "name", NULL, "NAME", NULL,
	  "show a device, its lines and EM state"),
	A("device", "add", "device/add", "name", NULL, "NAME", device_opts,
	  "add a device (--model required)"),
	A("device", "set", "device/set", "name", NULL, "NAME", device_opts, "change a device"),
	A("device", "del", "device/del", "name", NULL, "NAME", NULL, "delete a device"),
	F("device", "import", "device/import",
	  "import devices from CSV (name,model,protocol,description,em_enabled,emcc_enabled,"
	  "security_mode,user_locale,lines)"),
	A("device", "logout", "em/logout", "device", NULL, "NAME", NULL,
	  "log out whoever is on the device (as administrator)"),

	A("profile", "list", "profile/list", NULL, NULL, "", list_opts, "list device profiles"),
	A("profile", "show", "profile/show", "name", NULL, "NAME", NULL, "show a device profile"),
	A("profile", "add", "profile/add", "name", NULL, "NAME", profile_opts,
	  "add a device profile (--model required)"),
	A("profile", "set", "profile/set", "name", NULL, "NAME", profile_opts,
	  "change a device profile (list options replace the whole list)"),
	A("profile", "del", "profile/del", "name", NULL, "NAME", NULL, "delete a device profile"),
	F("profile", "import", "profile/import",
	  "import profiles from CSV (name,model,description,user_locale,softkey_template,lines,"
	  "speed_dials)"),

	A("param", "list", "param/list", NULL, NULL, "", NULL, "list EM parameters"),
	A("param", "show", "param/show", "name", NULL, "NAME", NULL, "show one parameter"),
	A("param", "set", "param/set", "name", "value", "NAME VALUE", NULL, "set a parameter"),

	A("em", "state", "em/state", NULL, NULL, "", state_opts, "logged-in devices"),
	A("em", "history", "em/history", NULL, NULL, "", history_opts,
	  "login/logout audit trail, newest first"),
	{ "em", "login", CLI_EMAPI, "login", { NULL }, "", em_login_opts,
	  "EM API login (as an application user)", NULL },
	{ "em", "logout", CLI_EMAPI, "logout", { NULL }, "", em_logout_opts,
	  "EM API logout / logoutAll", NULL },
	{ "em", "query", CLI_EMAPI, "query", { NULL }, "", em_query_opts,
	  "EM API queries: deviceUserQuery, userDevicesQuery, deviceProfileQuery, checkUser",
	  NULL },

	A("trust", "show", "trust/show", NULL, NULL, "", NULL,
	  "this cluster's id, HTTPS address and certificate fingerprint"),
	A("trust", "export", "trust/export", ">file", NULL, "[FILE]", NULL,
	  "write this cluster's trust bundle to FILE (default stdout) and print its fingerprint"),

	A("cluster", "list", "cluster/list", NULL, NULL, "", list_opts,
	  "remote clusters: address, services, status, version, last update, fingerprint"),
	A("cluster", "show", "cluster/show", "id", NULL, "ID", NULL, "show one remote cluster"),
	A("cluster", "add", "cluster/add", "id", "address", "ID HOST[:PORT]", cluster_add_opts,
	  "trust a remote cluster: --bundle FILE, or --fetch --fingerprint FP"),
	A("cluster", "set", "cluster/set", "id", NULL, "ID", cluster_set_opts,
	  "change a remote cluster's address, services or certificate"),
	A("cluster", "del", "cluster/del", "id", NULL, "ID", NULL, "stop trusting a remote cluster"),
	A("cluster", "update", "cluster/update", NULL, NULL, "", cluster_update_opts,
	  "ask every (or one) remote cluster for its status now (clusterInfo)"),
	A("cluster", "lookup", "cluster/lookup", "user", NULL, "USER", NULL,
	  "which remote cluster has USER: checkUser to every EMCC cluster, each answer and time"),
	A("cluster", "emcc-devices", "cluster/emcc-devices", NULL, NULL, "", NULL,
	  "EMCC rows: the home's EMCC devices and the visits of our phones"),

	A("sip", "bindings", "sip/bindings", NULL, NULL, "", sip_bindings_opts,
	  "live SIP registrations: device, contact, transport, expiry"),
};

const struct cli_cmd *cli_commands(size_t *n)
{
	*n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}
/* clang-format on */
