/* aggregate: operation table and exact per-key accumulation. */
#include "config.h"

#include "aggregate.h"
#include "quantile.h"

#include <string.h>

const struct aggregate_def aggregate_defs[] = {
    { "sum",    OP_SUM,    true,  false, false, NULL,
      "exact sum of the values" },
    { "count",  OP_COUNT,  false, false, false, NULL,
      "number of accepted records" },
    { "min",    OP_MIN,    true,  false, false, NULL, "smallest value" },
    { "max",    OP_MAX,    true,  false, false, NULL, "largest value" },
    { "mean",   OP_MEAN,   true,  false, false, NULL,
      "sum / count, rounded half to even" },
    { "sstdev", OP_SSTDEV, true,  true,  false, NULL,
      "sample standard deviation" },
    { "pstdev", OP_PSTDEV, true,  true,  false, NULL,
      "population standard deviation" },
    { "svar",   OP_SVAR,   true,  true,  false, NULL, "sample variance" },
    { "pvar",   OP_PVAR,   true,  true,  false, NULL,
      "population variance" },
    { "median", OP_PERCENTILE, true, false, false, "50",
      "50th percentile (nearest rank)" },
    { "q1",     OP_PERCENTILE, true, false, false, "25",
      "25th percentile (nearest rank)" },
    { "q3",     OP_PERCENTILE, true, false, false, "75",
      "75th percentile (nearest rank)" },
    { "pN",     OP_PERCENTILE, true, false, false, NULL,
      "N-th percentile, N in (0, 100] such as p99.9; within 1% past "
      "1024 values" },
    { "distinct", OP_DISTINCT, true, false, true, NULL,
      "number of distinct texts; estimated within about 2% past 1024" },
};
const size_t aggregate_def_count =
    sizeof aggregate_defs / sizeof aggregate_defs[0];

const struct aggregate_def *aggregate_def_of(enum aggregate_op op)
{
    for (size_t i = 0; i < aggregate_def_count; i++)
        if (aggregate_defs[i].op == op)
            return &aggregate_defs[i];
    return NULL;
}

bool aggregate_reads_totals(enum aggregate_op op)
{
    return op != OP_COUNT && op != OP_PERCENTILE && op != OP_DISTINCT;
}

bool aggregate_wants_extrema(const enum aggregate_op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ops[i] == OP_MIN || ops[i] == OP_MAX)
            return true;
    return false;
}

/* The row of pN, which no name matches as it is. */
static bool is_pattern(const struct aggregate_def *def)
{
    return def->op == OP_PERCENTILE && !def->rank;
}

const struct aggregate_def *aggregate_find(const char *name, size_t len)
{
    for (size_t i = 0; i < aggregate_def_count; i++)
        if (strlen(aggregate_defs[i].name) == len
            && memcmp(aggregate_defs[i].name, name, len) == 0
            && !is_pattern(&aggregate_defs[i]))
            return &aggregate_defs[i];
    return NULL;
}

const struct aggregate_def *aggregate_parse(const char *name, size_t len,
                                            struct number *rank,
                                            const char **why)
{
    *why = NULL;
    const struct aggregate_def *def = aggregate_find(name, len);
    if (def) {
        if (def->rank)
            quantile_parse_rank(def->rank, strlen(def->rank), rank);
        return def;
    }
    /* p alone, or p and a digit, a point or a sign, is meant as a
     * percentile, so the message says what is wrong with it. */
    if (len == 0 || name[0] != 'p'
        || (len > 1 && !memchr("0123456789.-+", name[1], 14)))
        return NULL;
    if (len == 1 || len >= AGGREGATE_NAME_SIZE
        || !quantile_parse_rank(name + 1, len - 1, rank)) {
        *why = "a percentile is p followed by a number greater than 0 and "
               "at most 100, such as p50, p99 or p99.9";
        return NULL;
    }
    for (size_t i = 0; i < aggregate_def_count; i++)
        if (is_pattern(&aggregate_defs[i]))
            return &aggregate_defs[i];
    return NULL;
}

/* Adds X to *TOTAL, marking overflow rather than wrapping. */
static void add_total(u128 *total, u128 x, bool *overflow)
{
    if (__builtin_add_overflow(*total, x, total))
        *overflow = true;
}

