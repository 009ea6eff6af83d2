/* table: open addressing with linear probing over an array of entries;
 * keys live in large chunks so that adding a key costs no malloc. */
#include "config.h"

#include "table.h"
#include "diag.h"
#include "keystate.h"

#include <stdlib.h>
#include <string.h>

/* The growth policy, by slot count.  A slot is 8 bytes.  While a table
 * has at most SMALL_SLOTS slots (256 KiB, room for the caches of most
 * machines) its load is kept under one quarter, then under one half
 * (insert).  From LARGE_SLOTS slots (1 MiB) it is large (table_is_large):
 * with 65,536 slots a table grows when its 32,768th key arrives, to
 * 131,072 slots, so a table is large exactly when it holds 32,768 keys
 * or more. */
enum { KEY_CHUNK = 1 << 20, SMALL_SLOTS = 1 << 15, LARGE_SLOTS = 1 << 17 };

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

void table_set_spill(struct table *t, size_t limit, size_t bytes,
                     void (*spill)(void *ctx, struct table *t), void *ctx)
{
    t->spill_limit = limit;
    t->spill_bytes = bytes;
    t->spill = spill;
    t->spill_ctx = ctx;
}

void table_clear(struct table *t)
{
    /* The newest chunk stays for the keys to come, so that a table
     * filled and spilled over and over allocates nothing. */
    struct key_chunk *keep = t->chunks;
    if (keep) {
        for (struct key_chunk *c = keep->next, *next; c; c = next) {
            next = c->next;
            free(c);
        }
        keep->next = NULL;
        keep->used = 0;
    }
    for (size_t i = 0; t->states > 0 && i < t->count; i++)
        keystate_free(t->entries[i].state);
    t->states = 0;
    t->state_bytes = 0;
    memset(t->slots, 0, (t->slot_mask + 1) * sizeof *t->slots);
    t->count = 0;
    t->block_from = 0;
}

