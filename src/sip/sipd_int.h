/* sipd_int.h -- what sipd.c (thread, queue, NOTIFY) and sipd_uas.c (requests phones send) share.
 * Everything marked "SIP thread" is touched by that thread only. */
#ifndef EMCC_SIP_SIPD_INT_H
#define EMCC_SIP_SIPD_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <re.h>

#include "sip/binding.h"
#include "sip/sipd.h"

/* The most bindings one node holds (DESIGN.md section 8: 100k devices per cluster). */
#define SIPD_MAX_BINDINGS 200000
/* NOTIFYs waiting for the SIP thread; past this the caller gets EAGAIN instead of a queue
 * without bound. */
#define SIPD_MAX_QUEUED 10000

/* A service-control NOTIFY on its way: made by the caller's thread, owned by the SIP thread
 * from the moment it is queued until its transaction ends. */
struct sipd_job {
	struct sipd_job *next;
	struct sipd *s;
	char device[129];
	char action[16];
	char config_version[64];
	uint64_t reqno;

	/* SIP thread */
	struct sipd_binding b; /* the binding the NOTIFY went to */
	char target[96];       /* where it was sent, for the log */
	int via_contact;       /* 1: the retry to the Contact after the connection failed */
};

struct sipd {
	struct sipd_table *table;

	/* Copied from sipd_config. */
	char udp_listen[256], tcp_listen[256];
	char realm[128];
	char cluster_id[64];
	int (*lookup_ha1)(void *arg, const char *device, char ha1_hex[33]);
	void *lookup_arg;
	uint32_t max_expires;

	/* Start handshake and the queue from other threads, under mu. mq is only pushed with mu
	 * held and is NULL once the SIP thread has let it go. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready, start_err;
	pthread_t thread;
	int thread_started;
	struct sipd_job *qhead, *qtail;
	size_t qlen;
	int wake_pending; /* one wake-up in the pipe at most, so a push never blocks */
	int stopping;
	struct mqueue *mq;

	/* SIP thread */
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct tmr purge_tmr;
	uint8_t nonce_key[20];
	char from_host[64]; /* our address for From: in NOTIFYs */
	uint32_t notify_cseq;
};

/* sipd_uas.c: the request listener (sip_listen) for everything phones send. */
bool sipd_uas_request(const struct sip_msg *msg, void *arg);

/* Copies a pl into a C string; ENOSPC when it does not fit (out is then ""). */
int sipd_pl_copy(const struct pl *pl, char *out, size_t outlen);

/* "udp" or "tcp" for a transport. */
const char *sipd_transport_name(enum sip_transp tp);

int64_t sipd_now(void);

#endif
