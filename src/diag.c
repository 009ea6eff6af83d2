/* diag: error messages, the errors kept for the run's record, and
 * allocation that cannot fail silently. */
#include "config.h"

#include "diag.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *program_name = "fanout";

/* The errors of the run, for its JSON record.  A thread that reports
 * takes a slot by counting, then publishes its copy there, so reporting
 * needs no lock and the main thread may read at any time. */
static atomic_size_t errors_reported;
static char *_Atomic errors_kept[DIAG_KEPT_MAX];
static atomic_bool holding;

/* Keeps a copy of the LEN bytes at MESSAGE as the next error. */
static void keep(const char *message, size_t len)
{
    size_t i = atomic_fetch_add(&errors_reported, 1);
    if (i >= DIAG_KEPT_MAX)
        return;
    /* Not xmalloc: a message lost for want of memory is better than a
     * run ended by reporting it. */
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, message, len);
    copy[len] = '\0';
    atomic_store(&errors_kept[i], copy);
}

/* Writes "PROGRAM: MESSAGE\n" in one piece: several fanouts may share one
 * standard error (the pieces of a parallel or Hadoop job), and a message
 * written in parts could be cut by another's.  Only a message too long
 * for the buffer goes out in parts.  An ERROR is kept (cut to the
 * buffer's size), and nothing is written while messages are held. */
static void vreport(bool error, const char *format, va_list args)
{
    char line[4096];
    va_list again;
    va_copy(again, args);
    int head = snprintf(line, sizeof line, "%s: ", program_name);
    int body = head < 0 || (size_t)head >= sizeof line ? -1
             : vsnprintf(line + head, sizeof line - (size_t)head, format,
                         again);
    va_end(again);
    if (error && body >= 0)
        keep(line + head, strlen(line + head));
    if (atomic_load(&holding))
        return;
    if (body >= 0 && (size_t)head + (size_t)body + 1 < sizeof line) {
        line[head + body] = '\n';
        fwrite(line, 1, (size_t)head + (size_t)body + 1, stderr);
        return;
    }
    fprintf(stderr, "%s: ", program_name);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
}

void diag_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vreport(true, format, args);
    va_end(args);
}

void diag_usage_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vreport(true, format, args);
    va_end(args);
    diag_try_help();
}

void diag_try_help(void)
{
    if (!atomic_load(&holding))
        fprintf(stderr, "Try '%s --help' for more information.\n",
                program_name);
}

void diag_note(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vreport(false, format, args);
    va_end(args);
}

void diag_hold(void)
{
    atomic_store(&holding, true);
}

bool diag_holding(void)
{
    return atomic_load(&holding);
}

size_t diag_error_count(void)
{
    return atomic_load(&errors_reported);
}

const char *diag_error_message(size_t i)
{
    return i < DIAG_KEPT_MAX ? atomic_load(&errors_kept[i]) : NULL;
}

