/* distinct: an array of 64-bit hashes, rid of repeats when it fills,
 * then HyperLogLog registers. */
#include "config.h"

#include "distinct.h"
#include "diag.h"

#include <stdlib.h>
#include <string.h>

enum {
    INDEX_BITS = DISTINCT_INDEX_BITS,
    RANK_MAX = 64 - INDEX_BITS + 1      /* 51: the rest of the hash is 0 */
};

/* The hash.  Odd multipliers taken from the fractional parts of the
 * square roots of 2, 3, 5 and 7; a multiplication carries each bit only
 * upwards, so every step also folds high bits back down with a shift. */
static const uint64_t MIX1 = 0x6a09e667f3bcc909u;
static const uint64_t MIX2 = 0xbb67ae8584caa73bu;
static const uint64_t MIX3 = 0x3c6ef372fe94f82bu;
static const uint64_t MIX4 = 0xa54ff53a5f1d36f1u;

/* The N bytes at P (at most eight) read as a little-endian number,
 * whatever the machine. */
static uint64_t load_le(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = n; i-- > 0;)
        w = w << 8 | p[i];
    return w;
}

/* load_le of eight bytes, in one load where the machine is little-endian.
 * A loop whose length varies with the text costs a mispredicted branch
 * for nearly every value hashed. */
static uint64_t word_le(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
#else
    return load_le(p, 8);
#endif
}

/* load_le of the last N bytes (1 to 7) of a text of LEN bytes that end
 * at END, from loads that may overlap but stay inside the text: the
 * eight bytes before END when the text has them, else two overlapping
 * halves, or three single bytes. */
static uint64_t tail_le(const unsigned char *end, size_t n, size_t len)
{
    if (len >= 8)
        return word_le(end - 8) >> (8 * (8 - n));
    const unsigned char *p = end - n;
    if (n >= 4)
        return load_le(p, 4) | load_le(end - 4, 4) << (8 * (n - 4));
    return (uint64_t)p[0] | (uint64_t)p[n / 2] << (8 * (n / 2))
         | (uint64_t)p[n - 1] << (8 * (n - 1));
}

