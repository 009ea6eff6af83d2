/* keystate: the per-key state beyond the one struct accum a table entry
 * holds inline.  A run that needs more (an operation on a further value
 * field, a spread operation) gives each key one separately allocated
 * object, referenced by one pointer from its table entry and NULL in runs
 * that need none, so that the entry and the fast path stay as small as
 * they are.  This module allocates it, adds to it, merges, frees, writes
 * it into partials and reads it back.
 *
 * The object is a list of parts, each of one kind and for one value
 * field: slot 0 is the --value field (whose accumulator is the entry's
 * own), slots 1 and up the further fields operations name (OP:FIELD), in
 * the order the configuration numbers them.  A part describes itself, so
 * merging and reading partials need nothing but the parts. */
#ifndef FANOUT_KEYSTATE_H
#define FANOUT_KEYSTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "aggregate.h"
#include "number.h"
#include "spread.h"

/* The kinds of part.  A new kind (a percentile state, struct quantile of
 * quantile.h; a distinct-count state, struct distinct of distinct.h) is
 * a name here, a member of the union in keystate.c, a letter for
 * partials, and one case in each switch of keystate.c, marked there. */
enum keystate_kind {
    KEYSTATE_ACCUM,         /* struct accum of a further value field */
    KEYSTATE_SQUARES,       /* struct squares of a value field */
    /* KEYSTATE_QUANTILE,      struct quantile *, for percentiles */
    /* KEYSTATE_DISTINCT,      struct distinct *, for distinct counts */
};

/* The most parts: an accumulator for each further field and squares for
 * every field, at most one per operation each. */
enum { KEYSTATE_MAX_PARTS = 2 * (64 + 1) };

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

struct keystate;

/* A new, empty state of SHAPE, which must have parts. */
struct keystate *keystate_new(const struct keystate_shape *shape);
void keystate_free(struct keystate *s);

/* Adds VALUE of the record's value field SLOT to every part for it. */
void keystate_add(struct keystate *s, unsigned slot, struct number value);

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

/* Writes the result of OP on value slot SLOT into TEXT as
 * aggregate_format does, from MAIN, the entry's own accumulator, and S,
 * its state (NULL when it has none). */
size_t keystate_result_of_state(char *text, const struct accum *main,
                                const struct keystate *s,
                                enum aggregate_op op, unsigned slot,
                                int decimals);

/* The same; inline for the common case of a result of MAIN alone, which
 * is asked for every key and operation printed. */
static inline size_t keystate_result(char *text, const struct accum *main,
                                     const struct keystate *s,
                                     enum aggregate_op op, unsigned slot,
                                     int decimals)
{
    if (!s && slot == 0 && !spread_is_op(op))
        return aggregate_format(text, main, op, decimals);
    return keystate_result_of_state(text, main, s, op, slot, decimals);
}

/* Partials.  Each part is one TAB-separated field of a key line, after
 * the fields of the entry's own accumulator:
 *
 *   aSLOT:COUNT:SCALE:POS:NEG:MIN:MAX:MISSING   an accumulator
 *   sSLOT:SCALE:SUM                             a sum of squares
 *
 * numbers in decimal as in the accumulator's own fields (MIN and MAX are
 * 0 for a key without values).  A kind added later takes a letter of its
 * own and a layout after the colon. */

/* Room for the text of any one part, NUL included. */
enum { KEYSTATE_TEXT_SIZE = 512 };

size_t keystate_part_count(const struct keystate *s);

/* Writes part I of S into TEXT (KEYSTATE_TEXT_SIZE bytes); returns its
 * length. */
size_t keystate_part_text(const struct keystate *s, size_t i, char *text);

/* Reads the N part fields at FIELDS of a key line that stands for
 * RECORDS records into a new state in *OUT (NULL when N is 0); returns
 * NULL, or what is wrong, in words for a message. */
const char *keystate_parse(char *const *fields, size_t n, uint64_t records,
                           struct keystate **out);

#endif
