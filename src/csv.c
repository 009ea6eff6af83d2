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
 * depend on them, so that a fault cannot shift the records after it.
 *
 * Two ways of scanning, one answer.  csv_scan follows the rules byte by
 * byte from event to event.  The quick path (csv_last_end, csv_record)
 * takes 64 bytes at a time as bit masks of quotes, terminators and
 * separators, and tells inside from outside by the parity of the quotes
 * before each byte: a doubled quote flips it twice, an opening and a
 * closing quote once each.  The two agree as long as every quote that
 * makes the parity odd follows a separator, a terminator, another quote
 * or the record's start; a quote anywhere else is a fault to the rules
 * and does not open a field, so the quick path stops there and csv_scan
 * does the work.  So does text after a closing quote, for its message,
 * and a quoted field still open where the bytes end.  Worked example,
 * bytes 0 to 9 of a,"b""c",d: quotes at 2, 4, 5 and 7 give the odd
 * parity from 2 to 3 and from 5 to 6; the separators outside are 1 and
 * 8, and the quotes at 2 (after a separator) and 5 (after a quote) are
 * the ones that make it odd. */
#include "config.h"

#include "csv.h"
#include "diag.h"

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* Bit i of each mask stands for byte i of up to 64 bytes. */
struct chunk {
    uint64_t quotes, terminators, separators, returns;
    uint64_t beyond;            /* bits past the bytes there are */
};

/* The masks of the N bytes at P (N at most 64), of which READABLE may be
 * read; fewer than 64 readable are copied first. */
static inline void chunk_masks(const char *p, size_t n, size_t readable,
                               char separator, char terminator,
                               struct chunk *c)
{
    char copy[64];
    if (readable < 64) {
        memset(copy, 0, sizeof copy);
        memcpy(copy, p, n);
        p = copy;
    }
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), t = _mm_set1_epi8(terminator);
    const __m128i s = _mm_set1_epi8(separator), r = _mm_set1_epi8('\r');
    *c = (struct chunk){ 0 };
    for (unsigned i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        unsigned shift = 16 * i;
        c->quotes |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, q))
                     << shift;
        c->terminators |=
            (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, t)) << shift;
        c->separators |=
            (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, s)) << shift;
        c->returns |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, r))
                      << shift;
    }
#else
    *c = (struct chunk){ 0 };
    for (unsigned i = 0; i < 64; i++) {
        uint64_t bit = (uint64_t)1 << i;
        c->quotes |= p[i] == '"' ? bit : 0;
        c->terminators |= p[i] == terminator ? bit : 0;
        c->separators |= p[i] == separator ? bit : 0;
        c->returns |= p[i] == '\r' ? bit : 0;
    }
#endif
    c->beyond = n < 64 ? ~(((uint64_t)1 << n) - 1) : 0;
    c->quotes &= ~c->beyond;
    c->terminators &= ~c->beyond;
    c->separators &= ~c->beyond;
    c->returns &= ~c->beyond;
}

