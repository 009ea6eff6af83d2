/* prefetch: a decoding thread and its chunks.
 *
 * The thread takes a free chunk, fills it with decoded bytes and queues
 * it; the reader takes queued chunks in order, copies their bytes into
 * its blocks and gives them back.  CHUNKS chunks of CHUNK_SIZE bytes are
 * all there is, so a decoding runs at most that far ahead, and memory
 * does not grow with the input.  A chunk goes on before it is full when
 * the input is a live pipe whose writer has gone quiet, so that the
 * records it wrote last come out now, as they do from a plain pipe; the
 * chunk says so, and the reader cuts its block there.  At the end of the stream, or when it
 * fails, the thread closes the queue of filled chunks after writing what
 * happened, which the queue's lock hands on to the reader. */
#include "config.h"

#include "prefetch.h"
#include "diag.h"
#include "queue.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { CHUNK_SIZE = 256 * 1024, CHUNKS = 4 };

/* How long decoded bytes wait for more once the input has nothing to
 * read, as the reader waits on a plain pipe (reader.c). */
enum { LIVE_WAIT_MS = 10 };

struct chunk {
    size_t len;
    bool quiet;                 /* handed on because the input went quiet */
    unsigned char data[CHUNK_SIZE];
};

struct prefetch {
    struct decode_stream *stream;   /* the decoding thread's */
    struct thread *thread;
    struct queue *free;         /* chunks to fill */
    struct queue *full;         /* filled chunks, in order */
    struct chunk *chunks[CHUNKS];
    bool failed;                /* set before full is closed */
    atomic_uint_least64_t compressed, decoded;

    /* The reader's. */
    struct chunk *current;      /* being copied out */
    size_t taken;               /* its bytes copied out so far */
};

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Whether the decoded bytes in a chunk are to go on now rather than wait,
 * perhaps for ever, for the chunk to fill.  *SINCE is when the stream
 * first had nothing left to decode for this chunk (-1 until then). */
static bool gone_quiet(const struct decode_stream *s, int64_t *since)
{
    if (!decode_stream_starved(s))
        return false;
    int64_t now = monotonic_ms();
    if (*since < 0)
        *since = now;
    int64_t left = LIVE_WAIT_MS - (now - *since);
    return decode_stream_quiet(s, left > 0 ? (int)left : 0);
}

static void *run_decoding(void *arg)
{
    struct prefetch *p = arg;
    struct chunk *c;
    while ((c = queue_pop(p->free)) != NULL) {
        ssize_t got = 0;
        int64_t since = -1;
        c->len = 0;
        c->quiet = false;
        while (c->len < CHUNK_SIZE) {
            if (c->len > 0 && gone_quiet(p->stream, &since)) {
                c->quiet = true;
                break;
            }
            got = decode_stream_read(p->stream, c->data + c->len,
                                     CHUNK_SIZE - c->len);
            if (got <= 0)
                break;
            c->len += (size_t)got;
        }
        atomic_store_explicit(&p->compressed,
                              decode_stream_compressed(p->stream),
                              memory_order_relaxed);
        atomic_store_explicit(&p->decoded, decode_stream_decoded(p->stream),
                              memory_order_relaxed);
        if (c->len > 0 && !queue_push(p->full, c))
            break;
        if (got <= 0) {
            p->failed = got < 0;
            break;
        }
    }
    queue_close(p->full);
    return NULL;
}

struct prefetch *prefetch_start(int fd, enum decode_format format,
                                const unsigned char *head, size_t len,
                                char terminator)
{
    struct prefetch *p = xcalloc(1, sizeof *p);
    p->stream = decode_stream_new(fd, format, head, len, terminator);
    p->free = queue_new(CHUNKS);
    p->full = queue_new(CHUNKS);
    for (size_t i = 0; i < CHUNKS; i++) {
        p->chunks[i] = xmalloc(sizeof *p->chunks[i]);
        queue_push(p->free, p->chunks[i]);
    }
    atomic_init(&p->compressed, len);
    atomic_init(&p->decoded, 0);
    p->thread = thread_start(run_decoding, p);
    return p;
}

ssize_t prefetch_read(struct prefetch *p, void *buf, size_t len)
{
    while (!p->current || p->taken == p->current->len) {
        if (p->current)
            queue_push(p->free, p->current);
        p->current = queue_pop(p->full);
        p->taken = 0;
        if (!p->current)
            return p->failed ? -1 : 0;
    }
    size_t n = p->current->len - p->taken;
    if (n > len)
        n = len;
    memcpy(buf, p->current->data + p->taken, n);
    p->taken += n;
    return (ssize_t)n;
}

bool prefetch_paused(const struct prefetch *p)
{
    return p->current && p->taken == p->current->len && p->current->quiet;
}

const char *prefetch_error(const struct prefetch *p)
{
    return decode_stream_error(p->stream);
}

uint64_t prefetch_compressed(const struct prefetch *p)
{
    return atomic_load_explicit(&p->compressed, memory_order_relaxed);
}

uint64_t prefetch_decoded(const struct prefetch *p)
{
    return atomic_load_explicit(&p->decoded, memory_order_relaxed);
}

bool prefetch_stop(struct prefetch *p, long milliseconds)
{
    /* A thread waiting for a free chunk or for room in the queue wakes
     * and ends; one still decoding ends at its next chunk. */
    queue_close(p->free);
    queue_close(p->full);
    if (!thread_join_within(p->thread, milliseconds))
        return false;
    decode_stream_free(p->stream);
    queue_free(p->free);
    queue_free(p->full);
    for (size_t i = 0; i < CHUNKS; i++)
        free(p->chunks[i]);
    free(p);
    return true;
}
