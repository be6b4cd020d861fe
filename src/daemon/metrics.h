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

struct metrics;

int metrics_alloc(struct metrics **mp);
void metrics_free(struct metrics *m);
/* code < 0 means success. Thread safe (atomics). */
void metrics_observe(struct metrics *m, enum metrics_type t, int code, double seconds);
void metrics_count_http(struct metrics *m, int status);
/* Appends every metric; gauges come from the caller (read from the store at scrape time). */
void metrics_render(struct metrics *m, struct buf *b, long logged_in, long scheduled_logouts,
		    unsigned inflight);

#endif
