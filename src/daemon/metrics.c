/* metrics.c -- lock-free counters and fixed-bucket histograms for /metrics. */
#include "daemon/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

#define CODE_SLOTS 50 /* EM codes 0..47, slot 48 = success, slot 49 = other */
#define SLOT_OK 48
#define SLOT_OTHER 49

static const double bucket_le[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
				   0.05,   0.1,	  0.25,	 0.5,	1.0};
#define NBUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))

static const char *const type_names[MT_COUNT] = {
    "unparsed",		  "login",     "logout", "logoutAll", "deviceUserQuery", "userDevicesQuery",
    "deviceProfileQuery", "checkUser",
};

struct metrics {
	atomic_ulong requests[MT_COUNT][CODE_SLOTS];
	atomic_ulong buckets[MT_COUNT][NBUCKETS];
	atomic_ulong count[MT_COUNT];
	atomic_ulong sum_us[MT_COUNT];
	atomic_ulong http_status[6]; /* 1xx..5xx by first digit */
	atomic_ulong tftp[MTFTP_COUNT];
	atomic_long tftp_transfers;
};

static const char *const tftp_names[MTFTP_COUNT] = {
    "sent", "not_found", "refused", "busy", "timed_out", "aborted",
};

int metrics_alloc(struct metrics **mp)
{
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return 12; /* ENOMEM */
	*mp = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	free(m);
}

void metrics_observe(struct metrics *m, enum metrics_type t, int code, double seconds)
{
	if ((unsigned)t >= MT_COUNT)
		t = MT_UNPARSED;
	int slot = code < 0 ? SLOT_OK : (code < SLOT_OK ? code : SLOT_OTHER);
	atomic_fetch_add_explicit(&m->requests[t][slot], 1, memory_order_relaxed);
	for (size_t i = 0; i < NBUCKETS; i++)
		if (seconds <= bucket_le[i])
			atomic_fetch_add_explicit(&m->buckets[t][i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->count[t], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us[t], (unsigned long)(seconds * 1e6),
				  memory_order_relaxed);
}

void metrics_count_http(struct metrics *m, int status)
{
	int d = status / 100;
	if (d >= 1 && d <= 5)
		atomic_fetch_add_explicit(&m->http_status[d], 1, memory_order_relaxed);
}

void metrics_count_tftp(struct metrics *m, enum metrics_tftp what)
{
	if ((unsigned)what < MTFTP_COUNT)
		atomic_fetch_add_explicit(&m->tftp[what], 1, memory_order_relaxed);
}

void metrics_tftp_transfers_set(struct metrics *m, long n)
{
	atomic_store_explicit(&m->tftp_transfers, n, memory_order_relaxed);
}

long metrics_tftp_transfers(struct metrics *m)
{
	return atomic_load_explicit(&m->tftp_transfers, memory_order_relaxed);
}

void metrics_render(struct metrics *m, struct buf *b, long logged_in, long scheduled_logouts,
		    unsigned inflight)
{
	buf_puts(b, "# HELP emcc_em_requests_total EM service API requests by type and result.\n"
		    "# TYPE emcc_em_requests_total counter\n");
	for (int t = 0; t < MT_COUNT; t++)
		for (int s = 0; s < CODE_SLOTS; s++) {
			unsigned long v = atomic_load(&m->requests[t][s]);
			if (!v)
				continue;
			if (s == SLOT_OK)
				buf_printf(b,
					   "emcc_em_requests_total{type=\"%s\",code=\"ok\"} %lu\n",
					   type_names[t], v);
			else if (s == SLOT_OTHER)
				buf_printf(
				    b, "emcc_em_requests_total{type=\"%s\",code=\"other\"} %lu\n",
				    type_names[t], v);
			else
				buf_printf(b,
					   "emcc_em_requests_total{type=\"%s\",code=\"%d\"} %lu\n",
					   type_names[t], s, v);
		}
	buf_puts(b, "# HELP emcc_em_request_duration_seconds Time from request in to answer out.\n"
		    "# TYPE emcc_em_request_duration_seconds histogram\n");
	for (int t = 0; t < MT_COUNT; t++) {
		unsigned long n = atomic_load(&m->count[t]);
		if (!n)
			continue;
		for (size_t i = 0; i < NBUCKETS; i++)
			buf_printf(
			    b,
			    "emcc_em_request_duration_seconds_bucket{type=\"%s\",le=\"%g\"} %lu\n",
			    type_names[t], bucket_le[i], atomic_load(&m->buckets[t][i]));
		buf_printf(b,
			   "emcc_em_request_duration_seconds_bucket{type=\"%s\",le=\"+Inf\"} %lu\n",
			   type_names[t], n);
		buf_printf(b, "emcc_em_request_duration_seconds_sum{type=\"%s\"} %.6f\n",
			   type_names[t], (double)atomic_load(&m->sum_us[t]) / 1e6);
		buf_printf(b, "emcc_em_request_duration_seconds_count{type=\"%s\"} %lu\n",
			   type_names[t], n);
	}
	buf_puts(b, "# HELP emcc_http_responses_total HTTP responses by status class.\n"
		    "# TYPE emcc_http_responses_total counter\n");
	for (int d = 1; d <= 5; d++)
		buf_printf(b, "emcc_http_responses_total{class=\"%dxx\"} %lu\n", d,
			   atomic_load(&m->http_status[d]));
	buf_puts(b, "# HELP emcc_tftp_requests_total TFTP read requests by how they ended.\n"
		    "# TYPE emcc_tftp_requests_total counter\n");
	for (int t = 0; t < MTFTP_COUNT; t++)
		buf_printf(b, "emcc_tftp_requests_total{result=\"%s\"} %lu\n", tftp_names[t],
			   atomic_load(&m->tftp[t]));
	buf_printf(b,
		   "# HELP emcc_tftp_transfers TFTP transfers in flight (name lookups included).\n"
		   "# TYPE emcc_tftp_transfers gauge\n"
		   "emcc_tftp_transfers %ld\n",
		   atomic_load(&m->tftp_transfers));
	buf_printf(b,
		   "# HELP emcc_em_logged_in_devices Devices with a user logged in.\n"
		   "# TYPE emcc_em_logged_in_devices gauge\n"
		   "emcc_em_logged_in_devices %ld\n"
		   "# HELP emcc_em_scheduled_logouts Automatic logouts waiting to fire.\n"
		   "# TYPE emcc_em_scheduled_logouts gauge\n"
		   "emcc_em_scheduled_logouts %ld\n"
		   "# HELP emcc_em_inflight_requests EM requests admitted and not yet answered.\n"
		   "# TYPE emcc_em_inflight_requests gauge\n"
		   "emcc_em_inflight_requests %u\n",
		   logged_in, scheduled_logouts, inflight);
}
