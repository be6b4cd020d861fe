/* replay.h -- the replay guard for incoming EMCC messages, and the nonces senders put in them. */
#ifndef EMCC_EMCC_REPLAY_H
#define EMCC_EMCC_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "emcc/msg.h" /* EMCC_NONCE_LEN: the nonce is a message field */

/* Fills out with a fresh nonce: 16 random bytes as 32 lowercase hex characters and a NUL.
 * Returns 0, or EIO when the random source cannot be initialised. */
int emcc_replay_nonce(char out[EMCC_NONCE_LEN + 1]);

/* A bounded table of the (cluster, nonce) pairs seen within the freshness window, each with
 * its sent time. Thread safe. Use one window for the life of a guard. */
struct emcc_replay;

/* capacity: how many pairs may be live at once (1..1048576); size it for the peak message
 * rate times twice the window. Returns 0, EINVAL or ENOMEM; sets *rp only on success. */
int emcc_replay_alloc(struct emcc_replay **rp, size_t capacity);
void emcc_replay_free(struct emcc_replay *r);

/* Admits a message once. Returns 0 the first time a (cluster, nonce) is seen with sent_ms
 * inside [now_ms - window_ms, now_ms + window_ms]; ETIME when sent_ms is outside that window
 * (too old, or too far in the future); EALREADY for a pair already admitted within the
 * window (whatever its sent time); ENOSPC when the table is full of live pairs (the message is
 * refused rather than a live pair forgotten: answer "busy"); EINVAL for bad arguments.
 * Entries older than the window are evicted as they are met and whenever room is needed. */
int emcc_replay_check(struct emcc_replay *r, const char *cluster, const char *nonce,
		      int64_t sent_ms, int64_t now_ms, int64_t window_ms);

/* Pairs held right now, expired ones not yet evicted included (tests, metrics). */
size_t emcc_replay_count(struct emcc_replay *r);

#endif
