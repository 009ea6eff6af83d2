/* reader: opening inputs and cutting them into blocks on record
 * boundaries.
 *
 * Two ways of cutting.  A pipe or terminal is read in order: a block is
 * filled by read(2) straight into its buffer, the partial record at its
 * end is carried into the next block, and a record that does not fit makes
 * the buffer grow until it does.  A regular file, when the caller lets
 * workers read, is cut without being read: the producer reads only the
 * last few KiB of each block's span to find where its last record ends,
 * and leaves the copy of the span itself to the worker that takes the
 * block (reader_load).  A single thread copying every byte would bound the
 * whole run on a machine with more cores than that copy can feed.  The end
 * of a file, where it may still grow, and a file whose records are longer
 * than the part looked at, are read in order from where cutting stopped.
 *
 * Opening.  Every input is opened before any is read, so that one that
 * cannot be read stops the run before anything is written, except a
 * named pipe: opening one waits for its writer, and the programs writing
 * several pipes may write them one after another.  A pipe is only checked
 * up front and opened when its turn comes, by the thread that reads it.
 *
 * Inputs that change.  A regular file's size is taken when it is opened:
 * one that ends short of it shrank after it was opened, which is an error
 * rather than the end of its records.  A file rewritten in place
 * may move the terminator a cut found, which would tear a record in two:
 * the worker that reads a cut span checks that it still ends with one.
 *
 * Compressed inputs.  Every input is recognised by its first bytes, never
 * by its name: a regular file's are read where it is opened, without
 * moving its offset; a pipe's, standard input's and a terminal's when
 * their turn comes, kept to be read again as the first bytes of a plain
 * input.  A format fanout does not read stops the run there.  A gzip or
 * zstd input is decoded on a thread of its own (prefetch.h), and its
 * decoded bytes are cut into blocks as a pipe's are.  Up to a given
 * number of decodings run at once: that of the current input and those
 * of the compressed regular files after it, so that the next inputs are
 * decoded while this one is cut.  Decoding never starts past an input
 * whose format is not known yet, since that one's may have to wait for
 * a thread while those after it hold them all.
 *
 * CSV.  A record of --csv input ends at the first terminator outside a
 * quoted field, which only a scan from the start of a record can tell
 * (csv.h): such input is read in order, never cut unread, and a block
 * ends where the scan from its start finds the last record end.  Every
 * block starts a record, so whatever the block size the records are the
 * ones a scan of the whole input would find.
 *
 * Encodings.  An input that starts with a UTF-16 or UTF-32 byte-order
 * mark is refused, as its records would be rejected for NUL bytes or
 * read wrong; a UTF-8 one is left in the block, to be skipped by the
 * worker and kept by --ordered and --rejects (block_bom_len). */
#include "config.h"

#include "reader.h"
#include "block.h"
#include "csv.h"
#include "decode.h"
#include "diag.h"
#include "prefetch.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

/* What an input held when it was opened. */
struct input_seen {
    bool sized;             /* a regular file whose size says what it holds */
    uint64_t size;          /* its size then */
    bool detected;          /* format is known */
    enum decode_format format;
    struct prefetch *prefetch;  /* its decoding, once started */
};

struct reader {
    int *fds;               /* one per input, -1 once closed, READER_NOT_OPENED */
    char *const *names;     /* to open named pipes in turn */
    struct input_seen *seen;
    size_t count;
    size_t current;         /* input being read */
    bool at_eof;            /* current input has no more bytes */
    size_t batch;           /* block size to aim for */
    size_t max_record;      /* longest record worth holding */
    char terminator;
    char *carry;            /* start of a record cut off by the last block */
    size_t carry_len, carry_cap;
    int error;              /* errno of a failed read or open in turn,
                               or READER_SHRANK */
    uint64_t bytes_read;    /* from all inputs so far */
    bool size_known;        /* the size of every input is known */
    uint64_t size;          /* their bytes to read, when known */
    bool workers_read;      /* regular files may be cut for reader_load */
    bool csv;               /* records end outside quoted fields */
    char separator;         /* of CSV fields */
    size_t decoders;        /* decodings that may run at once */
    size_t decoding;        /* decodings running */
    uint64_t decoded_done;  /* decoded bytes of decodings over */
    uint64_t compressed_done;   /* compressed bytes read by them */
    char message[160];      /* what a READER_DECODE error was */

