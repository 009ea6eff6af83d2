/* keystate: one allocation per key, a count and the parts after it. */
#include "config.h"

#include "keystate.h"
#include "diag.h"
#include "distinct.h"
#include "quantile.h"
#include "wide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct keystate_part {
    enum keystate_kind kind;
    unsigned slot;
    union {
        struct accum accum;         /* KEYSTATE_ACCUM */
        struct squares squares;     /* KEYSTATE_SQUARES */
        struct quantile quantile;   /* KEYSTATE_QUANTILE */
        struct distinct distinct;   /* KEYSTATE_DISTINCT */
    } u;
};

struct keystate {
    size_t count;
    struct keystate_part parts[];
};

/* Appends a part of KIND for SLOT to SHAPE unless it has one. */
static void shape_add(struct keystate_shape *shape, enum keystate_kind kind,
                      unsigned slot)
{
    for (size_t i = 0; i < shape->count; i++)
        if (shape->parts[i].kind == kind && shape->parts[i].slot == slot)
            return;
    shape->parts[shape->count].kind = kind;
    shape->parts[shape->count].slot = slot;
    shape->count++;
}

bool keystate_shape_init(struct keystate_shape *shape,
                         const enum aggregate_op *ops,
                         const unsigned *slots, size_t n)
{
    shape->count = 0;
    for (size_t i = 0; i < n; i++) {
        const struct aggregate_def *def = aggregate_def_of(ops[i]);
        /* A field's accumulator only for the operations that read it:
         * a field that only percentiles read would pay for a sum nobody
         * asked for, and could fail on its overflow. */
        if (slots[i] > 0 && aggregate_reads_totals(ops[i]))
            shape_add(shape, KEYSTATE_ACCUM, slots[i]);
        if (def->needs_squares)
            shape_add(shape, KEYSTATE_SQUARES, slots[i]);
        if (ops[i] == OP_PERCENTILE)
            shape_add(shape, KEYSTATE_QUANTILE, slots[i]);
        if (ops[i] == OP_DISTINCT)
            shape_add(shape, KEYSTATE_DISTINCT, slots[i]);
    }
    return shape->count > 0;
}

static struct keystate *allocate(size_t count)
{
    struct keystate *s = xcalloc(1, sizeof *s + count * sizeof s->parts[0]);
    s->count = count;
    return s;
}

struct keystate *keystate_new(const struct keystate_shape *shape)
{
    struct keystate *s = allocate(shape->count);
    for (size_t i = 0; i < shape->count; i++) {
        s->parts[i].kind = shape->parts[i].kind;
        s->parts[i].slot = shape->parts[i].slot;
        if (s->parts[i].kind == KEYSTATE_QUANTILE)
            quantile_init(&s->parts[i].u.quantile);
        if (s->parts[i].kind == KEYSTATE_DISTINCT)
            distinct_init(&s->parts[i].u.distinct);
    }
    return s;
}

void keystate_free(struct keystate *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++) {
        switch (s->parts[i].kind) {
        case KEYSTATE_ACCUM:
        case KEYSTATE_SQUARES:
            break;
        case KEYSTATE_QUANTILE:
            quantile_release(&s->parts[i].u.quantile);
            break;
        case KEYSTATE_DISTINCT:
            distinct_release(&s->parts[i].u.distinct);
            break;
        }
    }
    free(s);
}

size_t keystate_add(struct keystate *s, unsigned slot,
                    const struct number *value)
{
    size_t grew = 0;
    for (size_t i = 0; i < s->count; i++) {
        struct keystate_part *p = &s->parts[i];
        if (p->slot != slot)
            continue;
        switch (p->kind) {
        case KEYSTATE_ACCUM:
            accum_add(&p->u.accum, *value);
            break;
        case KEYSTATE_SQUARES:
            squares_add(&p->u.squares, *value);
            break;
        case KEYSTATE_QUANTILE:
            grew += quantile_add(&p->u.quantile, value);
            break;
        case KEYSTATE_DISTINCT:
            break;
        }
    }
    return grew;
}

