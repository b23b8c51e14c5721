/*
 * Exponential backoff with full jitter ("AWS Architecture Blog: Exponential
 * Backoff And Jitter"): sleep = random(0, min(cap, base * 2^attempt)), never
 * past the deadline. Pure: the caller supplies the random source and the clock.
 */
#ifndef IAM_BACKOFF_H
#define IAM_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

struct backoff_policy {
	long base_ms;	      /* first ceiling, e.g. 100 */
	long cap_ms;	      /* largest ceiling, e.g. 5000 */
	unsigned max_retries; /* retries after the first attempt */
};

/* Returns a uniformly distributed 64-bit value; ctx is the caller's state. */
typedef uint64_t (*backoff_rand_fn)(void *ctx);

/*
 * Delay before retry number `retry` (0 = first retry), given remaining_ms until
 * the overall deadline. Returns the delay in ms (0..ceiling), or -1 when no retry
 * should happen: retries exhausted, or the delay would not leave time for another
 * attempt (remaining_ms <= delay).
 */
long backoff_delay(const struct backoff_policy *p, unsigned retry, long remaining_ms,
		   backoff_rand_fn rnd, void *ctx);

/* The ceiling for retry number `retry`: min(cap, base * 2^retry). */
long backoff_ceiling(const struct backoff_policy *p, unsigned retry);

/* A default random source: getrandom(2), falling back to the clock. ctx unused. */
uint64_t backoff_rand_system(void *ctx);

#endif
