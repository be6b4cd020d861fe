/* tftpd.h -- TFTP on UDP (port 69 by default): read requests served by the file service, each
 * transfer from its own ephemeral port, on the loop thread (tftpd.c). */
#ifndef EMCC_DAEMON_TFTPD_H
#define EMCC_DAEMON_TFTPD_H

struct node;

/* Limits: transfers in flight (name lookups included) across all clients and per client
 * address; beyond either, a request is dropped and the client sends it again after its
 * timeout. Each transfer holds one socket and a reference to its file. */
#define TFTPD_MAX_TRANSFERS 1024
#define TFTPD_MAX_PER_SOURCE 64
/* Retransmissions of one packet (after the server's timeout, the client's when it asked one)
 * before the server gives up on a silent client. */
#define TFTPD_RETRIES 5
#define TFTPD_TIMEOUT_MS 1000
/* No transfer lives longer than this, however slowly its client acknowledges. */
#define TFTPD_LIFETIME_MS (600 * 1000)
/* What the server agrees to: blksize up to RFC 2348's maximum, windows of up to 64 blocks. */
#define TFTPD_BLKSIZE_MAX 65464
#define TFTPD_WINDOW_MAX 64

/* Opens n->cfg.tftp_udp (nothing when "") into n->tftpd. Returns 0 or errno (logged). Loop
 * thread, after the workers started. */
int tftpd_start(struct node *n);
/* Ends every transfer and closes the socket. Loop thread, after the workers stopped. */
void tftpd_stop(struct node *n);

#endif
