/*
 * Bounded XML tree on top of expat. IAM/STS answers are small, flat documents;
 * anything with a DOCTYPE, entity declarations, deep nesting or huge text is
 * treated as hostile and rejected before it can cost memory or time.
 */
#include "aws/xml.h"
#include "base/error.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* expat joins namespace URI and local name with this byte (cannot occur in names). */
#define NS_SEP '\x01'

struct builder {
	XML_Parser parser;
	struct xml_limits lim;
	struct xml_node *root;
	struct xml_node *cur;
	size_t depth;
	size_t nodes;
	int err;
	struct iam_err *why; /* the caller's, may be NULL */
};

static void set_limits(struct xml_limits *dst, const struct xml_limits *src)
{
	dst->max_bytes = 16u * 1024 * 1024;
	dst->max_depth = 32;
	dst->max_nodes = 1000000;
	dst->max_text = 64u * 1024;
	if (!src)
		return;
	if (src->max_bytes)
		dst->max_bytes = src->max_bytes;
	if (src->max_depth)
		dst->max_depth = src->max_depth;
	if (src->max_nodes)
		dst->max_nodes = src->max_nodes;
	if (src->max_text)
		dst->max_text = src->max_text;
}

static void fail(struct builder *b, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct builder *b, int err, const char *fmt, ...)
{
	va_list ap;

	if (b->err)
		return; /* keep the first reason */
	b->err = err;
	if (b->why) {
		b->why->code = err;
		va_start(ap, fmt);
		vsnprintf(b->why->msg, sizeof(b->why->msg), fmt, ap);
		va_end(ap);
	}
	XML_StopParser(b->parser, XML_FALSE);
}

static void node_free(struct xml_node *n)
{
	/* Iterative-enough: depth is bounded by max_depth, so recursion is bounded too. */
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nchildren; i++)
		node_free(n->children[i]);
	free(n->children);
	free(n->name);
	free(n->text);
	free(n);
}

void xml_free(struct xml_node *root)
{
	node_free(root);
}

static const char *local_name(const char *name)
{
	const char *sep = strrchr(name, NS_SEP);

	return sep ? sep + 1 : name;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct builder *b = ud;
	struct xml_node *n;

	(void)attrs; /* the Query API carries everything in elements */
	if (b->err)
		return;
	if (b->depth + 1 > b->lim.max_depth) {
		fail(b, -E2BIG, "XML nesting deeper than %zu", b->lim.max_depth);
		return;
	}
	if (b->nodes + 1 > b->lim.max_nodes) {
		fail(b, -E2BIG, "XML has more than %zu elements", b->lim.max_nodes);
		return;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		fail(b, -ENOMEM, "out of memory");
		return;
	}
	n->name = strdup(local_name(name));
	n->text = calloc(1, 1);
	if (!n->name || !n->text) {
		node_free(n);
		fail(b, -ENOMEM, "out of memory");
		return;
	}
	if (b->cur) {
		struct xml_node *p = b->cur;
		/* Grow geometrically; nchildren is bounded by max_nodes. */
		if ((p->nchildren & (p->nchildren - 1)) == 0) {
			size_t cap = p->nchildren ? p->nchildren * 2 : 1;
			struct xml_node **c = realloc(p->children, cap * sizeof(*c));
			if (!c) {
				node_free(n);
				fail(b, -ENOMEM, "out of memory");
				return;
			}
			p->children = c;
		}
		p->children[p->nchildren++] = n;
		n->parent = p;
	} else if (b->root) {
		/* expat already rejects a second root; be safe anyway. */
		node_free(n);
		fail(b, -EBADMSG, "XML has more than one root element");
		return;
	} else {
		b->root = n;
	}
	b->cur = n;
	b->depth++;
	b->nodes++;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct builder *b = ud;

	(void)name; /* expat checks that tags match */
	if (b->err || !b->cur)
		return;
	b->cur = b->cur->parent;
	b->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct builder *b = ud;
	struct xml_node *n = b->cur;
	char *t;

	if (b->err || !n || len <= 0)
		return;
	if ((size_t)len > b->lim.max_text || n->text_len > b->lim.max_text - (size_t)len) {
		fail(b, -E2BIG, "XML element <%s> text longer than %zu bytes", n->name,
		     b->lim.max_text);
		return;
	}
	t = realloc(n->text, n->text_len + (size_t)len + 1);
	if (!t) {
		fail(b, -ENOMEM, "out of memory");
		return;
	}
	memcpy(t + n->text_len, s, (size_t)len);
	n->text_len += (size_t)len;
	t[n->text_len] = '\0';
	n->text = t;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	fail(ud, -EBADMSG, "XML with a DOCTYPE is refused");
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
				   const XML_Char *value, int value_len, const XML_Char *base,
				   const XML_Char *sysid, const XML_Char *pubid,
				   const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	fail(ud, -EBADMSG, "XML entity declarations are refused");
}

