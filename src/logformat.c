/* logformat: quoted and bracketed groups as fields, and the common and
 * combined access log formats. */
#include "config.h"

#include "logformat.h"
#include "diag.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* nginx's variable names; the ident field (always "-" from nginx) has
 * none. */
#define REQUEST_PARTS "method", "path", "query", "protocol"

const struct log_format_def log_format_defs[] = {
    { "combined", "nginx's and Apache's combined format", 9,
      { "remote_addr", NULL, "remote_user", "time_local", "request",
        "status", "body_bytes_sent", "http_referer", "http_user_agent",
        REQUEST_PARTS },
      { 0, 0, 0, '[', '"', 0, 0, '"', '"' }, 5, 6, 7 },
    { "common", "the common log format", 7,
      { "remote_addr", NULL, "remote_user", "time_local", "request",
        "status", "body_bytes_sent", REQUEST_PARTS },
      { 0, 0, 0, '[', '"', 0, 0 }, 5, 6, 7 },
};
const size_t log_format_def_count =
    sizeof log_format_defs / sizeof *log_format_defs;

const struct log_format_def *log_format_find(const char *name)
{
    for (size_t i = 0; i < log_format_def_count; i++)
        if (strcmp(log_format_defs[i].name, name) == 0)
            return &log_format_defs[i];
    return NULL;
}

size_t log_format_field(const struct log_format_def *def, const char *name,
                        size_t len)
{
    for (size_t i = 0; i < def->field_count + LOG_DERIVED_COUNT; i++)
        if (def->names[i] && strlen(def->names[i]) == len
            && memcmp(def->names[i], name, len) == 0)
            return i + 1;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether the quote at Q, inside a group that opened at OPEN, is hidden
 * by a backslash: an odd run of them before it, as each backslash hides
 * the byte after it. */
static bool escaped(const char *open, const char *q)
{
    size_t run = 0;
    while (q - run - 1 > open && q[-(ptrdiff_t)run - 1] == '\\')
        run++;
    return run % 2 == 1;
}

/* The end of the group whose opening byte is at P: the byte after the
 * CLOSE that a blank or END follows, or NULL.  memchr finds the
 * candidates, as a user agent is most of a log line. */
static const char *group_end(const char *p, const char *end, char close)
{
    const char *open = p;
    for (p++; p < end; ) {
        const char *q = memchr(p, close, (size_t)(end - p));
        if (!q)
            return NULL;
        p = q + 1;
        if (close == '"' && escaped(open, q))
            continue;
        if (p == end || is_blank(*p))
            return p;
    }
    return NULL;
}

bool log_split(const char *p, size_t len, struct log_field *f, size_t max,
               size_t *n)
{
    const char *end = p + len;
    size_t found = 0;
    while (found < max) {
        while (p < end && is_blank(*p))
            p++;
        if (p == end)
            break;
        struct log_field *field = &f[found];
        if (*p == '"' || *p == '[') {
            const char *stop = group_end(p, end, *p == '"' ? '"' : ']');
            if (!stop) {
                field->shape = *p;
                *n = found;
                return false;
            }
            field->shape = *p;
            field->start = p + 1;
            field->len = (size_t)(stop - p - 2);
            p = stop;
        } else {
            const char *start = p;
            while (p < end && !is_blank(*p))
                p++;
            field->shape = 0;
            field->start = start;
            field->len = (size_t)(p - start);
        }
        found++;
    }
    *n = found;
    return true;
}

static bool all_digits(const struct log_field *f)
{
    for (size_t i = 0; i < f->len; i++)
        if (f->start[i] < '0' || f->start[i] > '9')
            return false;
    return f->len > 0;
}

/* Splits the request line REQ into method, target and protocol.  The
 * target may hold blanks of its own (nginx logs what it was sent), so
 * the protocol is the last word, and only if it looks like one. */
static void derive(const struct log_field *req, struct log_field *out)
{
    for (int d = 0; d < LOG_DERIVED_COUNT; d++)
        out[d] = (struct log_field){ NULL, 0, 0 };
    const char *p = req->start, *end = p + req->len;
    const char *blank = memchr(p, ' ', req->len);
    out[LOG_METHOD] = (struct log_field){ p, (size_t)((blank ? blank : end)
                                                      - p), 0 };
    if (!blank)
        return;
    const char *target = blank + 1, *target_end = end;
    const char *last = end;
    while (last > target && last[-1] != ' ')
        last--;
    if (last > target && end - last > 5 && memcmp(last, "HTTP/", 5) == 0) {
        out[LOG_PROTOCOL] = (struct log_field){ last, (size_t)(end - last),
                                                0 };
        target_end = last - 1;
    }
    const char *q = memchr(target, '?', (size_t)(target_end - target));
    out[LOG_PATH] = (struct log_field){ target,
                                        (size_t)((q ? q : target_end)
                                                 - target), 0 };
    out[LOG_QUERY] = q ? (struct log_field){ q + 1,
                                             (size_t)(target_end - q - 1), 0 }
                       : (struct log_field){ target_end, 0, 0 };
}

static const char *shape_words(char shape)
{
    return shape == '"' ? "in quotes" : shape == '[' ? "in brackets"
                                                     : "a bare word";
}

bool log_format_fits(const struct log_format_def *def, struct log_field *f,
                     size_t n, char *why, size_t why_size)
{
    char text[DIAG_EXCERPT_SIZE];
    if (n != def->field_count) {
        if (n > def->field_count)
            snprintf(why, why_size, "not a %s log line: more than %zu "
                     "fields", def->name, def->field_count);
        else
            snprintf(why, why_size, "not a %s log line: %zu fields, not %zu",
                     def->name, n, def->field_count);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (f[i].shape != def->shape[i]) {
            snprintf(why, why_size, "not a %s log line: field %zu is %s, "
                     "not %s", def->name, i + 1, shape_words(f[i].shape),
                     shape_words(def->shape[i]));
            return false;
        }
    const struct log_field *status = &f[def->status - 1];
    if (status->len != 3 || !all_digits(status)) {
        diag_excerpt(text, status->start, status->len);
        snprintf(why, why_size, "not a %s log line: status '%s' is not "
                 "3 digits", def->name, text);
        return false;
    }
    const struct log_field *bytes = &f[def->bytes - 1];
    if (!all_digits(bytes) && !(bytes->len == 1 && bytes->start[0] == '-')) {
        diag_excerpt(text, bytes->start, bytes->len);
        snprintf(why, why_size, "not a %s log line: body_bytes_sent '%s' "
                 "is not a count", def->name, text);
        return false;
    }
    return true;
}

void log_format_derive(const struct log_format_def *def, struct log_field *f)
{
    derive(&f[def->request - 1], f + def->field_count);
}
