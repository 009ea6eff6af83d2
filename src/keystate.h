/* keystate: the per-key state beyond the one struct accum a table entry
 * holds inline.  A run that needs more (an operation on a further value
 * field, a spread operation, a percentile, a distinct count) gives each
 * key one separately allocated object, referenced by one pointer from its
 * table entry and NULL in runs that need none, so that the entry and the
 * fast path stay as small as they are.  This module allocates it, adds
 * to it, merges, frees, writes it into partials and reads it back.
 *
 * The object is a list of parts, each of one kind and for one value
 * field: slot 0 is the --value field (whose accumulator is the entry's
 * own), slots 1 and up the further fields operations name (OP:FIELD), in
 * the order the configuration numbers them.  A part describes itself, so
 * merging and reading partials need nothing but the parts.  A part holds
 * its percentile or distinct-count state inline, so that a value added
 * follows one pointer less. */
#ifndef FANOUT_KEYSTATE_H
#define FANOUT_KEYSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "number.h"
#include "spread.h"

/* The kinds of part.  A new kind is a name here, a member of the union
 * in keystate.c, a letter for partials, and one case in each switch of
 * keystate.c. */
enum keystate_kind {
    KEYSTATE_ACCUM,         /* struct accum of a further value field */
    KEYSTATE_SQUARES,       /* struct squares of a value field */
    KEYSTATE_QUANTILE,      /* struct quantile *, for percentiles */
    KEYSTATE_DISTINCT,      /* struct distinct *, for distinct counts */
};

/* The most parts: an accumulator for each further field and squares,
 * percentiles and distinct values for every field, at most one per
 * operation each. */
enum { KEYSTATE_MAX_PARTS = 4 * (64 + 1) };

/* Which parts each key of a run has, in order: built once from the
 * operations, shared by reference. */
struct keystate_shape {
    size_t count;                   /* 0 when keys need no state */
    struct {
        enum keystate_kind kind;
        unsigned slot;
    } parts[KEYSTATE_MAX_PARTS];
};

/* Sets SHAPE for the N operations OPS on value slots SLOTS (0 for the
 * --value field); returns whether keys need any state. */
bool keystate_shape_init(struct keystate_shape *shape,
                         const enum aggregate_op *ops,
                         const unsigned *slots, size_t n);

struct distinct;
struct keystate;
struct quantile;

/* A new, empty state of SHAPE, which must have parts. */
struct keystate *keystate_new(const struct keystate_shape *shape);
void keystate_free(struct keystate *s);

/* Bytes of a new state of SHAPE. */
size_t keystate_size(const struct keystate_shape *shape);

/* Adds VALUE of the record's value field SLOT to every part for it;
 * returns how many bytes the state grew by, so that a table can bound
 * the memory its states take. */
size_t keystate_add(struct keystate *s, unsigned slot,
                    const struct number *value);

/* Adds the text of the record's value field SLOT, known by its
 * distinct_hash HASH, to every part for it that reads text (distinct);
 * returns how many bytes the state grew by, as keystate_add. */
size_t keystate_add_hash(struct keystate *s, unsigned slot, uint64_t hash);

/* Adding to many keys' states in turn mostly waits for memory, so a
 * caller that knows which states come next asks ahead, in two steps:
 * keystate_prefetch for the state itself, of SHAPE, then, once that has
 * most likely arrived, keystate_prefetch_values for what a record's
 * values will touch: VALUES[slot] is each slot's number (read only for the slots
 * percentiles take) and HASHES[slot] the distinct_hash of its text (read
 * only for the slots distinct counts). */
void keystate_prefetch(const struct keystate *s,
                       const struct keystate_shape *shape);
void keystate_prefetch_values(const struct keystate *s,
                              const struct number *values,
                              const uint64_t *hashes);

/* The one part of S, whose shape has one, if it takes percentiles
 * (keystate_sole_quantile) or counts distinct values (..._distinct);
 * else NULL.  For a caller that adds many records to it in turn. */
struct quantile *keystate_sole_quantile(struct keystate *s);
struct distinct *keystate_sole_distinct(struct keystate *s);

