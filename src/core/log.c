/* log.c -- per-service trace files: one write(2) per line, size rotation, run-time levels. */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Longest message text kept on one line (after escaping); longer ones end in "...". */
#define LOG_MSG_MAX 8192
/* Timestamp, level, request number and cluster id in front of the message. */
#define LOG_PREFIX_MAX 160
#define LOG_CLUSTER_MAX 64

struct log_file {
	/* The fd number never changes while the file is open: rotation and reopen install the new
	 * file with dup2(), so a thread that loaded the number a moment ago never writes to a
	 * closed (or reused) descriptor. -1 means "stderr". */
	atomic_int fd;
	atomic_long size;
	atomic_int level;
	pthread_mutex_t rotate_mu; /* one rotation at a time per file */
};

static struct log_file files[LOGS_COUNT] = {
    [0 ... LOGS_COUNT -
     1] = {.fd = -1, .size = 0, .level = LOG_LVL_INFO, .rotate_mu = PTHREAD_MUTEX_INITIALIZER},
};

/* Guards the settings below and the set of open fds: writers hold it shared, log_open and
 * log_close exclusive. Writer preference so a SIGHUP reopen is not starved by a busy server. */
static pthread_rwlock_t cfg_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static char cfg_dir[PATH_MAX];
static int cfg_have_dir;
static char cfg_cluster[LOG_CLUSTER_MAX] = "-";
static long cfg_max_bytes;
static int cfg_keep;
static int cfg_also_stderr;

static const char *const service_names[LOGS_COUNT] = {
    [LOGS_DAEMON] = "emccd", [LOGS_EMSERVICE] = "emservice", [LOGS_EMAPP] = "emapp",
    [LOGS_EMCC] = "emcc",    [LOGS_TFTP] = "tftp",	     [LOGS_TVS] = "tvs",
    [LOGS_SIP] = "sip",	     [LOGS_ADMIN] = "admin",	     [LOGS_AUDIT] = "audit",
};

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* Padded to five columns so that messages line up and parsers can split on fixed fields. */
static const char *const level_tags[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

const char *log_service_name(enum log_service s)
{
	if ((unsigned)s >= LOGS_COUNT)
		return "?";
	return service_names[s];
}

int log_service_from_name(const char *name)
{
	for (int i = 0; i < LOGS_COUNT; i++)
		if (strcasecmp(name, service_names[i]) == 0)
			return i;
	return -1;
}

const char *log_level_name(enum log_level l)
{
	if ((unsigned)l > LOG_LVL_DEBUG)
		return "?";
	return level_names[l];
}

int log_level_from_name(const char *name)
{
	for (int i = 0; i <= LOG_LVL_DEBUG; i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return i;
	if (strcasecmp(name, "warning") == 0)
		return LOG_LVL_WARN;
	return -1;
}

void log_set_level(enum log_service s, enum log_level l)
{
	if ((unsigned)s >= LOGS_COUNT || (unsigned)l > LOG_LVL_DEBUG)
		return;
	atomic_store(&files[s].level, (int)l);
}

enum log_level log_get_level(enum log_service s)
{
	if ((unsigned)s >= LOGS_COUNT)
		return LOG_LVL_INFO;
	return (enum log_level)atomic_load(&files[s].level);
}

int log_enabled(enum log_service s, enum log_level l)
{
	if ((unsigned)s >= LOGS_COUNT)
		return 0;
	return (int)l <= atomic_load(&files[s].level);
}

/* mkdir -p with mode 0750 for the components we create. */
static int make_dirs(const char *dir)
{
	char tmp[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(tmp))
		return ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
		return errno;
	struct stat st;
	if (stat(tmp, &st) != 0)
		return errno;
	if (!S_ISDIR(st.st_mode))
		return ENOTDIR;
	return 0;
}

static int file_path(char *out, size_t outlen, const char *dir, enum log_service s, int gen)
{
	int n;
	if (gen == 0)
		n = snprintf(out, outlen, "%s/%s.log", dir, service_names[s]);
	else
		n = snprintf(out, outlen, "%s/%s.log.%d", dir, service_names[s], gen);
	return (n < 0 || (size_t)n >= outlen) ? ENAMETOOLONG : 0;
}

static int open_log_file(const char *path, int *fdp, long *sizep)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return errno;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return e;
	}
	*fdp = fd;
	*sizep = (long)st.st_size;
	return 0;
}

