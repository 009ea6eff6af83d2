/* diag: the program's name and every message fanout writes to standard
 * error outside the per-record reports: errors, usage errors, and the
 * quoting of untrusted input inside messages.  It also keeps the error
 * messages of the run for its --stats=json record, and holds them back
 * from standard error when that record must be all there is (--quiet
 * --stats=json).  Standard error is one per process, like the program's
 * name, so this state is the module's own rather than passed around. */
#ifndef FANOUT_DIAG_H
#define FANOUT_DIAG_H

#include <stdbool.h>
#include <stddef.h>

extern const char *program_name;

/* Writes "fanout: MESSAGE\n" to standard error and keeps MESSAGE as an
 * error of the run. */
void diag_error(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* Writes "fanout: MESSAGE\n" and the pointer to --help; keeps MESSAGE. */
void diag_usage_error(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* Writes the pointer to --help that ends every usage error. */
void diag_try_help(void);

/* Writes "fanout: MESSAGE\n", a message that is no error (the summary of
 * the run), so it is not kept. */
void diag_note(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* From now on, writes none of the messages above, only keeps the errors:
 * the run's JSON record will carry them.  Call before any thread starts. */
void diag_hold(void);

/* Whether messages are held back. */
bool diag_holding(void);

/* Error messages kept in full; later ones are only counted. */
enum { DIAG_KEPT_MAX = 16 };

/* How many error messages were reported so far, kept or not.  Any
 * thread may report; the main thread reads. */
size_t diag_error_count(void);

/* Error message I (I < DIAG_KEPT_MAX), without the program's name, or
 * NULL if it is not there (not kept for want of memory, or still being
 * kept by another thread). */
const char *diag_error_message(size_t i);

/* Writes into OUT (DIAG_TIME_SIZE bytes) the current time in UTC as ISO
 * 8601, like 2026-12-06T07:13:17Z. */
enum { DIAG_TIME_SIZE = 24 };
void diag_utc_time(char *out);

/* Reports MESSAGE, an error that leaves no way to go on, and ends the
 * process with status 2 at once.  When messages are held it writes a
 * short JSON record instead (time, final, exit_status, errors), so that
 * standard error still holds nothing but JSON Lines. */
_Noreturn void diag_fatal(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* Reports that memory ran out and ends the process with status 2, as
 * diag_fatal does, without needing memory to do it.  Kept apart so that
 * allocation failure has one exit and one message. */
_Noreturn void diag_out_of_memory(void);

/* Longest excerpt of input shown inside a message, in input bytes. */
enum { DIAG_EXCERPT_MAX = 64 };
/* Room an escaped excerpt can need: each byte may become "\xHH", plus "..."
 * and the terminating NUL. */
enum { DIAG_EXCERPT_SIZE = DIAG_EXCERPT_MAX * 4 + 4 };

/* Writes into OUT (DIAG_EXCERPT_SIZE bytes) a printable excerpt of the LEN
 * bytes at TEXT: valid UTF-8 stays as it is, control characters (C0, DEL
 * and C1) and bytes that are not valid UTF-8 become \xHH, a backslash
 * becomes \\, and input beyond DIAG_EXCERPT_MAX bytes is cut and marked
 * with "...".
 * Returns the length written, without the NUL. */
size_t diag_excerpt(char *out, const char *text, size_t len);

/* A file name as messages show it: escaped as excerpts are, but whole,
 * so that a name cannot start a line of its own or reprogram a terminal.
 * Returns a string the caller frees. */
char *diag_name(const char *name);

#ifdef FANOUT_FAULT_INJECTION
#include <stdatomic.h>
#include <stdbool.h>
/* Whether the operation counted by COUNTER should fail now: true on the
 * Nth call when the environment variable VARIABLE is N.  Test builds
 * only (configure --enable-fault-injection). */
bool diag_inject_failure(const char *variable, atomic_ulong *counter);
#endif

/* malloc and realloc that never return NULL. */
void *xmalloc(size_t size);
void *xrealloc(void *ptr, size_t size);
void *xcalloc(size_t count, size_t size);

#endif
