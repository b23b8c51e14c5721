/*
 * The pagination guard: IAM pages on IsTruncated/Marker. A server (or a proxy
 * in between) that sets IsTruncated without a Marker, hands back a Marker it
 * already gave, or never stops would make a naive loop spin forever or build
 * an endless list; here each of those is an error.
 */
#include "iam/iam_pager.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void iam_page_clear(struct iam_page *pg)
{
	free(pg->marker);
	pg->marker = NULL;
	pg->truncated = false;
}

void iam_pager_init(struct iam_pager *p)
{
	memset(p, 0, sizeof(*p));
	p->max_pages = IAM_MAX_PAGES;
}

void iam_pager_free(struct iam_pager *p)
{
	free(p->marker);
	free(p->seen);
	memset(p, 0, sizeof(*p));
}

/* FNV-1a, 64 bit: markers are compared by hash; a collision only fails a call. */
static uint64_t marker_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

int iam_pager_advance(struct iam_pager *p, struct iam_page *pg, struct aws_error *err)
{
	uint64_t h;
	size_t i;

	p->pages++;
	free(p->marker);
	p->marker = NULL;
	if (!pg->truncated) {
		iam_page_clear(pg);
		return 0;
	}
	if (!pg->marker || !*pg->marker) {
		iam_page_clear(pg);
		return iam_bad(err, "IsTruncated is true but no Marker was given (page %u)",
			       p->pages);
	}
	if (p->pages >= p->max_pages) {
		iam_page_clear(pg);
		iam_bad(err, "more than %u pages in one answer", p->max_pages);
		return -E2BIG;
	}
	h = marker_hash(pg->marker);
	for (i = 0; i < p->nseen; i++) {
		if (p->seen[i] == h) {
			iam_page_clear(pg);
			return iam_bad(err, "Marker repeated on page %u: the listing would loop",
				       p->pages);
		}
	}
	/* nseen < pages <= max_pages, so this grows at most max_pages times. */
	uint64_t *seen = realloc(p->seen, (p->nseen + 1) * sizeof(*seen));
	if (!seen) {
		iam_page_clear(pg);
		return -ENOMEM;
	}
	p->seen = seen;
	p->seen[p->nseen++] = h;
	p->marker = pg->marker;
	pg->marker = NULL;
	pg->truncated = false;
	return 1;
}
