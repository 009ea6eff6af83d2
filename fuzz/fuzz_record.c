/* fuzz_record: a worker over one block of arbitrary records.
 *
 * The first input byte chooses a command line (see modes below; '0' to
 * '4' choose modes 0 to 4), the rest is the block's data.  Built with
 * FUZZ_LARGE_TABLES, as the target fuzz_deferred, it runs only the modes
 * whose plain records update a table (0 and 2; any other byte chooses
 * mode 0), with a worker whose table already holds 32,768 filler keys, so
 * that it is large (table_is_large) and the block's plain records take
 * the deferred, prefetching updates.  Filling the table takes some
 * milliseconds, far more than the rest of a run, hence a target of its
 * own rather than a mode that would slow down the search of the others.
 * Invariants, beyond not crashing or leaking:
 * - the block's record count is the number of terminators, plus one for a
 *   last record without one;
 * - every rejection has a one-line reason, covers exactly one whole record
 *   of the block (the one its index names), and rejections come in
 *   increasing record order; so do the blank records skipped among them,
 *   which have no reason;
 * - in aggregate mode the accepted records, and only they, are in the
 *   table: the counts add up to records minus rejections, keys are
 *   nonempty and sorted, and every key's min and max pass the bounds;
 * - where the one-pass path for KEY:DIGITS records applies (key-value
 *   mode without --key-match), a second worker given --key-match=^, which
 *   matches every key but turns that path off, produces the same
 *   rejections and the same table, with its keys entered in the same
 *   order; with a large table, the same as the keys that table gained,
 *   whose filler keys stay as they were. */
#include "config.h"

#include "fuzz.h"
#include "block.h"
#include "options.h"
#include "table.h"
#include "worker.h"

#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#ifdef FUZZ_LARGE_TABLES
enum { LARGE = 1 };
#else
enum { LARGE = 0 };
#endif

struct mode {
    char *argv[12];         /* a command line, NULL-terminated */
    bool twin;              /* also compare with --key-match=^ */
    bool deferrable;        /* plain records update a table, so the
                               FUZZ_LARGE_TABLES build runs this mode */
};

static struct mode modes[] = {
    /* 0: key-value, the README's bounds, every operation */
    { { "fanout", "--above=0", "--below=1000000",
        "-a", "sum,count,min,max,mean", NULL }, true, true },
    /* 1: field mode, composite key, blank-separated fields */
    { { "fanout", "-k", "1,3", "-v", "2", "--min=-50.5",
        "-a", "sum,count,min,max", NULL }, false, false },
    /* 2: NUL-terminated key-value records, bounds with fractions */
    { { "fanout", "-z", "--min=-2.5", "--max=750.125", "-a", "sum,count",
        NULL }, true, true },
    /* 3: field mode, comma-separated, count only (no value parsed) */
    { { "fanout", "-t", ",", "-k", "2,1", "-a", "count", NULL },
      false, false },
    /* 4: ordered output (no table), TAB as the delimiter */
    { { "fanout", "-o", "-d", "\\t", "--max=0", NULL }, true, false },
};
enum { MODES = sizeof modes / sizeof modes[0] };

/* The mode the first byte C of an input chooses. */
static size_t mode_of(uint8_t c)
{
    size_t mode = (uint8_t)(c - '0') % MODES;
    return LARGE && !modes[mode].deferrable ? 0 : mode;
}

/* A mode's config, and its twin's, parsed once per process. */
struct prepared {
    bool ready;
    struct config cfg, twin;
    char *twin_argv[16];
};
static struct prepared prepared[MODES];

static void parse(int argc, char **argv, struct config *cfg)
{
    optind = 0;     /* glibc: start getopt afresh */
    FUZZ_CHECK(options_parse(argc, argv, cfg) == OPTIONS_RUN,
               "the fixed command line is valid");
}

static struct prepared *prepare(size_t mode)
{
    struct prepared *p = &prepared[mode];
    if (p->ready)
        return p;
    int argc = 0;
    while (modes[mode].argv[argc])
        argc++;
    parse(argc, modes[mode].argv, &p->cfg);
    if (modes[mode].twin) {
        memcpy(p->twin_argv, modes[mode].argv, (size_t)argc * sizeof(char *));
        p->twin_argv[argc] = "--key-match=^";
        parse(argc + 1, p->twin_argv, &p->twin);
    }
    p->ready = true;
    return p;
}

