/* stats: run statistics.  It owns the counters each stage keeps (bytes
 * and blocks read, blocks and records per worker), the time each stage
 * spends working and waiting, and the text and JSON reports that --stats
 * prints at the end and SIGUSR1 asks for during a run.  The JSON report
 * is also the run's record: when, over which inputs, how it ended and
 * with which errors (those diag kept).
 *
 * Every counter is written by one thread and may be read by the main
 * thread at any time, so all are C11 atomics with relaxed order: a report
 * is a snapshot of counters that each only grow, never a point of
 * synchronisation.  They are updated once per block and timed once per
 * block or wait, never per record, so keeping them costs nothing
 * measurable. */
#ifndef FANOUT_STATS_H
#define FANOUT_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block.h"

struct writer;

/* What the collector accounted for, records taken in order:
 * read = accepted + rejected + skipped. */
struct tally {
    uint64_t read;          /* records taken in, whatever became of them */
    uint64_t rejected;
    uint64_t rejected_by[REJECT_REASONS];   /* rejected, by kind */
    uint64_t skipped;       /* neither accepted nor rejected: */
    uint64_t blank;         /* skipped as blank */
    uint64_t filtered;      /* skipped as --where drops them */
    uint64_t missing;       /* accepted without a value (--na) */
    bool too_many_errors;   /* --max-errors was exceeded */
};

static inline uint64_t tally_accepted(const struct tally *t)
{
    return t->read - t->rejected - t->skipped;
}

/* How --stats reports; also the layout of a report asked for by SIGUSR1
 * (text unless --stats=json). */
enum stats_format { STATS_OFF, STATS_TEXT, STATS_JSON };

/* A count or a time in nanoseconds that only grows. */
typedef atomic_uint_least64_t stats_counter;

/* What one worker thread did; written by that thread only. */
struct stats_worker {
    stats_counter blocks;       /* blocks processed */
    stats_counter records;      /* records in them */
    stats_counter working_ns;   /* parsing, validating, aggregating */
    stats_counter waiting_ns;   /* waiting for a block to work on */
};

/* What the run's record says beyond the counters; set by the main
 * thread. */
struct stats_run {
    char *const *inputs;        /* the input names as given */
    size_t input_count;
    int exit_status;            /* -1 until the run has ended */
    bool estimates_known;       /* the results have been counted: */
    uint64_t estimated_keys;    /* keys with a result estimated, */
    uint64_t estimated_quantiles;   /* of their percentile states and */
    uint64_t estimated_distincts;   /* distinct counts, those estimated */
    unsigned long long bytes_written;   /* to standard output, at the end */
};

struct stats {
    uint64_t start_ns;          /* monotonic clock when the run began */
    struct stats_run run;
    bool size_known;            /* every input is a regular file (set
                                   before the threads start) */
    uint64_t input_size;        /* their total size, when known */

    /* Written by the producer. */
    stats_counter bytes_read;
    stats_counter compressed_read;  /* of bytes_read, from compressed inputs */
    stats_counter decoded;      /* what they decoded into */
    stats_counter blocks_read;
    stats_counter headers_read; /* --header-in: header lines */
    stats_counter reading_ns;   /* in read(2) and cutting blocks */
    stats_counter blocked_ns;   /* waiting for a free block or for room
                                   in the work queue */

    /* One per worker, written by that worker. */
    struct stats_worker *workers;
    size_t worker_count;

    /* Written by the main thread. */
    stats_counter collector_writing_ns; /* reports, rejects file and
                                           ordered output */
    stats_counter collector_waiting_ns; /* waiting for the next block */
    stats_counter output_ns;    /* sorting and writing the aggregates */
    stats_counter tail_ns;      /* from the last block accounted for to
                                   the end of the output: the workers'
                                   last spills, sorting and writing */
};

/* Statistics for a run with WORKERS worker threads, starting now; the
 * run has not ended and has no inputs yet. */
struct stats *stats_new(size_t workers);
void stats_free(struct stats *s);

/* The monotonic clock in nanoseconds. */
uint64_t stats_now(void);

/* Adds N to C; for the counter's one writer. */
static inline void stats_add(stats_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Adds the time since *MARK to C and moves *MARK to now: one reading of
 * the clock ends what a thread was doing and starts what it does next. */
static inline void stats_lap(stats_counter *c, uint64_t *mark)
{
    uint64_t now = stats_now();
    stats_add(c, now - *mark);
    *mark = now;
}

static inline uint64_t stats_get(const stats_counter *c)
{
    return atomic_load_explicit((stats_counter *)c, memory_order_relaxed);
}

/* Writes the report of the run so far to W in FORMAT (STATS_TEXT if
 * STATS_OFF): the records of TALLY, which the caller (the main thread)
 * keeps, and the counters of S; in JSON also the time, the inputs, the
 * errors so far and, once the run has ended, its exit status and output.
 * FINAL says the run is over.  Main thread only. */
void stats_report(const struct stats *s, const struct tally *tally,
                  enum stats_format format, bool final, struct writer *w);

#endif
