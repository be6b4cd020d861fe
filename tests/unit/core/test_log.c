/* test_log.c -- trace files: line format, errno texts, fatal, escaping, truncation, levels,
 * rotation, threads. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "core/log.h"
#include "testutil.h"

/* The format analyzers parse: "YYYY-MM-DD HH:MM:SS.mmm LEVEL [reqno] cluster: message". */
#define LINE_RE                                                                                    \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} "                       \
	"(ERROR|WARN |INFO |DEBUG) \\[([0-9]+|-)\\] [A-Za-z0-9_.-]+: "

struct fixture {
	char dir[64];
	char logdir[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/emcc-log-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	/* A missing subdirectory: log_open must create it. */
	snprintf(f->logdir, sizeof(f->logdir), "%s/a/log", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	log_close();
	tu_rm_rf(f->dir);
	free(f);
	return 0;
}

static void open_logs(struct fixture *f, long max_bytes, int keep)
{
	struct log_options o = {
	    .dir = f->logdir,
	    .cluster_id = "ClusterOne",
	    .level = LOG_LVL_INFO,
	    .max_bytes = max_bytes,
	    .keep = keep,
	};
	assert_int_equal(log_open(&o), 0);
}

static char *read_log(struct fixture *f, const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->logdir, name);
	return tu_slurp(path, len);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every line of s matches LINE_RE and ends with a newline; returns the number of lines. */
static size_t check_lines(const char *s)
{
	regex_t re;
	assert_int_equal(regcomp(&re, LINE_RE, REG_EXTENDED | REG_NOSUB), 0);
	size_t n = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		assert_non_null(nl); /* no partial last line */
		char *line = strndup(s, (size_t)(nl - s));
		if (regexec(&re, line, 0, NULL, 0) != 0)
			fail_msg("bad line: %s", line);
		free(line);
		n++;
		s = nl + 1;
	}
	regfree(&re);
	return n;
}

/* log_warn and log_error add errno's text, the c variants their code's, the x variants nothing;
 * errno is kept for the caller. */
static void test_errno_variants(void **state)
{
	struct fixture *f = *state;
	open_logs(f, 1 << 20, 2);
	errno = ENOENT;
	log_warn(LOGS_ADMIN, 7, "cannot read %s", "/etc/emcc/emccd.ini");
	assert_int_equal(errno, ENOENT);
	errno = EACCES;
	log_error(LOGS_ADMIN, 7, "cannot open");
	log_warnc(LOGS_ADMIN, 8, EBUSY, "database");
	log_errorc(LOGS_ADMIN, 9, ENOSPC, "commit of %d rows", 3);
	log_warnx(LOGS_ADMIN, 10, "plain: %s", "as is");

	char *s = read_log(f, "admin.log", NULL);
	assert_non_null(s);
	assert_int_equal(check_lines(s), 5);
	char want[5][128];
	snprintf(want[0], sizeof(want[0]), "[7] ClusterOne: cannot read /etc/emcc/emccd.ini: %s\n",
		 strerror(ENOENT));
	snprintf(want[1], sizeof(want[1]), "[7] ClusterOne: cannot open: %s\n", strerror(EACCES));
	snprintf(want[2], sizeof(want[2]), "[8] ClusterOne: database: %s\n", strerror(EBUSY));
	snprintf(want[3], sizeof(want[3]), "[9] ClusterOne: commit of 3 rows: %s\n",
		 strerror(ENOSPC));
	snprintf(want[4], sizeof(want[4]), "[10] ClusterOne: plain: as is\n");
	for (int i = 0; i < 5; i++)
		if (!strstr(s, want[i]))
			fail_msg("missing: %s in\n%s", want[i], s);
	free(s);
}

/* fatal logs at error level, writes stderr too, and ends the process with status 1. */
static void test_fatal(void **state)
{
	struct fixture *f = *state;
	char errpath[160];
	snprintf(errpath, sizeof(errpath), "%s/stderr", f->dir);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, STDERR_FILENO);
		open_logs(f, 1 << 20, 2);
		fatalc(EADDRINUSE, "cannot listen on %s", "127.0.7.100:8080");
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	char *log = read_log(f, "emccd.log", NULL), *err = tu_slurp(errpath, NULL), want[128];
	assert_non_null(log);
	assert_non_null(err);
	snprintf(want, sizeof(want), "fatal: cannot listen on 127.0.7.100:8080: %s",
		 strerror(EADDRINUSE));
	assert_non_null(strstr(log, want));
	assert_non_null(strstr(log, " ERROR "));
	snprintf(want, sizeof(want), "cannot listen on 127.0.7.100:8080: %s\n",
		 strerror(EADDRINUSE));
	assert_string_equal(err, want);
	free(log);
	free(err);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(log_service_name(LOGS_DAEMON), "emccd");
	assert_string_equal(log_service_name(LOGS_EMSERVICE), "emservice");
	assert_string_equal(log_service_name(LOGS_AUDIT), "audit");
	assert_int_equal(log_service_from_name("emapp"), LOGS_EMAPP);
	assert_int_equal(log_service_from_name("sip"), LOGS_SIP);
	assert_int_equal(log_service_from_name("nope"), -1);
	assert_string_equal(log_level_name(LOG_LVL_WARN), "warn");
	assert_int_equal(log_level_from_name("debug"), LOG_LVL_DEBUG);
	assert_int_equal(log_level_from_name("ERROR"), LOG_LVL_ERROR);
	assert_int_equal(log_level_from_name("loud"), -1);
}

