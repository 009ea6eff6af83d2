/* options: the command line, parsed with getopt_long into a config that
 * the rest of the program only reads. */
#ifndef FANOUT_OPTIONS_H
#define FANOUT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "filter.h"
#include "missing.h"
#include "format.h"
#include "order.h"
#include "progress.h"
#include "record.h"
#include "stats.h"
#include "timestamp.h"
#include "validate.h"

enum output_mode { OUTPUT_AGGREGATE, OUTPUT_ORDERED, OUTPUT_UNORDERED };

enum { OPTIONS_MAX_OPS = 64, OPTIONS_MAX_KEY_FIELDS = 64,
       OPTIONS_MAX_WHERE = 64 };

struct config {
    /* Input. */
    char **inputs;                  /* names as given; "-" is stdin */
    char **input_names;             /* the same, as messages show them
                                       (diag_name) */
    size_t input_count;
    char terminator;                /* '\n', or '\0' with --null-data */
    size_t max_record;              /* longest record kept, in bytes */
    struct record_format format;
    size_t key_fields[OPTIONS_MAX_KEY_FIELDS];
    const char *key_arg;            /* --key and --value as given: */
    const char *value_arg;          /* numbers or names */
    bool header_in;                 /* each input's first line names its
                                       fields */
    const char *time_arg;           /* --time as given: number or name */
    struct time_spec time;          /* how its field is read; now_ms is
                                       the run's start */
    bool total;                     /* --total, or --value without --key:
                                       one row for every record, no key */

    /* Validation. */
    struct rules rules;
    bool needs_value;               /* parse a value for every record */
    struct missing_tokens *na;      /* --na: values that mean none, or
                                       NULL */
    struct where_cond where[OPTIONS_MAX_WHERE];     /* --where, in order */
    size_t where_count;
    size_t where_fields[OPTIONS_MAX_WHERE + OPTIONS_MAX_OPS];
                                    /* their field numbers, then those of
                                       value slots 1 and up, which a
                                       record must have as well */
    bool has_since, has_until;      /* --since, --until: records count */
    int64_t since_ms, until_ms;     /* in [since, until), UTC */

    /* Rejections. */
    const char *rejects_path;       /* NULL for none */
    bool limit_errors;              /* --max-errors=N */
    uint64_t max_errors;
    bool limit_error_rate;          /* --max-errors=P% */
    struct number max_error_rate;   /* P, 0 to 100 */
    const char *max_error_text;     /* P as given, without the % */
    bool quiet;

    /* Output. */
    enum output_mode mode;
    bool partial;                   /* print partial aggregates */
    bool merge;                     /* inputs are partial aggregates */
    enum aggregate_op ops[OPTIONS_MAX_OPS];
    size_t op_count;
    /* Each operation's name as written (p99.9, median, sum) and, for a
     * percentile, its rank. */
    char op_names[OPTIONS_MAX_OPS][AGGREGATE_NAME_SIZE];
    struct number op_ranks[OPTIONS_MAX_OPS];
    int64_t bucket_ms;              /* --bucket: its width, or 0 */
    /* OP:FIELD: each operation's field as written (NULL for the --value
     * field), its field number once resolved (0 for the --value field),
     * and its value slot: 0 for the --value field, 1 and up for the
     * further fields in order of first mention, each with its own
     * accumulator per key if an operation reads its totals
     * (keystate.h). */
    char *op_args[OPTIONS_MAX_OPS];
    size_t op_fields[OPTIONS_MAX_OPS];
    unsigned op_slots[OPTIONS_MAX_OPS];
    size_t slot_fields[OPTIONS_MAX_OPS + 1];    /* by slot; [0] unused */
    unsigned slot_count;                        /* 1 + further fields */
    /* By slot: whether an operation reads the field as a number, and
     * whether one (distinct) reads it as text.  A further field read
     * only as text need not hold a number. */
    bool slot_number[OPTIONS_MAX_OPS + 1];
    bool slot_text[OPTIONS_MAX_OPS + 1];

    /* Result formatting: --format, --header, --sort, --top. */
    enum result_format result_format;
    bool header;                    /* a row of column names first */
    enum result_order order;
    uint64_t top;                   /* rows to print; 0 for all */
    int decimals;                   /* places of printed values; -1 for
                                       the key's scale */

    /* Concurrency. */
    unsigned jobs;
    unsigned queue_depth;
    size_t batch;
    size_t cache_keys;              /* keys a worker's table holds before
                                       it spills (FANOUT_CACHE_KEYS); 0
                                       for the worker's own choice */
    size_t cache_bytes;             /* bytes of state it holds so
                                       (FANOUT_CACHE_BYTES); 0 likewise */

    /* Watching a run. */
    enum stats_format stats;        /* --stats: report at the end */
    enum progress_when progress;    /* --progress: status line */
};

enum options_result {
    OPTIONS_RUN,            /* config is ready */
    OPTIONS_DONE,           /* --help or --version was written */
    OPTIONS_FAILED,         /* a usage error was reported */
    OPTIONS_WRITE_FAILED,   /* --help or --version could not be written */
};

enum options_result options_parse(int argc, char **argv, struct config *cfg);

struct header;

/* Numbers the value slots of CFG's operations from their field numbers
 * (op_fields) and the --value field, and notes how each slot is read
 * (slot_number, slot_text): the partial reader's way to the numbering
 * options_parse gives. */
void options_number_slots(struct config *cfg);

/* The name of operation I for --header and JSON: its own name, or with a
 * field of its own "OP:FIELD", FIELD the field's name where it has one
 * and its number otherwise; into NAME of SIZE bytes. */
void options_op_label(const struct config *cfg, size_t i, char *name,
                      size_t size);

/* With --header-in: turns --key, --value, --time, the fields of --where
 * and those of OP:FIELD into field numbers now that the first input has
 * given its header H, which must outlive CFG, and has H name the fields;
 * sets NAMED[i] for each key field, then the value field, then the time
 * field, then each field --where reads, then the field of each value
 * slot from 1 up, given as the name H has for it.  False after reporting
 * a usage error. */
bool options_resolve_names(struct config *cfg, const struct header *h,
                           bool *named);

#endif
