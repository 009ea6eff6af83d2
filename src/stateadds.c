/* stateadds: a buffer of records' additions, sorted by key entry when it
 * is applied. */
#include "config.h"

#include "stateadds.h"
#include "diag.h"
#include "distinct.h"
#include "keystate.h"
#include "options.h"
#include "quantile.h"
#include "table.h"

#include <stdlib.h>
#include <string.h>

/* Records a buffer holds.  Where a record adds one thing (below), it is
 * read back in order, 16 bytes with its key, so the buffer can be large
 * (2 MiB with the sort's copy): a key with a few hundred records in the
 * run then has a few in each buffer, reached once for them all, where
 * 8,192 records left most such keys one.  Records of many further fields
 * are read back by their number, out of order, so their buffer is kept
 * small enough to stay in the caches. */
enum { SOLE_CAPACITY = 1 << 16, MANY_CAPACITY = 1 << 13 };

/* How many records ahead the apply loop asks for a record's additions;
 * for the first record of a key, for its entry, then its state; and for
 * every record, for what its values will touch in the state. */
enum { RECORD_AHEAD = 8, ENTRY_AHEAD = 16, STATE_AHEAD = 8, VALUES_AHEAD = 4 };

/* What a record adds when keys' states have one part, percentiles or a
 * distinct count of one field: one number or one hash, or nothing.  The
 * addition then travels in the record's sort item, and the apply loop
 * reads the items in order rather than the buffer out of order. */
enum sole { SOLE_NONE, SOLE_NUMBER, SOLE_HASH };

/* The low half of a sole addition's sort item: a number's scale, or one
 * of these. */
enum { ADDS_NOTHING = 1 << 30, ADDS_WIDE = 1 << 29 };

/* A record in the sort: its key's entry index in the high half of KEY,
 * and in the low half its number in the buffer or, for a sole addition,
 * what it adds, whose number's mantissa (when it fits 64 bits) or hash
 * is PAYLOAD. */
struct item {
    uint64_t key;
    uint64_t payload;
};

struct stateadds {
    const struct config *cfg;
    const struct keystate_shape *shape;
    size_t slots;
    size_t capacity;
    enum sole sole;
    unsigned sole_slot;
    /* Record I's additions are FLAGS[I] (VALUE_BIT, TEXT_BIT) and, by
     * slot, VALUES, HASHES and FOUND from I * SLOTS: addresses computed,
     * not read, so that the apply loop can ask for them ahead.  A sole
     * addition is read as the record is kept, so these hold one record
     * then, and WIDE, by record, the numbers too wide for an item. */
    uint8_t *flags;
    struct number *values;
    uint64_t *hashes;
    bool *found;
    struct number *wide;
    struct state_record next;       /* the record being read */
    struct item *items, *scratch;   /* by record; SCRATCH for the sort */
    size_t kept, looked;
    /* Of the entry indexes of the records looked up: how many have each
     * value of each byte, counted as they come so that the sort need
     * not read the items for it, and the largest. */
    uint32_t digits[4][256];
    uint32_t most;
};

/* The addition the keys' one part takes, if SHAPE has one part. */
static enum sole sole_of(const struct keystate_shape *shape)
{
    if (shape->count != 1)
        return SOLE_NONE;
    switch (shape->parts[0].kind) {
    case KEYSTATE_QUANTILE:
        return SOLE_NUMBER;
    case KEYSTATE_DISTINCT:
        return SOLE_HASH;
    case KEYSTATE_ACCUM:
    case KEYSTATE_SQUARES:
        break;
    }
    return SOLE_NONE;
}