/* keystate_prefetch_values for a state whose shape has one part, which
 * reads VALUE if it takes percentiles and HASH if it counts distinct
 * values. */
void keystate_prefetch_sole(const struct keystate *s,
                            const struct number *value,
                            uint64_t hash);

/* Counts a record whose value field SLOT (1 and up) holds none (--na). */
void keystate_add_missing(struct keystate *s, unsigned slot);

/* Folds FROM into INTO; false, INTO unchanged, if their parts differ. */
bool keystate_merge(struct keystate *into, const struct keystate *from);

/* Whether S (which may be NULL) has exactly the parts of SHAPE, or is
 * NULL and SHAPE has none. */
bool keystate_has_shape(const struct keystate *s,
                        const struct keystate_shape *shape);

/* Whether the parts of S agree with each other and with MAIN, the
 * entry's own accumulator, as those of a real run do: for reading
 * partials. */
bool keystate_consistent(const struct accum *main, const struct keystate *s);

/* Whether a total of S has reached its limit, so that no result of the
 * key may be printed (as with a sum's overflow). */
bool keystate_overflow(const struct keystate *s);

/* How many of the parts of S (which may be NULL) give estimates rather
 * than exact results: percentile sketches in *QUANTILES, distinct counts
 * by HyperLogLog in *DISTINCTS.  Like a result, may settle a distinct
 * count's state (distinct.h), so for one thread at a time per key. */
void keystate_approximated(const struct keystate *s, size_t *quantiles,
                           size_t *distincts);

/* Writes the result of OP on value slot SLOT into TEXT as
 * aggregate_format does, from MAIN, the entry's own accumulator, and S,
 * its state (NULL when it has none); RANK is a percentile's rank.  A
 * percentile may reorder the values S keeps, and a distinct count settle
 * its state, never what they mean, so this is for one thread at a time
 * per key. */
size_t keystate_result_of_state(char *text, const struct accum *main,
                                const struct keystate *s,
                                enum aggregate_op op, unsigned slot,
                                struct number rank, int decimals);

/* The same; inline for the common case of a result of MAIN alone, which
 * is asked for every key and operation printed. */
static inline size_t keystate_result(char *text, const struct accum *main,
                                     const struct keystate *s,
                                     enum aggregate_op op, unsigned slot,
                                     struct number rank, int decimals)
{
    if (!s && slot == 0 && !spread_is_op(op) && op != OP_PERCENTILE
        && op != OP_DISTINCT)
        return aggregate_format(text, main, op, decimals);
    return keystate_result_of_state(text, main, s, op, slot, rank,
                                    decimals);
}

/* Partials.  Each part is one TAB-separated field of a key line, after
 * the fields of the entry's own accumulator:
 *
 *   aSLOT:COUNT:SCALE:POS:NEG:MIN:MAX:MISSING   an accumulator
 *   sSLOT:SCALE:SUM                             a sum of squares
 *   qSLOT:STATE                                 a percentile state
 *   dSLOT:STATE                                 a distinct-count state
 *
 * numbers in decimal as in the accumulator's own fields (MIN and MAX are
 * 0 for a key without values); STATE is the text quantile_write or
 * distinct_write gives (quantile.h, distinct.h).  A kind added later
 * takes a letter of its own and a layout after the colon. */

size_t keystate_part_count(const struct keystate *s);

/* Room for the text of part I of S, NUL included.  Like a result, may
 * settle a distinct count's state. */
size_t keystate_part_size(const struct keystate *s, size_t i);

/* Writes part I of S into TEXT (keystate_part_size bytes); returns its
 * length.  Like a result, may reorder a percentile's values and settle a
 * distinct count's state. */
size_t keystate_part_text(const struct keystate *s, size_t i, char *text);

/* Reads the N part fields at FIELDS of a key line that stands for
 * RECORDS records into a new state in *OUT (NULL when N is 0); returns
 * NULL, or what is wrong, in words for a message. */
const char *keystate_parse(char *const *fields, size_t n, uint64_t records,
                           struct keystate **out);

#endif
