/* output: ordering the keys and writing the final rows. */
#include "config.h"

#include "output.h"
#include "aggregate.h"
#include "diag.h"
#include "format.h"
#include "keystate.h"
#include "options.h"
#include "partition.h"
#include "queue.h"
#include "table.h"
#include "writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether a total of E that a result reads overflowed. */
static bool entry_overflow(const struct table_entry *e, bool main_read)
{
    return (main_read && e->accum.overflow)
        || keystate_overflow(table_entry_state(e));
}

/* Whether any key's sum overflowed: a plain pass, so that the sort for
 * the messages is paid only when there are messages. */
static bool any_overflow(const struct partitions *ps, bool main_read)
{
    for (size_t p = 0; p < partitions_count(ps); p++) {
        const struct table *t = partitions_table(ps, p);
        size_t n = table_size(t);
        for (size_t i = 0; i < n; i++)
            if (entry_overflow(table_entry_at(t, i), main_read))
                return true;
    }
    return false;
}

void output_count_estimates(const struct partitions *ps,
                            struct output_estimates *out)
{
    *out = (struct output_estimates){ 0 };
    for (size_t p = 0; p < partitions_count(ps); p++) {
        const struct table *t = partitions_table(ps, p);
        size_t n = table_size(t);
        for (size_t i = 0; i < n; i++) {
            size_t quantiles, distincts;
            keystate_approximated(table_entry_state(table_entry_at(t, i)),
                                  &quantiles, &distincts);
            out->keys += quantiles + distincts > 0;
            out->quantiles += quantiles;
            out->distincts += distincts;
        }
    }
}

bool output_check_overflow(const struct partitions *ps, bool main_read)
{
    if (!any_overflow(ps, main_read))
        return true;
    const struct table_entry **sorted = partitions_sorted(ps, false);
    size_t n = partitions_size(ps);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const struct table_entry *e = sorted[i];
        if (!entry_overflow(e, main_read))
            continue;
        ok = false;
        /* Only a run without a key has the empty key. */
        if (e->key_len == 0) {
            diag_error("sum overflow in the total");
            continue;
        }
        char key[DIAG_EXCERPT_SIZE];
        diag_excerpt(key, e->key, e->key_len);
        diag_error("sum overflow for key '%s'", key);
    }
    free(sorted);
    return ok;
}


/* Splits the decimal at S (LEN bytes) into sign, integer digits and
 * fraction digits. */
struct decimal {
    bool negative;
    const char *digits;         /* integer part, no leading zeros */
    size_t int_len;
    const char *fraction;
    size_t fraction_len;
};

static struct decimal split_decimal(const char *s, size_t len)
{
    struct decimal d = { .negative = len > 0 && s[0] == '-' };
    const char *end = s + len;
    s += d.negative;
    while (s < end - 1 && *s == '0' && s[1] != '.')
        s++;
    const char *dot = memchr(s, '.', (size_t)(end - s));
    d.digits = s;
    d.int_len = (size_t)((dot ? dot : end) - s);
    if (d.int_len == 1 && *s == '0')
        d.int_len = 0;
    d.fraction = dot ? dot + 1 : end;
    d.fraction_len = (size_t)(end - d.fraction);
    while (d.fraction_len > 0 && d.fraction[d.fraction_len - 1] == '0')
        d.fraction_len--;
    if (d.int_len == 0 && d.fraction_len == 0)
        d.negative = false;         /* -0 is 0 */
    return d;
}

/* Compares the magnitudes of X and Y. */
static int compare_magnitude(const struct decimal *x, const struct decimal *y)
{
    if (x->int_len != y->int_len)
        return x->int_len < y->int_len ? -1 : 1;
    int c = memcmp(x->digits, y->digits, x->int_len);
    if (c)
        return c < 0 ? -1 : 1;
    size_t common = x->fraction_len < y->fraction_len ? x->fraction_len
                                                      : y->fraction_len;
    c = memcmp(x->fraction, y->fraction, common);
    if (c)
        return c < 0 ? -1 : 1;
    /* Trailing zeros are gone, so the longer fraction is the larger. */
    return (x->fraction_len > common) - (y->fraction_len > common);
}

/* Compares two decimals as fanout prints them, by value. */
static int compare_decimals(const struct decimal *x, const struct decimal *y)
{
    if (x->negative != y->negative)
        return x->negative ? -1 : 1;
    int c = compare_magnitude(x, y);
    return x->negative ? -c : c;
}

/* A number that orders decimals as compare_decimals does, except that
 * values alike in their first fourteen digits may tie: the sign, the
 * count of integer digits, then the digits four bits each.  Comparing it
 * settles nearly every comparison without touching the texts, which with
 * many keys lie far apart in memory. */
