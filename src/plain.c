/* plain: the fast path for plain records, KEY<delimiter>DIGITS<terminator>,
 * kept apart from the rules in worker.c, which stay the reference and the
 * fallback.
 *
 * The contract: a record this file takes is one the general path would
 * accept, with exactly the same effect on the table; any other record is
 * left to the general path, which also produces every rejection.  Why it
 * holds: the fast path is used only in key-value mode without
 * --key-match or --where, when no --na token is made of digits alone (it
 * would be no value), in blocks without a NUL byte (plain_begin's caller
 * checks),
 * where the general path splits a record at its first delimiter and needs
 * a nonempty key.  A plain record has exactly that key, then one to
 * PLAIN_MAX_DIGITS digits and its terminator and nothing else (so no CR
 * either, which the general path would strip), which number_parse reads
 * as that integer at scale 0; it passes every bound exactly when it lies
 * in the range of integers rules_accept passes (plain_rules), and its
 * length is checked against --max-record like any other.  Adding it with
 * accum_add_natural is accum_add of that integer at scale 0, which the
 * general path also does for a count alone, which reads no value but
 * adds one that is a number (worker.c).  Keys enter
 * the table in input order, deferred updates included.
 * fuzz/fuzz_record.c runs every block both ways and compares the
 * outcomes, with a small table and a large one.
 *
 * The forms: a run of plain records only checks them when there is no
 * table (--ordered), adds each at once, with or without min and max, or,
 * once the table is large (table_is_large), defers the updates to batches
 * whose slots and entries it asks for ahead.  A record shorter than
 * sixteen bytes is scanned from SSE2 masks of one load where there is
 * SSE2, and the rest eight bytes at a time (swar.h). */
#include "config.h"

#include "plain.h"
#include "aggregate.h"
#include "block.h"
#include "diag.h"
#include "keystate.h"
#include "missing.h"
#include "number.h"
#include "options.h"
#include "swar.h"
#include "table.h"

#include <stdlib.h>

#if defined(SWAR_WORDS) && defined(__SSE2__)
#include <emmintrin.h>
/* Every x86-64 processor has SSE2. */
#define PLAIN_WINDOWS 1
#endif

/* A window's records are shorter than this, so any max_record from here
 * on passes them unchecked. */
enum { PLAIN_WINDOW = 16 };

/* Most digits of a plain value: any such value fits an int64 and an
 * addition to the low half of a total carries rarely.  Longer values,
 * up to NUMBER_MAX_DIGITS, take the general path. */
enum { PLAIN_MAX_DIGITS = 18 };

struct plain_rules {
    char delimiter, terminator;
    uint64_t low, span;         /* the integers every bound accepts are
                                   low to low + span, as two's complement */
    size_t max_record;          /* SIZE_MAX if no record can exceed it */
};

/* Accepted plain records whose table update is deferred, so that the
 * memory they will touch can be fetched for several at once: with many
 * keys the table does not fit in cache, and a lookup is mostly waiting. */
struct pending {
    const char *key;
    size_t len;
    uint64_t head, head2, hash;
    uint64_t value;         /* digits alone: never negative */
};
enum { PENDING_MAX = 16 };

struct pending_batch {
    struct pending items[PENDING_MAX];
    size_t count;
};

/* What a run of plain records does with each: only checks it (no table,
 * as with --ordered), adds it to the table at once (keeping the minimum
 * and maximum or not), or defers the update to a batch. */
enum plain_update { PLAIN_CHECK, PLAIN_ADD, PLAIN_ADD_EXTREMA, PLAIN_DEFER };

struct plain {
    bool usable;                /* some plain record can pass CFG */
    bool extrema;               /* min or max is wanted */
    size_t max_record;          /* --max-record */
    struct plain_rules rules;   /* for the current block */
    enum plain_update update;   /* for the current block */
    struct table *table;        /* the current block's, or NULL */
    struct pending_batch batch;
};

/* Applies the deferred updates: first asks for each one's entry, then
 * updates them in turn. */
