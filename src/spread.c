/* spread: exact variance and standard deviation.  For N values x at
 * scale s with S1 = sum(x) and S2 = sum(x^2) in units of 10^-s:
 *
 *   variance = (N*S2 - S1^2) / (D * 10^(2s)),  D = N*(N-1) (sample)
 *                                                  or N*N (population)
 *
 * a rational computed exactly in wide integers and rounded once; the
 * standard deviation is its square root, an integer square root of the
 * rational scaled by 10^(2P) for P places, then rounded by comparing
 * squares, so no binary floating point is involved. */
#include "config.h"

#include "spread.h"

#include <string.h>

/* The most bits a sum of squares may have: see struct squares. */
enum { SQUARES_BITS = 384 };

void squares_add(struct squares *s, struct number value)
{
    u128 m = value.mantissa < 0 ? -(u128)value.mantissa
                                : (u128)value.mantissa;
    if (value.scale > s->scale) {
        s->overflow |= !wide_mul_pow10(&s->sum,
                                       2 * (value.scale - s->scale));
        s->scale = value.scale;
    }
    if (value.scale == s->scale && m >> 64 == 0) {
        /* The common case: a square within 128 bits, whose carry into
         * the upper digits is rare, and so is a check of the limit. */
        if (!wide_add_u128(&s->sum, m * m)
            || (s->sum.d[4] != 0 && wide_bits(&s->sum) > SQUARES_BITS))
            s->overflow = true;
        return;
    }
    struct wide square, w = wide_from_u128(m);
    s->overflow |= !wide_mul_pow10(&w, s->scale - value.scale);
    s->overflow |= !wide_mul(&square, &w, &w);
    s->overflow |= !wide_add(&s->sum, &square);
    s->overflow |= wide_bits(&s->sum) > SQUARES_BITS;
}

void squares_merge(struct squares *into, const struct squares *from)
{
    struct squares other = *from;
    if (other.scale > into->scale) {
        into->overflow |= !wide_mul_pow10(&into->sum,
                                          2 * (other.scale - into->scale));
        into->scale = other.scale;
    } else if (other.scale < into->scale) {
        other.overflow |= !wide_mul_pow10(&other.sum,
                                          2 * (into->scale - other.scale));
    }
    into->overflow |= other.overflow || !wide_add(&into->sum, &other.sum);
    into->overflow |= wide_bits(&into->sum) > SQUARES_BITS;
}

bool squares_valid(const struct squares *s)
{
    return s->scale >= 0 && s->scale <= NUMBER_MAX_SCALE
        && wide_bits(&s->sum) <= SQUARES_BITS;
}

/* Q / D rounded half to even. */
static struct wide divide_rounded(const struct wide *q, const struct wide *d)
{
    struct wide quotient, rest;
    wide_divmod(q, d, &quotient, &rest);
    struct wide twice = rest;
    wide_add(&twice, &rest);
    int c = wide_compare(&twice, d);
    if (c > 0 || (c == 0 && (quotient.d[0] & 1))) {
        struct wide one = wide_from_u128(1);
        wide_add(&quotient, &one);
    }
    return quotient;
}

/* The square root of X / Y rounded half to even to an integer: the
 * integer root R of the quotient, then R + 1 if the root is past R + 1/2,
 * that is if 4X > (2R + 1)^2 * Y. */
static struct wide sqrt_rounded(const struct wide *x, const struct wide *y)
{
    struct wide quotient;
    wide_divmod(x, y, &quotient, NULL);
    struct wide root = wide_isqrt(&quotient);
    struct wide odd = root, one = wide_from_u128(1);
    wide_add(&odd, &root);
    wide_add(&odd, &one);
    struct wide bound, four_x = *x;
    wide_mul(&bound, &odd, &odd);
    wide_mul(&bound, &bound, y);
    wide_add(&four_x, x);
    wide_add(&four_x, &four_x);
    int c = wide_compare(&four_x, &bound);
    if (c > 0 || (c == 0 && (root.d[0] & 1)))
        wide_add(&root, &one);
    return root;
}

/* Writes R, an integer count of 10^-PLACES, as a decimal. */
static size_t format_places(char *text, const struct wide *r, int places)
{
    char digits[WIDE_TEXT_SIZE];
    size_t n = wide_format(digits, r);
    size_t whole = n > (size_t)places ? n - (size_t)places : 0;
    size_t len = 0;
    if (whole + 2 + (size_t)places > AGGREGATE_TEXT_SIZE)
        return 0;               /* only past an overflow, never printed */
    if (whole == 0)
        text[len++] = '0';
    memcpy(text + len, digits, whole);
    len += whole;
    if (places > 0) {
        text[len++] = '.';
        for (size_t i = n; i < (size_t)places; i++)
            text[len++] = '0';
        memcpy(text + len, digits + whole, n - whole);
        len += n - whole;
    }
    return len;
}

/* N*S2 and S1^2 of the values A counted and S squared, at the finer of
 * their scales, in *NS2 and *S1_SQUARED; returns that scale. */
static int spread_terms(const struct accum *a, const struct squares *s,
                        struct wide *ns2, struct wide *s1_squared)
{
    int scale = a->scale > s->scale ? a->scale : s->scale;
    bool negative = a->negative > a->positive;
    struct wide s1 = wide_from_u128(negative ? a->negative - a->positive
                                             : a->positive - a->negative);
    struct wide s2 = s->sum;
    wide_mul_pow10(&s1, scale - a->scale);
    wide_mul_pow10(&s2, 2 * (scale - s->scale));
    struct wide count = wide_from_u128(a->count);
    wide_mul(ns2, &count, &s2);
    wide_mul(s1_squared, &s1, &s1);
    return scale;
}

bool squares_fit(const struct accum *a, const struct squares *s)
{
    struct wide ns2, s1_squared;
    spread_terms(a, s, &ns2, &s1_squared);
    return wide_compare(&ns2, &s1_squared) >= 0;
}

size_t spread_format(char *text, const struct accum *a,
                     const struct squares *s, enum aggregate_op op,
                     int decimals)
{
    bool sample = op == OP_SSTDEV || op == OP_SVAR;
    uint64_t n = a->count;
    if (n == 0 || (sample && n == 1))
        return 0;
    /* N*S2 - S1^2, never negative (Cauchy-Schwarz; squares_fit). */
    struct wide numerator, s1_squared;
    int scale = spread_terms(a, s, &numerator, &s1_squared);
    wide_sub(&numerator, &s1_squared);

    struct wide denominator = wide_from_u128((u128)n * (sample ? n - 1 : n));
    wide_mul_pow10(&denominator, 2 * scale);
    int places = decimals >= 0 ? decimals : scale > 6 ? scale : 6;
    struct wide result;
    if (op == OP_SVAR || op == OP_PVAR) {
        wide_mul_pow10(&numerator, places);
        result = divide_rounded(&numerator, &denominator);
    } else {
        wide_mul_pow10(&numerator, 2 * places);
        result = sqrt_rounded(&numerator, &denominator);
    }
    return format_places(text, &result, places);
}