void table_free(struct table *t)
{
    if (!t)
        return;
    for (struct key_chunk *c = t->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    for (size_t i = 0; t->states > 0 && i < t->count; i++)
        keystate_free(t->entries[i].state);
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
    struct table_slot *slots = xcalloc(mask + 1, sizeof *slots);
    for (size_t i = 0; i < t->count; i++) {
        uint64_t hash = t->entries[i].hash;
        size_t s = hash & mask;
        while (slots[s].index)
            s = (s + 1) & mask;
        slots[s].tag = table_tag(hash);
        slots[s].index = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->slot_mask = mask;
}

/* Gives the entries from block_from on the current block's positions,
 * ranked after the BLOCK_RANK it gave before. */
static void give_positions(struct table *t)
{
    for (size_t i = t->block_from; i < t->count; i++)
        t->entries[i].first = table_position(t->block_seq,
                                             t->block_rank + (i - t->block_from));
    t->block_rank += t->count - t->block_from;
    t->block_from = t->count;
}

/* Hands every entry of T, positions given, to its spill function. */
static void spill(struct table *t)
{
    give_positions(t);
    t->spill(t->spill_ctx, t);
    if (t->count != 0)
        diag_fatal("internal error: a table spill left keys behind");
    t->block_from = 0;
}

/* Whether adding a key to T makes it spill first. */
static bool full(const struct table *t)
{
    return t->spill_limit && t->count > 0
        && (t->count >= t->spill_limit || t->state_bytes >= t->spill_bytes);
}

/* Adds KEY at the empty SLOT its probe ended on, with no position yet
 * (UINT64_MAX); or, if T is full, spills it and adds KEY to it empty. */
static struct accum *insert(struct table *t, const char *key, size_t len,
                            uint64_t head, uint64_t head2, uint64_t hash,
                            size_t slot)
{
    if (full(t)) {
        spill(t);
        slot = hash & t->slot_mask;
    }
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
    e->head2 = head2;
    e->first = UINT64_MAX;
    e->state = NULL;
    memset(&e->accum, 0, sizeof e->accum);
    t->slots[slot].tag = table_tag(hash);
    t->slots[slot].index = (uint32_t)++t->count;
    /* Keep the load under one quarter while the slots are small enough
     * for the caches, and under one half after: a probe that goes on
     * costs a mispredicted branch, and a bigger slot array costs misses. */
    size_t load_shift = t->slot_mask < SMALL_SLOTS ? 2 : 1;
    if ((t->count << load_shift) > t->slot_mask)
        grow_slots(t);
    return &e->accum;
}

struct accum *table_find_or_add_probe(struct table *t, const char *key,
                                      size_t len, uint64_t head,
                                      uint64_t head2, uint64_t hash)
{
    size_t s = hash & t->slot_mask;
    uint32_t tag = table_tag(hash);
    for (uint32_t i; (i = t->slots[s].index) != 0;
         s = (s + 1) & t->slot_mask) {
        if (t->slots[s].tag != tag)
            continue;
        struct table_entry *e = &t->entries[i - 1];
        if (e->head == head && e->key_len == len && e->head2 == head2
            && (len <= 16 || memcmp(e->key + 16, key + 16, len - 16) == 0))
            return &e->accum;
    }
    return insert(t, key, len, head, head2, hash, s);
}

/* The entry holding A. */
static struct table_entry *entry_of(struct accum *a)
{
    return (struct table_entry *)(void *)((char *)a
                                          - offsetof(struct table_entry,
                                                     accum));
}

struct keystate *table_state(struct table *t, struct accum *a,
                             const struct keystate_shape *shape)
{
    struct table_entry *e = entry_of(a);
    if (!e->state) {
        e->state = keystate_new(shape);
        t->states++;
        t->state_bytes += keystate_size(shape);
    }
    return e->state;
}

void table_prefetch_state_at(const struct table *t, size_t i,
                             const struct keystate_shape *shape)
{
    if (t->entries[i].state)
        keystate_prefetch(t->entries[i].state, shape);
}

struct keystate *table_state_at(struct table *t, size_t i,
                                const struct keystate_shape *shape)
{
    return table_state(t, &t->entries[i].accum, shape);
}

bool table_fold(struct table *t, struct accum *into, const struct accum *from,
                struct keystate *state)
{
    struct table_entry *e = entry_of(into);
    if (state && e->state && !keystate_merge(e->state, state)) {
        keystate_free(state);
        return false;
    }
    if (state && !e->state) {
        e->state = state;
        t->states++;
    } else {
        keystate_free(state);
    }
    accum_merge(into, from);
    return true;
}

/* Folds the whole state of FROM, another table's entry for the same key,
 * into INTO, taking it: every merge of one key's state is this one. */
static void merge_entry(struct table *t, struct table_entry *into,
                        struct table_entry *from)
{
    /* The tables of one run have states of one shape. */
    table_fold(t, &into->accum, &from->accum, from->state);
    from->state = NULL;
    if (from->first < into->first)
        into->first = from->first;
}

void table_merge_from(struct table *into, struct table *from,
                      const uint32_t *which, size_t n)
{
    /* Lookups in flight, as in flush_pending (plain.c): the home slot of
     * the entry 2 x AHEAD on is asked for, then the entry it names, once
     * the slot has had time to arrive. */
    enum { AHEAD = 16 };
    for (size_t i = 0; i < n; i++) {
        if (i + 2 * AHEAD < n)
            table_prefetch(into, from->entries[which[i + 2 * AHEAD]].hash);
        if (i + AHEAD < n)
            table_prefetch_entry(into, from->entries[which[i + AHEAD]].hash);
        struct table_entry *e = &from->entries[which[i]];
        struct accum *a = table_find_or_add_hashed(into, e->key, e->key_len,
                                                   e->head, e->head2, e->hash);
        merge_entry(into, entry_of(a), e);
    }
}

size_t table_size(const struct table *t)
{
    return t->count;
}

bool table_is_large(const struct table *t)
{
    return t->slot_mask + 1 >= LARGE_SLOTS;
}

void table_begin_block(struct table *t, uint64_t seq)
{
    t->block_seq = seq;
    t->block_from = t->count;
    t->block_rank = 0;
}

void table_end_block(struct table *t)
{
    give_positions(t);
    t->block_rank = 0;
}

size_t table_index_of(const struct table *t, const struct table_entry *e)
{
    return (size_t)(e - t->entries);
}

/* An entry with its first sixteen key bytes as two big-endian numbers,
 * so that comparing numbers orders keys as memcmp would: most comparisons
 * end there, without following the pointer to the entry or its key, which
 * with many keys would miss the caches on nearly every comparison.  RANK
 * is what the listing orders by first: the first prefix for key order,
 * the position for order of first appearance. */
struct sort_item {
    uint64_t rank;
    uint64_t prefix, prefix2;
    const struct table_entry *entry;
};

static int compare_items(const void *a, const void *b)
{
    const struct sort_item *x = a, *y = b;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    if (x->prefix2 != y->prefix2)
        return x->prefix2 < y->prefix2 ? -1 : 1;
    const struct table_entry *p = x->entry, *q = y->entry;
    size_t common = p->key_len < q->key_len ? p->key_len : q->key_len;
    int c = common > 16 ? memcmp(p->key + 16, q->key + 16, common - 16) : 0;
    if (c)
        return c;
    return (p->key_len > q->key_len) - (p->key_len < q->key_len);
}

/* A head (little-endian, zero-padded) as a big-endian number. */
static uint64_t big_endian(uint64_t head)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return __builtin_bswap64(head);
#else
    uint64_t prefix = 0;
    for (int i = 0; i < 8; i++, head >>= 8)
        prefix = prefix << 8 | (head & 0xff);
    return prefix;
#endif
}

/* Sorts N items by rank: least significant byte first,
 * one stable counting pass per byte, skipping the bytes every item shares
 * (in most key sets several leading bytes are alike).  SPARE holds N
 * items; the result may end up in either array, which is returned. */
static struct sort_item *radix_sort_rank(struct sort_item *items,
                                         struct sort_item *spare, size_t n)
{
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[256] = { 0 };
        for (size_t i = 0; i < n; i++)
            count[(items[i].rank >> shift) & 0xff]++;
        if (count[(items[0].rank >> shift) & 0xff] == n)
            continue;
        size_t at = 0;
        for (size_t d = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            spare[count[(items[i].rank >> shift) & 0xff]++] = items[i];
        struct sort_item *swap = items;
        items = spare;
        spare = swap;
    }
    return items;
}

struct table_listing {
    struct sort_item *items;    /* in order */
    size_t n;
};

/* T's entries ordered by rank, and within one rank by key; FIRST ranks
 * them by first appearance rather than by the key's first bytes. */
struct table_listing *table_listing_new(const struct table *t, bool first)
{
    size_t n = t->count;
    struct sort_item *items = xmalloc((n ? n : 1) * sizeof *items);
    struct sort_item *spare = xmalloc((n ? n : 1) * sizeof *spare);
    for (size_t i = 0; i < n; i++) {
        items[i].prefix = big_endian(t->entries[i].head);
        items[i].prefix2 = big_endian(t->entries[i].head2);
        items[i].rank = first ? t->entries[i].first : items[i].prefix;
        items[i].entry = &t->entries[i];
    }
    struct sort_item *sorted = n ? radix_sort_rank(items, spare, n) : items;
    /* Items of one rank are next to each other now; only those runs need
     * the full comparison. */
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && sorted[j].rank == sorted[i].rank; j++)
            ;
        if (j - i > 1)
            qsort(sorted + i, j - i, sizeof *sorted, compare_items);
    }
    free(sorted == items ? spare : items);
    struct table_listing *l = xmalloc(sizeof *l);
    l->items = sorted;
    l->n = n;
    return l;
}

