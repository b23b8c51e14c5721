/* uid/gid assignment from immutable IAM ids (rules in ids.h). */
#include "directory/ids.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t ids_hash(const char *iam_id)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)iam_id; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint32_t ids_slot(const char *iam_id, uint32_t min, uint32_t max)
{
	uint64_t span = (uint64_t)max - min + 1;

	return (uint32_t)(min + ids_hash(iam_id) % span);
}

int ids_parse_pin(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || strlen(s) > 10)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < IDS_PIN_MIN || v > IDS_PIN_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* A set of taken numbers -> entity index; open addressing, key 0 = empty (0 is never an id). */
struct idset {
	uint32_t *key;
	size_t *owner;
	size_t cap; /* power of two */
};

static int idset_init(struct idset *s, size_t want)
{
	s->cap = 16;
	while (s->cap < want * 2)
		s->cap <<= 1;
	s->key = calloc(s->cap, sizeof(*s->key));
	s->owner = calloc(s->cap, sizeof(*s->owner));
	if (!s->key || !s->owner) {
		free(s->key);
		free(s->owner);
		return -ENOMEM;
	}
	return 0;
}

static void idset_free(struct idset *s)
{
	free(s->key);
	free(s->owner);
}

static size_t idset_pos(const struct idset *s, uint32_t id)
{
	size_t i = (id * 2654435761u) & (s->cap - 1);

	while (s->key[i] != 0 && s->key[i] != id)
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* Index of the holder, or SIZE_MAX when free. */
static size_t idset_get(const struct idset *s, uint32_t id)
{
	size_t i = idset_pos(s, id);

	return s->key[i] == id ? s->owner[i] : SIZE_MAX;
}

static void idset_put(struct idset *s, uint32_t id, size_t owner)
{
	size_t i = idset_pos(s, id);

	s->key[i] = id;
	s->owner[i] = owner;
}

static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct id_entity *all = arg;
	const struct id_entity *x = &all[*(const size_t *)a];
	const struct id_entity *y = &all[*(const size_t *)b];
	int c;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	c = strcmp(x->iam_id, y->iam_id);
	if (c)
		return c;
	return (int)x->kind - (int)y->kind;
}

/* Who holds number v for an entity of this kind (users need uid and gid free). */
static size_t holder_of(const struct idset *uids, const struct idset *gids, enum id_kind kind,
			uint32_t v)
{
	size_t h = idset_get(gids, v);

	if (h == SIZE_MAX && kind == ID_KIND_USER)
		h = idset_get(uids, v);
	return h;
}

static void take(struct idset *uids, struct idset *gids, struct id_entity *e, size_t idx,
		 uint32_t v, enum id_outcome how)
{
	e->id = v;
	e->outcome = how;
	idset_put(gids, v, idx);
	if (e->kind == ID_KIND_USER)
		idset_put(uids, v, idx);
}

static void place_pin(struct id_entity *e, size_t idx, struct id_entity *all, struct idset *uids,
		      struct idset *gids, const struct id_ranges *r)
{
	uint32_t min = e->kind == ID_KIND_USER ? r->uid_min : r->gid_min;
	uint32_t max = e->kind == ID_KIND_USER ? r->uid_max : r->gid_max;
	uint32_t v;
	size_t h;

	if (ids_parse_pin(e->pin, &v) < 0) {
		e->outcome = ID_EXCLUDED;
		snprintf(e->reason, sizeof(e->reason), "pinned id tag is not a number in %u..%u",
			 IDS_PIN_MIN, IDS_PIN_MAX);
		return;
	}
	/* A pin is bound by the configured range like a hashed id: the install step
	 * and the readers enforce the range, and a tag must not reach local ids
	 * outside it (issue 8 finding 10). */
	if (v < min || v > max) {
		e->outcome = ID_EXCLUDED;
		snprintf(e->reason, sizeof(e->reason), "pinned id %u outside the range %u..%u", v,
			 min, max);
		return;
	}
	h = holder_of(uids, gids, e->kind, v);
	if (h != SIZE_MAX) {
		e->outcome = ID_EXCLUDED;
		e->holder = h;
		snprintf(e->reason, sizeof(e->reason), "pinned id %u already held by %.60s", v,
			 all[h].iam_id);
		return;
	}
	take(uids, gids, e, idx, v, ID_PINNED);
}

static void place_hashed(struct id_entity *e, size_t idx, struct id_entity *all, struct idset *uids,
			 struct idset *gids, const struct id_ranges *r, size_t max_steps)
{
	uint32_t min = e->kind == ID_KIND_USER ? r->uid_min : r->gid_min;
	uint32_t max = e->kind == ID_KIND_USER ? r->uid_max : r->gid_max;
	uint64_t span = (uint64_t)max - min + 1;
	uint32_t v = ids_slot(e->iam_id, min, max);
	size_t first = SIZE_MAX;

	e->hash_slot = v;
	/* At most max_steps numbers can be taken, so a free one is that close. */
	for (uint64_t step = 0; step < span && step <= max_steps; step++) {
		size_t h = holder_of(uids, gids, e->kind, v);

		if (h == SIZE_MAX) {
			take(uids, gids, e, idx, v, step == 0 ? ID_HASHED : ID_PROBED);
			if (step > 0) {
				e->holder = first;
				snprintf(e->reason, sizeof(e->reason),
					 "id %u held by older %.60s, moved to %u", e->hash_slot,
					 all[first].iam_id, v);
			}
			return;
		}
		if (first == SIZE_MAX)
			first = h;
		v = v == max ? min : v + 1;
	}
	e->outcome = ID_EXCLUDED;
	snprintf(e->reason, sizeof(e->reason), "no free id left in %u..%u", min, max);
}

int ids_assign(struct id_entity *e, size_t n, const struct id_ranges *r)
{
	struct idset uids, gids;
	size_t *order;
	int ret;

	if (!r || r->uid_min == 0 || r->gid_min == 0 || r->uid_min > r->uid_max ||
	    r->gid_min > r->gid_max)
		return -EINVAL;
	order = calloc(n ? n : 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	ret = idset_init(&uids, n + 1);
	if (ret == 0) {
		ret = idset_init(&gids, n + 1);
		if (ret < 0)
			idset_free(&uids);
	}
	if (ret < 0) {
		free(order);
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		e[i].id = 0;
		e[i].outcome = ID_EXCLUDED;
		e[i].hash_slot = 0;
		e[i].holder = SIZE_MAX;
		e[i].reason[0] = '\0';
	}
	qsort_r(order, n, sizeof(*order), cmp_order, e);
	for (size_t k = 0; k < n; k++)
		if (e[order[k]].pin)
			place_pin(&e[order[k]], order[k], e, &uids, &gids, r);
	for (size_t k = 0; k < n; k++)
		if (!e[order[k]].pin)
			place_hashed(&e[order[k]], order[k], e, &uids, &gids, r, 2 * n + 1);
	idset_free(&uids);
	idset_free(&gids);
	free(order);
	return 0;
}
