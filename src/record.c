/* record: key-value and field splitting. */
#include "config.h"

#include "record.h"
#include "diag.h"
#include "logformat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct splitter {
    const struct record_format *format;
    size_t field_count;         /* fields worth finding: highest wanted */
    struct record_field *fields;       /* found fields, 1-based index - 1 */
    char *key;                  /* composite key scratch */
    size_t key_cap;
    struct log_field *groups;   /* quoted_groups: fields with their shape */
    size_t group_max;           /* groups worth finding */
    char why[DIAG_EXCERPT_SIZE + 64];   /* RECORD_MALFORMED's phrase */
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

size_t record_highest_field(const struct record_format *format)
{
    size_t highest = format->value_field;
    for (size_t i = 0; i < format->key_field_count; i++)
        if (format->key_fields[i] > highest)
            highest = format->key_fields[i];
    for (size_t i = 0; i < format->where_field_count; i++)
        if (format->where_fields[i] > highest)
            highest = format->where_fields[i];
    return highest;
}

/* FIELD, if it is above FOUND and below LOWEST or LOWEST is 0; else
 * LOWEST. */
static size_t lower_missing(size_t field, size_t found, size_t lowest)
{
    return field > found && (lowest == 0 || field < lowest) ? field : lowest;
}

size_t record_missing_field(const struct record_format *format,
                            size_t found)
{
    size_t missing = lower_missing(format->value_field, found, 0);
    for (size_t i = 0; i < format->key_field_count; i++)
        missing = lower_missing(format->key_fields[i], found, missing);
    for (size_t i = 0; i < format->where_field_count; i++)
        missing = lower_missing(format->where_fields[i], found, missing);
    return missing;
}

struct splitter *splitter_new(const struct record_format *format)
{
    struct splitter *s = xcalloc(1, sizeof *s);
    s->format = format;
    size_t highest = record_highest_field(format);
    s->field_count = highest;
    s->fields = xcalloc(highest ? highest : 1, sizeof *s->fields);
    if (format->quoted_groups) {
        /* A log line's fields, one more to tell that there are too
         * many, and its derived fields after them. */
        s->group_max = format->log ? format->log->field_count + 1
                                   : highest;
        s->groups = xcalloc(s->group_max + LOG_DERIVED_COUNT,
                            sizeof *s->groups);
    }
    return s;
}

void splitter_free(struct splitter *s)
{
    if (!s)
        return;
    free(s->fields);
    free(s->groups);
    free(s->key);
    free(s);
}

/* Fills s->fields with up to field_count fields; returns how many exist. */
static size_t find_fields(struct splitter *s, const char *p, size_t len)
{
    const char *end = p + len;
    size_t n = 0;

    if (s->format->blank_separated) {
        while (n < s->field_count) {
            while (p < end && is_blank(*p))
                p++;
            if (p == end)
                break;
            const char *start = p;
            while (p < end && !is_blank(*p))
                p++;
            s->fields[n].start = start;
            s->fields[n].len = (size_t)(p - start);
            n++;
        }
        return n;
    }

    char sep = s->format->field_separator;
    while (n < s->field_count) {
        const char *stop = memchr(p, sep, (size_t)(end - p));
        s->fields[n].start = p;
        s->fields[n].len = (size_t)((stop ? stop : end) - p);
        n++;
        if (!stop)
            break;
        p = stop + 1;
    }
    return n;
}

/* Like find_fields, for quoted_groups: sets *FOUND, or returns
 * RECORD_MALFORMED with the reason in s->why. */
