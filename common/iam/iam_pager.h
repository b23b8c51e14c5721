/* Paged IAM calls (iam_pager*.c): the pagination guard and the one paged call. */
#ifndef IAM_IAM_PAGER_H
#define IAM_IAM_PAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iam/iam_api.h"
#include "iam/iam_validate.h"

/* What one page says about the next one. */
struct iam_page {
	bool truncated;
	char *marker; /* Marker for the next request, NULL when absent */
};
void iam_page_clear(struct iam_page *pg);

/* Pagination guard over one call. */
struct iam_pager {
	unsigned pages;	    /* pages received */
	unsigned max_pages; /* IAM_MAX_PAGES unless a test lowers it */
	char *marker;	    /* to send with the next request; NULL on the first */
	uint64_t *seen;	    /* hashes of markers already sent */
	size_t nseen;
};
void iam_pager_init(struct iam_pager *p);
/*
 * After a page was parsed: takes pg->marker. Returns 1 when another page must
 * be asked with p->marker, 0 when done, -EBADMSG when IsTruncated comes without
 * a Marker or a Marker repeats, -E2BIG past max_pages.
 */
int iam_pager_advance(struct iam_pager *p, struct iam_page *pg, struct aws_error *err);
void iam_pager_free(struct iam_pager *p);

/*
 * One paged call (iam_api*.c): params are the NULL-terminated key/value pairs
 * of the action (at most IAM_CALL_MAX_PARAMS pairs); MaxItems (when page_size
 * is non-zero) and Marker are added. parse is called once per page with ctx.
 * *calls (may be NULL) is increased per request made.
 */
#define IAM_CALL_MAX_PARAMS 8
#define IAM_API_VERSION "2010-05-08"
typedef int (*iam_page_fn)(const char *body, size_t len, void *ctx, struct iam_page *pg,
			   struct aws_error *err);
int iam_paged_call(struct aws_client *c, const char *const *params, unsigned page_size,
		   iam_page_fn parse, void *ctx, unsigned *calls, struct aws_error *err);
#endif
