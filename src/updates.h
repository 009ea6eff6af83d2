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

struct table;

/* What an update does to its key's accumulator. */
enum update_kind {
    UPDATE_ADD,         /* adds a value */
    UPDATE_COUNT,       /* counts a record without a value (a count alone) */
    UPDATE_MISSING,     /* counts a record whose value is missing (--na) */
};

struct accum;
struct updates;

/* Called with each key's accumulator A, valid until the table next gets a
 * key, once the key has been looked up and the accumulator updated, for a
 * caller with more to do about the record (stateadds.h); CTX is the
 * caller's.  Not called for updates_add_now, which returns A. */
typedef void updates_found_fn(void *ctx, struct accum *a);

/* An empty batch of updates, calling FOUND (with CTX) after each lookup
 * if not NULL; owned by one worker. */
struct updates *updates_new(updates_found_fn *found, void *ctx);
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

#endif
