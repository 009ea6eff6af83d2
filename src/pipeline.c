/* pipeline: fan-out to workers and ordered fan-in.
 *
 * Threads.  One producer reads input and cuts it into blocks of whole
 * records; N workers (--jobs) parse, validate and aggregate whole blocks;
 * the main thread is the collector, which takes finished blocks back in
 * input order.
 *
 * Blocks and their bound.  Exactly P = queue-depth + jobs blocks exist for
 * the whole run, and they go round one loop:
 *
 *     pool --> producer --> work queue --> workers --> reorder --> collector
 *      ^      (fills and    (queue-depth)  (N, each     window     (takes in
 *      |       numbers)                    own table)  (P slots)   order)
 *      +------------------------------------------------------------+
 *
 * They start in the pool (a queue of free blocks).  The producer takes a
 * free block, fills it, numbers it with the next sequence number and
 * pushes it on the work queue.  A worker pops it, processes it and
 * deposits it in the reorder window.  The collector accounts for blocks in
 * sequence order and then returns them to the pool; with --unordered it
 * also takes each block once as soon as it arrives, to write its records,
 * and accounts for it in order afterwards.  Since a block re-enters the
 * pool only after the collector is done with it, the P blocks bound the
 * work queue, the blocks being processed and those waiting to be reordered
 * all at once, whatever the input size or the speed of the reader of our
 * output.  A block's buffer is about a batch; it grows to hold a record
 * longer than that (up to --max-record), and one grown past 4 x batch is
 * given up when the block is filled again, so memory for blocks is at
 * most P x 4 x batch, or a record's length for a block that holds one
 * longer record.  The bound also means every sequence number in flight
 * lies within P of the one the collector waits for, which is the size of
 * the window.
 *
 * Ownership.  A block belongs to one stage at a time and is never shared,
 * so block contents need no locks; only the queue and window are
 * synchronised.
 *
 * Aggregates.  Each worker aggregates into a small table of its own, of
 * at most a few thousand keys (FANOUT_CACHE_KEYS, for tests), which the
 * caches hold, so that the keys met over and over cost no shared memory
 * and no lock.  When it is full, and after its last block, the worker
 * spills it into the run's partitions (partition.h): PARTITION_MAX
 * tables, a key in exactly one of them by its hash, each with a lock,
 * taken once per spill for all the keys it gets.  So every key is kept
 * once, whatever --jobs, and memory for aggregates is that of one table
 * plus --jobs small ones.  A single worker has nobody to share keys
 * with: it aggregates straight into the one partition there is then.  Since the work queue is first in, first out,
 * each worker takes its blocks in sequence order; so when a block adds a
 * key to a worker's table, the key's first record in that block is in
 * it, and the block's sequence number and the key's rank among the keys
 * the block added give the key a position (table.h) without any
 * per-record work.  A table spilled in the middle of a block goes on
 * ranking after the keys it spilled.  Merges keep the earliest position,
 * which is the key's first record in the input, for --sort=first.  After
 * the workers have been joined, the main thread sorts the partitions on
 * --jobs threads and merges their sorted listings for the output.
 *
 * Reading.  The producer reads pipes and terminals itself; a regular file
 * it only cuts, and the worker that takes a block reads its bytes first
 * (reader.h), so that copying the input is shared by the workers like the
 * rest of the work.  Not with --unordered, whose blocks are written as
 * they finish: a block that failed to read must stop the run before any
 * later block is written.  (With --max-errors=N they are written in
 * order all the same, since the stop may fall in a block not yet
 * accounted for, and nothing after it may be written.)  Nor with
 * --csv, whose records may span lines: where one ends is known only by
 * reading from the start of one, so the producer reads it all.  A pipe or
 * terminal that has stayed empty for a moment ends a block early, with
 * the records read so far (reader.c), so that a live input is not held
 * back until a block is full.  The producer also opens each named pipe
 * when its turn comes (opening one waits for its writer), so it may be
 * blocked in an open as well as in a read.  A compressed input is
 * decoded on a thread of its own (prefetch.h), one per compressed input
 * being read or about to be, up to --jobs at once; the producer cuts the
 * decoded bytes as it cuts a pipe's, so that decoding, cutting and
 * parsing run side by side; a compressed pipe that has stayed empty for
 * a moment ends a block early too, once all it sent is decoded.  Each
 * decoding holds at most a few chunks of decoded bytes, which adds
 * --jobs times that to the memory bound.
 * With --header-in the first line of each input (decoded, if it is
 * compressed) is read by the reader itself and never enters a block: the
 * first input's by the main thread before the threads start, since the
 * names in it decide the fields every worker splits out, the others by
 * the producer when their turn comes.
 *
 * Errors.  Workers never print or exit: a bad record becomes a rejection
 * stored in the block, and a blank one, or one --where filters out, an
 * entry of the same list marked as skipped, so that the collector leaves
 * them all out of the output in one pass and counts them apart.  A read
 * error, or an input in UTF-16 or UTF-32 (reader.c), ends the producer
 * early and is reported by the main
 * thread.  A worker's read error travels with its block, and the
 * collector, taking blocks in order, stops the run there, as if the
 * producer had met it.
 *
 * Shutdown.  At the end of input the producer declares the number of blocks
 * it made and closes the work queue; workers exit when it is empty; the
 * collector ends after the last sequence number, each worker spills its
 * table and ends, and the main thread joins the others.
 *
 * Idle.  Whenever the collector has no finished block waiting, it flushes
 * the output, messages and rejects file it has buffered, so that the
 * records of a live input come out, and survive a signal, as soon as they
 * have been through the pipeline; while blocks follow one another, output
 * goes out in full buffers.
 *
 * Watching.  Each stage counts what it does and times its work and its
 * waits in the run's statistics, once per block, never per record: the
 * producer the bytes it read, the workers their blocks and records, the
 * collector its writing.  What other threads write are relaxed atomics,
 * which the main thread may read at any time.  Between blocks, and at
 * least every tenth of a second while it waits for one, the collector
 * prints the statistics so far if SIGUSR1 asked for them and redraws the
 * --progress line.
 *
 * Stopping early.  When the collector must stop for --max-errors or a
 * failed write, it raises the stop flag and closes the pool, so the
 * producer and workers wind down, but it waits at most a second for the
 * producer, which may be blocked in a read or an open that never returns.
 * A termination signal reaches only the main thread (the others start
 * with those signals blocked); the collector, whose waits last a tenth of
 * a second at most, looks for one between them and stops at once, since
 * the process is about to die by it.  Nothing that stops early prints
 * totals, so if the producer does not end, the threads and their memory
 * are left to the end of the process. */
