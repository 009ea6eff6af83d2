/* quantile: exact values per key, then logarithmic buckets with a bounded
 * relative error.
 *
 * Buckets.  A nonzero magnitude |v| is 2^e * (1 + t) with t in [0, 1).
 * Each doubling [2^e, 2^(e+1)) is cut into 8 segments by the top three
 * bits of t, and segment s into M[s] equal buckets.  A bucket [lo, hi) of
 * segment s is 1 / (8 * M[s]) of 2^e wide and starts at least at
 * 2^e * (1 + s / 8), so hi / lo <= 1 + 1 / (M[s] * (8 + s)); M is the
 * least that makes every M[s] * (8 + s) >= 112, hence hi / lo <= 1 + 1/112,
 * 85 buckets per doubling where equal ratios would need 78.
 *
 * Error.  A bucket answers with r = 2 lo hi / (lo + hi), whose relative
 * distance from any value in [lo, hi] is at most (hi - lo) / (hi + lo)
 * <= 1/225 < 0.445%.  The bucket is chosen from a double near |v| (three
 * roundings of 2^-53 each, so within 2^-51 of it relatively), which moves
 * that bound by a negligible 2^-50.
 * Printing rounds r to a multiple u of 10^-S for S places, S at least the
 * key's scale: the exact value x at that rank is itself a multiple of u,
 * and rounding to the nearest multiple moves r by no more than its
 * distance to x, so the printed value is within twice that of x: 0.89%,
 * under the 1% promised.  Answers are clamped to the exact minimum and
 * maximum, which only brings them closer.
 *
 * Determinism.  The bucket of a value comes from a fixed computation on
 * its own digits: two IEEE-754 operations that round correctly (integer to
 * double, one product with 10^-scale written as a literal) and integer
 * arithmetic on the double's bits.  Answers are computed from a bucket's
 * index with integers alone.  So buckets, text and answers depend on the
 * values only, on any machine with IEEE-754 doubles evaluated at their own
 * precision (FLT_EVAL_METHOD 0, as on x86-64 and AArch64).
 *
 * Memory.  Each sign's counts are one array covering the buckets in use,
 * at least 64 and grown by doubling, so at most twice the span in use, and
 * never more than QUANTILE_BUCKETS: 10^-38 <= |v| < 10^38 lies within
 * 2^-127 .. 2^127, 254 doublings, 254 * 85 = 21,590 buckets. */
#include "config.h"

#include "quantile.h"
#include "diag.h"

#include <stdlib.h>
#include <string.h>

enum { SEGMENTS = 8, PER_DOUBLING = 85, LOWEST_EXPONENT = -127 };

/* Buckets in each segment of a doubling, and the first bucket of each:
 * M[s] * (8 + s) >= 112 with M[s] least. */
static const uint8_t segment_buckets[SEGMENTS] = { 14, 13, 12, 11, 10, 9, 8, 8 };
static const uint8_t segment_first[SEGMENTS] = { 0, 14, 27, 39, 50, 60, 69, 77 };

/* 10^-n as doubles; each literal is the double nearest its value, within
 * 2^-53 of it relatively.  Multiplying by one is cheaper than dividing by
 * 10^n, and as fixed. */
static const double pow10_inverse[NUMBER_MAX_SCALE + 1] = {
    1e-0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10,
    1e-11, 1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20,
    1e-21, 1e-22, 1e-23, 1e-24, 1e-25, 1e-26, 1e-27, 1e-28, 1e-29, 1e-30,
    1e-31, 1e-32, 1e-33, 1e-34, 1e-35, 1e-36, 1e-37, 1e-38
};

/* The counts of one sign: COUNTS[i] is bucket BASE + i; buckets LO .. HI
 * are the lowest and highest with a count (LO > HI when none). */
struct store {
    uint64_t *counts;
    int base, cap;
    int lo, hi;
    uint64_t total;      /* sum of the counts */
};

struct sketch {
    struct store negative;     /* buckets of the magnitudes of v < 0 */
    struct store positive;
    uint64_t zeros;
    struct number min, max;    /* exact extremes */
};

static void store_init(struct store *s)
{
    *s = (struct store){ .lo = 1, .hi = 0 };
}