/* Sign of M (at scale S) less LIMIT; a mantissa of 38 digits at one
 * scale may not fit at another, which number_compare allows for. */
static int compare_at(i128 m, int s, struct number limit)
{
    return number_compare((struct number){ m, s }, limit);
}

/* Checks B, which worker_process filled from the SIZE bytes at DATA. */
static void check_block(const struct config *cfg, const struct block *b,
                        const uint8_t *data, size_t size)
{
    const uint8_t term = (uint8_t)cfg->terminator;
    uint64_t records = 0;
    for (size_t i = 0; i < size; i++)
        records += data[i] == term;
    if (size > 0 && data[size - 1] != term)
        records++;
    FUZZ_CHECK(b->records == records,
               "records are counted by their terminators");

    FUZZ_CHECK(b->rejection_count <= b->records,
               "no more rejections than records");
    uint64_t at_record = 0;     /* terminators before at_byte */
    size_t at_byte = 0;
    for (size_t i = 0; i < b->rejection_count; i++) {
        const struct rejection *r = &b->rejections[i];
        FUZZ_CHECK(i == 0 || r->record > b->rejections[i - 1].record,
                   "rejections come in increasing record order");
        FUZZ_CHECK(r->record < b->records, "a rejection names a record");
        FUZZ_CHECK(r->start <= size && r->len <= size - r->start,
                   "a rejected record lies within the block");
        FUZZ_CHECK(r->start == 0 || data[r->start - 1] == term,
                   "a rejected record starts after a terminator");
        FUZZ_CHECK(r->start + r->len == size || data[r->start + r->len] == term,
                   "a rejected record ends at a terminator");
        FUZZ_CHECK(memchr(data + r->start, term, r->len) == NULL,
                   "a rejected record is one record");
        FUZZ_CHECK(r->start >= at_byte, "rejections do not overlap");
        for (; at_byte < r->start; at_byte++)
            at_record += data[at_byte] == term;
        FUZZ_CHECK(r->record == at_record,
                   "a rejection's index is its record's place");
        if (r->skipped) {
            size_t len = r->len;
            if (term == '\n' && len > 0 && data[r->start + len - 1] == '\r')
                len--;
            for (size_t k = 0; k < len; k++)
                FUZZ_CHECK(data[r->start + k] == ' '
                           || data[r->start + k] == '\t',
                           "a skipped record is blank");
            FUZZ_CHECK(r->reason_len == 0, "a skipped record has no reason");
            continue;
        }
        FUZZ_CHECK(r->reason_len > 0, "a rejection has a reason");
        FUZZ_CHECK(r->kind < REJECT_REASONS, "a rejection has a known kind");
        FUZZ_CHECK(r->reason <= b->reasons_len
                   && r->reason_len <= b->reasons_len - r->reason,
                   "the reason lies within the reason texts");
        for (size_t k = 0; k < r->reason_len; k++) {
            unsigned char c = (unsigned char)b->reasons[r->reason + k];
            FUZZ_CHECK(c >= 0x20 && c != 0x7f,
                       "a reason is one line of printable text");
        }
    }
}

/* Keys a large table starts with, ":00000" to ":32767".  Each begins
 * with ':', the delimiter of the modes run with a large table, which the
 * key of a record never holds, so they never meet the block's keys. */
enum { FILLER_KEYS = 32768, FILLER_LEN = 6 };

/* Fills T, a new table, with FILLER_KEYS keys counted once each. */
static void add_fillers(struct table *t)
{
    char key[FILLER_LEN] = ":";
    for (unsigned i = 0; i < FILLER_KEYS; i++) {
        for (unsigned k = FILLER_LEN - 1, n = i; k > 0; k--, n /= 10)
            key[k] = (char)('0' + n % 10);
        accum_count(table_find_or_add(t, key, FILLER_LEN));
    }
    FUZZ_CHECK(table_size(t) == FILLER_KEYS, "the filler keys are distinct");
    FUZZ_CHECK(table_is_large(t),
               "a table of 32,768 keys is large, so plain records' updates "
               "are deferred");
}

