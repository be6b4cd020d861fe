/* config.c -- parse and check the node's INI file with inih; errors name the file and line. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "core/addr.h"

/* Longest physical line we accept; inih gets a heap line buffer this big (plus "\r\n\0"). */
#define CONFIG_LINE_MAX 1024
/* A config file bigger than this is certainly a mistake (a log file given by accident). */
#define CONFIG_FILE_MAX (1024 * 1024)
/* data_dir must leave room for the longest name config_finish appends ("/admin.sock"). */
#define CONFIG_DATA_DIR_MAX (CONFIG_STR - 1 - 11)
/* sizeof(sockaddr_un.sun_path) - 1 on Linux. */
#define CONFIG_SUN_PATH_MAX 107

enum key_kind {
	K_STR,
	K_CLUSTER_ID,
	K_HOST,
	K_HOST_OPT, /* a host, or "" */
	K_LISTEN,
	K_PATH,
	K_DATA_DIR,
	K_SOCKET,
	K_INT,
	K_LONG,
	K_LEVEL,
	K_BOOL,
	K_REALM
};

struct key_def {
	const char *section;
	const char *name;
	enum key_kind kind;
	size_t off;  /* offset of the field in struct config */
	size_t size; /* size of a char[] field */
	long min, max;
};

#define STR_KEY(sec, key, kind, field)                                                             \
	{                                                                                          \
		sec, key, kind, offsetof(struct config, field),                                    \
		    sizeof(((struct config *)0)->field), 0, 0                                      \
	}
#define NUM_KEY(sec, key, kind, field, lo, hi)                                                     \
	{                                                                                          \
		sec, key, kind, offsetof(struct config, field), 0, lo, hi                          \
	}

static const struct key_def keys[] = {
    STR_KEY("cluster", "id", K_CLUSTER_ID, cluster_id),
    STR_KEY("cluster", "node_address", K_HOST, node_address),
    STR_KEY("cluster", "ntp_server", K_HOST_OPT, ntp_server),
    STR_KEY("server", "http", K_LISTEN, http_listen),
    STR_KEY("server", "https", K_LISTEN, https_listen),
    STR_KEY("server", "tls_cert", K_PATH, tls_cert),
    STR_KEY("server", "tls_key", K_PATH, tls_key),
    STR_KEY("server", "admin_socket", K_SOCKET, admin_socket),
    STR_KEY("server", "data_dir", K_DATA_DIR, data_dir),
    STR_KEY("server", "database", K_PATH, database),
    NUM_KEY("server", "workers", K_INT, workers, 1, 64),
    NUM_KEY("server", "max_body", K_LONG, max_body, 1024, 16777216),
    STR_KEY("server", "tftp_http", K_LISTEN, tftp_http),
    STR_KEY("server", "tftp_https", K_LISTEN, tftp_https),
    STR_KEY("server", "tftp", K_LISTEN, tftp_udp),
    STR_KEY("log", "dir", K_PATH, log_dir),
    STR_KEY("log", "level", K_LEVEL, log_level),
    NUM_KEY("log", "max_size", K_LONG, log_max_bytes, 4096, LONG_MAX),
    NUM_KEY("log", "keep", K_INT, log_keep, 0, 100),
    NUM_KEY("log", "stderr", K_BOOL, log_stderr, 0, 1),
    STR_KEY("sip", "udp", K_LISTEN, sip_udp),
    STR_KEY("sip", "tcp", K_LISTEN, sip_tcp),
    STR_KEY("sip", "realm", K_REALM, sip_realm),
    NUM_KEY("sip", "max_expires", K_INT, sip_max_expires, 60, 86400),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const sections[] = {"cluster", "server", "log", "sip", "parameters"};

/* State shared by the line reader and the inih handler. */
struct parse {
	struct config *c;
	const char *p, *end;
	int lineno;	 /* physical line last handed to inih */
	int err_line;	 /* first error found by us (0: none) */
	char err[300];	 /* its text, without the "file:line: " prefix */
	int seen[NKEYS]; /* line where each key was set (0: not yet) */
};

static void perr(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void perr(struct parse *ps, const char *fmt, ...)
{
	if (ps->err_line)
		return; /* the first error is the one worth reading */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->err, sizeof(ps->err), fmt, ap);
	va_end(ap);
	ps->err_line = ps->lineno;
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->cluster_id, sizeof(c->cluster_id), "ClusterOne");
	snprintf(c->node_address, sizeof(c->node_address), "127.0.7.100");
	snprintf(c->http_listen, sizeof(c->http_listen), "127.0.7.100:8080");
	snprintf(c->https_listen, sizeof(c->https_listen), "127.0.7.100:8443");
	snprintf(c->data_dir, sizeof(c->data_dir), "/var/lib/emcc");
	c->workers = 4;
	c->max_body = 65536;
	snprintf(c->log_level, sizeof(c->log_level), "info");
	c->log_max_bytes = 10L * 1024 * 1024;
	c->log_keep = 5;
	c->log_stderr = 0;
	snprintf(c->sip_udp, sizeof(c->sip_udp), "127.0.7.100:5060");
	snprintf(c->sip_tcp, sizeof(c->sip_tcp), "127.0.7.100:5060");
	c->sip_max_expires = 3600;
	snprintf(c->tftp_http, sizeof(c->tftp_http), "127.0.7.100:6970");
	snprintf(c->tftp_https, sizeof(c->tftp_https), "127.0.7.100:6971");
	snprintf(c->tftp_udp, sizeof(c->tftp_udp), "127.0.7.100:69");
}