/* The bucket of the magnitude of V, which is not zero. */
static int bucket_of(struct number v)
{
    double d = v.mantissa >= INT64_MIN && v.mantissa <= INT64_MAX
             ? (double)(int64_t)v.mantissa : (double)v.mantissa;
    d *= pow10_inverse[v.scale];
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    uint64_t t = bits & (((uint64_t)1 << 52) - 1);
    unsigned s = (unsigned)(t >> 49);
    uint64_t within = t & (((uint64_t)1 << 49) - 1);
    int k = (int)((within * segment_buckets[s]) >> 49);
    /* Values lie within 10^-38 .. 10^38, inside these doublings; the
     * clamp only keeps an impossible index in range. */
    if (e < LOWEST_EXPONENT)
        return 0;
    if (e >= LOWEST_EXPONENT + QUANTILE_BUCKETS / PER_DOUBLING)
        return QUANTILE_BUCKETS - 1;
    return (e - LOWEST_EXPONENT) * PER_DOUBLING + segment_first[s] + k;
}

/* Makes S's array cover bucket I and the buckets already in use. */
static void store_reach(struct store *s, int i)
{
    int lo = s->lo <= s->hi && s->lo < i ? s->lo : i;
    int hi = s->lo <= s->hi && s->hi > i ? s->hi : i;
    int need = hi - lo + 1;
    int cap = s->cap * 2 > need ? s->cap * 2 : need;
    if (cap < 64)
        cap = 64;
    if (cap > QUANTILE_BUCKETS)
        cap = QUANTILE_BUCKETS;
    /* Room on both sides, as values may grow either way. */
    int base = lo - (cap - need) / 2;
    if (base < 0)
        base = 0;
    if (base + cap > QUANTILE_BUCKETS)
        base = QUANTILE_BUCKETS - cap;
    uint64_t *counts = xcalloc((size_t)cap, sizeof *counts);
    if (s->lo <= s->hi)
        memcpy(counts + (s->lo - base), s->counts + (s->lo - s->base),
               (size_t)(s->hi - s->lo + 1) * sizeof *counts);
    free(s->counts);
    s->counts = counts;
    s->base = base;
    s->cap = cap;
}

static void store_add(struct store *s, int i, uint64_t n)
{
    if ((unsigned)(i - s->base) >= (unsigned)s->cap)
        store_reach(s, i);
    s->counts[i - s->base] += n;
    s->total += n;
    if (s->lo > s->hi) {
        s->lo = s->hi = i;
    } else if (i < s->lo) {
        s->lo = i;
    } else if (i > s->hi) {
        s->hi = i;
    }
}

static void store_merge(struct store *into, const struct store *from)
{
    if (from->lo > from->hi)
        return;
    /* Reach both ends first so that the array grows at most once. */
    store_add(into, from->lo, 0);
    store_add(into, from->hi, 0);
    for (int i = from->lo; i <= from->hi; i++)
        into->counts[i - into->base] += from->counts[i - from->base];
    into->total += from->total;
}

/* number_compare, without its rescaling when the signs differ or the
 * scales are equal, as a field's values usually have one scale. */
static int compare(struct number a, struct number b)
{
    int sign_a = (a.mantissa > 0) - (a.mantissa < 0);
    int sign_b = (b.mantissa > 0) - (b.mantissa < 0);
    if (sign_a != sign_b)
        return (sign_a > sign_b) - (sign_a < sign_b);
    if (a.scale == b.scale)
        return (a.mantissa > b.mantissa) - (a.mantissa < b.mantissa);
    return number_compare(a, b);
}

static void sketch_add(struct sketch *k, struct number v, bool first)
{
    if (first) {
        k->min = k->max = v;
    } else if (v.scale == k->min.scale && v.scale == k->max.scale) {
        /* Of one scale, as a field's values mostly are, numbers compare
         * as their mantissas. */
        if (v.mantissa < k->min.mantissa)
            k->min = v;
        else if (v.mantissa > k->max.mantissa)
            k->max = v;
    } else {
        if (compare(v, k->min) < 0)
            k->min = v;
        if (compare(v, k->max) > 0)
            k->max = v;
    }
    if (v.mantissa > 0)
        store_add(&k->positive, bucket_of(v), 1);
    else if (v.mantissa < 0)
        store_add(&k->negative, bucket_of(v), 1);
    else
        k->zeros++;
}