/* The filler keys are still the first entries of T, untouched. */
static void check_fillers(const struct table *t)
{
    FUZZ_CHECK(table_size(t) >= FILLER_KEYS, "every filler key is kept");
    for (size_t i = 0; i < FILLER_KEYS; i++) {
        const struct table_entry *e = table_entry_at(t, i);
        const struct accum *a = &e->accum;
        FUZZ_CHECK(e->key_len == FILLER_LEN && e->key[0] == ':'
                   && a->count == 1 && a->positive == 0 && a->negative == 0,
                   "no record changes a filler key");
    }
}

/* The keys of T, in the order table_sorted lists them, are distinct and
 * sorted. */
static void check_sorted(const struct table *t)
{
    const struct table_entry **sorted = table_sorted(t);
    size_t n = table_size(t);
    for (size_t i = 1; i < n; i++) {
        const struct table_entry *p = sorted[i - 1], *e = sorted[i];
        size_t common = p->key_len < e->key_len ? p->key_len : e->key_len;
        int c = memcmp(p->key, e->key, common);
        FUZZ_CHECK(c < 0 || (c == 0 && p->key_len < e->key_len),
                   "keys are distinct and sorted");
    }
    free(sorted);
}

/* Whether the key with accumulator A may have overflowed: values of up
 * to 38 digits at scales up to 38 can pass the 2^128 of a total in a
 * few records, but not where CFG's bounds keep every value below some M
 * in magnitude and COUNT * M at the key's scale stays far below it. */
static bool overflow_possible(const struct config *cfg, const struct accum *a)
{
    u128 most = 0;          /* above the magnitude of every bound */
    bool upper = false, lower = false;
    for (int k = 0; k < BOUND_KINDS; k++) {
        const struct bound *bound = &cfg->rules.bounds[k];
        if (!bound->set)
            continue;
        i128 m = bound->limit.mantissa;
        u128 whole = (m < 0 ? -(u128)m : (u128)m)
                   / number_pow10(bound->limit.scale) + 1;
        if (whole > most)
            most = whole;
        if (bound_defs[k].failing_sign > 0)
            upper = true;
        else
            lower = true;
    }
    if (!upper || !lower)
        return true;
    u128 total;
    if (__builtin_mul_overflow(most, (u128)a->count, &total))
        return true;
    int digits = 0;
    for (; total > 0; total /= 10)
        digits++;
    /* 2^128 has 39 digits. */
    return digits + a->scale >= 38;
}

/* Checks a key of a table for CFG that records were added to; returns
 * how many. */
static uint64_t check_entry(const struct config *cfg,
                            const struct table_entry *e)
{
    const struct accum *a = &e->accum;
    FUZZ_CHECK(e->key_len > 0, "keys are nonempty");
    if (!cfg->format.field_mode) {
        FUZZ_CHECK(memchr(e->key, cfg->format.delimiter, e->key_len) == NULL,
                   "a key holds no delimiter");
        FUZZ_CHECK(memchr(e->key, cfg->terminator, e->key_len) == NULL,
                   "a key holds no terminator");
    }
    FUZZ_CHECK(a->count > 0, "a key in the table was counted");
    if (a->overflow) {
        FUZZ_CHECK(overflow_possible(cfg, a),
                   "a key overflows only if its values, at its scale, "
                   "could pass 2^128");
        return a->count;    /* its totals and extremes mean nothing */
    }
    if (!cfg->needs_value
        || !aggregate_wants_extrema(cfg->ops, cfg->op_count))
        return a->count;
    FUZZ_CHECK(a->min <= a->max, "min <= max");
    FUZZ_CHECK(a->scale >= 0 && a->scale <= NUMBER_MAX_SCALE,
               "a key's scale is a valid scale");
    for (int k = 0; k < BOUND_KINDS; k++) {
        const struct bound *bound = &cfg->rules.bounds[k];
        if (!bound->set)
            continue;
        /* Lower bounds fail below, so min is the value to test. */
        int sign = bound_defs[k].failing_sign;
        int c = compare_at(sign < 0 ? a->min : a->max, a->scale,
                           bound->limit);
        FUZZ_CHECK(c != sign && !(c == 0 && bound_defs[k].fails_on_equal),
                   "accepted values pass every bound");
    }
    return a->count;
}

/* Checks the aggregate table of a worker that processed B.  A large
 * table's own keys are not sorted here, which would take most of the
 * time: they are its twin's, whose are (check_twins). */
