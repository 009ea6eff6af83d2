/* worker: per-record checks and aggregation over a block. */
#include "config.h"

#include "worker.h"
#include "block.h"
#include "diag.h"
#include "options.h"
#include "table.h"

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct worker {
    const struct config *cfg;
    struct splitter *splitter;
    struct key_matcher *matcher;    /* NULL without --key-match */
    struct table *table;            /* NULL unless aggregating */
    bool extrema;                   /* min or max is wanted */
    char *shown_key;                /* composite key with TABs, for the
                                       pattern and messages */
    size_t shown_key_cap;
};

struct worker *worker_new(const struct config *cfg)
{
    struct worker *w = xcalloc(1, sizeof *w);
    w->cfg = cfg;
    w->splitter = splitter_new(&cfg->format);
    if (cfg->rules.key_pattern) {
        char error[256];
        w->matcher = key_matcher_new(cfg->rules.key_pattern, error,
                                     sizeof error);
        if (!w->matcher) {
            diag_error("invalid --key-match value '%s': %s",
                       cfg->rules.key_pattern, error);
            worker_free(w);
            return NULL;
        }
    }
    if (cfg->mode == OUTPUT_AGGREGATE)
        w->table = table_new();
    w->extrema = aggregate_wants_extrema(cfg->ops, cfg->op_count);
    return w;
}

void worker_free(struct worker *w)
{
    if (!w)
        return;
    splitter_free(w->splitter);
    key_matcher_free(w->matcher);
    table_free(w->table);
    free(w->shown_key);
    free(w);
}

struct table *worker_table(struct worker *w)
{
    return w->table;
}

struct table *worker_take_table(struct worker *w)
{
    struct table *t = w->table;
    w->table = NULL;
    return t;
}

/* The key as a user reads it: composite fields joined by TAB. */
static const char *shown_key(struct worker *w, const char *key, size_t len)
{
    if (w->cfg->format.key_field_count < 2)
        return key;
    if (len > w->shown_key_cap) {
        w->shown_key_cap = len * 2;
        w->shown_key = xrealloc(w->shown_key, w->shown_key_cap);
    }
    for (size_t i = 0; i < len; i++)
        w->shown_key[i] = key[i] == RECORD_KEY_JOIN ? '\t' : key[i];
    return w->shown_key;
}

/* Where in the block the record being checked is. */
struct place {
    struct block *block;
    uint64_t record;
    size_t start, len;
};

#define REJECT(at, kind, ...) \
    block_reject((at)->block, (at)->record, (at)->start, (at)->len, (kind), \
                 __VA_ARGS__)

_Static_assert(REJECT_ABOVE_MAX == REJECT_BELOW_MIN + BOUND_MAX
               && REJECT_NOT_ABOVE == REJECT_BELOW_MIN + BOUND_ABOVE
               && REJECT_NOT_BELOW == REJECT_BELOW_MIN + BOUND_BELOW,
               "bound rejections follow enum bound_kind");

static void reject_split(const struct worker *w, const struct place *at,
                         enum record_status status,
                         const struct record_parts *parts)
{
    char delimiter[DIAG_EXCERPT_SIZE];
    switch (status) {
    case RECORD_NO_DELIMITER:
        if (w->cfg->format.delimiter == '\t')
            strcpy(delimiter, "\\t");
        else
            diag_excerpt(delimiter, &w->cfg->format.delimiter, 1);
        REJECT(at, REJECT_NO_DELIMITER, "missing delimiter '%s'", delimiter);
        break;
    case RECORD_MISSING_FIELD: {
        const struct record_format *f = &w->cfg->format;
        size_t n = parts->missing_field;
        if (n <= f->field_name_count && f->field_names[n - 1])
            REJECT(at, REJECT_MISSING_FIELD, "missing field %s",
                   f->field_names[n - 1]);
        else
            REJECT(at, REJECT_MISSING_FIELD, "missing field %zu", n);
        break;
    }
    case RECORD_MALFORMED:
        REJECT(at, REJECT_MALFORMED, "%s", parts->why);
        break;
    case RECORD_EMPTY_KEY:
        REJECT(at, REJECT_EMPTY_KEY, "empty key");
        break;
    case RECORD_OK:
        break;
    }
}

