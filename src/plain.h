/* plain: the fast path for the commonest record, KEY<delimiter>DIGITS,
 * taken in runs, each record in one pass with no splitting and no general
 * number parsing.  A worker (worker.c) tries it at each record and falls
 * back to its general rules for any record it does not take.  The one
 * rule that ties the two: a record the fast path takes is one the general
 * path would accept, with exactly the same effect on the table. */
#ifndef FANOUT_PLAIN_H
#define FANOUT_PLAIN_H

#include <stdbool.h>
#include <stdint.h>

struct block;
struct config;
struct table;

struct plain;

/* The fast path for CFG, which must outlive it; owned by one worker. */
struct plain *plain_new(const struct config *cfg);
void plain_free(struct plain *pl);

/* Prepares PL for the records of B, which update TABLE (NULL when no
 * table is kept, as with --ordered), and ends B's data with the sentinel
 * terminators plain_take relies on.  False if no record of B can take the
 * fast path.  The caller makes sure that no record of B holds a NUL byte
 * in the middle, which the fast path does not look for. */
bool plain_begin(struct plain *pl, struct block *b, struct table *table);

/* Takes the run of plain records of the block that start at P, updating
 * the table, and returns where the first record that needs the general
 * path starts, or a place at or past the block's end; adds to *RECORDS
 * the number of records taken.  Every table update is done on return, so
 * keys enter the table in input order. */
const char *plain_take(struct plain *pl, const char *p, uint64_t *records);

#endif
