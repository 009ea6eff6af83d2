/* quantile: the values of one key and field, kept for percentiles: exactly
 * while there are few of them, then in a mergeable sketch whose answers
 * are within 1% of the exact ones.
 *
 * Rank rule (nearest rank): the P-th percentile of n values, 0 < P <= 100,
 * is the value of rank ceil(P / 100 * n) in ascending order, ranks counted
 * from 1, with P / 100 * n computed exactly (P may have decimals, as in
 * 99.9).  So p100 is the maximum, any P <= 100 / n the minimum, and the
 * median is p50, q1 p25 and q3 p75: of 1 2 3 4, p50 is 2 and p75 is 3.
 *
 * Exact phase: up to QUANTILE_BUDGET values are kept as they are, and a
 * percentile is the value at its rank, printed at the key's scale (the
 * most digits after the point among its values) or rounded half to even
 * to the places asked for.
 *
 * Sketch phase: past the budget, a value only counts in a bucket of its
 * magnitude (separate buckets for negative values, and a count of zeros),
 * and a percentile is a value inside its rank's bucket, within 0.45% of
 * the exact value at that rank; printed at the key's scale (or at more
 * places) it stays within 0.9%, so within 1% (quantile.c says why).  The
 * smallest and largest values are kept exactly: rank 1 and rank n print
 * them, and no answer lies outside them.  Printed at fewer places than
 * the key's scale, an answer may also be off by the rounding to those
 * places, as the exact value would be.
 *
 * Determinism: the state depends only on the multiset of values added, so
 * any split into parts, merged in any order, gives the same state, text
 * and answers.  A part turns into a sketch when its own count passes the
 * budget, and a merge does when the total passes it; a part's count is at
 * most the whole's, so a state is a sketch exactly when the key's count
 * passes the budget, and a sketch's buckets are counts of values.
 *
 * Memory per key: exact, at most QUANTILE_BUDGET * 17 bytes (17 KiB):
 * 8 bytes a value while every mantissa fits 64 bits, one more each once
 * two values differ in scale, 16 more once a mantissa does not fit;
 * sketch, for each sign, 8 bytes per bucket between the lowest and the
 * highest in use, 85 buckets per doubling of magnitude: 680 bytes per
 * factor of 2, 2.3 KiB per factor of 10 that a key's values span, and at
 * most twice that (at least 512 bytes) while the array grows by doubling.
 * Values within 10^-38 .. 10^38 fall in 21,590 buckets per sign, so a key
 * never takes more than QUANTILE_MAX_BYTES (345,440 bytes of buckets and
 * 256 for the rest) whatever its values. */
#ifndef FANOUT_QUANTILE_H
#define FANOUT_QUANTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "number.h"

/* Values kept exactly per key and field. */
enum { QUANTILE_BUDGET = 1024 };

/* Buckets per sign, and the most bytes quantile_bytes can return. */
enum { QUANTILE_BUCKETS = 21590 };
enum { QUANTILE_MAX_BYTES = 2 * QUANTILE_BUCKETS * 8 + 256 };

/* Room for any text quantile_format writes. */
enum { QUANTILE_TEXT_SIZE = 2 * NUMBER_TEXT_SIZE + 48 };

struct sketch;

/* The members are quantile.c's own; they are visible only so that a key's
 * state can hold one inline (keystate.c), one pointer fewer to follow for
 * every value added. */
struct quantile {
    uint64_t count;            /* values added */
    int scale;                 /* most places among the values */
    bool sorted;               /* ascending since the last change */
    /* Exact phase (SKETCH NULL): COUNT values as mantissas and scales,
     * in arrays of CAP.  The mantissas are 64 bits wide while every one
     * fits, as nearly all values do, and 128 bits from the first that
     * does not (WIDE).  The values of a field mostly share one scale
     * (integers, or prices in cents): while they all do, it is COMMON
     * and there is no array of scales (SCALES NULL), so that a value
     * takes 8 bytes and adding one writes to one place, not two. */
    union {
        int64_t *narrow;
        i128 *wide;
    } mantissas;
    bool wide;
    int8_t common;
    int8_t *scales;
    size_t cap;
    struct sketch *sketch;
};

/* An empty state; never NULL (allocation failure exits). */
struct quantile *quantile_new(void);

void quantile_free(struct quantile *q);

/* Makes the memory at Q an empty state, and frees what Q holds, not Q
 * itself: for a state inside another object. */
void quantile_init(struct quantile *q);
void quantile_release(struct quantile *q);

/* Moves the state FROM, which quantile_new or quantile_read gave, into
 * INTO (initialized or not), and frees FROM. */
void quantile_move(struct quantile *into, struct quantile *from);

/* Asks for the memory that adding VALUE to Q will write to: for a caller
 * that adds to many keys' states in turn and can ask for several
 * ahead. */
void quantile_prefetch(const struct quantile *q, const struct number *value);

/* Adds VALUE; returns how many bytes Q grew by (quantile_bytes), for a
 * caller that bounds the memory of many states.  No allocation per value
 * once the key's buckets or value array have grown to what its values
 * need. */
size_t quantile_add(struct quantile *q, const struct number *value);

/* quantile_add of the value MANTISSA at SCALE, a mantissa that fits 64
 * bits, as a key's values mostly are: inline while the value joins
 * values of its scale in an exact array with room for it. */
static inline size_t quantile_add_narrow(struct quantile *q,
                                         int64_t mantissa, int scale)
{
    if (!q->sketch && q->count > 0 && q->count < q->cap && !q->wide
        && !q->scales && scale == q->common) {
        q->mantissas.narrow[q->count++] = mantissa;
        q->sorted = false;
        return 0;
    }
    struct number value = { .mantissa = mantissa, .scale = scale };
    return quantile_add(q, &value);
}

/* Folds FROM into INTO; FROM is unchanged. */
void quantile_merge(struct quantile *into, const struct quantile *from);

/* Values added. */
uint64_t quantile_count(const struct quantile *q);

/* Whether answers come from the sketch, not from the values. */
bool quantile_is_approximate(const struct quantile *q);

/* Whether the LEN bytes at TEXT are a rank P as percentiles take it: a
 * decimal number in (0, 100], with no sign or exponent, such as 99.9. */
bool quantile_parse_rank(const char *text, size_t len, struct number *p);

/* Writes the P-th percentile (P in (0, 100]) into TEXT, which must hold
 * QUANTILE_TEXT_SIZE bytes (not NUL-terminated), and returns its length:
 * a plain decimal, '-' for negative values, '.' before any fraction
 * digits; 0, nothing, when no value was added.  DECIMALS of 0 or more
 * (at most 38) asks for exactly that many places, rounded half to even;
 * -1 for the key's scale.  May reorder the values kept (not the state's
 * meaning), hence not const. */
size_t quantile_format(struct quantile *q, struct number p, int decimals,
                       char *text);

/* Most bytes quantile_write may write for Q as it is now. */
size_t quantile_write_size(const struct quantile *q);

/* Writes Q as one line of text without the newline (no TAB, space or
 * newline in it) into TEXT, which holds quantile_write_size(Q) bytes, and
 * returns its length.  The same state gives the same text. */
size_t quantile_write(struct quantile *q, char *text);

/* The state written as the LEN bytes at TEXT, or NULL if they are not
 * such a text. */
struct quantile *quantile_read(const char *text, size_t len);

/* Bytes of memory Q holds, the struct included. */
size_t quantile_bytes(const struct quantile *q);

#endif