void quantile_prefetch(const struct quantile *q, const struct number *value)
{
    if (!q->sketch) {
        if (q->count < q->cap) {
            if (q->wide)
                __builtin_prefetch(&q->mantissas.wide[q->count], 1);
            else
                __builtin_prefetch(&q->mantissas.narrow[q->count], 1);
            if (q->scales)
                __builtin_prefetch(&q->scales[q->count], 1);
        }
        return;
    }
    const struct store *s = value->mantissa > 0 ? &q->sketch->positive
                          : value->mantissa < 0 ? &q->sketch->negative
                                                : NULL;
    if (s && s->counts) {
        int i = bucket_of(*value);
        if ((unsigned)(i - s->base) < (unsigned)s->cap)
            __builtin_prefetch(&s->counts[i - s->base], 1);
    }
}

static struct sketch *sketch_new(void)
{
    struct sketch *k = xmalloc(sizeof *k);
    *k = (struct sketch){ 0 };
    store_init(&k->negative);
    store_init(&k->positive);
    return k;
}

static void sketch_free(struct sketch *k)
{
    if (k) {
        free(k->negative.counts);
        free(k->positive.counts);
        free(k);
    }
}

void quantile_init(struct quantile *q)
{
    *q = (struct quantile){ .sorted = true };
}

void quantile_release(struct quantile *q)
{
    free(q->mantissas.narrow);
    free(q->scales);
    sketch_free(q->sketch);
}

struct quantile *quantile_new(void)
{
    struct quantile *q = xmalloc(sizeof *q);
    quantile_init(q);
    return q;
}

void quantile_free(struct quantile *q)
{
    if (q) {
        quantile_release(q);
        free(q);
    }
}

void quantile_move(struct quantile *into, struct quantile *from)
{
    *into = *from;
    free(from);
}

/* Exact value I of Q. */
static i128 mantissa_at(const struct quantile *q, size_t i)
{
    return q->wide ? q->mantissas.wide[i] : q->mantissas.narrow[i];
}

/* The scale of exact value I of Q. */
static int scale_at(const struct quantile *q, size_t i)
{
    return q->scales ? q->scales[i] : q->common;
}

static struct number value_at(const struct quantile *q, size_t i)
{
    return (struct number){ mantissa_at(q, i), scale_at(q, i) };
}

/* Puts Q's exact values into a new sketch and drops them. */
static void to_sketch(struct quantile *q)
{
    struct sketch *k = sketch_new();
    for (size_t i = 0; i < q->count; i++)
        sketch_add(k, value_at(q, i), i == 0);
    free(q->mantissas.narrow);
    free(q->scales);
    q->mantissas.narrow = NULL;
    q->scales = NULL;
    q->cap = 0;
    q->wide = false;
    q->sketch = k;
}

/* Makes Q's arrays room for CAP values (at least COUNT), mantissas of
 * 128 bits if WIDE, else of 64, which the values kept must fit. */
static void exact_realloc(struct quantile *q, size_t cap, bool wide)
{
    if (wide && !q->wide) {
        i128 *m = xmalloc(cap * sizeof *m);
        for (size_t i = 0; i < q->count; i++)
            m[i] = mantissa_at(q, i);
        free(q->mantissas.narrow);
        q->mantissas.wide = m;
    } else {
        /* A new array, not realloc: a key's state merged at the end of
         * a run was made by another worker, and realloc would grow that
         * worker's heap, page by page, where malloc reuses the memory
         * this thread's own merged states just gave back. */
        size_t width = wide ? sizeof(i128) : sizeof(int64_t);
        void *m = xmalloc(cap * width);
        if (q->count)
            memcpy(m, q->mantissas.narrow, q->count * width);
        free(q->mantissas.narrow);
        q->mantissas.narrow = m;
    }
    if (q->scales)
        q->scales = xrealloc(q->scales, cap * sizeof *q->scales);
    q->cap = cap;
    q->wide = wide;
}

/* Gives Q an array of scales, from the common one, for a value of
 * another. */
static void exact_split_scales(struct quantile *q)
{
    q->scales = xmalloc(q->cap * sizeof *q->scales);
    memset(q->scales, q->common, q->cap * sizeof *q->scales);
}

/* Whether V goes into Q's exact arrays as they are: room, and neither a
 * wider mantissa nor another scale than they hold. */
static bool exact_takes(const struct quantile *q, struct number v)
{
    return q->count < q->cap
        && (q->wide || (v.mantissa >= INT64_MIN && v.mantissa <= INT64_MAX))
        && (q->scales || q->count == 0 || v.scale == q->common);
}

