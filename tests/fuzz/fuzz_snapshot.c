/* Snapshot reader: a hostile file opens or is refused; no answer is for another name or id. */
#include <string.h>

#include "fuzz.h"
#include "snapshot/snapshot_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snap *s = NULL;
	struct snap_info info;

	if (snap_open(fuzz_write_file(data, size), &s) < 0)
		return 0;
	snap_get_info(s, &info);
	for (uint32_t i = 0; i < info.nusers && i < 2000; i++) {
		struct snap_user u, byname, byuid;

		if (snap_user_at(s, i, &u) < 0)
			continue;
		/* A lookup answers for what was asked or not at all: a hostile index can
		 * hide a record (iam-login install refuses such a file: the index must
		 * lead to every record) but never hand out another name or uid. */
		if (snap_user_by_name(s, u.name, &byname) == 0)
			FUZZ_ASSERT(strcmp(byname.name, u.name) == 0);
		if (snap_user_by_uid(s, u.uid, &byuid) == 0)
			FUZZ_ASSERT(byuid.uid == u.uid);
		for (uint32_t k = 0; k < u.ngroups && k < 64; k++) {
			struct snap_group g;
			(void)snap_user_group_at(s, &u, k, &g);
		}
	}
	for (uint32_t i = 0; i < info.ngroups && i < 2000; i++) {
		struct snap_group g, byname;

		if (snap_group_at(s, i, &g) < 0)
			continue;
		if (snap_group_by_name(s, g.name, &byname) == 0)
			FUZZ_ASSERT(strcmp(byname.name, g.name) == 0);
		for (uint32_t k = 0; k < g.nmembers && k < 64; k++)
			(void)snap_group_member_name(s, &g, k);
	}
	snap_close(s);
	return 0;
}
