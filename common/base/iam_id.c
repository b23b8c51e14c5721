#include "base/iam_id.h"

#include <stddef.h>

bool iam_id_valid(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		char c = s[n];

		/* ASCII ranges, not isalnum(): the answer must not depend on a locale */
		if (n >= IAM_ID_MAX || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
					 (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return n >= IAM_ID_MIN;
}
