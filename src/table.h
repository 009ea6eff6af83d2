/* table: a hash table from key bytes to an accumulator and the position
 * of the key's first record.  A table has one user at a time and takes
 * no locks: each worker owns a small one that it spills into the run's
 * partitions (partition.h), which are tables too.  It also owns the one
 * function that merges the whole state of one key into another entry,
 * and the listing of entries in key order or in order of first
 * appearance, of one table or of several merged. */
#ifndef FANOUT_TABLE_H
#define FANOUT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aggregate.h"

struct keystate;
struct keystate_shape;

/* A slot names an entry and keeps part of its hash, so that a probe that
 * does not match seldom has to look at the entry at all. */
struct table_slot {
    uint32_t tag;           /* high half of the entry's hash */
    uint32_t index;         /* entry index + 1; 0 is empty */
};

struct table_entry {
    const char *key;        /* owned by the table */
    size_t key_len;
    uint64_t hash;
    uint64_t head;          /* table_key_head of key */
    uint64_t head2;         /* the same for bytes 8 to 15 */
    uint64_t first;         /* position of the key's first record (see
                               table_position), the least one kept by
                               table_merge */
    struct keystate *state; /* the key's further state (keystate.h),
                               owned by this entry; NULL if none */
    struct accum accum;
};

/* The members are table.c's own; they are visible only so that the
 * lookups and accessors below can be inlined.  Other modules use those. */
struct table {
    struct table_entry *entries;    /* in order of first insertion */
    size_t count, entries_cap;
    struct table_slot *slots;       /* open addressing, linear probing */
    size_t slot_mask;               /* slot count - 1, a power of two - 1 */
    struct key_chunk *chunks;       /* key bytes, newest chunk first */
    size_t states;                  /* entries with a state */
    uint64_t block_seq;             /* the block being aggregated */
    size_t block_from;              /* its first entry not yet given a
                                       position */
    uint64_t block_rank;            /* positions it gave before a spill */
    size_t spill_limit;             /* most keys held; 0 for no limit */
    size_t spill_bytes;             /* most bytes of state held */
    size_t state_bytes;             /* bytes the states took since the
                                       table was last empty, or more */
    void (*spill)(void *, struct table *);
    void *spill_ctx;
};

struct table *table_new(void);
void table_free(struct table *t);

/* Makes T hold at most LIMIT keys, whose states take at most about
 * BYTES (as its user counts them, table_count_state_bytes): before a key
 * beyond them is added, SPILL(CTX, T) is called, which must take every
 * entry away (table_merge_from does) and leave T empty.  Entries are
 * given their positions first, so a spill may come in the middle of a
 * block. */
void table_set_spill(struct table *t, size_t limit, size_t bytes,
                     void (*spill)(void *ctx, struct table *t), void *ctx);

/* Counts BYTES more taken by the states of T's keys. */
static inline void table_count_state_bytes(struct table *t, size_t bytes)
{
    t->state_bytes += bytes;
}


/* Empties T, keeping the room it has for keys: after its entries' state
 * has been taken by table_merge_from. */
void table_clear(struct table *t);

/* The first eight bytes of a key as a little-endian number, zero-padded:
 * a key of up to eight bytes is hashed and compared by this alone. */
static inline uint64_t table_key_head(const char *key, size_t len)
{
    const unsigned char *k = (const unsigned char *)key;
    uint64_t head = 0;
    if (len >= 8) {
        for (int i = 7; i >= 0; i--)
            head = head << 8 | k[i];
    } else {
        for (size_t i = len; i-- > 0;)
            head = head << 8 | k[i];
    }
    return head;
}

