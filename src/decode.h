/* decode: compressed input.  It owns recognising a compression format by
 * the first bytes of an input, the refusal of the formats fanout does not
 * read, and the decoding of gzip and zstd streams read from a descriptor
 * into plain bytes, with every way such a stream can be damaged found
 * and described. */
#ifndef FANOUT_DECODE_H
#define FANOUT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum decode_format {
    DECODE_PLAIN,
    DECODE_GZIP,
    DECODE_ZSTD,
    DECODE_BZIP2,
    DECODE_XZ,
    DECODE_LZ4
};

/* The most bytes decode_detect needs to decide. */
enum { DECODE_MAGIC_MAX = 6 };

/* Decides the format of an input from the LEN bytes at HEAD that start
 * it; AT_END says that no more follow.  Returns false, deciding nothing,
 * while HEAD may still be the start of a format's magic bytes and more
 * may follow. */
bool decode_detect(const unsigned char *head, size_t len, bool at_end,
                   enum decode_format *format);

/* Why this build does not read input in FORMAT, as a phrase such as
 * "bzip2-compressed input is not supported; use bzcat", or NULL if it
 * does (plain input included). */
const char *decode_refusal(enum decode_format format);

/* A stream of decoded bytes from a descriptor.  One thread at a time. */
struct decode_stream;

/* Decodes the input on FD in FORMAT (one this build reads, not plain),
 * whose first LEN bytes, at HEAD, were already read from FD.  Decoded
 * lines are counted at each TERMINATOR.  FD is not owned. */
struct decode_stream *decode_stream_new(int fd, enum decode_format format,
                                        const unsigned char *head,
                                        size_t len, char terminator);
void decode_stream_free(struct decode_stream *s);

/* Decodes up to LEN bytes into BUF.  Returns how many, 0 at the end of a
 * whole stream, or -1 when the stream cannot be read or is damaged,
 * which decode_stream_error then describes. */
ssize_t decode_stream_read(struct decode_stream *s, void *buf, size_t len);

/* Whether all that has been read from the descriptor is decoded and
 * handed out, so that the next decode_stream_read must read more. */
bool decode_stream_starved(const struct decode_stream *s);

/* Whether the stream is starved and nothing arrives on the descriptor
 * within MILLISECONDS: the writer of a live pipe has gone quiet, and a
 * read would wait for it. */
bool decode_stream_quiet(const struct decode_stream *s, int milliseconds);

/* What went wrong, as a phrase naming the decoded line reached, such as
 * "gzip input is truncated after line 12". */
const char *decode_stream_error(const struct decode_stream *s);

/* Compressed bytes read from the descriptor so far, and decoded bytes
 * produced; for the stream's thread. */
uint64_t decode_stream_compressed(const struct decode_stream *s);
uint64_t decode_stream_decoded(const struct decode_stream *s);

#endif
