/* worker: the parse -> validate -> aggregate stage for whole blocks.  A
 * worker owns its splitter, key matcher and a small aggregate table, so
 * it shares nothing while it works but the run's partitions, which it
 * spills its table into when full; rejections are written into the
 * block as values for the collector to report. */
#ifndef FANOUT_WORKER_H
#define FANOUT_WORKER_H

struct block;
struct config;
struct partitions;
struct table;

struct worker;

/* A worker for CFG, which must outlive it.  In aggregate mode with
 * PARTITIONS (which must outlive it too), its table holds at most
 * cfg->cache_keys keys and spills into them, or is their sole partition
 * if they have one; with NULL, it keeps every key in a table of its own.
 * Returns NULL, after reporting the reason, if the key pattern cannot be
 * compiled. */
struct worker *worker_new(const struct config *cfg,
                          struct partitions *partitions);
void worker_free(struct worker *w);

/* Parses, validates and (in aggregate mode) aggregates every record of B,
 * setting B's record count and rejections. */
void worker_process(struct worker *w, struct block *b);

/* The worker's aggregate table, still owned by the worker. */
struct table *worker_table(struct worker *w);

/* Spills what the worker's table holds into its partitions, if it has
 * any: after its last block, on its own thread. */
void worker_spill(struct worker *w);

#endif
