/* wide: unsigned integers of a fixed 768 bits, for the exact arithmetic
 * of the spread operations (spread.c): sums of squares of 38-digit
 * mantissas and the products and quotients built from them outgrow 128
 * bits.  Digits are 32 bits, least significant first, so that every
 * product of two digits fits a uint64_t; nothing allocates. */
#ifndef FANOUT_WIDE_H
#define FANOUT_WIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "number.h"

enum { WIDE_DIGITS = 24 };

struct wide {
    uint32_t d[WIDE_DIGITS];        /* d[0] least significant */
};

/* Room for the decimal text of any wide value, with its NUL. */
enum { WIDE_TEXT_SIZE = 240 };

struct wide wide_from_u128(u128 x);

bool wide_is_zero(const struct wide *a);

/* A as a u128; false if it is 2^128 or more. */
bool wide_to_u128(const struct wide *a, u128 *out);

/* -1, 0 or 1 as A is less than, equal to or greater than B. */
int wide_compare(const struct wide *a, const struct wide *b);

/* The number of significant bits of A, 0 for zero. */
unsigned wide_bits(const struct wide *a);

/* *A += B; false, A then wrapped, if the sum reaches 2^768. */
bool wide_add(struct wide *a, const struct wide *b);

/* *A += X; false, A then wrapped, if the sum reaches 2^768.  Cheaper than
 * wide_add when X is small, as a carry seldom goes far. */
bool wide_add_u128(struct wide *a, u128 x);

/* *A -= B, for B <= *A. */
void wide_sub(struct wide *a, const struct wide *b);

/* *OUT = A * B; false if the product reaches 2^768.  OUT may be A or B. */
bool wide_mul(struct wide *out, const struct wide *a, const struct wide *b);

/* *A *= 10^N; false if the product reaches 2^768. */
bool wide_mul_pow10(struct wide *a, int n);

/* *Q = N / D and *R = N % D, for D not zero; Q or R may be NULL. */
void wide_divmod(const struct wide *n, const struct wide *d, struct wide *q,
                 struct wide *r);

/* The largest integer whose square is at most N. */
struct wide wide_isqrt(const struct wide *n);

/* Writes A in decimal, NUL-terminated, into TEXT (WIDE_TEXT_SIZE bytes);
 * returns the length. */
size_t wide_format(char *text, const struct wide *a);

/* Parses exactly the LEN decimal digits at TEXT (at least one); false if
 * there are none, others, or the value reaches 2^768. */
bool wide_parse(const char *text, size_t len, struct wide *out);

#endif
