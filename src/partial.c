/* partial: writing and merging partial aggregates (format in partial.h). */
#include "config.h"

#include "partial.h"
#include "aggregate.h"
#include "diag.h"
#include "reader.h"
#include "record.h"
#include "table.h"
#include "writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char HEADER[] = "#fanout-partial";
static const char TRAILER[] = "#end";

/* Writes the --aggregate list as it would be given. */
static void put_ops(struct writer *out, const struct config *cfg)
{
    for (size_t i = 0; i < cfg->op_count; i++) {
        if (i > 0)
            writer_putc(out, ',');
        writer_puts(out, aggregate_def_of(cfg->ops[i])->name);
    }
}

static void put_escaped_key(struct writer *out, const char *key, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (key[i]) {
        case '\\': writer_put(out, "\\\\", 2); break;
        case '\t': writer_put(out, "\\t", 2); break;
        case '\n': writer_put(out, "\\n", 2); break;
        case '\r': writer_put(out, "\\r", 2); break;
        case '\0': writer_put(out, "\\0", 2); break;
        case '#':
            if (i == 0)
                writer_put(out, "\\#", 2);
            else
                writer_putc(out, '#');
            break;
        default:
            writer_putc(out, key[i]);
        }
    }
}

static size_t key_field_count(const struct config *cfg)
{
    return cfg->format.field_mode ? cfg->format.key_field_count : 1;
}

/* Writes one key line; EXTREMA says whether min and max are known, RANK
 * is the key's place in order of first appearance. */
static void put_key_line(struct writer *out, const struct table_entry *e,
                         bool extrema, size_t rank)
{
    char number[NUMBER_TEXT_SIZE];
    char text[64];
    const struct accum *a = &e->accum;
    put_escaped_key(out, e->key, e->key_len);
    snprintf(text, sizeof text, "\t%llu\t%d\t",
             (unsigned long long)a->count, a->scale);
    writer_puts(out, text);
    writer_put(out, number, number_format(number, a->positive, false, 0));
    writer_putc(out, '\t');
    writer_put(out, number, number_format(number, a->negative, false, 0));
    if (extrema) {
        writer_putc(out, '\t');
        writer_put(out, number, number_format_signed(number, a->min, 0));
        writer_putc(out, '\t');
        writer_put(out, number, number_format_signed(number, a->max, 0));
    } else {
        writer_puts(out, "\t-\t-");
    }
    snprintf(text, sizeof text, "\t%llu\t%zu\n",
             (unsigned long long)(a->parts ? a->parts : 1), rank);
    writer_puts(out, text);
}

/* Writes the key lines in key order.  Positions are written as ranks,
 * 0 for the key that appeared first, so a partial does not depend on
 * --batch or on how the positions were made. */
static void put_key_lines(struct writer *out, const struct table *table,
                          bool extrema)
{
    size_t n = table_size(table);
    size_t *ranks = xmalloc((n ? n : 1) * sizeof *ranks);
    const struct table_entry **by_first = table_sorted_by_first(table);
    for (size_t i = 0; i < n; i++)
        ranks[table_index_of(table, by_first[i])] = i;
    free(by_first);
    const struct table_entry **sorted = table_sorted(table);
    for (size_t i = 0; i < n; i++)
        put_key_line(out, sorted[i], extrema,
                     ranks[table_index_of(table, sorted[i])]);
    free(sorted);
    free(ranks);
}

void partial_write(const struct config *cfg, const struct table *table,
                   struct writer *out)
{
    char line[64];
    snprintf(line, sizeof line, "%s\t%d\t", HEADER, PARTIAL_VERSION);
    writer_puts(out, line);
    put_ops(out, cfg);
    snprintf(line, sizeof line, "\t%zu\n", key_field_count(cfg));
    writer_puts(out, line);
    put_key_lines(out, table,
                  aggregate_wants_extrema(cfg->ops, cfg->op_count));
    snprintf(line, sizeof line, "%s\t%zu\n", TRAILER, table_size(table));
    writer_puts(out, line);
}

