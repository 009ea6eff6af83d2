/* fuzz_number: number_parse on arbitrary bytes.
 *
 * Invariants, beyond not crashing:
 * - the status agrees with the documented grammar
 *   [+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?, checked by a
 *   hand-written matcher: text outside it is NUMBER_INVALID, text inside
 *   it is NUMBER_OK or NUMBER_TOO_LONG;
 * - a number without an exponent within the digit limits is accepted with
 *   the mantissa and scale its digits spell (past them, only trailing
 *   zeros after the point may be dropped to accept it);
 * - printed with number_format_signed and parsed again, it gives the same
 *   mantissa and scale.  The printed text need not equal the input: "+5",
 *   "007", "5." and ".5" print canonically, and "-0" prints as "0". */
#include "config.h"

#include "fuzz.h"
#include "number.h"

#include <stdbool.h>
#include <string.h>

/* What the grammar says about the LEN bytes at S. */
struct spelled {
    bool matches;           /* S is in the grammar */
    bool exponent;          /* it has one */
    bool negative;
    size_t significant;     /* digits from the first nonzero one */
    size_t fraction;        /* digits after the point */
    u128 mantissa;          /* meaningful when significant <= 38 */
};

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static struct spelled spell(const uint8_t *s, size_t len)
{
    struct spelled r = { 0 };
    size_t i = 0, whole = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        r.negative = s[i++] == '-';
    for (; i < len && is_digit(s[i]); i++) {
        whole++;
        if (r.significant > 0 || s[i] != '0') {
            r.significant++;
            r.mantissa = r.mantissa * 10 + (u128)(s[i] - '0');
        }
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++) {
            r.fraction++;
            if (r.significant > 0 || s[i] != '0') {
                r.significant++;
                r.mantissa = r.mantissa * 10 + (u128)(s[i] - '0');
            }
        }
    }
    if (whole + r.fraction > 0 && i < len && (s[i] == 'e' || s[i] == 'E')) {
        r.exponent = true;
        if (++i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t first = i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == first)
            return r;
    }
    r.matches = i == len && whole + r.fraction > 0;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct number n = { .mantissa = 12345, .scale = 7 };
    enum number_status status = number_parse((const char *)data, size, &n);
    struct spelled want = spell(data, size);

    if (!want.matches) {
        FUZZ_CHECK(status == NUMBER_INVALID,
                   "text outside the grammar is invalid");
        return 0;
    }
    FUZZ_CHECK(status != NUMBER_INVALID, "a number in the grammar is valid");
    bool too_long = want.significant > NUMBER_MAX_DIGITS
                 || want.fraction > NUMBER_MAX_SCALE;
    if (!want.exponent && !too_long) {
        FUZZ_CHECK(status == NUMBER_OK, "a number in the grammar is accepted");
        FUZZ_CHECK(n.scale == (int)want.fraction,
                   "the scale is the count of digits after the point");
        i128 magnitude = (i128)want.mantissa;
        FUZZ_CHECK(n.mantissa == (want.negative ? -magnitude : magnitude),
                   "the mantissa is the digits, signed");
    }
    if (status != NUMBER_OK)
        return 0;
    FUZZ_CHECK(n.scale >= 0 && n.scale <= NUMBER_MAX_SCALE
               && n.mantissa < (i128)number_pow10(NUMBER_MAX_DIGITS)
               && n.mantissa > -(i128)number_pow10(NUMBER_MAX_DIGITS),
               "an accepted number is within the digit limits");

    char text[NUMBER_TEXT_SIZE];
    size_t len = number_format_signed(text, n.mantissa, n.scale);
    FUZZ_CHECK(len < sizeof text && strlen(text) == len,
               "the printed text fits and is NUL-terminated");
    struct number again;
    FUZZ_CHECK(number_parse(text, len, &again) == NUMBER_OK,
               "the printed text parses");
    FUZZ_CHECK(again.mantissa == n.mantissa && again.scale == n.scale,
               "the printed text parses to the same mantissa and scale");
    FUZZ_CHECK(number_compare(again, n) == 0,
               "the printed text compares equal");
    return 0;
}
