/* writer: buffered output to a file descriptor where every write is
 * checked.  The first failure is remembered and later writes are dropped,
 * so callers may test once, at a point of their choosing. */
#ifndef FANOUT_WRITER_H
#define FANOUT_WRITER_H

#include <stdbool.h>
#include <stddef.h>

struct writer;

/* A writer onto FD with a buffer of BUFSIZE bytes.  The writer does not
 * own FD unless writer_close is called.  FD -1 stands for a closed
 * descriptor: writing anything to it fails with EBADF. */
struct writer *writer_new(int fd, size_t bufsize);

/* A writer into memory, whose buffer grows to hold everything put into
 * it, for output made on one thread and written on another. */
struct writer *writer_new_memory(size_t bufsize);

/* The bytes put into the memory writer W since it was made or emptied,
 * LEN of them; valid until the next write. */
const char *writer_contents(const struct writer *w, size_t *len);

/* Forgets the contents of the memory writer W, keeping its room. */
void writer_empty(struct writer *w);

/* Makes W call BEFORE(ARG) just before each time it hands bytes to its
 * descriptor: standard error uses it to take the progress line down
 * before a message lands on it. */
void writer_before_output(struct writer *w, void (*before)(void *),
                          void *arg);

/* Makes W go on writing after a termination signal has been caught, for
 * the last words of a run that is about to die by it; by default a
 * writer gives up at once, so that a stalled reader cannot hold us. */
void writer_write_after_signal(struct writer *w);

/* Makes W, when its buffer is full, hand it over only up to its last
 * newline, keeping a line begun for later: several processes may share
 * one standard error, and one's write must not cut another's line.  (A
 * line longer than the buffer still goes out in parts.) */
void writer_whole_lines(struct writer *w);

/* Appends LEN bytes; returns false once any write has failed. */
bool writer_put(struct writer *w, const void *data, size_t len);
bool writer_putc(struct writer *w, char c);
bool writer_puts(struct writer *w, const char *s);

/* Hands everything buffered to the kernel; returns false on failure. */
bool writer_flush(struct writer *w);

/* errno of the first failed write, or 0. */
int writer_error(const struct writer *w);

/* Bytes handed to the kernel so far. */
unsigned long long writer_written(const struct writer *w);

/* Flushes, closes the descriptor and frees W.  Returns 0, or the errno
 * of the first failure, the close included. */
int writer_close(struct writer *w);

/* Frees W without flushing or closing. */
void writer_free(struct writer *w);

#endif
