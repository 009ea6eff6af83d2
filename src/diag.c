/* diag: error messages and allocation that cannot fail silently. */
#include "config.h"

#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *program_name = "fanout";

static void vreport(const char *format, va_list args)
{
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

size_t diag_excerpt(char *out, const char *text, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t shown = len > DIAG_EXCERPT_MAX ? DIAG_EXCERPT_MAX : len;
    char *p = out;

    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else if (c == '\\') {
            *p++ = '\\';
            *p++ = '\\';
        } else {
            *p++ = (char)c;
        }
    }
    if (shown < len) {
        *p++ = '.';
        *p++ = '.';
        *p++ = '.';
    }
    *p = '\0';
    return (size_t)(p - out);
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        diag_out_of_memory();
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        diag_out_of_memory();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        diag_out_of_memory();
    return p;
}
