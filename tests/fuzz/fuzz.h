/*
 * libFuzzer targets (tests/fuzz/fuzz_*.c): each defines LLVMFuzzerTestOneInput
 * and checks the properties its parser promises, not only "no crash". `make
 * fuzz` builds them with clang -fsanitize=fuzzer; `make check` replays every
 * corpus file through replay_main.c with the ordinary compiler.
 */
#ifndef IAM_FUZZ_H
#define IAM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code promises does not hold: report and abort (a crash the fuzzer keeps). */
#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,        \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Write data to a fresh private file (mode 0600) under $TMPDIR; its path (static buffer). */
const char *fuzz_write_file(const uint8_t *data, size_t size);

#endif
