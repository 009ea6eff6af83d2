/* updates: deferred table updates.  A batch asks for each key's home slot
 * as the key is queued (table_prefetch), for the entry that slot names
 * ENTRY_LAG keys later, when the slot has most likely arrived
 * (table_prefetch_entry), and looks the keys up in turn once the batch is
 * full, so that the misses of many keys overlap instead of following
 * each other.
 *
 * Entries are asked for only where they are far: in a large table, or
 * one whose keys have states (percentiles, distinct counts, ...), which
 * take the caches.  A worker's table of plain counts is small and stays
 * in the caches, and asking for its entries only costs instructions. */
#include "config.h"

#include "updates.h"
#include "aggregate.h"
#include "diag.h"
#include "swar.h"
#include "table.h"

#include <stdlib.h>

enum { UPDATES_MAX = 32, ENTRY_LAG = 8 };

struct update {
    const char *key;
    size_t len;
    uint64_t head, head2, hash;
    enum update_kind kind;
    struct number value;
};

struct updates {
    size_t count;
    bool entries_far;           /* entries are worth asking for ahead */
    updates_found_fn *found;
    void *found_ctx;
    struct update items[UPDATES_MAX];
};

struct updates *updates_new(updates_found_fn *found, void *ctx)
{
    struct updates *u = xcalloc(1, sizeof *u);
    u->found = found;
    u->found_ctx = ctx;
    u->entries_far = found != NULL;
    return u;
}

void updates_free(struct updates *u)
{
    free(u);
}

/* Does R's update to its key's accumulator A. */
static void update(struct accum *a, const struct update *r)
{
    switch (r->kind) {
    case UPDATE_ADD:
        accum_add(a, r->value);
        break;
    case UPDATE_COUNT:
        accum_count(a);
        break;
    case UPDATE_MISSING:
        accum_count_missing(a);
        break;
    }
}

/* Looks every key of U's batch up in TABLE by table_find_quick, into
 * QUICK, with no update in between, so that the loads of entries not in
 * the caches wait for memory together: an entry asked for ahead has
 * often not arrived when the batch is applied, and a lookup after an
 * update would wait for it alone. */
static void look_up_quick(const struct updates *u, const struct table *table,
                          struct accum **quick)
{
    for (size_t i = u->count > ENTRY_LAG ? u->count - ENTRY_LAG : 0;
         i < u->count; i++)
        table_prefetch_entry(table, u->items[i].hash);
    struct table_view view = table_view(table);
    for (size_t i = 0; i < u->count; i++) {
        const struct update *r = &u->items[i];
        quick[i] = table_find_quick(view, r->len, r->head, r->head2,
                                    r->hash);
    }
}

/* Does R's update to its key's accumulator A, and tells the caller. */
static void apply(const struct updates *u, const struct update *r,
                  struct accum *a)
{
    update(a, r);
    if (u->found)
        u->found(u->found_ctx, a);
}

/* Looks R's key up in TABLE, adding it if new. */
static struct accum *look_up(struct table *table, const struct update *r)
{
    return table_find_or_add_hashed(table, r->key, r->len, r->head,
                                    r->head2, r->hash);
}

void updates_flush(struct updates *u, struct table *table)
{
    /* A run that aggregates nothing flushes an empty batch, with no
     * table. */
    if (u->count == 0)
        return;
    if (!u->entries_far) {
        for (size_t i = 0; i < u->count; i++)
            apply(u, &u->items[i], look_up(table, &u->items[i]));
    } else {
        struct accum *quick[UPDATES_MAX];
        look_up_quick(u, table, quick);
        /* Adding a key may move the entries or spill the table, so from
         * the first key the quick lookup missed on, every key is looked
         * up again. */
        size_t i = 0;
        for (; i < u->count && quick[i]; i++)
            apply(u, &u->items[i], quick[i]);
        for (; i < u->count; i++)
            apply(u, &u->items[i], look_up(table, &u->items[i]));
    }
    u->count = 0;
    u->entries_far = u->found || table_is_large(table);
}

/* table_hash of the key of LEN bytes at P whose heads are HEAD and HEAD2,
 * reading the rest of a long key eight bytes at a time, which a block's
 * slack allows. */
static uint64_t block_key_hash(const char *p, size_t len, uint64_t head,
                               uint64_t head2)
{
    uint64_t h = table_hash_start(head, len);
    if (len > 8) {
        h = table_hash_word(h, head2);
        for (size_t i = 16; i < len; i += 8)
            h = table_hash_word(h, swar_load_head(p + i, len - i));
    }
    return table_mix(h);
}

struct accum *updates_add_now(struct updates *u, struct table *table,
                              const char *key, size_t len,
                              enum update_kind kind,
                              const struct number *value)
{
    updates_flush(u, table);
    struct accum *a = table_find_or_add(table, key, len);
    struct update r = { .kind = kind };
    if (kind == UPDATE_ADD)
        r.value = *value;
    update(a, &r);
    return a;
}

void updates_add(struct updates *u, struct table *table, const char *key,
                 size_t len, bool stays, enum update_kind kind,
                 const struct number *value)
{
    if (!stays) {
        updates_add_now(u, table, key, len, kind, value);
        return;
    }
    struct update *r = &u->items[u->count];
    r->key = key;
    r->len = len;
    r->head = swar_load_head(key, len);
    r->head2 = len > 8 ? swar_load_head(key + 8, len - 8) : 0;
    r->hash = block_key_hash(key, len, r->head, r->head2);
    r->kind = kind;
    if (kind == UPDATE_ADD)
        r->value = *value;
    table_prefetch(table, r->hash);
    if (u->entries_far && u->count >= ENTRY_LAG)
        table_prefetch_entry(table, u->items[u->count - ENTRY_LAG].hash);
    if (++u->count == UPDATES_MAX)
        updates_flush(u, table);
}
