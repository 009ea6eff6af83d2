/* writer: checked, buffered writes with retry on EINTR and short writes. */
#include "config.h"

#include "writer.h"
#include "diag.h"
#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct writer {
    int fd;                      /* destination */
    int error;                   /* errno of the first failure, 0 if none */
    char *buf;                   /* pending bytes */
    size_t len;                  /* bytes pending in buf */
    size_t cap;                  /* size of buf */
    unsigned long long written;  /* bytes the kernel accepted */
    void (*before)(void *);      /* called before output, or NULL */
    void *before_arg;
    bool after_signal;           /* write even after a termination signal */
    bool whole_lines;            /* a full buffer goes out up to its last
                                    newline only */
    bool memory;                 /* the buffer grows, nothing goes out */
};

struct writer *writer_new(int fd, size_t bufsize)
{
    struct writer *w = xcalloc(1, sizeof *w);
    w->fd = fd;
    w->cap = bufsize ? bufsize : 1;
    w->buf = xmalloc(w->cap);
    return w;
}

struct writer *writer_new_memory(size_t bufsize)
{
    struct writer *w = writer_new(-1, bufsize);
    w->memory = true;
    return w;
}

const char *writer_contents(const struct writer *w, size_t *len)
{
    *len = w->len;
    return w->buf;
}

void writer_empty(struct writer *w)
{
    w->len = 0;
}

/* Makes room for LEN more bytes in the memory writer W. */
static void grow(struct writer *w, size_t len)
{
    while (w->cap - w->len < len)
        w->cap *= 2;
    w->buf = xrealloc(w->buf, w->cap);
}

void writer_before_output(struct writer *w, void (*before)(void *),
                          void *arg)
{
    w->before = before;
    w->before_arg = arg;
}

void writer_write_after_signal(struct writer *w)
{
    w->after_signal = true;
}

void writer_whole_lines(struct writer *w)
{
    w->whole_lines = true;
}

/* Whether W must give up because a termination signal has arrived. */
static bool stopped(const struct writer *w)
{
    return !w->after_signal && signals_caught();
}

/* Waits until W's descriptor can take more output or W must give up. */
static void wait_writable(const struct writer *w)
{
    struct pollfd p = { .fd = w->fd, .events = POLLOUT };
    while (!stopped(w) && poll(&p, 1, 100) == 0)
        continue;
}

/* Writes all LEN bytes or records why not.  Interrupted and would-block
 * writes are retried, unless a termination signal has arrived: then the
 * write gives up with EINTR, so a stalled reader cannot hold us (except
 * for a writer told to write after a signal). */
static bool write_fully(struct writer *w, const char *data, size_t len)
{
    if (len > 0 && w->fd < 0) {
        w->error = EBADF;           /* standard output was closed */
        return false;
    }
    if (len > 0 && w->before)
        w->before(w->before_arg);
    while (len > 0) {
        if (stopped(w)) {
            w->error = EINTR;
            return false;
        }
        ssize_t n = write(w->fd, data, len);
        if (n < 0) {
            if (errno == EINTR && !stopped(w))
                continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && !stopped(w)) {
                wait_writable(w);
                continue;
            }
            w->error = errno;
            return false;
        }
        data += n;
        len -= (size_t)n;
        w->written += (unsigned long long)n;
    }
    return true;
}

bool writer_flush(struct writer *w)
{
    if (w->error)
        return false;
    bool ok = write_fully(w, w->buf, w->len);
    w->len = 0;
    return ok;
}

/* Hands the buffered bytes through the last newline to the kernel and
 * keeps the rest of the line buffered. */
static bool flush_lines(struct writer *w)
{
    const char *newline = memrchr(w->buf, '\n', w->len);
    if (!newline)
        return true;
    size_t done = (size_t)(newline - w->buf) + 1;
    bool ok = write_fully(w, w->buf, done);
    memmove(w->buf, w->buf + done, w->len - done);
    w->len -= done;
    return ok;
}

bool writer_put(struct writer *w, const void *data, size_t len)
{
    if (w->error)
        return false;
    if (len > w->cap - w->len && w->memory)
        grow(w, len);
    if (len > w->cap - w->len && w->whole_lines && !flush_lines(w))
        return false;
    if (len <= w->cap - w->len) {
        memcpy(w->buf + w->len, data, len);
        w->len += len;
        return true;
    }
    if (!writer_flush(w))
        return false;
    /* Large pieces go straight out rather than through the buffer. */
    if (len >= w->cap)
        return write_fully(w, data, len);
    memcpy(w->buf, data, len);
    w->len = len;
    return true;
}

bool writer_putc(struct writer *w, char c)
{
    if (w->len < w->cap && !w->error) {
        w->buf[w->len++] = c;
        return true;
    }
    return writer_put(w, &c, 1);
}

bool writer_puts(struct writer *w, const char *s)
{
    return writer_put(w, s, strlen(s));
}

int writer_error(const struct writer *w)
{
    return w->error;
}

unsigned long long writer_written(const struct writer *w)
{
    return w->written;
}

int writer_close(struct writer *w)
{
    writer_flush(w);
    if (w->fd >= 0 && close(w->fd) != 0 && !w->error)
        w->error = errno;
    int error = w->error;
    writer_free(w);
    return error;
}

void writer_free(struct writer *w)
{
    if (w) {
        free(w->buf);
        free(w);
    }
}
