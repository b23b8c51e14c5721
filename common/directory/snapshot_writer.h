#ifndef IAM_SNAPSHOT_WRITER_H
#define IAM_SNAPSHOT_WRITER_H

#include <stdint.h>

#include "directory/dirmodel.h"

/*
 * Write m as dir/directory atomically (temp file, fsync, rename, fsync dir),
 * mode 0644, generation = previous generation + 1. 0 or -errno.
 */
int snapshot_write(const char *dir, const struct dir_model *m, uint64_t *generation_out);
/* The same with an explicit generation (the sync: one above the installed snapshot). */
int snapshot_write_generation(const char *dir, const struct dir_model *m, uint64_t generation);

#endif
