/* queue: bounded FIFO, reorder window and threads over POSIX threads. */
#include "config.h"

#include "queue.h"
#include "diag.h"
#include "signals.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An impossible failure of a lock or condition call: a bug, not a runtime
 * condition, so stop at once with the place it happened. */
static _Noreturn void sync_failed(const char *what, int err, int line)
{
    fprintf(stderr, "%s: internal error: %s failed (%s) at %s:%d\n",
            program_name, what, strerror(err), __FILE__, line);
    abort();
}

#define CHECK(call)                                \
    do {                                           \
        int check_err_ = (call);                   \
        if (check_err_)                            \
            sync_failed(#call, check_err_, __LINE__); \
    } while (0)

/* A condition variable whose timed waits run on the monotonic clock, so
 * that a step of the wall clock can neither stretch nor cut them short. */
static void cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    CHECK(pthread_condattr_init(&attr));
    CHECK(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
    CHECK(pthread_cond_init(cond, &attr));
    CHECK(pthread_condattr_destroy(&attr));
}

/* The monotonic time NSEC nanoseconds from now, for a timed wait on a
 * condition made by cond_init_monotonic. */
static struct timespec deadline_in(long long nsec)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    nsec += until.tv_nsec;
    until.tv_sec += (time_t)(nsec / 1000000000L);
    until.tv_nsec = (long)(nsec % 1000000000L);
    return until;
}

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;    /* signalled on push and close */
    pthread_cond_t not_full;     /* signalled on pop and close */
    void **items;                /* ring of capacity slots */
    size_t capacity;
    size_t head;                 /* index of the oldest item */
    size_t count;                /* items in the ring */
    bool closed;
};

struct queue *queue_new(size_t capacity)
{
    struct queue *q = xcalloc(1, sizeof *q);
    CHECK(pthread_mutex_init(&q->lock, NULL));
    CHECK(pthread_cond_init(&q->not_empty, NULL));
    CHECK(pthread_cond_init(&q->not_full, NULL));
    q->capacity = capacity ? capacity : 1;
    q->items = xcalloc(q->capacity, sizeof *q->items);
    return q;
}

void queue_free(struct queue *q)
{
    if (!q)
        return;
    CHECK(pthread_mutex_destroy(&q->lock));
    CHECK(pthread_cond_destroy(&q->not_empty));
    CHECK(pthread_cond_destroy(&q->not_full));
    free(q->items);
    free(q);
}

bool queue_push(struct queue *q, void *item)
{
    CHECK(pthread_mutex_lock(&q->lock));
    while (q->count == q->capacity && !q->closed)
        CHECK(pthread_cond_wait(&q->not_full, &q->lock));
    bool taken = !q->closed;
    if (taken) {
        q->items[(q->head + q->count) % q->capacity] = item;
        q->count++;
        CHECK(pthread_cond_signal(&q->not_empty));
    }
    CHECK(pthread_mutex_unlock(&q->lock));
    return taken;
}

void *queue_pop(struct queue *q)
{
    void *item = NULL;
    CHECK(pthread_mutex_lock(&q->lock));
    while (q->count == 0 && !q->closed)
        CHECK(pthread_cond_wait(&q->not_empty, &q->lock));
    if (q->count > 0) {
        item = q->items[q->head];
        q->head = (q->head + 1) % q->capacity;
        q->count--;
        CHECK(pthread_cond_signal(&q->not_full));
    }
    CHECK(pthread_mutex_unlock(&q->lock));
    return item;
}

void queue_close(struct queue *q)
{
    CHECK(pthread_mutex_lock(&q->lock));
    q->closed = true;
    CHECK(pthread_cond_broadcast(&q->not_empty));
    CHECK(pthread_cond_broadcast(&q->not_full));
    CHECK(pthread_mutex_unlock(&q->lock));
}

/* How long reorder_take waits before it returns idle. */
static const long IDLE_NSEC = 100L * 1000 * 1000;

struct slot {
    void *item;          /* deposited item, NULL while empty */
    bool seen_early;     /* already returned by an early take */
};

struct reorder {
    pthread_mutex_t lock;
    pthread_cond_t changed;      /* signalled on put and end */
    struct slot *slots;          /* number n lives in slots[n % window] */
    size_t window;
    uint64_t next;               /* number the in-order taker wants */
    uint64_t total;              /* items in all, once known */
    bool ended;                  /* total is known */
    size_t unseen;               /* deposited items not yet taken early */
};

struct reorder *reorder_new(size_t window)
{
    struct reorder *r = xcalloc(1, sizeof *r);
    CHECK(pthread_mutex_init(&r->lock, NULL));
    cond_init_monotonic(&r->changed);
    r->window = window ? window : 1;
    r->slots = xcalloc(r->window, sizeof *r->slots);
    return r;
}

void reorder_free(struct reorder *r)
{
    if (!r)
        return;
    CHECK(pthread_mutex_destroy(&r->lock));
    CHECK(pthread_cond_destroy(&r->changed));
    free(r->slots);
    free(r);
}

void reorder_put(struct reorder *r, uint64_t seq, void *item)
{
    CHECK(pthread_mutex_lock(&r->lock));
    struct slot *s = &r->slots[seq % r->window];
    if (s->item || seq < r->next || seq - r->next >= r->window) {
        fprintf(stderr, "%s: internal error: block %llu outside the window\n",
                program_name, (unsigned long long)seq);
        abort();
    }
    s->item = item;
    s->seen_early = false;
    r->unseen++;
    CHECK(pthread_cond_signal(&r->changed));
    CHECK(pthread_mutex_unlock(&r->lock));
}

