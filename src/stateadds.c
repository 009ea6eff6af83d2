/* stateadds: a buffer of records' additions, sorted by key entry when it
 * is applied. */
#include "config.h"

#include "stateadds.h"
#include "diag.h"
#include "keystate.h"
#include "options.h"
#include "table.h"

#include <stdlib.h>
#include <string.h>

/* Records a buffer holds: enough that a busy key has many records in it,
 * whose state is then reached once for all of them, and few enough that
 * the buffer (about 80 bytes a record with one further field) stays in
 * the caches while it is read in key order.  Larger buffers were no
 * faster on the access benchmark. */
enum { CAPACITY = 1 << 13 };

/* How many records ahead the apply loop asks for a record's additions;
 * for the first record of a key, for its entry, then its state; and for
 * every record, for what its values will touch in the state. */
enum { RECORD_AHEAD = 8, ENTRY_AHEAD = 16, STATE_AHEAD = 8, VALUES_AHEAD = 4 };

struct stateadds {
    const struct config *cfg;
    const struct keystate_shape *shape;
    size_t slots;
    /* Record I's additions are FLAGS[I] (VALUE_BIT, TEXT_BIT) and, by
     * slot, VALUES, HASHES and FOUND from I * SLOTS: addresses computed,
     * not read, so that the apply loop can ask for them ahead. */
    uint8_t *flags;
    struct number *values;
    uint64_t *hashes;
    bool *found;
    struct state_record next;       /* the record being read */
    /* Of each record looked up, its key's entry index in the high half
     * and its number in the buffer in the low; SCRATCH for the sort. */
    uint64_t *keys, *scratch;
    size_t kept, looked;
};

struct stateadds *stateadds_new(const struct config *cfg,
                                const struct keystate_shape *shape)
{
    struct stateadds *sa = xcalloc(1, sizeof *sa);
    sa->cfg = cfg;
    sa->shape = shape;
    sa->slots = cfg->slot_count;
    size_t n = CAPACITY * sa->slots;
    sa->flags = xcalloc(CAPACITY, sizeof *sa->flags);
    sa->values = xcalloc(n, sizeof *sa->values);
    sa->hashes = xcalloc(n, sizeof *sa->hashes);
    sa->found = xcalloc(n, sizeof *sa->found);
    sa->keys = xmalloc(CAPACITY * sizeof *sa->keys);
    sa->scratch = xmalloc(CAPACITY * sizeof *sa->scratch);
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
    free(sa->keys);
    free(sa->scratch);
    free(sa);
}

enum { VALUE_BIT = 1, TEXT_BIT = 2 };

struct state_record *stateadds_next(struct stateadds *sa)
{
    size_t at = sa->kept * sa->slots;
    sa->next = (struct state_record){ .values = sa->values + at,
                                      .hashes = sa->hashes + at,
                                      .found = sa->found + at };
    return &sa->next;
}

bool stateadds_keep(struct stateadds *sa)
{
    sa->flags[sa->kept] = (uint8_t)((sa->next.have_value ? VALUE_BIT : 0)
                                    | (sa->next.value_text ? TEXT_BIT : 0));
    return ++sa->kept == CAPACITY;
}

void stateadds_found(struct stateadds *sa, const struct table *table,
                     const struct accum *a)
{
    sa->keys[sa->looked] = (uint64_t)table_accum_index(table, a) << 32
                         | sa->looked;
    sa->looked++;
}

/* Sorts the N keys by their entry index (the high half), a byte at a
 * time from the lowest, as far as the largest index needs. */
static void sort_by_entry(struct stateadds *sa, size_t n)
{
    uint64_t most = 0;
    for (size_t i = 0; i < n; i++)
        if (sa->keys[i] > most)
            most = sa->keys[i];
    for (unsigned shift = 32; shift < 64 && (most >> shift) != 0;
         shift += 8) {
        size_t start[257] = { 0 };
        for (size_t i = 0; i < n; i++)
            start[((sa->keys[i] >> shift) & 0xff) + 1]++;
        for (size_t d = 0; d < 256; d++)
            start[d + 1] += start[d];
        for (size_t i = 0; i < n; i++)
            sa->scratch[start[(sa->keys[i] >> shift) & 0xff]++] = sa->keys[i];
        uint64_t *t = sa->keys;
        sa->keys = sa->scratch;
        sa->scratch = t;
    }
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
            grew += keystate_add(s, slot, values[slot]);
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
        grew += keystate_add(s, 0, sa->values[i * sa->slots]);
    if (sa->flags[i] & TEXT_BIT)
        grew += keystate_add_hash(s, 0, sa->hashes[i * sa->slots]);
    if (sa->slots > 1)
        grew += add_further(sa, s, i);
    return grew;
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

/* Copies the additions of record FROM into record TO. */
static void copy_record(struct stateadds *sa, size_t to, size_t from)
{
    size_t n = sa->slots;
    sa->flags[to] = sa->flags[from];
    memcpy(&sa->values[to * n], &sa->values[from * n], n * sizeof *sa->values);
    memcpy(&sa->hashes[to * n], &sa->hashes[from * n], n * sizeof *sa->hashes);
    memcpy(&sa->found[to * n], &sa->found[from * n], n * sizeof *sa->found);
}

/* Whether the record at I of the sorted keys is the first of its key. */
static bool first_of_key(const struct stateadds *sa, size_t i)
{
    return i == 0 || sa->keys[i] >> 32 != sa->keys[i - 1] >> 32;
}

/* Asks for what the record at I of the sorted keys will touch in its
 * key's state, which has most likely arrived. */
static void prefetch_values(const struct stateadds *sa,
                            const struct table *table, size_t i)
{
    const struct keystate *s = table_entry_state(
        table_entry_at(table, (size_t)(sa->keys[i] >> 32)));
    size_t at = (uint32_t)sa->keys[i] * sa->slots;
    if (s)
        keystate_prefetch_values(s, &sa->values[at], &sa->hashes[at]);
}

size_t stateadds_waiting(const struct stateadds *sa)
{
    return sa->kept;
}

void stateadds_apply(struct stateadds *sa, struct table *table)
{
    size_t n = sa->looked;
    sort_by_entry(sa, n);
    size_t grew = 0, last = SIZE_MAX;
    struct keystate *s = NULL;
    for (size_t i = 0; i < n; i++) {
        if (i + ENTRY_AHEAD < n && first_of_key(sa, i + ENTRY_AHEAD))
            table_prefetch_entry_at(table,
                                    (size_t)(sa->keys[i + ENTRY_AHEAD] >> 32));
        if (i + STATE_AHEAD < n && first_of_key(sa, i + STATE_AHEAD))
            table_prefetch_state_at(table,
                                    (size_t)(sa->keys[i + STATE_AHEAD] >> 32),
                                    sa->shape);
        if (i + VALUES_AHEAD < n)
            prefetch_values(sa, table, i + VALUES_AHEAD);
        if (i + RECORD_AHEAD < n)
            prefetch_record(sa, (uint32_t)sa->keys[i + RECORD_AHEAD]);
        size_t entry = (size_t)(sa->keys[i] >> 32);
        if (entry != last) {
            s = table_state_at(table, entry, sa->shape);
            last = entry;
        }
        grew += add_record(sa, s, (uint32_t)sa->keys[i]);
    }
    table_count_state_bytes(table, grew);
    /* The records not looked up yet move to the front, in order. */
    for (size_t i = n; i < sa->kept; i++)
        copy_record(sa, i - n, i);
    sa->kept -= n;
    sa->looked = 0;
}