/* Gives Q room for at least NEED exact values (at most the budget):
 * the next power of two from 8 up. */
static void exact_reserve(struct quantile *q, size_t need)
{
    if (need <= q->cap)
        return;
    size_t cap = q->cap ? q->cap : 8;
    while (cap < need)
        cap *= 2;
    if (cap > QUANTILE_BUDGET)
        cap = QUANTILE_BUDGET;
    exact_realloc(q, cap, q->wide);
}

static void exact_append(struct quantile *q, struct number v)
{
    if (!q->wide && (v.mantissa < INT64_MIN || v.mantissa > INT64_MAX))
        exact_realloc(q, q->cap ? q->cap : 8, true);
    if (q->count == q->cap)
        exact_reserve(q, q->count + 1);
    if (q->count == 0 && !q->scales)
        q->common = (int8_t)v.scale;
    else if (!q->scales && v.scale != q->common)
        exact_split_scales(q);
    if (q->wide)
        q->mantissas.wide[q->count] = v.mantissa;
    else
        q->mantissas.narrow[q->count] = (int64_t)v.mantissa;
    if (q->scales)
        q->scales[q->count] = (int8_t)v.scale;
    q->count++;
    q->sorted = false;
}

size_t quantile_add(struct quantile *q, const struct number *v)
{
    struct number value = *v;
    if (value.scale > q->scale)
        q->scale = value.scale;
    if (!q->sketch && exact_takes(q, value)) {
        exact_append(q, value);
        return 0;
    }
    size_t before = quantile_bytes(q);
    if (!q->sketch && q->count == QUANTILE_BUDGET)
        to_sketch(q);
    if (q->sketch) {
        sketch_add(q->sketch, value, false);
        q->count++;
    } else {
        exact_append(q, value);
    }
    size_t after = quantile_bytes(q);
    return after > before ? after - before : 0;
}

void quantile_merge(struct quantile *into, const struct quantile *from)
{
    if (from->count == 0)
        return;
    if (from->scale > into->scale)
        into->scale = from->scale;
    if (!from->sketch && !into->sketch
        && into->count + from->count <= QUANTILE_BUDGET) {
        exact_reserve(into, into->count + from->count);
        /* Mantissas of 64 bits at one common scale, as a field's values
         * mostly are, are copied whole. */
        if (!into->wide && !from->wide && !into->scales && !from->scales
            && (into->count == 0 || into->common == from->common)) {
            memcpy(into->mantissas.narrow + into->count,
                   from->mantissas.narrow,
                   from->count * sizeof *from->mantissas.narrow);
            into->common = from->common;
            into->count += from->count;
            into->sorted = false;
            return;
        }
        for (size_t i = 0; i < from->count; i++)
            exact_append(into, value_at(from, i));
        return;
    }
    if (!into->sketch)
        to_sketch(into);
    struct sketch *k = into->sketch;
    bool empty = into->count == 0;
    if (!from->sketch) {
        for (size_t i = 0; i < from->count; i++)
            sketch_add(k, value_at(from, i), empty && i == 0);
    } else {
        const struct sketch *f = from->sketch;
        store_merge(&k->negative, &f->negative);
        store_merge(&k->positive, &f->positive);
        k->zeros += f->zeros;
        if (empty || compare(f->min, k->min) < 0)
            k->min = f->min;
        if (empty || compare(f->max, k->max) > 0)
            k->max = f->max;
    }
    into->count += from->count;
}

uint64_t quantile_count(const struct quantile *q)
{
    return q->count;
}

bool quantile_is_approximate(const struct quantile *q)
{
    return q->sketch != NULL;
}

size_t quantile_bytes(const struct quantile *q)
{
    size_t width = q->wide ? sizeof(i128) : sizeof(int64_t);
    size_t bytes = sizeof *q + q->cap * width
                 + (q->scales ? q->cap * sizeof *q->scales : 0);
    if (q->sketch)
        bytes += sizeof *q->sketch
               + ((size_t)q->sketch->negative.cap
                  + (size_t)q->sketch->positive.cap) * sizeof(uint64_t);
    return bytes;
}

/* Exact values: order, sorting, rank. */

/* Orders by value, then by scale, so that the order is total and equal
 * keys are equal values: the sorted arrays depend only on the multiset. */