    /* The current input. */
    bool started;           /* the fields below describe it */
    bool fresh;             /* no block has started on it yet */
    bool cutting;           /* cut without reading, from offset on */
    bool sized;             /* a regular file: end is its size at open */
    uint64_t offset;        /* file offset of the next byte to take */
    uint64_t end;
    struct prefetch *prefetch;  /* its decoding, if compressed */
    unsigned char head[DECODE_MAGIC_MAX];   /* first bytes read to find its
                                               format, not yet taken */
    size_t head_len, head_taken;
};

/* How long closing the reader waits for a decoding thread, which may be
 * blocked reading a pipe that never ends. */
enum { DECODER_GRACE_MS = 1000 };

/* Bytes looked at to find where a cut block's last record ends.  A file
 * with a record longer than this across a cut is read in order from
 * there. */
enum { CUT_WINDOW = 4096 };

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

/* Reports that the file NAME cannot be read, for the reason ERROR. */
static void report_open_error(const char *name, int error)
{
    char *shown = diag_name(name);
    diag_error("%s: %s", shown, strerror(error));
    free(shown);
}

int reader_open_input(const char *name)
{
    if (strcmp(name, "-") == 0) {
        /* A closed standard input has a stand-in that cannot be read
         * (fanout.c): it is the error a closed one would be. */
        int flags = fcntl(STDIN_FILENO, F_GETFL);
        if (flags < 0 || (flags & O_ACCMODE) == O_WRONLY) {
            report_open_error(name, EBADF);
            return -1;
        }
        enlarge_pipe(STDIN_FILENO);
        return STDIN_FILENO;
    }
    int fd = open(name, O_RDONLY);
    if (fd < 0) {
        report_open_error(name, errno);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        report_open_error(name, EISDIR);
        close(fd);
        return -1;
    }
    enlarge_pipe(fd);
    return fd;
}

/* Whether the empty file open on FD may be a kernel's (/proc, /sys),
 * which holds what it is asked for whatever its size says. */
static bool maybe_kernel_file(int fd)
{
#ifdef __linux__
    static const unsigned long kernel_file_systems[] = {
        0x9fa0,         /* proc */
        0x62656572,     /* sysfs */
        0x64626720,     /* debugfs */
        0x74726163,     /* tracefs */
    };
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return true;
    for (size_t i = 0; i < sizeof kernel_file_systems
                              / sizeof *kernel_file_systems; i++)
        if ((unsigned long)fs.f_type == kernel_file_systems[i])
            return true;
#else
    (void)fd;
#endif
    return false;
}

/* Notes what input I, just opened, holds, and adds what it has left to
 * read to the total size, which is unknown as soon as one input's is.
 * STDIN_READ: standard input was an earlier input, which reads it to its
 * end. */
static void note_size(struct reader *r, size_t i, bool stdin_read)
{
    int fd = r->fds[i];
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        r->size_known = false;
        return;
    }
    /* A file of no blocks may be a kernel's, whose size says nothing of
     * what it holds, or a file of holes; only an empty one is known to
     * hold nothing. */
    struct input_seen *seen = &r->seen[i];
    seen->sized = st.st_blocks > 0;
    seen->size = (uint64_t)st.st_size;
    if (!seen->sized && (st.st_size > 0 || maybe_kernel_file(fd))) {
        r->size_known = false;
        return;
    }
    if (fd == STDIN_FILENO && stdin_read)
        return;
    /* Standard input may be a file already partly read. */
    off_t at = lseek(fd, 0, SEEK_CUR);
    if (at > 0 && at <= st.st_size)
        st.st_size -= at;
    r->size += (uint64_t)st.st_size;
}

/* Finds the format of input I, if it is a regular file, from its first
 * bytes, read without moving its offset; standard input only in its
 * turn (IN_TURN), when it has not been read by an earlier input.
 * Returns false after a format that cannot be read: reported, or in
 * turn left in r->error. */