/* Parses and checks the value; false after rejecting the record. */
static bool check_value(const struct worker *w, const struct place *at,
                        const struct record_parts *parts,
                        struct number *value)
{
    char text[DIAG_EXCERPT_SIZE];
    if (parts->value_len == 0) {
        REJECT(at, REJECT_MISSING_VALUE, "missing value");
        return false;
    }
    switch (number_parse(parts->value, parts->value_len, value)) {
    case NUMBER_OK:
        break;
    case NUMBER_INVALID:
        diag_excerpt(text, parts->value, parts->value_len);
        REJECT(at, REJECT_INVALID_NUMBER, "invalid number '%s'", text);
        return false;
    case NUMBER_TOO_LONG:
        diag_excerpt(text, parts->value, parts->value_len);
        REJECT(at, REJECT_TOO_MANY_DIGITS, "too many digits in number '%s'",
               text);
        return false;
    }
    if (!rules_accept(&w->cfg->rules, *value)) {
        enum bound_kind broken = rules_check_value(&w->cfg->rules, *value);
        diag_excerpt(text, parts->value, parts->value_len);
        REJECT(at, (enum reject_reason)(REJECT_BELOW_MIN + broken),
               bound_defs[broken].message, text,
               w->cfg->rules.bounds[broken].text);
        return false;
    }
    return true;
}

/* Rejects a record too long to keep, which the rejects file will not get
 * since it may never have been held whole. */
static void reject_long(struct worker *w, const struct place *at)
{
    REJECT(at, REJECT_TOO_LONG, "record longer than %zu bytes",
           w->cfg->max_record);
    at->block->rejections[at->block->rejection_count - 1].unkept = true;
}

static void check_record(struct worker *w, const struct place *at,
                         const char *record, size_t len, bool nul_possible)
{
    if (at->len > w->cfg->max_record) {
        reject_long(w, at);
        return;
    }
    /* Keys are joined and printed as C strings nowhere, but a NUL inside a
     * newline-ended record is almost always a corrupt or binary input. */
    if (nul_possible && memchr(record, '\0', len)) {
        REJECT(at, REJECT_NUL_BYTE, "NUL byte in record");
        return;
    }
    struct record_parts parts;
    enum record_status status = splitter_split(w->splitter, record, len,
                                               &parts);
    if (status != RECORD_OK) {
        reject_split(w, at, status, &parts);
        return;
    }
    struct number value;
    if (w->cfg->needs_value && !check_value(w, at, &parts, &value))
        return;
    if (w->matcher) {
        const char *key = shown_key(w, parts.key, parts.key_len);
        if (!key_matcher_match(w->matcher, key, parts.key_len)) {
            char text[DIAG_EXCERPT_SIZE];
            diag_excerpt(text, key, parts.key_len);
            REJECT(at, REJECT_KEY_MISMATCH, "key '%s' does not match '%s'",
                   text, w->cfg->rules.key_pattern);
            return;
        }
    }
    if (w->table) {
        struct accum *a = table_find_or_add(w->table, parts.key,
                                            parts.key_len);
        if (w->cfg->needs_value)
            accum_add(a, value);
        else
            accum_count(a);
    }
}

/* The first byte at or after P that is A or B, eight bytes at a time.
 * One of them must occur before the end of the block's slack. */
static inline const char *find_either(const char *p, char a, char b)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t highs = 0x8080808080808080ULL;
    const uint64_t as = ones * (unsigned char)a, bs = ones * (unsigned char)b;
    for (;; p += 8) {
        uint64_t x, y, z;
        memcpy(&x, p, 8);
        y = x ^ as;
        z = x ^ bs;
        /* A zero byte in y or z marks a match; the lowest flagged byte is
         * always a true one. */
        uint64_t found = ((y - ones) & ~y & highs) | ((z - ones) & ~z & highs);
        if (found)
            return p + (__builtin_ctzll(found) >> 3);
    }
