/* spread: the spread operations (sstdev, pstdev, svar, pvar) from exact
 * sums of a key's values and of their squares, rounded once at the end,
 * so that any split of the input gives the same result. */
#ifndef FANOUT_SPREAD_H
#define FANOUT_SPREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "aggregate.h"
#include "wide.h"

/* The sum of the squares of the mantissas of a key's values, all at the
 * scale SCALE.  Below 2^384 whenever the key's sum (struct accum) has not
 * overflowed, as each value is below 2^128 at that scale and there are
 * fewer than 2^64 of them; past it the key is marked. */
struct squares {
    struct wide sum;
    int scale;
    bool overflow;
};

/* Adds the square of VALUE to S (S zeroed means empty). */
void squares_add(struct squares *s, struct number value);

/* Folds FROM into INTO. */
void squares_merge(struct squares *into, const struct squares *from);

/* Whether S is a sum of squares that a real run can make, for reading
 * partials: its scale within the number grammar's and below the limit. */
bool squares_valid(const struct squares *s);

/* Whether S can be the squares of the values A counted and totalled:
 * N*S2 >= S1^2, which a partial written by hand may break. */
bool squares_fit(const struct accum *a, const struct squares *s);

/* Whether OP is a spread operation, computed by spread_format.  Inline,
 * as it is asked for every result printed. */
static inline bool spread_is_op(enum aggregate_op op)
{
    return op == OP_SSTDEV || op == OP_PSTDEV || op == OP_SVAR
        || op == OP_PVAR;
}

/* Writes OP over the values A counted and S squared into TEXT
 * (AGGREGATE_TEXT_SIZE bytes) as aggregate_format does: DECIMALS places,
 * or with -1 the places a mean gets, and the square root correctly
 * rounded to them, half to even.  Nothing (0) for a key without values,
 * and for the sample operations of a key with one value, whose spread is
 * undefined. */
size_t spread_format(char *text, const struct accum *a,
                     const struct squares *s, enum aggregate_op op,
                     int decimals);

#endif