/* Strict decimal: optional '-', digits, nothing else; no overflow. */
static int parse_long(const char *s, long *out)
{
	const char *q = s;
	if (*q == '-')
		q++;
	if (!isdigit((unsigned char)*q))
		return EINVAL;
	for (; *q; q++)
		if (!isdigit((unsigned char)*q))
			return EINVAL;
	errno = 0;
	long v = strtol(s, NULL, 10);
	if (errno == ERANGE)
		return ERANGE;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "yes", "1", "on"};
	static const char *const no[] = {"false", "no", "0", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return EINVAL;
}

static int valid_cluster_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 50)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return 0;
	return 1;
}

/* A host name, IPv4 or IPv6 literal that can go into a URL as is. */
static int valid_host(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-._:[]", *s))
			return 0;
	return 1;
}

/* set_key for the keys that are not text (numbers, booleans, the log level): 0 or EINVAL
 * reported through perr; ENOENT for a text key. */
static int set_scalar(struct parse *ps, const struct key_def *k, const char *v)
{
	char *field = (char *)ps->c + k->off;
	const char *sec = k->section, *name = k->name;

	switch (k->kind) {
	case K_INT:
	case K_LONG: {
		long x;
		int rc = parse_long(v, &x);
		if (rc == ERANGE || (rc == 0 && (x < k->min || x > k->max))) {
			if (k->max == LONG_MAX)
				perr(ps, "[%s] %s: %s is out of range (allowed %ld or more)", sec,
				     name, v, k->min);
			else
				perr(ps, "[%s] %s: %s is out of range (allowed %ld..%ld)", sec,
				     name, v, k->min, k->max);
			return EINVAL;
		}
		if (rc) {
			perr(ps, "[%s] %s: \"%s\" is not a number (allowed %ld..%ld)", sec, name, v,
			     k->min, k->max);
			return EINVAL;
		}
		if (k->kind == K_INT)
			*(int *)(void *)field = (int)x;
		else
			*(long *)(void *)field = x;
		return 0;
	}
	case K_BOOL: {
		int b;
		if (parse_bool(v, &b)) {
			perr(ps,
			     "[%s] %s: \"%s\" is not a boolean (allowed true/false, yes/no, "
			     "on/off, 1/0)",
			     sec, name, v);
			return EINVAL;
		}
		*(int *)(void *)field = b;
		return 0;
	}
	case K_LEVEL: {
		static const char *const lv[] = {"error", "warn", "info", "debug"};
		for (size_t i = 0; i < 4; i++) {
			if (strcasecmp(v, lv[i]) == 0) {
				snprintf(field, k->size, "%s", lv[i]);
				return 0;
			}
		}
		perr(ps, "[%s] %s: unknown level \"%s\" (allowed error, warn, info, debug)", sec,
		     name, v);
		return EINVAL;
	}
	default: return ENOENT;
	}
}

