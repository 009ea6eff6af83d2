/* progress: the status line of --progress on standard error.  While a run
 * goes on it owns the last line of the terminal: the main thread redraws
 * the line in place a few times a second, and everything else written to
 * standard error meanwhile goes through a writer that first takes the
 * line down (progress_clear), so that no message lands on top of it; the
 * next refresh draws it again below the message.  Where standard error is
 * not a terminal (--progress=always into a file or a pipe), nothing can
 * be redrawn in place: each refresh writes a whole line of its own, for
 * a log to keep, and a JSON line where standard error holds only JSON
 * Lines.  The line never goes to standard output. */
#ifndef FANOUT_PROGRESS_H
#define FANOUT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct stats;
struct writer;

/* When --progress draws the line: never, only on a terminal, or always. */
enum progress_when { PROGRESS_NEVER, PROGRESS_AUTO, PROGRESS_ALWAYS };

struct progress;

/* A status line on FD about the run that S counts, or NULL when WHEN
 * says there is none: PROGRESS_AUTO draws only if FD is a terminal.
 * JSON says that, when FD is not a terminal, each line is a JSON object.
 * S must outlive the line. */
struct progress *progress_new(int fd, enum progress_when when, bool json,
                              const struct stats *s);

/* Takes the line down and frees P, which may be NULL. */
void progress_free(struct progress *p);

/* If it is time to, flushes MESSAGES (so that what they hold appears
 * above the line) and redraws the line with RECORDS, the records
 * accounted for so far.  The first line is drawn a refresh interval after
 * the start, so that a short run draws none.  Main thread only. */
void progress_update(struct progress *p, uint64_t records,
                     struct writer *messages);

/* Takes the line down if it is shown.  P is a struct progress; the shape
 * suits writer_before_output. */
void progress_clear(void *p);

#endif