#else
    while (*p != a && *p != b)
        p++;
    return p;
#endif
}

/* table_key_head of the key of LEN bytes at P, which the block's slack
 * lets us read eight bytes at a time. */
static inline uint64_t load_head(const char *p, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t head;
    memcpy(&head, p, 8);
    return len >= 8 ? head : head & ((1ULL << (8 * len)) - 1);
#else
    return table_key_head(p, len);
#endif
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The value of the N digits (1 to 8) in the low bytes of D, each byte
 * already less '0': the digits move to the top bytes, then pairs, quads
 * and the two halves fold into one binary number. */
static inline uint64_t fold_digits(uint64_t d, unsigned n)
{
    d <<= 8 * (8 - n);
    d = d * 10 + (d >> 8);
    return ((d & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))
            + ((d >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))
           >> 32;
}

/* The value of the N digits (1 to 8) at P, whatever follows them: a byte
 * less '0' borrows only from the bytes above it, which fold_digits drops. */
static inline uint64_t digits_value(const char *p, unsigned n)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return fold_digits(x - 0x3030303030303030ULL, n);
}
#endif

/* Reads the run of decimal digits at *P, advancing *P past it, and returns
 * its value; *COUNT is set to the number of digits.  Eight bytes at a time
 * on little-endian machines.  The value is meaningful only when *COUNT is
 * at most 19.  Relies on the block's slack for reads past the run. */
static inline uint64_t read_digits(const char **p, size_t *count)
{
    const char *s = *p;
    uint64_t value = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t zeros = 0x3030303030303030ULL;
    for (;;) {
        uint64_t x;
        memcpy(&x, s, 8);
        /* Each byte less '0'; within the leading run of digits no borrow
         * or carry crosses a byte, so what follows the run cannot spoil
         * it.  A byte is a digit when its difference is below 10. */
        uint64_t d = x - zeros;
        uint64_t stops = (d | (d + 0x7676767676767676ULL))
                       & 0x8080808080808080ULL;
        unsigned n = stops ? (unsigned)__builtin_ctzll(stops) >> 3 : 8;
        if (n == 0)
            break;
        static const uint64_t scale[9] = { 1, 10, 100, 1000, 10000, 100000,
                                           1000000, 10000000, 100000000 };
        value = value * scale[n] + fold_digits(d, n);
        s += n;
        if (n < 8)
            break;
    }
#else
    unsigned digit;
    while ((digit = (unsigned)(unsigned char)*s - '0') < 10) {
        value = value * 10 + digit;
        s++;
    }
#endif
    *count = (size_t)(s - *p);
    *p = s;
    return value;
}

/* Accepted plain records whose table update is deferred, so that the
 * memory they will touch can be fetched for several at once: with many
 * keys the table does not fit in cache, and a lookup is mostly waiting. */
struct pending {
    const char *key;
    size_t len;
    uint64_t head, head2, hash;
    uint64_t value;         /* digits alone: never negative */
};
enum { PENDING_MAX = 16, BATCH_FROM_SLOTS = 1 << 16 };

struct pending_batch {
    struct pending items[PENDING_MAX];
    size_t count;
};

/* Applies the deferred updates: first asks for each one's entry, then
 * updates them in turn. */
static void flush_pending(struct worker *w, struct pending_batch *batch)
{
    struct table *t = w->table;
    for (size_t i = 0; i < batch->count; i++) {
        const struct table_slot *s =
            &t->slots[batch->items[i].hash & t->slot_mask];
        if (s->index)
            __builtin_prefetch(&t->entries[s->index - 1]);
    }
    for (size_t i = 0; i < batch->count; i++) {
        const struct pending *r = &batch->items[i];
        struct accum *a = table_find_or_add_hashed(t, r->key, r->len,
                                                   r->head, r->head2,
                                                   r->hash);
        accum_add_natural(a, r->value, w->extrema);
    }
    batch->count = 0;
}

/* A window's records are shorter than this, so any max_record from here
 * on passes them unchecked. */
enum { PLAIN_WINDOW = 16 };

