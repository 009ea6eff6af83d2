/* updates: the table updates of the records a worker accepts through its
 * general rules (worker.c), deferred in small batches so that the memory
 * their lookups touch is asked for ahead, several keys at once: with a
 * few thousand keys the table is out of the first caches, and a lookup
 * done at once is mostly waiting.  Keys enter the table in the order the
 * updates were made, as if each were done at once. */
#ifndef FANOUT_UPDATES_H
#define FANOUT_UPDATES_H

#include <stdbool.h>
#include <stddef.h>

#include "number.h"

struct accum;
struct table;

/* What an update does to its key's accumulator. */
enum update_kind {
    UPDATE_ADD,         /* adds a value */
    UPDATE_COUNT,       /* counts a record without a value (a count alone) */
    UPDATE_MISSING,     /* counts a record whose value is missing (--na) */
};

struct updates;

/* The most updates a batch holds. */
enum { UPDATES_BATCH = 32 };

/* An empty batch of updates; owned by one worker. */
struct updates *updates_new(void);
void updates_free(struct updates *u);

/* Updates the accumulator of KEY (LEN bytes) in TABLE as KIND says, with
 * VALUE for UPDATE_ADD, now or at the latest at the next updates_flush,
 * which must name the same table.  If STAYS, the key is in a block's
 * data, whose slack allows reading eight bytes past it, and its bytes
 * stay as they are until then; else the update, and every one before
 * it, is done at once. */
void updates_add(struct updates *u, struct table *table, const char *key,
                 size_t len, bool stays, enum update_kind kind,
                 const struct number *value);

/* Does every update queued, then KIND's update of KEY (LEN bytes) in
 * TABLE at once, and returns the key's accumulator: for a caller that
 * has more to add to the key's entry. */
struct accum *updates_add_now(struct updates *u, struct table *table,
                              const char *key, size_t len,
                              enum update_kind kind,
                              const struct number *value);

/* Does every update of U not done yet, in TABLE, in the order they were
 * made. */
void updates_flush(struct updates *u, struct table *table);

/* Batches for a caller with more to do to each key's entry than its
 * accumulator, which keeps what it has to do by each update's place in
 * the batch.  updates_pending is the place the next update takes. */
size_t updates_pending(const struct updates *u);

/* Queues KIND's update of KEY (LEN bytes, which must stay, as for
 * updates_add) with VALUE for UPDATE_ADD; never does it at once, so the
 * caller flushes with updates_flush_held before the batch has more than
 * UPDATES_BATCH. */
void updates_queue(struct updates *u, struct table *table, const char *key,
                   size_t len, enum update_kind kind,
                   const struct number *value);

/* Does every update not done yet, in order, like updates_flush, and puts
 * the accumulator of the update at place I into ACCUMS[I]; returns how
 * many.  TABLE must not spill meanwhile (table_hold_spill); the
 * accumulators stay valid until it next gets a key. */
size_t updates_flush_held(struct updates *u, struct table *table,
                          struct accum **accums);

#endif
