#include "aws/backoff.h"

#include <sys/random.h>

#include "base/clock.h"

long backoff_ceiling(const struct backoff_policy *p, unsigned retry)
{
	long c = p->base_ms > 0 ? p->base_ms : 1;
	unsigned i;

	for (i = 0; i < retry && c < p->cap_ms; i++)
		c = c > p->cap_ms / 2 ? p->cap_ms : c * 2;
	return c < p->cap_ms ? c : p->cap_ms;
}

long backoff_delay(const struct backoff_policy *p, unsigned retry, long remaining_ms,
		   backoff_rand_fn rnd, void *ctx)
{
	long ceil, d;

	if (retry >= p->max_retries || remaining_ms <= 0)
		return -1;
	ceil = backoff_ceiling(p, retry);
	/* uniform in [0, ceil]; modulo bias is irrelevant at these sizes */
	d = (long)(rnd(ctx) % ((uint64_t)ceil + 1));
	if (d >= remaining_ms)
		return -1; /* sleeping would eat the whole deadline: give up now */
	return d;
}

uint64_t backoff_rand_system(void *ctx)
{
	uint64_t v, t;

	(void)ctx;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	t = (uint64_t)clock_mono_ns();
	return (t % 1000000000) * 6364136223846793005ULL + t / 1000000000;
}
