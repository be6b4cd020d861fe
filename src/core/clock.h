/* clock.h -- the two clocks the code reads: wall time for what is stored and sent (unix ms), and
 * a monotonic clock for how long something took. */
#ifndef EMCC_CORE_CLOCK_H
#define EMCC_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Wall clock, unix milliseconds. */
int64_t clock_now_ms(void);

/* A start point on the monotonic clock, and the milliseconds since it. */
struct timespec clock_start(void);
double clock_elapsed_ms(const struct timespec *t0);

/* Unix seconds t as an HTTP/SIP Date (RFC 1123, RFC 3261 20.17): "Sat, 09 Mar 2019 18:32:46
 * GMT". English names whatever the locale; a time gmtime cannot show gives the epoch. */
void clock_http_date(char out[32], int64_t t);

#endif
