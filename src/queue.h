/* queue: the only home of thread primitives in fanout.  It owns the
 * bounded FIFO that carries blocks between stages, the reorder window that
 * hands finished blocks back in sequence order, and thread start/join.
 * Lock and condition failures are impossible in correct code, so they abort
 * with the place they happened instead of returning codes to check. */
#ifndef FANOUT_QUEUE_H
#define FANOUT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bounded first-in first-out queue of pointers, safe for any number of
 * senders and receivers. */
struct queue;

struct queue *queue_new(size_t capacity);
void queue_free(struct queue *q);

/* Appends ITEM, waiting while the queue is full.  Returns false, without
 * taking ITEM, if the queue is or becomes closed. */
bool queue_push(struct queue *q, void *item);

/* Removes the oldest item, waiting while the queue is empty and open.
 * Returns NULL once the queue is closed and empty. */
void *queue_pop(struct queue *q);

/* No more pushes will succeed; receivers drain what is left, then get
 * NULL. */
void queue_close(struct queue *q);

/* The fan-in point: workers deposit items tagged with a sequence number in
 * any order, one receiver takes them back in order.  Numbers in flight must
 * lie within WINDOW of the next one expected, which the fixed block pool
 * guarantees. */
struct reorder;

struct reorder *reorder_new(size_t window);
void reorder_free(struct reorder *r);

/* Deposits ITEM as number SEQ. */
void reorder_put(struct reorder *r, uint64_t seq, void *item);

/* Declares that TOTAL items (numbers 0 .. TOTAL-1) exist in all. */
void reorder_end(struct reorder *r, uint64_t total);

/* Waits for and returns the item with the next number, advancing past it;
 * NULL after the last.  With
 * EARLY, first returns each deposited item once as soon as it arrives
 * (setting *IN_ORDER false), and only after that in order (*IN_ORDER
 * true).  When a tenth of a second passes with nothing to take it returns
 * NULL with *IDLE set (it is false otherwise), so that the caller can do
 * periodic work and call again. */
void *reorder_take(struct reorder *r, bool early, bool *in_order,
                   bool *idle);

/* Whether reorder_take would return an item at once; with EARLY, an item
 * not yet taken early counts too. */
bool reorder_ready(struct reorder *r, bool early);

/* A plain mutual-exclusion lock, for data that threads share between
 * blocks rather than pass along (the aggregate's partitions). */
struct lock;

struct lock *lock_new(void);
void lock_free(struct lock *l);
void lock_acquire(struct lock *l);
void lock_release(struct lock *l);

/* A joinable thread, which inherits the calling thread's signal mask;
 * start ends the process with status 2 if the thread cannot be created. */
struct thread;
struct thread *thread_start(void *(*run)(void *), void *arg);
void thread_join(struct thread *t);

/* Runs RUN(ARGS[i]) for each of the N ARGS at once, ARGS[0] on the
 * calling thread, and returns when all have ended; the others start with
 * termination signals blocked, which only the main thread handles.  For
 * short pieces of parallel work; N at most THREADS_RUN_MAX. */
enum { THREADS_RUN_MAX = 256 };
void thread_run_all(void *(*run)(void *), void *const *args, size_t n);

/* Joins T if it ends within MILLISECONDS; false, leaving T alone, if not. */
bool thread_join_within(struct thread *t, long milliseconds);

#endif