static int value_order(const struct quantile *q, size_t i, size_t j)
{
    /* Values of one key mostly share a scale: no rescaling then. */
    i128 a = mantissa_at(q, i), b = mantissa_at(q, j);
    int sa = scale_at(q, i), sb = scale_at(q, j);
    if (sa == sb)
        return (a > b) - (a < b);
    int c = number_compare((struct number){ a, sa }, (struct number){ b, sb });
    return c ? c : (sa > sb) - (sa < sb);
}

static void value_swap(struct quantile *q, size_t i, size_t j)
{
    if (q->wide) {
        i128 m = q->mantissas.wide[i];
        q->mantissas.wide[i] = q->mantissas.wide[j];
        q->mantissas.wide[j] = m;
    } else {
        int64_t m = q->mantissas.narrow[i];
        q->mantissas.narrow[i] = q->mantissas.narrow[j];
        q->mantissas.narrow[j] = m;
    }
    if (q->scales) {
        int8_t s = q->scales[i];
        q->scales[i] = q->scales[j];
        q->scales[j] = s;
    }
}

static void sift_down(struct quantile *q, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && value_order(q, child + 1, child) > 0)
            child++;
        if (value_order(q, root, child) >= 0)
            return;
        value_swap(q, root, child);
        root = child;
    }
}

/* Sorts the N mantissas at M, all of one scale and 64 bits wide,
 * ascending: a bottom-up merge sort through a buffer, as values of one
 * key mostly share a scale and a comparison of two integers is then all
 * it takes. */
static void sort_mantissas(int64_t *m, size_t n)
{
    int64_t *buffer = xmalloc(n * sizeof *buffer);
    int64_t *from = m, *to = buffer;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                to[k++] = from[j] < from[i] ? from[j++] : from[i++];
            while (i < mid)
                to[k++] = from[i++];
            while (j < hi)
                to[k++] = from[j++];
        }
        int64_t *t = from;
        from = to;
        to = t;
    }
    if (from != m)
        memcpy(m, from, n * sizeof *m);
    free(buffer);
}

/* Whether the values kept all have the scale of the first, and 64-bit
 * mantissas: integers to compare. */
static bool one_scale(const struct quantile *q)
{
    if (q->wide)
        return false;
    if (!q->scales)
        return true;
    for (size_t i = 1; i < q->count; i++)
        if (q->scales[i] != q->scales[0])
            return false;
    return true;
}

/* Sorts the values kept; heapsort, in place over the two arrays, which
 * qsort cannot do, when their scales differ. */
static void sort_values(struct quantile *q)
{
    if (q->sorted)
        return;
    if (q->count > 1 && one_scale(q)) {
        sort_mantissas(q->mantissas.narrow, q->count);
        q->sorted = true;
        return;
    }
    size_t n = q->count;
    for (size_t i = n / 2; i-- > 0;)
        sift_down(q, i, n);
    for (size_t end = n; end > 1; end--) {
        value_swap(q, 0, end - 1);
        sift_down(q, 0, end - 1);
    }
    q->sorted = true;
}

static void swap_mantissas(int64_t *m, ptrdiff_t i, ptrdiff_t j)
{
    int64_t t = m[i];
    m[i] = m[j];
    m[j] = t;
}

/* Puts the mantissa of rank R (from 1) among the N at M in ascending
 * order at index R - 1, none greater before it and none less after:
 * Hoare's selection with a median-of-three pivot, which reads each value
 * a few times where a sort would read it log N times; a result needs one
 * rank.  After more rounds than a fair split takes, it sorts instead, so
 * that no order of the values makes it quadratic. */
static void select_mantissa(int64_t *m, size_t n, uint64_t r)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, k = (ptrdiff_t)r - 1;
    int rounds = 2 * (64 - __builtin_clzll(n));
    while (hi > lo) {
        if (rounds-- == 0) {
            sort_mantissas(m + lo, (size_t)(hi - lo + 1));
            return;
        }
        ptrdiff_t mid = lo + (hi - lo) / 2;
        if (m[mid] < m[lo])
            swap_mantissas(m, mid, lo);
        if (m[hi] < m[lo])
            swap_mantissas(m, hi, lo);
        if (m[hi] < m[mid])
            swap_mantissas(m, hi, mid);
        int64_t pivot = m[mid];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (m[i] < pivot)
                i++;
            while (m[j] > pivot)
                j--;
            if (i <= j)
                swap_mantissas(m, i++, j--);
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* Puts the value of rank R (from 1) in ascending order at index R - 1,
 * none greater before it and none less after.  Values of one scale, as
 * a field's nearly always are, by selection; others are sorted. */
static void select_rank(struct quantile *q, uint64_t r)
{
    if (q->sorted)
        return;
    if (one_scale(q))
        select_mantissa(q->mantissas.narrow, q->count, r);
    else
        sort_values(q);
}

bool quantile_parse_rank(const char *text, size_t len, struct number *p)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != '.' && (text[i] < '0' || text[i] > '9'))
            return false;
    if (number_parse(text, len, p) != NUMBER_OK || p->mantissa <= 0)
        return false;
    return number_compare(*p, (struct number){ 100, 0 }) <= 0;
}

