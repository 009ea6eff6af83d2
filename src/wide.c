/* wide: fixed-size unsigned arithmetic; long division is Knuth's
 * algorithm D (The Art of Computer Programming, vol. 2, 4.3.1). */
#include "config.h"

#include "wide.h"

#include <string.h>

struct wide wide_from_u128(u128 x)
{
    struct wide w = { { 0 } };
    for (int i = 0; i < 4; i++, x >>= 32)
        w.d[i] = (uint32_t)x;
    return w;
}

/* The number of significant digits of A. */
static size_t length(const struct wide *a)
{
    size_t n = WIDE_DIGITS;
    while (n > 0 && a->d[n - 1] == 0)
        n--;
    return n;
}

bool wide_is_zero(const struct wide *a)
{
    return length(a) == 0;
}

bool wide_to_u128(const struct wide *a, u128 *out)
{
    if (length(a) > 4)
        return false;
    u128 x = 0;
    for (int i = 3; i >= 0; i--)
        x = x << 32 | a->d[i];
    *out = x;
    return true;
}

int wide_compare(const struct wide *a, const struct wide *b)
{
    for (size_t i = WIDE_DIGITS; i-- > 0;)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

unsigned wide_bits(const struct wide *a)
{
    size_t n = length(a);
    if (n == 0)
        return 0;
    return (unsigned)(32 * n) - (unsigned)__builtin_clz(a->d[n - 1]);
}

bool wide_add(struct wide *a, const struct wide *b)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < WIDE_DIGITS; i++) {
        carry += (uint64_t)a->d[i] + b->d[i];
        a->d[i] = (uint32_t)carry;
        carry >>= 32;
    }
    return carry == 0;
}

bool wide_add_u128(struct wide *a, u128 x)
{
    uint64_t carry = 0;
    size_t i = 0;
    for (; i < 4; i++, x >>= 32) {
        carry += (uint64_t)a->d[i] + (uint32_t)x;
        a->d[i] = (uint32_t)carry;
        carry >>= 32;
    }
    for (; carry && i < WIDE_DIGITS; i++) {
        carry += a->d[i];
        a->d[i] = (uint32_t)carry;
        carry >>= 32;
    }
    return carry == 0;
}

void wide_sub(struct wide *a, const struct wide *b)
{
    int64_t borrow = 0;
    for (size_t i = 0; i < WIDE_DIGITS; i++) {
        int64_t t = (int64_t)a->d[i] - b->d[i] - borrow;
        borrow = t < 0;
        a->d[i] = (uint32_t)t;
    }
}

bool wide_mul(struct wide *out, const struct wide *a, const struct wide *b)
{
    uint32_t p[2 * WIDE_DIGITS] = { 0 };
    size_t m = length(a), n = length(b);
    for (size_t i = 0; i < m; i++) {
        uint64_t carry = 0;
        for (size_t j = 0; j < n; j++) {
            carry += (uint64_t)a->d[i] * b->d[j] + p[i + j];
            p[i + j] = (uint32_t)carry;
            carry >>= 32;
        }
        p[i + n] = (uint32_t)carry;
    }
    memcpy(out->d, p, sizeof out->d);
    for (size_t i = WIDE_DIGITS; i < 2 * WIDE_DIGITS; i++)
        if (p[i])
            return false;
    return true;
}

/* *A *= M; false if the product reaches 2^768. */
static bool mul_small(struct wide *a, uint32_t m)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < WIDE_DIGITS; i++) {
        carry += (uint64_t)a->d[i] * m;
        a->d[i] = (uint32_t)carry;
        carry >>= 32;
    }
    return carry == 0;
}

bool wide_mul_pow10(struct wide *a, int n)
{
    bool ok = true;
    for (; n >= 9; n -= 9)
        ok &= mul_small(a, 1000000000u);
    for (; n > 0; n--)
        ok &= mul_small(a, 10);
    return ok;
}

/* *A /= M, for M not zero; returns the remainder. */
static uint32_t div_small(struct wide *a, uint32_t m)
{
    uint64_t rest = 0;
    for (size_t i = WIDE_DIGITS; i-- > 0;) {
        rest = rest << 32 | a->d[i];
        a->d[i] = (uint32_t)(rest / m);
        rest %= m;
    }
    return (uint32_t)rest;
}

