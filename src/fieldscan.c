/* fieldscan: the field scans of record.c, a byte at a time and on SSE2
 * and AVX2 masks.
 *
 * The rule that ties them: for any record and any MAX, every variant
 * returns the same count and the same fields as the portable loops
 * (blanks_portable, separated_portable), which stay the reference and
 * the fallback.  Why it holds: a mask variant looks at the record in
 * chunks of W bytes (16 or 32) and makes one bit per byte, set for a
 * separator; a field begins and ends where that bit changes (blanks) or
 * ends at each set bit (a separator), which is where the loops stop.
 * The last, short chunk is copied to a buffer padded with separators, so
 * that no byte past the record is read, and the padding ends a field at
 * the record's end, as the loops' end of input does.  tests/fieldscan.bats
 * runs the same inputs through every variant a machine has
 * (FANOUT_FIELD_SCAN) and compares the outputs.
 *
 * A worked example, blanks, W = 16, "ab  c" (5 bytes): the padded chunk
 * is "ab  c" and eleven blanks, so the blank mask M has bits 2, 3 and 5
 * to 15.  The bit before the record counts as a blank (CARRY = 1), and
 * T = M ^ (M << 1 | CARRY) marks every change: bit 0 (field 1 starts),
 * bit 2 (it ends), bit 4 (field 2 starts) and bit 5 (it ends at the
 * record's end).  The changes alternate starts and ends. */
#include "config.h"

#include "fieldscan.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if !defined(FANOUT_PORTABLE_SCAN) && defined(__x86_64__) \
    && defined(__SSE2__)
#include <immintrin.h>
#define FIELDSCAN_X86 1
#endif

static size_t blanks_portable(const char *p, size_t len, char separator,
                              struct record_field *fields, size_t max)
{
    (void)separator;
    const char *end = p + len;
    size_t n = 0;
    while (n < max) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end)
            break;
        const char *start = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        fields[n++] = (struct record_field){ start, (size_t)(p - start) };
    }
    return n;
}

static size_t separated_portable(const char *p, size_t len, char separator,
                                 struct record_field *fields, size_t max)
{
    const char *end = p + len;
    size_t n = 0;
    while (n < max) {
        const char *stop = memchr(p, separator, (size_t)(end - p));
        fields[n++] = (struct record_field){
            p, (size_t)((stop ? stop : end) - p) };
        if (!stop)
            break;
        p = stop + 1;
    }
    return n;
}

#ifdef FIELDSCAN_X86
/* The mask of a chunk of W bytes: bit I set if byte I is a separator
 * (a blank, or SEPARATOR). */
typedef uint32_t chunk_mask_fn(const char *p, char separator);

static inline __attribute__((always_inline)) uint32_t
sse2_blanks(const char *p, char separator)
{
    (void)separator;
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i b = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')),
                             _mm_cmpeq_epi8(x, _mm_set1_epi8('\t')));
    return (uint32_t)_mm_movemask_epi8(b);
}

static inline __attribute__((always_inline)) uint32_t
sse2_separators(const char *p, char separator)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    return (uint32_t)_mm_movemask_epi8(
        _mm_cmpeq_epi8(x, _mm_set1_epi8(separator)));
}

