/* table: a hash table from key bytes to an accumulator.  Each worker owns
 * one and no locks are involved; at the end the tables are merged into one
 * and listed in key order. */
#ifndef FANOUT_TABLE_H
#define FANOUT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aggregate.h"

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
    struct accum accum;
};

/* The members are table.c's own; they are visible only so that the lookup
 * done for every record can be inlined. */
struct table {
    struct table_entry *entries;    /* in order of first insertion */
    size_t count, entries_cap;
    struct table_slot *slots;       /* open addressing, linear probing */
    size_t slot_mask;               /* slot count - 1, a power of two - 1 */
    struct key_chunk *chunks;       /* key bytes, newest chunk first */
};

struct table *table_new(void);
void table_free(struct table *t);

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

/* Hash of a key of LEN bytes whose head is HEAD, as the lookups expect
 * it.  Inline because it is computed for every accepted record. */
static inline uint64_t table_hash(const char *key, size_t len, uint64_t head)
{
    const uint64_t mul = 0x9e3779b97f4a7c15ULL;
    uint64_t h = (head ^ (uint64_t)len) * mul;
    for (size_t i = 8; i < len; i += 8) {
        uint64_t w = 0;
        memcpy(&w, key + i, len - i < 8 ? len - i : 8);
        h = (h ^ w) * mul;
        h ^= h >> 29;
    }
    return table_mix(h);
}

/* Adds KEY at the empty SLOT its probe ended on; for the lookups. */
struct accum *table_insert(struct table *t, const char *key, size_t len,
                           uint64_t head, uint64_t head2, uint64_t hash,
                           size_t slot);

/* The accumulator for KEY (LEN bytes, with heads HEAD and HEAD2 and hash
 * HASH), made empty if new.  The pointer is valid until the next call on
 * T.  Keys of up to sixteen bytes are compared without reading them. */
static inline struct accum *table_find_or_add_hashed(struct table *t,
                                                     const char *key,
                                                     size_t len,
                                                     uint64_t head,
                                                     uint64_t head2,
                                                     uint64_t hash)
{
    size_t s = hash & t->slot_mask;
    uint32_t tag = (uint32_t)(hash >> 32);
    for (uint32_t i; (i = t->slots[s].index) != 0;
         s = (s + 1) & t->slot_mask) {
        if (t->slots[s].tag != tag)
            continue;
        struct table_entry *e = &t->entries[i - 1];
        if (e->head == head && e->key_len == len && e->head2 == head2
            && (len <= 16 || memcmp(e->key + 16, key + 16, len - 16) == 0))
            return &e->accum;
    }
    return table_insert(t, key, len, head, head2, hash, s);
}

/* The same, for a key whose heads the caller already has. */
static inline struct accum *table_find_or_add_head(struct table *t,
                                                   const char *key,
                                                   size_t len,
                                                   uint64_t head,
                                                   uint64_t head2)
{
    return table_find_or_add_hashed(t, key, len, head, head2,
                                    table_hash(key, len, head));
}

/* The same, for any key. */
static inline struct accum *table_find_or_add(struct table *t,
                                              const char *key, size_t len)
{
    uint64_t head2 = len > 8 ? table_key_head(key + 8, len - 8) : 0;
    return table_find_or_add_head(t, key, len, table_key_head(key, len),
                                  head2);
}

/* Folds every entry of FROM into INTO. */
void table_merge(struct table *into, const struct table *from);

size_t table_size(const struct table *t);

/* The entries sorted bytewise by key, shorter first on a common prefix;
 * an array of table_size pointers that the caller frees (not the
 * entries).  Valid until T changes. */
const struct table_entry **table_sorted(const struct table *t);

#endif