/* What the merge has learnt so far, over all inputs. */
struct partial_input {
    struct config *cfg;
    struct table *table;
    const char *name;           /* input being read */
    unsigned long long line;    /* its current line number */
    char *header;               /* first header after the version, as read */
    size_t headers, trailers;
    unsigned long long *trailer_counts;  /* N of every trailer read */
    unsigned long long promised;  /* key lines the trailers account for */
    unsigned long long keys;      /* first-hand key lines read (LINES) */
    bool saw_extrema, saw_no_extrema;
    char *key;                  /* unescaped key */
    size_t key_cap;
};

static bool bad_line(struct partial_input *m, const char *what)
{
    diag_error("%s:%llu: %s", m->name, m->line, what);
    return false;
}

/* Splits LINE at TABs into at most MAX fields; returns how many. */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    for (char *p = line; n < max;) {
        fields[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

/* An unsigned decimal of at most 39 digits that fits in 128 bits. */
static bool parse_u128(const char *s, u128 *out)
{
    size_t len = strlen(s);
    if (len == 0 || len > 39 || strspn(s, "0123456789") != len)
        return false;
    u128 v = 0;
    for (const char *p = s; *p; p++)
        if (__builtin_mul_overflow(v, 10, &v)
            || __builtin_add_overflow(v, (u128)(*p - '0'), &v))
            return false;
    *out = v;
    return true;
}

/* A signed mantissa below 10^37 in magnitude, as partials hold. */
static bool parse_i128(const char *s, i128 *out)
{
    bool negative = *s == '-';
    u128 magnitude;
    if (!parse_u128(s + negative, &magnitude)
        || magnitude >= number_pow10(37))
        return false;
    *out = negative ? -(i128)magnitude : (i128)magnitude;
    return true;
}

static bool parse_header(struct partial_input *m, char *rest)
{
    char *fields[4];
    size_t n = split_tabs(rest, fields, 4);
    if (n >= 1 && strcmp(fields[0], "1") == 0)
        return bad_line(m, "partial format version 1 is no longer read; "
                           "make the partials again with this fanout");
    if (n < 1 || strcmp(fields[0], "2") != 0) {
        char text[DIAG_EXCERPT_SIZE];
        diag_excerpt(text, fields[0], strlen(fields[0]));
        diag_error("%s:%llu: unknown partial format version '%s'",
                   m->name, m->line, text);
        return false;
    }
    if (n != 3)
        return bad_line(m, "malformed partial header");

    /* Rebuild the text after the version to compare headers. */
    size_t len = strlen(fields[1]) + strlen(fields[2]) + 2;
    char *signature = xmalloc(len);
    snprintf(signature, len, "%s\t%s", fields[1], fields[2]);
    m->headers++;
    if (m->header) {
        bool same = strcmp(m->header, signature) == 0;
        free(signature);
        if (!same)
            return bad_line(m, "partials made with different operations "
                               "or keys cannot be merged");
        return true;
    }
    m->header = signature;

    struct config *cfg = m->cfg;
    cfg->op_count = 0;
    for (char *op = fields[1];;) {
        size_t op_len = strcspn(op, ",");
        const struct aggregate_def *def = aggregate_find(op, op_len);
        if (!def || cfg->op_count == OPTIONS_MAX_OPS)
            return bad_line(m, "malformed partial header");
        cfg->ops[cfg->op_count++] = def->op;
        if (op[op_len] == '\0')
            break;
        op += op_len + 1;
    }
    u128 fields_count;
    if (!parse_u128(fields[2], &fields_count) || fields_count < 1
        || fields_count > OPTIONS_MAX_KEY_FIELDS)
        return bad_line(m, "malformed partial header");
    cfg->format.key_field_count = (size_t)fields_count;
    return true;
}

static bool parse_trailer(struct partial_input *m, char *rest)
{
    u128 count;
    if (!parse_u128(rest, &count) || count > UINT64_MAX)
        return bad_line(m, "malformed partial trailer");
    m->trailer_counts = xrealloc(m->trailer_counts, (m->trailers + 1)
                                 * sizeof *m->trailer_counts);
    m->trailer_counts[m->trailers++] = (unsigned long long)count;
    m->promised += (unsigned long long)count;
    return true;
}

/* Undoes put_escaped_key into m->key; returns the length, or -1. */
static long unescape_key(struct partial_input *m, const char *text)
{
    size_t len = strlen(text);
    if (len + 1 > m->key_cap) {
        m->key_cap = len + 1;
        m->key = xrealloc(m->key, m->key_cap);
    }
    char *out = m->key;
    for (const char *p = text; *p; p++) {
        if (*p != '\\') {
            *out++ = *p;
            continue;
        }
        switch (*++p) {
        case '\\': *out++ = '\\'; break;
        case 't':  *out++ = '\t'; break;
        case 'n':  *out++ = '\n'; break;
        case 'r':  *out++ = '\r'; break;
        case '0':  *out++ = '\0'; break;
        case '#':
            if (p - 1 != text)
                return -1;
            *out++ = '#';
            break;
        default:
            return -1;
        }
    }
    return (long)(out - m->key);
}

static bool parse_key_line(struct partial_input *m, char *line)
{
    char *f[10];
    if (split_tabs(line, f, 10) != 9)
        return bad_line(m, "malformed partial line: expected 9 fields");

    long key_len = unescape_key(m, f[0]);
    if (key_len <= 0)
        return bad_line(m, "malformed partial line: bad key");

    struct accum a = { 0 };
    u128 count, scale;
    if (!parse_u128(f[1], &count) || count == 0 || count > UINT64_MAX)
        return bad_line(m, "malformed partial line: bad count");
    if (!parse_u128(f[2], &scale) || scale > NUMBER_MAX_SCALE)
        return bad_line(m, "malformed partial line: bad scale");
    if (!parse_u128(f[3], &a.positive) || !parse_u128(f[4], &a.negative))
        return bad_line(m, "malformed partial line: bad total");
    a.count = (uint64_t)count;
    a.scale = (int)scale;
    if (strcmp(f[5], "-") == 0 && strcmp(f[6], "-") == 0) {
        m->saw_no_extrema = true;
    } else if (parse_i128(f[5], &a.min) && parse_i128(f[6], &a.max)
               && a.min <= a.max) {
        m->saw_extrema = true;
    } else {
        return bad_line(m, "malformed partial line: bad minimum or maximum");
    }

    u128 lines;
    if (!parse_u128(f[7], &lines) || lines == 0 || lines > UINT64_MAX)
        return bad_line(m, "malformed partial line: bad line count");
    a.parts = (uint64_t)lines;

    u128 rank;
    if (!parse_u128(f[8], &rank) || rank >= UINT32_MAX)
        return bad_line(m, "malformed partial line: bad first position");
    /* Ordinal of the partial: the headers read before this line. */
    uint64_t position = table_position(m->headers, (uint64_t)rank);

    struct accum *into = table_find_or_add(m->table, m->key,
                                           (size_t)key_len);
    accum_merge(into, &a);
    table_note_position(into, position);
    m->keys += (unsigned long long)lines;
    return true;
}

static bool merge_line(struct partial_input *m, char *line)
{
    if (strncmp(line, HEADER, sizeof HEADER - 1) == 0
        && line[sizeof HEADER - 1] == '\t')
        return parse_header(m, line + sizeof HEADER);
    if (strncmp(line, TRAILER, sizeof TRAILER - 1) == 0
        && line[sizeof TRAILER - 1] == '\t')
        return parse_trailer(m, line + sizeof TRAILER);
    if (line[0] == '#')
        return bad_line(m, "unknown control line in partial input");
    return parse_key_line(m, line);
}

/* Reads one opened input to its end. */
static bool merge_input(struct partial_input *m, int fd)
{
    FILE *in = fdopen(fd, "r");
    if (!in) {
        diag_error("%s: %s", m->name, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    bool ok = true;
    m->line = 0;
    errno = 0;
    while (ok && (len = getline(&line, &cap, in)) >= 0) {
        m->line++;
        if (len == 0 || line[len - 1] != '\n') {
            ok = bad_line(m, "truncated partial line (no newline)");
            break;
        }
        line[len - 1] = '\0';
        if (memchr(line, '\0', (size_t)len - 1))
            ok = bad_line(m, "NUL byte in partial input");
        else
            ok = merge_line(m, line);
    }
    if (ok && ferror(in)) {
        diag_error("%s: read error: %s", m->name, strerror(errno));
        ok = false;
    }
    free(line);
    if (fd == STDIN_FILENO) {
        /* Leave descriptor 0 open, as every other path does. */
        int copy = dup(fd);
        fclose(in);
        if (copy >= 0 && copy != STDIN_FILENO) {
            dup2(copy, STDIN_FILENO);
            close(copy);
        }
    } else {
        fclose(in);
    }
    return ok;
}

/* Checks, once everything is read, that the partials were complete. */
static bool check_complete(const struct partial_input *m)
{
    bool want = aggregate_wants_extrema(m->cfg->ops, m->cfg->op_count);
    if (m->saw_extrema && m->saw_no_extrema) {
        diag_error("malformed partial input: minimum and maximum do not "
                   "match the operations");
        return false;
    }
    /* A combiner may be handed a part of the lines; the final merge
     * checks the whole. */
    if (m->cfg->partial)
        return true;
    if (m->headers == 0) {
        diag_error("no partial aggregates in the input");
        return false;
    }
    if (m->headers != m->trailers) {
        diag_error("incomplete partial input: %zu headers but %zu trailers",
                   m->headers, m->trailers);
        return false;
    }
    if (m->promised != m->keys) {
        diag_error("incomplete partial input: the trailers count %llu key "
                   "lines, but %llu were read", m->promised, m->keys);
        return false;
    }
    if ((want && m->saw_no_extrema) || (!want && m->saw_extrema)) {
        diag_error("malformed partial input: minimum and maximum do not "
                   "match the operations");
        return false;
    }
    return true;
}

struct partial_input *partial_merge(struct config *cfg)
{
    int *fds = xmalloc(cfg->input_count * sizeof *fds);
    bool ok = true;
    for (size_t i = 0; i < cfg->input_count; i++) {
        fds[i] = reader_open_input(cfg->inputs[i]);
        ok = ok && fds[i] >= 0;
    }

    struct partial_input *m = xcalloc(1, sizeof *m);
    m->cfg = cfg;
    m->table = table_new();
    for (size_t i = 0; i < cfg->input_count; i++) {
        if (ok) {
            m->name = cfg->input_names[i];
            ok = merge_input(m, fds[i]);
        } else if (fds[i] > STDIN_FILENO) {
            close(fds[i]);
        }
    }
    free(fds);
    ok = ok && check_complete(m);
    cfg->format.field_mode = cfg->format.key_field_count > 1;
    if (!ok) {
        partial_input_free(m);
        return NULL;
    }
    return m;
}

const struct table *partial_table(const struct partial_input *in)
{
    return in->table;
}

void partial_write_combined(const struct partial_input *in,
                            struct writer *out)
{
    char line[64];
    for (size_t i = 0; i < in->headers; i++) {
        snprintf(line, sizeof line, "%s\t%d\t", HEADER, PARTIAL_VERSION);
        writer_puts(out, line);
        writer_puts(out, in->header);
        writer_putc(out, '\n');
    }
    put_key_lines(out, in->table, in->saw_extrema);
    for (size_t i = 0; i < in->trailers; i++) {
        snprintf(line, sizeof line, "%s\t%llu\n", TRAILER,
                 in->trailer_counts[i]);
        writer_puts(out, line);
    }
}

void partial_input_free(struct partial_input *in)
{
    if (!in)
        return;
    table_free(in->table);
    free(in->header);
    free(in->key);
    free(in->trailer_counts);
    free(in);
}
