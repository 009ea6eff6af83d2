/* table: open addressing with linear probing over an array of entries;
 * keys live in large chunks so that adding a key costs no malloc. */
#include "config.h"

#include "table.h"
#include "diag.h"

#include <stdlib.h>
#include <string.h>

enum { KEY_CHUNK = 1 << 20 };

struct key_chunk {
    struct key_chunk *next;
    size_t used, size;
    char bytes[];
};

struct table *table_new(void)
{
    struct table *t = xcalloc(1, sizeof *t);
    t->slot_mask = 1023;
    t->slots = xcalloc(t->slot_mask + 1, sizeof *t->slots);
    return t;
}

void table_free(struct table *t)
{
    if (!t)
        return;
    for (struct key_chunk *c = t->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(t->entries);
    free(t->slots);
    free(t);
}

/* A stable copy of LEN bytes at KEY. */
static const char *keep_key(struct table *t, const char *key, size_t len)
{
    struct key_chunk *c = t->chunks;
    if (!c || c->size - c->used < len) {
        size_t size = len > KEY_CHUNK ? len : KEY_CHUNK;
        c = xmalloc(sizeof *c + size);
        c->next = t->chunks;
        c->used = 0;
        c->size = size;
        t->chunks = c;
    }
    char *copy = c->bytes + c->used;
    memcpy(copy, key, len);
    c->used += len;
    return copy;
}

static void grow_slots(struct table *t)
{
    size_t mask = t->slot_mask * 2 + 1;
    uint32_t *slots = xcalloc(mask + 1, sizeof *slots);
    for (size_t i = 0; i < t->count; i++) {
        size_t s = t->entries[i].hash & mask;
        while (slots[s])
            s = (s + 1) & mask;
        slots[s] = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->slot_mask = mask;
}

struct accum *table_insert(struct table *t, const char *key, size_t len,
                           uint64_t head, uint64_t hash, size_t slot)
{
    if (t->count == UINT32_MAX - 1)
        diag_out_of_memory();
    if (t->count == t->entries_cap) {
        t->entries_cap = t->entries_cap ? t->entries_cap * 2 : 256;
        t->entries = xrealloc(t->entries,
                              t->entries_cap * sizeof *t->entries);
    }
    struct table_entry *e = &t->entries[t->count];
    e->key = keep_key(t, key, len);
    e->key_len = len;
    e->hash = hash;
    e->head = head;
    memset(&e->accum, 0, sizeof e->accum);
    t->slots[slot] = (uint32_t)++t->count;
    /* Keep the load under one half so probes stay short. */
    if (t->count * 2 > t->slot_mask)
        grow_slots(t);
    return &e->accum;
}

void table_merge(struct table *into, const struct table *from)
{
    for (size_t i = 0; i < from->count; i++) {
        const struct table_entry *e = &from->entries[i];
        struct accum *a = table_find_or_add_hashed(into, e->key, e->key_len,
                                                   e->head, e->hash);
        accum_merge(a, &e->accum);
    }
}

size_t table_size(const struct table *t)
{
    return t->count;
}

static int compare_entries(const void *a, const void *b)
{
    const struct table_entry *x = *(const struct table_entry *const *)a;
    const struct table_entry *y = *(const struct table_entry *const *)b;
    size_t common = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, common);
    if (c)
        return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

const struct table_entry **table_sorted(const struct table *t)
{
    const struct table_entry **order = xmalloc((t->count ? t->count : 1)
                                               * sizeof *order);
    for (size_t i = 0; i < t->count; i++)
        order[i] = &t->entries[i];
    qsort(order, t->count, sizeof *order, compare_entries);
    return order;
}