int log_open(const struct log_options *opt)
{
	int newfd[LOGS_COUNT];
	long newsize[LOGS_COUNT];
	int rc = 0;
	char path[PATH_MAX];

	for (int i = 0; i < LOGS_COUNT; i++) {
		newfd[i] = -1;
		newsize[i] = 0;
	}
	if (opt->dir && strlen(opt->dir) >= sizeof(cfg_dir)) {
		rc = ENAMETOOLONG;
		goto out;
	}
	/* Open everything first, so that a failed reopen leaves the old files in use. */
	if (opt->dir) {
		rc = make_dirs(opt->dir);
		if (rc)
			goto out;
		for (int i = 0; i < LOGS_COUNT; i++) {
			rc = file_path(path, sizeof(path), opt->dir, (enum log_service)i, 0);
			if (rc)
				goto out;
			rc = open_log_file(path, &newfd[i], &newsize[i]);
			if (rc)
				goto out;
		}
	}

	pthread_rwlock_wrlock(&cfg_lock);
	for (int i = 0; i < LOGS_COUNT; i++) {
		int old = atomic_load(&files[i].fd);
		if (old >= 0)
			close(old);
		atomic_store(&files[i].fd, newfd[i]);
		atomic_store(&files[i].size, newsize[i]);
		atomic_store(&files[i].level, (int)opt->level);
		newfd[i] = -1; /* owned by files[] now */
	}
	cfg_have_dir = opt->dir != NULL;
	if (opt->dir)
		snprintf(cfg_dir, sizeof(cfg_dir), "%s", opt->dir);
	else
		cfg_dir[0] = '\0';
	snprintf(cfg_cluster, sizeof(cfg_cluster), "%s",
		 opt->cluster_id && opt->cluster_id[0] ? opt->cluster_id : "-");
	cfg_max_bytes = opt->max_bytes;
	cfg_keep = opt->keep < 0 ? 0 : opt->keep;
	cfg_also_stderr = opt->also_stderr;
	pthread_rwlock_unlock(&cfg_lock);

out:
	for (int i = 0; i < LOGS_COUNT; i++)
		if (newfd[i] >= 0)
			close(newfd[i]);
	return rc;
}

void log_close(void)
{
	pthread_rwlock_wrlock(&cfg_lock);
	for (int i = 0; i < LOGS_COUNT; i++) {
		int old = atomic_exchange(&files[i].fd, -1);
		if (old >= 0)
			close(old);
		atomic_store(&files[i].size, 0);
	}
	cfg_have_dir = 0;
	cfg_dir[0] = '\0';
	pthread_rwlock_unlock(&cfg_lock);
}

/* Called with cfg_lock held shared. name.log.(keep-1) -> name.log.keep ... name.log ->
 * name.log.1, then a fresh name.log is put in place under the same fd number. */
static void rotate(enum log_service s)
{
	struct log_file *f = &files[s];
	char from[PATH_MAX], to[PATH_MAX];

	if (pthread_mutex_trylock(&f->rotate_mu) != 0)
		return; /* another thread is rotating this file right now */
	int fd = atomic_load(&f->fd);
	struct stat st;
	/* Someone else may have rotated between our size check and the lock. */
	if (fd < 0 || fstat(fd, &st) != 0)
		goto out;
	if (st.st_size <= cfg_max_bytes) {
		atomic_store(&f->size, (long)st.st_size);
		goto out;
	}
	/* Until the new file is in place, a failure (disk, permissions) means: keep writing to the
	 * old file and try again only after another max_bytes, not on every line. */
	atomic_store(&f->size, 0);
	for (int g = cfg_keep - 1; g >= 1; g--) {
		if (file_path(from, sizeof(from), cfg_dir, s, g) ||
		    file_path(to, sizeof(to), cfg_dir, s, g + 1))
			goto out;
		(void)rename(from, to); /* a missing older generation is fine */
	}
	if (file_path(from, sizeof(from), cfg_dir, s, 0))
		goto out;
	if (cfg_keep > 0) {
		if (file_path(to, sizeof(to), cfg_dir, s, 1) || rename(from, to) != 0)
			goto out;
	} else if (unlink(from) != 0) {
		goto out;
	}
	int nfd;
	long nsize;
	if (open_log_file(from, &nfd, &nsize) != 0)
		goto out;
	if (dup2(nfd, fd) >= 0)
		atomic_store(&f->size, nsize);
	close(nfd);
out:
	pthread_mutex_unlock(&f->rotate_mu);
}

/* Copies src into dst, escaping what would break the one-record-per-line rule. Returns the
 * bytes written; sets *cut when src did not fit. */
static size_t escape_msg(char *dst, size_t cap, const char *src, int *cut)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		char tmp[4];
		size_t n = 0;
		switch (c) {
		case '\n':
			tmp[n++] = '\\';
			tmp[n++] = 'n';
			break;
		case '\r':
			tmp[n++] = '\\';
			tmp[n++] = 'r';
			break;
		case '\t':
			tmp[n++] = '\\';
			tmp[n++] = 't';
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				tmp[n++] = '\\';
				tmp[n++] = 'x';
				tmp[n++] = hex[c >> 4];
				tmp[n++] = hex[c & 15];
			} else {
				tmp[n++] = (char)c;
			}
		}
		if (o + n > cap) {
			*cut = 1;
			break;
		}
		memcpy(dst + o, tmp, n);
		o += n;
	}
	return o;
}

static void write_all(int fd, const char *p, size_t n)
{
	/* One write(2) per line: O_APPEND makes it atomic with respect to other writers. */
	ssize_t w;
	do
		w = write(fd, p, n);
	while (w < 0 && errno == EINTR);
}

