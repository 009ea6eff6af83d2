/* distinct: the distinct values of one key and field, counted exactly
 * while there are few of them, then estimated by HyperLogLog.
 *
 * A value is any string of bytes, known by its 64-bit hash
 * (distinct_hash, fixed in the code: the same on every machine and run).
 *
 * Exact phase: up to DISTINCT_THRESHOLD distinct hashes are kept, and the
 * count is how many there are.  A hash added is appended to an array,
 * and when the array is full its repeats are dropped: adding writes at
 * one place, the array's end, rather than anywhere in a hash set kept
 * per key, which for thousands of keys is a cache miss per value.  So a
 * state is settled (its array without repeats, or registers) only after
 * distinct_settle, which readers call first.  Two different values count as
 * one only if their hashes collide: among 1,024 values, with a hash that
 * spreads values evenly, that happens with probability below
 * 1024^2 / 2^65 = 2^-45, once in 35 trillion keys.
 *
 * HyperLogLog phase: past the threshold, 2^14 one-byte registers (16 KiB)
 * each keep the most leading zeros seen among the hashes that select it,
 * and the count is Ertl's improved estimator over them (O. Ertl, "New
 * cardinality estimation algorithms for HyperLogLog sketches", 2017):
 * about 0.8% standard error from the threshold up to billions.
 *
 * Determinism: the settled state depends only on the set of values.  A
 * part turns into registers when its own distinct hashes pass the
 * threshold, a merge when their union does, whenever that is found
 * (when the array fills, or when settling); a part's set is within the
 * whole's, so a settled state has registers exactly when the key's
 * distinct values pass the threshold, and registers are merged by
 * maximum, which neither order nor repetition changes.
 *
 * Memory per key: at most 16 KiB and a few bytes either way (an array of
 * at most 2,048 hashes of 8 bytes, at most half of them settled, as it
 * doubles when more are; or the registers). */
#ifndef FANOUT_DISTINCT_H
#define FANOUT_DISTINCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distinct values counted exactly per key and field. */
enum { DISTINCT_THRESHOLD = 1024 };

/* Registers of the HyperLogLog phase (2^14), chosen by a hash's top
 * bits. */
enum { DISTINCT_INDEX_BITS = 14, DISTINCT_REGISTERS = 1 << DISTINCT_INDEX_BITS };

/* The most bytes distinct_bytes can return. */
enum { DISTINCT_MAX_BYTES = DISTINCT_REGISTERS + 64 };

/* The members are distinct.c's own; they are visible only so that a
 * key's state can hold one inline (keystate.c) and so that
 * distinct_prefetch can be inlined. */
struct distinct {
    /* Exact phase (REGISTERS NULL): CAP hashes, the first SETTLED of
     * them distinct, then those added since, up to USED, as they came;
     * in no order that means anything. */
    uint64_t *hashes;
    size_t cap;                 /* a power of two, up to 2 * threshold */
    size_t settled, used;
    uint8_t *registers;         /* DISTINCT_REGISTERS of them */
};

/* The hash distinct values are known by. */
uint64_t distinct_hash(const char *bytes, size_t len);

/* An empty state; never NULL (allocation failure exits). */
struct distinct *distinct_new(void);

void distinct_free(struct distinct *d);

/* Makes the memory at D an empty state, and frees what D holds, not D
 * itself: for a state inside another object. */
void distinct_init(struct distinct *d);
void distinct_release(struct distinct *d);

/* Moves the state FROM, which distinct_new or distinct_read gave, into
 * INTO (initialized or not), and frees FROM. */
void distinct_move(struct distinct *into, struct distinct *from);

/* Adds the value whose distinct_hash is HASH; returns how many bytes D
 * grew by (distinct_bytes), for a caller that bounds the memory of many
 * states. */
size_t distinct_add_hash(struct distinct *d, uint64_t hash);

/* Asks for the memory that adding the value of hash HASH will look at:
 * for a caller that adds to many keys' states in turn and can ask for
 * several ahead.  Inlined by force, as table.h says why. */
static inline __attribute__((always_inline)) void
distinct_prefetch(const struct distinct *d, uint64_t hash)
{
    if (d->registers)
        __builtin_prefetch(&d->registers[hash >> (64 - DISTINCT_INDEX_BITS)], 1);
    else if (d->used < d->cap)
        __builtin_prefetch(&d->hashes[d->used], 1);
}

/* Adds the value that is the LEN bytes at BYTES.  No allocation once the
 * set has grown to its size, none at all with registers. */
void distinct_add(struct distinct *d, const char *bytes, size_t len);

/* Folds FROM, settled or not, into INTO; FROM is unchanged. */
void distinct_merge(struct distinct *into, const struct distinct *from);

/* Drops the repeats from D's array, or turns it into registers if it
 * holds more distinct hashes than the threshold: what the functions
 * below need first.  D means the same before and after. */
void distinct_settle(struct distinct *d);

/* The count of distinct values of settled D: exact, or the estimate. */
uint64_t distinct_count(const struct distinct *d);

/* Whether distinct_count is an estimate, for settled D. */
bool distinct_is_approximate(const struct distinct *d);

/* Most bytes distinct_write may write for settled D as it is now. */
size_t distinct_write_size(const struct distinct *d);

/* Writes settled D as one line of text without the newline (letters,
 * digits and ':' only) into TEXT, which holds distinct_write_size(D)
 * bytes, and returns its length.  The same state gives the same text. */
size_t distinct_write(const struct distinct *d, char *text);

/* The state written as the LEN bytes at TEXT, or NULL if they are not
 * such a text. */
struct distinct *distinct_read(const char *text, size_t len);

/* Bytes of memory D holds, the struct included. */
size_t distinct_bytes(const struct distinct *d);

#endif