#include "config.h"

#include "pipeline.h"
#include "block.h"
#include "diag.h"
#include "options.h"
#include "partition.h"
#include "progress.h"
#include "queue.h"
#include "reader.h"
#include "signals.h"
#include "stats.h"
#include "worker.h"
#include "writer.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* How long a run that stopped early waits for the producer to notice. */
enum { PRODUCER_GRACE_MS = 1000 };

struct pipeline {
    const struct config *cfg;
    struct reader *reader;
    struct queue *pool;         /* free blocks */
    struct queue *work;         /* filled blocks waiting for a worker */
    struct reorder *done;       /* processed blocks, by sequence number */
    struct stats *stats;
    struct partitions *partitions;  /* the aggregate, or NULL */
    struct progress *progress;  /* NULL without a progress line */
    struct writer *reports;     /* standard error */
    atomic_bool stop;           /* the collector wants no more work */
    int read_error;             /* set by the producer before it ends */
    size_t read_error_input;
    int load_error;             /* set by the collector: a worker's read */
    size_t load_error_input;
};

struct worker_thread {
    struct pipeline *pipeline;
    struct worker *worker;
    struct stats_worker *stats;
    struct thread *thread;
};

static void *run_producer(void *arg)
{
    struct pipeline *p = arg;
    struct stats *s = p->stats;
    uint64_t seq = 0, bytes = 0, headers = 0, compressed = 0, decoded = 0;
    uint64_t mark = stats_now();
    struct block *b;

    while (!atomic_load(&p->stop) && (b = queue_pop(p->pool)) != NULL) {
        stats_lap(&s->blocked_ns, &mark);
        bool filled = reader_fill(p->reader, b);
        stats_lap(&s->reading_ns, &mark);
        uint64_t now_bytes = reader_bytes_read(p->reader);
        stats_add(&s->bytes_read, now_bytes - bytes);
        bytes = now_bytes;
        uint64_t now_headers = reader_headers_read(p->reader);
        stats_add(&s->headers_read, now_headers - headers);
        headers = now_headers;
        uint64_t now_compressed, now_decoded;
        reader_decoding(p->reader, &now_compressed, &now_decoded);
        stats_add(&s->compressed_read, now_compressed - compressed);
        stats_add(&s->decoded, now_decoded - decoded);
        compressed = now_compressed;
        decoded = now_decoded;
        if (!filled) {
            queue_push(p->pool, b);
            break;
        }
        stats_add(&s->blocks_read, 1);
        b->seq = seq++;
        bool pushed = queue_push(p->work, b);
        stats_lap(&s->blocked_ns, &mark);
        if (!pushed)
            break;
    }
    p->read_error = reader_error(p->reader, &p->read_error_input);
    reorder_end(p->done, seq);
    queue_close(p->work);
    return NULL;
}

