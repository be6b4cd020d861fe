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

#endif
