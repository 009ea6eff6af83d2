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

    /* Validation. */
    struct rules rules;
    bool needs_value;               /* parse a value for every record */
    struct missing_tokens *na;      /* --na: values that mean none, or
                                       NULL */
    struct where_cond where[OPTIONS_MAX_WHERE];     /* --where, in order */
    size_t where_count;
    size_t where_fields[OPTIONS_MAX_WHERE];         /* their field numbers */

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
                                       it spills (FANOUT_CACHE_KEYS) */

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

/* With --header-in: turns --key and --value into field numbers now that
 * the first input has given its header H, which must outlive CFG, and
 * has H name the fields; sets NAMED[i] for each key field, then the
 * value field, given as the name H has for it.  False after reporting a
 * usage error. */
bool options_resolve_names(struct config *cfg, const struct header *h,
                           bool *named);

#endif
