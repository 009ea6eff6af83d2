/* table: a hash table from key bytes to an accumulator.  Each worker owns
 * one and no locks are involved; at the end the tables are merged into one
 * and listed in key order. */
#ifndef FANOUT_TABLE_H
#define FANOUT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"

struct table;

struct table_entry {
    const char *key;        /* owned by the table */
    size_t key_len;
    uint64_t hash;
    struct accum accum;
};

struct table *table_new(void);
void table_free(struct table *t);

/* Hash of a key, as table_find_or_add expects it. */
uint64_t table_hash(const char *key, size_t len);

/* The accumulator for KEY (LEN bytes, hashed to HASH), made empty if new.
 * The pointer is valid until the next call on T. */
struct accum *table_find_or_add(struct table *t, const char *key,
                                size_t len, uint64_t hash);

/* Folds every entry of FROM into INTO. */
void table_merge(struct table *into, const struct table *from);

size_t table_size(const struct table *t);

/* The entries sorted bytewise by key, shorter first on a common prefix;
 * an array of table_size pointers that the caller frees (not the
 * entries).  Valid until T changes. */
const struct table_entry **table_sorted(const struct table *t);

#endif
