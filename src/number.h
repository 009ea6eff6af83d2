/* number: exact decimal numbers.  A value is an integer mantissa and a
 * scale, the count of digits after the decimal point, so 1.50 is 150 at
 * scale 2.  Nothing here uses floating point. */
#ifndef FANOUT_NUMBER_H
#define FANOUT_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef __int128 i128;
typedef unsigned __int128 u128;

/* Most digits a mantissa may have, and most digits after the point: every
 * int64 and uint64 fits, and 10^38 < 2^127, so a mantissa is an i128. */
enum { NUMBER_MAX_DIGITS = 38, NUMBER_MAX_SCALE = 38 };

struct number {
    i128 mantissa;      /* |mantissa| < 10^NUMBER_MAX_DIGITS */
    int scale;          /* 0 .. NUMBER_MAX_SCALE */
};

enum number_status {
    NUMBER_OK,
    NUMBER_INVALID,     /* not [+-]?(digits[.digits*] | .digits)
                           ([eE][+-]?digits)? */
    NUMBER_TOO_LONG     /* valid, but its exact value has no form within
                           the digit limits */
};

/* Parses exactly the LEN bytes at TEXT, exponent included, into its exact
 * value: at the scale of its digits after the point less the exponent (at
 * least 0), unless that needs more than NUMBER_MAX_DIGITS digits or a
 * scale past NUMBER_MAX_SCALE, when trailing zeros after the point are
 * dropped, as far as they go.  So 1.50 is 150 at scale 2, 1.5e3 is 1500
 * at scale 0 and 2.5e-06 is 25 at scale 7. */
enum number_status number_parse(const char *text, size_t len,
                                struct number *out);

/* 10^n for n in 0 .. 38. */
u128 number_pow10(int n);

/* MANTISSA, at SCALE, brought to the finer scale TO (TO >= SCALE); the
 * caller guarantees the result fits. */
i128 number_rescale(i128 mantissa, int scale, int to);

/* Like number_rescale, but false instead of a result beyond i128. */
bool number_rescale_checked(i128 mantissa, int scale, int to, i128 *out);

/* Why the value number_parse refused is refused, in words for a message:
 * "not a number" or "too many digits". */
const char *number_status_reason(enum number_status status);

/* -1, 0 or 1 as A is less than, equal to or greater than B. */
int number_compare(struct number a, struct number b);

/* Room for any i128 or u128 with sign, point and NUL. */
enum { NUMBER_TEXT_SIZE = 48 };

/* Writes MAGNITUDE, negated if NEGATIVE and nonzero, as a decimal with
 * SCALE digits after the point into OUT; returns the length. */
size_t number_format(char *out, u128 magnitude, bool negative, int scale);

/* Writes the signed mantissa at SCALE; returns the length. */
size_t number_format_signed(char *out, i128 mantissa, int scale);

/* Writes NUMERATOR / DENOMINATOR rounded half to even to PLACES digits
 * after the point, NUMERATOR being at scale SCALE (PLACES <=
 * SCALE + 64; fewer places than SCALE round the digits away).  OUT must hold NUMBER_TEXT_SIZE + PLACES bytes.  Returns the
 * length. */
size_t number_format_quotient(char *out, u128 numerator, bool negative,
                              int scale, uint64_t denominator, int places);

#endif
