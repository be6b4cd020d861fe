/* metrics.h -- request counters and latency histograms, rendered in Prometheus text format. */
#ifndef EMCC_DAEMON_METRICS_H
#define EMCC_DAEMON_METRICS_H

#include <stdint.h>

#include "core/buf.h"

/* Request types we count; index 0 is for documents that never got a type (parse errors). */
enum metrics_type {
	MT_UNPARSED = 0,
	MT_LOGIN,
	MT_LOGOUT,
	MT_LOGOUT_ALL,
	MT_DEVICE_USER_QUERY,
	MT_USER_DEVICES_QUERY,
	MT_DEVICE_PROFILE_QUERY,
	MT_CHECK_USER,
	MT_COUNT
};

/* How a TFTP request ended. */
enum metrics_tftp {
	MTFTP_SENT = 0,	 /* the whole file acknowledged */
	MTFTP_NOT_FOUND, /* error 1 */
	MTFTP_REFUSED,	 /* malformed (4), bad option (8), write request (2) */
	MTFTP_BUSY,	 /* dropped: over a limit; the client asks again */
	MTFTP_TIMED_OUT, /* the client went silent: given up after the retries */
	MTFTP_ABORTED,	 /* the client sent an error or its port closed */
	MTFTP_COUNT
};

struct metrics;

int metrics_alloc(struct metrics **mp);
void metrics_free(struct metrics *m);
/* code < 0 means success. Thread safe (atomics). */
void metrics_observe(struct metrics *m, enum metrics_type t, int code, double seconds);
void metrics_count_http(struct metrics *m, int status);
void metrics_count_tftp(struct metrics *m, enum metrics_tftp what);
/* The TFTP transfers in flight (lookups included): set by the loop thread, read anywhere. */
void metrics_tftp_transfers_set(struct metrics *m, long n);
long metrics_tftp_transfers(struct metrics *m);
/* Appends every metric; gauges come from the caller (read from the store at scrape time). */
void metrics_render(struct metrics *m, struct buf *b, long logged_in, long scheduled_logouts,
		    unsigned inflight);

#endif