void table_listing_free(struct table_listing *l)
{
    if (!l)
        return;
    free(l->items);
    free(l);
}

/* The order of listings: by rank, then by key. */
static int compare_ranked(const struct sort_item *x, const struct sort_item *y)
{
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return compare_items(x, y);
}

/* The unmerged rest of one listing. */
struct cursor {
    const struct sort_item *at, *end;
};

/* Restores the order of the min-heap HEAP of N cursors below I. */
static void sift_down(struct cursor *heap, size_t n, size_t i)
{
    for (;;) {
        size_t least = i, l = 2 * i + 1, r = l + 1;
        if (l < n && compare_ranked(heap[l].at, heap[least].at) < 0)
            least = l;
        if (r < n && compare_ranked(heap[r].at, heap[least].at) < 0)
            least = r;
        if (least == i)
            return;
        struct cursor swap = heap[i];
        heap[i] = heap[least];
        heap[least] = swap;
        i = least;
    }
}

/* Merges the N runs CURSORS into ORDER. */
static void merge_cursors(struct cursor *cursors, size_t n,
                          const struct table_entry **order)
{
    struct cursor *heap = xmalloc((n ? n : 1) * sizeof *heap);
    size_t h = 0;
    for (size_t i = 0; i < n; i++)
        if (cursors[i].at < cursors[i].end)
            heap[h++] = cursors[i];
    for (size_t i = h / 2; i-- > 0;)
        sift_down(heap, h, i);
    size_t out = 0;
    while (h > 1) {
        order[out++] = heap[0].at->entry;
        if (++heap[0].at == heap[0].end)
            heap[0] = heap[--h];
        sift_down(heap, h, 0);
    }
    /* The last run left needs no more comparisons. */
    for (const struct sort_item *it = h ? heap[0].at : NULL;
         h && it < heap[0].end; it++)
        order[out++] = it->entry;
    free(heap);
}