/* ceil(P / 100 * N) for P in (0, 100] and N > 0: P * N has up to 192 bits
 * and 10^(scale + 2) up to 134, so the product is held in three 64-bit
 * limbs and divided by at most 10^19 at a time; ceil(ceil(x / a) / b) is
 * ceil(x / (a b)). */
static uint64_t rank_of(struct number p, uint64_t n)
{
    u128 m = (u128)p.mantissa;
    u128 low = (u128)(uint64_t)m * n, high = (m >> 64) * n;
    u128 middle = (low >> 64) + (uint64_t)high;
    uint64_t limb[3] = { (uint64_t)low, (uint64_t)middle,
                         (uint64_t)((middle >> 64) + (high >> 64)) };
    for (int places = p.scale + 2; places > 0;) {
        int step = places < 19 ? places : 19;
        places -= step;
        uint64_t divisor = (uint64_t)number_pow10(step);
        u128 rest = 0;
        for (int i = 2; i >= 0; i--) {
            u128 current = rest << 64 | limb[i];
            limb[i] = (uint64_t)(current / divisor);
            rest = current % divisor;
        }
        /* Round up: add one, carrying while a limb wraps to zero. */
        if (rest != 0)
            for (int i = 0; i < 3 && ++limb[i] == 0; i++)
                continue;
    }
    uint64_t rank = limb[1] || limb[2] ? n : limb[0];
    return rank < 1 ? 1 : rank > n ? n : rank;
}

/* Writes V with PLACES digits after the point, rounded half to even when
 * V has more; padding with zeros rather than rescaling, which could leave
 * i128. */
static size_t format_at(char *text, struct number v, int places)
{
    bool negative = v.mantissa < 0;
    u128 magnitude = negative ? -(u128)v.mantissa : (u128)v.mantissa;
    if (places < v.scale)
        return number_format_quotient(text, magnitude, negative, v.scale, 1,
                                      places);
    size_t len = number_format(text, magnitude, negative, v.scale);
    if (places > v.scale) {
        if (v.scale == 0)
            text[len++] = '.';
        memset(text + len, '0', (size_t)(places - v.scale));
        len += (size_t)(places - v.scale);
    }
    return len;
}

/* Sketch answers. */

/* round(2^E * N / D * 10^PLACES) into *OUT if below 10^38.  Integers
 * only: the quotient is taken with 100 extra bits, and each factor 10
 * drops four low bits when it must, a relative loss of 2^-96 at most. */
static bool scaled_value(int e, u128 n, u128 d, int places, i128 *out)
{
    u128 m = (n << 100) / d;
    int b = e - 100;
    for (int i = 0; i < places; i++) {
        if (m >> 123) {
            m >>= 4;
            b += 4;
        }
        m *= 10;
    }
    if (b >= 0) {
        if (b >= 127 || m >> (127 - b))
            return false;
        m <<= b;
    } else if (b <= -128) {
        m = 0;
    } else {
        m = (m >> -b) + (m >> (-b - 1) & 1);
    }
    if (m >= number_pow10(NUMBER_MAX_DIGITS))
        return false;
    *out = (i128)m;
    return true;
}

/* The value a bucket answers with, negated if NEGATIVE, at the finest
 * scale up to PLACES where it fits; false if it has more than 38 digits
 * even without places, which puts it beyond every value. */
