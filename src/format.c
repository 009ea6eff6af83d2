/* format: TSV, CSV and JSON Lines rows.
 *
 * TSV is fanout's original output: fields as they are, TAB between them,
 * LF after each row.  CSV follows RFC 4180 except that rows end with LF,
 * like every other line fanout writes (readers accept both): a field
 * holding a comma, a double quote, CR or LF is put in double quotes, with
 * its double quotes doubled.  JSON Lines is one object per key and line;
 * the key is a JSON string (an array of strings for a composite key) and
 * must be valid JSON whatever bytes it holds: '"', '\' and control bytes
 * are escaped, valid UTF-8 passes unchanged, and bytes that are not valid
 * UTF-8 become U+FFFD, written "\ufffd": one for each longest run that
 * starts a valid sequence but breaks off, else one per byte (Unicode's
 * "maximal subparts", what Python's and most decoders' "replace" does).  Results
 * are JSON numbers written exactly as in TSV. */
#include "config.h"

#include "format.h"
#include "keystate.h"
#include "diag.h"
#include "record.h"
#include "writer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct format_def format_defs[] = {
    { "tsv",  FORMAT_TSV,  true,  "TAB-separated columns (the default)" },
    { "csv",  FORMAT_CSV,  true,  "comma-separated, quoted as in RFC 4180" },
    { "json", FORMAT_JSON, false, "JSON Lines: one object per key" },
};
const size_t format_def_count = sizeof format_defs / sizeof format_defs[0];

const struct format_def *format_def_of(enum result_format format)
{
    for (size_t i = 0; i < format_def_count; i++)
        if (format_defs[i].format == format)
            return &format_defs[i];
    return NULL;
}

/* The byte written between fields. */
static char separator(enum result_format format)
{
    return format == FORMAT_CSV ? ',' : '\t';
}

/* Writes one CSV field, quoted only when it must be. */
static void put_csv_field(struct writer *out, const char *s, size_t len)
{
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        writer_put(out, s, len);
        return;
    }
    writer_putc(out, '"');
    for (const char *end = s + len, *q; s < end; s = q + 1) {
        q = memchr(s, '"', (size_t)(end - s));
        if (!q) {
            writer_put(out, s, (size_t)(end - s));
            break;
        }
        writer_put(out, s, (size_t)(q - s) + 1);
        writer_putc(out, '"');
    }
    writer_putc(out, '"');
}

static void put_field(struct writer *out, enum result_format format,
                      const char *s, size_t len)
{
    if (format == FORMAT_CSV)
        put_csv_field(out, s, len);
    else
        writer_put(out, s, len);
}

/* The length of the UTF-8 sequence at S (at most LEN bytes) if it is
 * valid: no overlong forms, no surrogates, nothing past U+10FFFF.  If not,
 * 0, and *BAD is the length of its longest start that could begin a valid
 * sequence (at least 1), which one U+FFFD replaces, as Unicode recommends
 * and most decoders do. */
static size_t utf8_sequence(const unsigned char *s, size_t len, size_t *bad)
{
    size_t n;
    unsigned char low = 0x80, high = 0xBF;     /* range of the 2nd byte */
    *bad = 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        if (s[0] == 0xE0)
            low = 0xA0;
        else if (s[0] == 0xED)
            high = 0x9F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        if (s[0] == 0xF0)
            low = 0x90;
        else if (s[0] == 0xF4)
            high = 0x8F;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (i == len)
            return *bad = i, 0;
        unsigned char lo = i == 1 ? low : 0x80, hi = i == 1 ? high : 0xBF;
        if (s[i] < lo || s[i] > hi)
            return *bad = i, 0;
    }
    return n;
}