static void flush_pending(struct table *t, struct pending_batch *batch,
                          bool extrema)
{
    for (size_t i = 0; i < batch->count; i++)
        table_prefetch_entry(t, batch->items[i].hash);
    for (size_t i = 0; i < batch->count; i++) {
        const struct pending *r = &batch->items[i];
        struct accum *a = table_find_or_add_hashed(t, r->key, r->len,
                                                   r->head, r->head2,
                                                   r->hash);
        accum_add_natural(a, r->value, extrema);
    }
    batch->count = 0;
}

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

/* Whether the record at P is plain, with at most PLAIN_MAX_DIGITS digits
 * in the range of RULES; if so fills *OUT.  Eight bytes at a time, for a
 * record of any length.  The block ends with a sentinel terminator. */
static inline __attribute__((always_inline)) bool
scan_plain_words(const char *p, const struct plain_rules *rules,
                 struct plain_record *out)
{
    const char *d = swar_find_either(p, rules->delimiter, rules->terminator);
    if (*d != rules->delimiter || d == p)
        return false;
    const char *q = d + 1;
    size_t digits;
    uint64_t v = swar_read_digits(&q, &digits);
    if (*q != rules->terminator || digits - 1 >= PLAIN_MAX_DIGITS
        || !plain_accepts(rules, v, (size_t)(q - p)))
        return false;
    *out = (struct plain_record){ .key_len = (size_t)(d - p), .value = v,
                                  .next = q + 1 };
    return true;
}

#ifdef PLAIN_WINDOWS
/* The bytes a window of sixteen is compared with. */
struct window_sets {
    __m128i delimiters, terminators, zeros, nines;
};

static inline uint32_t bytes_equal(__m128i x, __m128i y)
{
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, y));
}

/* scan_plain_words, but a record shorter than sixteen bytes is checked
 * from three masks of the sixteen bytes at P, bit I of each for byte I.
 * Where the record ends then takes one load and one compare, which keeps
 * short the chain from each record to the next, the one thing a record
 * must wait for; the key and the digits are checked beside it.  For
 * "k:42\n" the terminators' mask has bit 4, so LENGTH is 4 and RECORD is
 * 0b1111; the delimiters' lowest bit is 1, the key length; VALUE, the
 * record's bits above the delimiter's, is 0b1100, all of them digits. */
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
    uint64_t v = digits <= 8 ? swar_digits_value(q, digits)
                             : swar_digits_value(q, digits - 8) * 100000000
                                   + swar_digits_value(q + digits - 8, 8);
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
            h = table_hash_word(h, swar_load_head(p + i, len - i));
    }
    return table_mix(h);
}

/* Takes the run of plain records that starts at P and updates T as
 * UPDATE says; what plain_take does, for one kind of update.  One loop
 * over the run rather than a call per record lets the compiler keep the
 * rules in registers.  The block ends with two sentinel terminators, so
 * the loop needs no test for its end: an empty record is not plain, and
 * the first sentinel ends the last record if nothing else does. */
static inline __attribute__((always_inline)) const char *
take_plain_run(struct table *t, const char *p,
               const struct plain_rules *rules, struct pending_batch *batch,
               enum plain_update update, bool extrema, uint64_t *records)
{
    const struct plain_rules r = *rules;
#ifdef PLAIN_WINDOWS
    const struct window_sets sets = {
        .delimiters = _mm_set1_epi8(r.delimiter),
        .terminators = _mm_set1_epi8(r.terminator),
        .zeros = _mm_set1_epi8('0'), .nines = _mm_set1_epi8(9) };
#endif
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
            uint64_t head = swar_load_head(p, len);
            uint64_t head2 = len > 8 ? swar_load_head(p + 8, len - 8) : 0;
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
                table_prefetch(t, hash);
                if (++batch->count == PENDING_MAX)
                    flush_pending(t, batch, extrema);
            }
        }
        taken++;
        p = record.next;
    }
    *records += taken;
    return p;
}

/* take_plain_run compiled apart from the rest, so that the run's loop
 * has the registers to itself, in one copy per kind of update: each
 * tests nothing per record that is the same for the whole run. */
static __attribute__((noinline)) const char *
take_plain_check(const char *p, const struct plain_rules *rules,
                 uint64_t *records)
{
    return take_plain_run(NULL, p, rules, NULL, PLAIN_CHECK, false, records);
}