static bool bucket_value(int index, bool negative, int places,
                         struct number *v)
{
    int e = index / PER_DOUBLING + LOWEST_EXPONENT;
    int j = index % PER_DOUBLING, s = SEGMENTS - 1;
    while (segment_first[s] > j)
        s--;
    /* The bucket is 2^e * [a, a + 1) / (8 M) and answers 2 lo hi /
     * (lo + hi) = 2^e * a (a + 1) / (4 M (2 a + 1)). */
    u128 m = segment_buckets[s];
    u128 a = 8 * m + (u128)s * m + (u128)(j - segment_first[s]);
    for (int scale = places; scale >= 0; scale--)
        if (scaled_value(e, a * (a + 1), 4 * m * (2 * a + 1), scale,
                         &v->mantissa)) {
            v->scale = scale;
            if (negative)
                v->mantissa = -v->mantissa;
            return true;
        }
    return false;
}

/* The bucket of rank R in store S counted from its lowest bucket, or
 * from its highest if DOWNWARD. */
static int store_find(const struct store *s, uint64_t r, bool downward)
{
    uint64_t seen = 0;
    for (int i = 0; i <= s->hi - s->lo; i++) {
        int b = downward ? s->hi - i : s->lo + i;
        seen += s->counts[b - s->base];
        if (seen >= r)
            return b;
    }
    return s->hi;
}

/* The answer of the sketch for rank R (1 <= R <= count), at PLACES. */
static struct number sketch_value(const struct quantile *q, uint64_t r,
                                  int places)
{
    const struct sketch *k = q->sketch;
    if (r == 1)
        return k->min;
    if (r == q->count)
        return k->max;
    struct number v = { 0, 0 };
    if (r <= k->negative.total) {
        if (!bucket_value(store_find(&k->negative, r, true), true, places,
                          &v))
            return k->min;
    } else if (r - k->negative.total > k->zeros) {
        if (!bucket_value(store_find(&k->positive,
                                     r - k->negative.total - k->zeros,
                                     false),
                          false, places, &v))
            return k->max;
    }
    if (number_compare(v, k->min) < 0)
        return k->min;
    if (number_compare(v, k->max) > 0)
        return k->max;
    return v;
}

size_t quantile_format(struct quantile *q, struct number p, int decimals,
                       char *text)
{
    if (q->count == 0)
        return 0;
    int places = decimals >= 0 ? decimals : q->scale;
    uint64_t r = rank_of(p, q->count);
    if (q->sketch)
        return format_at(text, sketch_value(q, r, places > q->scale
                                                  ? places : q->scale),
                         places);
    select_rank(q, r);
    return format_at(text, value_at(q, r - 1),
                     places);
}

/* Text: "x:" and the exact values in ascending order, separated by
 * commas; or "s:SCALE:ZEROS:MIN:MAX:NEGATIVE:POSITIVE", each store empty
 * or "LO/" and the counts of buckets LO up to its highest in use,
 * separated by commas, a zero count written as nothing.  Values are plain
 * decimals at their own scale, so they read back as they were. */

static size_t write_store(char *text, const struct store *s)
{
    size_t len = 0;
    if (s->lo > s->hi)
        return 0;
    len += number_format(text, (u128)s->lo, false, 0);
    text[len++] = '/';
    for (int i = s->lo; i <= s->hi; i++) {
        if (i > s->lo)
            text[len++] = ',';
        uint64_t c = s->counts[i - s->base];
        if (c)
            len += number_format(text + len, c, false, 0);
    }
    return len;
}

size_t quantile_write_size(const struct quantile *q)
{
    if (!q->sketch)
        return 2 + q->count * NUMBER_TEXT_SIZE;
    const struct sketch *k = q->sketch;
    size_t buckets = 0;
    if (k->negative.lo <= k->negative.hi)
        buckets += (size_t)(k->negative.hi - k->negative.lo + 1);
    if (k->positive.lo <= k->positive.hi)
        buckets += (size_t)(k->positive.hi - k->positive.lo + 1);
    /* Header fields, two "LO/" and a count and comma per bucket. */
    return 2 + 4 * NUMBER_TEXT_SIZE + 8 + 2 * 8 + buckets * 21;
}

size_t quantile_write(struct quantile *q, char *text)
{
    size_t len = 2;
    if (!q->sketch) {
        memcpy(text, "x:", 2);
        sort_values(q);
        for (size_t i = 0; i < q->count; i++) {
            if (i > 0)
                text[len++] = ',';
            len += number_format_signed(text + len, mantissa_at(q, i),
                                        scale_at(q, i));
        }
        return len;
    }
    const struct sketch *k = q->sketch;
    memcpy(text, "s:", 2);
    len += number_format(text + len, (u128)q->scale, false, 0);
    text[len++] = ':';
    len += number_format(text + len, k->zeros, false, 0);
    text[len++] = ':';
    len += number_format_signed(text + len, k->min.mantissa, k->min.scale);
    text[len++] = ':';
    len += number_format_signed(text + len, k->max.mantissa, k->max.scale);
    text[len++] = ':';
    len += write_store(text + len, &k->negative);
    text[len++] = ':';
    len += write_store(text + len, &k->positive);
    return len;
}