struct stateadds *stateadds_new(const struct config *cfg,
                                const struct keystate_shape *shape)
{
    struct stateadds *sa = xcalloc(1, sizeof *sa);
    sa->cfg = cfg;
    sa->shape = shape;
    sa->slots = cfg->slot_count;
    sa->sole = sole_of(shape);
    sa->sole_slot = sa->sole != SOLE_NONE ? shape->parts[0].slot : 0;
    sa->capacity = sa->sole != SOLE_NONE ? SOLE_CAPACITY : MANY_CAPACITY;
    size_t records = sa->sole != SOLE_NONE ? 1 : sa->capacity;
    size_t n = records * sa->slots;
    sa->flags = xcalloc(records, sizeof *sa->flags);
    sa->values = xcalloc(n, sizeof *sa->values);
    sa->hashes = xcalloc(n, sizeof *sa->hashes);
    sa->found = xcalloc(n, sizeof *sa->found);
    sa->items = xmalloc(sa->capacity * sizeof *sa->items);
    sa->scratch = xmalloc(sa->capacity * sizeof *sa->scratch);
    return sa;
}

void stateadds_free(struct stateadds *sa)
{
    if (!sa)
        return;
    free(sa->flags);
    free(sa->values);
    free(sa->hashes);
    free(sa->found);
    free(sa->wide);
    free(sa->items);
    free(sa->scratch);
    free(sa);
}

enum { VALUE_BIT = 1, TEXT_BIT = 2 };

struct state_record *stateadds_next(struct stateadds *sa)
{
    size_t at = sa->sole != SOLE_NONE ? 0 : sa->kept * sa->slots;
    sa->next = (struct state_record){ .values = sa->values + at,
                                      .hashes = sa->hashes + at,
                                      .found = sa->found + at };
    return &sa->next;
}

/* Whether the record being read adds to the keys' one part. */
static bool sole_adds(const struct stateadds *sa)
{
    const struct state_record *r = &sa->next;
    unsigned slot = sa->sole_slot;
    if (slot == 0)
        return sa->sole == SOLE_NUMBER ? r->have_value : r->value_text;
    return r->found[slot] && (sa->sole == SOLE_NUMBER
                                  ? sa->cfg->slot_number[slot]
                                  : sa->cfg->slot_text[slot]);
}

/* The sort item of the record being read, kept as record AT, whose
 * addition is sole. */
static struct item sole_item(struct stateadds *sa, size_t at)
{
    if (!sole_adds(sa))
        return (struct item){ .key = ADDS_NOTHING };
    unsigned slot = sa->sole_slot;
    if (sa->sole == SOLE_HASH)
        return (struct item){ .payload = sa->next.hashes[slot] };
    struct number v = sa->next.values[slot];
    if (v.mantissa >= INT64_MIN && v.mantissa <= INT64_MAX)
        return (struct item){ .key = (uint64_t)v.scale,
                              .payload = (uint64_t)(int64_t)v.mantissa };
    if (!sa->wide)
        sa->wide = xmalloc(sa->capacity * sizeof *sa->wide);
    sa->wide[at] = v;
    return (struct item){ .key = ADDS_WIDE, .payload = at };
}

bool stateadds_keep(struct stateadds *sa)
{
    if (sa->sole != SOLE_NONE) {
        sa->items[sa->kept] = sole_item(sa, sa->kept);
    } else {
        sa->flags[sa->kept] = (uint8_t)((sa->next.have_value ? VALUE_BIT : 0)
                                        | (sa->next.value_text ? TEXT_BIT
                                                               : 0));
        sa->items[sa->kept].key = sa->kept;
    }
    return ++sa->kept == sa->capacity;
}

void stateadds_found(struct stateadds *sa, const struct table *table,
                     const struct accum *a)
{
    uint32_t entry = (uint32_t)table_accum_index(table, a);
    sa->items[sa->looked].key |= (uint64_t)entry << 32;
    sa->looked++;
    for (unsigned d = 0; d < 4; d++)
        sa->digits[d][(entry >> (8 * d)) & 0xff]++;
    if (entry > sa->most)
        sa->most = entry;
}

/* Sorts the first N items, those looked up, by their entry index (the
 * high half of the key), a byte at a time from the lowest, as far as the
 * largest index needs; then forgets their counts. */