static __attribute__((noinline)) const char *
take_plain_add(struct table *t, const char *p,
               const struct plain_rules *rules, uint64_t *records)
{
    return take_plain_run(t, p, rules, NULL, PLAIN_ADD, false, records);
}

static __attribute__((noinline)) const char *
take_plain_add_extrema(struct table *t, const char *p,
                       const struct plain_rules *rules, uint64_t *records)
{
    return take_plain_run(t, p, rules, NULL, PLAIN_ADD_EXTREMA, true,
                          records);
}

static __attribute__((noinline)) const char *
take_plain_defer(struct table *t, const char *p,
                 const struct plain_rules *rules,
                 struct pending_batch *batch, bool extrema,
                 uint64_t *records)
{
    const char *stop = take_plain_run(t, p, rules, batch, PLAIN_DEFER,
                                      extrema, records);
    /* The record at STOP may add a key through the general path, and keys
     * must enter the table in input order (table_end_block). */
    flush_pending(t, batch, extrema);
    return stop;
}

/* What take_plain_run checks, copied out of the configuration so that
 * the compiler can keep it in registers across the table's stores; false
 * if no plain record can pass, or if max_record is so small that short
 * records need checking against it, so that none takes the fast path.
 * The record length limit is set per block (plain_begin). */
static bool plain_rules(const struct config *cfg, struct plain_rules *out)
{
    const i128 limit = (i128)number_pow10(PLAIN_MAX_DIGITS);
    const struct rules *rules = &cfg->rules;
    int64_t low = (int64_t)(rules->low[0] < -limit ? -limit : rules->low[0]);
    int64_t high = (int64_t)(rules->high[0] > limit ? limit
                                                    : rules->high[0]);
    *out = (struct plain_rules){
        .delimiter = cfg->format.delimiter,
        .terminator = cfg->terminator,
        .low = (uint64_t)low,
        .span = (uint64_t)high - (uint64_t)low,
        .max_record = SIZE_MAX,
    };
    return low <= high && cfg->max_record >= PLAIN_WINDOW;
}

struct plain *plain_new(const struct config *cfg)
{
    struct plain *pl = xcalloc(1, sizeof *pl);
    /* The fast path updates the entry's own accumulator alone. */
    struct keystate_shape shape;
    pl->usable = !keystate_shape_init(&shape, cfg->ops, cfg->op_slots,
                                      cfg->op_count)
                 && plain_rules(cfg, &pl->rules) && !cfg->format.field_mode
                 && !cfg->total
                 && !cfg->rules.key_pattern && cfg->where_count == 0
                 && !(cfg->na && missing_tokens_has_digits(cfg->na));
    pl->extrema = aggregate_wants_extrema(cfg->ops, cfg->op_count);
    pl->max_record = cfg->max_record;
    return pl;
}

void plain_free(struct plain *pl)
{
    free(pl);
}

bool plain_begin(struct plain *pl, struct block *b, struct table *table)
{
    b->data[b->len] = b->data[b->len + 1] = pl->rules.terminator;
    if (!pl->usable)
        return false;
    pl->rules.max_record = b->len > pl->max_record ? pl->max_record
                                                   : SIZE_MAX;
    pl->table = table;
    /* Deferring pays only once the table has outgrown the caches. */
    pl->update = !table ? PLAIN_CHECK
               : table_is_large(table) ? PLAIN_DEFER
               : pl->extrema ? PLAIN_ADD_EXTREMA : PLAIN_ADD;
    return true;
}

const char *plain_take(struct plain *pl, const char *p, uint64_t *records)
{
    switch (pl->update) {
    case PLAIN_CHECK:
        return take_plain_check(p, &pl->rules, records);
    case PLAIN_ADD:
        return take_plain_add(pl->table, p, &pl->rules, records);
    case PLAIN_ADD_EXTREMA:
        return take_plain_add_extrema(pl->table, p, &pl->rules, records);
    case PLAIN_DEFER:
        return take_plain_defer(pl->table, p, &pl->rules, &pl->batch,
                                pl->extrema, records);
    }
    abort();
}
