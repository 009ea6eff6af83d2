/* reader: opening inputs and cutting them into blocks on record
 * boundaries.  A block is filled by read(2) straight into its buffer; the
 * partial record at its end is carried into the next block, and a record
 * that does not fit makes the buffer grow until it does. */
#include "config.h"

#include "reader.h"
#include "block.h"
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct reader {
    int *fds;               /* one per input, -1 once closed */
    size_t count;
    size_t current;         /* input being read */
    bool at_eof;            /* current input has no more bytes */
    size_t batch;           /* block size to aim for */
    size_t max_record;      /* longest record worth holding */
    char terminator;
    char *carry;            /* start of a record cut off by the last block */
    size_t carry_len, carry_cap;
    int error;              /* errno of a read failure */
    uint64_t bytes_read;    /* from all inputs so far */
    bool size_known;        /* every input is a regular file */
    uint64_t size;          /* their bytes to read, when known */
};

/* A pipe holds 64 KiB by default, so a block would take a dozen reads,
 * each a switch to the writer and back; a pipe as large as a block halves
 * the cost of reading from one.  Only a request: a pipe that stays small
 * is read all the same. */
static void enlarge_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
    enum { PIPE_SIZE = 1 << 20 };
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)
        && fcntl(fd, F_GETPIPE_SZ) < PIPE_SIZE)
        (void)fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
#else
    (void)fd;
#endif
}

int reader_open_input(const char *name)
{
    if (strcmp(name, "-") == 0) {
        enlarge_pipe(STDIN_FILENO);
        return STDIN_FILENO;
    }
    int fd = open(name, O_RDONLY);
    if (fd < 0) {
        diag_error("%s: %s", name, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        diag_error("%s: %s", name, strerror(EISDIR));
        close(fd);
        return -1;
    }
    enlarge_pipe(fd);
    return fd;
}

/* Adds what is left to read of the input open on FD to the total size,
 * which is unknown as soon as one input is not a regular file. */
static void add_input_size(struct reader *r, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        r->size_known = false;
        return;
    }
    /* Standard input may be a file already partly read. */
    off_t at = lseek(fd, 0, SEEK_CUR);
    if (at > 0 && at <= st.st_size)
        st.st_size -= at;
    r->size += (uint64_t)st.st_size;
}

struct reader *reader_open(char *const *names, size_t n, size_t batch,
                           char terminator, size_t max_record)
{
    struct reader *r = xcalloc(1, sizeof *r);
    r->fds = xmalloc(n * sizeof *r->fds);
    r->count = n;
    r->batch = batch;
    r->max_record = max_record;
    r->terminator = terminator;
    bool ok = true;
    r->size_known = true;
    for (size_t i = 0; i < n; i++) {
        r->fds[i] = reader_open_input(names[i]);
        ok = ok && r->fds[i] >= 0;
        if (ok)
            add_input_size(r, r->fds[i]);
    }
    if (!ok) {
        reader_close(r);
        return NULL;
    }
    return r;
}

static void close_input(struct reader *r, size_t i)
{
    if (r->fds[i] > STDIN_FILENO)
        close(r->fds[i]);
    r->fds[i] = -1;
}

void reader_close(struct reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        if (r->fds[i] >= 0)
            close_input(r, i);
    free(r->fds);
    free(r->carry);
    free(r);
}

uint64_t reader_bytes_read(const struct reader *r)
{
    return r->bytes_read;
}

bool reader_input_size(const struct reader *r, uint64_t *size)
{
    *size = r->size;
    return r->size_known;
}

int reader_error(const struct reader *r, size_t *input)
{
    *input = r->current;
    return r->error;
}

/* Moves the bytes after the last terminator in B into the carry; returns
 * false, moving nothing, if B holds no terminator. */
