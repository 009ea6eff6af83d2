/* fuzz_record: a worker over one block of arbitrary records.
 *
 * The first input byte chooses a command line (see modes below; '0' to
 * '6' choose modes 0 to 6), the rest is the block's data.  Modes 5 and 6
 * run the command lines of modes 0 and 2 with a worker whose table
 * already holds 32,768 filler keys, so that it is large
 * (table_is_large) and the block's plain records take the deferred,
 * prefetching updates.  Invariants, beyond not crashing or leaking:
 * - the block's record count is the number of terminators, plus one for a
 *   last record without one;
 * - every rejection has a one-line reason, covers exactly one whole record
 *   of the block (the one its index names), and rejections come in
 *   increasing record order;
 * - in aggregate mode the accepted records, and only they, are in the
 *   table: the counts add up to records minus rejections, keys are
 *   nonempty and sorted, and every key's min and max pass the bounds;
 * - where the one-pass path for KEY:DIGITS records applies (key-value
 *   mode without --key-match), a second worker given --key-match=^, which
 *   matches every key but turns that path off, produces the same
 *   rejections and the same table, also when the table is large. */
#include "config.h"

#include "fuzz.h"
#include "block.h"
#include "options.h"
#include "table.h"
#include "worker.h"

#include <getopt.h>
#include <stdbool.h>
#include <string.h>

struct mode {
    char *argv[12];         /* a command line, NULL-terminated */
    bool twin;              /* also compare with --key-match=^ */
    bool large;             /* the table starts with FILLER_KEYS keys */
};

static struct mode modes[] = {
    /* 0: key-value, the README's bounds, every operation */
    { { "fanout", "--above=0", "--below=1000000",
        "-a", "sum,count,min,max,mean", NULL }, true, false },
    /* 1: field mode, composite key, blank-separated fields */
    { { "fanout", "-k", "1,3", "-v", "2", "--min=-50.5",
        "-a", "sum,count,min,max", NULL }, false, false },
    /* 2: NUL-terminated key-value records, bounds with fractions */
    { { "fanout", "-z", "--min=-2.5", "--max=750.125", "-a", "sum,count",
        NULL }, true, false },
    /* 3: field mode, comma-separated, count only (no value parsed) */
    { { "fanout", "-t", ",", "-k", "2,1", "-a", "count", NULL },
      false, false },
    /* 4: ordered output (no table), TAB as the delimiter */
    { { "fanout", "-o", "-d", "\\t", "--max=0", NULL }, true, false },
    /* 5: mode 0 with a large table */
    { { "fanout", "--above=0", "--below=1000000",
        "-a", "sum,count,min,max,mean", NULL }, true, true },
    /* 6: mode 2 with a large table */
    { { "fanout", "-z", "--min=-2.5", "--max=750.125", "-a", "sum,count",
        NULL }, true, true },
};
enum { MODES = sizeof modes / sizeof modes[0] };

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