struct plain_rules {
    char delimiter, terminator;
    uint64_t low, span;         /* the integers every bound accepts are
                                   low to low + span, as two's complement */
    size_t max_record;          /* SIZE_MAX if no record can exceed it */
};

/* Whether the value V passes RULES; one unsigned comparison tests both
 * ends of the range. */
static inline bool plain_in_range(const struct plain_rules *rules,
                                  uint64_t v)
{
    return v - rules->low <= rules->span;
}

/* Whether the value V of a plain record of LENGTH bytes (its terminator
 * aside) passes RULES. */
static inline bool plain_accepts(const struct plain_rules *rules,
                                 uint64_t v, size_t length)
{
    return plain_in_range(rules, v) && length <= rules->max_record;
}

/* A plain record, KEY<delimiter>DIGITS<terminator>: its key is the
 * KEY_LEN bytes it starts with, and the next record starts at NEXT. */
struct plain_record {
    size_t key_len;
    uint64_t value;
    const char *next;
};

/* Whether the record at P is plain, with at most NUMBER_MAX_DIGITS digits
 * in the range of RULES; if so fills *OUT.  Eight bytes at a time, for a
 * record of any length.  The block ends with a sentinel terminator. */
static inline __attribute__((always_inline)) bool
scan_plain_words(const char *p, const struct plain_rules *rules,
                 struct plain_record *out)
{
    const char *d = find_either(p, rules->delimiter, rules->terminator);
    if (*d != rules->delimiter || d == p)
        return false;
    const char *q = d + 1;
    size_t digits;
    uint64_t v = read_digits(&q, &digits);
    if (*q != rules->terminator || digits - 1 >= NUMBER_MAX_DIGITS
        || !plain_accepts(rules, v, (size_t)(q - p)))
        return false;
    *out = (struct plain_record){ .key_len = (size_t)(d - p), .value = v,
                                  .next = q + 1 };
    return true;
}

#if defined(__SSE2__) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Every x86-64 processor has SSE2. */
#define PLAIN_WINDOWS 1

/* The bytes a window of sixteen is compared with. */
struct window_sets {
    __m128i delimiters, terminators, zeros, nines;
};

static inline uint32_t bytes_equal(__m128i x, __m128i y)
{
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, y));
}

/* scan_plain_words, but a record shorter than sixteen bytes is checked
 * from three masks of the sixteen bytes at P.  Where the record ends then
 * takes one load and one compare, which keeps short the chain from each
 * record to the next, the one thing a record must wait for; the key and
 * the digits are checked beside it. */
static inline __attribute__((always_inline)) bool
scan_plain(const char *p, const struct plain_rules *rules,
           const struct window_sets *sets, struct plain_record *out)
{
    _Static_assert(sizeof(__m128i) == PLAIN_WINDOW, "a window is 16 bytes");
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    uint32_t ends = bytes_equal(x, sets->terminators);
    if (ends == 0)
        return scan_plain_words(p, rules, out);
    unsigned length = (unsigned)__builtin_ctz(ends);
    uint32_t record = (1u << length) - 1;
    uint32_t delimiters = bytes_equal(x, sets->delimiters) & record;
    __m128i less_zero = _mm_sub_epi8(x, sets->zeros);
    /* A digit less '0' is at most 9 as an unsigned byte. */
    uint32_t digit = bytes_equal(_mm_min_epu8(less_zero, sets->nines),
                                 less_zero);
    if (delimiters == 0)
        return false;
    unsigned key_len = (unsigned)__builtin_ctz(delimiters);
    uint32_t value = record & ~((2u << key_len) - 1);
    if (key_len == 0 || value == 0 || (digit & value) != value)
        return false;
    unsigned digits = length - key_len - 1;
    const char *q = p + key_len + 1;
    uint64_t v = digits <= 8 ? digits_value(q, digits)
                             : digits_value(q, digits - 8) * 100000000
                                   + digits_value(q + digits - 8, 8);
    /* Shorter than a window, so not longer than max_record either (see
     * plain_rules). */
    if (!plain_in_range(rules, v))
        return false;
    *out = (struct plain_record){ .key_len = key_len, .value = v,
                                  .next = p + length + 1 };
    return true;
}
#endif