static bool detect_at_open(struct reader *r, size_t i, bool in_turn)
{
    int fd = r->fds[i];
    struct stat st;
    if ((fd == STDIN_FILENO && !in_turn) || fstat(fd, &st) != 0
        || !S_ISREG(st.st_mode))
        return true;
    off_t at = lseek(fd, 0, SEEK_CUR);
    unsigned char head[DECODE_MAGIC_MAX];
    ssize_t got;
    do
        got = pread(fd, head, sizeof head, at < 0 ? 0 : at);
    while (got < 0 && errno == EINTR);
    /* A file that cannot be read here is found out when its turn comes,
     * with the error a read of it meets. */
    if (got < 0)
        return true;
    struct input_seen *seen = &r->seen[i];
    seen->detected = decode_detect(head, (size_t)got, true, &seen->format);
    const char *refusal = decode_refusal(seen->format);
    if (refusal && in_turn) {
        r->error = READER_DECODE;
        snprintf(r->message, sizeof r->message, "%s", refusal);
        return false;
    }
    if (refusal) {
        char *shown = diag_name(r->names[i]);
        diag_error("%s: %s", shown, refusal);
        free(shown);
        return false;
    }
    return true;
}

int reader_open_early(const char *name)
{
    struct stat st;
    if (strcmp(name, "-") != 0 && stat(name, &st) == 0
        && S_ISFIFO(st.st_mode)) {
        if (faccessat(AT_FDCWD, name, R_OK, AT_EACCESS) != 0) {
            report_open_error(name, errno);
            return -1;
        }
        return READER_NOT_OPENED;
    }
    return reader_open_input(name);
}

/* Opens input I, or only checks that a named pipe can be read, leaving
 * it to be opened in turn; returns false after reporting why it cannot be
 * read. */
static bool open_early(struct reader *r, size_t i)
{
    r->fds[i] = reader_open_early(r->names[i]);
    if (r->fds[i] == READER_NOT_OPENED) {
        r->size_known = false;
        return true;
    }
    return r->fds[i] >= 0 && detect_at_open(r, i, false);
}

struct reader *reader_open(char *const *names, size_t n, size_t batch,
                           char terminator, size_t max_record,
                           bool workers_read, size_t decoders)
{
    struct reader *r = xcalloc(1, sizeof *r);
    r->workers_read = workers_read;
    r->decoders = decoders > 0 ? decoders : 1;
    r->fds = xmalloc(n * sizeof *r->fds);
    r->names = names;
    r->seen = xcalloc(n, sizeof *r->seen);
    r->count = n;
    r->batch = batch;
    r->max_record = max_record;
    r->terminator = terminator;
    bool ok = true, stdin_read = false;
    r->size_known = true;
    for (size_t i = 0; i < n; i++) {
        ok = open_early(r, i) && ok;
        if (ok && r->fds[i] >= 0) {
            note_size(r, i, stdin_read);
            stdin_read = stdin_read || r->fds[i] == STDIN_FILENO;
        }
    }
    if (!ok) {
        reader_close(r);
        return NULL;
    }
    return r;
}

bool reader_input_stat(const struct reader *r, size_t i, struct stat *st)
{
    return r->fds[i] >= 0 && fstat(r->fds[i], st) == 0;
}

static void close_input(struct reader *r, size_t i)
{
    if (r->fds[i] > STDIN_FILENO)
        close(r->fds[i]);
    r->fds[i] = -1;
}

/* Ends the decoding of input I, if one was started, adding up what it
 * did.  Returns false if its thread is still running, reading the
 * input's descriptor, which must then stay open. */
static bool stop_decoding(struct reader *r, size_t i)
{
    struct prefetch *p = r->seen[i].prefetch;
    if (!p)
        return true;
    uint64_t compressed = prefetch_compressed(p);
    uint64_t decoded = prefetch_decoded(p);
    if (!prefetch_stop(p, DECODER_GRACE_MS))
        return false;
    r->compressed_done += compressed;
    r->decoded_done += decoded;
    r->seen[i].prefetch = NULL;
    r->decoding--;
    return true;
}

void reader_close(struct reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        if (stop_decoding(r, i) && r->fds[i] >= 0)
            close_input(r, i);
    free(r->fds);
    free(r->seen);
    free(r->carry);
    free(r);
}

