/* xml.c: real-shaped IAM/STS answers parse; hostile documents are refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/xml.h"

static int parse(const char *s, struct xml_node **root, struct iam_err *why)
{
	return xml_parse(s, strlen(s), NULL, root, why);
}

static const char *CALLER_IDENTITY =
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <GetCallerIdentityResult>\n"
    "    <Arn>arn:aws:iam::123456789012:user/iam-login-host</Arn>\n"
    "    <UserId>AIDAEXAMPLE</UserId>\n"
    "    <Account>123456789012</Account>\n"
    "  </GetCallerIdentityResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</GetCallerIdentityResponse>\n";

static void test_caller_identity(void **state)
{
	struct xml_node *root;
	struct iam_err xe;

	(void)state;
	assert_int_equal(parse(CALLER_IDENTITY, &root, &xe), 0);
	assert_string_equal(root->name, "GetCallerIdentityResponse");
	assert_string_equal(xml_path_text(root, "GetCallerIdentityResult/Arn"),
			    "arn:aws:iam::123456789012:user/iam-login-host");
	assert_string_equal(xml_path_text(root, "GetCallerIdentityResult/Account"), "123456789012");
	assert_string_equal(xml_path_text(root, "ResponseMetadata/RequestId"),
			    "01234567-89ab-cdef-0123-456789abcdef");
	assert_null(xml_path_text(root, "GetCallerIdentityResult/Nope"));
	assert_null(xml_path(root, "GetCallerIdentityResult//Arn"));
	xml_free(root);
}

static void test_list_users_members(void **state)
{
	const char *doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			  "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
			  "<ListUsersResult><IsTruncated>true</IsTruncated><Marker>abc+/=</Marker>"
			  "<Users><member><UserName>alice</UserName><Path>/</Path></member>"
			  "<member><UserName>b&amp;ob&#233;</UserName><Path>/ops/</Path></member>"
			  "<member><UserName><![CDATA[c<d>]]></UserName></member>"
			  "</Users></ListUsersResult></ListUsersResponse>";
	struct xml_node *root;
	const struct xml_node *users;
	struct iam_err xe;

	(void)state;
	assert_int_equal(parse(doc, &root, &xe), 0);
	users = xml_path(root, "ListUsersResult/Users");
	assert_non_null(users);
	assert_int_equal(users->nchildren, 3);
	assert_string_equal(xml_path_text(users->children[0], "UserName"), "alice");
	assert_string_equal(xml_path_text(users->children[1], "UserName"), "b&ob\xc3\xa9");
	assert_string_equal(xml_path_text(users->children[1], "Path"), "/ops/");
	assert_string_equal(xml_path_text(users->children[2], "UserName"), "c<d>");
	assert_ptr_equal(users->children[2]->parent, users);
	assert_string_equal(xml_path_text(root, "ListUsersResult/Marker"), "abc+/=");
	assert_string_equal(xml_path_text(root, "ListUsersResult/IsTruncated"), "true");
	xml_free(root);
}

static void test_prefix_dropped(void **state)
{
	const char *doc = "<a:Root xmlns:a=\"urn:x\" xmlns:b=\"urn:y\"><b:Child>t</b:Child>"
			  "<Plain>p</Plain></a:Root>";
	struct xml_node *root;

	(void)state;
	assert_int_equal(parse(doc, &root, NULL), 0);
	assert_string_equal(root->name, "Root");
	assert_string_equal(xml_path_text(root, "Child"), "t");
	assert_string_equal(xml_path_text(root, "Plain"), "p");
	xml_free(root);
}

static void test_error_response(void **state)
{
	const char *doc =
	    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
	    "<Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
	    "<Message>The request signature we calculated does not match</Message></Error>"
	    "<RequestId>req-1</RequestId></ErrorResponse>";
	struct xml_node *root;

	(void)state;
	assert_int_equal(parse(doc, &root, NULL), 0);
	assert_string_equal(xml_path_text(root, "Error/Code"), "SignatureDoesNotMatch");
	assert_string_equal(xml_path_text(root, "RequestId"), "req-1");
	xml_free(root);
}

static void test_empty_text_never_null(void **state)
{
	struct xml_node *root;

	(void)state;
	assert_int_equal(parse("<A><B/></A>", &root, NULL), 0);
	assert_non_null(xml_path_text(root, "B"));
	assert_string_equal(xml_path_text(root, "B"), "");
	assert_int_equal(xml_path(root, "B")->text_len, 0);
	xml_free(root);
}

static void expect_fail(const char *doc, int want, const char *errsub)
{
	struct xml_node *root = (struct xml_node *)0x1;
	struct iam_err xe;
	int r = parse(doc, &root, &xe);

	assert_int_equal(r, want);
	assert_null(root);
	if (errsub && !strstr(xe.msg, errsub)) {
		print_error("error '%s' lacks '%s'\n", xe.msg, errsub);
		fail();
	}
}

static void test_truncated(void **state)
{
	size_t i, n = strlen(CALLER_IDENTITY);
	struct xml_node *root;

	(void)state;
	/* Every strict prefix of a valid answer is an error, never a partial tree.
	 * (Trailing whitespace after the root end tag is the one exception.) */
	for (i = 0; i < n; i++) {
		if (i >= n - 1)
			break;
		root = NULL;
		assert_int_not_equal(xml_parse(CALLER_IDENTITY, i, NULL, &root, NULL), 0);
		assert_null(root);
	}
	expect_fail("", -EBADMSG, NULL);
	expect_fail("<A><B>x</B>", -EBADMSG, NULL);
}