static void check_table(const struct config *cfg, const struct block *b,
                        const struct table *t)
{
    size_t first = 0;
    if (LARGE) {
        check_fillers(t);
        first = FILLER_KEYS;
    } else {
        check_sorted(t);
    }
    uint64_t counted = 0;
    for (size_t i = first; i < table_size(t); i++)
        counted += check_entry(cfg, table_entry_at(t, i));
    FUZZ_CHECK(counted == b->records - b->rejection_count,
               "the table counts exactly the accepted records, neither the "
               "rejected nor the skipped");
}

/* The two workers' outcomes are the same: the same rejections, and the
 * same keys with the same totals, entered in the same order, after the
 * first SKIP keys of TX (the fillers of a large table). */
static void check_twins(const struct config *cfg,
                        const struct block *x, const struct table *tx,
                        size_t skip,
                        const struct block *y, const struct table *ty)
{
    FUZZ_CHECK(x->records == y->records, "twins count the same records");
    FUZZ_CHECK(x->rejection_count == y->rejection_count,
               "twins reject as many records");
    for (size_t i = 0; i < x->rejection_count; i++) {
        const struct rejection *r = &x->rejections[i], *s = &y->rejections[i];
        /* Blank records skipped have no reason, and a block of only
         * those no reason texts at all. */
        FUZZ_CHECK(r->record == s->record && r->start == s->start
                   && r->len == s->len && r->skipped == s->skipped
                   && r->reason_len == s->reason_len
                   && (r->reason_len == 0
                       || memcmp(x->reasons + r->reason,
                                 y->reasons + s->reason, r->reason_len) == 0),
                   "twins reject the same records for the same reasons");
    }
    if (!tx)
        return;
    size_t n = table_size(ty);
    FUZZ_CHECK(table_size(tx) == skip + n, "twins have as many keys");
    for (size_t i = 0; i < n; i++) {
        const struct table_entry *ex = table_entry_at(tx, skip + i);
        const struct table_entry *ey = table_entry_at(ty, i);
        const struct accum *a = &ex->accum, *c = &ey->accum;
        FUZZ_CHECK(ex->key_len == ey->key_len
                   && memcmp(ex->key, ey->key, ex->key_len) == 0,
                   "twins have the same keys, entered in the same order");
        FUZZ_CHECK(a->positive == c->positive && a->negative == c->negative
                   && a->count == c->count && a->scale == c->scale
                   && a->overflow == c->overflow,
                   "twins have the same totals");
        FUZZ_CHECK(!aggregate_wants_extrema(cfg->ops, cfg->op_count)
                   || (a->min == c->min && a->max == c->max),
                   "twins have the same min and max");
    }
}

/* A block holding a copy of the SIZE bytes at DATA, processed by a new
 * worker for CFG, which is returned in *W; with a large table if LARGE. */
static struct block *process(const struct config *cfg, bool large,
                             const uint8_t *data, size_t size,
                             struct worker **w)
{
    struct block *b = block_new();
    block_reserve(b, size ? size : 1);
    if (size)
        memcpy(b->data, data, size);
    b->len = size;
    b->input = 0;
    *w = worker_new(cfg, NULL);
    FUZZ_CHECK(*w != NULL, "the worker starts");
    if (large)
        add_fillers(worker_table(*w));
    worker_process(*w, b);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t mode = mode_of(data[0]);
    struct prepared *p = prepare(mode);
    data++;
    size--;

    struct worker *w;
    struct block *b = process(&p->cfg, LARGE, data, size, &w);
    check_block(&p->cfg, b, data, size);
    if (worker_table(w))
        check_table(&p->cfg, b, worker_table(w));

    /* The twin takes the general path, whatever the size of its table:
     * it starts empty. */
    if (modes[mode].twin) {
        struct worker *tw;
        struct block *tb = process(&p->twin, false, data, size, &tw);
        check_block(&p->twin, tb, data, size);
        if (LARGE)
            check_sorted(worker_table(tw));
        check_twins(&p->cfg, b, worker_table(w), LARGE ? FILLER_KEYS : 0,
                    tb, worker_table(tw));
        block_free(tb);
        worker_free(tw);
    }
    block_free(b);
    worker_free(w);
    return 0;
}