static inline uint64_t table_mix(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

/* A key's hash is built a word at a time: table_hash_start with its
 * first eight bytes (HEAD) and its length, table_hash_word with each
 * further eight, the last zero-padded, and table_mix at the end.  Every
 * way of hashing a key must give what table_hash gives. */

static inline uint64_t table_hash_start(uint64_t head, size_t len)
{
    return (head ^ (uint64_t)len) * 0x9e3779b97f4a7c15ULL;
}

static inline uint64_t table_hash_word(uint64_t h, uint64_t word)
{
    h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

/* Hash of a key of LEN bytes whose head is HEAD, as the lookups expect
 * it.  Inline because it is computed for every accepted record. */
static inline uint64_t table_hash(const char *key, size_t len, uint64_t head)
{
    uint64_t h = table_hash_start(head, len);
    for (size_t i = 8; i < len; i += 8) {
        uint64_t w = 0;
        memcpy(&w, key + i, len - i < 8 ? len - i : 8);
        h = table_hash_word(h, w);
    }
    return table_mix(h);
}

/* The part of HASH a slot keeps.  Its lowest bit is always set, so that
 * an empty slot (all zero) never matches a tag. */
static inline uint32_t table_tag(uint64_t hash)
{
    return (uint32_t)(hash >> 32) | 1;
}

/* table_find_or_add_hashed after its first guess failed: the probe, keys
 * longer than sixteen bytes, and insertion. */
struct accum *table_find_or_add_probe(struct table *t, const char *key,
                                      size_t len, uint64_t head,
                                      uint64_t head2, uint64_t hash);

/* Where a table's slots and entries are, for a loop that keeps them in
 * registers: the stores into accumulators could otherwise be any of them,
 * and they would be loaded again for every record.  Valid until the next
 * call that may add a key. */
struct table_view {
    const struct table_slot *slots;
    size_t slot_mask;
    struct table_entry *entries;
};

static inline struct table_view table_view(const struct table *t)
{
    return (struct table_view){ t->slots, t->slot_mask, t->entries };
}

/* The accumulator for a key of up to sixteen bytes (LEN bytes, with
 * heads HEAD and HEAD2 and hash HASH) if it is in its home slot or the
 * one after, which with the table at most half full is nearly every
 * lookup; NULL otherwise.  Compares the key without reading it, and only
 * its head if it is at most eight bytes long, since the second head of
 * such a key is always zero. */
static inline struct accum *table_find_quick(struct table_view v,
                                             size_t len, uint64_t head,
                                             uint64_t head2, uint64_t hash)
{
    const uint32_t tag = table_tag(hash);
    /* The home slot or the next, chosen by arithmetic, not a branch:
     * which one holds the key is as good as random, and a mispredicted
     * branch costs more than a second load from the same cache line. */
    size_t home = hash & v.slot_mask;
    const struct table_slot *slot =
        &v.slots[(home + (v.slots[home].tag != tag)) & v.slot_mask];
    if (slot->tag != tag)
        return NULL;
    struct table_entry *e = &v.entries[slot->index - 1];
    if (e->head != head || e->key_len != len)
        return NULL;
    if (len > 8 && (e->head2 != head2 || len > 16))
        return NULL;
    return &e->accum;
}

/* The accumulator for KEY (LEN bytes, with heads HEAD and HEAD2 and hash
 * HASH), made empty if new.  The pointer is valid until the next call on
 * T.  The inline part is table_find_quick, which leaves the loop that
 * calls it with registers to spare. */
static inline struct accum *table_find_or_add_hashed(struct table *t,
                                                     const char *key,
                                                     size_t len,
                                                     uint64_t head,
                                                     uint64_t head2,
                                                     uint64_t hash)
{
    struct accum *a = table_find_quick(table_view(t), len, head, head2,
                                       hash);
    return a ? a : table_find_or_add_probe(t, key, len, head, head2, hash);
}

/* The same, for any key. */
static inline struct accum *table_find_or_add(struct table *t,
                                              const char *key, size_t len)
{
    uint64_t head = table_key_head(key, len);
    uint64_t head2 = len > 8 ? table_key_head(key + 8, len - 8) : 0;
    return table_find_or_add_hashed(t, key, len, head, head2,
                                    table_hash(key, len, head));
}

/* Whether T has outgrown the caches, so that a lookup mostly waits for
 * memory: a caller with many lookups to do should then ask for their
 * slots ahead (table_prefetch) and do them in batches.  Once large, a
 * table stays large.  The growth policy in table.c decides when. */
bool table_is_large(const struct table *t);

/* The helpers that ask for memory ahead are inlined by force: GCC 12
 * takes an inline function that only loads and prefetches for one free
 * of side effects, and deletes calls to it, prefetches and all, where it
 * keeps them in a function inlined early. */

/* Asks for the home slot of HASH to be fetched into the caches, for a
 * lookup of that hash to come. */
static inline __attribute__((always_inline)) void
table_prefetch(const struct table *t, uint64_t hash)
{
    __builtin_prefetch(&t->slots[hash & t->slot_mask]);
}

/* Asks for the entry of HASH to be fetched, if the home slot or the one
 * after holds it, as table_find_quick will look: the second step of a
 * lookup whose slot table_prefetch asked for.  Both the entry's head,
 * which the lookup compares, and its count, which the update writes, as
 * an entry spans more than one cache line. */
static inline __attribute__((always_inline)) void
table_prefetch_entry(const struct table *t, uint64_t hash)
{
    const uint32_t tag = table_tag(hash);
    size_t home = hash & t->slot_mask;
    const struct table_slot *s =
        &t->slots[(home + (t->slots[home].tag != tag)) & t->slot_mask];
    if (s->tag == tag) {
        const struct table_entry *e = &t->entries[s->index - 1];
        __builtin_prefetch(&e->key_len);
        __builtin_prefetch(&e->head2);
        __builtin_prefetch(&e->accum.count, 1);
    }
}

/* Positions order keys by first appearance: a position is a number that
 * grows with the place of a key's first record in the input.  In a run it
 * is the block's sequence number times 2^32 plus the key's rank among the
 * keys that a worker first met in that block (table_end_block); in a
 * merge of partials, the partial's ordinal times 2^32 plus the key's rank
 * in that partial.  Only their order matters.  Positions are given after
 * each block, to the keys it inserted, which costs nothing per record: a
 * worker takes blocks in sequence order, so a key inserted by a block is
 * first met in that worker in that block, and entries are kept in order
 * of insertion.  Sequence numbers and ordinals beyond 2^32 - 2 share the
 * last position, and their keys fall back to key order. */
enum { TABLE_POSITION_SHIFT = 32 };

/* The position of rank RANK (below 2^32) in block or partial SEQ. */
static inline uint64_t table_position(uint64_t seq, uint64_t rank)
{
    const uint64_t last = (UINT64_C(1) << (64 - TABLE_POSITION_SHIFT)) - 1;
    return (seq < last ? seq : last) << TABLE_POSITION_SHIFT | rank;
}

/* Block SEQ starts adding to T: the keys it adds get its positions, in
 * order of insertion, when table_end_block is called or T spills. */
void table_begin_block(struct table *t, uint64_t seq);

/* Gives the keys added since table_begin_block, or since the last spill
 * of this block, the positions of the block, after those given before a
 * spill: a key spilled and added again in the same block gets a later
 * rank the second time, and the merge keeps the first. */
void table_end_block(struct table *t);

/* Lowers the first position of the entry holding A to POSITION if that
 * is earlier: for merges, where a key may be seen first in any table, and
 * for entries just added, which have none. */
static inline void table_note_position(struct accum *a, uint64_t position)
{
    struct table_entry *e =
        (struct table_entry *)(void *)((char *)a
                                       - offsetof(struct table_entry, accum));
    if (position < e->first)
        e->first = position;
}

/* The further state of the entry holding A, made of SHAPE if it has
 * none yet. */
struct keystate *table_state(struct table *t, struct accum *a,
                             const struct keystate_shape *shape);

/* The same for entry I of T. */
struct keystate *table_state_at(struct table *t, size_t i,
                                const struct keystate_shape *shape);

/* Folds the accumulator FROM and the further state STATE (NULL for none,
 * taken over either way) into the entry of T holding INTO: the one place
 * where the whole state of a key is merged.  False, with nothing folded,
 * if STATE has other parts than the entry's. */
bool table_fold(struct table *t, struct accum *into, const struct accum *from,
                struct keystate *state);

/* Folds the entries of FROM whose indexes are WHICH[0 .. N-1] into INTO,
 * each with its whole state and the earlier of the two positions; their
 * state now belongs to INTO, and FROM must be cleared (table_clear), not
 * used again as it is. */
void table_merge_from(struct table *into, struct table *from,
                      const uint32_t *which, size_t n);

/* How many keys T holds. */
size_t table_size(const struct table *t);

/* Entry I of T, from 0 to table_size - 1, in order of first insertion:
 * for a pass over every entry that needs no order. */
static inline const struct table_entry *table_entry_at(const struct table *t,
                                                       size_t i)
{
    return &t->entries[i];
}

/* The index of the entry of T whose accumulator is A: unlike A, valid
 * while T grows, until it spills. */
static inline size_t table_accum_index(const struct table *t,
                                       const struct accum *a)
{
    const char *entry = (const char *)a - offsetof(struct table_entry, accum);
    return (size_t)((const struct table_entry *)(const void *)entry
                    - t->entries);
}

/* Asks for entry I of T, then, once that has most likely arrived, for
 * the state it names, of SHAPE: the two steps of reaching the state of
 * entries taken in an order known ahead. */
static inline __attribute__((always_inline)) void
table_prefetch_entry_at(const struct table *t, size_t i)
{
    __builtin_prefetch(&t->entries[i].state);
}

void table_prefetch_state_at(const struct table *t, size_t i,
                             const struct keystate_shape *shape);

/* The further state of entry E, or NULL. */
static inline const struct keystate *table_entry_state(
    const struct table_entry *e)
{
    return e->state;
}

/* The entries sorted bytewise by key, shorter first on a common prefix;
 * an array of table_size pointers that the caller frees (not the
 * entries).  Valid until T changes. */
const struct table_entry **table_sorted(const struct table *t);

/* The same, sorted by first position, then by key. */
const struct table_entry **table_sorted_by_first(const struct table *t);

/* One table's entries sorted as table_sorted (or, with FIRST, as
 * table_sorted_by_first) sorts them, kept with what orders them, so that
 * the listings of several tables can be merged.  Listings of different
 * tables may be made at once on different threads. */
struct table_listing;

struct table_listing *table_listing_new(const struct table *t, bool first);
void table_listing_free(struct table_listing *l);

/* The entries of the N listings LISTS, made alike of tables that share
 * no key, merged into one order: an array of all their entries that the
 * caller frees. */
const struct table_entry **table_listings_merge(
    struct table_listing *const *lists, size_t n);

/* The same merge in PARTS pieces that threads may do at once: piece PART
 * (0 to PARTS - 1) writes its entries into ORDER, which has room for all
 * of them, at the places the whole merge would give them.  The pieces
 * are cut between ranks, so they are even only where ranks differ. */
void table_listings_merge_part(struct table_listing *const *lists, size_t n,
                               size_t part, size_t parts,
                               const struct table_entry **order);

/* The index of entry E of T, from 0 to table_size - 1, for arrays kept
 * beside the table. */
size_t table_index_of(const struct table *t, const struct table_entry *e);

#endif
