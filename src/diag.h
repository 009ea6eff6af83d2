/* diag: the program's name and every message fanout writes to standard
 * error outside the per-record reports: errors, usage errors, and the
 * quoting of untrusted input inside messages. */
#ifndef FANOUT_DIAG_H
#define FANOUT_DIAG_H

#include <stddef.h>

extern const char *program_name;

/* Writes "fanout: MESSAGE\n" to standard error. */
void diag_error(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* Writes "fanout: MESSAGE\n" and the pointer to --help. */
void diag_usage_error(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* Writes the pointer to --help that ends every usage error. */
void diag_try_help(void);

/* Reports that memory ran out and ends the process with status 2.  Kept
 * apart so that allocation failure has one exit and one message. */
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
