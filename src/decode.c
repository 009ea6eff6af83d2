/* decode: magic bytes, refusals, and gzip and zstd streams.
 *
 * A stream is read as the tools that write it mean it to be: gzip as one
 * member or several one after another (pigz and logrotate's
 * concatenations), zstd as one frame or several, skippable ones included.
 * Between members or frames the input may end; anywhere else its end is
 * a truncation.  What follows a member or frame must be another one:
 * anything else is trailing garbage, not text to read on.  Each member's
 * CRC and length, and each zstd frame's checksum when it has one, are
 * checked by the library that decodes it.
 *
 * gzip is decoded with ISA-L's igzip where the build has it, about three
 * times as fast as zlib on the same members, and with zlib otherwise.
 * zlib is the reference: the igzip path accepts exactly the streams zlib
 * accepts, and describes each damage in zlib's words. */
#include "config.h"

#include "decode.h"
#include "diag.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined HAVE_ISAL
#include <isa-l/igzip_lib.h>
#elif defined HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef HAVE_ZSTD
#include <zstd.h>
#include <zstd_errors.h>
#endif

/* Each format's first bytes.  A zstd input may also start with a
 * skippable frame, whose first byte is any of 0x50 to 0x5f. */
static const struct magic {
    enum decode_format format;
    unsigned char bytes[DECODE_MAGIC_MAX];
    size_t len;
} magics[] = {
    { DECODE_GZIP,  { 0x1f, 0x8b }, 2 },
    { DECODE_ZSTD,  { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
    { DECODE_ZSTD,  { 0x50, 0x2a, 0x4d, 0x18 }, 4 },
    { DECODE_BZIP2, { 'B', 'Z', 'h' }, 3 },
    { DECODE_XZ,    { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
    { DECODE_LZ4,   { 0x04, 0x22, 0x4d, 0x18 }, 4 },
    { DECODE_LZ4,   { 0x02, 0x21, 0x4c, 0x18 }, 4 },   /* legacy frame */
};

/* Whether byte I of an input, B, matches byte I of magic M. */
static bool magic_byte(const struct magic *m, size_t i, unsigned char b)
{
    if (m->format == DECODE_ZSTD && m->bytes[0] == 0x50 && i == 0)
        return (b & 0xf0) == 0x50;
    return b == m->bytes[i];
}

bool decode_detect(const unsigned char *head, size_t len, bool at_end,
                   enum decode_format *format)
{
    bool undecided = false;
    for (size_t k = 0; k < sizeof magics / sizeof *magics; k++) {
        const struct magic *m = &magics[k];
        size_t i = 0;
        while (i < m->len && i < len && magic_byte(m, i, head[i]))
            i++;
        if (i == m->len) {
            *format = m->format;
            return true;
        }
        if (i == len && !at_end)
            undecided = true;
    }
    if (undecided)
        return false;
    *format = DECODE_PLAIN;
    return true;
}

/* Each format's name in messages, and the program that reads it. */
static const struct format_name {
    const char *name;
    const char *tool;
} format_names[] = {
    [DECODE_PLAIN] = { "plain", "cat" },
    [DECODE_GZIP]  = { "gzip", "zcat" },
    [DECODE_ZSTD]  = { "zstd", "zstdcat" },
    [DECODE_BZIP2] = { "bzip2", "bzcat" },
    [DECODE_XZ]    = { "xz", "xzcat" },
    [DECODE_LZ4]   = { "lz4", "lz4cat" },
};

const char *decode_refusal(enum decode_format format)
{
    switch (format) {
    case DECODE_PLAIN:
        return NULL;
    case DECODE_GZIP:
#if defined HAVE_ISAL || defined HAVE_ZLIB
        return NULL;
#else
        return "gzip-compressed input is not supported by this build;"
               " use zcat";
#endif
    case DECODE_ZSTD:
#ifdef HAVE_ZSTD
        return NULL;
#else
        return "zstd-compressed input is not supported by this build;"
               " use zstdcat";
#endif
    case DECODE_BZIP2:
        return "bzip2-compressed input is not supported; use bzcat";
    case DECODE_XZ:
        return "xz-compressed input is not supported; use xzcat";
    case DECODE_LZ4:
        return "lz4-compressed input is not supported; use lz4cat";
    }
    return NULL;
}

/* Compressed bytes read from the descriptor at a time. */
enum { RAW_SIZE = 128 * 1024 };

struct decode_stream {
    int fd;
    enum decode_format format;
    unsigned char *raw;         /* RAW_SIZE bytes read from fd */
    size_t next, avail;         /* the bytes of raw not decoded yet */
    bool eof;                   /* fd has no more */
    bool between;               /* between members or frames, where the
                                   input may end */
    bool ended;                 /* the whole stream has been decoded */
    bool hungry;                /* the last step left room for output, so
                                   the decoder holds nothing more */
    char terminator;
    uint64_t lines;             /* decoded terminators so far */
    uint64_t compressed, decoded;
    char error[128];            /* what went wrong; empty if nothing */
#if defined HAVE_ISAL
    struct inflate_state *igzip;
    unsigned char tail[8];      /* the last compressed bytes decoded: at a
                                   member's end, its CRC and length */
#elif defined HAVE_ZLIB
    z_stream z;
#endif
#ifdef HAVE_ZSTD
    ZSTD_DCtx *zstd;
#endif
};

struct decode_stream *decode_stream_new(int fd, enum decode_format format,
                                        const unsigned char *head,
                                        size_t len, char terminator)
{
    struct decode_stream *s = xcalloc(1, sizeof *s);
    s->fd = fd;
    s->format = format;
    s->raw = xmalloc(RAW_SIZE);
    if (len > 0)                /* HEAD may be NULL then */
        memcpy(s->raw, head, len);
    s->avail = len;
    s->compressed = len;
    s->between = true;
    s->hungry = true;
    s->terminator = terminator;
#if defined HAVE_ISAL
    if (format == DECODE_GZIP)
        s->igzip = xmalloc(sizeof *s->igzip);
#elif defined HAVE_ZLIB
    if (format == DECODE_GZIP) {
        /* 16 + 15: a gzip wrapper, the largest window. */
        int rc = inflateInit2(&s->z, 16 + 15);
        if (rc == Z_MEM_ERROR)
            diag_out_of_memory();
        if (rc != Z_OK)
            diag_fatal("cannot start gzip decoding: %s",
                       s->z.msg ? s->z.msg : "zlib error");
    }
#endif
#ifdef HAVE_ZSTD
    if (format == DECODE_ZSTD && !(s->zstd = ZSTD_createDCtx()))
        diag_out_of_memory();
#endif
    return s;
}

void decode_stream_free(struct decode_stream *s)
{
    if (!s)
        return;
#if defined HAVE_ISAL
    free(s->igzip);
#elif defined HAVE_ZLIB
    if (s->format == DECODE_GZIP)
        inflateEnd(&s->z);
#endif
#ifdef HAVE_ZSTD
    ZSTD_freeDCtx(s->zstd);
#endif
    free(s->raw);
    free(s);
}

/* Records what went wrong, as "FORMAT input WHAT", and returns -1;
 * decode_stream_read adds the line reached once it has counted what the
 * failed step decoded. */
static ssize_t fail(struct decode_stream *s, const char *what)
{
    snprintf(s->error, sizeof s->error, "%s input %s",
             format_names[s->format].name, what);
    return -1;
}

/* Adds " at line N" to the error, N the decoded line reached, and
 * returns -1. */
static ssize_t at_line(struct decode_stream *s)
{
    size_t len = strlen(s->error);
    snprintf(s->error + len, sizeof s->error - len, " at line %llu",
             (unsigned long long)s->lines + 1);
    return -1;
}

/* Reads more compressed bytes after those not yet decoded, until at
 * least WANT are there or the input ends.  Returns false on a read
 * error. */
static bool read_raw(struct decode_stream *s, size_t want)
{
    if (s->next > 0) {
        memmove(s->raw, s->raw + s->next, s->avail);
        s->next = 0;
    }
    while (s->avail < want && !s->eof) {
        ssize_t got = read(s->fd, s->raw + s->avail, RAW_SIZE - s->avail);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(s->error, sizeof s->error, "read error: %s",
                     strerror(errno));
            return false;
        }
        if (got == 0)
            s->eof = true;
        s->avail += (size_t)got;
        s->compressed += (uint64_t)got;
    }
    return true;
}

/* Between members or frames, whether the bytes not yet decoded start
 * another one of the stream's format (at least DECODE_MAGIC_MAX of them
 * are there unless the input ends). */
static bool starts_another(const struct decode_stream *s)
{
    enum decode_format format;
    return decode_detect(s->raw + s->next, s->avail, true, &format)
        && format == s->format;
}

#if defined HAVE_ISAL
/* Keeps the last bytes of the LEN compressed bytes at FROM, which a step
 * has just decoded, in s->tail. */
static void keep_tail(struct decode_stream *s, const unsigned char *from,
                      size_t len)
{
    size_t keep = sizeof s->tail;
    if (len >= keep) {
        memcpy(s->tail, from + len - keep, keep);
        return;
    }
    memmove(s->tail, s->tail + len, keep - len);
    memcpy(s->tail + keep - len, from, len);
}

static uint32_t little_endian32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16
         | (uint32_t)b[3] << 24;
}

/* zlib's words for the damage igzip found, RC.  igzip reports a wrong
 * CRC and a wrong length alike, at the end of the member, whose trailer
 * it has just decoded into s->tail: zlib checks the CRC first. */
static const char *gzip_damage(const struct decode_stream *s, int rc)
{
    switch (rc) {
    case ISAL_INCORRECT_CHECKSUM:
        return little_endian32(s->tail) != s->igzip->crc ? "CRC mismatch"
                                                          : "length mismatch";
    case ISAL_INVALID_BLOCK:
        return "invalid block type";
    case ISAL_INVALID_SYMBOL:
        return "invalid code";
    case ISAL_INVALID_LOOKBACK:
        return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER:
        return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD:
        return "unknown compression method";
    default:
        return "invalid data";
    }
}

/* Decodes from the raw bytes into BUF with igzip; sets *PRODUCED.  The
 * header, the CRC and the length are igzip's to check (ISAL_GZIP); at a
 * member's end it hands back the bytes it read ahead, so that what
 * follows is looked at as zlib's path looks at it. */
static ssize_t step_gzip(struct decode_stream *s, unsigned char *buf,
                         size_t len, size_t *produced)
{
    struct inflate_state *st = s->igzip;
    if (s->between) {
        isal_inflate_init(st);
        st->crc_flag = ISAL_GZIP;
        s->between = false;
    }
    st->next_in = s->raw + s->next;
    st->avail_in = (uint32_t)s->avail;
    st->next_out = buf;
    st->avail_out = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    uint32_t out_before = st->avail_out;
    int rc = isal_inflate(st);
    keep_tail(s, s->raw + s->next, (size_t)(st->next_in - s->raw) - s->next);
    s->next = (size_t)(st->next_in - s->raw);
    s->avail = st->avail_in;
    *produced = out_before - st->avail_out;
    if (rc == ISAL_DECOMP_OK || rc == ISAL_END_INPUT) {
        if (st->block_state == ISAL_BLOCK_FINISH)
            s->between = true;
        return 0;
    }
    char what[96];
    snprintf(what, sizeof what, "is corrupt (%s)", gzip_damage(s, rc));
    return fail(s, what);
}
#elif defined HAVE_ZLIB
/* Decodes from the raw bytes into BUF; sets *PRODUCED. */
static ssize_t step_gzip(struct decode_stream *s, unsigned char *buf,
                         size_t len, size_t *produced)
{
    if (s->between) {
        inflateReset(&s->z);
        s->between = false;
    }
    s->z.next_in = s->raw + s->next;
    s->z.avail_in = (uInt)s->avail;
    s->z.next_out = buf;
    s->z.avail_out = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
    uInt out_before = s->z.avail_out;
    int rc = inflate(&s->z, Z_NO_FLUSH);
    s->next += s->avail - s->z.avail_in;
    s->avail = s->z.avail_in;
    *produced = out_before - s->z.avail_out;
    switch (rc) {
    case Z_OK:
    case Z_BUF_ERROR:           /* wants more input */
        return 0;
    case Z_STREAM_END:
        s->between = true;
        return 0;
    case Z_MEM_ERROR:
        diag_out_of_memory();
    default: {
        const char *msg = s->z.msg ? s->z.msg : "invalid data";
        char what[96];
        snprintf(what, sizeof what, "is corrupt (%s)",
                 strcmp(msg, "incorrect data check") == 0 ? "CRC mismatch"
                 : strcmp(msg, "incorrect length check") == 0
                 ? "length mismatch" : msg);
        return fail(s, what);
    }
    }
}
#endif

#ifdef HAVE_ZSTD
static ssize_t step_zstd(struct decode_stream *s, unsigned char *buf,
                         size_t len, size_t *produced)
{
    ZSTD_inBuffer in = { s->raw + s->next, s->avail, 0 };
    ZSTD_outBuffer out = { buf, len, 0 };
    size_t rc = ZSTD_decompressStream(s->zstd, &out, &in);
    s->between = false;
    s->next += in.pos;
    s->avail -= in.pos;
    *produced = out.pos;
    if (ZSTD_isError(rc)) {
        if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation)
            diag_out_of_memory();
        char what[96];
        snprintf(what, sizeof what, "is corrupt (%s)",
                 ZSTD_getErrorCode(rc) == ZSTD_error_checksum_wrong
                 ? "checksum mismatch" : ZSTD_getErrorName(rc));
        return fail(s, what);
    }
    /* 0: a frame is decoded and all of it handed out. */
    s->between = rc == 0;
    return 0;
}
#endif

/* Counts the LEN bytes at BUF as decoded, and the lines they end. */
static void count_lines(struct decode_stream *s, const char *buf, size_t len)
{
    const char *at = buf, *end = buf + len;
    while ((at = memchr(at, s->terminator, (size_t)(end - at)))) {
        s->lines++;
        at++;
    }
    s->decoded += len;
}

/* One call of the format's decoder. */
static ssize_t step(struct decode_stream *s, unsigned char *buf, size_t len,
                    size_t *produced)
{
    *produced = 0;
    switch (s->format) {
#if defined HAVE_ISAL || defined HAVE_ZLIB
    case DECODE_GZIP:
        return step_gzip(s, buf, len, produced);
#endif
#ifdef HAVE_ZSTD
    case DECODE_ZSTD:
        return step_zstd(s, buf, len, produced);
#endif
    default:
        /* Unused in a build without decoders. */
        (void)buf;
        (void)len;
        return fail(s, "is in a format this build cannot read");
    }
}

ssize_t decode_stream_read(struct decode_stream *s, void *buf, size_t len)
{
    if (s->error[0])
        return -1;
    while (!s->ended) {
        size_t want = s->between ? DECODE_MAGIC_MAX : 1;
        if (s->avail < want && !s->eof && !read_raw(s, want))
            return -1;
        if (s->between && s->avail == 0 && s->eof) {
            s->ended = true;
            break;
        }
        if (s->between && !starts_another(s)) {
            fail(s, "has trailing garbage");
            return at_line(s);
        }
        /* A decoder that filled the last buffer may hold more output
         * without needing input. */
        if (s->avail == 0 && s->eof && s->hungry) {
            fail(s, "is truncated");
            return at_line(s);
        }
        size_t produced;
        ssize_t rc = step(s, buf, len, &produced);
        s->hungry = produced < len;
        count_lines(s, buf, produced);
        if (rc < 0)
            return at_line(s);
        if (produced > 0)
            return (ssize_t)produced;
    }
    return 0;
}

bool decode_stream_starved(const struct decode_stream *s)
{
    size_t want = s->between ? DECODE_MAGIC_MAX : 1;
    return !s->error[0] && !s->ended && !s->eof && s->hungry
        && s->avail < want;
}

bool decode_stream_quiet(const struct decode_stream *s, int milliseconds)
{
    if (!decode_stream_starved(s))
        return false;
    struct pollfd ready = { .fd = s->fd, .events = POLLIN };
    return poll(&ready, 1, milliseconds) == 0;
}

const char *decode_stream_error(const struct decode_stream *s)
{
    return s->error;
}

uint64_t decode_stream_compressed(const struct decode_stream *s)
{
    return s->compressed;
}

uint64_t decode_stream_decoded(const struct decode_stream *s)
{
    return s->decoded;
}