static uint64_t coarse_value(const struct decimal *d)
{
    enum { DIGITS = 14 };
    uint64_t key = (uint64_t)d->int_len << (4 * DIGITS);
    for (size_t i = 0; i < DIGITS; i++) {
        unsigned digit = 0;
        if (i < d->int_len)
            digit = (unsigned)(d->digits[i] - '0');
        else if (i - d->int_len < d->fraction_len)
            digit = (unsigned)(d->fraction[i - d->int_len] - '0');
        key |= (uint64_t)digit << (4 * (DIGITS - 1 - i));
    }
    const uint64_t positive = UINT64_C(1) << 63;
    return d->negative ? positive - 1 - key : positive | key;
}

/* A key's result as printed, split once, for --sort=value, and its place
 * in key order, which breaks ties. */
struct value_item {
    uint64_t coarse;            /* coarse_value of value */
    const struct table_entry *entry;
    size_t rank;
    struct decimal value;       /* points into the printed text */
};

/* Largest value first, then key order. */
static int compare_values(const void *a, const void *b)
{
    const struct value_item *x = a, *y = b;
    if (x->coarse != y->coarse)
        return x->coarse > y->coarse ? -1 : 1;
    int c = compare_decimals(&y->value, &x->value);
    if (c)
        return c;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* The entries of PS by the value of OP on value slot SLOT, largest
 * first; the caller frees the array. */
static const struct table_entry **sorted_by_value(const struct partitions *ps,
                                                  enum aggregate_op op,
                                                  unsigned slot,
                                                  struct number rank)
{
    /* Keys are ordered by their exact values, whatever --decimals
     * prints; a spread, seldom exact, by as many places as may be
     * printed. */
    int places = aggregate_def_of(op)->needs_squares
               ? AGGREGATE_MAX_DECIMALS : -1;
    const struct table_entry **order = partitions_sorted(ps, false);
    size_t n = partitions_size(ps);
    struct value_item *items = xmalloc((n ? n : 1) * sizeof *items);
    char *texts = xmalloc((n ? n : 1) * AGGREGATE_TEXT_SIZE);
    for (size_t i = 0; i < n; i++) {
        char *text = texts + i * AGGREGATE_TEXT_SIZE;
        size_t len = keystate_result(text, &order[i]->accum,
                                     table_entry_state(order[i]), op, slot,
                                     rank, places);
        items[i] = (struct value_item){
            .entry = order[i],
            .rank = i,
            .value = split_decimal(text, len),
        };
        /* A key without a value comes after every key with one, as 0
         * is below any coarse_value. */
        items[i].coarse = len ? coarse_value(&items[i].value) : 0;
    }
    qsort(items, n, sizeof *items, compare_values);
    for (size_t i = 0; i < n; i++)
        order[i] = items[i].entry;
    free(texts);
    free(items);
    return order;
}

static const struct table_entry **sorted_entries(const struct config *cfg,
                                                 const struct partitions *ps)
{
    switch (cfg->order) {
    case SORT_VALUE:
        return sorted_by_value(ps, cfg->ops[0], cfg->op_slots[0],
                               cfg->op_ranks[0]);
    case SORT_FIRST:
        return partitions_sorted(ps, true);
    case SORT_KEY:
        break;
    }
    return partitions_sorted(ps, false);
}

/* The name of field N of FORMAT, or NULL. */
static const char *field_name(const struct record_format *format, size_t n)
{
    if (n < 1 || n > format->field_name_count)
        return NULL;
    return format->field_names[n - 1];
}

/* The names of the key columns with --bucket: "time", then the key
 * fields' names, or key, key1, key2... as they would be without it.
 * GENERATED holds the names made up. */
static void time_key_names(const struct record_format *f, const char **names,
                           char generated[][24])
{
    names[0] = "time";
    for (size_t i = 0; i < f->key_field_count; i++) {
        const char *name = f->field_name_count > 0 && f->key_fields
                         ? field_name(f, f->key_fields[i]) : NULL;
        if (!name) {
            if (f->key_field_count == 1)
                snprintf(generated[i], sizeof generated[i], "key");
            else
                snprintf(generated[i], sizeof generated[i], "key%zu", i + 1);
            name = generated[i];
        }
        names[i + 1] = name;
    }
}

/* Writes the rows of the N entries ROWS to OUT. */
static void put_rows(struct writer *out, const struct format_layout *layout,
                     const struct table_entry *const *rows, size_t n)
{
    /* With many keys the entries and key bytes, visited in the order
     * printed, are scattered beyond the caches: ask for them some lines
     * ahead. */
    enum { AHEAD = 16 };
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            __builtin_prefetch(rows[i + AHEAD]);
            __builtin_prefetch(&rows[i + AHEAD]->accum.count);
        }
        if (i + AHEAD / 2 < n)
            __builtin_prefetch(rows[i + AHEAD / 2]->key);
        format_row(out, layout, rows[i]->key, rows[i]->key_len,
                   &rows[i]->accum, table_entry_state(rows[i]));
    }
}

