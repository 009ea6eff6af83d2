/* diag: error messages and allocation that cannot fail silently. */
#include "config.h"

#include "diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *program_name = "fanout";

/* Writes "PROGRAM: MESSAGE\n" in one piece: several fanouts may share one
 * standard error (the pieces of a parallel or Hadoop job), and a message
 * written in parts could be cut by another's.  Only a message too long
 * for the buffer goes out in parts. */
static void vreport(const char *format, va_list args)
{
    char line[4096];
    va_list again;
    va_copy(again, args);
    int head = snprintf(line, sizeof line, "%s: ", program_name);
    int body = head < 0 || (size_t)head >= sizeof line ? -1
             : vsnprintf(line + head, sizeof line - (size_t)head, format,
                         again);
    va_end(again);
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
    vreport(format, args);
    va_end(args);
}

void diag_usage_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vreport(format, args);
    va_end(args);
    diag_try_help();
}

void diag_try_help(void)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", program_name);
}

_Noreturn void diag_out_of_memory(void)
{
    static const char message[] = "fanout: memory exhausted\n";
    /* write(2) rather than stdio: stdio may itself need memory. */
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
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
