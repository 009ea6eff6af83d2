/* collector: the fan-in stage.  It receives finished blocks in sequence
 * order, keeps the exact running count of records and the line number in
 * each input, reports rejections, fills the rejects file and writes the
 * accepted records in ordered mode.  It runs on one thread only. */
#ifndef FANOUT_COLLECTOR_H
#define FANOUT_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "block.h"
#include "stats.h"

struct config;
struct writer;


struct collector;

/* A collector writing accepted records to OUT, reports to REPORTS and
 * rejected records to REJECTS (NULL for none).  None is owned. */
struct collector *collector_new(const struct config *cfg,
                                struct writer *out, struct writer *reports,
                                struct writer *rejects);
void collector_free(struct collector *c);

/* Accounts for B, the next block in sequence.  Returns false when the run
 * must stop: --max-errors exceeded or a write failed. */
bool collector_take(struct collector *c, const struct block *b);

/* Whether accepted records are written out of turn, by
 * collector_write_early, rather than by collector_take: with
 * --unordered, except under --max-errors=N, whose stop may fall in any
 * block not yet accounted for, and nothing after it may be written. */
bool collector_writes_early(const struct collector *c);

/* Writes B's accepted records out of turn.  Returns false if the write
 * failed. */
bool collector_write_early(struct collector *c, const struct block *b);

/* Hands what is buffered for standard output, standard error and the
 * rejects file to the kernel, for when no block is waiting: records and
 * messages of a live input must not wait for the next block.  Returns
 * false if a write to standard output or the rejects file failed. */
bool collector_flush(struct collector *c);

const struct tally *collector_tally(const struct collector *c);

#endif