/* Rows a thread formats at a time when there are many: enough to be
 * worth a thread, few enough that the rows in memory stay a few MiB.  A
 * percentile or a distinct count takes microseconds where a sum takes
 * nanoseconds (finding a rank among a key's values, or an estimate over
 * 16 KiB of registers), so rows with one are shared out in far smaller
 * lots. */
enum { ROWS_PER_SHARE = 1 << 14, COSTLY_ROWS_PER_SHARE = 1 << 8 };

/* How many rows of LAYOUT a thread formats at a time. */
static size_t rows_per_share(const struct format_layout *layout)
{
    for (size_t i = 0; i < layout->op_count; i++)
        if (layout->ops[i] == OP_PERCENTILE || layout->ops[i] == OP_DISTINCT)
            return COSTLY_ROWS_PER_SHARE;
    return ROWS_PER_SHARE;
}

/* One thread's rows, formatted into memory. */
struct row_share {
    const struct format_layout *layout;
    const struct table_entry *const *rows;
    size_t n;
    struct writer *text;
};

static void *format_share(void *arg)
{
    struct row_share *r = arg;
    writer_empty(r->text);
    put_rows(r->text, r->layout, r->rows, r->n);
    return NULL;
}

/* put_rows on up to JOBS threads: formatting a million rows takes longer
 * than sorting them, and comes after every worker is done.  Each round
 * formats rows_per_share rows a thread and writes them in order. */
static void put_rows_at_once(struct writer *out,
                             const struct format_layout *layout,
                             const struct table_entry *const *rows, size_t n,
                             unsigned jobs)
{
    /* More would outrun the one thread that writes. */
    enum { MOST_THREADS = 8 };
    size_t threads = jobs < MOST_THREADS ? jobs : MOST_THREADS;
    struct row_share shares[MOST_THREADS];
    void *args[MOST_THREADS];
    size_t share = rows_per_share(layout);
    for (size_t i = 0; i < threads; i++) {
        shares[i] = (struct row_share){ .layout = layout,
                                        .text = writer_new_memory(1 << 20) };
        args[i] = &shares[i];
    }
    for (size_t done = 0; done < n && !writer_error(out);) {
        size_t used = 0;
        for (; used < threads && done < n; used++) {
            size_t take = n - done < share ? n - done : share;
            shares[used].rows = rows + done;
            shares[used].n = take;
            done += take;
        }
        thread_run_all(format_share, args, used);
        for (size_t i = 0; i < used; i++) {
            size_t len;
            const char *text = writer_contents(shares[i].text, &len);
            writer_put(out, text, len);
        }
    }
    for (size_t i = 0; i < threads; i++)
        writer_free(shares[i].text);
}

void output_results(const struct config *cfg, const struct partitions *ps,
                    struct writer *out)
{
    const struct record_format *f = &cfg->format;
    const char *key_names[OPTIONS_MAX_KEY_FIELDS + 1];
    char generated[OPTIONS_MAX_KEY_FIELDS][24];
    bool named = f->field_name_count > 0;   /* never in a merge */
    for (size_t i = 0; named && i < f->key_field_count; i++)
        key_names[i] = field_name(f, f->key_fields[i]);
    size_t key_columns = f->key_field_count;
    if (f->time_key) {
        time_key_names(f, key_names, generated);
        named = true;
        key_columns++;
    }
    char labels[OPTIONS_MAX_OPS][128];
    const char *op_labels[OPTIONS_MAX_OPS];
    for (size_t i = 0; i < cfg->op_count; i++) {
        options_op_label(cfg, i, labels[i], sizeof labels[i]);
        op_labels[i] = cfg->op_fields[i] ? labels[i] : NULL;
    }
    const struct format_layout layout = {
        .format = cfg->result_format,
        .op_slots = cfg->op_slots,
        .op_labels = op_labels,
        .key_fields = cfg->total ? 0 : key_columns > 1 ? key_columns : 1,
        .ops = cfg->ops,
        .op_names = cfg->op_names,
        .op_ranks = cfg->op_ranks,
        .op_count = cfg->op_count,
        .decimals = cfg->decimals,
        .key_names = named ? key_names : NULL,
        .value_name = field_name(f, f->value_field),
    };
    if (cfg->header)
        format_header(out, &layout);
    if (cfg->total && partitions_size(ps) == 0) {
        /* As SQL's SELECT count(*), sum(x) over no rows: one row, count 0
         * and the rest empty, so that a script reads one row always. */
        const struct accum none = { 0 };
        format_row(out, &layout, "", 0, &none, NULL);
        return;
    }
    const struct table_entry **sorted = sorted_entries(cfg, ps);
    size_t n = partitions_size(ps);
    if (cfg->top && cfg->top < n)
        n = (size_t)cfg->top;
    if (cfg->jobs > 1 && n >= 2 * rows_per_share(&layout))
        put_rows_at_once(out, &layout, sorted, n, cfg->jobs);
    else
        put_rows(out, &layout, sorted, n);
    free(sorted);
}
