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

struct table_entry {
    const char *key;        /* owned by the table */
    size_t key_len;
    uint64_t hash;
    struct accum accum;
};

/* The members are table.c's own; they are visible only so that the lookup
 * done for every record can be inlined. */
struct table {
    struct table_entry *entries;    /* in order of first insertion */
    size_t count, entries_cap;
    uint32_t *slots;                /* entry index + 1; 0 is empty */
    size_t slot_mask;               /* slot count - 1, a power of two - 1 */
    struct key_chunk *chunks;       /* key bytes, newest chunk first */
};

struct table *table_new(void);
void table_free(struct table *t);

/* Hash of a key, as table_find_or_add expects it.  Inline because it is
 * computed for every accepted record; keys are short, so it reads the
 * bytes with at most two overlapping loads per eight bytes. */
static inline uint64_t table_hash(const char *key, size_t len)
{
    const uint64_t mul = 0x9e3779b97f4a7c15ULL;
    uint64_t h = (uint64_t)len * mul;
    uint64_t w;
    while (len > 8) {
        memcpy(&w, key, 8);
        h = (h ^ w) * mul;
        h ^= h >> 29;
        key += 8;
        len -= 8;
    }
    if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, key, 4);
        memcpy(&b, key + len - 4, 4);
        w = (uint64_t)a << 32 | b;
    } else if (len > 0) {
        w = (uint64_t)(unsigned char)key[0] << 16
          | (uint64_t)(unsigned char)key[len / 2] << 8
          | (unsigned char)key[len - 1];
    } else {
        w = 0;
    }
    h = (h ^ w) * mul;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

/* Adds KEY at the empty SLOT its probe ended on; for table_find_or_add. */
struct accum *table_insert(struct table *t, const char *key, size_t len,
                           uint64_t hash, size_t slot);

/* Whether the LEN bytes at A and B are equal; short keys, the usual case,
 * take two overlapping loads instead of a call. */
static inline bool table_keys_equal(const char *a, const char *b, size_t len)
{
    uint64_t x, y, u, v;
    if (len >= 8 && len <= 16) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        memcpy(&u, a + len - 8, 8);
        memcpy(&v, b + len - 8, 8);
        return ((x ^ y) | (u ^ v)) == 0;
    }
    if (len >= 4 && len < 8) {
        uint32_t p, q, r, s;
        memcpy(&p, a, 4);
        memcpy(&q, b, 4);
        memcpy(&r, a + len - 4, 4);
        memcpy(&s, b + len - 4, 4);
        return ((p ^ q) | (r ^ s)) == 0;
    }
    return memcmp(a, b, len) == 0;
}

/* The accumulator for KEY (LEN bytes, hashed to HASH), made empty if new.
 * The pointer is valid until the next call on T. */
static inline struct accum *table_find_or_add(struct table *t,
                                              const char *key, size_t len,
                                              uint64_t hash)
{
    size_t s = hash & t->slot_mask;
    for (uint32_t i; (i = t->slots[s]) != 0; s = (s + 1) & t->slot_mask) {
        struct table_entry *e = &t->entries[i - 1];
        if (e->hash == hash && e->key_len == len
            && table_keys_equal(e->key, key, len))
            return &e->accum;
    }
    return table_insert(t, key, len, hash, s);
}

/* Folds every entry of FROM into INTO. */
void table_merge(struct table *into, const struct table *from);

size_t table_size(const struct table *t);

/* The entries sorted bytewise by key, shorter first on a common prefix;
 * an array of table_size pointers that the caller frees (not the
 * entries).  Valid until T changes. */
const struct table_entry **table_sorted(const struct table *t);

#endif