static void sort_by_entry(struct stateadds *sa, size_t n)
{
    for (unsigned d = 0; d < 4 && (sa->most >> (8 * d)) != 0; d++) {
        unsigned shift = 32 + 8 * d;
        size_t start[256];
        size_t sum = 0;
        for (size_t v = 0; v < 256; v++) {
            start[v] = sum;
            sum += sa->digits[d][v];
        }
        for (size_t i = 0; i < n; i++)
            sa->scratch[start[(sa->items[i].key >> shift) & 0xff]++] =
                sa->items[i];
        struct item *t = sa->items;
        sa->items = sa->scratch;
        sa->scratch = t;
    }
    memset(sa->digits, 0, sizeof sa->digits);
    sa->most = 0;
}

/* The entry index of the sorted item I. */
static size_t entry_of(const struct stateadds *sa, size_t i)
{
    return (size_t)(sa->items[i].key >> 32);
}

/* The record number of the sorted item I, which is not sole. */
static size_t record_of(const struct stateadds *sa, size_t i)
{
    return (uint32_t)sa->items[i].key;
}

/* Whether the sorted item I is the first of its key. */
static bool first_of_key(const struct stateadds *sa, size_t i)
{
    return i == 0 || entry_of(sa, i) != entry_of(sa, i - 1);
}

/* Adds the further slots of record I to the state S; returns how many
 * bytes S grew by. */
static size_t add_further(const struct stateadds *sa, struct keystate *s,
                          size_t i)
{
    const struct config *cfg = sa->cfg;
    const struct number *values = sa->values + i * sa->slots;
    const uint64_t *hashes = sa->hashes + i * sa->slots;
    const bool *found = sa->found + i * sa->slots;
    size_t grew = 0;
    for (unsigned slot = 1; slot < cfg->slot_count; slot++) {
        if (!found[slot]) {
            keystate_add_missing(s, slot);
            continue;
        }
        if (cfg->slot_number[slot])
            grew += keystate_add(s, slot, &values[slot]);
        if (cfg->slot_text[slot])
            grew += keystate_add_hash(s, slot, hashes[slot]);
    }
    return grew;
}

/* Adds what record I holds to the state S; returns how many bytes S grew
 * by. */
static size_t add_record(const struct stateadds *sa, struct keystate *s,
                         size_t i)
{
    size_t grew = 0;
    if (sa->flags[i] & VALUE_BIT)
        grew += keystate_add(s, 0, &sa->values[i * sa->slots]);
    if (sa->flags[i] & TEXT_BIT)
        grew += keystate_add_hash(s, 0, sa->hashes[i * sa->slots]);
    if (sa->slots > 1)
        grew += add_further(sa, s, i);
    return grew;
}

/* The number a sole addition's item I carries. */
static struct number sole_number(const struct stateadds *sa, size_t i)
{
    const struct item *it = &sa->items[i];
    if ((uint32_t)it->key & ADDS_WIDE)
        return sa->wide[it->payload];
    return (struct number){ .mantissa = (int64_t)it->payload,
                            .scale = (int)(uint32_t)it->key };
}

/* Asks for the additions of record I. */
static void prefetch_record(const struct stateadds *sa, size_t i)
{
    __builtin_prefetch(&sa->values[i * sa->slots]);
    __builtin_prefetch(&sa->hashes[i * sa->slots]);
    if (sa->slots > 1) {
        __builtin_prefetch(&sa->values[i * sa->slots + sa->slots - 1]);
        __builtin_prefetch(&sa->found[i * sa->slots]);
    }
}

/* Asks for what the sorted item I will touch in its key's state, which
 * has most likely arrived. */
static void prefetch_values(const struct stateadds *sa,
                            const struct table *table, size_t i)
{
    const struct keystate *s = table_entry_state(
        table_entry_at(table, entry_of(sa, i)));
    if (!s)
        return;
    if (sa->sole == SOLE_NONE) {
        size_t at = record_of(sa, i) * sa->slots;
        keystate_prefetch_values(s, &sa->values[at], &sa->hashes[at]);
    } else if (!((uint32_t)sa->items[i].key & ADDS_NOTHING)) {
        struct number value = sole_number(sa, i);
        keystate_prefetch_sole(s, &value, sa->items[i].payload);
    }
}