/* Checks one value against its key and stores it; returns 0 or reports through perr.
 * Kept whole: a table of the text kinds, each with its check and the exact error text an
 * operator sees, which reads best side by side. */
static int set_key(struct parse *ps, const struct key_def *k, const char *v)
{
	char *field = (char *)ps->c + k->off;
	const char *sec = k->section, *name = k->name;
	size_t n = strlen(v);
	int rc = set_scalar(ps, k, v);

	if (rc != ENOENT)
		return rc;
	/* String-valued keys. */
	size_t max = k->size - 1;
	if (k->kind == K_CLUSTER_ID)
		max = 50;
	else if (k->kind == K_DATA_DIR)
		max = CONFIG_DATA_DIR_MAX;
	else if (k->kind == K_SOCKET)
		max = CONFIG_SUN_PATH_MAX;
	if (n > max) {
		perr(ps, "[%s] %s: value too long, %zu characters (allowed up to %zu)", sec, name,
		     n, max);
		return EINVAL;
	}
	for (const char *q = v; *q; q++) {
		if ((unsigned char)*q < 0x20 || *q == 0x7f) {
			perr(ps, "[%s] %s: control character in value", sec, name);
			return EINVAL;
		}
	}
	switch (k->kind) {
	case K_CLUSTER_ID:
		if (!valid_cluster_id(v)) {
			perr(ps,
			     "[%s] %s: \"%s\" is not a valid cluster id (allowed 1..50 of A-Z a-z "
			     "0-9 _ - .)",
			     sec, name, v);
			return EINVAL;
		}
		break;
	case K_HOST_OPT:
		if (!*v)
			break;
		/* fall through */
	case K_HOST:
		if (!valid_host(v)) {
			perr(ps,
			     "[%s] %s: \"%s\" is not a host name or address (allowed letters, "
			     "digits, - . _ : [ ])",
			     sec, name, v);
			return EINVAL;
		}
		break;
	case K_LISTEN: {
		struct addr a;
		if (n && addr_parse(&a, v, ADDR_LISTEN, 0)) {
			perr(ps,
			     "[%s] %s: \"%s\" is not a listen address (allowed host:port, "
			     "[v6]:port, port 0..65535, or empty to disable)",
			     sec, name, v);
			return EINVAL;
		}
		break;
	}
	case K_REALM:
		/* It goes between quotes in WWW-Authenticate: no quote, backslash or non-ASCII. */
		for (const char *q = v; *q; q++) {
			if ((unsigned char)*q > 0x7e || *q == '"' || *q == '\\') {
				perr(ps,
				     "[%s] %s: \"%s\" is not a realm (allowed printable ASCII "
				     "without \" and \\, or empty for no authentication)",
				     sec, name, v);
				return EINVAL;
			}
		}
		break;
	case K_DATA_DIR:
		if (n == 0) {
			perr(ps, "[%s] %s: must not be empty (allowed a directory path)", sec,
			     name);
			return EINVAL;
		}
		break;
	default: break;
	}
	memcpy(field, v, n + 1);
	return 0;
}

static int add_param(struct parse *ps, const char *name, const char *v)
{
	struct config *c = ps->c;
	if (strlen(name) >= sizeof(c->params[0].name)) {
		perr(ps, "[parameters] %s: name too long (allowed up to %zu characters)", name,
		     sizeof(c->params[0].name) - 1);
		return EINVAL;
	}
	if (strlen(v) >= sizeof(c->params[0].value)) {
		perr(ps, "[parameters] %s: value too long, %zu characters (allowed up to %zu)",
		     name, strlen(v), sizeof(c->params[0].value) - 1);
		return EINVAL;
	}
	for (size_t i = 0; i < c->nparams; i++) {
		if (strcmp(c->params[i].name, name) == 0) {
			perr(ps, "[parameters] %s: duplicate key (first set on line %d)", name,
			     c->params[i].line);
			return EINVAL;
		}
	}
	if (c->nparams == CONFIG_MAX_PARAMS) {
		perr(ps, "[parameters] %s: too many parameters (allowed up to %d)", name,
		     CONFIG_MAX_PARAMS);
		return EINVAL;
	}
	struct config_param *p = &c->params[c->nparams++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->value, sizeof(p->value), "%s", v);
	p->line = ps->lineno;
	return 0;
}