static void test_wrong_nesting(void **state)
{
	(void)state;
	expect_fail("<A><B></A></B>", -EBADMSG, "malformed");
	expect_fail("<A></A><B></B>", -EBADMSG, NULL);
	expect_fail("<A>text</A>trailing", -EBADMSG, NULL);
	expect_fail("not xml at all", -EBADMSG, NULL);
	expect_fail("<A>\x01</A>", -EBADMSG, NULL);
}

static void test_doctype_refused(void **state)
{
	(void)state;
	expect_fail("<!DOCTYPE A><A/>", -EBADMSG, "DOCTYPE");
	/* billion laughs */
	expect_fail("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
		    "<lolz>&lol3;</lolz>",
		    -EBADMSG, "DOCTYPE");
	/* external entity (XXE) */
	expect_fail("<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
		    "<foo>&xxe;</foo>",
		    -EBADMSG, "DOCTYPE");
	expect_fail("<!DOCTYPE foo SYSTEM \"http://127.0.0.1/x.dtd\"><foo/>", -EBADMSG, "DOCTYPE");
	/* undeclared entity reference */
	expect_fail("<foo>&xxe;</foo>", -EBADMSG, NULL);
}

static void test_limits(void **state)
{
	struct xml_limits lim = {.max_bytes = 64, .max_depth = 3, .max_nodes = 4, .max_text = 8};
	struct xml_node *root = NULL;
	struct iam_err xe;
	char *big;
	size_t i, n;

	(void)state;
	assert_int_equal(xml_parse("<A><B><C/></B></A>", 18, &lim, &root, &xe), 0);
	xml_free(root);
	assert_int_equal(xml_parse("<A><B><C><D/></C></B></A>", 25, &lim, &root, &xe), -E2BIG);
	assert_non_null(strstr(xe.msg, "nesting"));
	assert_int_equal(xml_parse("<A><B/><B/><B/><B/></A>", 23, &lim, &root, &xe), -E2BIG);
	assert_non_null(strstr(xe.msg, "elements"));
	assert_int_equal(xml_parse("<A>12345678</A>", 15, &lim, &root, &xe), 0);
	xml_free(root);
	assert_int_equal(xml_parse("<A>123456789</A>", 16, &lim, &root, &xe), -E2BIG);
	assert_non_null(strstr(xe.msg, "text"));
	/* text split by an entity still counts as one element's text */
	assert_int_equal(xml_parse("<A>1234&amp;5678</A>", 20, &lim, &root, &xe), -E2BIG);

	/* huge document against default limits: more than 16 MiB */
	n = 17u * 1024 * 1024;
	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "<A>", 3);
	memset(big + 3, 'x', n - 3);
	assert_int_equal(xml_parse(big, n, NULL, &root, &xe), -E2BIG);
	assert_null(root);
	/* 1 MiB of text in one element: over the default 64 KiB text limit */
	n = 1024 * 1024;
	memcpy(big + n - 4, "</A>", 4);
	assert_int_equal(xml_parse(big, n, NULL, &root, &xe), -E2BIG);
	/* deep nesting with the default depth limit */
	for (i = 0; i < 100; i++)
		memcpy(big + i * 3, "<A>", 3);
	memcpy(big + 300, "</A>", 4);
	assert_int_equal(xml_parse(big, 304, NULL, &root, &xe), -E2BIG);
	free(big);
}

/* Deterministic mutations (byte flips, inserted markup, cuts) never crash or leak,
 * and a failed parse never returns a tree. Run under ASan by `make check-san`. */
static void test_mutations(void **state)
{
	static const char *const inserts[] = {"<",   ">",  "&",	   "]]>", "<!DOCTYPE a>", "&amp;",
					      "<x>", "</", "\xff", "\0",  "<?pi?>",	  "<!--"};
	size_t n = strlen(CALLER_IDENTITY), i, pos, k;
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	char *buf = malloc(n + 64);
	struct xml_node *root;
	unsigned ok = 0, bad = 0;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < 20000; i++) {
		size_t len = n;
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		memcpy(buf, CALLER_IDENTITY, n);
		pos = (size_t)(s % n);
		switch ((s >> 32) % 3) {
		case 0:
			buf[pos] = (char)(s >> 40);
			break;
		case 1:
			k = (size_t)((s >> 40) % (sizeof(inserts) / sizeof(inserts[0])));
			memmove(buf + pos + strlen(inserts[k]), buf + pos, n - pos);
			memcpy(buf + pos, inserts[k], strlen(inserts[k]));
			len = n + strlen(inserts[k]);
			break;
		default:
			len = pos;
			break;
		}
		root = (struct xml_node *)0x1;
		if (xml_parse(buf, len, NULL, &root, NULL) == 0) {
			assert_non_null(root);
			xml_free(root);
			ok++;
		} else {
			assert_null(root);
			bad++;
		}
	}
	free(buf);
	/* both outcomes happen: the mutations are not all harmless or all fatal */
	assert_true(ok > 100);
	assert_true(bad > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_caller_identity),
	    cmocka_unit_test(test_list_users_members),
	    cmocka_unit_test(test_prefix_dropped),
	    cmocka_unit_test(test_error_response),
	    cmocka_unit_test(test_empty_text_never_null),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_wrong_nesting),
	    cmocka_unit_test(test_doctype_refused),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