/* Multiplies *TOTAL by FACTOR, marking overflow rather than wrapping. */
static void scale_total(u128 *total, u128 factor, bool *overflow)
{
    if (__builtin_mul_overflow(*total, factor, total))
        *overflow = true;
}

/* Brings A to the finer scale TO.  A value of 38 digits at scale 0 is
 * past i128 at scale 38, so min and max may overflow too; then a total,
 * at least as large in magnitude, says so as well, or nearly, and the
 * key is marked either way. */
static void accum_rescale(struct accum *a, int to)
{
    u128 factor = number_pow10(to - a->scale);
    scale_total(&a->positive, factor, &a->overflow);
    scale_total(&a->negative, factor, &a->overflow);
    if (!number_rescale_checked(a->min, a->scale, to, &a->min)
        || !number_rescale_checked(a->max, a->scale, to, &a->max))
        a->overflow = true;
    a->scale = to;
}

void accum_add(struct accum *a, struct number value)
{
    i128 v = value.mantissa;
    if (value.scale != a->scale) {
        if (value.scale > a->scale)
            accum_rescale(a, value.scale);
        else if (!number_rescale_checked(v, value.scale, a->scale, &v))
            a->overflow = true;
    }
    if (v >= 0)
        add_total(&a->positive, (u128)v, &a->overflow);
    else
        add_total(&a->negative, -(u128)v, &a->overflow);
    if (a->count == 0 || v < a->min)
        a->min = v;
    if (a->count == 0 || v > a->max)
        a->max = v;
    a->count++;
}

void accum_merge(struct accum *into, const struct accum *from)
{
    struct accum other = *from;
    if (other.scale > into->scale)
        accum_rescale(into, other.scale);
    else if (other.scale < into->scale)
        accum_rescale(&other, into->scale);
    add_total(&into->positive, other.positive, &into->overflow);
    add_total(&into->negative, other.negative, &into->overflow);
    into->overflow |= other.overflow;
    if (other.count > 0) {
        if (into->count == 0 || other.min < into->min)
            into->min = other.min;
        if (into->count == 0 || other.max > into->max)
            into->max = other.max;
    }
    into->count += other.count;
    into->missing += other.missing;
    into->parts += other.parts;
}

/* Writes the signed MANTISSA at SCALE rounded to DECIMALS places. */
static size_t format_rounded(char *text, i128 mantissa, int scale,
                             int decimals)
{
    u128 magnitude = mantissa < 0 ? -(u128)mantissa : (u128)mantissa;
    return number_format_quotient(text, magnitude, mantissa < 0, scale, 1,
                                  decimals);
}

size_t aggregate_format(char *text, const struct accum *a,
                        enum aggregate_op op, int decimals)
{
    if (op == OP_COUNT)
        return number_format(text, (u128)a->count + a->missing, false, 0);
    if (op == OP_DISTINCT) {
        text[0] = '0';
        return 1;
    }
    if (a->count == 0)
        return 0;
    bool negative = a->negative > a->positive;
    u128 sum = negative ? a->negative - a->positive
                        : a->positive - a->negative;
    switch (op) {
    case OP_SUM:
        return decimals < 0
             ? number_format(text, sum, negative, a->scale)
             : number_format_quotient(text, sum, negative, a->scale, 1,
                                      decimals);
    case OP_COUNT:
        break;
    case OP_MIN:
        return decimals < 0 ? number_format_signed(text, a->min, a->scale)
                            : format_rounded(text, a->min, a->scale,
                                             decimals);
    case OP_MAX:
        return decimals < 0 ? number_format_signed(text, a->max, a->scale)
                            : format_rounded(text, a->max, a->scale,
                                             decimals);
    case OP_MEAN: {
        int places = decimals >= 0 ? decimals
                   : a->scale > 6 ? a->scale : 6;
        return number_format_quotient(text, sum, negative, a->scale,
                                      a->count, places);
    }
    case OP_SSTDEV:
    case OP_PSTDEV:
    case OP_SVAR:
    case OP_PVAR:
    case OP_PERCENTILE:
    case OP_DISTINCT:
        break;
    }
    return 0;
}
