/* worker: the parse -> validate -> aggregate stage for whole blocks.  A
 * worker owns its splitter, key matcher and aggregate table, so it shares
 * nothing while it works; rejections are written into the block as values
 * for the collector to report. */
#ifndef FANOUT_WORKER_H
#define FANOUT_WORKER_H

struct block;
struct config;
struct table;

struct worker;

/* A worker for CFG, which must outlive it.  Returns NULL, after reporting
 * the reason, if the key pattern cannot be compiled. */
struct worker *worker_new(const struct config *cfg);
void worker_free(struct worker *w);

/* Parses, validates and (in aggregate mode) aggregates every record of B,
 * setting B's record count and rejections. */
void worker_process(struct worker *w, struct block *b);

/* The worker's aggregate table, still owned by the worker. */
struct table *worker_table(struct worker *w);

/* The worker's aggregate table, now owned by the caller. */
struct table *worker_take_table(struct worker *w);

#endif