/* Writes the LEN bytes at S as a JSON string (rule at the top). */
static void put_json_string(struct writer *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    writer_putc(out, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        char escape[8];
        if (c == '"' || c == '\\') {
            escape[0] = '\\';
            escape[1] = (char)c;
            writer_put(out, escape, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t"
                              : c == '\r' ? "\\r" : c == '\b' ? "\\b"
                              : c == '\f' ? "\\f" : NULL;
            if (named) {
                writer_put(out, named, 2);
            } else {
                snprintf(escape, sizeof escape, "\\u%04x", c);
                writer_put(out, escape, 6);
            }
            i++;
        } else if (c < 0x80) {
            writer_putc(out, (char)c);
            i++;
        } else {
            size_t bad, n = utf8_sequence(p + i, len - i, &bad);
            if (n) {
                writer_put(out, p + i, n);
                i += n;
            } else {
                writer_put(out, "\\ufffd", 6);
                i += bad;
            }
        }
    }
    writer_putc(out, '"');
}

void format_json_string(struct writer *out, const char *s, size_t len)
{
    put_json_string(out, s, len);
}

/* Writes each field of the composite KEY with PUT, BETWEEN between
 * them. */
static void put_key_fields(struct writer *out, const char *key, size_t len,
                           void (*put)(struct writer *, const char *, size_t),
                           char between)
{
    const char *end = key + len;
    for (bool first = true;; first = false) {
        const char *join = memchr(key, RECORD_KEY_JOIN, (size_t)(end - key));
        if (!first)
            writer_putc(out, between);
        if (!join) {
            put(out, key, (size_t)(end - key));
            return;
        }
        put(out, key, (size_t)(join - key));
        key = join + 1;
    }
}

static void put_tsv_field(struct writer *out, const char *s, size_t len)
{
    writer_put(out, s, len);
}

/* Writes the key columns in TSV or CSV. */
static void put_key_columns(struct writer *out,
                            const struct format_layout *layout,
                            const char *key, size_t len)
{
    enum result_format f = layout->format;
    if (layout->key_fields == 0)
        return;
    if (layout->key_fields < 2)
        put_field(out, f, key, len);
    else
        put_key_fields(out, key, len,
                       f == FORMAT_CSV ? put_csv_field : put_tsv_field,
                       separator(f));
}

/* The name of result I in JSON: the operation's name, or its label. */
static const char *op_name(const struct format_layout *layout, size_t i)
{
    if (layout->op_labels && layout->op_labels[i])
        return layout->op_labels[i];
    return layout->op_names[i];
}

/* Whether the result at index I already appeared before it: JSON
 * objects name each member once. */
static bool repeated_op(const struct format_layout *layout, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(op_name(layout, j), op_name(layout, i)) == 0)
            return true;
    return false;
}

/* Writes result I of the key with accumulator A and state S into TEXT
 * (AGGREGATE_TEXT_SIZE bytes); returns its length. */
static size_t result_text(char *text, const struct format_layout *layout,
                          size_t i, const struct accum *a,
                          const struct keystate *s)
{
    return keystate_result(text, a, s, layout->ops[i],
                           layout->op_slots ? layout->op_slots[i] : 0,
                           layout->op_ranks[i], layout->decimals);
}

static void put_json_row(struct writer *out,
                         const struct format_layout *layout,
                         const char *key, size_t len, const struct accum *a,
                         const struct keystate *s)
{
    writer_putc(out, '{');
    bool first = layout->key_fields == 0;
    if (layout->key_fields == 1) {
        writer_puts(out, "\"key\":");
        put_json_string(out, key, len);
    } else if (layout->key_fields > 1) {
        writer_puts(out, "\"key\":[");
        put_key_fields(out, key, len, put_json_string, ',');
        writer_putc(out, ']');
    }
    char text[AGGREGATE_TEXT_SIZE];
    for (size_t i = 0; i < layout->op_count; i++) {
        if (repeated_op(layout, i))
            continue;
        writer_puts(out, first ? "" : ",");
        first = false;
        const char *name = op_name(layout, i);
        put_json_string(out, name, strlen(name));
        writer_puts(out, ":");
        size_t text_len = result_text(text, layout, i, a, s);
        if (text_len == 0)
            writer_puts(out, "null");       /* a key without values */
        writer_put(out, text, text_len);
    }
    writer_puts(out, "}\n");
}

void format_header(struct writer *out, const struct format_layout *layout)
{
    char sep = separator(layout->format);
    for (size_t i = 0; i < layout->key_fields; i++) {
        char name[32] = "key";
        if (i > 0)
            writer_putc(out, sep);
        if (layout->key_names && layout->key_names[i]) {
            put_field(out, layout->format, layout->key_names[i],
                      strlen(layout->key_names[i]));
            continue;
        }
        if (layout->key_fields > 1)
            snprintf(name, sizeof name, "key%zu", i + 1);
        writer_puts(out, name);
    }
    for (size_t i = 0; i < layout->op_count; i++) {
        const struct aggregate_def *def = aggregate_def_of(layout->ops[i]);
        if (i > 0 || layout->key_fields > 0)
            writer_putc(out, sep);
        if (layout->op_labels && layout->op_labels[i]) {
            put_field(out, layout->format, layout->op_labels[i],
                      strlen(layout->op_labels[i]));
            continue;
        }
        const char *op = layout->op_names[i];
        if (!def->needs_value || !layout->value_name) {
            writer_puts(out, op);
            continue;
        }
        size_t len = strlen(op) + strlen(layout->value_name) + 3;
        char *name = xmalloc(len);
        snprintf(name, len, "%s(%s)", op, layout->value_name);
        put_field(out, layout->format, name, strlen(name));
        free(name);
    }
    writer_putc(out, '\n');
}

void format_row(struct writer *out, const struct format_layout *layout,
                const char *key, size_t len, const struct accum *a,
                const struct keystate *s)
{
    if (layout->format == FORMAT_JSON) {
        put_json_row(out, layout, key, len, a, s);
        return;
    }
    put_key_columns(out, layout, key, len);
    char text[AGGREGATE_TEXT_SIZE];
    for (size_t i = 0; i < layout->op_count; i++) {
        if (i > 0 || layout->key_fields > 0)
            writer_putc(out, separator(layout->format));
        writer_put(out, text, result_text(text, layout, i, a, s));
    }
    writer_putc(out, '\n');
}
