/* XML tree (every IAM/STS answer goes through it): bounded, no crash, a tree or an error. */
#include <string.h>

#include "fuzz.h"
#include "aws/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xml_limits lim = {1 << 20, 32, 20000, 4096};
	struct xml_node *root = NULL;
	struct iam_err err = {0};
	int r = xml_parse((const char *)data, size, &lim, &root, &err);

	FUZZ_ASSERT(r == 0 ? root != NULL : (root == NULL && err.msg[0] != '\0' && err.code == r));
	if (root) {
		/* lookups on any tree answer or say NULL */
		(void)xml_path_text(root, "ListUsersResult/Users/member/UserName");
		(void)xml_path(root, "Error/Code");
	}
	xml_free(root);
	return 0;
}