size_t keystate_add_hash(struct keystate *s, unsigned slot, uint64_t hash)
{
    size_t grew = 0;
    for (size_t i = 0; i < s->count; i++)
        if (s->parts[i].slot == slot
            && s->parts[i].kind == KEYSTATE_DISTINCT)
            grew += distinct_add_hash(&s->parts[i].u.distinct, hash);
    return grew;
}

size_t keystate_size(const struct keystate_shape *shape)
{
    return sizeof(struct keystate)
         + shape->count * sizeof(struct keystate_part);
}

void keystate_prefetch(const struct keystate *s,
                       const struct keystate_shape *shape)
{
    const char *p = (const char *)s;
    size_t bytes = keystate_size(shape);
    for (size_t at = 0; at < bytes; at += 64)
        __builtin_prefetch(p + at, 1);
}

void keystate_prefetch_values(const struct keystate *s,
                              const struct number *values,
                              const uint64_t *hashes)
{
    for (size_t i = 0; i < s->count; i++) {
        const struct keystate_part *p = &s->parts[i];
        if (p->kind == KEYSTATE_QUANTILE)
            quantile_prefetch(&p->u.quantile, &values[p->slot]);
        else if (p->kind == KEYSTATE_DISTINCT)
            distinct_prefetch(&p->u.distinct, hashes[p->slot]);
    }
}

struct quantile *keystate_sole_quantile(struct keystate *s)
{
    return s->parts[0].kind == KEYSTATE_QUANTILE ? &s->parts[0].u.quantile
                                                 : NULL;
}

struct distinct *keystate_sole_distinct(struct keystate *s)
{
    return s->parts[0].kind == KEYSTATE_DISTINCT ? &s->parts[0].u.distinct
                                                 : NULL;
}

void keystate_prefetch_sole(const struct keystate *s,
                            const struct number *value, uint64_t hash)
{
    const struct keystate_part *p = &s->parts[0];
    if (p->kind == KEYSTATE_QUANTILE)
        quantile_prefetch(&p->u.quantile, value);
    else if (p->kind == KEYSTATE_DISTINCT)
        distinct_prefetch(&p->u.distinct, hash);
}

void keystate_add_missing(struct keystate *s, unsigned slot)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->parts[i].slot == slot && s->parts[i].kind == KEYSTATE_ACCUM)
            accum_count_missing(&s->parts[i].u.accum);
}

/* Whether A and B have the same parts in the same order. */
static bool same_parts(const struct keystate *a, const struct keystate *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (a->parts[i].kind != b->parts[i].kind
            || a->parts[i].slot != b->parts[i].slot)
            return false;
    return true;
}

bool keystate_merge(struct keystate *into, const struct keystate *from)
{
    if (!same_parts(into, from))
        return false;
    for (size_t i = 0; i < into->count; i++) {
        struct keystate_part *p = &into->parts[i];
        const struct keystate_part *q = &from->parts[i];
        switch (p->kind) {
        case KEYSTATE_ACCUM:
            accum_merge(&p->u.accum, &q->u.accum);
            break;
        case KEYSTATE_SQUARES:
            squares_merge(&p->u.squares, &q->u.squares);
            break;
        case KEYSTATE_QUANTILE:
            quantile_merge(&p->u.quantile, &q->u.quantile);
            break;
        case KEYSTATE_DISTINCT:
            distinct_merge(&p->u.distinct, &q->u.distinct);
            break;
        }
    }
    return true;
}

bool keystate_has_shape(const struct keystate *s,
                        const struct keystate_shape *shape)
{
    if (!s)
        return shape->count == 0;
    if (s->count != shape->count)
        return false;
    for (size_t i = 0; i < s->count; i++)
        if (s->parts[i].kind != shape->parts[i].kind
            || s->parts[i].slot != shape->parts[i].slot)
            return false;
    return true;
}