/* Sign of M (at scale S) less LIMIT. */
static int compare_at(i128 m, int s, struct number limit)
{
    if (s >= limit.scale) {
        i128 l = number_rescale(limit.mantissa, limit.scale, s);
        return (m > l) - (m < l);
    }
    i128 scaled;
    if (__builtin_mul_overflow(m, (i128)number_pow10(limit.scale - s),
                               &scaled))
        return m < 0 ? -1 : 1;
    return (scaled > limit.mantissa) - (scaled < limit.mantissa);
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

/* Keys a large mode's table starts with.  Each begins with ':', the
 * delimiter of the large modes, which the key of a record never holds,
 * so they never meet the block's keys. */
enum { FILLER_KEYS = 32768 };

static bool is_filler(const struct mode *m, const struct table_entry *e)
{
    return m->large && e->key_len > 0 && e->key[0] == ':';
}

/* Fills T, a new table, with FILLER_KEYS keys counted once each. */
static void add_fillers(struct table *t)
{
    char key[16];
    for (unsigned i = 0; i < FILLER_KEYS; i++) {
        int len = snprintf(key, sizeof key, ":%05u", i);
        accum_count(table_find_or_add(t, key, (size_t)len));
    }
    FUZZ_CHECK(table_size(t) == FILLER_KEYS, "the filler keys are distinct");
    FUZZ_CHECK(table_is_large(t),
               "a table of 32,768 keys is large, so plain records' updates "
               "are deferred");
}

/* Checks the aggregate table of a worker of mode M that processed B. */
static void check_table(const struct mode *m, const struct config *cfg,
                        const struct block *b, const struct table *t)
{
    const struct table_entry **sorted = table_sorted(t);
    size_t n = table_size(t);
    uint64_t counted = 0, fillers = 0;
    for (size_t i = 0; i < n; i++) {
        const struct table_entry *e = sorted[i];
        const struct accum *a = &e->accum;
        if (i > 0) {
            const struct table_entry *p = sorted[i - 1];
            size_t common = p->key_len < e->key_len ? p->key_len : e->key_len;
            int c = memcmp(p->key, e->key, common);
            FUZZ_CHECK(c < 0 || (c == 0 && p->key_len < e->key_len),
                       "keys are distinct and sorted");
        }
        if (is_filler(m, e)) {
            FUZZ_CHECK(a->count == 1 && a->positive == 0 && a->negative == 0,
                       "no record changes a filler key");
            fillers++;
            continue;
        }
        FUZZ_CHECK(e->key_len > 0, "keys are nonempty");
        if (!cfg->format.field_mode) {
            FUZZ_CHECK(memchr(e->key, cfg->format.delimiter, e->key_len) == NULL,
                       "a key holds no delimiter");
            FUZZ_CHECK(memchr(e->key, cfg->terminator, e->key_len) == NULL,
                       "a key holds no terminator");
        }
        FUZZ_CHECK(a->count > 0, "a key in the table was counted");
        FUZZ_CHECK(!a->overflow, "small inputs do not overflow");
        counted += a->count;
        if (!cfg->needs_value
            || !aggregate_wants_extrema(cfg->ops, cfg->op_count))
            continue;
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
    }
    free(sorted);
    FUZZ_CHECK(fillers == (m->large ? FILLER_KEYS : 0),
               "every filler key is kept");
    FUZZ_CHECK(counted == b->records - b->rejection_count,
               "the table counts exactly the accepted records");
}

/* The two workers' outcomes are the same. */
static void check_twins(const struct config *cfg,
                        const struct block *x, const struct table *tx,
                        const struct block *y, const struct table *ty)
{
    FUZZ_CHECK(x->records == y->records, "twins count the same records");
    FUZZ_CHECK(x->rejection_count == y->rejection_count,
               "twins reject as many records");
    for (size_t i = 0; i < x->rejection_count; i++) {
        const struct rejection *r = &x->rejections[i], *s = &y->rejections[i];
        FUZZ_CHECK(r->record == s->record && r->start == s->start
                   && r->len == s->len && r->reason_len == s->reason_len
                   && memcmp(x->reasons + r->reason, y->reasons + s->reason,
                             r->reason_len) == 0,
                   "twins reject the same records for the same reasons");
    }
    if (!tx)
        return;
    size_t n = table_size(tx);
    FUZZ_CHECK(table_size(ty) == n, "twins have as many keys");
    const struct table_entry **sx = table_sorted(tx), **sy = table_sorted(ty);
    for (size_t i = 0; i < n; i++) {
        const struct accum *a = &sx[i]->accum, *c = &sy[i]->accum;
        FUZZ_CHECK(sx[i]->key_len == sy[i]->key_len
                   && memcmp(sx[i]->key, sy[i]->key, sx[i]->key_len) == 0,
                   "twins have the same keys");
        FUZZ_CHECK(a->positive == c->positive && a->negative == c->negative
                   && a->count == c->count && a->scale == c->scale
                   && a->overflow == c->overflow,
                   "twins have the same totals");
        FUZZ_CHECK(!aggregate_wants_extrema(cfg->ops, cfg->op_count)
                   || (a->min == c->min && a->max == c->max),
                   "twins have the same min and max");
    }
    free(sx);
    free(sy);
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
    *w = worker_new(cfg);
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
    size_t mode = (uint8_t)(data[0] - '0') % MODES;
    struct prepared *p = prepare(mode);
    data++;
    size--;

    struct worker *w;
    struct block *b = process(&p->cfg, modes[mode].large, data, size, &w);
    check_block(&p->cfg, b, data, size);
    if (worker_table(w))
        check_table(&modes[mode], &p->cfg, b, worker_table(w));

    if (modes[mode].twin) {
        struct worker *tw;
        struct block *tb = process(&p->twin, modes[mode].large, data, size,
                                   &tw);
        check_block(&p->twin, tb, data, size);
        check_twins(&p->cfg, b, worker_table(w), tb, worker_table(tw));
        block_free(tb);
        worker_free(tw);
    }
    block_free(b);
    worker_free(w);
    return 0;
}