/* table_hash of the key of LEN bytes at P whose heads are HEAD and HEAD2,
 * reading the rest of a long key eight bytes at a time, which the block's
 * slack allows. */
static inline uint64_t block_key_hash(const char *p, size_t len,
                                      uint64_t head, uint64_t head2)
{
    uint64_t h = table_hash_start(head, len);
    if (len > 8) {
        h = table_hash_word(h, head2);
        for (size_t i = 16; i < len; i += 8)
            h = table_hash_word(h, load_head(p + i, len - i));
    }
    return table_mix(h);
}

/* What a run of plain records does with each: only checks it (no table,
 * as with --ordered), adds it to the table at once (keeping the minimum
 * and maximum or not), or defers the update to a batch. */
enum plain_update { PLAIN_CHECK, PLAIN_ADD, PLAIN_ADD_EXTREMA, PLAIN_DEFER };

/* Takes the run of the commonest record, KEY<delimiter>DIGITS, that starts
 * at P, each in one pass with no splitting and no general number parsing,
 * and updates the table as UPDATE says.  Returns where the first record
 * that needs the general path starts (which also produces any rejection),
 * or a place at or past the block's end; *RECORDS counts the records
 * taken.  One loop over the run rather than a call per record lets the
 * compiler keep the rules in registers.  The block ends with two sentinel
 * terminators, so the loop needs no test for its end: an empty record is
 * not plain, and the first sentinel ends the last record if nothing else
 * does. */
static inline __attribute__((always_inline)) const char *
take_plain_run(struct worker *w, const char *p,
               const struct plain_rules *rules, struct pending_batch *batch,
               enum plain_update update, uint64_t *records)
{
    const struct plain_rules r = *rules;
#ifdef PLAIN_WINDOWS
    const struct window_sets sets = {
        .delimiters = _mm_set1_epi8(r.delimiter),
        .terminators = _mm_set1_epi8(r.terminator),
        .zeros = _mm_set1_epi8('0'), .nines = _mm_set1_epi8(9) };
#endif
    struct table *const t = w->table;
    struct table_view view = t ? table_view(t) : (struct table_view){ 0 };
    uint64_t taken = 0;
    struct plain_record record;

    for (;;) {
#ifdef PLAIN_WINDOWS
        if (!scan_plain(p, &r, &sets, &record))
            break;
#else
        if (!scan_plain_words(p, &r, &record))
            break;
#endif
        size_t len = record.key_len;
        uint64_t v = record.value;
        if (update != PLAIN_CHECK) {
            uint64_t head = load_head(p, len);
            uint64_t head2 = len > 8 ? load_head(p + 8, len - 8) : 0;
            uint64_t hash = block_key_hash(p, len, head, head2);
            if (update != PLAIN_DEFER) {
                struct accum *a = table_find_quick(view, len, head, head2,
                                                   hash);
                if (!a) {
                    a = table_find_or_add_probe(t, p, len, head, head2, hash);
                    view = table_view(t);
                }
                accum_add_natural(a, v, update == PLAIN_ADD_EXTREMA);
            } else {
                batch->items[batch->count] = (struct pending){
                    .key = p, .len = len, .head = head, .head2 = head2,
                    .hash = hash, .value = v };
                __builtin_prefetch(&t->slots[hash & t->slot_mask]);
                if (++batch->count == PENDING_MAX)
                    flush_pending(w, batch);
            }
        }
        taken++;
        p = record.next;
    }
    *records += taken;
    return p;
}

/* take_plain_run compiled apart from the general path, so that the run's
 * loop has the registers to itself, in one copy per kind of update: each
 * tests nothing per record that is the same for the whole run. */
static __attribute__((noinline)) const char *
take_plain_check(struct worker *w, const char *p,
                 const struct plain_rules *rules, uint64_t *records)
{
    return take_plain_run(w, p, rules, NULL, PLAIN_CHECK, records);
}

