/* prefetch: decoding a compressed input on a thread of its own, ahead of
 * the producer that cuts its decoded bytes into blocks.  It owns that
 * thread and the few chunks of decoded bytes that bound how far the
 * decoding may run ahead. */
#ifndef FANOUT_PREFETCH_H
#define FANOUT_PREFETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "decode.h"

struct prefetch;

/* Starts decoding the input on FD in FORMAT, whose first LEN bytes, at
 * HEAD, were already read from it, lines ending at TERMINATOR.  FD is
 * not owned, and must stay open until prefetch_stop. */
struct prefetch *prefetch_start(int fd, enum decode_format format,
                                const unsigned char *head, size_t len,
                                char terminator);

/* Copies up to LEN decoded bytes into BUF, in order, waiting for them.
 * Returns how many, 0 at the end of a whole stream, or -1 if it cannot
 * be read or is damaged, which prefetch_error describes.  One thread at
 * a time. */
ssize_t prefetch_read(struct prefetch *p, void *buf, size_t len);

/* Whether the bytes prefetch_read returned last end what the input held
 * when its writer went quiet: a live pipe's records, to go on now.  For
 * the thread that reads. */
bool prefetch_paused(const struct prefetch *p);

/* What went wrong, once prefetch_read has returned -1. */
const char *prefetch_error(const struct prefetch *p);

/* Compressed bytes read and decoded bytes made so far; any thread. */
uint64_t prefetch_compressed(const struct prefetch *p);
uint64_t prefetch_decoded(const struct prefetch *p);

/* Stops the decoding, waits up to MILLISECONDS for its thread (which may
 * be blocked in a read that never returns) and frees P.  Returns false,
 * leaving P and its descriptor to the end of the process, if the thread
 * did not end in time. */
bool prefetch_stop(struct prefetch *p, long milliseconds);

#endif
