/* fuzz: what the fuzz targets share.  Each target defines the libFuzzer
 * entry point below; it is linked either with libFuzzer (make fuzz) or
 * with replay.c, which runs it over saved inputs (make check).  A broken
 * invariant aborts, which both count as a failure. */
#ifndef FANOUT_FUZZ_H
#define FANOUT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs one input; always returns 0, as libFuzzer requires. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with WHAT and the place unless COND holds. */
#define FUZZ_CHECK(cond, what) \
    ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond, (what)))

static inline _Noreturn void fuzz_fail(const char *file, int line,
                                       const char *cond, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", file, line, what,
            cond);
    abort();
}

#endif