/* The one writer behind every log call: err >= 0 appends ": <strerror(err)>" to the message. */
static void log_write(enum log_service s, enum log_level l, uint64_t reqno, int err,
		      const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void log_write(enum log_service s, enum log_level l, uint64_t reqno, int err,
		      const char *fmt, va_list ap)
{
	char raw[LOG_MSG_MAX + 1];
	char line[LOG_PREFIX_MAX + LOG_MSG_MAX + 8];
	int saved_errno = errno; /* callers may log and then look at errno */

	if (!log_enabled(s, l) || (unsigned)l > LOG_LVL_DEBUG)
		return;

	int cut = 0;
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0) {
		n = snprintf(raw, sizeof(raw), "(bad log format)");
	} else if ((size_t)n >= sizeof(raw)) {
		cut = 1;
	}
	if (err >= 0 && !cut) {
		char ebuf[128];
		const char *etext = strerror_r(err, ebuf, sizeof(ebuf)); /* GNU: may not use ebuf */
		int m = snprintf(raw + n, sizeof(raw) - (size_t)n, ": %s", etext);
		if (m < 0 || (size_t)m >= sizeof(raw) - (size_t)n)
			cut = 1;
	}

	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	char req[24];
	if (reqno)
		snprintf(req, sizeof(req), "%llu", (unsigned long long)reqno);
	else
		snprintf(req, sizeof(req), "-");

	pthread_rwlock_rdlock(&cfg_lock);
	int len = snprintf(line, LOG_PREFIX_MAX, "%s.%03ld %s [%s] %s: ", when,
			   ts.tv_nsec / 1000000, level_tags[l], req, cfg_cluster);
	if (len < 0)
		len = 0;
	if (len >= LOG_PREFIX_MAX)
		len = LOG_PREFIX_MAX - 1;
	size_t pos = (size_t)len;
	pos += escape_msg(line + pos, LOG_MSG_MAX, raw, &cut);
	if (cut) {
		memcpy(line + pos, "...", 3);
		pos += 3;
	}
	line[pos++] = '\n';

	struct log_file *f = &files[s];
	int fd = atomic_load(&f->fd);
	if (fd < 0) {
		write_all(STDERR_FILENO, line, pos);
	} else {
		write_all(fd, line, pos);
		if (cfg_also_stderr)
			write_all(STDERR_FILENO, line, pos);
		long size = atomic_fetch_add(&f->size, (long)pos) + (long)pos;
		if (cfg_have_dir && cfg_max_bytes > 0 && size > cfg_max_bytes)
			rotate(s);
	}
	pthread_rwlock_unlock(&cfg_lock);
	errno = saved_errno;
}

void log_vmsg(enum log_service s, enum log_level l, uint64_t reqno, const char *fmt, va_list ap)
{
	log_write(s, l, reqno, -1, fmt, ap);
}

void log_msg(enum log_service s, enum log_level l, uint64_t reqno, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_write(s, l, reqno, -1, fmt, ap);
	va_end(ap);
}

/* The errno variants: errno is read before anything else can change it. */
#define LOG_WITH_ERR(level, err)                                                                   \
	do {                                                                                       \
		int e_ = (err);                                                                    \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_write(s, (level), reqno, e_, fmt, ap);                                         \
		va_end(ap);                                                                        \
	} while (0)

void log_error(enum log_service s, uint64_t reqno, const char *fmt, ...)
{
	LOG_WITH_ERR(LOG_LVL_ERROR, errno);
}

void log_warn(enum log_service s, uint64_t reqno, const char *fmt, ...)
{
	LOG_WITH_ERR(LOG_LVL_WARN, errno);
}

void log_errorc(enum log_service s, uint64_t reqno, int err, const char *fmt, ...)
{
	LOG_WITH_ERR(LOG_LVL_ERROR, err);
}

void log_warnc(enum log_service s, uint64_t reqno, int err, const char *fmt, ...)
{
	LOG_WITH_ERR(LOG_LVL_WARN, err);
}

/* fatal and fatalx: the daemon's log at error level, and stderr even when the log is a file,
 * since whoever started the process is looking there. */
static void fatal_write(int err, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0), noreturn));
static void fatal_write(int err, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX];
	int keep = cfg_also_stderr;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err >= 0)
		log_errorc(LOGS_DAEMON, 0, err, "fatal: %s", msg);
	else
		log_msg(LOGS_DAEMON, LOG_LVL_ERROR, 0, "fatal: %s", msg);
	if (atomic_load(&files[LOGS_DAEMON].fd) >= 0 && !keep) {
		if (err >= 0)
			fprintf(stderr, "%s: %s\n", msg, strerror(err));
		else
			fprintf(stderr, "%s\n", msg);
	}
	exit(1);
}

void fatal(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	fatal_write(e, fmt, ap);
	va_end(ap);
}

void fatalc(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fatal_write(err, fmt, ap);
	va_end(ap);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fatal_write(-1, fmt, ap);
	va_end(ap);
}