static int XMLCALL on_external_entity(XML_Parser p, const XML_Char *context, const XML_Char *base,
				      const XML_Char *sysid, const XML_Char *pubid)
{
	(void)p;
	(void)context;
	(void)base;
	(void)sysid;
	(void)pubid;
	return XML_STATUS_ERROR; /* never fetch anything */
}

static void XMLCALL on_skipped_entity(void *ud, const XML_Char *name, int is_param)
{
	(void)is_param;
	fail(ud, -EBADMSG, "XML references undeclared entity '%.40s'", name);
}

int xml_parse(const char *buf, size_t len, const struct xml_limits *lim, struct xml_node **root,
	      struct iam_err *why)
{
	struct builder b;
	enum XML_Status st;

	*root = NULL;
	err_clear(why);
	memset(&b, 0, sizeof(b));
	set_limits(&b.lim, lim);
	b.why = why;
	if (!buf) {
		fail(&b, -EBADMSG, "empty XML document");
		return b.err;
	}
	if (len > b.lim.max_bytes || len > (size_t)INT32_MAX) {
		return err_set(why, -E2BIG, "XML document larger than %zu bytes", b.lim.max_bytes);
	}
	b.parser = XML_ParserCreateNS("UTF-8", NS_SEP);
	if (!b.parser) {
		return err_set(why, -ENOMEM, "out of memory");
	}
	XML_SetUserData(b.parser, &b);
	XML_SetElementHandler(b.parser, on_start, on_end);
	XML_SetCharacterDataHandler(b.parser, on_text);
	XML_SetStartDoctypeDeclHandler(b.parser, on_doctype);
	XML_SetEntityDeclHandler(b.parser, on_entity_decl);
	XML_SetExternalEntityRefHandler(b.parser, on_external_entity);
	XML_SetSkippedEntityHandler(b.parser, on_skipped_entity);
	XML_SetParamEntityParsing(b.parser, XML_PARAM_ENTITY_PARSING_NEVER);

	st = XML_Parse(b.parser, buf, (int)len, XML_TRUE);
	if (st != XML_STATUS_OK && !b.err) {
		enum XML_Error e = XML_GetErrorCode(b.parser);
		b.err =
		    err_set(why, -EBADMSG, "malformed XML at line %lu: %s",
			    (unsigned long)XML_GetCurrentLineNumber(b.parser), XML_ErrorString(e));
	}
	if (!b.err && (!b.root || b.cur)) {
		b.err = err_set(why, -EBADMSG, "XML document incomplete");
	}
	XML_ParserFree(b.parser);
	if (b.err) {
		node_free(b.root);
		return b.err;
	}
	*root = b.root;
	return 0;
}

const struct xml_node *xml_child(const struct xml_node *n, const char *name)
{
	size_t i;

	if (!n || !name)
		return NULL;
	for (i = 0; i < n->nchildren; i++)
		if (strcmp(n->children[i]->name, name) == 0)
			return n->children[i];
	return NULL;
}

const struct xml_node *xml_path(const struct xml_node *n, const char *path)
{
	char part[128];
	const char *p = path, *slash;
	size_t len;

	if (!n || !path)
		return NULL;
	while (n && *p) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || len >= sizeof(part))
			return NULL;
		memcpy(part, p, len);
		part[len] = '\0';
		n = xml_child(n, part);
		p += len;
		if (*p == '/')
			p++;
	}
	return n;
}

const char *xml_path_text(const struct xml_node *n, const char *path)
{
	const struct xml_node *r = xml_path(n, path);

	return r ? r->text : NULL;
}