static void test_format(void **state)
{
	struct fixture *f = *state;
	open_logs(f, 1 << 20, 2);
	log_info(LOGS_EMSERVICE, 42, "login user=%s device=%s", "adgjm", "SEPC80084AA8743");
	log_warnx(LOGS_EMSERVICE, 0, "no request");
	log_errorx(LOGS_EMSERVICE, UINT64_MAX, "big");

	char *s = read_log(f, "emservice.log", NULL);
	assert_non_null(s);
	assert_int_equal(check_lines(s), 3);

	char *l1 = s, *l2 = strchr(s, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
	/* Date and time, then exactly the fixed fields. */
	assert_int_equal(l1[4], '-');
	assert_int_equal(l1[10], ' ');
	assert_int_equal(l1[19], '.');
	assert_memory_equal(
	    l1 + 23, " INFO  [42] ClusterOne: login user=adgjm device=SEPC80084AA8743\n", 64);
	assert_memory_equal(l2 + 23, " WARN  [-] ClusterOne: no request\n", 34);
	assert_memory_equal(l3 + 23, " ERROR [18446744073709551615] ClusterOne: big\n", 46);
	free(s);

	/* Other services' files exist and are empty; they are 0640. */
	size_t len = 99;
	s = read_log(f, "emccd.log", &len);
	assert_non_null(s);
	assert_int_equal(len, 0);
	free(s);
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/audit.log", f->logdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777 & ~0640, 0);
	assert_int_equal(stat(f->logdir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

static void test_escaping(void **state)
{
	struct fixture *f = *state;
	open_logs(f, 1 << 20, 2);
	/* A user id with a newline must not be able to forge a second record. */
	log_info(LOGS_AUDIT, 7, "user=%s",
		 "evil\n2026-01-01 00:00:00.000 INFO  [1] X: fake\r\t\x01!");
	char *s = read_log(f, "audit.log", NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 1);
	assert_non_null(
	    strstr(s, "user=evil\\n2026-01-01 00:00:00.000 INFO  [1] X: fake\\r\\t\\x01!\n"));
	free(s);
}

static void test_truncation(void **state)
{
	struct fixture *f = *state;
	open_logs(f, 1 << 20, 2);
	static char big[20001];
	memset(big, 'x', 20000);
	big[20000] = '\0';
	log_info(LOGS_EMAPP, 1, "%s", big);
	/* Escaping grows the text: cut on the escaped size, too. */
	memset(big, '\n', 20000);
	log_info(LOGS_EMAPP, 2, "%s", big);

	char *s = read_log(f, "emapp.log", NULL);
	assert_non_null(s);
	assert_int_equal(check_lines(s), 2);
	char *l2 = strchr(s, '\n') + 1;
	assert_memory_equal(l2 - 4, "...\n", 4);
	assert_true(l2 - s < 8192 + 200);
	assert_true(l2 - s > 8000);
	assert_memory_equal(s + strlen(s) - 4, "...\n", 4);
	assert_true(strlen(l2) < 8192 + 200);
	free(s);
}

static void test_levels(void **state)
{
	struct fixture *f = *state;
	open_logs(f, 1 << 20, 2);
	assert_int_equal(log_get_level(LOGS_SIP), LOG_LVL_INFO);
	assert_false(log_enabled(LOGS_SIP, LOG_LVL_DEBUG));
	log_debug(LOGS_SIP, 1, "hidden debug");
	log_info(LOGS_SIP, 2, "shown info");

	log_set_level(LOGS_SIP, LOG_LVL_WARN);
	assert_int_equal(log_get_level(LOGS_SIP), LOG_LVL_WARN);
	assert_int_equal(log_get_level(LOGS_TFTP), LOG_LVL_INFO); /* per service */
	log_info(LOGS_SIP, 3, "hidden info");
	log_warnx(LOGS_SIP, 4, "shown warn");

	log_set_level(LOGS_SIP, LOG_LVL_DEBUG);
	log_debug(LOGS_SIP, 5, "shown debug");

	char *s = read_log(f, "sip.log", NULL);
	assert_non_null(s);
	assert_int_equal(check_lines(s), 3);
	assert_null(strstr(s, "hidden"));
	assert_non_null(strstr(s, "INFO  [2] ClusterOne: shown info"));
	assert_non_null(strstr(s, "WARN  [4] ClusterOne: shown warn"));
	assert_non_null(strstr(s, "DEBUG [5] ClusterOne: shown debug"));
	free(s);
}

static int exists(struct fixture *f, const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->logdir, name);
	return access(path, F_OK) == 0;
}

static void test_rotation(void **state)
{
	struct fixture *f = *state;
	open_logs(f, 4096, 2);
	for (int i = 0; i < 400; i++)
		log_info(LOGS_TFTP, (uint64_t)i + 1, "line %d padding padding padding padding", i);
	assert_true(exists(f, "tftp.log"));
	assert_true(exists(f, "tftp.log.1"));
	assert_true(exists(f, "tftp.log.2"));
	assert_false(exists(f, "tftp.log.3"));

	/* Each generation is whole lines and near the limit; the newest line is in tftp.log. */
	size_t len;
	char *s = read_log(f, "tftp.log.1", &len);
	assert_non_null(s);
	check_lines(s);
	assert_true(len > 4096 && len < 4096 + 200);
	free(s);
	s = read_log(f, "tftp.log", &len);
	assert_non_null(s);
	check_lines(s);
	assert_true(len <= 4096 + 200);
	assert_non_null(strstr(s, "line 399 "));
	free(s);
}

static void test_reopen(void **state)
{
	struct fixture *f = *state;
	open_logs(f, 1 << 20, 2);
	log_info(LOGS_ADMIN, 1, "before");
	/* SIGHUP: reopen over the same files, after an external rotation moved one away. */
	char from[256], to[256];
	snprintf(from, sizeof(from), "%s/admin.log", f->logdir);
	snprintf(to, sizeof(to), "%s/admin.log.old", f->logdir);
	assert_int_equal(rename(from, to), 0);
	open_logs(f, 1 << 20, 2);
	log_info(LOGS_ADMIN, 2, "after");
	char *s = read_log(f, "admin.log", NULL);
	assert_non_null(s);
	assert_int_equal(check_lines(s), 1);
	assert_non_null(strstr(s, "after"));
	free(s);

	/* A reopen that fails keeps the old files. */
	struct log_options bad = {.dir = "/proc/self/nope/x", .cluster_id = "C", .level = 2};
	assert_int_not_equal(log_open(&bad), 0);
	log_info(LOGS_ADMIN, 3, "still here");
	s = read_log(f, "admin.log", NULL);
	assert_int_equal(check_lines(s), 2);
	free(s);
}

static void test_stderr(void **state)
{
	struct fixture *f = *state;
	char path[128];
	snprintf(path, sizeof(path), "%s/stderr.txt", f->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	int saved = dup(2);
	dup2(fd, 2);
	close(fd);

	struct log_options o = {.dir = NULL, .cluster_id = "ClusterTwo", .level = LOG_LVL_INFO};
	assert_int_equal(log_open(&o), 0);
	log_info(LOGS_EMCC, 9, "to stderr");
	/* also_stderr duplicates file lines. */
	o.dir = f->logdir;
	o.also_stderr = 1;
	o.max_bytes = 1 << 20;
	assert_int_equal(log_open(&o), 0);
	log_info(LOGS_EMCC, 10, "to both");
	log_close();

	dup2(saved, 2);
	close(saved);
	char *s = tu_slurp(path, NULL);
	assert_non_null(s);
	assert_int_equal(check_lines(s), 2);
	assert_non_null(strstr(s, "INFO  [9] ClusterTwo: to stderr\n"));
	assert_non_null(strstr(s, "INFO  [10] ClusterTwo: to both\n"));
	free(s);
	s = read_log(f, "emcc.log", NULL);
	assert_int_equal(check_lines(s), 1);
	free(s);
}

#define NTHREADS 4
#define PER_THREAD 2000

static void *writer(void *arg)
{
	int t = (int)(intptr_t)arg;
	char pad[300];
	for (int i = 0; i < PER_THREAD; i++) {
		size_t n = (size_t)((i * 37 + t * 11) % 250);
		memset(pad, 'a' + t, n);
		pad[n] = '\0';
		log_info(LOGS_AUDIT, (uint64_t)(t * PER_THREAD + i + 1), "t%d i%d %s", t, i, pad);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	/* Small files and many generations: writes race with rotation, nothing may be lost or
	 * torn. */
	open_logs(f, 64 * 1024, 100);
	pthread_t th[NTHREADS];
	for (int t = 0; t < NTHREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, writer, (void *)(intptr_t)t), 0);
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);

	size_t total = 0;
	int gens = 0;
	for (int g = 0; g <= 100; g++) {
		char name[32];
		if (g == 0)
			snprintf(name, sizeof(name), "audit.log");
		else
			snprintf(name, sizeof(name), "audit.log.%d", g);
		char *s = read_log(f, name, NULL);
		if (!s)
			continue;
		gens++;
		total += check_lines(s);
		free(s);
	}
	assert_int_equal(total, NTHREADS * PER_THREAD);
	assert_true(gens > 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errno_variants, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fatal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stderr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