static uint64_t rotate(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

/* Takes one word W into the running hash H. */
static uint64_t absorb(uint64_t h, uint64_t w)
{
    w *= MIX1;
    w ^= w >> 32;
    h ^= w;
    return rotate(h, 27) * MIX2 + MIX3;
}

/* Makes every input bit reach every output bit: two rounds of
 * multiplying and folding the high half down. */
static uint64_t finish(uint64_t h)
{
    h ^= h >> 33;
    h *= MIX4;
    h ^= h >> 29;
    h *= MIX2;
    h ^= h >> 32;
    return h;
}

uint64_t distinct_hash(const char *bytes, size_t len)
{
    const unsigned char *p = (const unsigned char *)bytes;
    /* The length goes in first, so that values differing only by
     * trailing zero bytes differ. */
    uint64_t h = absorb(MIX4, (uint64_t)len);
    size_t left = len;
    for (; left >= 8; p += 8, left -= 8)
        h = absorb(h, word_le(p));
    if (left > 0)
        h = absorb(h, tail_le(p + left, left, len));
    return finish(h);
}

void distinct_init(struct distinct *d)
{
    *d = (struct distinct){ 0 };
}

void distinct_release(struct distinct *d)
{
    free(d->hashes);
    free(d->registers);
}

struct distinct *distinct_new(void)
{
    struct distinct *d = xmalloc(sizeof *d);
    distinct_init(d);
    return d;
}

void distinct_free(struct distinct *d)
{
    if (d) {
        distinct_release(d);
        free(d);
    }
}

void distinct_move(struct distinct *into, struct distinct *from)
{
    *into = *from;
    free(from);
}

/* The register H selects and the rank it offers: one more than the
 * leading zeros of the hash's other bits. */
static void register_add(uint8_t *registers, uint64_t h)
{
    size_t index = (size_t)(h >> (64 - INDEX_BITS));
    uint64_t rest = h << INDEX_BITS | (uint64_t)1 << (INDEX_BITS - 1);
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (registers[index] < rank)
        registers[index] = rank;
}

/* Puts the array's hashes into new registers and drops the array. */
static void to_registers(struct distinct *d)
{
    d->registers = xcalloc(DISTINCT_REGISTERS, 1);
    for (size_t i = 0; i < d->used; i++)
        register_add(d->registers, d->hashes[i]);
    free(d->hashes);
    d->hashes = NULL;
    d->cap = d->settled = d->used = 0;
}

/* Copies D's hashes, each once, into a new array of CAP (at least what D
 * holds), in the order they first appear: the settled ones, then those
 * added since.  Repeats are found in a hash set of them all, at most
 * half full, which lives only for this call: it is small and in the
 * caches while it is used, unlike a set kept per key, and the hashes are
 * already well spread, so their low bits place them.  Its empty slots
 * are 0, so the hash 0 is kept apart. */
static void settle_into(struct distinct *d, size_t cap)
{
    size_t mask = 15;
    while (mask + 1 < 2 * d->used)
        mask = 2 * mask + 1;
    uint64_t *seen = xcalloc(mask + 1, sizeof *seen);
    uint64_t *kept = xmalloc(cap * sizeof *kept);
    bool zero = false;
    size_t n = 0;
    for (size_t i = 0; i < d->used; i++) {
        uint64_t h = d->hashes[i];
        if (h == 0) {
            if (!zero)
                kept[n++] = 0;
            zero = true;
            continue;
        }
        size_t at = (size_t)h & mask;
        while (seen[at] != 0 && seen[at] != h)
            at = (at + 1) & mask;
        if (seen[at] == 0) {
            seen[at] = h;
            kept[n++] = h;
        }
    }
    free(seen);
    free(d->hashes);
    d->hashes = kept;
    d->cap = cap;
    d->settled = d->used = n;
}

void distinct_settle(struct distinct *d)
{
    if (d->registers || d->settled == d->used)
        return;
    settle_into(d, d->cap);
    if (d->settled > DISTINCT_THRESHOLD)
        to_registers(d);
}

/* Makes room in D's full array for one more hash: settles it, and turns
 * it into registers past the threshold, or doubles it when more than
 * half is settled, so that at least half of it is free for the hashes
 * to come and settling costs a few probes per hash.  It never passes
 * twice the threshold: past that many settled hashes it is registers. */
static void make_room(struct distinct *d)
{
    if (d->cap == 0) {
        d->hashes = xmalloc(16 * sizeof *d->hashes);
        d->cap = 16;
        return;
    }
    distinct_settle(d);
    if (!d->registers && d->settled > d->cap / 2)
        settle_into(d, d->cap * 2);
}

static void add_hash(struct distinct *d, uint64_t h)
{
    if (!d->registers && d->used == d->cap)
        make_room(d);
    if (d->registers)
        register_add(d->registers, h);
    else
        d->hashes[d->used++] = h;
}

void distinct_add(struct distinct *d, const char *bytes, size_t len)
{
    add_hash(d, distinct_hash(bytes, len));
}

size_t distinct_add_hash(struct distinct *d, uint64_t hash)
{
    /* Registers never grow: only the set's growth need be measured. */
    if (d->registers) {
        register_add(d->registers, hash);
        return 0;
    }
    size_t before = distinct_bytes(d);
    add_hash(d, hash);
    size_t after = distinct_bytes(d);
    return after > before ? after - before : 0;
}

void distinct_merge(struct distinct *into, const struct distinct *from)
{
    if (!from->registers) {
        for (size_t i = 0; i < from->used; i++)
            add_hash(into, from->hashes[i]);
        return;
    }
    if (!into->registers)
        to_registers(into);
    for (size_t i = 0; i < DISTINCT_REGISTERS; i++)
        if (into->registers[i] < from->registers[i])
            into->registers[i] = from->registers[i];
}

bool distinct_is_approximate(const struct distinct *d)
{
    return d->registers != NULL;
}

size_t distinct_bytes(const struct distinct *d)
{
    return sizeof *d + d->cap * sizeof *d->hashes
         + (d->registers ? DISTINCT_REGISTERS : 0);
}

/* The estimator.  C[k] registers hold k; m = 2^14, q = 64 - 14.
 *   z = m tau(1 - C[q+1] / m);  z = (z + C[k]) / 2 for k = q .. 1;
 *   z += m sigma(C[0] / m);     estimate = m^2 / (2 ln 2 z)
 * sigma(x) = x + sum over k >= 1 of x^(2^k) 2^(k-1) and
 * tau(x) = (1 - x - sum over k >= 1 of (1 - x^(2^-k))^2 2^-k) / 3, each
 * summed until a term no longer changes the double. */

static double sigma(double x)
{
    double z = x, y = 1, previous;
    do {
        x *= x;
        previous = z;
        z += x * y;
        y += y;
    } while (z != previous);
    return z;
}

/* The square root of X in (0, 1) by Newton's method from above, where it
 * falls until it cannot; no libm for one call in a billion estimates. */
static double square_root(double x)
{
    double y = 1, next = 0.5 * (y + x / y);
    while (next < y) {
        y = next;
        next = 0.5 * (y + x / y);
    }
    return y;
}

static double tau(double x)
{
    if (x <= 0 || x >= 1)
        return 0;
    double z = 1 - x, y = 1, previous;
    do {
        x = square_root(x);
        previous = z;
        y *= 0.5;
        z -= (1 - x) * (1 - x) * y;
    } while (z != previous);
    return z / 3;
}

static uint64_t estimate(const uint8_t *registers)
{
    uint32_t c[RANK_MAX + 1] = { 0 };
    for (size_t i = 0; i < DISTINCT_REGISTERS; i++)
        c[registers[i]]++;
    if (c[0] == DISTINCT_REGISTERS)
        return 0;
    double m = DISTINCT_REGISTERS;
    double z = m * tau(1 - c[RANK_MAX] / m);
    for (int k = RANK_MAX - 1; k >= 1; k--)
        z = 0.5 * (z + c[k]);
    z += m * sigma(c[0] / m);
    /* 1 / (2 ln 2) */
    double e = 0.72134752044448170368 * m * m / z;
    return (uint64_t)(e + 0.5);
}

uint64_t distinct_count(const struct distinct *d)
{
    return d->registers ? estimate(d->registers) : d->settled;
}

/* Text: "x:" and the set's hashes in ascending order, 16 lowercase hex
 * digits each; or "h:" and the registers, each a letter ('A' for 0 up to
 * 'Z' for 25, then 'a' for 26 up to 'y' for 50 and 'z' for 51), a run of
 * three or more equal registers written as its length and one letter. */

static char register_letter(uint8_t v)
{
    return (char)(v < 26 ? 'A' + v : 'a' + (v - 26));
}

static int letter_register(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    return -1;
}

static size_t write_decimal(char *text, size_t v)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        text[i] = digits[n - 1 - i];
    return n;
}

