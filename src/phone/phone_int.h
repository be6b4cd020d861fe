/* phone_int.h -- what the simulated phone's files share: struct phone and the loop helpers. */
#ifndef EMCC_PHONE_PHONE_INT_H
#define EMCC_PHONE_PHONE_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <re.h>

#include "phone/phone.h"
#include "prov/cnf.h"

enum phone_reg_state {
	REG_NONE = 0, /* no binding */
	REG_SENT,     /* REGISTER in flight */
	REG_OK,	      /* bound */
	REG_UNSENT,   /* un-REGISTER in flight */
};

struct phone {
	struct phone_config cfg; /* strings point into the caller's config, which outlives us */
	struct phone_identity id;
	phone_step_h *steph;
	void *steparg;
	char error[512];
	uint64_t t0;	    /* phone_clock_us() at start */
	uint64_t last_step; /* when the last step was reported */
	unsigned timeout_ms;

	bool curl_up, re_up; /* what phone_free must take down */

	/* loop */
	volatile sig_atomic_t signalled;
	bool timed_out;
	struct tmr wait_tmr;
	struct mqueue *mq; /* HTTP thread -> loop */

	/* SIP */
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct sip_auth *auth;
	struct sip_request *reg_req;
	struct sip_request *refer_req;
	struct tmr refresh_tmr;
	struct tmr alarm_tmr;		 /* REGISTER anyway when the alarm REFER is not answered */
	bool reg_after_alarm;		 /* a REGISTER waits for the alarm's answer */
	char route[160];		 /* sip:server:port;transport=x */
	char ruri[96];			 /* sip:server */
	char target_host[PROV_HOST_MAX]; /* the call manager REGISTERs go to */
	char aor_user[64];
	char call_id[96]; /* of the current registration */
	char from_tag[24];
	char session_id[40];
	char last[24]; /* Reason Last= of the next REGISTER */
	uint32_t cseq;
	uint32_t refer_cseq;
	enum phone_reg_state reg;
	const char
	    *reg_kind; /* register, refresh, unregister, re-register: how the step is named */
	bool reg_auth_tried;
	uint64_t reg_sent_at;
	uint64_t refer_sent_at;
	unsigned reg_exchanges; /* completed REGISTER exchanges (ok or not) */
	int reg_err;		/* of the last completed exchange */
	unsigned granted;	/* expiry the registrar granted */
	bool restarting;
	unsigned restarts; /* completed restarts */
	int restart_err;

	/* HTTP */
	char page_url[PX_URL_MAX]; /* the last page fetched: relative URLs resolve against it */
	char refresh[PX_URL_MAX];  /* its Refresh header's URL, "" when none */
	unsigned http_async;	   /* phone_http_start fetches not finished */

	/* configuration (phone_cnf.c): what the last SEP<MAC>.cnf.xml said */
	char own_tftp[PROV_HOST_MAX]; /* host:port of our own TFTP ("" = no fetches) */
	/* EMCC mode: the properties the visiting cluster's mini-config gave (prov/cnf.h), kept
	 * until the home cluster has no file for us any more */
	bool emcc_mode;
	int emcc_override;
	char emcc_tftp[PROV_EMCC_TFTP_MAX][PROV_IP_MAX]; /* tempTftp1..4, "" = none */
	char vem_ip[PROV_IP_MAX];			 /* vEM-IP: the visiting EM service */
	unsigned vem_port;				 /* vEM-Port */
	char version[LIM_STAMP_MAX];			 /* versionStamp of the file in use */
	bool cnf_busy;					 /* a fetch is under way */
	bool cnf_then_register; /* a restart waits for it, then registers */
	bool cnf_from_own;	/* this round asked our own TFTP already */
};

/* phone.c: a GET on a helper thread; cb runs on the loop when it is over. err is 0 or an errno
 * (then status 0 and why says what), body the bytes (up to the phone's limit). */
typedef void(phone_http_h)(struct phone *p, int err, long status, const struct buf *body, double ms,
			   const char *why, void *arg);
int phone_http_start(struct phone *p, const char *url, phone_http_h *cb, void *arg);

/* phone_cnf.c: fetch SEP<MAC>.cnf.xml (and in EMCC the home's), then point SIP where it says.
 * then_register: send the restart's REGISTER when done. 0 when started (or nothing to fetch,
 * then the REGISTER goes at once), else an errno. */
int phone_cnf_start(struct phone *p, bool then_register);

/* A monotonic clock in microseconds; milliseconds since the phone started, and since t. */
uint64_t phone_clock_us(void);
double phone_now_ms(const struct phone *p);
double phone_since_ms(uint64_t t);

/* Reports a step; fills at_ms and moves last_step. */
void phone_report(struct phone *p, struct phone_step *s);
/* Sets phone_error (printf-like). */
void phone_fail(struct phone *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs libre's loop until done(p, arg) holds, a signal came (EINTR) or timeout_ms passed
 * (ETIMEDOUT; 0 = no limit). Whatever changes state calls re_cancel() so done is re-checked. */
int phone_loop(struct phone *p, bool (*done)(struct phone *p, const void *arg), const void *arg,
	       unsigned timeout_ms);

/* phone_msg.c: what a REGISTER's 200 granted: the expires of our Contact (else Expires; -1 when
 * neither) and how many bindings it lists. */
void phone_sip_granted(const struct sip_msg *msg, const char *contact_user, int *expires,
		       unsigned *bindings);
/* The URL of a Refresh header value ("0; url=/emapp/..."). 0, ENOENT (none) or EINVAL. */
int phone_refresh_url(const char *value, char *out, size_t outlen);

/* phone_sip.c */
int phone_sip_init(struct phone *p, char *why, size_t whylen);
void phone_sip_close(struct phone *p);
/* Where REGISTERs go from now on: host:port and the address-of-record user. */
void phone_sip_target(struct phone *p, const char *host, unsigned port, const char *aor_user);
/* The restart's REGISTER, once the configuration is read (phone_cnf.c calls it). */
void phone_sip_restart_register(struct phone *p);
/* Sends the alarm REFER and a REGISTER (kind names the step); answers come through the loop. */
int phone_sip_send_register(struct phone *p, const char *kind, unsigned expires);

#endif