const struct table_entry **table_listings_merge(
    struct table_listing *const *lists, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lists[i]->n;
    const struct table_entry **order =
        xmalloc((total ? total : 1) * sizeof *order);
    table_listings_merge_part(lists, n, 0, 1, order);
    return order;
}

/* The first item of L whose rank is RANK or more. */
static size_t rank_bound(const struct table_listing *l, uint64_t rank)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->items[mid].rank < rank)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Where piece PART of PARTS begins, as a rank: the rank at that share of
 * the longest listing, which stands for them all as keys are spread
 * over the tables by their hash; 0 for the first piece. */
static uint64_t piece_start(struct table_listing *const *lists, size_t n,
                            size_t part, size_t parts)
{
    const struct table_listing *longest = NULL;
    for (size_t i = 0; i < n; i++)
        if (!longest || lists[i]->n > longest->n)
            longest = lists[i];
    if (part == 0 || !longest || longest->n == 0)
        return 0;
    return longest->items[(size_t)((unsigned __int128)longest->n * part
                                   / parts)].rank;
}

void table_listings_merge_part(struct table_listing *const *lists, size_t n,
                               size_t part, size_t parts,
                               const struct table_entry **order)
{
    uint64_t from = piece_start(lists, n, part, parts);
    uint64_t to = part + 1 < parts ? piece_start(lists, n, part + 1, parts)
                                   : UINT64_MAX;
    bool last = part + 1 == parts;
    struct cursor *cursors = xmalloc((n ? n : 1) * sizeof *cursors);
    size_t before = 0;
    for (size_t i = 0; i < n; i++) {
        size_t begin = part ? rank_bound(lists[i], from) : 0;
        size_t end = last ? lists[i]->n : rank_bound(lists[i], to);
        before += begin;
        cursors[i] = (struct cursor){ lists[i]->items + begin,
                                      lists[i]->items + end };
    }
    merge_cursors(cursors, n, order + before);
    free(cursors);
}

/* The entries of T in the order of its listing. */
static const struct table_entry **sorted_by(const struct table *t,
                                            bool first)
{
    struct table_listing *l = table_listing_new(t, first);
    const struct table_entry **order = table_listings_merge(&l, 1);
    table_listing_free(l);
    return order;
}

const struct table_entry **table_sorted(const struct table *t)
{
    return sorted_by(t, false);
}

const struct table_entry **table_sorted_by_first(const struct table *t)
{
    return sorted_by(t, true);
}
