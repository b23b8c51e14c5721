/*
 * aws_client_new(): the credential chain and, when configured, AssumeRole as
 * the transport's credential source. The source keeps its own copy of the
 * [aws] settings because it runs again, long after cfg, when temporary
 * credentials near expiry.
 */
#include "aws/aws.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds_chain.h"
#include "aws/sts.h"
#include "config/config.h"

struct chain_source {
	struct iam_config cfg; /* the [aws] settings the chain and AssumeRole need */
	unsigned flags;
};

static int copy_aws_config(struct iam_config *dst, const struct iam_config *src)
{
	char **const dsts[] = {&dst->region,	    &dst->iam_endpoint,	    &dst->sts_endpoint,
			       &dst->imds_endpoint, &dst->profile,	    &dst->role_arn,
			       &dst->external_id,   &dst->role_session_name};
	const char *const srcs[] = {src->region,	src->iam_endpoint,     src->sts_endpoint,
				    src->imds_endpoint, src->profile,	       src->role_arn,
				    src->external_id,	src->role_session_name};
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->connect_timeout_ms = src->connect_timeout_ms;
	dst->timeout_ms = src->timeout_ms;
	dst->imds_v1_fallback = src->imds_v1_fallback;
	dst->max_retries = src->max_retries;
	for (i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		if (srcs[i] && !(*dsts[i] = strdup(srcs[i])))
			return -ENOMEM;
	}
	return 0;
}

static void chain_source_free(void *ctx)
{
	struct chain_source *s = ctx;

	if (!s)
		return;
	free(s->cfg.region);
	free(s->cfg.iam_endpoint);
	free(s->cfg.sts_endpoint);
	free(s->cfg.imds_endpoint);
	free(s->cfg.profile);
	free(s->cfg.role_arn);
	free(s->cfg.external_id);
	free(s->cfg.role_session_name);
	free(s);
}

/* The chain, then AssumeRole when configured. */
static int chain_source_load(void *ctx, struct aws_creds *out, char **assumed_arn,
			     struct aws_error *err)
{
	struct chain_source *s = ctx;
	struct aws_creds src;
	int r;

	*assumed_arn = NULL;
	r = creds_resolve(&s->cfg, &src, err);
	if (r < 0)
		return r;
	if (s->cfg.role_arn && *s->cfg.role_arn && !(s->flags & AWS_CLIENT_NO_ASSUME_ROLE)) {
		r = sts_assume_role_as(&s->cfg, &src, s->cfg.role_arn, s->cfg.external_id,
				       s->cfg.role_session_name, out, assumed_arn, err);
		creds_clear(&src);
		return r;
	}
	*out = src;
	return 0;
}

int aws_client_new(const struct iam_config *cfg, unsigned flags, struct aws_client **out,
		   struct aws_error *err)
{
	struct chain_source *s;
	struct aws_creds_source src;

	if (err)
		memset(err, 0, sizeof(*err));
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s || (cfg && copy_aws_config(&s->cfg, cfg) < 0)) {
		chain_source_free(s);
		aws_error_set(err, "NoMemory", "out of memory");
		return -ENOMEM;
	}
	if (!cfg)
		s->cfg.max_retries = 5;
	s->flags = flags;
	src = (struct aws_creds_source){
	    .load = chain_source_load, .release = chain_source_free, .ctx = s};
	return aws_transport_new(cfg, &src, out, err);
}