/* inih handler: nonzero means "line is fine", zero makes inih report this line. */
static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;

	if (ps->err_line)
		return 0;
	if (!section[0]) {
		perr(ps,
		     "%s: key outside any section (allowed sections [cluster], [server], [log], "
		     "[sip], [parameters])",
		     name);
		return 0;
	}
	if (strcmp(section, "parameters") == 0)
		return add_param(ps, name, value) == 0;

	int known_section = 0;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(section, sections[i]) == 0)
			known_section = 1;
	if (!known_section) {
		perr(ps,
		     "[%s] %s: unknown section (allowed [cluster], [server], [log], [sip], "
		     "[parameters])",
		     section, name);
		return 0;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) != 0 || strcmp(keys[i].name, name) != 0)
			continue;
		if (ps->seen[i]) {
			perr(ps, "[%s] %s: duplicate key (first set on line %d)", section, name,
			     ps->seen[i]);
			return 0;
		}
		ps->seen[i] = ps->lineno;
		return set_key(ps, &keys[i], value) == 0;
	}

	/* Name the keys this section does know, so the fix is obvious. */
	char allowed[256] = "";
	size_t al = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		int w = snprintf(allowed + al, sizeof(allowed) - al, "%s%s", al ? ", " : "",
				 keys[i].name);
		if (w > 0 && (size_t)w < sizeof(allowed) - al)
			al += (size_t)w;
	}
	perr(ps, "[%s] %s: unknown key (allowed %s)", section, name, allowed);
	return 0;
}

/* [sip] udp and tcp that the file leaves out follow the host of the HTTP listener (HTTPS when
 * HTTP is off), port 5060: with the built-in defaults that is 127.0.7.100:5060, and nodes on
 * different addresses of one machine never fight over the port. */
static void sip_follow_http(struct parse *ps)
{
	struct config *c = ps->c;
	struct addr a;
	const char *from = c->http_listen[0] ? c->http_listen : c->https_listen;
	if (!from[0] || addr_parse(&a, from, ADDR_LISTEN, 0))
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, "sip") != 0 || keys[i].kind != K_LISTEN || ps->seen[i])
			continue;
		addr_format((char *)c + keys[i].off, keys[i].size, a.host, 5060);
	}
}

/* [server] tftp_http, tftp_https and tftp left out follow the HTTP listener's host (HTTPS when
 * HTTP is off), ports 6970, 6971 and 69, as [sip] does with 5060: phones find their files where
 * CUCM's TFTP serves them, and nodes on different addresses of one machine never collide. */
static void tftp_follow_http(struct parse *ps)
{
	static const struct {
		size_t off, size;
		int port;
	} follow[] = {
	    {offsetof(struct config, tftp_http), sizeof(((struct config *)0)->tftp_http), 6970},
	    {offsetof(struct config, tftp_https), sizeof(((struct config *)0)->tftp_https), 6971},
	    {offsetof(struct config, tftp_udp), sizeof(((struct config *)0)->tftp_udp), 69},
	};
	struct config *c = ps->c;
	struct addr a;
	const char *from = c->http_listen[0] ? c->http_listen : c->https_listen;

	if (!from[0] || addr_parse(&a, from, ADDR_LISTEN, 0))
		return;
	for (size_t f = 0; f < sizeof(follow) / sizeof(follow[0]); f++) {
		int seen = 0;
		for (size_t i = 0; i < NKEYS; i++)
			if (keys[i].off == follow[f].off && ps->seen[i])
				seen = 1;
		if (!seen)
			addr_format((char *)c + follow[f].off, follow[f].size, a.host,
				    follow[f].port);
	}
}

