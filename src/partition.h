/* partition: the aggregate of a run, every key in exactly one of
 * PARTITION_MAX tables, chosen by the high bits of its hash, each with
 * its own lock.  Workers aggregate into small tables of their own and
 * spill them into the partitions when full and at the end, so that a
 * key's memory is paid once whatever --jobs; the partitions, which share
 * no key, are then sorted on several threads at once and their listings
 * merged. */
#ifndef FANOUT_PARTITION_H
#define FANOUT_PARTITION_H

#include <stdbool.h>
#include <stddef.h>

struct accum;
struct table;
struct table_entry;

/* Enough partitions that a spill seldom waits for another worker's lock
 * and that the sort at the end has pieces to share out, few enough that
 * a spill of a few thousand keys still finds several for each. */
enum { PARTITION_BITS = 6, PARTITION_MAX = 1 << PARTITION_BITS };

struct partitions;

/* Empty partitions for WRITERS threads to aggregate into, whose final
 * sort may use THREADS threads.  For one writer there is one partition,
 * which it may aggregate into directly (partitions_sole_table): with
 * nobody to share keys with, a table of its own would only be a second
 * copy. */
struct partitions *partitions_new(size_t writers, size_t threads);
void partitions_free(struct partitions *ps);

/* How many partitions PS has: 1 or PARTITION_MAX. */
size_t partitions_count(const struct partitions *ps);

/* The partition of PS, if it has only one, for its one writer to use
 * as its own table; NULL otherwise.  Still owned by PS. */
struct table *partitions_sole_table(struct partitions *ps);

/* Moves every entry of T, with its whole state, into the partitions
 * PARTITIONS (a struct partitions), and empties T: a table's spill
 * function (table_set_spill).  Any thread may spill its own table at any
 * time before partitions_seal; a spill takes each partition's lock once,
 * for all of T's keys in it. */
void partitions_spill(void *partitions, struct table *t);

/* The accumulator for KEY (LEN bytes), made empty if new, for a caller
 * that is the only user of PS (a merge of partials), with the partition
 * holding it in *TABLE (for table_fold).  Valid until the next call on
 * PS. */
struct accum *partitions_find_or_add(struct partitions *ps, const char *key,
                                     size_t len, struct table **table);

/* No key will be added any more: fixes the numbering that
 * partitions_index_of gives. */
void partitions_seal(struct partitions *ps);

/* How many keys PS holds. */
size_t partitions_size(const struct partitions *ps);

/* Partition I, from 0 to partitions_count - 1: for a pass over every
 * entry that needs no order. */
const struct table *partitions_table(const struct partitions *ps, size_t i);

/* Every entry of PS as table_sorted orders them, or with FIRST as
 * table_sorted_by_first does: an array of partitions_size pointers that
 * the caller frees (not the entries). */
const struct table_entry **partitions_sorted(const struct partitions *ps,
                                             bool first);

/* A number from 0 to partitions_size - 1 that only entry E of the sealed
 * PS has, for arrays kept beside the entries. */
size_t partitions_index_of(const struct partitions *ps,
                           const struct table_entry *e);

#endif
