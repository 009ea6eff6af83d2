/* prefetch: a decoding thread and its chunks.
 *
 * The thread takes a free chunk, fills it with decoded bytes and queues
 * it; the reader takes queued chunks in order, copies their bytes into
 * its blocks and gives them back.  CHUNKS chunks of CHUNK_SIZE bytes are
 * all there is, so a decoding runs at most that far ahead, and memory
 * does not grow with the input.  At the end of the stream, or when it
 * fails, the thread closes the queue of filled chunks after writing what
 * happened, which the queue's lock hands on to the reader. */
#include "config.h"

#include "prefetch.h"
#include "diag.h"
#include "queue.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { CHUNK_SIZE = 256 * 1024, CHUNKS = 4 };

struct chunk {
    size_t len;
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

static void *run_decoding(void *arg)
{
    struct prefetch *p = arg;
    struct chunk *c;
    while ((c = queue_pop(p->free)) != NULL) {
        ssize_t got = 0;
        c->len = 0;
        while (c->len < CHUNK_SIZE
               && (got = decode_stream_read(p->stream, c->data + c->len,
                                            CHUNK_SIZE - c->len)) > 0)
            c->len += (size_t)got;
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
