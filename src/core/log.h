/* log.h -- per-service trace files: timestamp, level, request number, cluster, message.
 *
 * One file per service (emservice.log, emapp.log, audit.log, ...) under the log directory, rotated
 * by size. Lines are written with one write(2) so that threads never interleave inside a line.
 * Only edges (request handlers, the daemon, the CLI) log; library code returns errors. */
#ifndef EMCC_CORE_LOG_H
#define EMCC_CORE_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* The services that have their own trace file. */
enum log_service {
	LOGS_DAEMON = 0, /* emccd.log: start, stop, reload, listeners */
	LOGS_EMSERVICE,	 /* emservice.log: EM service API */
	LOGS_EMAPP,	 /* emapp.log: phone-facing app */
	LOGS_EMCC,	 /* emcc.log: inter-cluster */
	LOGS_TFTP,
	LOGS_TVS,
	LOGS_SIP,
	LOGS_ADMIN,
	LOGS_AUDIT, /* audit.log: one line per login/logout attempt */
	LOGS_COUNT
};

struct log_options {
	const char *dir;	/* NULL: everything goes to stderr */
	const char *cluster_id; /* printed on every line */
	enum log_level level;
	long max_bytes; /* rotate a file when it grows past this */
	int keep;	/* rotated files kept: name.1 .. name.keep */
	int also_stderr;
};

/* Opens (or reopens, after SIGHUP) the trace files. Returns 0 or an errno value. */
int log_open(const struct log_options *opt);
void log_close(void);

const char *log_service_name(enum log_service s);
int log_service_from_name(const char *name); /* -1 if unknown */
const char *log_level_name(enum log_level l);
int log_level_from_name(const char *name); /* -1 if unknown */

/* Levels can change at run time, per service. */
void log_set_level(enum log_service s, enum log_level l);
enum log_level log_get_level(enum log_service s);
int log_enabled(enum log_service s, enum log_level l);

/* reqno 0 means "no request"; it is printed as "-". */
void log_msg(enum log_service s, enum log_level l, uint64_t reqno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void log_vmsg(enum log_service s, enum log_level l, uint64_t reqno, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* As OpenBSD's daemons log: log_warn and log_error add ": <strerror(errno)>", the x variants take
 * the message as it is, and the c variants add the text of an errno-style code, which is what
 * our functions return. */
void log_error(enum log_service s, uint64_t reqno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_warn(enum log_service s, uint64_t reqno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_errorc(enum log_service s, uint64_t reqno, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void log_warnc(enum log_service s, uint64_t reqno, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define log_errorx(s, r, ...) log_msg((s), LOG_LVL_ERROR, (r), __VA_ARGS__)
#define log_warnx(s, r, ...) log_msg((s), LOG_LVL_WARN, (r), __VA_ARGS__)
#define log_info(s, r, ...) log_msg((s), LOG_LVL_INFO, (r), __VA_ARGS__)
#define log_debug(s, r, ...)                                                                       \
	do {                                                                                       \
		if (log_enabled((s), LOG_LVL_DEBUG))                                               \
			log_msg((s), LOG_LVL_DEBUG, (r), __VA_ARGS__);                             \
	} while (0)

/* The end of the process: logged to emccd.log at error level and written to stderr, then
 * exit(1). fatal adds ": <strerror(errno)>", fatalc the text of err, fatalx nothing. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalc(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
