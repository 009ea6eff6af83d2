/* stateadds: what a worker's accepted records add to their keys' states
 * (percentiles, distinct counts, spread, operations on further fields),
 * deferred and made a key at a time.
 *
 * Why: a key's state lies wherever it was allocated, so adding one
 * record's values at once costs a cache miss or two, and with thousands
 * of keys nearly every record pays them.  Deferred, a record costs a
 * copy of its values into a buffer; when the buffer is full, or the
 * table is about to spill, the records are grouped by key (a radix sort
 * of entry indexes) and each key's state is reached once for all of its
 * records there.  A state is a multiset of values (or a set of hashes),
 * so the order of additions within a key does not change it.
 *
 * A record's place in the buffer is taken when the worker starts reading
 * it (stateadds_next), kept if the record is accepted (stateadds_keep),
 * and given its key's entry when the table update, deferred in turn
 * (updates.h), looks the key up (stateadds_found): lookups come in the
 * order the records were kept. */
#ifndef FANOUT_STATEADDS_H
#define FANOUT_STATEADDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "number.h"

struct accum;
struct config;
struct keystate_shape;
struct table;

/* One record's additions, as the worker reads them. */
struct state_record {
    bool have_value;            /* the --value field's number is VALUES[0] */
    bool value_text;            /* distinct counts the --value field's
                                   text, whose hash is HASHES[0] */
    struct number *values;      /* by value slot (configuration) */
    bool *found;                /* by slot from 1: false for an --na token */
    uint64_t *hashes;           /* by slot: distinct_hash of the text */
};

struct stateadds;

/* An empty buffer for the records of CFG, whose keys have the state
 * SHAPE; both must outlive it. */
struct stateadds *stateadds_new(const struct config *cfg,
                                const struct keystate_shape *shape);
void stateadds_free(struct stateadds *sa);

/* Where the record being read puts its additions: valid until the next
 * call but stateadds_keep. */
struct state_record *stateadds_next(struct stateadds *sa);

/* Keeps the record stateadds_next gave; true once the buffer is full,
 * when the caller must have every record looked up (stateadds_found)
 * and call stateadds_apply before the next stateadds_next. */
bool stateadds_keep(struct stateadds *sa);

/* Gives the oldest kept record not looked up yet its key, whose entry in
 * TABLE holds A. */
void stateadds_found(struct stateadds *sa, const struct table *table,
                     const struct accum *a);

/* Makes the additions of every record looked up, in TABLE, and keeps the
 * others for later: before TABLE spills or is read, and when the buffer
 * is full. */
void stateadds_apply(struct stateadds *sa, struct table *table);

/* How many records are kept and not applied yet. */
size_t stateadds_waiting(const struct stateadds *sa);

#endif
