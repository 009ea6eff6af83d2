/* output: ordering the keys and writing the final rows. */
#include "config.h"

#include "output.h"
#include "aggregate.h"
#include "diag.h"
#include "format.h"
#include "partition.h"
#include "table.h"
#include "writer.h"

#include <stdlib.h>
#include <string.h>

/* Whether any key's sum overflowed: a plain pass, so that the sort for
 * the messages is paid only when there are messages. */
static bool any_overflow(const struct partitions *ps)
{
    for (size_t p = 0; p < partitions_count(ps); p++) {
        const struct table *t = partitions_table(ps, p);
        size_t n = table_size(t);
        for (size_t i = 0; i < n; i++)
            if (table_entry_at(t, i)->accum.overflow)
                return true;
    }
    return false;
}

bool output_check_overflow(const struct partitions *ps)
{
    if (!any_overflow(ps))
        return true;
    const struct table_entry **sorted = partitions_sorted(ps, false);
    size_t n = partitions_size(ps);
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        if (sorted[i]->accum.overflow) {
            char key[DIAG_EXCERPT_SIZE];
            diag_excerpt(key, sorted[i]->key, sorted[i]->key_len);
            diag_error("sum overflow for key '%s'", key);
            ok = false;
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

/* The entries of TABLE by the value of OP, largest first; the caller
 * frees the array. */
static const struct table_entry **sorted_by_value(const struct partitions *ps,
                                                  enum aggregate_op op)
{
    const struct table_entry **order = partitions_sorted(ps, false);
    size_t n = partitions_size(ps);
    struct value_item *items = xmalloc((n ? n : 1) * sizeof *items);
    char *texts = xmalloc((n ? n : 1) * AGGREGATE_TEXT_SIZE);
    for (size_t i = 0; i < n; i++) {
        char *text = texts + i * AGGREGATE_TEXT_SIZE;
        /* Keys are ordered by their exact values, whatever --decimals
         * prints. */
        size_t len = aggregate_format(text, &order[i]->accum, op, -1);
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
        return sorted_by_value(ps, cfg->ops[0]);
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

void output_results(const struct config *cfg, const struct partitions *ps,
                    struct writer *out)
{
    const struct record_format *f = &cfg->format;
    const char *key_names[OPTIONS_MAX_KEY_FIELDS];
    bool named = f->field_name_count > 0;   /* never in a merge */
    for (size_t i = 0; named && i < f->key_field_count; i++)
        key_names[i] = field_name(f, f->key_fields[i]);
    const struct format_layout layout = {
        .format = cfg->result_format,
        .key_fields = cfg->format.key_field_count > 1
                    ? cfg->format.key_field_count : 1,
        .ops = cfg->ops,
        .op_count = cfg->op_count,
        .decimals = cfg->decimals,
        .key_names = named ? key_names : NULL,
        .value_name = field_name(f, f->value_field),
    };
    if (cfg->header)
        format_header(out, &layout);
    const struct table_entry **sorted = sorted_entries(cfg, ps);
    size_t n = partitions_size(ps);
    if (cfg->top && cfg->top < n)
        n = (size_t)cfg->top;
    /* With many keys the entries and key bytes, visited in the order
     * printed, are scattered beyond the caches: ask for them some lines
     * ahead. */
    enum { AHEAD = 16 };
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            __builtin_prefetch(sorted[i + AHEAD]);
            __builtin_prefetch(&sorted[i + AHEAD]->accum.count);
        }
        if (i + AHEAD / 2 < n)
            __builtin_prefetch(sorted[i + AHEAD / 2]->key);
        format_row(out, &layout, sorted[i]->key, sorted[i]->key_len,
                   &sorted[i]->accum);
    }
    free(sorted);
}