void wide_divmod(const struct wide *n, const struct wide *d, struct wide *q,
                 struct wide *r)
{
    struct wide quotient = { { 0 } }, remainder = { { 0 } };
    size_t m = length(n), k = length(d);
    if (k == 1) {
        quotient = *n;
        remainder.d[0] = div_small(&quotient, d->d[0]);
    } else if (m < k) {
        remainder = *n;
    } else {
        /* Normalise so the divisor's top digit has its high bit set,
         * which makes each estimated quotient digit at most 2 too big. */
        unsigned s = (unsigned)__builtin_clz(d->d[k - 1]);
        uint32_t v[WIDE_DIGITS], u[WIDE_DIGITS + 1];
        for (size_t i = k - 1; i > 0; i--)
            v[i] = (uint32_t)((uint64_t)d->d[i] << s
                              | (uint64_t)d->d[i - 1] >> (32 - s));
        v[0] = (uint32_t)((uint64_t)d->d[0] << s);
        u[m] = (uint32_t)((uint64_t)n->d[m - 1] >> (32 - s));
        for (size_t i = m - 1; i > 0; i--)
            u[i] = (uint32_t)((uint64_t)n->d[i] << s
                              | (uint64_t)n->d[i - 1] >> (32 - s));
        u[0] = (uint32_t)((uint64_t)n->d[0] << s);
        const uint64_t base = UINT64_C(1) << 32;
        for (size_t j = m - k + 1; j-- > 0;) {
            uint64_t top = (uint64_t)u[j + k] << 32 | u[j + k - 1];
            uint64_t qhat = top / v[k - 1];
            uint64_t rhat = top % v[k - 1];
            while (qhat >= base
                   || qhat * v[k - 2] > (rhat << 32 | u[j + k - 2])) {
                qhat--;
                rhat += v[k - 1];
                if (rhat >= base)
                    break;
            }
            /* u[j..j+k] -= qhat * v */
            int64_t borrow = 0;
            uint64_t carry = 0;
            for (size_t i = 0; i < k; i++) {
                uint64_t p = qhat * v[i] + carry;
                carry = p >> 32;
                int64_t t = (int64_t)u[i + j] - (int64_t)(uint32_t)p - borrow;
                borrow = t < 0;
                u[i + j] = (uint32_t)t;
            }
            int64_t t = (int64_t)u[j + k] - (int64_t)carry - borrow;
            u[j + k] = (uint32_t)t;
            if (t < 0) {
                /* qhat was one too big: add the divisor back. */
                qhat--;
                uint64_t c = 0;
                for (size_t i = 0; i < k; i++) {
                    c += (uint64_t)u[i + j] + v[i];
                    u[i + j] = (uint32_t)c;
                    c >>= 32;
                }
                u[j + k] = (uint32_t)(u[j + k] + c);
            }
            quotient.d[j] = (uint32_t)qhat;
        }
        for (size_t i = 0; i < k; i++)
            remainder.d[i] = (uint32_t)((uint64_t)u[i] >> s
                                        | (uint64_t)u[i + 1] << (32 - s));
    }
    if (q)
        *q = quotient;
    if (r)
        *r = remainder;
}

struct wide wide_isqrt(const struct wide *n)
{
    struct wide x = { { 0 } };
    unsigned bits = wide_bits(n);
    if (bits == 0)
        return x;
    /* Start at a power of two not below the root; Newton's steps then
     * fall to it and stop. */
    unsigned half = (bits + 1) / 2;
    x.d[half / 32] = UINT32_C(1) << (half % 32);
    for (;;) {
        struct wide y;
        wide_divmod(n, &x, &y, NULL);
        wide_add(&y, &x);
        div_small(&y, 2);
        if (wide_compare(&y, &x) >= 0)
            return x;
        x = y;
    }
}

size_t wide_format(char *text, const struct wide *a)
{
    char digits[WIDE_TEXT_SIZE];
    size_t n = 0;
    struct wide w = *a;
    do
        digits[n++] = (char)('0' + div_small(&w, 10));
    while (!wide_is_zero(&w));
    for (size_t i = 0; i < n; i++)
        text[i] = digits[n - 1 - i];
    text[n] = '\0';
    return n;
}

bool wide_parse(const char *text, size_t len, struct wide *out)
{
    struct wide w = { { 0 } };
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9' || !mul_small(&w, 10))
            return false;
        struct wide digit = wide_from_u128((u128)(text[i] - '0'));
        if (!wide_add(&w, &digit))
            return false;
    }
    *out = w;
    return true;
}