bool keystate_overflow(const struct keystate *s)
{
    for (size_t i = 0; s && i < s->count; i++) {
        const struct keystate_part *p = &s->parts[i];
        switch (p->kind) {
        case KEYSTATE_ACCUM:
            if (p->u.accum.overflow)
                return true;
            break;
        case KEYSTATE_SQUARES:
            if (p->u.squares.overflow)
                return true;
            break;
        case KEYSTATE_QUANTILE:
        case KEYSTATE_DISTINCT:
            break;
        }
    }
    return false;
}

/* The distinct-count state of part P, settled (distinct.h) for reading.
 * The state is the key's own, read by one thread at a time, as results
 * are; settling changes how it is held, never what it means. */
static struct distinct *settled(const struct keystate_part *p)
{
    struct distinct *d = (struct distinct *)&p->u.distinct;
    distinct_settle(d);
    return d;
}

void keystate_approximated(const struct keystate *s, size_t *quantiles,
                           size_t *distincts)
{
    *quantiles = *distincts = 0;
    for (size_t i = 0; s && i < s->count; i++) {
        const struct keystate_part *p = &s->parts[i];
        if (p->kind == KEYSTATE_QUANTILE)
            *quantiles += quantile_is_approximate(&p->u.quantile);
        if (p->kind == KEYSTATE_DISTINCT)
            *distincts += distinct_is_approximate(settled(p));
    }
}

/* The part of KIND for SLOT, or NULL. */
static const struct keystate_part *find(const struct keystate *s,
                                        enum keystate_kind kind,
                                        unsigned slot)
{
    for (size_t i = 0; s && i < s->count; i++)
        if (s->parts[i].kind == kind && s->parts[i].slot == slot)
            return &s->parts[i];
    return NULL;
}

bool keystate_consistent(const struct accum *main, const struct keystate *s)
{
    for (size_t i = 0; s && i < s->count; i++) {
        const struct keystate_part *p = &s->parts[i];
        const struct keystate_part *a = p->slot == 0 ? NULL
                                      : find(s, KEYSTATE_ACCUM, p->slot);
        switch (p->kind) {
        case KEYSTATE_ACCUM:
        case KEYSTATE_DISTINCT:
            break;
        case KEYSTATE_QUANTILE: {
            /* A percentile's field is read as a number, so its values
             * are those the field's accumulator counted; a further field
             * without one has at most a value per record. */
            uint64_t n = quantile_count(&p->u.quantile);
            if (a ? n != a->u.accum.count
                  : p->slot == 0 ? n != main->count
                                 : n > main->count + main->missing)
                return false;
            break;
        }
        case KEYSTATE_SQUARES: {
            if (p->slot > 0 && !a)
                return false;
            if (!squares_fit(a ? &a->u.accum : main, &p->u.squares))
                return false;
            break;
        }
        }
    }
    return true;
}

size_t keystate_result_of_state(char *text, const struct accum *main,
                                const struct keystate *s,
                                enum aggregate_op op, unsigned slot,
                                struct number rank, int decimals)
{
    if (op == OP_DISTINCT) {
        const struct keystate_part *p = find(s, KEYSTATE_DISTINCT, slot);
        uint64_t n = p ? distinct_count(settled(p)) : 0;
        return number_format(text, n, false, 0);
    }
    if (op == OP_PERCENTILE) {
        const struct keystate_part *p = find(s, KEYSTATE_QUANTILE, slot);
        if (!p)
            return 0;
        /* quantile_format asks for room for any text; a percentile is one
         * of the key's values, at most 38 digits before the point and 38
         * after, which TEXT holds. */
        char room[QUANTILE_TEXT_SIZE];
        /* The state is the key's own, read by one thread at a time;
         * const only as results are read-only to their callers. */
        size_t len = quantile_format((struct quantile *)&p->u.quantile, rank,
                                     decimals, room);
        if (len > AGGREGATE_TEXT_SIZE) {
            fprintf(stderr, "fanout: %s:%d: percentile text of %zu bytes\n",
                    __FILE__, __LINE__, len);
            abort();
        }
        memcpy(text, room, len);
        return len;
    }
    const struct accum *a = main;
    if (slot > 0 && op != OP_COUNT) {
        const struct keystate_part *p = find(s, KEYSTATE_ACCUM, slot);
        if (!p)
            return 0;
        a = &p->u.accum;
    }
    if (spread_is_op(op)) {
        const struct keystate_part *p = find(s, KEYSTATE_SQUARES, slot);
        return p ? spread_format(text, a, &p->u.squares, op, decimals) : 0;
    }
    return aggregate_format(text, a, op, decimals);
}

