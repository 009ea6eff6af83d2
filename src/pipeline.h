/* pipeline: the threads of a run and how blocks travel between them. */
#ifndef FANOUT_PIPELINE_H
#define FANOUT_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"

struct config;
struct partitions;
struct progress;
struct reader;
struct stats;
struct table;
struct writer;

struct pipeline_outcome {
    struct tally tally;         /* what the collector accounted for */
    int read_error;             /* errno of a failed read, or 0 */
    size_t read_error_input;    /* which input it failed on */
    struct partitions *partitions;  /* the aggregates (aggregate mode),
                                       sealed; the caller frees them */
    uint64_t collected_ns;      /* the clock (stats_now) when the last
                                   block had been accounted for */
    bool abandoned;             /* stopped early, threads still running:
                                   the reader and the statistics must not
                                   be freed */
};

/* Runs the whole pipeline over READER's inputs.  Accepted records go to
 * OUT in ordered modes, per-record reports to REPORTS, rejected records to
 * REJECTS (may be NULL).  The stages keep their counts and times in
 * STATS, made for cfg->jobs workers; while the run goes on, the main
 * thread redraws PROGRESS (may be NULL) and prints the statistics so far
 * to REPORTS when SIGUSR1 asks.  Returns false if it could not start. */
bool pipeline_run(const struct config *cfg, struct reader *reader,
                  struct writer *out, struct writer *reports,
                  struct writer *rejects, struct stats *stats,
                  struct progress *progress,
                  struct pipeline_outcome *outcome);

#endif
