/* config.h -- the node's INI configuration file: parse, check, and name the bad line. */
#ifndef EMCC_CORE_CONFIG_H
#define EMCC_CORE_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_PARAMS 64
#define CONFIG_STR 256

/* One "[parameters]" entry: an EM service parameter the file pins (checked by em_params). */
struct config_param {
	char name[64];
	char value[CONFIG_STR];
	int line;
};

struct config {
	char path[CONFIG_STR]; /* the file this came from ("" for built-in defaults) */

	/* [cluster] */
	char cluster_id[64]; /* unique per cluster, like CUCM's Cluster ID enterprise parameter */
	char node_address[CONFIG_STR]; /* host this node puts into URLs it hands out */
	/* the NTP server phones are told to use (CUCM's Phone NTP Reference); "" = none: a SIP
	 * phone then takes the time from the REGISTER 200's Date header */
	char ntp_server[CONFIG_STR];

	/* [server] */
	char http_listen[CONFIG_STR];  /* host:port, "" disables */
	char https_listen[CONFIG_STR]; /* host:port, "" disables */
	char tls_cert[CONFIG_STR];     /* "" -> <data_dir>/https.crt, generated on first start */
	char tls_key[CONFIG_STR];      /* "" -> <data_dir>/https.key */
	char admin_socket[CONFIG_STR]; /* "" -> <data_dir>/admin.sock */
	char data_dir[CONFIG_STR];
	char database[CONFIG_STR]; /* "" -> <data_dir>/emcc.db */
	int workers;		   /* EM request worker threads */
	long max_body;		   /* bytes; larger request bodies get HTTP 413 */
	/* provisioning over HTTP (phones fetch SEP<MAC>.cnf.xml here), host:port, "" disables;
	 * default: [server] http's host, port 6970 (CUCM's TFTP-over-HTTP port) */
	char tftp_http[CONFIG_STR];
	/* provisioning over HTTPS (the node's certificate, no client certificate), host:port, ""
	 * disables; default: the same host, port 6971 (CUCM's HTTPS TFTP port) */
	char tftp_https[CONFIG_STR];
	/* TFTP (RFC 1350 with options) on UDP, host:port, "" disables; default: the same host,
	 * port 69 (CUCM runs TFTP on every node) */
	char tftp_udp[CONFIG_STR];

	/* [log] */
	char log_dir[CONFIG_STR]; /* "" -> <data_dir>/log */
	char log_level[16];
	long log_max_bytes;
	int log_keep;
	int log_stderr;

	/* [sip] */
	char sip_udp[CONFIG_STR]; /* host:port, "" disables; default: [server] http's host, 5060 */
	char sip_tcp[CONFIG_STR]; /* host:port, "" disables; same default */
	char sip_realm[128];	  /* digest realm; "" = no authentication */
	int sip_max_expires;	  /* cap on a registration's expiry, seconds */

	/* [parameters] */
	size_t nparams;
	struct config_param params[CONFIG_MAX_PARAMS];
};

/* Fills c with the built-in defaults: the visiting cluster of the seed lab on loopback. */
void config_defaults(struct config *c);

/* Reads path over the defaults. On error returns EINVAL (or an errno from opening the file) and
 * writes "file:line: what is wrong" into err. Unknown sections or keys are errors, so a typo is
 * never silently ignored.
 * The file is applied over config_defaults(), not over what c held before, and c is left
 * untouched on error, so a SIGHUP reload of a bad file keeps the running configuration.
 * Not thread-safe against other config loads (inih's options are process-wide). */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/* Same as config_load, but parses len bytes of text from memory; name stands for the file name
 * in c->path and in error messages (NULL: "(string)"). Used by tests and the fuzzer. */
int config_load_string(struct config *c, const char *name, const char *text, size_t len, char *err,
		       size_t errlen);

/* Resolves the "" defaults that depend on data_dir. Call after config_load. */
void config_finish(struct config *c);

#endif
