/* record: key-value and field splitting.  Field mode finds a record's
 * fields up to the last one wanted, and all of them when some are counted
 * from the end. */
#include "config.h"

#include "record.h"
#include "diag.h"
#include "fieldscan.h"
#include "logformat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct splitter {
    const struct record_format *format;
    const struct fieldscan *scan;
    size_t field_count;         /* fields worth finding: highest wanted */
    size_t deepest;             /* deepest wanted from the end, or 0 */
    size_t found;               /* fields of the last record split */
    struct record_field *fields;       /* found fields, 1-based index - 1 */
    size_t field_cap;           /* with deepest: room in fields */
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

/* The greater of HIGHEST and the rank of FIELD: its number if it counts
 * from the start (FROM_END false), its depth if from the end. */
static size_t higher(size_t highest, size_t field, bool from_end)
{
    size_t rank = from_end ? record_depth(field)
                           : record_from_end(field) ? 0 : field;
    return rank > highest ? rank : highest;
}

/* The highest rank (see higher) among FORMAT's fields. */
static size_t highest_rank(const struct record_format *format,
                           bool from_end)
{
    size_t highest = higher(0, format->value_field, from_end);
    for (size_t i = 0; i < format->key_field_count; i++)
        highest = higher(highest, format->key_fields[i], from_end);
    for (size_t i = 0; i < format->where_field_count; i++)
        highest = higher(highest, format->where_fields[i], from_end);
    highest = higher(highest, format->time_field, from_end);
    return highest;
}

size_t record_highest_field(const struct record_format *format)
{
    return highest_rank(format, false);
}

size_t record_deepest_field(const struct record_format *format)
{
    return highest_rank(format, true);
}

/* FIELD, if a record of FOUND fields lacks it and it comes before LOWEST
 * (0 for none yet); else LOWEST.  Fields from the start come first, in
 * their order, then those from the end, shallowest first. */
static size_t lower_missing(size_t field, size_t found, size_t lowest)
{
    size_t rank = record_from_end(field) ? record_depth(field) : field;
    if (field == 0 || rank <= found)
        return lowest;
    if (lowest == 0)
        return field;
    if (record_from_end(field) != record_from_end(lowest))
        return record_from_end(lowest) ? field : lowest;
    size_t lowest_rank = record_from_end(lowest) ? record_depth(lowest)
                                                 : lowest;
    return rank < lowest_rank ? field : lowest;
}

size_t record_missing_field(const struct record_format *format,
                            size_t found)
{
    size_t missing = lower_missing(format->value_field, found, 0);
    for (size_t i = 0; i < format->key_field_count; i++)
        missing = lower_missing(format->key_fields[i], found, missing);
    for (size_t i = 0; i < format->where_field_count; i++)
        missing = lower_missing(format->where_fields[i], found, missing);
    return lower_missing(format->time_field, found, missing);
}

struct splitter *splitter_new(const struct record_format *format)
{
    struct splitter *s = xcalloc(1, sizeof *s);
    s->format = format;
    s->scan = format->scan;
    if (!s->scan) {
        char why[128];
        s->scan = fieldscan_choose(NULL, why, sizeof why);
    }
    size_t highest = record_highest_field(format);
    s->field_count = highest;
    s->deepest = record_deepest_field(format);
    /* Fields counted from the end need all of them: room for a common
     * record, grown for longer ones. */
    s->field_cap = s->deepest ? (highest > 16 ? highest : 16) : highest;
    s->fields = xcalloc(s->field_cap ? s->field_cap : 1, sizeof *s->fields);
    if (format->quoted_groups) {
        /* A log line's fields, one more to tell that there are too
         * many, and its derived fields after them. */
        s->group_max = format->log ? format->log->field_count + 1
                                   : s->field_cap;
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

/* Doubles the room for fields (and groups) when a record has more than
 * there is room for and all are wanted. */
static void grow_fields(struct splitter *s)
{
    s->field_cap *= 2;
    s->fields = xrealloc(s->fields, s->field_cap * sizeof *s->fields);
    if (s->groups && !s->format->log) {
        s->group_max = s->field_cap;
        s->groups = xrealloc(s->groups, (s->group_max + LOG_DERIVED_COUNT)
                                            * sizeof *s->groups);
    }
}

/* Fills s->fields with up to field_count fields, or all of them with
 * fields from the end wanted; returns how many it found. */
static size_t find_fields(struct splitter *s, const char *p, size_t len)
{
    fieldscan_fn *scan = s->format->blank_separated ? s->scan->blanks
                                                     : s->scan->separated;
    char sep = s->format->field_separator;
    if (!s->deepest)
        return scan(p, len, sep, s->fields, s->field_count);
    size_t n;
    while ((n = scan(p, len, sep, s->fields, s->field_cap)) == s->field_cap)
        grow_fields(s);
    return n;
}

/* Like find_fields, for quoted_groups: sets *FOUND, or returns
 * RECORD_MALFORMED with the reason in s->why. */
static enum record_status find_groups(struct splitter *s, const char *p,
                                      size_t len, size_t *found)
{
    const struct log_format_def *log = s->format->log;
    size_t n;
    bool ended;
    while ((ended = log_split(p, len, s->groups, s->group_max, &n))
           && s->deepest && !log && n == s->group_max)
        grow_fields(s);
    if (!ended) {
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
    *found = s->deepest || n < s->field_count ? n : s->field_count;
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
                     const struct record_field *fields, size_t found,
                     char **key, size_t *key_cap, struct record_parts *out)
{
    size_t need = f->key_field_count;
    for (size_t i = 0; i < f->key_field_count; i++)
        need += record_field_of(fields, found, f->key_fields[i])->len;
    if (need > *key_cap) {
        *key_cap = need * 2;
        *key = xrealloc(*key, *key_cap);
    }
    char *p = *key;
    bool all_empty = true;
    for (size_t i = 0; i < f->key_field_count; i++) {
        const struct record_field *field =
            record_field_of(fields, found, f->key_fields[i]);
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
    s->found = found;
    if (found < s->field_count || found < s->deepest) {
        out->missing_field = record_missing_field(f, found);
        return RECORD_MISSING_FIELD;
    }
    if (f->key_field_count == 0) {
        /* --time without --key: the time bucket is all the key. */
        out->key = record;
        out->key_len = 0;
    } else if (f->key_field_count == 1) {
        const struct record_field *field =
            record_field_of(s->fields, found, f->key_fields[0]);
        out->key = field->start;
        out->key_len = field->len;
    } else {
        record_join_key(s->format, s->fields, found, &s->key, &s->key_cap,
                        out);
    }
    if (out->key_len == 0 && f->key_field_count > 0)
        return RECORD_EMPTY_KEY;
    if (f->value_field) {
        const struct record_field *field =
            record_field_of(s->fields, found, f->value_field);
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
    const struct record_field *f = record_field_of(s->fields, s->found,
                                                   field);
    *text = f->start;
    *len = f->len;
}
