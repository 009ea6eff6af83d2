/* filter: the --where conditions, FIELD OP VALUE, that a record must
 * meet to be counted at all.  A record that fails one is filtered: left
 * out silently, neither accepted nor rejected.  Conditions are parsed
 * once into a config; each worker compiles its own regular expressions,
 * as glibc serialises concurrent regexec calls on one compiled pattern. */
#ifndef FANOUT_FILTER_H
#define FANOUT_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "number.h"

enum where_op {
    WHERE_EQ, WHERE_NE, WHERE_LT, WHERE_LE, WHERE_GT, WHERE_GE,
    WHERE_MATCH, WHERE_NO_MATCH
};

/* Which text of a record a condition looks at. */
enum where_subject {
    WHERE_FIELD,        /* field mode: a field by number */
    WHERE_KEY,          /* key-value mode: the key */
    WHERE_VALUE,        /* key-value mode: the value, blanks trimmed */
};

struct where_cond {
    const char *text;           /* the --where argument as given */
    enum where_subject subject;
    size_t field;               /* WHERE_FIELD: 1-based, or from the end
                                   as record.h holds it, or 0 while the
                                   name awaits its field number */
    const char *name;           /* FIELD as given, into text */
    size_t name_len;
    enum where_op op;
    const char *value;          /* into text */
    size_t value_len;
    bool numeric;               /* value is a number: */
    struct number number;       /* its value */
};

/* Parses ARG, one --where argument that outlives OUT, for field mode or
 * key-value mode.  In field mode a FIELD that is not a number is taken as
 * a name, with field 0: only the caller knows the names (--log-format,
 * --header-in).  On failure writes why into WHY (WHY_SIZE bytes) and
 * returns false. */
bool where_parse(const char *arg, bool field_mode, struct where_cond *out,
                 char *why, size_t why_size);

/* Resolves the NAME_LEN bytes at NAME to what a condition looks at:
 * a field number, or in key-value mode key or value.  False if NAME
 * names nothing. */
bool where_field_of(const char *name, size_t name_len, bool field_mode,
                    enum where_subject *subject, size_t *field);

struct filter;

/* A filter for the COUNT conditions at CONDS, which must outlive it.
 * Returns NULL, with the reason in ERROR (ERROR_SIZE bytes), if a regular
 * expression cannot be compiled. */
struct filter *filter_new(const struct where_cond *conds, size_t count,
                          char *error, size_t error_size);
void filter_free(struct filter *f);

/* Whether the LEN bytes at TEXT meet condition I. */
bool filter_holds(struct filter *f, size_t i, const char *text, size_t len);

#endif
