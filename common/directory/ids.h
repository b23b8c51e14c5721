/*
 * uid/gid assignment from immutable IAM ids. Pure functions, no I/O.
 *
 * The hash (stable forever; changing it would renumber every host):
 *   h    = FNV-1a 64-bit over the bytes of the IAM UserId / GroupId
 *          (offset basis 0xcbf29ce484222325, prime 0x100000001b3)
 *   slot = min + h % (max - min + 1)
 * Changing uid_min/uid_max (or gid_*) renumbers; choose the range once.
 *
 * Collisions: every entity (users and groups together) is processed in order of
 * (CreateDate, IAM id). Pinned ids (IAM tag) are placed first; an invalid pin or a
 * pin taken by an older entity excludes the entity (reported) rather than giving
 * it a number nobody asked for. Then each entity takes its hash slot; if an older
 * entity already holds it, it probes upward (wrapping inside the range) to the next
 * free number. So the older entity always keeps its slot, and the result does not
 * depend on the order the directory was listed in.
 *
 * Users and their private groups share one number (gid == uid): a user's number
 * must be free as a uid and as a gid; an IAM group's only as a gid. Only where the
 * uid and gid ranges overlap can the two kinds meet.
 *
 * The caller assigns over the whole IAM directory, before host-specific exclusions
 * (local accounts, visibility), so every host computes the same numbers.
 */
#ifndef IAM_IDS_H
#define IAM_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Pins must be in [IDS_PIN_MIN, IDS_PIN_MAX]: outside the system range, below 2^31. */
#define IDS_PIN_MIN 65536u
#define IDS_PIN_MAX 2147483647u

enum id_kind { ID_KIND_USER, ID_KIND_GROUP };

enum id_outcome {
	ID_HASHED,   /* got its hash slot */
	ID_PROBED,   /* hash slot held by an older entity: moved to the next free id */
	ID_PINNED,   /* from the tag */
	ID_EXCLUDED, /* no id: see reason */
};

struct id_entity {
	/* in */
	enum id_kind kind;
	const char *iam_id; /* immutable UserId / GroupId */
	int64_t created;    /* CreateDate, unix time */
	const char *pin;    /* tag value or NULL */
	/* out */
	uint32_t id;
	enum id_outcome outcome;
	uint32_t hash_slot; /* where it wanted to be */
	size_t holder;	    /* ID_PROBED / pin conflict: index of the entity holding the slot */
	char reason[128];   /* ID_EXCLUDED: why; ID_PROBED: what it collided with */
};

struct id_ranges {
	uint32_t uid_min, uid_max;
	uint32_t gid_min, gid_max;
};

uint64_t ids_hash(const char *iam_id);
uint32_t ids_slot(const char *iam_id, uint32_t min, uint32_t max);

/* Parse a pin: decimal only, no sign/space, within [IDS_PIN_MIN, IDS_PIN_MAX]. 0 / -EINVAL. */
int ids_parse_pin(const char *s, uint32_t *out);

/* Assign ids to all n entities (see above). 0, -EINVAL (bad ranges), -ENOMEM. */
int ids_assign(struct id_entity *e, size_t n, const struct id_ranges *r);

#endif
