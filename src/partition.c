/* partition: hash partitions with a lock each, spilled into by workers,
 * sorted in parallel at the end. */
#include "config.h"

#include "partition.h"
#include "diag.h"
#include "queue.h"
#include "table.h"

#include <stdint.h>
#include <stdlib.h>

struct partitions {
    size_t count;                       /* 1 or PARTITION_MAX */
    struct table *tables[PARTITION_MAX];
    struct lock *locks[PARTITION_MAX];
    size_t base[PARTITION_MAX + 1];   /* keys in the partitions before
                                           each, set by partitions_seal */
    size_t threads;                     /* for the final sort */
};

/* The partition of PS for a key with hash HASH.  The high bits: a
 * table's slots are chosen by the low ones, which within one partition
 * must still vary. */
static size_t partition_of(const struct partitions *ps, uint64_t hash)
{
    return ps->count == 1 ? 0 : (size_t)(hash >> (64 - PARTITION_BITS));
}

struct partitions *partitions_new(size_t writers, size_t threads)
{
    struct partitions *ps = xcalloc(1, sizeof *ps);
    ps->count = writers > 1 ? PARTITION_MAX : 1;
    for (size_t i = 0; i < ps->count; i++) {
        ps->tables[i] = table_new();
        ps->locks[i] = lock_new();
    }
    ps->threads = threads ? threads : 1;
    return ps;
}

void partitions_free(struct partitions *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->count; i++) {
        table_free(ps->tables[i]);
        lock_free(ps->locks[i]);
    }
    free(ps);
}

size_t partitions_count(const struct partitions *ps)
{
    return ps->count;
}

struct table *partitions_sole_table(struct partitions *ps)
{
    return ps->count == 1 ? ps->tables[0] : NULL;
}

void partitions_spill(void *partitions, struct table *t)
{
    struct partitions *ps = partitions;
    size_t n = table_size(t);
    /* T's entry indexes grouped by partition, by counting: group P is
     * which[start[P] .. start[P + 1] - 1]. */
    size_t start[PARTITION_MAX + 1] = { 0 };
    for (size_t i = 0; i < n; i++)
        start[partition_of(ps, table_entry_at(t, i)->hash) + 1]++;
    for (size_t p = 0; p < ps->count; p++)
        start[p + 1] += start[p];
    size_t at[PARTITION_MAX];
    for (size_t p = 0; p < ps->count; p++)
        at[p] = start[p];
    uint32_t *which = xmalloc((n ? n : 1) * sizeof *which);
    for (size_t i = 0; i < n; i++)
        which[at[partition_of(ps, table_entry_at(t, i)->hash)]++] = (uint32_t)i;
    for (size_t p = 0; p < ps->count; p++) {
        if (start[p + 1] == start[p])
            continue;
        lock_acquire(ps->locks[p]);
        table_merge_from(ps->tables[p], t, which + start[p],
                         start[p + 1] - start[p]);
        lock_release(ps->locks[p]);
    }
    free(which);
    table_clear(t);
}

struct accum *partitions_find_or_add(struct partitions *ps, const char *key,
                                     size_t len, struct table **table)
{
    uint64_t head = table_key_head(key, len);
    uint64_t head2 = len > 8 ? table_key_head(key + 8, len - 8) : 0;
    uint64_t hash = table_hash(key, len, head);
    *table = ps->tables[partition_of(ps, hash)];
    return table_find_or_add_hashed(*table, key, len, head, head2, hash);
}

void partitions_seal(struct partitions *ps)
{
    ps->base[0] = 0;
    for (size_t p = 0; p < ps->count; p++)
        ps->base[p + 1] = ps->base[p] + table_size(ps->tables[p]);
}

size_t partitions_size(const struct partitions *ps)
{
    size_t n = 0;
    for (size_t p = 0; p < ps->count; p++)
        n += table_size(ps->tables[p]);
    return n;
}

const struct table *partitions_table(const struct partitions *ps, size_t i)
{
    return ps->tables[i];
}

size_t partitions_index_of(const struct partitions *ps,
                           const struct table_entry *e)
{
    size_t p = partition_of(ps, e->hash);
    return ps->base[p] + table_index_of(ps->tables[p], e);
}

/* One thread's share of the final sort: the partitions FROM, FROM +
 * STEP, ... */
struct sort_share {
    const struct partitions *ps;
    bool first;
    size_t from, step;
    struct table_listing **lists;   /* one per partition, shared; each
                                       share writes only its own */
};

static void *sort_share(void *arg)
{
    struct sort_share *s = arg;
    for (size_t p = s->from; p < s->ps->count; p += s->step)
        s->lists[p] = table_listing_new(s->ps->tables[p], s->first);
    return NULL;
}

/* One thread's piece of the merge of the partitions' listings. */
struct merge_share {
    struct table_listing *const *lists;
    size_t count;                   /* of lists */
    size_t part, parts;
    const struct table_entry **order;   /* shared; each piece writes only
                                           its own places */
};

static void *merge_share(void *arg)
{
    struct merge_share *m = arg;
    table_listings_merge_part(m->lists, m->count, m->part, m->parts,
                              m->order);
    return NULL;
}

const struct table_entry **partitions_sorted(const struct partitions *ps,
                                             bool first)
{
    /* Starting threads pays only for enough keys. */
    enum { KEYS_PER_THREAD = 1 << 14 };
    struct table_listing *lists[PARTITION_MAX];
    size_t keys = partitions_size(ps);
    size_t threads = ps->threads < ps->count ? ps->threads : ps->count;
    if (threads > keys / KEYS_PER_THREAD)
        threads = keys / KEYS_PER_THREAD ? keys / KEYS_PER_THREAD : 1;
    struct sort_share shares[PARTITION_MAX];
    struct merge_share pieces[PARTITION_MAX];
    void *args[PARTITION_MAX] = { 0 };
    for (size_t i = 0; i < threads; i++) {
        shares[i] = (struct sort_share){ .ps = ps, .first = first,
                                         .from = i, .step = threads,
                                         .lists = lists };
        args[i] = &shares[i];
    }
    thread_run_all(sort_share, args, threads);
    /* The listings merged in pieces of the rank range, one a thread. */
    const struct table_entry **order =
        xmalloc((keys ? keys : 1) * sizeof *order);
    for (size_t i = 0; i < threads; i++) {
        pieces[i] = (struct merge_share){ .lists = lists,
                                          .count = ps->count, .part = i,
                                          .parts = threads, .order = order };
        args[i] = &pieces[i];
    }
    thread_run_all(merge_share, args, threads);
    for (size_t p = 0; p < ps->count; p++)
        table_listing_free(lists[p]);
    return order;
}