size_t keystate_part_count(const struct keystate *s)
{
    return s ? s->count : 0;
}

/* Writes X in decimal after a colon at TEXT; returns the length. */
static size_t put_u128(char *text, u128 x)
{
    text[0] = ':';
    return 1 + number_format(text + 1, x, false, 0);
}

static size_t put_i128(char *text, i128 x)
{
    text[0] = ':';
    return 1 + number_format_signed(text + 1, x, 0);
}

/* Room for the text of an accumulator or squares part, NUL included. */
enum { FIXED_PART_SIZE = 512 };

size_t keystate_part_size(const struct keystate *s, size_t i)
{
    const struct keystate_part *p = &s->parts[i];
    switch (p->kind) {
    case KEYSTATE_ACCUM:
    case KEYSTATE_SQUARES:
        break;
    case KEYSTATE_QUANTILE:
        return 16 + quantile_write_size(&p->u.quantile);
    case KEYSTATE_DISTINCT:
        return 16 + distinct_write_size(settled(p));
    }
    return FIXED_PART_SIZE;
}

size_t keystate_part_text(const struct keystate *s, size_t i, char *text)
{
    const struct keystate_part *p = &s->parts[i];
    size_t len = 0;
    switch (p->kind) {
    case KEYSTATE_ACCUM: {
        const struct accum *a = &p->u.accum;
        len = (size_t)snprintf(text, FIXED_PART_SIZE, "a%u", p->slot);
        len += put_u128(text + len, a->count);
        len += put_u128(text + len, (u128)a->scale);
        len += put_u128(text + len, a->positive);
        len += put_u128(text + len, a->negative);
        len += put_i128(text + len, a->min);
        len += put_i128(text + len, a->max);
        len += put_u128(text + len, a->missing);
        break;
    }
    case KEYSTATE_SQUARES:
        len = (size_t)snprintf(text, FIXED_PART_SIZE, "s%u:%d:", p->slot,
                               p->u.squares.scale);
        len += wide_format(text + len, &p->u.squares.sum);
        break;
    case KEYSTATE_QUANTILE:
        len = (size_t)snprintf(text, 16, "q%u:", p->slot);
        /* The key's own state, written by one thread (as a result). */
        len += quantile_write((struct quantile *)&p->u.quantile, text + len);
        break;
    case KEYSTATE_DISTINCT:
        len = (size_t)snprintf(text, 16, "d%u:", p->slot);
        len += distinct_write(settled(p), text + len);
        break;
    }
    text[len] = '\0';
    return len;
}

