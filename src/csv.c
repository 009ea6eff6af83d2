/* csv: scanning RFC 4180 records for their ends and faults, and splitting
 * one into its fields.
 *
 * The rules, as the scan applies them.  A quote opens a quoted field only
 * as the first byte of a field; in a quoted field two quotes are one
 * quote, and one quote closes the field, which must then end (a separator,
 * the terminator, or CR before the terminator).  A terminator outside a
 * quoted field ends the record.  A quote anywhere else, text after a
 * closing quote and a quoted field still open where the record's bytes
 * end are faults: the record is rejected, but where it ends does not
 * depend on them, so that a fault cannot shift the records after it. */
#include "config.h"

#include "csv.h"
#include "diag.h"

#include <stdlib.h>
#include <string.h>

/* The offset of the first byte in the LEN bytes at P that is A or B, or
 * LEN; eight bytes at a time. */
static size_t find_either(const char *p, size_t len, char a, char b)
{
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t highs = 0x8080808080808080ULL;
    const uint64_t as = ones * (unsigned char)a, bs = ones * (unsigned char)b;
    for (; i + 8 <= len; i += 8) {
        uint64_t x, y, z;
        memcpy(&x, p + i, 8);
        y = x ^ as;
        z = x ^ bs;
        /* A zero byte in y or z marks a match; the lowest flagged byte is
         * always a true one. */
        uint64_t found = ((y - ones) & ~y & highs) | ((z - ones) & ~z & highs);
        if (found)
            return i + ((size_t)__builtin_ctzll(found) >> 3);
    }
#endif
    while (i < len && p[i] != a && p[i] != b)
        i++;
    return i;
}

void csv_scan_start(struct csv_scan *s)
{
    *s = (struct csv_scan){ .place = CSV_FIELD_START, .fault = RECORD_OK };
}

static void note_fault(struct csv_scan *s, enum record_status fault,
                       size_t at)
{
    if (s->fault == RECORD_OK) {
        s->fault = fault;
        s->fault_at = at;
    }
}

size_t csv_scan(struct csv_scan *s, const char *p, size_t len,
                char separator, char terminator)
{
    enum csv_place place = s->place;
    size_t i = 0, end = len;

    while (i < len) {
        if (place == CSV_QUOTED) {
            size_t j = i + find_either(p + i, len - i, '"', terminator);
            if (j == len) {
                i = len;
                break;
            }
            if (p[j] == terminator)
                s->lines++;
            else
                place = CSV_QUOTE_IN_QUOTED;
            i = j + 1;
        } else if (place == CSV_QUOTE_IN_QUOTED) {
            char c = p[i];
            if (c == '"') {
                place = CSV_QUOTED;
                i++;
            } else if (c == terminator) {
                end = i;
                break;
            } else {
                bool at_line_end = c == '\r' && terminator == '\n'
                                   && (i + 1 == len || p[i + 1] == '\n');
                if (c != separator && !at_line_end)
                    note_fault(s, RECORD_TEXT_AFTER_QUOTE, s->done + i);
                place = c == separator ? CSV_FIELD_START : CSV_UNQUOTED;
                i++;
            }
        } else {
            size_t j = i + find_either(p + i, len - i, '"', terminator);
            if (j > i)
                place = p[j - 1] == separator ? CSV_FIELD_START
                                              : CSV_UNQUOTED;
            if (j == len) {
                i = len;
                break;
            }
            if (p[j] == terminator) {
                end = j;
                break;
            }
            if (place == CSV_FIELD_START) {
                place = CSV_QUOTED;
                s->quote_at = s->done + j;
            } else {
                note_fault(s, RECORD_STRAY_QUOTE, s->done + j);
            }
            i = j + 1;
        }
    }
    s->place = place;
    s->done += end;
    return end;
}

size_t csv_last_end(const char *data, size_t len, size_t from,
                    char separator, char terminator)
{
    size_t last = 0, at = from;
    while (at < len) {
        struct csv_scan s;
        csv_scan_start(&s);
        size_t n = csv_scan(&s, data + at, len - at, separator, terminator);
        if (n == len - at)
            break;
        at += n + 1;
        last = at;
    }
    return last;
}

size_t csv_scan_finish(struct csv_scan *s, const char *record,
                       char separator)
{
    if (s->place == CSV_QUOTED)
        note_fault(s, RECORD_UNTERMINATED_QUOTE, s->quote_at);
    if (s->fault == RECORD_OK)
        return 0;
    /* Rare: count the fields before the fault by the same rules. */
    size_t field = 1;
    enum csv_place place = CSV_FIELD_START;
    for (size_t i = 0; i < s->fault_at; i++) {
        char c = record[i];
        switch (place) {
        case CSV_FIELD_START:
        case CSV_UNQUOTED:
            if (c == separator) {
                field++;
                place = CSV_FIELD_START;
            } else {
                place = c == '"' && place == CSV_FIELD_START
                      ? CSV_QUOTED : CSV_UNQUOTED;
            }
            break;
        case CSV_QUOTED:
            if (c == '"')
                place = CSV_QUOTE_IN_QUOTED;
            break;
        case CSV_QUOTE_IN_QUOTED:
            if (c == separator)
                field++;
            place = c == '"' ? CSV_QUOTED
                  : c == separator ? CSV_FIELD_START : CSV_UNQUOTED;
            break;
        }
    }
    return field;
}