/* fgets-style reader over memory that hands inih exactly one physical line per call, so that
 * ps->lineno is the line inih is working on (inih does not pass it to the handler). */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	if (ps->err_line || ps->p >= ps->end)
		return NULL;
	const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	size_t len = nl ? (size_t)(nl - ps->p) + 1 : (size_t)(ps->end - ps->p);
	const char *line = ps->p;
	ps->p += len;
	ps->lineno++;
	if (memchr(line, '\0', len)) {
		perr(ps, "NUL byte in line");
		return NULL;
	}
	if (len > CONFIG_LINE_MAX || (int)len > num - 1) {
		perr(ps, "line too long (allowed up to %d characters)", CONFIG_LINE_MAX);
		return NULL;
	}
	memcpy(str, line, len);
	str[len] = '\0';
	return str;
}

static int parse_text(struct config *c, const char *name, const char *text, size_t len, char *err,
		      size_t errlen)
{
	struct parse *ps = NULL;
	struct config *tmp = NULL;
	int rc = 0;

	ps = calloc(1, sizeof(*ps));
	tmp = malloc(sizeof(*tmp));
	if (!ps || !tmp) {
		rc = ENOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	/* Work on a copy: a bad file changes nothing (matters for a SIGHUP reload). */
	config_defaults(tmp);
	snprintf(tmp->path, sizeof(tmp->path), "%s", name);
	ps->c = tmp;
	ps->p = text;
	ps->end = text + len;

	/* Debian's inih exposes its build options as globals. One physical line per reader call
	 * needs a line buffer as big as our longest line; continuation lines would make a key look
	 * duplicated, so they are off. Config loading happens on one thread at a time. */
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_initial_alloc = CONFIG_LINE_MAX + 3;
	ini_max_line = CONFIG_LINE_MAX + 3;
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;

	int line = ini_parse_stream(read_line, ps, on_value, ps);
	if (line == -2) {
		rc = ENOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	if (ps->err_line) {
		rc = EINVAL;
		snprintf(err, errlen, "%s:%d: %s", name, ps->err_line, ps->err);
		goto out;
	}
	if (line != 0) {
		rc = EINVAL;
		snprintf(err, errlen,
			 "%s:%d: syntax error (allowed [section], key = value, ; comment)", name,
			 line);
		goto out;
	}
	sip_follow_http(ps);
	tftp_follow_http(ps);
	memcpy(c, tmp, sizeof(*c));
	if (errlen)
		err[0] = '\0';
out:
	free(ps);
	free(tmp);
	return rc;
}

int config_load_string(struct config *c, const char *name, const char *text, size_t len, char *err,
		       size_t errlen)
{
	return parse_text(c, name ? name : "(string)", text, len, err, errlen);
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	int fd = -1, rc = 0;
	struct stat st;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(rc));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		rc = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
		rc = EINVAL;
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path,
			 CONFIG_FILE_MAX);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		rc = ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, text + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = errno;
			snprintf(err, errlen, "%s: %s", path, strerror(rc));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	rc = parse_text(c, path, text, len, err, errlen);
out:
	free(text);
	if (fd >= 0)
		close(fd);
	return rc;
}

static void derive(char *field, size_t size, const char *dir, const char *leaf)
{
	if (field[0])
		return;
	int n = snprintf(field, size, "%s/%s", dir, leaf);
	if (n < 0 || (size_t)n >= size)
		field[0] = '\0'; /* cannot happen: data_dir length is checked on load */
}

void config_finish(struct config *c)
{
	derive(c->tls_cert, sizeof(c->tls_cert), c->data_dir, "https.crt");
	derive(c->tls_key, sizeof(c->tls_key), c->data_dir, "https.key");
	derive(c->admin_socket, sizeof(c->admin_socket), c->data_dir, "admin.sock");
	derive(c->database, sizeof(c->database), c->data_dir, "emcc.db");
	derive(c->log_dir, sizeof(c->log_dir), c->data_dir, "log");
}