void reader_read_csv(struct reader *r, char separator)
{
    r->csv = true;
    r->separator = separator;
    r->workers_read = false;
}

uint64_t reader_bytes_read(const struct reader *r)
{
    uint64_t compressed, decoded;
    reader_decoding(r, &compressed, &decoded);
    return r->bytes_read + compressed;
}

void reader_decoding(const struct reader *r, uint64_t *compressed,
                     uint64_t *decoded)
{
    *compressed = r->compressed_done;
    *decoded = r->decoded_done;
    /* Decodings run from the current input on, up to the first input
     * whose format is not known. */
    for (size_t i = r->current; i < r->count && r->seen[i].detected; i++)
        if (r->seen[i].prefetch) {
            *compressed += prefetch_compressed(r->seen[i].prefetch);
            *decoded += prefetch_decoded(r->seen[i].prefetch);
        }
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

const char *reader_error_message(const struct reader *r)
{
    return r->message;
}

/* The length of the whole records B starts with: up to its last
 * terminator, or for CSV its last one outside a quoted field; 0 for
 * none. */
static size_t whole_records(const struct reader *r, const struct block *b)
{
    if (r->csv)
        return csv_last_end(b->data, b->len, block_bom_len(b),
                            r->separator, r->terminator);
    const char *last = memrchr(b->data, r->terminator, b->len);
    return last ? (size_t)(last - b->data) + 1 : 0;
}

/* Moves the bytes after the last record in B into the carry; returns
 * false, moving nothing, if no record ends in B. */
static bool cut_at_last_record(struct reader *r, struct block *b)
{
    size_t keep = whole_records(r, b);
    if (keep == 0)
        return false;
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
    b->starts_input = r->fresh;
    r->fresh = false;
    b->oversized = false;
    b->oversized_lines = 0;
    b->unread = false;
    b->read_error = 0;
}

#ifdef FANOUT_FAULT_INJECTION
/* The byte of an input named by the environment variable NAME, or
 * UINT64_MAX. */
static uint64_t fault_offset(const char *name)
{
    const char *setting = getenv(name);
    return setting && *setting ? strtoull(setting, NULL, 10) : UINT64_MAX;
}

/* A test build can fail, or shorten, the read of *LEN bytes at OFFSET of
 * an input, whichever thread reads them, so that a test need not know how
 * the input is split: FANOUT_FAIL_READ_AT=N fails with EIO any read that
 * would include byte N; FANOUT_SHRINK_AT=N makes every input end before
 * byte N, as if cut short after it was opened.  Returns true for a
 * failure, with errno set. */
static bool read_fails(uint64_t offset, size_t *len)
{
    uint64_t fail = fault_offset("FANOUT_FAIL_READ_AT");
    if (fail >= offset && fail - offset < *len) {
        errno = EIO;
        return true;
    }
    uint64_t end = fault_offset("FANOUT_SHRINK_AT");
    if (end - offset < *len)
        *len = end > offset ? (size_t)(end - offset) : 0;
    return false;
}

/* FANOUT_CHANGE_AT=N (N > 0) makes the workers read every input as if a
 * byte had been inserted at byte N after it was cut: a read of *LEN bytes
 * at *OFFSET takes the bytes from N on from one byte earlier, and stops
 * at N to do so. */
static void rewritten_at(uint64_t *offset, size_t *len)
{
    uint64_t at = fault_offset("FANOUT_CHANGE_AT");
    if (at == 0 || at == UINT64_MAX)
        return;
    if (*offset >= at)
        (*offset)--;
    else if (at - *offset < *len)
        *len = (size_t)(at - *offset);
}
#else
static bool read_fails(uint64_t offset, size_t *len)
{
    (void)offset;
    (void)len;
    return false;
}

static void rewritten_at(uint64_t *offset, size_t *len)
{
    (void)offset;
    (void)len;
}
#endif

/* pread(2) of up to LEN bytes at OFFSET of FD, retried when interrupted. */
static ssize_t read_at(int fd, void *buf, size_t len, uint64_t offset)
{
    if (read_fails(offset, &len))
        return -1;
    ssize_t got;
    do
        got = pread(fd, buf, len, (off_t)offset);
    while (got < 0 && errno == EINTR);
    return got;
}

/* The current input's decoded bytes, for read_input. */
static ssize_t read_decoded(struct reader *r, void *buf, size_t len)
{
    ssize_t got = prefetch_read(r->prefetch, buf, len);
    if (got < 0) {
        r->error = READER_DECODE;
        snprintf(r->message, sizeof r->message, "%s",
                 prefetch_error(r->prefetch));
    }
    return got;
}

/* The first bytes of the current input, read to find its format, for
 * read_input. */
static ssize_t read_head(struct reader *r, void *buf, size_t len)
{
    size_t n = r->head_len - r->head_taken;
    if (n > len)
        n = len;
    memcpy(buf, r->head + r->head_taken, n);
    r->head_taken += n;
    r->bytes_read += n;
    return (ssize_t)n;
}

/* read(2) of the current input, counting the bytes read, or its decoded
 * bytes if it is compressed.  Returns -1 with r->error set on failure,
 * including the end of a file short of its size at open. */
static ssize_t read_input(struct reader *r, int fd, void *buf, size_t len)
{
    if (r->prefetch)
        return read_decoded(r, buf, len);
    if (r->head_taken < r->head_len)
        return read_head(r, buf, len);
    ssize_t got;
    do
        got = read_fails(r->offset, &len) ? -1 : read(fd, buf, len);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        r->error = errno;
        return -1;
    }
    if (got == 0 && r->sized && r->offset < r->end) {
        r->error = READER_SHRANK;
        return -1;
    }
    r->offset += (uint64_t)got;
    r->bytes_read += (uint64_t)got;
    return got;
}