static __attribute__((noinline)) const char *
take_plain_add(struct worker *w, const char *p,
               const struct plain_rules *rules, uint64_t *records)
{
    return take_plain_run(w, p, rules, NULL, PLAIN_ADD, records);
}

static __attribute__((noinline)) const char *
take_plain_add_extrema(struct worker *w, const char *p,
                       const struct plain_rules *rules, uint64_t *records)
{
    return take_plain_run(w, p, rules, NULL, PLAIN_ADD_EXTREMA,
                          records);
}

static __attribute__((noinline)) const char *
take_plain_defer(struct worker *w, const char *p,
                 const struct plain_rules *rules,
                 struct pending_batch *batch, uint64_t *records)
{
    const char *stop = take_plain_run(w, p, rules, batch, PLAIN_DEFER,
                                      records);
    /* The record at STOP may add a key through the general path, and keys
     * must enter the table in input order (table_set_positions). */
    flush_pending(w, batch);
    return stop;
}

/* What take_plain_run checks, copied out of the configuration so that
 * the compiler can keep it in registers across the table's stores; false
 * if no plain record can pass, or if max_record is so small that short
 * records need checking against it, so that none takes the fast path. */
static bool plain_rules(const struct config *cfg, const struct block *b,
                        struct plain_rules *out)
{
    const i128 limit = (i128)number_pow10(NUMBER_MAX_DIGITS);
    const struct rules *rules = &cfg->rules;
    int64_t low = (int64_t)(rules->low[0] < -limit ? -limit : rules->low[0]);
    int64_t high = (int64_t)(rules->high[0] > limit ? limit
                                                    : rules->high[0]);
    *out = (struct plain_rules){
        .delimiter = cfg->format.delimiter,
        .terminator = cfg->terminator,
        .low = (uint64_t)low,
        .span = (uint64_t)high - (uint64_t)low,
        .max_record = b->len > cfg->max_record ? cfg->max_record : SIZE_MAX,
    };
    return low <= high && cfg->max_record >= PLAIN_WINDOW;
}

void worker_process(struct worker *w, struct block *b)
{
    const char terminator = w->cfg->terminator;
    const char *p = b->data, *end = b->data + b->len;
    struct place at = { .block = b, .record = 0 };
    struct plain_rules rules;
    bool plain = plain_rules(w->cfg, b, &rules);

    block_clear_results(b);
    if (b->oversized) {
        at.start = at.len = 0;
        reject_long(w, &at);
        b->records = 1;
        return;
    }
    /* One pass over the block finds whether any record can hold a NUL;
     * the fast path, which does not look for one, is kept for blocks
     * without. */
    bool nul_possible = terminator != '\0'
                     && memchr(b->data, '\0', b->len) != NULL;
    plain = plain && !w->cfg->format.field_mode && !w->matcher
            && !nul_possible;
    b->data[b->len] = b->data[b->len + 1] = terminator;
    struct pending_batch batch = { .count = 0 };
    size_t keys_before = w->table ? table_size(w->table) : 0;
    /* Deferring pays only once the table has outgrown the caches. */
    bool defer = w->table && w->table->slot_mask >= BATCH_FROM_SLOTS;
    while (p < end) {
        if (plain) {
            if (!w->table)
                p = take_plain_check(w, p, &rules, &at.record);
            else if (defer)
                p = take_plain_defer(w, p, &rules, &batch, &at.record);
            else if (w->extrema)
                p = take_plain_add_extrema(w, p, &rules, &at.record);
            else
                p = take_plain_add(w, p, &rules, &at.record);
            if (p >= end)
                break;
        }
        const char *stop = memchr(p, terminator, (size_t)(end - p));
        size_t len = (size_t)((stop ? stop : end) - p);
        at.start = (size_t)(p - b->data);
        at.len = len;
        /* A CR ending a line belongs to the line ending, not the value. */
        if (terminator == '\n' && len > 0 && p[len - 1] == '\r')
            len--;
        check_record(w, &at, p, len, nul_possible);
        at.record++;
        p = stop ? stop + 1 : end;
    }
    if (w->table)
        table_set_positions(w->table, keys_before, b->seq);
    b->records = at.record;
}
