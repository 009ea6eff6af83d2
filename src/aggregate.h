/* aggregate: the operations fanout can compute per key, described once in
 * a table that the option parser, --help and the printer all read, and the
 * exact accumulator behind them. */
#ifndef FANOUT_AGGREGATE_H
#define FANOUT_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "number.h"

enum aggregate_op { OP_SUM, OP_COUNT, OP_MIN, OP_MAX, OP_MEAN, OP_SSTDEV,
                    OP_PSTDEV, OP_SVAR, OP_PVAR, OP_PERCENTILE,
                    OP_DISTINCT };

struct aggregate_def {
    const char *name;        /* as written in --aggregate; "pN" stands
                                for p followed by a rank */
    enum aggregate_op op;
    bool needs_value;        /* false only for count */
    bool needs_squares;      /* the spread operations (spread.h) */
    bool text;               /* reads its field as text, not a number:
                                distinct */
    const char *rank;        /* a percentile's fixed rank (median, q1,
                                q3), or NULL */
    const char *summary;     /* one line for --help */
};

extern const struct aggregate_def aggregate_defs[];
extern const size_t aggregate_def_count;

/* The definition of OP. */
const struct aggregate_def *aggregate_def_of(enum aggregate_op op);

/* Whether OP's result comes from its field's totals and extremes (struct
 * accum), so that an overflow of those spoils it: not count, which counts
 * records, nor a percentile or distinct count, which keep states of their
 * own. */
bool aggregate_reads_totals(enum aggregate_op op);

/* Whether the N operations OPS include min or max, the only case in which
 * extremes are kept. */
bool aggregate_wants_extrema(const enum aggregate_op *ops, size_t n);

/* The definition named by the LEN bytes at NAME, or NULL; "pN" names
 * no definition here (see aggregate_parse). */
const struct aggregate_def *aggregate_find(const char *name, size_t len);

/* Room for an operation's name as written, NUL included. */
enum { AGGREGATE_NAME_SIZE = 48 };

/* Reads the LEN bytes at NAME as an operation: a name of the table, or
 * pN for the N-th percentile, N a decimal in (0, 100] (quantile.h).
 * Returns the definition and, for a percentile, its rank in *RANK
 * (median 50, q1 25, q3 75); NULL if NAME is none, with *WHY saying
 * what is wrong with a pN (NULL for a name that is no operation). */
const struct aggregate_def *aggregate_parse(const char *name, size_t len,
                                            struct number *rank,
                                            const char **why);

/* Everything any operation needs for one key, kept exactly.  Positive and
 * negative values are totalled apart so that an overflow depends only on
 * the input, never on how it was split between workers. */
struct accum {
    u128 positive;       /* sum of positive mantissas at scale */
    u128 negative;       /* sum of magnitudes of negative mantissas */
    i128 min, max;       /* at scale; meaningful once count > 0 */
    uint64_t count;      /* values added, or records counted when no
                            value is read */
    uint64_t missing;    /* records counted without a value (--na) */
    uint64_t parts;      /* --merge: partial key lines folded in */
    int scale;           /* finest scale among the values added */
    bool overflow;       /* a total reached 2^128 */
};

/* Adds VALUE to A (A zeroed means empty). */
void accum_add(struct accum *a, struct number value);

/* Sets the low 64 bits of *X to LOW, leaving the high half: on a
 * little-endian machine a store of those eight bytes alone. */
static inline void set_low_half(u128 *x, uint64_t low)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(x, &low, sizeof low);
#else
    *x = (*x >> 64 << 64) | low;
#endif
}

/* The low 64 bits of *X, loaded alone: a load of the whole total would
 * fetch a high half that only a carry needs. */
static inline uint64_t low_half(const u128 *x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t low;
    memcpy(&low, x, sizeof low);
    return low;
#else
    return (uint64_t)*x;
#endif
}

/* Adds V, an integer that is not negative (digits alone are), to A:
 * inline, no rescaling unless the key has seen fractions, min and max
 * only if EXTREMA, as they are printed only when asked for. */
static inline void accum_add_natural(struct accum *a, uint64_t v,
                                     bool extrema)
{
    if (a->scale != 0) {
        accum_add(a, (struct number){ .mantissa = (i128)v, .scale = 0 });
        return;
    }
    /* Only the low half changes, unless it carries (once in 2^64 / v
     * additions at least), and only the low half is stored. */
    uint64_t low = low_half(&a->positive);
    if (__builtin_add_overflow(low, v, &low)
        && __builtin_add_overflow(a->positive, (u128)1 << 64, &a->positive))
        a->overflow = true;
    set_low_half(&a->positive, low);
    if (extrema) {
        if (a->count == 0) {
            a->min = a->max = (i128)v;
        } else if ((i128)v < a->min) {
            a->min = (i128)v;
        } else if ((i128)v > a->max) {
            a->max = (i128)v;
        }
    }
    a->count++;
}

/* Counts one record without a value (count-only runs). */
static inline void accum_count(struct accum *a)
{
    a->count++;
}

/* Counts one record whose value is missing (--na): count counts it,
 * the operations on values do not see it. */
static inline void accum_count_missing(struct accum *a)
{
    a->missing++;
}

/* Folds FROM into INTO. */
void accum_merge(struct accum *into, const struct accum *from);

/* Room for the text of any one result. */
enum { AGGREGATE_TEXT_SIZE = NUMBER_TEXT_SIZE + 80 };

/* The most places --decimals may ask for. */
enum { AGGREGATE_MAX_DECIMALS = 38 };

/* Writes the result of OP over A into TEXT (AGGREGATE_TEXT_SIZE bytes,
 * not NUL-terminated) and returns its length: a plain decimal, '-' for
 * negative values, '.' before any fraction digits, whatever the locale;
 * 0, nothing, for a result of values over a key that has none, whose
 * records all lacked a value (--na).  With DECIMALS of 0 or more (up to
 * AGGREGATE_MAX_DECIMALS), a result of values has exactly that many
 * places, rounded half to even; with -1, the key's scale (at least six
 * for a mean).  The spread operations, percentiles and distinct counts
 * need more than A (keystate.h); here they give nothing, but distinct
 * gives 0, the count of no values. */
size_t aggregate_format(char *text, const struct accum *a,
                        enum aggregate_op op, int decimals);

#endif