static enum record_status find_groups(struct splitter *s, const char *p,
                                      size_t len, size_t *found)
{
    const struct log_format_def *log = s->format->log;
    size_t n;
    if (!log_split(p, len, s->groups, s->group_max, &n)) {
        snprintf(s->why, sizeof s->why, "unterminated %s",
                 s->groups[n].shape == '"' ? "quote" : "bracket");
        return RECORD_MALFORMED;
    }
    if (log) {
        if (!log_format_fits(log, s->groups, n, s->why, sizeof s->why))
            return RECORD_MALFORMED;
        /* The derived fields a request lacks come last. */
        if (s->field_count > log->field_count) {
            log_format_derive(log, s->groups);
            while (n < log->field_count + LOG_DERIVED_COUNT
                   && s->groups[n].start)
                n++;
        }
    }
    *found = n < s->field_count ? n : s->field_count;
    for (size_t i = 0; i < *found; i++)
        s->fields[i] = (struct record_field){ s->groups[i].start,
                                              s->groups[i].len };
    return RECORD_OK;
}

void record_trim_blanks(const char **text, size_t *len)
{
    const char *p = *text, *end = p + *len;
    while (p < end && is_blank(*p))
        p++;
    while (end > p && is_blank(end[-1]))
        end--;
    *text = p;
    *len = (size_t)(end - p);
}

static enum record_status split_key_value(struct splitter *s,
                                          const char *record, size_t len,
                                          struct record_parts *out)
{
    const char *delim = memchr(record, s->format->delimiter, len);
    if (!delim)
        return RECORD_NO_DELIMITER;
    out->key = record;
    out->key_len = (size_t)(delim - record);
    if (out->key_len == 0)
        return RECORD_EMPTY_KEY;
    out->value = delim + 1;
    out->value_len = len - out->key_len - 1;
    record_trim_blanks(&out->value, &out->value_len);
    return RECORD_OK;
}

void record_join_key(const struct record_format *f,
                     const struct record_field *fields, char **key,
                     size_t *key_cap, struct record_parts *out)
{
    size_t need = f->key_field_count;
    for (size_t i = 0; i < f->key_field_count; i++)
        need += fields[f->key_fields[i] - 1].len;
    if (need > *key_cap) {
        *key_cap = need * 2;
        *key = xrealloc(*key, *key_cap);
    }
    char *p = *key;
    bool all_empty = true;
    for (size_t i = 0; i < f->key_field_count; i++) {
        const struct record_field *field = &fields[f->key_fields[i] - 1];
        if (i > 0)
            *p++ = RECORD_KEY_JOIN;
        memcpy(p, field->start, field->len);
        p += field->len;
        all_empty = all_empty && field->len == 0;
    }
    out->key = *key;
    out->key_len = all_empty ? 0 : (size_t)(p - *key);
}

static enum record_status split_fields(struct splitter *s,
                                       const char *record, size_t len,
                                       struct record_parts *out)
{
    const struct record_format *f = s->format;
    size_t found;
    if (!f->quoted_groups) {
        found = find_fields(s, record, len);
    } else {
        enum record_status status = find_groups(s, record, len, &found);
        if (status != RECORD_OK) {
            out->why = s->why;
            return status;
        }
    }
    if (found < s->field_count) {
        out->missing_field = record_missing_field(f, found);
        return RECORD_MISSING_FIELD;
    }
    if (f->key_field_count == 1) {
        const struct record_field *field = &s->fields[f->key_fields[0] - 1];
        out->key = field->start;
        out->key_len = field->len;
    } else {
        record_join_key(s->format, s->fields, &s->key, &s->key_cap, out);
    }
    if (out->key_len == 0 && f->key_field_count > 0)
        return RECORD_EMPTY_KEY;
    if (f->value_field) {
        const struct record_field *field = &s->fields[f->value_field - 1];
        out->value = field->start;
        out->value_len = field->len;
        record_trim_blanks(&out->value, &out->value_len);
    }
    return RECORD_OK;
}

enum record_status splitter_split(struct splitter *s, const char *record,
                                  size_t len, struct record_parts *out)
{
    out->value = NULL;
    out->value_len = 0;
    if (s->format->field_mode)
        return split_fields(s, record, len, out);
    return split_key_value(s, record, len, out);
}

void splitter_field(const struct splitter *s, size_t field,
                    const char **text, size_t *len)
{
    *text = s->fields[field - 1].start;
    *len = s->fields[field - 1].len;
}
