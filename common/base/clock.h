/*
 * The clocks, in the units their callers compare: deadlines and durations on
 * the monotonic clock (immune to the wall clock being set), timestamps on the
 * real-time clock. clock_gettime cannot fail for these clock ids on Linux, so
 * the functions return the time itself.
 */
#ifndef IAM_CLOCK_H
#define IAM_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds: the clock of every deadline. */
int64_t clock_mono_ms(void);

/* CLOCK_MONOTONIC in nanoseconds: durations that want more than ms. */
int64_t clock_mono_ns(void);

/*
 * CLOCK_MONOTONIC_COARSE in milliseconds: the last timer tick (a few ms
 * behind), read from the vDSO without a syscall. For rate limits on hot paths.
 */
int64_t clock_mono_coarse_ms(void);

/* CLOCK_REALTIME in milliseconds since the epoch. */
int64_t clock_real_ms(void);

#endif
