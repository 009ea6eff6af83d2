/* format: result formatting: TSV, CSV and JSON Lines.  Writes the header
 * row and the row of one key in the format chosen with --format; which
 * keys are written and in what order is output's business. */
#ifndef FANOUT_FORMAT_H
#define FANOUT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "aggregate.h"

struct keystate;
struct writer;

/* The formats --format names. */
enum result_format { FORMAT_TSV, FORMAT_CSV, FORMAT_JSON };

struct format_def {
    const char *name;           /* as written in --format */
    enum result_format format;
    bool has_header;            /* --header may be used with it */
    const char *summary;        /* one line for --help */
};

extern const struct format_def format_defs[];
extern const size_t format_def_count;

/* The definition of FORMAT. */
const struct format_def *format_def_of(enum result_format format);

/* What every row of a run shares. */
struct format_layout {
    enum result_format format;
    size_t key_fields;              /* columns the key is split into; 0
                                       for none (--total) */
    const enum aggregate_op *ops;   /* the results, in --aggregate order */
    const char (*op_names)[AGGREGATE_NAME_SIZE];    /* as written */
    const struct number *op_ranks;  /* percentiles' ranks */
    const unsigned *op_slots;       /* their value slots (options.h) */
    const char *const *op_labels;   /* "OP:FIELD" for an operation that
                                       names its field, else NULL */
    size_t op_count;
    int decimals;                   /* --decimals, or -1 */
    /* The input's names of the key fields and the value field, for the
     * header; NULL entries (or NULL) where a field has none. */
    const char *const *key_names;
    const char *value_name;
};

/* Writes the LEN bytes at S as a JSON string: '"', '\\' and control
 * bytes escaped, valid UTF-8 unchanged, other bytes as U+FFFD (the rule
 * of JSON Lines keys). */
void format_json_string(struct writer *out, const char *s, size_t len);

/* Writes the row of column names: "key", or "key1" to "keyN" for a
 * composite key, or nothing without a key, then the operation names; the
 * key fields' own names instead where they have them, "sum(NAME)" for an
 * operation on a value field named NAME, and the label of an operation
 * that names its field.  Not for JSON. */
void format_header(struct writer *out, const struct format_layout *layout);

/* Writes the row of the key of LEN bytes at KEY, whose composite fields
 * are joined by RECORD_KEY_JOIN, with the results of A, the key's own
 * accumulator, and S, its further state (NULL for none); without key
 * columns, the results alone (in JSON, no "key" member). */
void format_row(struct writer *out, const struct format_layout *layout,
                const char *key, size_t len, const struct accum *a,
                const struct keystate *s);

#endif