static bool cut_at_last_record(struct reader *r, struct block *b)
{
    const char *last = memrchr(b->data, r->terminator, b->len);
    if (!last)
        return false;
    size_t keep = (size_t)(last - b->data) + 1;
    r->carry_len = b->len - keep;
    if (r->carry_len > r->carry_cap) {
        r->carry_cap = r->carry_len;
        r->carry = xrealloc(r->carry, r->carry_cap);
    }
    if (r->carry_len > 0)   /* carry may still be NULL */
        memcpy(r->carry, b->data + keep, r->carry_len);
    b->len = keep;
    return true;
}

/* Starts B with the carried bytes, at the block size R aims for. */
static void start_block(struct reader *r, struct block *b)
{
    size_t want = r->batch > r->carry_len ? r->batch : r->carry_len * 2;
    /* A buffer grown for one huge record goes back to the usual size. */
    if (b->cap > 4 * want) {
        free(b->data);
        b->data = NULL;
        b->cap = 0;
    }
    block_reserve(b, want);
    if (r->carry_len > 0)   /* carry may still be NULL */
        memcpy(b->data, r->carry, r->carry_len);
    b->len = r->carry_len;
    r->carry_len = 0;
    b->input = r->current;
    b->oversized = false;
}

/* read(2), counting the bytes read, except that a test build
 * (FANOUT_FAIL_READ=N) fails the Nth call with EIO, to exercise read
 * errors in the middle of an input. */
static ssize_t read_input(struct reader *r, int fd, void *buf, size_t len)
{
#ifdef FANOUT_FAULT_INJECTION
    static atomic_ulong reads;
    if (diag_inject_failure("FANOUT_FAIL_READ", &reads)) {
        errno = EIO;
        return -1;
    }
#endif
    ssize_t got = read(fd, buf, len);
    if (got > 0)
        r->bytes_read += (uint64_t)got;
    return got;
}

/* B holds the start of a record longer than max_record and no terminator:
 * turns B into the marker of that record and reads past the rest of it,
 * using B's buffer as scratch, so that memory stays bounded however long
 * the record is.  Returns false on a read error. */
static bool skip_long_record(struct reader *r, struct block *b, int fd)
{
    b->oversized = true;
    for (;;) {
        ssize_t got = read_input(r, fd, b->data, b->cap);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            r->error = errno;
            return false;
        }
        if (got == 0) {
            r->at_eof = true;
            break;
        }
        const char *end = memchr(b->data, r->terminator, (size_t)got);
        if (end) {
            size_t rest = (size_t)got - (size_t)(end - b->data) - 1;
            if (rest > r->carry_cap) {
                r->carry_cap = rest;
                r->carry = xrealloc(r->carry, r->carry_cap);
            }
            if (rest > 0)           /* carry may still be NULL */
                memcpy(r->carry, end + 1, rest);
            r->carry_len = rest;
            break;
        }
    }
    b->len = 0;
    return true;
}

bool reader_fill(struct reader *r, struct block *b)
{
    while (r->current < r->count) {
        start_block(r, b);
        int fd = r->fds[r->current];
        for (;;) {
            if (r->at_eof) {
                if (b->len > 0)
                    return true;
                break;
            }
            if (b->len == b->cap) {
                if (cut_at_last_record(r, b))
                    return true;
                /* One record fills the block: make room for it, up to
                 * max_record bytes and its terminator. */
                if (b->cap > r->max_record)
                    return skip_long_record(r, b, fd);
                size_t grow = b->cap * 2;
                block_reserve(b, grow <= r->max_record ? grow
                                                       : r->max_record + 1);
            }
            ssize_t got = read_input(r, fd, b->data + b->len,
                                     b->cap - b->len);
            if (got < 0) {
                if (errno == EINTR)
                    continue;
                r->error = errno;
                return false;
            }
            if (got == 0)
                r->at_eof = true;
            b->len += (size_t)got;
        }
        close_input(r, r->current);
        r->current++;
        r->at_eof = false;
    }
    return false;
}
