/* number: parsing, comparing and printing exact decimals. */
#include "config.h"

#include "number.h"

#include <string.h>

u128 number_pow10(int n)
{
    u128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

/* Exponents are read up to this magnitude; any beyond it is as good as
 * infinite, since no value's digits reach that far. */
enum { EXPONENT_CAP = 1000000 };

enum number_status number_parse(const char *text, size_t len,
                                struct number *out)
{
    /* Digits alone, the commonest value, fit 64 bits up to nineteen of
     * them, and the rules below make them that integer at scale 0. */
    if (len > 0 && len <= 18) {
        uint64_t v = 0;
        size_t i = 0;
        for (unsigned digit; i < len && (digit = (unsigned char)text[i] - '0')
                                            < 10; i++)
            v = v * 10 + digit;
        if (i == len) {
            out->mantissa = (i128)v;
            out->scale = 0;
            return NUMBER_OK;
        }
    }
    const char *p = text, *end = text + len;
    bool negative = false;

    if (p < end && (*p == '+' || *p == '-'))
        negative = *p++ == '-';

    /* The digits are MANTISSA then ZEROS zeros not yet taken in, since
     * trailing zeros may yet be dropped: taking them only before a
     * nonzero digit keeps MANTISSA below 10^NUMBER_MAX_DIGITS. */
    u128 mantissa = 0;
    int64_t digits = 0;     /* significant digits in MANTISSA */
    int64_t zeros = 0;
    int64_t fraction = 0;   /* digits after the point */
    bool any_digit = false;
    bool too_long = false;
    bool point = false;

    for (; p < end; p++) {
        if (*p == '.' && !point) {
            point = true;
            continue;
        }
        if (*p < '0' || *p > '9')
            break;
        any_digit = true;
        fraction += point;
        if (*p == '0') {
            zeros += mantissa != 0;     /* a leading zero is not significant */
            continue;
        }
        if (digits + zeros + 1 > NUMBER_MAX_DIGITS) {
            too_long = true;
            zeros = 0;
            continue;
        }
        mantissa = mantissa * number_pow10((int)zeros + 1)
                 + (u128)(*p - '0');
        digits += zeros + 1;
        zeros = 0;
    }

    int64_t exponent = 0;
    if (p < end && any_digit && (*p == 'e' || *p == 'E')) {
        bool exponent_negative = false;
        if (++p < end && (*p == '+' || *p == '-'))
            exponent_negative = *p++ == '-';
        const char *first = p;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if (exponent < EXPONENT_CAP)
                exponent = exponent * 10 + (*p - '0');
        if (p == first)
            return NUMBER_INVALID;
        if (exponent_negative)
            exponent = -exponent;
    }
    if (p != end || !any_digit)
        return NUMBER_INVALID;
    if (too_long)
        return NUMBER_TOO_LONG;

    /* The value is MANTISSA * 10^ZEROS / 10^NATURAL.  Keep the scale
     * NATURAL (at least 0) if the digits allow, else drop trailing zeros
     * down to the least scale they allow. */
    int64_t natural = fraction - exponent;
    int64_t scale = natural < 0 ? 0 : natural;
    if (mantissa == 0) {
        out->mantissa = 0;
        out->scale = scale > NUMBER_MAX_SCALE ? NUMBER_MAX_SCALE : (int)scale;
        return NUMBER_OK;
    }
    int64_t room = NUMBER_MAX_DIGITS - digits - zeros + natural;
    if (scale > room)
        scale = room;
    if (scale > NUMBER_MAX_SCALE)
        scale = NUMBER_MAX_SCALE;
    int64_t least = natural - zeros;
    if (scale < least || scale < 0)
        return NUMBER_TOO_LONG;
    mantissa *= number_pow10((int)(zeros + scale - natural));
    out->mantissa = negative ? -(i128)mantissa : (i128)mantissa;
    out->scale = (int)scale;
    return NUMBER_OK;
}

const char *number_status_reason(enum number_status status)
{
    return status == NUMBER_TOO_LONG ? "too many digits" : "not a number";
}

i128 number_rescale(i128 mantissa, int scale, int to)
{
    return mantissa * (i128)number_pow10(to - scale);
}

bool number_rescale_checked(i128 mantissa, int scale, int to, i128 *out)
{
    if (to - scale > NUMBER_MAX_DIGITS)
        return mantissa == 0 ? (*out = 0, true) : false;
    return !__builtin_mul_overflow(mantissa, (i128)number_pow10(to - scale),
                                   out);
}

int number_compare(struct number a, struct number b)
{
    /* The coarser one is brought to the finer scale; if that leaves
     * i128, its magnitude is past any mantissa's, so its sign decides. */
    int sign = 1;
    if (a.scale > b.scale) {
        struct number t = a;
        a = b;
        b = t;
        sign = -1;
    }
    i128 x, y = b.mantissa;
    if (!number_rescale_checked(a.mantissa, a.scale, b.scale, &x))
        return a.mantissa > 0 ? sign : -sign;
    return sign * ((x > y) - (x < y));
}

/* Writes the digits of V, most significant first, with at least MIN
 * digits; returns the count.  Two digits per division below 2^64: a line
 * number or a total is formatted for every rejection or key. */
static size_t put_digits(char *out, u128 v, size_t min)
{
    static const char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233"
        "34353637383940414243444546474849505152535455565758596061626364656667"
        "6869707172737475767778798081828384858687888990919293949596979899";
    char tmp[48];
    char *end = tmp + sizeof tmp, *p = end;
    /* 128-bit division is a library call: only down to 64 bits. */
    while (v > UINT64_MAX) {
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
    }
    uint64_t small = (uint64_t)v;
    while (small >= 100) {
        uint64_t rest = small / 100;
        p -= 2;
        memcpy(p, pairs + 2 * (small - rest * 100), 2);
        small = rest;
    }
    if (small >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * small, 2);
    } else {
        *--p = (char)('0' + small);
    }
    while ((size_t)(end - p) < min)
        *--p = '0';
    size_t n = (size_t)(end - p);
    memcpy(out, p, n);
    return n;
}