/* B holds the start of a record longer than max_record and no terminator:
 * turns B into the marker of that record and reads past the rest of it,
 * using B's buffer as scratch, so that memory stays bounded however long
 * the record is.  Returns false on a read error. */
static bool skip_long_record(struct reader *r, struct block *b, int fd)
{
    struct csv_scan scan;
    if (r->csv) {
        size_t bom = block_bom_len(b);
        csv_scan_start(&scan);
        csv_scan(&scan, b->data + bom, b->len - bom, r->separator,
                 r->terminator);
    }
    b->oversized = true;
    for (;;) {
        ssize_t got = read_input(r, fd, b->data, b->cap);
        if (got < 0)
            return false;
        if (got == 0) {
            r->at_eof = true;
            break;
        }
        const char *end;
        if (r->csv) {
            size_t at = csv_scan(&scan, b->data, (size_t)got, r->separator,
                                 r->terminator);
            b->oversized_lines = scan.lines;
            end = at < (size_t)got ? b->data + at : NULL;
        } else {
            end = memchr(b->data, r->terminator, (size_t)got);
        }
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

/* Opens the named pipe that is the current input, now that its turn has
 * come, which waits for its writer.  Returns false with r->error set if
 * it cannot. */
int reader_open_in_turn(const char *name)
{
    int fd;
    do
        fd = open(name, O_RDONLY);
    while (fd < 0 && errno == EINTR && !signals_caught());
    if (fd >= 0)
        enlarge_pipe(fd);
    return fd;
}

static bool open_in_turn(struct reader *r)
{
    int fd = reader_open_in_turn(r->names[r->current]);
    if (fd < 0) {
        r->error = errno;
        return false;
    }
    r->fds[r->current] = fd;
    return true;
}

/* Starts the decoding of the compressed inputs from the current one on,
 * in order, as long as their formats are known and fewer than
 * r->decoders run.  HEAD holds the LEN first bytes of the current input,
 * already read. */
static void start_decodings(struct reader *r, const unsigned char *head,
                            size_t len)
{
    for (size_t i = r->current; i < r->count && r->decoding < r->decoders;
         i++) {
        struct input_seen *seen = &r->seen[i];
        if (!seen->detected)
            break;
        if (seen->format == DECODE_PLAIN || seen->prefetch)
            continue;
        seen->prefetch = prefetch_start(r->fds[i], seen->format,
                                        i == r->current ? head : NULL,
                                        i == r->current ? len : 0,
                                        r->terminator);
        r->decoding++;
    }
}

/* Reads the first bytes of the current input, whose format is not known
 * yet, until they tell it, into r->head.  Returns false with r->error
 * set if they cannot be read or tell a format that cannot be. */
static bool detect_in_turn(struct reader *r)
{
    struct input_seen *seen = &r->seen[r->current];
    int fd = r->fds[r->current];
    /* Standard input may be a regular file, already partly read: its
     * bytes are looked at where it was left, without taking them. */
    if (!detect_at_open(r, r->current, true))
        return false;
    if (seen->detected)
        return true;
    bool at_end = false;
    while (!decode_detect(r->head, r->head_len, at_end, &seen->format)) {
        ssize_t got = read(fd, r->head + r->head_len,
                           sizeof r->head - r->head_len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            r->error = errno;
            return false;
        }
        at_end = got == 0;
        r->head_len += (size_t)got;
    }
    seen->detected = true;
    const char *refusal = decode_refusal(seen->format);
    if (refusal) {
        r->error = READER_DECODE;
        snprintf(r->message, sizeof r->message, "%s", refusal);
        return false;
    }
    return true;
}

/* Notes where the current input starts and ends, and whether it can be
 * cut without reading; opens it first if its turn was awaited, and finds
 * its format if that is not known yet.  Returns false with r->error set
 * if it cannot be opened or read. */
static bool start_input(struct reader *r)
{
    if (r->fds[r->current] == READER_NOT_OPENED && !open_in_turn(r))
        return false;
    struct input_seen *seen = &r->seen[r->current];
    r->head_len = r->head_taken = 0;
    if (!seen->detected && !detect_in_turn(r))
        return false;
    start_decodings(r, r->head, r->head_len);
    r->prefetch = seen->prefetch;
    if (r->prefetch)
        r->head_len = 0;    /* the decoding has them */
    off_t at = lseek(r->fds[r->current], 0, SEEK_CUR);
    r->sized = seen->sized && at >= 0;
    r->offset = r->sized ? (uint64_t)at : 0;
    r->end = r->sized && seen->size > r->offset ? seen->size : r->offset;
    r->cutting = r->sized && r->workers_read && !r->prefetch;
    r->started = true;
    r->fresh = true;
    return true;
}

/* Stops cutting the current input: it is read in order from the next
 * record on.  Sets r->error if it cannot seek there. */
static void stop_cutting(struct reader *r)
{
    r->cutting = false;
    if (lseek(r->fds[r->current], (off_t)r->offset, SEEK_SET) < 0)
        r->error = errno;
}

/* Makes B the next span of the current input, about a block long and
 * ending with a whole record, for a worker to read; false, with nothing
 * cut, where the input is to be read in order from here on (or on a read
 * error, which r->error then holds). */
static bool cut_block(struct reader *r, struct block *b)
{
    size_t window = r->batch < CUT_WINDOW ? r->batch : CUT_WINDOW;
    /* Far enough from the end that the file growing or shrinking as it
     * is read cannot change where this block ends. */
    if (r->end - r->offset <= (uint64_t)r->batch + CUT_WINDOW) {
        stop_cutting(r);
        return false;
    }
    char look[CUT_WINDOW];
    uint64_t at = r->offset + r->batch - window;
    ssize_t got = read_at(r->fds[r->current], look, window, at);
    if (got < 0) {
        r->error = errno;
        return false;
    }
    const char *last = memrchr(look, r->terminator, (size_t)got);
    if (!last) {
        stop_cutting(r);
        return false;
    }
    size_t len = (size_t)(at - r->offset) + (size_t)(last - look) + 1;
    block_reserve(b, len);
    b->len = len;
    b->unread = true;
    b->terminator = r->terminator;
    b->fd = r->fds[r->current];
    b->offset = r->offset;
    r->offset += len;
    r->bytes_read += len;
    return true;
}

/* How long the records read into a block from a pipe or terminal may wait
 * for more, once a read has found it empty.  Long enough for a fast
 * writer to refill the pipe, so that its blocks stay whole. */
enum { LIVE_WAIT_MS = 10 };

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Whether the records read so far from the pipe or terminal FD are to go
 * on as a short block rather than wait, perhaps for ever, for the block
 * to fill: the line a log writer has just written must come out now.
 * GOT bytes were read of WANTED; *SINCE is when a read of this block
 * first found FD empty (-1 until then).  A regular file reads short only
 * at its end, or a page at a time for a kernel's file, and is always
 * ready: at worst its blocks come smaller. */
static bool drained(int fd, size_t got, size_t wanted, int64_t *since)
{
    if (got == 0 || got == wanted)
        return false;
    int64_t now = monotonic_ms();
    if (*since < 0)
        *since = now;
    int64_t left = LIVE_WAIT_MS - (now - *since);
    if (left <= 0)
        return true;
    struct pollfd ready = { .fd = fd, .events = POLLIN };
    return poll(&ready, 1, (int)left) == 0;
}

/* The error an input whose first bytes are the LEN at DATA is, for the
 * byte-order mark it starts with, or 0. */
static int encoding_error(const char *data, size_t len)
{
    /* UTF-32's little-endian mark starts with UTF-16's. */
    if (len >= 4 && (memcmp(data, "\xFF\xFE\0\0", 4) == 0
                     || memcmp(data, "\0\0\xFE\xFF", 4) == 0))
        return READER_UTF32;
    if (len >= 2 && (memcmp(data, "\xFF\xFE", 2) == 0
                     || memcmp(data, "\xFE\xFF", 2) == 0))
        return READER_UTF16;
    return 0;
}

/* reader_fill, but for the check of an input's encoding. */
static bool fill_block(struct reader *r, struct block *b)
{
    while (r->current < r->count) {
        if (!r->started && !start_input(r))
            return false;
        start_block(r, b);
        if (r->cutting && cut_block(r, b))
            return true;
        if (r->error)
            return false;
        int fd = r->fds[r->current];
        int64_t since = -1;
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
            size_t wanted = b->cap - b->len;
            ssize_t got = read_input(r, fd, b->data + b->len, wanted);
            if (got < 0)
                return false;
            if (got == 0)
                r->at_eof = true;
            b->len += (size_t)got;
            /* A decoding hands out whole chunks, short only when its
             * input went quiet. */
            if ((r->prefetch ? prefetch_paused(r->prefetch)
                             : drained(fd, (size_t)got, wanted, &since))
                && cut_at_last_record(r, b))
                return true;
        }
        if (!stop_decoding(r, r->current)) {
            r->error = READER_DECODE;
            snprintf(r->message, sizeof r->message,
                     "its decoding does not end");
            return false;
        }
        r->prefetch = NULL;
        /* Workers may still be reading blocks cut from it. */
        if (!r->workers_read || !r->sized)
            close_input(r, r->current);
        r->current++;
        r->at_eof = false;
        r->started = false;
    }
    return false;
}

bool reader_fill(struct reader *r, struct block *b)
{
    if (!fill_block(r, b))
        return false;
    if (b->starts_input && !b->unread && !b->oversized)
        r->error = encoding_error(b->data, b->len);
    return r->error == 0;
}

bool reader_load(struct block *b)
{
    size_t done = 0;
    while (done < b->len) {
        uint64_t at = b->offset + done;
        size_t len = b->len - done;
        rewritten_at(&at, &len);
        ssize_t got = read_at(b->fd, b->data + done, len, at);
        if (got <= 0) {
            b->read_error = got < 0 ? errno : READER_SHRANK;
            return false;
        }
        done += (size_t)got;
    }
    /* The cut ended the span at a terminator; if it is gone, the file
     * was rewritten, and its records here and in the next span are no
     * longer whole. */
    if (b->data[b->len - 1] != b->terminator) {
        b->read_error = READER_CHANGED;
        return false;
    }
    if (b->starts_input && (b->read_error = encoding_error(b->data, b->len)))
        return false;
    b->unread = false;
    return true;
}

bool reader_error_is_read(int error)
{
    return error != READER_UTF16 && error != READER_UTF32;
}

const char *reader_error_text(int error)
{
    switch (error) {
    case READER_SHRANK:
        return "the file shrank while it was read";
    case READER_CHANGED:
        return "the file changed while it was read";
    case READER_DECODE:
        return "it cannot be decoded";
    case READER_UTF16:
        return "UTF-16 input is not supported; convert it with iconv";
    case READER_UTF32:
        return "UTF-32 input is not supported; convert it with iconv";
    default:
        return strerror(error);
    }
}
