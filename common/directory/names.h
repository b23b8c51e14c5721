/*
 * IAM name -> Linux name. Pure functions, no I/O.
 *
 * The mapping (documented in conf/iam-login.conf; never change it silently, hosts
 * compare names):
 *   1. The IAM name must be a valid IAM name: 1..128 bytes of [A-Za-z0-9+=,.@_-].
 *   2. User names only: the first configured suffix (strip_suffixes, in config
 *      order) that ends the name, compared case-insensitively, is removed, as long
 *      as something remains ("Carol@example.com" -> "Carol").
 *   3. ASCII letters are lowercased.
 *   4. '+', '=', ',' and '@' become '_' ("dave+ops" -> "dave_ops", "x=y" -> "x_y").
 *   5. Group names get the configured prefix ("admins" -> "iam-admins").
 *   6. The result must match [a-z_][a-z0-9_.-]{0,31}: at most 32 bytes, starting
 *      with a letter or '_'. Anything else is invalid and the entity is excluded;
 *      a name is never truncated (truncation could map two people onto one name).
 * Two IAM names that map to the same Linux name are both excluded by the caller.
 */
#ifndef IAM_NAMES_H
#define IAM_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "config/config.h"

/* Longest Linux name we produce, without the NUL. */
#define LINUX_NAME_MAX 32
/* Longest IAM name accepted (IAM allows 64 for users, 128 for groups). */
#define IAM_NAME_MAX 128

/* Is s a portable Linux user/group name: [a-z_][a-z0-9_.-]{0,31}? */
bool name_is_portable(const char *s);

/* Is s a syntactically valid IAM user or group name? */
bool name_is_iam_valid(const char *s);

/*
 * Map an IAM user name. out must hold LINUX_NAME_MAX + 1 bytes. Returns 0, or
 * -EINVAL with a short reason in why (may be NULL) when the name is
 * invalid as IAM name or does not map to a portable Linux name.
 */
int name_map_user(const char *iam_name, const struct str_list *strip_suffixes, char *out,
		  size_t out_n, struct iam_err *why);

/* Map an IAM group name: prefix + mapped name (no suffix stripping). Same contract. */
int name_map_group(const char *iam_name, const char *prefix, char *out, size_t out_n,
		   struct iam_err *why);

#endif
