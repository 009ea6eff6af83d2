/* swar: reading bytes of a block eight at a time in one 64-bit word
 * ("SIMD within a register"), for the plain-record path (plain.c).  Each
 * helper reads past what it looks at, up to seven bytes beyond the end of
 * the thing it finds, which a block's slack (BLOCK_SLACK) allows.
 *
 * The word tricks need a little-endian machine, where the byte at the
 * lowest address is the lowest of the word.  Elsewhere, or when
 * configured with --disable-simd (FANOUT_PORTABLE_SCAN, so that the
 * tests can run this branch on any machine), the same helpers read a
 * byte at a time and SWAR_WORDS is not defined. */
#ifndef FANOUT_SWAR_H
#define FANOUT_SWAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(FANOUT_PORTABLE_SCAN) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_WORDS 1
#endif

/* The first byte at or after P that is A or B.  One of them must occur
 * before the end of the block's slack.
 *
 * A byte of X equal to A is a zero byte of Y = X ^ A..A, and a zero byte
 * is one that borrows when 1 is taken from it and had its top bit clear:
 * (Y - 0x01..01) & ~Y & 0x80..80.  Looking for ':' (0x3a) in "k:", a
 * byte ':' gives 0x00, 0x00 - 0x01 = 0xff, & ~0x00 leaves 0x80: found;
 * 'k' (0x6b) gives 0x51, 0x51 - 0x01 = 0x50, & ~0x51 = 0xae leaves 0x00.
 * A borrow moves on only to higher bytes, those after a true match, so
 * the lowest flagged byte is always a true one. */
static inline const char *swar_find_either(const char *p, char a, char b)
{
#ifdef SWAR_WORDS
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t highs = 0x8080808080808080ULL;
    const uint64_t as = ones * (unsigned char)a, bs = ones * (unsigned char)b;
    for (;; p += 8) {
        uint64_t x, y, z;
        memcpy(&x, p, 8);
        y = x ^ as;
        z = x ^ bs;
        uint64_t found = ((y - ones) & ~y & highs) | ((z - ones) & ~z & highs);
        if (found)
            return p + (__builtin_ctzll(found) >> 3);
    }
#else
    while (*p != a && *p != b)
        p++;
    return p;
#endif
}

/* The first eight of the LEN bytes at P (all of them if fewer) as a
 * little-endian number, zero-padded: table_key_head, reading one word. */
static inline uint64_t swar_load_head(const char *p, size_t len)
{
#ifdef SWAR_WORDS
    uint64_t head;
    memcpy(&head, p, 8);
    return len >= 8 ? head : head & ((1ULL << (8 * len)) - 1);
#else
    const unsigned char *k = (const unsigned char *)p;
    uint64_t head = 0;
    for (size_t i = len < 8 ? len : 8; i-- > 0;)
        head = head << 8 | k[i];
    return head;
#endif
}

#ifdef SWAR_WORDS
/* The value of the N digits (1 to 8) in the low bytes of D, each byte
 * already less '0', most significant first.  Shifting them to the top
 * bytes pads them in front with zeros to eight digits; D * 10 + (D >> 8)
 * puts in each byte ten times it plus the next (at most 99, so no byte
 * carries), which makes bytes 0, 2, 4 and 6 the pairs P0 to P3; one
 * multiplication puts P0 * 10^6 + P2 * 10^2 in the top half, another
 * P1 * 10^4 + P3.  For "1234", N = 4: the bytes become 0 0 0 0 1 2 3 4,
 * then the pairs 00 00 12 34, and 12 * 100 + 34 = 1234. */
static inline uint64_t swar_fold_digits(uint64_t d, unsigned n)
{
    d <<= 8 * (8 - n);
    d = d * 10 + (d >> 8);
    return ((d & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))
            + ((d >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))
           >> 32;
}

/* The value of the N digits (1 to 8) at P, whatever follows them: a byte
 * less '0' (0x30) borrows only from the bytes above it, which
 * swar_fold_digits drops. */
static inline uint64_t swar_digits_value(const char *p, unsigned n)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return swar_fold_digits(x - 0x3030303030303030ULL, n);
}
#endif

/* Reads the run of decimal digits at *P, advancing *P past it, and returns
 * its value; *COUNT is set to the number of digits.  The value is
 * meaningful only when *COUNT is at most 19.
 *
 * A word at a time: each byte less '0' is below 10 for a digit; adding
 * 0x76 (0x80 - 10) sets the top bit of a byte of 10 or more, and a byte
 * below '0' has wrapped to a top bit of its own.  Within the leading run
 * of digits no borrow or carry crosses a byte, so what follows the run
 * cannot spoil it.  For "42\n": 0x34 0x32 0x0a less '0' is 0x04 0x02
 * 0xda; the third byte is the first flagged, so two digits, 42. */
static inline uint64_t swar_read_digits(const char **p, size_t *count)
{
    const char *s = *p;
    uint64_t value = 0;
#ifdef SWAR_WORDS
    const uint64_t zeros = 0x3030303030303030ULL;
    for (;;) {
        uint64_t x;
        memcpy(&x, s, 8);
        uint64_t d = x - zeros;
        uint64_t stops = (d | (d + 0x7676767676767676ULL))
                       & 0x8080808080808080ULL;
        unsigned n = stops ? (unsigned)__builtin_ctzll(stops) >> 3 : 8;
        if (n == 0)
            break;
        static const uint64_t scale[9] = { 1, 10, 100, 1000, 10000, 100000,
                                           1000000, 10000000, 100000000 };
        value = value * scale[n] + swar_fold_digits(d, n);
        s += n;
        if (n < 8)
            break;
    }
#else
    unsigned digit;
    while ((digit = (unsigned)(unsigned char)*s - '0') < 10) {
        value = value * 10 + digit;
        s++;
    }
#endif
    *count = (size_t)(s - *p);
    *p = s;
    return value;
}

#endif
