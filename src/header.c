/* header: an input's first line as field names. */
#include "config.h"

#include "header.h"
#include "diag.h"
#include "logformat.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct header {
    char **names;           /* NUL-terminated copies, by field number - 1 */
    size_t count;
    const struct record_format *format;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Calls ADD(CTX, NAME, LEN) for each field of the CSV header from P to
 * END, fields separated by SEP, unquoted as RFC 4180 has it ("" is a
 * quote); bytes after a closing quote are kept, not refused. */
static void split_csv(char sep, const char *p, const char *end,
                      void (*add)(void *, const char *, size_t), void *ctx)
{
    char *name = xmalloc((size_t)(end - p) + 1);
    for (;;) {
        size_t n = 0;
        if (p < end && *p == '"') {
            for (p++; p < end; p++) {
                if (*p == '"' && p + 1 < end && p[1] == '"')
                    p++;
                else if (*p == '"') {
                    p++;
                    break;
                }
                name[n++] = *p;
            }
        }
        while (p < end && *p != sep)
            name[n++] = *p++;
        add(ctx, name, n);
        if (p == end)
            break;
        p++;
    }
    free(name);
}

/* Calls ADD(CTX, NAME, LEN) for each field of the header LINE, split as
 * FORMAT splits records, names trimmed of blanks.  An unterminated quote
 * takes the rest of the line as the last name. */
static void split(const struct record_format *format, const char *line,
                  size_t len, void (*add)(void *, const char *, size_t),
                  void *ctx)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    const char *p = line, *end = line + len;
    if (format->csv) {
        split_csv(format->field_separator, p, end, add, ctx);
        return;
    }
    if (!format->blank_separated) {
        for (;;) {
            const char *stop = memchr(p, format->field_separator,
                                      (size_t)(end - p));
            const char *name = p, *name_end = stop ? stop : end;
            while (name < name_end && is_blank(*name))
                name++;
            while (name_end > name && is_blank(name_end[-1]))
                name_end--;
            add(ctx, name, (size_t)(name_end - name));
            if (!stop)
                return;
            p = stop + 1;
        }
    }
    while (p < end) {
        struct log_field f;
        size_t n;
        if (format->quoted_groups && log_split(p, (size_t)(end - p), &f, 1, &n)
            && n == 1) {
            add(ctx, f.start, f.len);
            p = f.start + f.len + (f.shape ? 1 : 0);
            continue;
        }
        while (p < end && is_blank(*p))
            p++;
        if (p == end)
            return;
        const char *start = p;
        while (p < end && !is_blank(*p))
            p++;
        add(ctx, start, (size_t)(p - start));
    }
}

static void add_name(void *ctx, const char *name, size_t len)
{
    struct header *h = ctx;
    h->names = xrealloc(h->names, (h->count + 1) * sizeof *h->names);
    h->names[h->count] = xmalloc(len + 1);
    memcpy(h->names[h->count], name, len);
    h->names[h->count][len] = '\0';
    h->count++;
}

struct header *header_new(const struct record_format *format,
                          const char *line, size_t len)
{
    struct header *h = xcalloc(1, sizeof *h);
    h->format = format;
    if (line)
        split(format, line, len, add_name, h);
    return h;
}

void header_free(struct header *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->count; i++)
        free(h->names[i]);
    free(h->names);
    free(h);
}

const char *const *header_names(const struct header *h, size_t *count)
{
    *count = h->count;
    return (const char *const *)h->names;
}

size_t header_field(const struct header *h, const char *item, size_t len)
{
    for (size_t i = 0; i < h->count; i++)
        if (strlen(h->names[i]) == len && memcmp(h->names[i], item, len) == 0)
            return i + 1;
    return 0;
}

void header_list(const struct header *h, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < h->count; i++) {
        char name[DIAG_EXCERPT_SIZE];
        diag_excerpt(name, h->names[i], strlen(h->names[i]));
        int n = snprintf(out + used, size - used, "%s'%s'",
                         i > 0 ? ", " : "", name);
        if (n < 0 || (size_t)n >= size - used) {
            /* Room for ", ..." is kept by cutting back to a whole name. */
            out[used] = '\0';
            if (used + 6 <= size)
                strcpy(out + used, ", ...");
            return;
        }
        used += (size_t)n;
    }
}

/* What header_check collects of a later header: whether the columns it
 * asks about hold the first header's names.  Each name is compared as it
 * is split, since a CSV name lives in a buffer the next one reuses. */
struct later {
    const struct header *first;
    const size_t *fields;
    size_t n;
    size_t column;          /* columns seen so far */
    bool *same;             /* FIELDS[i] holds the first header's name */
};

static void note_name(void *ctx, const char *name, size_t len)
{
    struct later *l = ctx;
    l->column++;
    if (l->column > l->first->count)
        return;
    const char *want = l->first->names[l->column - 1];
    for (size_t i = 0; i < l->n; i++)
        if (l->fields[i] == l->column)
            l->same[i] = len == strlen(want) && memcmp(name, want, len) == 0;
}

bool header_check(const struct header *h, const char *line, size_t len,
                  const size_t *fields, const bool *named, size_t n,
                  char *why, size_t why_size)
{
    bool *same = xcalloc(n ? n : 1, sizeof *same);
    struct later l = { h, fields, n, 0, same };
    split(h->format, line, len, note_name, &l);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (!named[i] || same[i])
            continue;
        const char *want = h->names[fields[i] - 1];
        char text[DIAG_EXCERPT_SIZE];
        diag_excerpt(text, want, strlen(want));
        snprintf(why, why_size, "header has no field '%s' in column %zu, "
                 "where the first input's has it", text, fields[i]);
        ok = false;
        break;
    }
    free(same);
    return ok;
}