/* A cursor over the text being read. */
struct reading {
    const char *p, *end;
};

/* The bytes up to the next STOP or the end, and past the STOP. */
static size_t take(struct reading *r, char stop, const char **field)
{
    const char *start = r->p;
    while (r->p < r->end && *r->p != stop)
        r->p++;
    *field = start;
    size_t len = (size_t)(r->p - start);
    if (r->p < r->end)
        r->p++;
    return len;
}

static bool read_count(const char *text, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20 || (len > 1 && text[0] == '0'))
        return false;
    u128 v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        v = v * 10 + (u128)(text[i] - '0');
    }
    if (v > UINT64_MAX)
        return false;
    *out = (uint64_t)v;
    return true;
}

static bool read_value(const char *text, size_t len, struct number *v)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] == 'e' || text[i] == 'E' || text[i] == '+')
            return false;
    return number_parse(text, len, v) == NUMBER_OK;
}

/* One store's text, the LEN bytes at TEXT, into S. */
static bool read_store(const char *text, size_t len, struct store *s)
{
    if (len == 0)
        return true;
    struct reading r = { text, text + len };
    const char *field;
    size_t n = take(&r, '/', &field);
    uint64_t lo;
    if (field + n == r.end || !read_count(field, n, &lo)
        || lo >= QUANTILE_BUCKETS)
        return false;
    int i = (int)lo;
    bool last_zero = false;
    for (bool more = true; more; i++) {
        n = take(&r, ',', &field);
        more = field + n < r.end;
        if (i >= QUANTILE_BUCKETS)
            return false;
        uint64_t c = 0, sum;
        if ((n > 0 && !read_count(field, n, &c)) || (i == (int)lo && c == 0)
            || __builtin_add_overflow(s->total, c, &sum))
            return false;
        store_add(s, i, c);
        last_zero = c == 0;
    }
    /* The first and last buckets written are the ones in use. */
    return !last_zero;
}

static struct quantile *read_exact(struct reading *r)
{
    struct quantile *q = quantile_new();
    while (r->p < r->end) {
        const char *field;
        size_t n = take(r, ',', &field);
        struct number v;
        if (q->count == QUANTILE_BUDGET || !read_value(field, n, &v)
            || (r->p == r->end && field + n < r->end)) {
            quantile_free(q);
            return NULL;
        }
        quantile_add(q, &v);
    }
    return q;
}

static struct quantile *read_sketch(struct reading *r)
{
    struct quantile *q = quantile_new();
    struct sketch *k = q->sketch = sketch_new();
    const char *f[6];
    size_t n[6];
    for (int i = 0; i < 6; i++) {
        n[i] = take(r, ':', &f[i]);
        if ((i < 5) != (f[i] + n[i] < r->end))
            goto bad;
    }
    uint64_t scale;
    if (!read_count(f[0], n[0], &scale) || scale > NUMBER_MAX_SCALE
        || !read_count(f[1], n[1], &k->zeros)
        || !read_value(f[2], n[2], &k->min)
        || !read_value(f[3], n[3], &k->max)
        || number_compare(k->min, k->max) > 0
        || !read_store(f[4], n[4], &k->negative)
        || !read_store(f[5], n[5], &k->positive))
        goto bad;
    q->scale = (int)scale;
    if (__builtin_add_overflow(k->negative.total, k->zeros, &q->count)
        || __builtin_add_overflow(q->count, k->positive.total, &q->count)
        || q->count <= QUANTILE_BUDGET
        || k->min.scale > q->scale || k->max.scale > q->scale)
        goto bad;
    return q;
bad:
    quantile_free(q);
    return NULL;
}

struct quantile *quantile_read(const char *text, size_t len)
{
    struct reading r = { text + 2, text + len };
    if (len >= 2 && memcmp(text, "x:", 2) == 0)
        return read_exact(&r);
    if (len >= 2 && memcmp(text, "s:", 2) == 0)
        return read_sketch(&r);
    return NULL;
}