/* Splits TEXT at colons into at most MAX fields; returns how many. */
static size_t split_colons(char *text, char **fields, size_t max)
{
    size_t n = 0;
    for (char *p = text; n < max;) {
        fields[n++] = p;
        p = strchr(p, ':');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

static bool parse_u128(const char *s, u128 *out)
{
    struct wide w;
    size_t len = strlen(s);
    return len <= 39 && wide_parse(s, len, &w) && wide_to_u128(&w, out);
}

static bool parse_i128(const char *s, i128 *out)
{
    bool negative = *s == '-';
    u128 magnitude;
    if (!parse_u128(s + negative, &magnitude) || magnitude > (u128)-1 >> 1)
        return false;
    *out = negative ? -(i128)magnitude : (i128)magnitude;
    return true;
}

/* Reads the fields of an accumulator part (after aSLOT) standing for
 * RECORDS records. */
static bool parse_accum(char **f, size_t n, uint64_t records,
                        struct accum *a)
{
    u128 count, scale, missing;
    if (n != 7 || !parse_u128(f[0], &count) || !parse_u128(f[1], &scale)
        || scale > NUMBER_MAX_SCALE || !parse_u128(f[2], &a->positive)
        || !parse_u128(f[3], &a->negative) || !parse_i128(f[4], &a->min)
        || !parse_i128(f[5], &a->max) || !parse_u128(f[6], &missing)
        || count + missing != records || a->min > a->max)
        return false;
    /* No value reaches 10^38 units at scale 0. */
    u128 most;
    if (scale == 0 && !__builtin_mul_overflow(count,
                                              number_pow10(NUMBER_MAX_DIGITS)
                                              - 1, &most)
        && (a->positive > most || a->negative > most))
        return false;
    a->count = (uint64_t)count;
    a->missing = (uint64_t)missing;
    a->scale = (int)scale;
    return true;
}

static bool parse_squares(char **f, size_t n, struct squares *s)
{
    u128 scale;
    if (n != 2 || !parse_u128(f[0], &scale) || scale > NUMBER_MAX_SCALE
        || !wide_parse(f[1], strlen(f[1]), &s->sum))
        return false;
    s->scale = (int)scale;
    return squares_valid(s);
}

/* The kind a part's letter names; false for none. */
static bool kind_of(char letter, enum keystate_kind *kind)
{
    switch (letter) {
    case 'a':
        *kind = KEYSTATE_ACCUM;
        return true;
    case 's':
        *kind = KEYSTATE_SQUARES;
        return true;
    case 'q':
        *kind = KEYSTATE_QUANTILE;
        return true;
    case 'd':
        *kind = KEYSTATE_DISTINCT;
        return true;
    }
    return false;
}

/* Reads one part field, TEXT, into P; false if it is none. */
static bool parse_part(char *text, uint64_t records, struct keystate_part *p)
{
    size_t digits = strspn(text + 1, "0123456789");
    if (!kind_of(text[0], &p->kind) || digits == 0 || digits > 3
        || text[1 + digits] != ':')
        return false;
    p->slot = (unsigned)strtoul(text + 1, NULL, 10);
    char *rest = text + 2 + digits;
    char *f[8];
    size_t count;
    switch (p->kind) {
    case KEYSTATE_ACCUM:
        count = split_colons(rest, f, 8);
        return p->slot > 0 && parse_accum(f, count, records, &p->u.accum);
    case KEYSTATE_SQUARES:
        count = split_colons(rest, f, 8);
        return parse_squares(f, count, &p->u.squares);
    case KEYSTATE_QUANTILE: {
        struct quantile *q = quantile_read(rest, strlen(rest));
        if (q)
            quantile_move(&p->u.quantile, q);
        return q != NULL;
    }
    case KEYSTATE_DISTINCT: {
        struct distinct *d = distinct_read(rest, strlen(rest));
        if (d)
            distinct_move(&p->u.distinct, d);
        return d != NULL;
    }
    }
    return false;
}

const char *keystate_parse(char *const *fields, size_t n, uint64_t records,
                           struct keystate **out)
{
    *out = NULL;
    if (n == 0)
        return NULL;
    if (n > KEYSTATE_MAX_PARTS)
        return "too many fields";
    struct keystate *s = allocate(n);
    for (size_t i = 0; i < n; i++) {
        /* A part not read holds no object to free. */
        if (!parse_part(fields[i], records, &s->parts[i])) {
            s->parts[i].kind = KEYSTATE_ACCUM;
            keystate_free(s);
            return "bad state";
        }
    }
    *out = s;
    return NULL;
}