size_t stateadds_waiting(const struct stateadds *sa)
{
    return sa->kept;
}

/* Moves the records kept and not looked up yet, from N on, to the front,
 * in order. */
static void keep_unlooked(struct stateadds *sa, size_t n)
{
    for (size_t from = n; from < sa->kept; from++) {
        size_t to = from - n;
        struct item it = sa->items[from];
        if (sa->sole == SOLE_NONE) {
            size_t k = sa->slots;
            sa->flags[to] = sa->flags[from];
            memcpy(&sa->values[to * k], &sa->values[from * k],
                   k * sizeof *sa->values);
            memcpy(&sa->hashes[to * k], &sa->hashes[from * k],
                   k * sizeof *sa->hashes);
            memcpy(&sa->found[to * k], &sa->found[from * k],
                   k * sizeof *sa->found);
            it.key = to;
        } else if ((uint32_t)it.key & ADDS_WIDE) {
            sa->wide[to] = sa->wide[from];
            it.payload = to;
        }
        sa->items[to] = it;
    }
    sa->kept -= n;
    sa->looked = 0;
}

/* Asks, from the sorted item I on, for what the items ahead of it of
 * the N will touch, each at its distance. */
static void prefetch_ahead(const struct stateadds *sa,
                           const struct table *table, size_t i, size_t n)
{
    if (i + ENTRY_AHEAD < n && first_of_key(sa, i + ENTRY_AHEAD))
        table_prefetch_entry_at(table, entry_of(sa, i + ENTRY_AHEAD));
    if (i + STATE_AHEAD < n && first_of_key(sa, i + STATE_AHEAD))
        table_prefetch_state_at(table, entry_of(sa, i + STATE_AHEAD),
                                sa->shape);
    if (i + VALUES_AHEAD < n)
        prefetch_values(sa, table, i + VALUES_AHEAD);
    if (sa->sole == SOLE_NONE && i + RECORD_AHEAD < n)
        prefetch_record(sa, record_of(sa, i + RECORD_AHEAD));
}

/* Adds the records of the first N sorted items to their keys' states;
 * returns how many bytes the states grew by. */
static size_t apply_records(const struct stateadds *sa, struct table *table,
                            size_t n)
{
    size_t grew = 0, last = SIZE_MAX;
    struct keystate *s = NULL;
    for (size_t i = 0; i < n; i++) {
        prefetch_ahead(sa, table, i, n);
        size_t entry = entry_of(sa, i);
        if (entry != last) {
            s = table_state_at(table, entry, sa->shape);
            last = entry;
        }
        grew += add_record(sa, s, record_of(sa, i));
    }
    return grew;
}

/* apply_records for sole additions, made to the keys' one part
 * directly. */
static size_t apply_sole(const struct stateadds *sa, struct table *table,
                         size_t n)
{
    size_t grew = 0, last = SIZE_MAX;
    struct quantile *q = NULL;
    struct distinct *d = NULL;
    for (size_t i = 0; i < n; i++) {
        prefetch_ahead(sa, table, i, n);
        size_t entry = entry_of(sa, i);
        if (entry != last) {
            struct keystate *s = table_state_at(table, entry, sa->shape);
            q = keystate_sole_quantile(s);
            d = keystate_sole_distinct(s);
            last = entry;
        }
        const struct item *it = &sa->items[i];
        uint32_t adds = (uint32_t)it->key;
        if (adds & ADDS_NOTHING)
            continue;
        if (d)
            grew += distinct_add_hash(d, it->payload);
        else if (adds & ADDS_WIDE)
            grew += quantile_add(q, &sa->wide[it->payload]);
        else
            grew += quantile_add_narrow(q, (int64_t)it->payload, (int)adds);
    }
    return grew;
}

void stateadds_apply(struct stateadds *sa, struct table *table)
{
    size_t n = sa->looked;
    sort_by_entry(sa, n);
    size_t grew = sa->sole == SOLE_NONE ? apply_records(sa, table, n)
                                        : apply_sole(sa, table, n);
    table_count_state_bytes(table, grew);
    keep_unlooked(sa, n);
}