void diag_utc_time(char *out)
{
    /* Not time(2), which may read a coarse clock a tick behind the one
     * date(1) and other programs read: a record must never appear to
     * have been written before the run began. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t now = ts.tv_sec;
    struct tm utc;
    if (!gmtime_r(&now, &utc)
        || strftime(out, DIAG_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
        strcpy(out, "1970-01-01T00:00:00Z");
}

/* Writes the last words of a process that must end now: "PROGRAM:
 * MESSAGE\n", or while messages are held the short JSON record, in one
 * write(2) from a buffer on the stack, since memory may be what ran out. */
static void last_words(const char *message)
{
    char line[1024];
    size_t at = 0;
    if (!atomic_load(&holding)) {
        snprintf(line, sizeof line, "%s: %s\n", program_name, message);
        at = strlen(line);
    } else {
        char when[DIAG_TIME_SIZE];
        diag_utc_time(when);
        at = (size_t)snprintf(line, sizeof line, "{\"time\":\"%s\","
                              "\"final\":true,\"exit_status\":2,"
                              "\"errors\":[\"", when);
        /* The messages are fanout's own, ASCII but for what strerror
         * says: escape what JSON requires, keep the rest. */
        for (const char *m = message; *m && at + 8 < sizeof line - 4; m++) {
            unsigned char c = (unsigned char)*m;
            if (c == '"' || c == '\\') {
                line[at++] = '\\';
                line[at++] = (char)c;
            } else if (c < 0x20) {
                at += (size_t)snprintf(line + at, 7, "\\u%04x", c);
            } else {
                line[at++] = (char)c;
            }
        }
        memcpy(line + at, "\"]}\n", 4);
        at += 4;
    }
    ssize_t ignored = write(STDERR_FILENO, line, at);
    (void)ignored;
}

_Noreturn void diag_fatal(const char *format, ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    fflush(stderr);
    last_words(message);
    _exit(2);
}

_Noreturn void diag_out_of_memory(void)
{
    /* write(2) rather than stdio: stdio may itself need memory. */
    last_words("memory exhausted");
    _exit(2);
}

/* Length of the valid UTF-8 sequence at S (at most LEN bytes) that is not
 * a C1 control character, or 0 if S starts none. */
static size_t printable_utf8(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char low = 0x80, high = 0xbf;   /* range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        if (c == 0xc2)
            low = 0xa0;                      /* U+0080..U+009F are C1 */
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            low = 0xa0;                      /* no overlong forms */
        else if (c == 0xed)
            high = 0x9f;                     /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            low = 0x90;
        else if (c == 0xf4)
            high = 0x8f;                     /* nothing past U+10FFFF */
    } else {
        return 0;
    }
    if (len < n || s[1] < low || s[1] > high)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

/* Writes the LEN bytes at S escaped as diag_excerpt says, uncut, into
 * OUT, which has room for 4 * LEN bytes; returns the end of what it
 * wrote. */
static char *escape(char *out, const unsigned char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;

    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n;
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            *p++ = (char)c;
            i++;
        } else if (c == '\\') {
            *p++ = '\\';
            *p++ = '\\';
            i++;
        } else if (c >= 0x80 && (n = printable_utf8(s + i, len - i)) > 0) {
            memcpy(p, s + i, n);
            p += n;
            i += n;
        } else {
            /* Control bytes and bytes that are not valid UTF-8 could move
             * or reprogram a terminal: show them as escapes. */
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
            i++;
        }
    }
    return p;
}

size_t diag_excerpt(char *out, const char *text, size_t len)
{
    size_t shown = len > DIAG_EXCERPT_MAX ? DIAG_EXCERPT_MAX : len;
    char *p = escape(out, (const unsigned char *)text, shown);
    if (shown < len) {
        *p++ = '.';
        *p++ = '.';
        *p++ = '.';
    }
    *p = '\0';
    return (size_t)(p - out);
}

char *diag_name(const char *name)
{
    size_t len = strlen(name);
    char *out = xmalloc(len * 4 + 1);
    *escape(out, (const unsigned char *)name, len) = '\0';
    return out;
}

#ifdef FANOUT_FAULT_INJECTION
/* Test builds only: FANOUT_FAIL_ALLOC=N makes the Nth allocation through
 * these functions fail, counted over all threads, so that a test can walk
 * N over every allocation of a run. */
#include <stdatomic.h>

static atomic_ulong allocations;

bool diag_inject_failure(const char *variable, atomic_ulong *counter)
{
    const char *setting = getenv(variable);
    if (!setting || !*setting)
        return false;
    unsigned long n = strtoul(setting, NULL, 10);
    return atomic_fetch_add(counter, 1) + 1 == n;
}

#define ALLOCATION_FAILS() diag_inject_failure("FANOUT_FAIL_ALLOC", &allocations)
#else
#define ALLOCATION_FAILS() false
#endif

void *xmalloc(size_t size)
{
    void *p = ALLOCATION_FAILS() ? NULL : malloc(size ? size : 1);
    if (!p)
        diag_out_of_memory();
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = ALLOCATION_FAILS() ? NULL : realloc(ptr, size ? size : 1);
    if (!p)
        diag_out_of_memory();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = ALLOCATION_FAILS() ? NULL
                                 : calloc(count ? count : 1, size ? size : 1);
    if (!p)
        diag_out_of_memory();
    return p;
}