void reorder_end(struct reorder *r, uint64_t total)
{
    CHECK(pthread_mutex_lock(&r->lock));
    r->total = total;
    r->ended = true;
    CHECK(pthread_cond_broadcast(&r->changed));
    CHECK(pthread_mutex_unlock(&r->lock));
}

/* Finds a deposited item not yet taken early; the caller holds the lock. */
static void *take_unseen(struct reorder *r)
{
    for (size_t i = 0; i < r->window; i++) {
        struct slot *s = &r->slots[(r->next + i) % r->window];
        if (s->item && !s->seen_early) {
            s->seen_early = true;
            r->unseen--;
            return s->item;
        }
    }
    return NULL;
}

void *reorder_take(struct reorder *r, bool early, bool *in_order,
                   bool *idle)
{
    void *item = NULL;
    *idle = false;
    CHECK(pthread_mutex_lock(&r->lock));
    for (;;) {
        if (early && r->unseen > 0) {
            item = take_unseen(r);
            *in_order = false;
            break;
        }
        struct slot *s = &r->slots[r->next % r->window];
        if (s->item) {
            item = s->item;
            if (!s->seen_early)
                r->unseen--;
            s->item = NULL;
            r->next++;
            *in_order = true;
            break;
        }
        if (r->ended && r->next >= r->total)
            break;
        if (*idle)
            break;
        /* Wait in slices, so that the caller can look for what happened
         * meanwhile (a signal only sets a flag) within a fraction of a
         * second. */
        struct timespec until = deadline_in(IDLE_NSEC);
        int err = pthread_cond_timedwait(&r->changed, &r->lock, &until);
        if (err && err != ETIMEDOUT)
            sync_failed("pthread_cond_timedwait", err, __LINE__);
        *idle = err == ETIMEDOUT;
    }
    CHECK(pthread_mutex_unlock(&r->lock));
    return item;
}

bool reorder_ready(struct reorder *r, bool early)
{
    CHECK(pthread_mutex_lock(&r->lock));
    bool ready = (early && r->unseen > 0)
              || r->slots[r->next % r->window].item != NULL;
    CHECK(pthread_mutex_unlock(&r->lock));
    return ready;
}

struct lock {
    pthread_mutex_t mutex;
};

struct lock *lock_new(void)
{
    struct lock *l = xcalloc(1, sizeof *l);
    CHECK(pthread_mutex_init(&l->mutex, NULL));
    return l;
}

void lock_free(struct lock *l)
{
    if (!l)
        return;
    CHECK(pthread_mutex_destroy(&l->mutex));
    free(l);
}

void lock_acquire(struct lock *l)
{
    CHECK(pthread_mutex_lock(&l->mutex));
}

void lock_release(struct lock *l)
{
    CHECK(pthread_mutex_unlock(&l->mutex));
}

struct thread {
    pthread_t id;
    void *(*run)(void *);
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t ended;       /* signalled when run has returned */
    bool done;                  /* run has returned */
};

/* Runs the thread's function, then tells thread_join_within: POSIX has
 * no timed join, and glibc's waits on the wall clock. */
static void *run_thread(void *arg)
{
    struct thread *t = arg;
    void *result = t->run(t->arg);
    CHECK(pthread_mutex_lock(&t->lock));
    t->done = true;
    CHECK(pthread_cond_broadcast(&t->ended));
    CHECK(pthread_mutex_unlock(&t->lock));
    return result;
}

struct thread *thread_start(void *(*run)(void *), void *arg)
{
    struct thread *t = xcalloc(1, sizeof *t);
    t->run = run;
    t->arg = arg;
    CHECK(pthread_mutex_init(&t->lock, NULL));
    cond_init_monotonic(&t->ended);
#ifdef FANOUT_FAULT_INJECTION
    static atomic_ulong threads;
    int err = diag_inject_failure("FANOUT_FAIL_THREAD", &threads)
            ? EAGAIN : pthread_create(&t->id, NULL, run_thread, t);
#else
    int err = pthread_create(&t->id, NULL, run_thread, t);
#endif
    if (err) {
        /* Threads already started may be running: end without unwinding
         * anything they use.  Standard output has nothing yet, or, when
         * the threads were to format the last rows, lacks them, which the
         * status of 2 says. */
        diag_fatal("cannot create thread: %s", strerror(err));
    }
    return t;
}

void thread_run_all(void *(*run)(void *), void *const *args, size_t n)
{
    struct thread *threads[THREADS_RUN_MAX];
    sigset_t old_mask;
    signals_block_here(&old_mask);
    for (size_t i = 1; i < n; i++)
        threads[i] = thread_start(run, args[i]);
    signals_restore(&old_mask);
    if (n > 0)
        run(args[0]);
    for (size_t i = 1; i < n; i++)
        thread_join(threads[i]);
}

bool thread_join_within(struct thread *t, long milliseconds)
{
    struct timespec until = deadline_in(milliseconds * 1000000LL);
    CHECK(pthread_mutex_lock(&t->lock));
    while (!t->done) {
        int err = pthread_cond_timedwait(&t->ended, &t->lock, &until);
        if (err == ETIMEDOUT)
            break;
        if (err)
            sync_failed("pthread_cond_timedwait", err, __LINE__);
    }
    bool done = t->done;
    CHECK(pthread_mutex_unlock(&t->lock));
    if (done)
        thread_join(t);
    return done;
}

void thread_join(struct thread *t)
{
    CHECK(pthread_join(t->id, NULL));
    CHECK(pthread_mutex_destroy(&t->lock));
    CHECK(pthread_cond_destroy(&t->ended));
    free(t);
}