static void *run_worker(void *arg)
{
    struct worker_thread *t = arg;
    struct pipeline *p = t->pipeline;
    struct stats_worker *s = t->stats;
    uint64_t mark = stats_now();
    struct block *b;

    while ((b = queue_pop(p->work)) != NULL) {
        stats_lap(&s->waiting_ns, &mark);
        if (!atomic_load(&p->stop)) {
            if (b->unread && !reader_load(b)) {
                block_clear_results(b);
            } else {
                worker_process(t->worker, b);
                stats_add(&s->blocks, 1);
                stats_add(&s->records, b->records);
            }
        }
        stats_lap(&s->working_ns, &mark);
        reorder_put(p->done, b->seq, b);
    }
    stats_lap(&s->waiting_ns, &mark);
    if (!atomic_load(&p->stop)) {
        worker_spill(t->worker);
        stats_lap(&s->working_ns, &mark);
    }
    return NULL;
}

/* The report SIGUSR1 asks for: the layout of --stats, text by default. */
static void report_if_asked(struct pipeline *p, const struct collector *c)
{
    if (!signals_report_wanted())
        return;
    stats_report(p->stats, collector_tally(c),
                 p->cfg->stats == STATS_JSON ? STATS_JSON : STATS_TEXT,
                 false, p->reports);
    writer_flush(p->reports);
}

/* Hands block B to the collector; false if the run must stop. */
static bool collect_block(struct pipeline *p, struct collector *c,
                          struct block *b, bool in_order)
{
    if (!in_order)
        return collector_write_early(c, b);
    if (b->read_error) {
        p->load_error = b->read_error;
        p->load_error_input = b->input;
        return false;
    }
    bool go_on = collector_take(c, b);
    queue_push(p->pool, b);
    return go_on;
}

/* The collector's loop, on the calling thread.  Returns false if the run
 * stopped before the end of input: --max-errors, a failed write or a
 * termination signal. */
static bool collect(struct pipeline *p, struct collector *c)
{
    bool early = collector_writes_early(c);
    bool in_order, idle;
    struct stats *s = p->stats;
    uint64_t mark = stats_now();

    while (!signals_caught()) {
        struct block *b = reorder_take(p->done, early, &in_order, &idle);
        stats_lap(&s->collector_waiting_ns, &mark);
        if (!b && !idle)
            break;
        if (b) {
            bool go_on = collect_block(p, c, b, in_order);
            if (go_on && !reorder_ready(p->done, early))
                go_on = collector_flush(c);
            stats_lap(&s->collector_writing_ns, &mark);
            if (!go_on) {
                atomic_store(&p->stop, true);
                queue_close(p->pool);
                return false;
            }
        }
        report_if_asked(p, c);
        progress_update(p->progress, collector_tally(c)->read, p->reports);
    }
    return !signals_caught();
}

