/*
 * One paged IAM call: ask, parse the page, follow the Marker through the
 * pagination guard until IAM says the listing is complete.
 */
#include "iam/iam_pager.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int iam_paged_call(struct aws_client *c, const char *const *params, unsigned page_size,
		   iam_page_fn parse, void *ctx, unsigned *calls, struct aws_error *err)
{
	const char *p[2 * IAM_CALL_MAX_PARAMS + 5];
	char max_items[16];
	struct iam_pager pager;
	struct iam_page pg = {0};
	size_t np = 0;
	int rc, more;

	while (params[np]) {
		if (np >= 2 * IAM_CALL_MAX_PARAMS || !params[np + 1])
			return -EINVAL; /* a programming error: pairs, bounded */
		p[np] = params[np];
		p[np + 1] = params[np + 1];
		np += 2;
	}
	if (page_size) {
		snprintf(max_items, sizeof(max_items), "%u", page_size > 1000 ? 1000 : page_size);
		p[np++] = "MaxItems";
		p[np++] = max_items;
	}
	iam_pager_init(&pager);
	do {
		char *body = NULL;
		size_t len = 0, k = np;

		if (pager.marker) {
			p[k++] = "Marker";
			p[k++] = pager.marker;
		}
		p[k] = NULL;
		rc = aws_query(c, AWS_SVC_IAM, p, &body, &len, err);
		if (calls)
			(*calls)++;
		if (rc < 0) {
			free(body);
			break;
		}
		rc = parse(body, len, ctx, &pg, err);
		free(body);
		if (rc < 0) {
			iam_page_clear(&pg);
			break;
		}
		more = iam_pager_advance(&pager, &pg, err);
		if (more < 0)
			rc = more;
	} while (rc == 0 && more > 0);
	iam_pager_free(&pager);
	return rc;
}
