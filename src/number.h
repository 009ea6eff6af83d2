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

/* Most significant digits, and most digits after the point, a number may
 * have; 10^18 fits in 63 bits, and a mantissa rescaled to the finest scale
 * stays below 10^36, well inside 127 bits. */
enum { NUMBER_MAX_DIGITS = 18, NUMBER_MAX_SCALE = 18 };

struct number {
    int64_t mantissa;   /* |mantissa| < 10^NUMBER_MAX_DIGITS */
    int scale;          /* 0 .. NUMBER_MAX_SCALE */
};

enum number_status {
    NUMBER_OK,
    NUMBER_INVALID,     /* not [+-]?(digits[.digits*] | .digits) */
    NUMBER_TOO_LONG     /* valid, but beyond the digit limits */
};

/* Parses exactly the LEN bytes at TEXT. */
enum number_status number_parse(const char *text, size_t len,
                                struct number *out);

/* 10^n for n in 0 .. 38. */
u128 number_pow10(int n);

/* MANTISSA, at SCALE, brought to the finer scale TO (TO >= SCALE); the
 * caller guarantees the result fits. */
i128 number_rescale(i128 mantissa, int scale, int to);

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
 * after the point, NUMERATOR being at scale SCALE (PLACES >= SCALE,
 * PLACES <= NUMBER_MAX_SCALE + 20).  OUT must hold NUMBER_TEXT_SIZE + PLACES
 * bytes.  Returns the length. */
size_t number_format_quotient(char *out, u128 numerator, bool negative,
                              int scale, uint64_t denominator, int places);

#endif