static int compare_hashes(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

size_t distinct_write_size(const struct distinct *d)
{
    return 2 + (d->registers ? DISTINCT_REGISTERS : d->used * 16);
}

size_t distinct_write(const struct distinct *d, char *text)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 2;
    if (!d->registers) {
        memcpy(text, "x:", 2);
        uint64_t *sorted = xmalloc((d->settled + 1) * sizeof *sorted);
        if (d->settled > 0) {
            memcpy(sorted, d->hashes, d->settled * sizeof *sorted);
            qsort(sorted, d->settled, sizeof *sorted, compare_hashes);
        }
        for (size_t i = 0; i < d->settled; i++)
            for (int shift = 60; shift >= 0; shift -= 4)
                text[len++] = hex[sorted[i] >> shift & 15];
        free(sorted);
        return len;
    }
    memcpy(text, "h:", 2);
    for (size_t i = 0; i < DISTINCT_REGISTERS;) {
        size_t run = 1;
        while (i + run < DISTINCT_REGISTERS
               && d->registers[i + run] == d->registers[i])
            run++;
        /* A run's digits are never longer than the run itself. */
        if (run >= 3)
            len += write_decimal(text + len, run);
        else if (run == 2)
            text[len++] = register_letter(d->registers[i]);
        text[len++] = register_letter(d->registers[i]);
        i += run;
    }
    return len;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The set written as LEN hex digits at TEXT, ascending as written. */
static struct distinct *read_set(const char *text, size_t len)
{
    if (len % 16 != 0 || len / 16 > DISTINCT_THRESHOLD)
        return NULL;
    struct distinct *d = distinct_new();
    uint64_t previous = 0;
    for (size_t i = 0; i < len; i += 16) {
        uint64_t h = 0;
        for (size_t j = i; j < i + 16; j++) {
            int v = hex_digit(text[j]);
            if (v < 0) {
                distinct_free(d);
                return NULL;
            }
            h = h << 4 | (uint64_t)v;
        }
        if (i > 0 && h <= previous) {
            distinct_free(d);
            return NULL;
        }
        add_hash(d, h);
        previous = h;
    }
    distinct_settle(d);
    return d;
}

/* The registers written as the LEN bytes at TEXT. */
static struct distinct *read_registers(const char *text, size_t len)
{
    struct distinct *d = distinct_new();
    d->registers = xcalloc(DISTINCT_REGISTERS, 1);
    size_t filled = 0;
    for (size_t i = 0; i < len;) {
        size_t run = 0;
        bool counted = false;
        for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
            run = run * 10 + (size_t)(text[i] - '0');
            counted = true;
            if (run > DISTINCT_REGISTERS)
                goto bad;
        }
        int v = i < len ? letter_register(text[i++]) : -1;
        if (!counted)
            run = 1;
        if (v < 0 || v > RANK_MAX || run == 0
            || run > DISTINCT_REGISTERS - filled)
            goto bad;
        memset(d->registers + filled, v, run);
        filled += run;
    }
    if (filled == DISTINCT_REGISTERS)
        return d;
bad:
    distinct_free(d);
    return NULL;
}

struct distinct *distinct_read(const char *text, size_t len)
{
    if (len >= 2 && memcmp(text, "x:", 2) == 0)
        return read_set(text + 2, len - 2);
    if (len >= 2 && memcmp(text, "h:", 2) == 0)
        return read_registers(text + 2, len - 2);
    return NULL;
}