struct field {
    const char *start;
    size_t len;
};

struct csv_splitter {
    const struct record_format *format;
    size_t field_count;         /* fields worth finding: highest wanted */
    struct field *fields;       /* found fields, 1-based index - 1 */
    char *text;                 /* unquoted fields that held "" */
    size_t text_cap;
    char *key;                  /* composite key */
    size_t key_cap;
};

struct csv_splitter *csv_splitter_new(const struct record_format *format)
{
    struct csv_splitter *s = xcalloc(1, sizeof *s);
    s->format = format;
    size_t highest = format->value_field;
    for (size_t i = 0; i < format->key_field_count; i++)
        if (format->key_fields[i] > highest)
            highest = format->key_fields[i];
    s->field_count = highest;
    s->fields = xcalloc(highest ? highest : 1, sizeof *s->fields);
    return s;
}

void csv_splitter_free(struct csv_splitter *s)
{
    if (!s)
        return;
    free(s->fields);
    free(s->text);
    free(s->key);
    free(s);
}

/* The quoted field whose opening quote is at P, before END: sets *OUT to
 * its text, copied to the splitter's text at *USED with each doubled
 * quote made one if it holds any, and returns where the field ends,
 * just past its closing quote. */
static const char *take_quoted(struct csv_splitter *s, const char *p,
                               const char *end, size_t *used,
                               struct field *out)
{
    const char *start = ++p;
    const char *close = memchr(p, '"', (size_t)(end - p));
    if (!close || close + 1 == end || close[1] != '"') {
        *out = (struct field){ start, (size_t)((close ? close : end) - start) };
        return close ? close + 1 : end;
    }
    char *text = s->text + *used, *t = text;
    for (;;) {
        close = memchr(p, '"', (size_t)(end - p));
        if (!close)
            close = end;
        memcpy(t, p, (size_t)(close - p));
        t += close - p;
        if (close + 1 >= end || close[1] != '"')
            break;
        *t++ = '"';
        p = close + 2;
    }
    *out = (struct field){ text, (size_t)(t - text) };
    *used += (size_t)(t - text);
    return close < end ? close + 1 : end;
}

/* Fills s->fields with up to field_count fields; returns how many exist. */
static size_t find_fields(struct csv_splitter *s, const char *p, size_t len)
{
    const char *end = p + len;
    char sep = s->format->field_separator;
    size_t n = 0, used = 0;

    if (len > s->text_cap) {
        s->text_cap = len * 2;
        s->text = xrealloc(s->text, s->text_cap);
    }
    while (n < s->field_count) {
        if (p < end && *p == '"') {
            p = take_quoted(s, p, end, &used, &s->fields[n]);
        } else {
            const char *stop = memchr(p, sep, (size_t)(end - p));
            s->fields[n] = (struct field){ p, (size_t)((stop ? stop : end) - p) };
            p = stop ? stop : end;
        }
        n++;
        /* A fault-free record has a separator or its end here. */
        if (p >= end)
            break;
        p++;
    }
    return n;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim_blanks(const char **text, size_t *len)
{
    const char *p = *text, *end = p + *len;
    while (p < end && is_blank(*p))
        p++;
    while (end > p && is_blank(end[-1]))
        end--;
    *text = p;
    *len = (size_t)(end - p);
}

/* Joins the key fields into the key buffer, as record.c does. */
static void join_key(struct csv_splitter *s, struct record_parts *out)
{
    const struct record_format *f = s->format;
    size_t need = f->key_field_count;
    for (size_t i = 0; i < f->key_field_count; i++)
        need += s->fields[f->key_fields[i] - 1].len;
    if (need > s->key_cap) {
        s->key_cap = need * 2;
        s->key = xrealloc(s->key, s->key_cap);
    }
    char *p = s->key;
    bool all_empty = true;
    for (size_t i = 0; i < f->key_field_count; i++) {
        const struct field *field = &s->fields[f->key_fields[i] - 1];
        if (i > 0)
            *p++ = RECORD_KEY_JOIN;
        memcpy(p, field->start, field->len);
        p += field->len;
        all_empty = all_empty && field->len == 0;
    }
    out->key = s->key;
    out->key_len = all_empty ? 0 : (size_t)(p - s->key);
}

enum record_status csv_split(struct csv_splitter *s, const char *record,
                             size_t len, struct record_parts *out)
{
    const struct record_format *f = s->format;
    out->value = NULL;
    out->value_len = 0;
    size_t found = find_fields(s, record, len);
    if (found < s->field_count) {
        size_t missing = f->value_field > found ? f->value_field : 0;
        for (size_t i = 0; i < f->key_field_count; i++)
            if (f->key_fields[i] > found
                && (missing == 0 || f->key_fields[i] < missing))
                missing = f->key_fields[i];
        out->missing_field = missing;
        return RECORD_MISSING_FIELD;
    }
    if (f->key_field_count == 1) {
        const struct field *field = &s->fields[f->key_fields[0] - 1];
        out->key = field->start;
        out->key_len = field->len;
    } else {
        join_key(s, out);
    }
    if (out->key_len == 0)
        return RECORD_EMPTY_KEY;
    if (f->value_field) {
        const struct field *field = &s->fields[f->value_field - 1];
        out->value = field->start;
        out->value_len = field->len;
        trim_blanks(&out->value, &out->value_len);
    }
    return RECORD_OK;
}
