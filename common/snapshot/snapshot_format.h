/*
 * On-disk format of the directory snapshot (/var/lib/iam-login/directory).
 * Shared by snapshot_writer.c, snapshot_reader.c (libc only) and the tests.
 *
 * All integers are little-endian, fixed width. Every section starts on an
 * 8-byte boundary. The file is:
 *
 *   header (168 bytes, struct snapfmt_header)
 *     magic "IAMLSNAP", version 1, header_size 168, file_size,
 *     checksum, generation, created (unix time), account[16] (NUL-padded),
 *     nusers, ngroups, nexcluded, user_slots, group_slots, reserved 0,
 *     sections[SNAPFMT_NSECTIONS] = { offset, size } in bytes
 *   SNAPFMT_SEC_STRINGS       string table: NUL-terminated strings; offset 0 is
 *                             "" and the last byte of the table is NUL, so every
 *                             offset < size names a string that ends inside it
 *   SNAPFMT_SEC_USERS         nusers  x struct snapfmt_user  (48 bytes)
 *   SNAPFMT_SEC_GROUPS        ngroups x struct snapfmt_group (32 bytes)
 *   SNAPFMT_SEC_USER_BYNAME   user_slots  x u32   hash indexes: open addressing,
 *   SNAPFMT_SEC_USER_BYID     user_slots  x u32   linear probing, slot value =
 *   SNAPFMT_SEC_GROUP_BYNAME  group_slots x u32   record index + 1, 0 = empty;
 *   SNAPFMT_SEC_GROUP_BYID    group_slots x u32   slots is a power of two > count
 *   SNAPFMT_SEC_USER_GROUPS   u32 group indexes; a user's supplementary groups
 *                             are [groups_first, groups_first + groups_count)
 *   SNAPFMT_SEC_GROUP_MEMBERS u32 user indexes; a group's members likewise
 *   SNAPFMT_SEC_EXCLUDED      nexcluded x struct snapfmt_excluded (12 bytes)
 *
 * Hashes: names use 32-bit FNV-1a of the bytes; ids use snapfmt_hash_id().
 * The first slot probed is hash & (slots - 1). Readers never probe more than
 * `slots` times and check that the record found has the key looked up, so a
 * hostile index can only make a lookup miss, never loop or answer wrongly.
 *
 * Checksum: four interleaved 64-bit FNV-1a lanes over the file taken as
 * little-endian 64-bit words (word k feeds lane k % 4; the tail is zero-padded
 * to 32 bytes; the checksum field, word 3, counts as zero), folded together
 * with the file length (snapfmt_checksum below is the definition). It is
 * verified once per open/remap; after that every offset and index is still
 * bounds-checked at use, because the checksum is not a signature.
 */
#ifndef IAM_SNAPSHOT_FORMAT_H
#define IAM_SNAPSHOT_FORMAT_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SNAPFMT_MAGIC "IAMLSNAP"
#define SNAPFMT_VERSION 1u
#define SNAPFMT_MAX_FILE (512u * 1024u * 1024u)
#define SNAPFMT_MAX_RECORDS (1u << 24)
#define SNAPFMT_MAX_SLOTS (1u << 26)

enum {
	SNAPFMT_SEC_STRINGS,
	SNAPFMT_SEC_USERS,
	SNAPFMT_SEC_GROUPS,
	SNAPFMT_SEC_USER_BYNAME,
	SNAPFMT_SEC_USER_BYID,
	SNAPFMT_SEC_GROUP_BYNAME,
	SNAPFMT_SEC_GROUP_BYID,
	SNAPFMT_SEC_USER_GROUPS,
	SNAPFMT_SEC_GROUP_MEMBERS,
	SNAPFMT_SEC_EXCLUDED,
	SNAPFMT_NSECTIONS
};

struct snapfmt_section {
	uint32_t offset;
	uint32_t size;
};

struct snapfmt_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint64_t file_size;
	uint64_t checksum;
	uint64_t generation;
	int64_t created;
	char account[16];
	uint32_t nusers;
	uint32_t ngroups;
	uint32_t nexcluded;
	uint32_t user_slots;
	uint32_t group_slots;
	uint32_t reserved;
	struct snapfmt_section sections[SNAPFMT_NSECTIONS];
};

#define SNAPFMT_USER_PRIVATE 1u /* snapfmt_group.flags */
/* an IAM group merged into the local group of the same name (merge_groups):
 * the only kind of record whose id may lie below the IAM id floor */
#define SNAPFMT_MERGED 2u

struct snapfmt_user {
	uint32_t uid, gid;
	uint32_t name, gecos, home, shell, iam_name, iam_id, iam_arn; /* string offsets */
	uint32_t groups_first, groups_count;
	uint32_t flags;
};

struct snapfmt_group {
	uint32_t gid, flags;
	uint32_t name, iam_name, iam_id, iam_arn;
	uint32_t members_first, members_count;
};

struct snapfmt_excluded {
	uint32_t kind, iam_name, reason;
};

_Static_assert(sizeof(struct snapfmt_header) == 168, "header layout");
_Static_assert(offsetof(struct snapfmt_header, checksum) == 24, "checksum offset");
_Static_assert(offsetof(struct snapfmt_header, sections) == 88, "sections offset");
_Static_assert(sizeof(struct snapfmt_user) == 48, "user layout");
_Static_assert(sizeof(struct snapfmt_group) == 32, "group layout");
_Static_assert(sizeof(struct snapfmt_excluded) == 12, "excluded layout");

#define SNAPFMT_CHECKSUM_OFFSET 24u

static inline uint32_t snapfmt_hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

static inline uint32_t snapfmt_hash_id(uint32_t x)
{
	/* a well-mixing 32-bit finalizer: sequential ids spread over the table */
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static inline uint32_t snapfmt_le32(uint32_t v)
{
	return le32toh(v);
}

static inline uint64_t snapfmt_word(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return le64toh(w);
}

/* Checksum of a whole file image (see above); len is the file size. */
static inline uint64_t snapfmt_checksum(const uint8_t *p, size_t len)
{
	const uint64_t prime = 1099511628211ull;
	uint64_t h[4] = {14695981039346656037ull, 14695981039346656037ull ^ 1,
			 14695981039346656037ull ^ 2, 14695981039346656037ull ^ 3};
	uint8_t tail[32] = {0};
	size_t i, full = len & ~(size_t)31;

	for (i = 0; i < full; i += 32) {
		h[0] = (h[0] ^ (i == 0 ? snapfmt_word(p) : snapfmt_word(p + i))) * prime;
		h[1] = (h[1] ^ snapfmt_word(p + i + 8)) * prime;
		h[2] = (h[2] ^ snapfmt_word(p + i + 16)) * prime;
		h[3] = (h[3] ^ (i == 0 ? 0 : snapfmt_word(p + i + 24))) * prime;
	}
	if (i < len) {
		memcpy(tail, p + i, len - i);
		if (i == 0)
			memset(tail + SNAPFMT_CHECKSUM_OFFSET, 0, 8);
		h[0] = (h[0] ^ snapfmt_word(tail)) * prime;
		h[1] = (h[1] ^ snapfmt_word(tail + 8)) * prime;
		h[2] = (h[2] ^ snapfmt_word(tail + 16)) * prime;
		h[3] = (h[3] ^ snapfmt_word(tail + 24)) * prime;
	}
	/* fold the lanes and the length */
	return ((((h[0] * prime) ^ h[1]) * prime ^ h[2]) * prime ^ h[3]) * prime ^ (uint64_t)len;
}

#endif
