/*
 * A small, bounded XML tree built with expat. Only what the IAM/STS Query API
 * answers need: elements (namespace prefix dropped) and their text. DOCTYPE,
 * entity declarations, excessive depth, node count or size are parse errors.
 */
#ifndef IAM_XML_H
#define IAM_XML_H

#include <stddef.h>

#include "base/error.h"

struct xml_node {
	char *name; /* local name, no namespace */
	char *text; /* concatenated character data, trimmed of nothing; never NULL */
	size_t text_len;
	struct xml_node **children;
	size_t nchildren;
	struct xml_node *parent;
};

struct xml_limits {
	size_t max_bytes; /* default 16 MiB */
	size_t max_depth; /* default 32 */
	size_t max_nodes; /* default 1,000,000 */
	size_t max_text;  /* per element, default 64 KiB */
};

/* Parse buf; NULL limits uses the defaults. Returns 0 or -EBADMSG/-E2BIG/-ENOMEM, why set. */
int xml_parse(const char *buf, size_t len, const struct xml_limits *lim, struct xml_node **root,
	      struct iam_err *why);
void xml_free(struct xml_node *root);

/* First child element with this name, or NULL. */
const struct xml_node *xml_child(const struct xml_node *n, const char *name);
/* Follow "A/B/C" from n (n itself is not matched), or NULL. */
const struct xml_node *xml_path(const struct xml_node *n, const char *path);
/* Text of xml_path(n, path), or NULL if absent. */
const char *xml_path_text(const struct xml_node *n, const char *path);

#endif