size_t number_format(char *out, u128 magnitude, bool negative, int scale)
{
    if (scale == 0) {
        size_t sign = negative && magnitude != 0;
        if (sign)
            out[0] = '-';
        size_t len = sign + put_digits(out + sign, magnitude, 1);
        out[len] = '\0';
        return len;
    }
    char digits[48];
    size_t n = put_digits(digits, magnitude, (size_t)scale + 1);
    size_t len = 0;
    if (negative && magnitude != 0)
        out[len++] = '-';
    size_t whole = n - (size_t)scale;
    memcpy(out + len, digits, whole);
    len += whole;
    if (scale > 0) {
        out[len++] = '.';
        memcpy(out + len, digits + whole, (size_t)scale);
        len += (size_t)scale;
    }
    out[len] = '\0';
    return len;
}

size_t number_format_signed(char *out, i128 mantissa, int scale)
{
    bool negative = mantissa < 0;
    u128 magnitude = negative ? -(u128)mantissa : (u128)mantissa;
    return number_format(out, magnitude, negative, scale);
}

/* Writes Q + F, Q being at SCALE and F a fraction of its last place that
 * is zero exactly when R is, rounded half to even to PLACES < SCALE
 * digits after the point. */
static size_t format_fewer_places(char *out, u128 q, u128 r, bool negative,
                                  int scale, int places)
{
    /* The digits past PLACES are REST / UNIT of a last place, plus the
     * fraction R / DENOMINATOR of one of their own units; UNIT is a
     * power of ten, so even, and comparing REST with its half needs no
     * product that could overflow. */
    u128 unit = number_pow10(scale - places);
    u128 kept = q / unit, rest = q % unit, half = unit / 2;
    bool round_up = rest > half
                 || (rest == half && (r > 0 || kept % 2 == 1));
    if (round_up)
        kept++;
    char digits[NUMBER_TEXT_SIZE];
    size_t len = number_format(digits, kept, false, places);
    size_t n = 0;
    if (negative && kept != 0)
        out[n++] = '-';
    memcpy(out + n, digits, len);
    out[n + len] = '\0';
    return n + len;
}

size_t number_format_quotient(char *out, u128 numerator, bool negative,
                              int scale, uint64_t denominator, int places)
{
    if (places < scale)
        return format_fewer_places(out, numerator / denominator,
                                   numerator % denominator, negative, scale,
                                   places);
    /* Long division: the whole part at the numerator's scale, then one
     * more digit per extra place.  The remainder stays below the 64-bit
     * denominator, so remainder * 10 cannot overflow. */
    u128 quotient = numerator / denominator;
    u128 remainder = numerator % denominator;
    char extra[64];
    int extra_places = places - scale;
    for (int i = 0; i < extra_places; i++) {
        remainder *= 10;
        extra[i] = (char)('0' + (int)(remainder / denominator));
        remainder %= denominator;
    }

    /* Round half to even on what remains. */
    u128 twice = remainder * 2;
    bool round_up;
    if (twice != denominator)
        round_up = twice > denominator;
    else {
        int last = extra_places > 0 ? extra[extra_places - 1] - '0'
                                    : (int)(quotient % 10);
        round_up = last % 2 == 1;
    }
    for (int i = extra_places - 1; round_up && i >= 0; i--) {
        if (extra[i] == '9') {
            extra[i] = '0';
        } else {
            extra[i]++;
            round_up = false;
        }
    }
    if (round_up)
        quotient++;

    /* Print the whole part at SCALE, then append the extra digits. */
    char head[NUMBER_TEXT_SIZE];
    size_t len = number_format(head, quotient, false, scale);
    bool zero = quotient == 0;
    for (int i = 0; i < extra_places && zero; i++)
        zero = extra[i] == '0';

    size_t n = 0;
    if (negative && !zero)
        out[n++] = '-';
    memcpy(out + n, head, len);
    n += len;
    if (extra_places > 0) {
        if (scale == 0)
            out[n++] = '.';
        memcpy(out + n, extra, (size_t)extra_places);
        n += (size_t)extra_places;
    }
    out[n] = '\0';
    return n;
}