static inline __attribute__((always_inline, target("avx2"))) uint32_t
avx2_blanks(const char *p, char separator)
{
    (void)separator;
    __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i b = _mm256_or_si256(
        _mm256_cmpeq_epi8(x, _mm256_set1_epi8(' ')),
        _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\t')));
    return (uint32_t)_mm256_movemask_epi8(b);
}

static inline __attribute__((always_inline, target("avx2"))) uint32_t
avx2_separators(const char *p, char separator)
{
    __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
    return (uint32_t)_mm256_movemask_epi8(
        _mm256_cmpeq_epi8(x, _mm256_set1_epi8(separator)));
}

/* The mask of the REST (under W) bytes at P, the record's last, as if
 * padding bytes PAD followed them. */
static inline __attribute__((always_inline)) uint32_t
tail_mask(const char *p, size_t rest, char pad, char separator,
          chunk_mask_fn *mask)
{
    char chunk[32];
    memset(chunk, pad, sizeof chunk);
    memcpy(chunk, p, rest);
    return mask(chunk, separator);
}

/* blanks_portable on masks of W bytes made by MASK.  The changes of a
 * chunk are taken two at a time, a start and an end, once a field left
 * open by the chunk before is closed. */
static inline __attribute__((always_inline)) size_t
blanks_masked(const char *p, size_t len, struct record_field *fields,
              size_t max, unsigned w, chunk_mask_fn *mask)
{
    const uint64_t all = ((uint64_t)1 << w) - 1;
    uint64_t carry = 1;         /* before the record: a blank */
    size_t n = 0, start = 0;
    bool inside = false;        /* a field started and has not ended */
    for (size_t i = 0; i < len; i += w) {
        uint64_t m = len - i >= w ? mask(p + i, ' ')
                                  : tail_mask(p + i, len - i, ' ', ' ', mask);
        uint64_t changes = (m ^ (m << 1 | carry)) & all;
        carry = m >> (w - 1);
        if (inside && changes) {
            size_t end = i + (size_t)__builtin_ctzll(changes);
            fields[n++] = (struct record_field){ p + start, end - start };
            if (n == max)
                return n;
            changes &= changes - 1;
            inside = false;
        }
        while (changes) {
            start = i + (size_t)__builtin_ctzll(changes);
            changes &= changes - 1;
            if (!changes) {
                inside = true;
                break;
            }
            size_t end = i + (size_t)__builtin_ctzll(changes);
            changes &= changes - 1;
            fields[n++] = (struct record_field){ p + start, end - start };
            if (n == max)
                return n;
        }
    }
    /* A record of whole chunks whose last byte is no blank. */
    if (inside)
        fields[n++] = (struct record_field){ p + start, len - start };
    return n;
}

/* separated_portable on masks of W bytes made by MASK. */
static inline __attribute__((always_inline)) size_t
separated_masked(const char *p, size_t len, char separator,
                 struct record_field *fields, size_t max, unsigned w,
                 chunk_mask_fn *mask)
{
    size_t n = 0, start = 0, i = 0;
    for (; len - i >= w; i += w) {
        for (uint64_t m = mask(p + i, separator); m; m &= m - 1) {
            size_t at = i + (size_t)__builtin_ctzll(m);
            fields[n++] = (struct record_field){ p + start, at - start };
            if (n == max)
                return n;
            start = at + 1;
        }
    }
    /* The record's end stands for one more separator, after which no
     * bit counts. */
    size_t rest = len - i;
    uint64_t m = rest ? tail_mask(p + i, rest, 0, separator, mask) : 0;
    m = (m & (((uint64_t)1 << rest) - 1)) | (uint64_t)1 << rest;
    for (; n < max; m &= m - 1) {
        size_t at = i + (size_t)__builtin_ctzll(m);
        fields[n++] = (struct record_field){ p + start, at - start };
        if (at == len)
            break;
        start = at + 1;
    }
    return n;
}

static size_t blanks_sse2(const char *p, size_t len, char separator,
                          struct record_field *fields, size_t max)
{
    (void)separator;
    return blanks_masked(p, len, fields, max, 16, sse2_blanks);
}

static size_t separated_sse2(const char *p, size_t len, char separator,
                             struct record_field *fields, size_t max)
{
    return separated_masked(p, len, separator, fields, max, 16,
                            sse2_separators);
}

static __attribute__((target("avx2"))) size_t
blanks_avx2(const char *p, size_t len, char separator,
            struct record_field *fields, size_t max)
{
    (void)separator;
    return blanks_masked(p, len, fields, max, 32, avx2_blanks);
}

static __attribute__((target("avx2"))) size_t
separated_avx2(const char *p, size_t len, char separator,
               struct record_field *fields, size_t max)
{
    return separated_masked(p, len, separator, fields, max, 32,
                            avx2_separators);
}
#endif

/* Fastest first. */
static const struct fieldscan variants[] = {
#ifdef FIELDSCAN_X86
    { "avx2", blanks_avx2, separated_avx2 },
    { "sse2", blanks_sse2, separated_sse2 },
#endif
    { "portable", blanks_portable, separated_portable },
};
enum { VARIANT_COUNT = sizeof variants / sizeof variants[0] };

/* Whether this processor can run V. */
static bool runs_here(const struct fieldscan *v)
{
#ifdef FIELDSCAN_X86
    if (v->blanks == blanks_avx2) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    }
#endif
    (void)v;
    return true;
}

const struct fieldscan *fieldscan_choose(const char *name, char *why,
                                         size_t why_size)
{
    bool any = !name || !name[0];
    for (size_t i = 0; i < VARIANT_COUNT; i++)
        if ((any || strcmp(name, variants[i].name) == 0)
            && runs_here(&variants[i]))
            return &variants[i];
    size_t used = (size_t)snprintf(why, why_size,
                                   "%s=%s is not available here; "
                                   "available:", FIELDSCAN_ENV, name);
    for (size_t i = 0; i < VARIANT_COUNT && used < why_size; i++)
        if (runs_here(&variants[i]))
            used += (size_t)snprintf(why + used, why_size - used, " %s",
                                     variants[i].name);
    return NULL;
}