/* Frees what pipeline_run made, once no thread uses it. */
static void pipeline_free(struct pipeline *p, struct worker_thread *workers,
                          size_t jobs, struct block **blocks,
                          size_t block_count)
{
    for (size_t i = 0; i < block_count; i++)
        block_free(blocks[i]);
    free(blocks);
    queue_free(p->pool);
    queue_free(p->work);
    reorder_free(p->done);
    for (size_t i = 0; i < jobs; i++)
        worker_free(workers[i].worker);
    free(workers);
    partitions_free(p->partitions);
    free(p);
}

bool pipeline_run(const struct config *cfg, struct reader *reader,
                  struct writer *out, struct writer *reports,
                  struct writer *rejects, struct stats *stats,
                  struct progress *progress,
                  struct pipeline_outcome *outcome)
{
    size_t jobs = cfg->jobs;
    size_t block_count = (size_t)cfg->queue_depth + jobs;
    struct worker_thread *workers = xcalloc(jobs, sizeof *workers);
    struct block **blocks = xcalloc(block_count, sizeof *blocks);
    struct pipeline *p = xcalloc(1, sizeof *p);

    memset(outcome, 0, sizeof *outcome);
    if (cfg->mode == OUTPUT_AGGREGATE)
        p->partitions = partitions_new(jobs, jobs);
    for (size_t i = 0; i < jobs; i++) {
        workers[i].worker = worker_new(cfg, p->partitions);
        if (!workers[i].worker) {
            pipeline_free(p, workers, jobs, blocks, block_count);
            return false;
        }
    }

    p->cfg = cfg;
    p->reader = reader;
    p->stats = stats;
    p->progress = progress;
    p->reports = reports;
    stats->size_known = reader_input_size(reader, &stats->input_size);
    p->pool = queue_new(block_count);
    p->work = queue_new(cfg->queue_depth);
    p->done = reorder_new(block_count);
    atomic_init(&p->stop, false);
    for (size_t i = 0; i < block_count; i++) {
        blocks[i] = block_new();
        queue_push(p->pool, blocks[i]);
    }
    struct collector *c = collector_new(cfg, out, reports, rejects);

    /* The threads inherit a mask that keeps termination signals for this
     * one, whose blocking calls they must interrupt. */
    sigset_t old_mask;
    signals_block_here(&old_mask);
    struct thread *producer = thread_start(run_producer, p);
    for (size_t i = 0; i < jobs; i++) {
        workers[i].pipeline = p;
        workers[i].stats = &stats->workers[i];
        workers[i].thread = thread_start(run_worker, &workers[i]);
    }
    signals_restore(&old_mask);
    bool finished = collect(p, c);
    outcome->collected_ns = stats_now();
    outcome->tally = *collector_tally(c);
    outcome->read_error = p->load_error;
    outcome->read_error_input = p->load_error_input;
    collector_free(c);
    if (!finished) {
        /* The producer may be blocked reading a terminal or a pipe that
         * will never end, and nothing that stopped early is printed from
         * the tables: unless it ends at once, leave the threads and what
         * they use to the end of the process rather than wait for them.
         * After a signal the process is about to die anyway. */
        if (signals_caught()
            || !thread_join_within(producer, PRODUCER_GRACE_MS)) {
            outcome->abandoned = true;
            return true;
        }
        for (size_t i = 0; i < jobs; i++)
            thread_join(workers[i].thread);
        pipeline_free(p, workers, jobs, blocks, block_count);
        return true;
    }

    thread_join(producer);
    for (size_t i = 0; i < jobs; i++)
        thread_join(workers[i].thread);
    if (p->read_error) {
        outcome->read_error = p->read_error;
        outcome->read_error_input = p->read_error_input;
    }
    if (p->partitions) {
        partitions_seal(p->partitions);
        outcome->partitions = p->partitions;
        p->partitions = NULL;
    }
    pipeline_free(p, workers, jobs, blocks, block_count);
    return true;
}