/* Bit i of the result is the parity of bits 0 to i of X. */
static inline uint64_t prefix_parity(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/* Where the quick path is between two chunks. */
struct parity {
    uint64_t inside;            /* all ones if the last chunk ended in a
                                   quoted field */
    uint64_t after_boundary;    /* bit 0: its last byte may precede an
                                   opening quote (or none came yet) */
};

/* The bytes of C inside quoted fields (a quote counts as inside when it
 * makes the parity odd), or false if a quote makes it odd where no field
 * starts: the rules then part from the parity. */
static inline bool chunk_inside(const struct chunk *c, struct parity *at,
                                uint64_t *inside)
{
    uint64_t odd = prefix_parity(c->quotes) ^ at->inside;
    uint64_t boundaries = c->separators | c->terminators | c->quotes;
    uint64_t field_starts = boundaries << 1 | at->after_boundary;
    if (c->quotes & odd & ~field_starts)
        return false;
    at->inside = (uint64_t)((int64_t)odd >> 63);
    at->after_boundary = boundaries >> 63;
    *inside = odd;
    return true;
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

/* csv_last_end by csv_scan alone. */
static size_t last_end_by_rules(const char *data, size_t len, size_t from,
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

size_t csv_last_end(const char *data, size_t len, size_t from,
                    char separator, char terminator)
{
    struct parity at = { .inside = 0, .after_boundary = 1 };
    size_t last = 0;
    for (size_t i = from; i < len; i += 64) {
        size_t n = len - i < 64 ? len - i : 64;
        struct chunk c;
        uint64_t inside;
        chunk_masks(data + i, n, n, separator, terminator, &c);
        if (!chunk_inside(&c, &at, &inside))
            return last_end_by_rules(data, len, from, separator, terminator);
        uint64_t ends = c.terminators & ~inside;
        if (ends)
            last = i + 64 - (size_t)__builtin_clzll(ends);
    }
    return last;
}

/* csv_record's quick path: false if it cannot tell (see the top). */
static bool record_by_parity(const char *p, size_t avail, char separator,
                             char terminator, struct csv_record *out)
{
    struct parity at = { .inside = 0, .after_boundary = 1 };
    uint64_t lines = 0, close_before = 0;
    for (size_t i = 0;; i += 64) {
        size_t n = avail - i < 64 ? avail - i : 64;
        struct chunk c;
        uint64_t inside;
        chunk_masks(p + i, n, n, separator, terminator, &c);
        if (!chunk_inside(&c, &at, &inside))
            return false;
        uint64_t ends = c.terminators & ~inside;
        uint64_t mine = ends ? (ends & -ends) - 1 : ~(uint64_t)0;
        /* What may follow a closing quote: a separator, the terminator,
         * a quote that doubles it, CR before the terminator, or nothing. */
        uint64_t closes = c.quotes & ~inside & mine;
        uint64_t may_follow = c.separators | c.terminators | c.quotes
                            | (c.returns & c.terminators >> 1) | c.beyond;
        if (((closes << 1 | close_before) & ~may_follow) != 0)
            return false;
        close_before = closes >> 63;
        /* Few records span lines: a loop is cheaper than a count. */
        for (uint64_t m = c.terminators & inside & mine; m; m &= m - 1)
            lines++;
        if (ends) {
            out->len = i + (size_t)__builtin_ctzll(ends);
            out->masks = i == 0;
            out->separators = c.separators & ~inside & mine;
            out->quotes = c.quotes & mine;
            break;
        }
        if (n < 64) {
            if (at.inside)
                return false;
            out->len = avail;
            out->masks = i == 0;
            out->separators = c.separators & ~inside;
            out->quotes = c.quotes;
            break;
        }
    }
    out->lines = lines;
    out->fault = RECORD_OK;
    out->fault_field = 0;
    return true;
}

void csv_record(const char *p, size_t avail, char separator,
                char terminator, struct csv_record *out)
{
    if (avail > 0 && record_by_parity(p, avail, separator, terminator, out))
        return;
    struct csv_scan scan;
    csv_scan_start(&scan);
    size_t len = csv_scan(&scan, p, avail, separator, terminator);
    /* A quoted field still open at the end of the input: the input's
     * last line end is still the record's own. */
    if (scan.place == CSV_QUOTED && len > 0 && p[len - 1] == terminator) {
        len--;
        scan.lines--;
    }
    out->fault_field = csv_scan_finish(&scan, p, separator);
    out->masks = false;
    out->len = len;
    out->lines = scan.lines;
    out->fault = scan.fault;
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

struct csv_splitter {
    const struct record_format *format;
    size_t field_count;         /* fields worth finding: highest wanted, or
                                   with deepest, room for all */
    size_t highest;             /* highest wanted from the start */
    size_t deepest;             /* deepest wanted from the end, or 0 */
    size_t found;               /* fields of the last record split */
    struct record_field *fields;       /* found fields, 1-based index - 1 */
    bool *wanted;               /* which are the key's, the value or
                                   --where's; all, with deepest */
    char *text;                 /* unquoted fields that held "" */
    size_t text_cap;
    char *key;                  /* composite key */
    size_t key_cap;
};

struct csv_splitter *csv_splitter_new(const struct record_format *format)
{
    struct csv_splitter *s = xcalloc(1, sizeof *s);
    s->format = format;
    size_t highest = record_highest_field(format);
    s->field_count = s->highest = highest;
    s->deepest = record_deepest_field(format);
    s->fields = xcalloc(highest ? highest : 1, sizeof *s->fields);
    s->wanted = xcalloc(highest ? highest : 1, sizeof *s->wanted);
    for (size_t i = 0; i < highest; i++)
        s->wanted[i] = s->deepest > 0;
    for (size_t i = 0; i < format->where_field_count; i++)
        if (!record_from_end(format->where_fields[i]))
            s->wanted[format->where_fields[i] - 1] = true;
    for (size_t i = 0; i < format->key_field_count; i++)
        if (!record_from_end(format->key_fields[i]))
            s->wanted[format->key_fields[i] - 1] = true;
    if (format->value_field && !record_from_end(format->value_field))
        s->wanted[format->value_field - 1] = true;
    if (format->time_field && !record_from_end(format->time_field))
        s->wanted[format->time_field - 1] = true;
    return s;
}

/* With fields from the end wanted, makes room for every field of a
 * record of LEN bytes, which has at most LEN + 1. */
static void room_for_all(struct csv_splitter *s, size_t len)
{
    if (len + 1 <= s->field_count)
        return;
    size_t cap = len + 1 > 2 * s->field_count ? len + 1 : 2 * s->field_count;
    s->fields = xrealloc(s->fields, cap * sizeof *s->fields);
    s->wanted = xrealloc(s->wanted, cap * sizeof *s->wanted);
    for (size_t i = s->field_count; i < cap; i++)
        s->wanted[i] = true;
    s->field_count = cap;
}

void csv_splitter_free(struct csv_splitter *s)
{
    if (!s)
        return;
    free(s->fields);
    free(s->wanted);
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
                               struct record_field *out)
{
    const char *start = ++p;
    const char *close = memchr(p, '"', (size_t)(end - p));
    if (!close || close + 1 == end || close[1] != '"') {
        *out = (struct record_field){ start, (size_t)((close ? close : end) - start) };
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
    *out = (struct record_field){ text, (size_t)(t - text) };
    *used += (size_t)(t - text);
    return close < end ? close + 1 : end;
}

/* Sets *OUT to the field of the LEN bytes at P, unquoted, copying it to
 * the splitter's text at *USED if it holds a doubled quote; JUST_TWO
 * says it has two quotes at most. */
static void take_field(struct csv_splitter *s, const char *p, size_t len,
                       bool just_two, size_t *used, struct record_field *out)
{
    if (len == 0 || *p != '"') {
        *out = (struct record_field){ p, len };
        return;
    }
    if (just_two) {
        *out = (struct record_field){ p + 1, len - 2 };
        return;
    }
    take_quoted(s, p, p + len, used, out);
}

/* find_fields by the parity of quotes (see the top); the number of
 * fields, or 0 if the parity cannot tell, which a record without faults
 * never makes it. */
/* Where fields_by_parity is in a record. */
struct field_walk {
    size_t n;                   /* fields found */
    size_t start;               /* of the next field */
    size_t used;                /* of the splitter's text */
};

/* Takes the fields of P that end at the bits of ENDS, a mask of the 64
 * bytes from offset I whose quotes are QUOTES. */
static void take_fields(struct csv_splitter *s, const char *p, size_t i,
                        uint64_t ends, uint64_t quotes, struct field_walk *w)
{
    for (; ends && w->n < s->field_count; ends &= ends - 1) {
        size_t stop = i + (size_t)__builtin_ctzll(ends);
        if (!s->wanted[w->n]) {
            w->n++;
            w->start = stop + 1;
            continue;
        }
        /* Quotes are looked at when the field starts in this chunk:
         * clearing the lowest two leaves none if there were two. */
        bool just_two = false;
        if (w->start >= i) {
            uint64_t span = (stop - i < 64 ? ((uint64_t)1 << (stop - i)) - 1
                                           : ~(uint64_t)0)
                          & ~(((uint64_t)1 << (w->start - i)) - 1);
            uint64_t q = quotes & span;
            q &= q - 1;
            just_two = (q & (q - 1)) == 0;
        }
        take_field(s, p + w->start, stop - w->start, just_two, &w->used,
                   &s->fields[w->n++]);
        w->start = stop + 1;
    }
}

static size_t fields_by_parity(struct csv_splitter *s, const char *p,
                               size_t len, size_t readable,
                               const struct csv_record *scan)
{
    struct field_walk w = { 0, 0, 0 };
    /* The scan has the masks of a record shorter than 64 bytes. */
    if (scan && scan->masks && len < 64) {
        uint64_t ends = (scan->separators & (((uint64_t)1 << len) - 1))
                      | (uint64_t)1 << len;
        take_fields(s, p, 0, ends, scan->quotes, &w);
        return w.n;
    }
    char separator = s->format->field_separator;
    struct parity at = { .inside = 0, .after_boundary = 1 };
    for (size_t i = 0; w.n < s->field_count; i += 64) {
        size_t bytes = len - i < 64 ? len - i : 64;
        struct chunk c;
        uint64_t inside;
        /* No terminator is left in a record: the separator stands in. */
        chunk_masks(p + i, bytes, readable - i, separator, separator, &c);
        if (!chunk_inside(&c, &at, &inside))
            return 0;
        uint64_t ends = c.separators & ~inside;
        /* The last field ends with the record. */
        if (bytes < 64)
            ends |= (uint64_t)1 << bytes;
        take_fields(s, p, i, ends, c.quotes, &w);
        if (bytes < 64)
            break;
    }
    return w.n;
}

/* Fills s->fields with up to field_count fields; returns how many exist. */
static size_t find_fields(struct csv_splitter *s, const char *p, size_t len,
                          size_t readable, const struct csv_record *scan)
{
    const char *end = p + len;
    char sep = s->format->field_separator;
    size_t n = 0, used = 0;

    if (len > s->text_cap) {
        s->text_cap = len * 2;
        s->text = xrealloc(s->text, s->text_cap);
    }
    size_t found = fields_by_parity(s, p, len, readable, scan);
    if (found > 0)
        return found;
    while (n < s->field_count) {
        if (p < end && *p == '"') {
            p = take_quoted(s, p, end, &used, &s->fields[n]);
        } else {
            const char *stop = memchr(p, sep, (size_t)(end - p));
            s->fields[n] = (struct record_field){ p, (size_t)((stop ? stop : end) - p) };
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

enum record_status csv_split(struct csv_splitter *s, const char *record,
                             size_t len, size_t readable,
                             const struct csv_record *scan,
                             struct record_parts *out)
{
    const struct record_format *f = s->format;
    out->value = NULL;
    out->value_len = 0;
    if (s->deepest)
        room_for_all(s, len);
    size_t found = find_fields(s, record, len, readable, scan);
    s->found = found;
    if (found < s->highest || found < s->deepest) {
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

void csv_splitter_field(const struct csv_splitter *s, size_t field,
                        const char **text, size_t *len)
{
    const struct record_field *f = record_field_of(s->fields, s->found,
                                                   field);
    *text = f->start;
    *len = f->len;
}
