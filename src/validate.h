/* validate: the rules a record must pass once parsed.  Value bounds are
 * described in one table (option name, what failing means, the message);
 * the key pattern is compiled once per worker because glibc serialises
 * concurrent regexec calls on one compiled pattern. */
#ifndef FANOUT_VALIDATE_H
#define FANOUT_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "number.h"

enum bound_kind { BOUND_MIN, BOUND_MAX, BOUND_ABOVE, BOUND_BELOW, BOUND_KINDS };

struct bound_def {
    const char *option;     /* long option name */
    int failing_sign;       /* a value fails if compare(value, limit) has
                               this sign... */
    bool fails_on_equal;    /* ...or is equal and this is set */
    const char *message;    /* printf format: value text, limit text */
};

extern const struct bound_def bound_defs[BOUND_KINDS];

struct bound {
    bool set;
    struct number limit;
    const char *text;       /* the option argument as given */
};

struct rules {
    struct bound bounds[BOUND_KINDS];
    const char *key_pattern;        /* extended regex, or NULL */
    /* For a value of each scale, the mantissas that pass every bound:
     * low[s] <= mantissa <= high[s].  Set by rules_prepare. */
    i128 low[NUMBER_MAX_SCALE + 1], high[NUMBER_MAX_SCALE + 1];
};

/* Derives the per-scale ranges from the bounds; call after setting them. */
void rules_prepare(struct rules *rules);

/* Whether VALUE passes every bound: the per-record test. */
static inline bool rules_accept(const struct rules *rules,
                                struct number value)
{
    return value.mantissa >= rules->low[value.scale]
        && value.mantissa <= rules->high[value.scale];
}

/* The first bound VALUE breaks, or BOUND_KINDS if none: the reason a
 * value that rules_accept refused was refused. */
enum bound_kind rules_check_value(const struct rules *rules,
                                  struct number value);

/* A compiled key pattern, owned by one thread. */
struct key_matcher;

/* Compiles PATTERN; on failure returns NULL and writes the reason to
 * ERROR (ERROR_SIZE bytes). */
struct key_matcher *key_matcher_new(const char *pattern, char *error,
                                    size_t error_size);
void key_matcher_free(struct key_matcher *m);

/* Whether the LEN bytes at KEY match. */
bool key_matcher_match(struct key_matcher *m, const char *key, size_t len);

#endif
