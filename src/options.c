/* options: the command line.  One table, option_defs, describes every
 * option; getopt_long's arrays, --help and the rules on which options
 * go together are read from it.  Parsing fills a config that the rest of
 * the program only reads. */
#include "config.h"

#include "options.h"
#include "diag.h"
#include "fieldscan.h"
#include "format.h"
#include "header.h"
#include "logformat.h"
#include "missing.h"
#include "order.h"
#include "timestamp.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_JOBS = 1024, MAX_QUEUE_DEPTH = 4096, MAX_FIELD = 100000 };
/* Digits after the point of --max-errors=P%: the rate test multiplies
 * counts by 10^scale in 128 bits. */
enum { MAX_RATE_SCALE = 18 };
static const size_t MAX_BATCH = (size_t)1 << 30;
static const size_t DEFAULT_BATCH = (size_t)1 << 20;
static const size_t DEFAULT_MAX_RECORD = (size_t)64 << 20;
/* The most keys, and bytes of their state, FANOUT_CACHE_KEYS and
 * FANOUT_CACHE_BYTES may ask a worker's own table to hold (worker.c
 * chooses when they are not set). */
enum { MAX_CACHE_KEYS = 1 << 30 };
static const unsigned long long MAX_CACHE_BYTES = 1ULL << 40;

/* Every option, in the order --help lists them.  The id indexes
 * option_defs; getopt_long returns OPTION_VAL_BASE + id for a long option
 * and the letter for a short one. */
enum option_id {
    OPT_DELIMITER,
    OPT_KEY,
    OPT_VALUE,
    OPT_NA,
    OPT_FIELD_SEPARATOR,
    OPT_CSV,
    OPT_QUOTED_FIELDS,
    OPT_LOG_FORMAT,
    OPT_HEADER_IN,
    OPT_TIME,
    OPT_TIME_FORMAT,
    OPT_NULL_DATA,
    OPT_MAX_RECORD,
    OPT_MIN,
    OPT_MAX,
    OPT_ABOVE,
    OPT_BELOW,
    OPT_KEY_MATCH,
    OPT_WHERE,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_REJECTS,
    OPT_MAX_ERRORS,
    OPT_QUIET,
    OPT_AGGREGATE,
    OPT_TOTAL,
    OPT_ORDERED,
    OPT_UNORDERED,
    OPT_BUCKET,
    OPT_PARTIAL,
    OPT_MERGE,
    OPT_FORMAT,
    OPT_HEADER,
    OPT_SORT,
    OPT_TOP,
    OPT_DECIMALS,
    OPT_JOBS,
    OPT_QUEUE_DEPTH,
    OPT_BATCH,
    OPT_STATS,
    OPT_PROGRESS,
    OPT_HELP,
    OPT_VERSION,
    OPTION_COUNT
};
enum { OPTION_VAL_BASE = 256 };

/* The headings of --help, in order; the last group has none. */
enum option_group {
    GROUP_INPUT,
    GROUP_VALIDATION,
    GROUP_REJECTIONS,
    GROUP_OUTPUT,
    GROUP_CONCURRENCY,
    GROUP_WATCHING,
    GROUP_INFORMATION,
    GROUP_COUNT
};

static const struct {
    const char *title;      /* NULL for none */
    const char *note;       /* a line after the group's options, or NULL */
} option_groups[GROUP_COUNT] = {
    [GROUP_INPUT]       = { "Input", NULL },
    [GROUP_VALIDATION]  = { "Validation", NULL },
    [GROUP_REJECTIONS]  = { "Rejections", NULL },
    [GROUP_OUTPUT]      = { "Output", NULL },
    [GROUP_CONCURRENCY] = { "Concurrency", NULL },
    [GROUP_WATCHING]    = { "Watching a run",
                            "SIGUSR1 (kill -USR1 PID) prints the statistics so far; the run goes on." },
    [GROUP_INFORMATION] = { NULL, NULL },
};

/* The fixed sets of words an option's value is taken from. */
enum value_set {
    VALUES_NONE,
    VALUES_AGGREGATES,      /* aggregate_defs, a comma-separated list */
    VALUES_FORMATS,         /* format_defs */
    VALUES_ORDERS,          /* order_defs */
    VALUES_STATS,           /* stats_words */
    VALUES_PROGRESS,        /* progress_words */
    VALUES_LOG_FORMATS,     /* log_format_defs */
    VALUES_TIME_FORMATS,    /* time_format_defs */
};

struct word_def {
    const char *name;
    const char *summary;    /* one line for --help */
};

/* --stats[=FORMAT], indexed by enum stats_format less one. */
static const struct word_def stats_words[] = {
    { "text", "lines of text (the default)" },
    { "json", "a JSON line: time, inputs, status, errors" },
};

/* --progress[=WHEN], indexed by enum progress_when. */
static const struct word_def progress_words[] = {
    [PROGRESS_NEVER]  = { "never",  "no status line" },
    [PROGRESS_AUTO]   = { "auto",   "only on a terminal (the default)" },
    [PROGRESS_ALWAYS] = { "always", "a status line, terminal or not" },
};

/* How an option may be combined with others. */
enum {
    WITH_MERGE = 1,         /* may be given with --merge */
    SHAPES_RESULTS = 2,     /* shapes final results: not with --ordered,
                               --unordered or --partial */
};

struct option_def {
    const char *name;           /* long name, without "--" */
    char letter;                /* short option, or 0 */
    int arg;                    /* getopt_long's has_arg */
    const char *metavar;        /* the value's name in --help */
    enum option_group group;
    unsigned flags;             /* WITH_MERGE, SHAPES_RESULTS */
    enum value_set values;      /* listed under the help text */
    const char *help;           /* --help text; '\n' starts a new line */
};

static const struct option_def option_defs[OPTION_COUNT] = {
    [OPT_DELIMITER] = { "delimiter", 'd', required_argument, "C", GROUP_INPUT,
        0, VALUES_NONE,
        "key-value delimiter, one byte (default ':');\n'\\t' means TAB" },
    [OPT_KEY] = { "key", 'k', required_argument, "LIST", GROUP_INPUT,
        0, VALUES_NONE,
        "field mode: the key is fields LIST (1-based,\n-1 the last; comma-separated, e.g. 1 or 1,-1;\nor names)" },
    [OPT_VALUE] = { "value", 'v', required_argument, "N", GROUP_INPUT,
        0, VALUES_NONE,
        "field mode: the value is field N (-1 the last;\nor a name); without --key, one row for all\nrecords" },
    [OPT_NA] = { "na", 0, optional_argument, "LIST", GROUP_INPUT,
        0, VALUES_NONE,
        "values in LIST, comma-separated, mean no value:\nthe record is counted, not summed (default:\nempty, -, N/A, NA, NULL, NaN, nan, null)" },
    [OPT_FIELD_SEPARATOR] = { "field-separator", 't', required_argument, "C",
        GROUP_INPUT, 0, VALUES_NONE,
        "field mode: split fields at each C\n(default: runs of blanks)" },
    [OPT_CSV] = { "csv", 0, no_argument, NULL, GROUP_INPUT,
        0, VALUES_NONE,
        "field mode: fields are CSV (RFC 4180), split\nat ',' or -t C; quoted fields may hold\nseparators, \"\" and line breaks" },
    [OPT_QUOTED_FIELDS] = { "quoted-fields", 0, no_argument, NULL,
        GROUP_INPUT, 0, VALUES_NONE,
        "field mode, blanks: a \"quoted\" or [bracketed]\ngroup is one field" },
    [OPT_LOG_FORMAT] = { "log-format", 0, required_argument, "FORMAT",
        GROUP_INPUT, 0, VALUES_LOG_FORMATS,
        "field mode: lines are web server access log\nlines, with named fields (man fanout); a line\nnot in FORMAT is rejected; FORMAT is:" },
    [OPT_HEADER_IN] = { "header-in", 0, no_argument, NULL, GROUP_INPUT,
        0, VALUES_NONE,
        "the first line of each input names its fields\nand is not a record; --key, --value and\n--where take the names" },
    [OPT_TIME] = { "time", 0, required_argument, "FIELD", GROUP_INPUT,
        0, VALUES_NONE,
        "field FIELD (a number or name) is the record's\ntime; a record without one is rejected" },
    [OPT_TIME_FORMAT] = { "time-format", 0, required_argument, "FORMAT",
        GROUP_INPUT, 0, VALUES_TIME_FORMATS,
        "how --time's field is written: a pattern of\nstrptime directives (%Y %y %m %d %e %j %H %M\n%S %b %h %z %T %F %s %%), or:" },
    [OPT_NULL_DATA] = { "null-data", 'z', no_argument, NULL, GROUP_INPUT,
        0, VALUES_NONE,
        "records end with NUL, not newline" },
    [OPT_MAX_RECORD] = { "max-record", 0, required_argument, "SIZE", GROUP_INPUT,
        0, VALUES_NONE,
        "reject records longer than SIZE bytes, K/M/G\nsuffixes (default 64M)" },
    [OPT_MIN] = { "min", 0, required_argument, "NUM", GROUP_VALIDATION,
        0, VALUES_NONE,
        "reject values less than NUM" },
    [OPT_MAX] = { "max", 0, required_argument, "NUM", GROUP_VALIDATION,
        0, VALUES_NONE,
        "reject values greater than NUM" },
    [OPT_ABOVE] = { "above", 0, required_argument, "NUM", GROUP_VALIDATION,
        0, VALUES_NONE,
        "reject values not greater than NUM" },
    [OPT_BELOW] = { "below", 0, required_argument, "NUM", GROUP_VALIDATION,
        0, VALUES_NONE,
        "reject values not less than NUM" },
    [OPT_KEY_MATCH] = { "key-match", 'm', required_argument, "REGEX",
        GROUP_VALIDATION, 0, VALUES_NONE,
        "reject keys that do not match the extended\nregular expression REGEX" },
    [OPT_WHERE] = { "where", 0, required_argument, "EXPR", GROUP_VALIDATION,
        0, VALUES_NONE,
        "count only records where EXPR, FIELD OP VALUE,\nholds; others are filtered, not rejected.\nFIELD: a field number (-1 the last) or name in\nfield mode, key or value in key-value mode; OP: = != <\n<= > >= (as numbers when both are), ~ !~\n(extended regular expression); every --where\nmust hold" },
    [OPT_SINCE] = { "since", 0, required_argument, "TIME", GROUP_VALIDATION,
        0, VALUES_NONE,
        "count only records whose --time is TIME or\nlater; TIME is ISO 8601 (2026-12-06T05:00:00Z)\nor before now: -15m, -2h, -1d; others are\nfiltered, not rejected" },
    [OPT_UNTIL] = { "until", 0, required_argument, "TIME", GROUP_VALIDATION,
        0, VALUES_NONE,
        "count only records whose --time is before TIME" },
    [OPT_REJECTS] = { "rejects", 'r', required_argument, "FILE", GROUP_REJECTIONS,
        0, VALUES_NONE,
        "write rejected records, unchanged, to FILE" },
    [OPT_MAX_ERRORS] = { "max-errors", 'e', required_argument, "N",
        GROUP_REJECTIONS, 0, VALUES_NONE,
        "stop with status 2 after more than N rejections;\nN% fails the run if more than N percent of\nall records are rejected" },
    [OPT_QUIET] = { "quiet", 'q', no_argument, NULL, GROUP_REJECTIONS,
        WITH_MERGE, VALUES_NONE,
        "report only the count of rejections" },
    [OPT_AGGREGATE] = { "aggregate", 'a', required_argument, "LIST", GROUP_OUTPUT,
        0, VALUES_AGGREGATES,
        "per-key results, comma-separated (default: sum);\nOP:FIELD in field mode works on FIELD instead\nof --value:" },
    [OPT_TOTAL] = { "total", 0, no_argument, NULL, GROUP_OUTPUT,
        0, VALUES_NONE,
        "one row of results for all records, without a\nkey column (--value without --key does the\nsame); with no record, count 0 and empty\nresults" },
    [OPT_ORDERED] = { "ordered", 'o', no_argument, NULL, GROUP_OUTPUT,
        0, VALUES_NONE,
        "no aggregation: write accepted records in input\norder" },
    [OPT_UNORDERED] = { "unordered", 'u', no_argument, NULL, GROUP_OUTPUT,
        0, VALUES_NONE,
        "like --ordered, in the order blocks finish" },
    [OPT_BUCKET] = { "bucket", 0, required_argument, "DURATION", GROUP_OUTPUT,
        0, VALUES_NONE,
        "the key starts with the start of the --time\nbucket of DURATION (30s, 5m, 1h, 1d), from the\nUnix epoch, as 2026-12-06T05:05:00Z" },
    [OPT_PARTIAL] = { "partial", 0, no_argument, NULL, GROUP_OUTPUT,
        WITH_MERGE, VALUES_NONE,
        "print partial aggregates for --merge" },
    [OPT_MERGE] = { "merge", 0, no_argument, NULL, GROUP_OUTPUT,
        WITH_MERGE, VALUES_NONE,
        "read partial aggregates from the FILEs and print\nthe final result (or, with --partial, one\npartial: a combiner)" },
    [OPT_FORMAT] = { "format", 0, required_argument, "FORMAT", GROUP_OUTPUT,
        WITH_MERGE | SHAPES_RESULTS, VALUES_FORMATS,
        "aggregate results as:" },
    [OPT_HEADER] = { "header", 0, no_argument, NULL, GROUP_OUTPUT,
        WITH_MERGE | SHAPES_RESULTS, VALUES_NONE,
        "a first row of column names (TSV and CSV)" },
    [OPT_SORT] = { "sort", 0, required_argument, "ORDER", GROUP_OUTPUT,
        WITH_MERGE | SHAPES_RESULTS, VALUES_ORDERS,
        "order of the keys:" },
    [OPT_TOP] = { "top", 0, required_argument, "N", GROUP_OUTPUT,
        WITH_MERGE | SHAPES_RESULTS, VALUES_NONE,
        "only the first N keys; without --sort, the N\nlargest by value" },
    [OPT_DECIMALS] = { "decimals", 0, required_argument, "N", GROUP_OUTPUT,
        WITH_MERGE | SHAPES_RESULTS, VALUES_NONE,
        "print every result but a count with N places,\nrounded half to even (0 to 38)" },
    [OPT_JOBS] = { "jobs", 'j', required_argument, "N", GROUP_CONCURRENCY,
        WITH_MERGE, VALUES_NONE,
        "worker threads (default: online processors)" },
    [OPT_QUEUE_DEPTH] = { "queue-depth", 0, required_argument, "N",
        GROUP_CONCURRENCY, WITH_MERGE, VALUES_NONE,
        "blocks waiting for a worker (default: 2 x jobs)" },
    [OPT_BATCH] = { "batch", 'b', required_argument, "SIZE", GROUP_CONCURRENCY,
        WITH_MERGE, VALUES_NONE,
        "block size in bytes, K/M/G suffixes (default 1M)" },
    [OPT_STATS] = { "stats", 0, optional_argument, "FORMAT", GROUP_WATCHING,
        0, VALUES_STATS,
        "at the end, print statistics on standard error:\ncounts, rejections by kind, bytes, time and\nwhere it went; with -q and json, all that\nstandard error holds; FORMAT is:" },
    [OPT_PROGRESS] = { "progress", 0, optional_argument, "WHEN", GROUP_WATCHING,
        0, VALUES_PROGRESS,
        "a status line on standard error:" },
    [OPT_HELP] = { "help", 'h', no_argument, NULL, GROUP_INFORMATION,
        WITH_MERGE, VALUES_NONE,
        "display this help and exit" },
    [OPT_VERSION] = { "version", 'V', no_argument, NULL, GROUP_INFORMATION,
        WITH_MERGE, VALUES_NONE,
        "output version information and exit" },
};

/* Word I of SET, with its summary in *SUMMARY; NULL past the last. */
static const char *value_word(enum value_set set, size_t i,
                              const char **summary)
{
    const struct word_def *words = NULL;
    size_t n = 0;
    switch (set) {
    case VALUES_NONE:
        return NULL;
    case VALUES_AGGREGATES:
        if (i >= aggregate_def_count)
            return NULL;
        *summary = aggregate_defs[i].summary;
        return aggregate_defs[i].name;
    case VALUES_FORMATS:
        if (i >= format_def_count)
            return NULL;
        *summary = format_defs[i].summary;
        return format_defs[i].name;
    case VALUES_ORDERS:
        if (i >= order_def_count)
            return NULL;
        *summary = order_defs[i].summary;
        return order_defs[i].name;
    case VALUES_LOG_FORMATS:
        if (i >= log_format_def_count)
            return NULL;
        *summary = log_format_defs[i].summary;
        return log_format_defs[i].name;
    case VALUES_TIME_FORMATS:
        if (i >= time_format_def_count)
            return NULL;
        *summary = time_format_defs[i].summary;
        return time_format_defs[i].name;
    case VALUES_STATS:
        words = stats_words;
        n = sizeof stats_words / sizeof *stats_words;
        break;
    case VALUES_PROGRESS:
        words = progress_words;
        n = sizeof progress_words / sizeof *progress_words;
        break;
    }
    if (i >= n)
        return NULL;
    *summary = words[i].summary;
    return words[i].name;
}

/* The id of the option getopt_long returned as C, or -1. */
static int option_id_of(int c)
{
    if (c >= OPTION_VAL_BASE && c < OPTION_VAL_BASE + OPTION_COUNT)
        return c - OPTION_VAL_BASE;
    for (int id = 0; id < OPTION_COUNT; id++)
        if (c != 0 && option_defs[id].letter == c)
            return id;
    return -1;
}

/* getopt_long's arrays, built from option_defs: LONGS has
 * OPTION_COUNT + 1 entries, SHORTS room for three bytes an option. */
static void build_getopt_arrays(struct option *longs, char *shorts)
{
    for (int id = 0; id < OPTION_COUNT; id++) {
        const struct option_def *o = &option_defs[id];
        longs[id] = (struct option){ o->name, o->arg, NULL,
                                     OPTION_VAL_BASE + id };
        if (o->letter) {
            *shorts++ = o->letter;
            if (o->arg == required_argument)
                *shorts++ = ':';
        }
    }
    longs[OPTION_COUNT] = (struct option){ NULL, 0, NULL, 0 };
    *shorts = '\0';
}

/* Help text starts in this column; values of a set two further in. */
enum { HELP_COLUMN = 27 };

/* Writes one option's lines of --help. */
static void print_option_help(const struct option_def *o)
{
    char name[64];
    if (o->arg == no_argument)
        snprintf(name, sizeof name, "--%s", o->name);
    else
        snprintf(name, sizeof name, o->arg == required_argument
                 ? "--%s=%s" : "--%s[=%s]", o->name, o->metavar);
    int width = o->letter ? printf("  -%c, %s", o->letter, name)
                          : printf("      %s", name);
    if (width >= HELP_COLUMN - 1) {
        putchar('\n');
        width = 0;
    }
    const char *line = o->help;
    for (;;) {
        size_t len = strcspn(line, "\n");
        printf("%*s%.*s\n", HELP_COLUMN - width, "", (int)len, line);
        width = 0;
        if (!line[len])
            break;
        line += len + 1;
    }
    const char *word, *summary;
    for (size_t i = 0; (word = value_word(o->values, i, &summary)); i++)
        printf("%*s%-6s %s\n", HELP_COLUMN + 2, "", word, summary);
}

static const char help_intro[] =
    "Usage: %s [OPTION]... [FILE]...\n"
    "Validate records from FILEs (standard input if none, or for -) on\n"
    "several threads, and print exact per-key aggregates or the accepted\n"
    "records themselves.  Records are lines; by default each is KEY:VALUE.\n";

static const char help_outro[] =
    "\n"
    "Exit status: 0 if every record was accepted, 1 if some were rejected,\n"
    "2 on trouble (bad usage, unreadable input, write error, --max-errors,\n"
    "records rejected and none accepted).\n"
    "Full documentation: man fanout\n";

/* Writes --help to standard output; false if it could not be written. */
static bool print_help(void)
{
    printf(help_intro, program_name);
    for (int g = 0; g < GROUP_COUNT; g++) {
        putchar('\n');
        if (option_groups[g].title)
            printf("%s:\n", option_groups[g].title);
        for (int id = 0; id < OPTION_COUNT; id++)
            if (option_defs[id].group == (enum option_group)g)
                print_option_help(&option_defs[id]);
        if (option_groups[g].note)
            printf("  %s\n", option_groups[g].note);
    }
    fputs(help_outro, stdout);
    return fflush(stdout) == 0 && !ferror(stdout);
}

static bool print_version(void)
{
    printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
    return fflush(stdout) == 0 && !ferror(stdout);
}

/* Reports ARG, escaped as messages show bytes, as a bad value of
 * --OPTION; WHY says what is wrong with it.  Returns false. */
static bool invalid(const char *option, const char *arg, const char *why)
{
    char *shown = diag_name(arg);
    diag_usage_error("invalid --%s value '%s': %s", option, shown, why);
    free(shown);
    return false;
}

/* The words of SET, joined by ", ", in OUT of SIZE bytes. */
static void list_words(enum value_set set, char *out, size_t size)
{
    const char *word, *summary;
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; (word = value_word(set, i, &summary)) && used < size;
         i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s",
                                 i ? ", " : "", word);
}

/* Reports WORD, which --OPTION (option ID) does not know, with the words
 * it does; WHAT names a value ("value", or "operation" in a list).
 * Returns false. */
static bool unknown_word(int id, const char *what, const char *word,
                         size_t len)
{
    char known[256];
    list_words(option_defs[id].values, known, sizeof known);
    char *copy = xmalloc(len + 1);
    memcpy(copy, word, len);
    copy[len] = '\0';
    char *shown = diag_name(copy);
    diag_usage_error("invalid --%s %s '%s' (known: %s)",
                     option_defs[id].name, what, shown, known);
    free(shown);
    free(copy);
    return false;
}

/* A plain decimal count in [LOW, HIGH]: digits only, no sign or blanks. */
static bool parse_count(const char *option, const char *arg,
                        uint64_t low, uint64_t high, uint64_t *out)
{
    if (!*arg || strspn(arg, "0123456789") != strlen(arg))
        return invalid(option, arg, "not a whole number");
    errno = 0;
    unsigned long long v = strtoull(arg, NULL, 10);
    char why[64];
    if (v < low) {
        snprintf(why, sizeof why, "less than %llu", (unsigned long long)low);
        return invalid(option, arg, why);
    }
    if (errno == ERANGE || v > high) {
        snprintf(why, sizeof why, "more than %llu", (unsigned long long)high);
        return invalid(option, arg, why);
    }
    *out = v;
    return true;
}

/* A size with an optional K, M or G (powers of 1024). */
static bool parse_size(const char *option, const char *arg, size_t *out)
{
    static const char not_size[] = "not a size (a whole number, then "
                                   "K, M or G if wanted)";
    size_t digits = strspn(arg, "0123456789");
    if (digits == 0)
        return invalid(option, arg, not_size);
    if (digits > 10)
        return invalid(option, arg, "more than 1G");
    unsigned long long v = strtoull(arg, NULL, 10);
    const char *suffix = arg + digits;
    unsigned shift = 0;
    if (*suffix) {
        const char *units = "KkMmGg";
        const char *u = strchr(units, *suffix);
        if (!u || suffix[1])
            return invalid(option, arg, not_size);
        shift = 10 * (unsigned)(1 + (u - units) / 2);
    }
    if (v == 0)
        return invalid(option, arg, "less than 1");
    if (v > (MAX_BATCH >> shift))
        return invalid(option, arg, "more than 1G");
    *out = (size_t)(v << shift);
    return true;
}

/* ARG, one of the words of the value set of option ID, as its index;
 * NULL (no argument given) stands for word DEFAULT_WORD. */
static bool parse_word(int id, const char *arg, size_t default_word,
                       size_t *out)
{
    if (!arg) {
        *out = default_word;
        return true;
    }
    const char *word, *summary;
    for (size_t i = 0;
         (word = value_word(option_defs[id].values, i, &summary)); i++)
        if (strcmp(arg, word) == 0) {
            *out = i;
            return true;
        }
    return unknown_word(id, "value", arg, strlen(arg));
}

/* --stats[=text|json]. */
static bool parse_stats(const char *arg, struct config *cfg)
{
    size_t i;
    if (!parse_word(OPT_STATS, arg, 0, &i))
        return false;
    cfg->stats = i == 0 ? STATS_TEXT : STATS_JSON;
    return true;
}

/* --progress[=never|auto|always]. */
static bool parse_progress(const char *arg, struct config *cfg)
{
    size_t i;
    if (!parse_word(OPT_PROGRESS, arg, PROGRESS_AUTO, &i))
        return false;
    cfg->progress = (enum progress_when)i;
    return true;
}

/* One byte, or the two characters \t for TAB. */
static bool parse_byte(const char *option, const char *arg, char *out)
{
    if (strcmp(arg, "\\t") == 0)
        *out = '\t';
    else if (arg[0] && !arg[1])
        *out = arg[0];
    else
        return invalid(option, arg, "not one byte (or \\t for TAB)");
    return true;
}

/* A count of rejections, or a percentage of records: N or P%. */
static bool parse_max_errors(const char *arg, struct config *cfg)
{
    size_t len = strlen(arg);
    if (len == 0 || arg[len - 1] != '%') {
        cfg->limit_errors = true;
        return parse_count("max-errors", arg, 0, UINT64_MAX,
                           &cfg->max_errors);
    }
    struct number *rate = &cfg->max_error_rate;
    if (len < 2 || arg[0] == '+' || arg[0] == '-'
        || number_parse(arg, len - 1, rate) != NUMBER_OK
        || rate->scale > MAX_RATE_SCALE
        || number_compare(*rate, (struct number){ 100, 0 }) > 0)
        return invalid("max-errors", arg,
                       "not a count, nor a percentage from 0 to 100");
    cfg->limit_error_rate = true;
    cfg->max_error_text = strndup(arg, len - 1);
    if (!cfg->max_error_text)
        diag_out_of_memory();
    return true;
}

/* The field number ITEM (LEN bytes) of --OPTION ARG names: a name of the
 * --log-format, or a number, negative to count from the end.  A line of
 * the log format, or the header H, has a known number of fields, so a
 * field from the end is the one it is there.  False after reporting why
 * not. */
static bool field_number(const struct config *cfg, const struct header *h,
                         const char *option, const char *arg,
                         const char *item, size_t len, size_t *out)
{
    const struct log_format_def *log = cfg->format.log;
    if (log && (*out = log_format_field(log, item, len)))
        return true;
    if (h && (*out = header_field(h, item, len)))
        return true;
    bool from_end = len > 1 && item[0] == '-';
    const char *number = item + from_end;
    size_t number_len = len - from_end;
    size_t digits = strspn(number, "0123456789");
    unsigned long field = digits == number_len && digits > 0 && digits <= 6
                        ? strtoul(number, NULL, 10) : 0;
    size_t known = 0;
    if (log)
        known = log->field_count;
    else if (h)
        header_names(h, &known);
    if (field >= 1 && field <= MAX_FIELD && !(log && field > known)
        && !(from_end && h && field > known)) {
        *out = !from_end ? field : known ? known + 1 - field : 0 - field;
        return true;
    }
    if (h && len > 0 && digits != number_len) {
        char names[1024];
        header_list(h, names, sizeof names);
        if (names[0])
            diag_usage_error("invalid --%s value '%s': the fields of %s are "
                             "%s", option, arg, cfg->input_names[0], names);
        else
            diag_usage_error("invalid --%s value '%s': %s has no header",
                             option, arg, cfg->input_names[0]);
        return false;
    }
    if ((log || (from_end && h)) && field > known) {
        char why[128];
        if (log)
            snprintf(why, sizeof why, "a %s log line has %zu fields",
                     log->name, known);
        else
            snprintf(why, sizeof why, "the header of %s has %zu fields",
                     cfg->input_names[0], known);
        return invalid(option, arg, why);
    }
    if (!log || len == 0 || digits == number_len)
        return invalid(option, arg, strcmp(option, "key") == 0
                       ? "not a list of field numbers from 1 to 100000 "
                         "or -1 to -100000, such as 1 or 1,-1"
                       : field == 0 && digits == number_len && len > 0
                       ? "0 is no field (the first is 1, the last -1)"
                       : digits == number_len && len > 0
                       ? (from_end ? "less than -100000" : "more than 100000")
                       : "not a whole number");
    /* A name the format lacks: say which it has. */
    char names[512] = "";
    for (size_t i = 0; i < log->field_count + LOG_DERIVED_COUNT; i++)
        if (log->names[i])
            snprintf(names + strlen(names), sizeof names - strlen(names),
                     "%s%s", names[0] ? ", " : "", log->names[i]);
    diag_usage_error("invalid --%s value '%s': the fields of the %s format "
                     "are %s", option, arg, log->name, names);
    return false;
}

/* Turns --key and --value, numbers or names (of the --log-format, or of
 * the header H if not NULL), into field numbers. */
static bool resolve_fields(struct config *cfg, const struct header *h)
{
    const char *p = cfg->key_arg;
    cfg->format.key_field_count = 0;
    while (p) {
        size_t len = strcspn(p, ",");
        if (cfg->format.key_field_count == OPTIONS_MAX_KEY_FIELDS)
            return invalid("key", cfg->key_arg, "more than 64 fields");
        if (!field_number(cfg, h, "key", cfg->key_arg, p, len,
                          &cfg->key_fields[cfg->format.key_field_count]))
            return false;
        cfg->format.key_field_count++;
        p = p[len] == '\0' ? NULL : p + len + 1;
    }
    cfg->format.key_fields = cfg->key_fields;
    if (cfg->time_arg
        && !field_number(cfg, h, "time", cfg->time_arg, cfg->time_arg,
                         strlen(cfg->time_arg), &cfg->format.time_field))
        return false;
    if (cfg->value_arg
        && !field_number(cfg, h, "value", cfg->value_arg, cfg->value_arg,
                         strlen(cfg->value_arg), &cfg->format.value_field))
        return false;
    for (size_t i = 0; i < cfg->op_count; i++) {
        const char *arg = cfg->op_args[i];
        cfg->op_fields[i] = 0;
        if (!arg)
            continue;
        char shown[256];        /* OP:FIELD, as the messages name it */
        snprintf(shown, sizeof shown, "%s:%s", cfg->op_names[i], arg);
        if (!field_number(cfg, h, "aggregate", shown, arg, strlen(arg),
                          &cfg->op_fields[i]))
            return false;
    }
    options_number_slots(cfg);
    return true;
}

/* Notes the fields a record must have beyond its key and value: those
 * --where reads, then those of value slots 1 and up. */
static void note_extra_fields(struct config *cfg)
{
    struct record_format *f = &cfg->format;
    size_t n = 0;
    for (size_t i = 0; i < cfg->where_count; i++)
        if (cfg->where[i].subject == WHERE_FIELD)
            cfg->where_fields[n++] = cfg->where[i].field;
    for (unsigned slot = 1; slot < cfg->slot_count; slot++)
        cfg->where_fields[n++] = cfg->slot_fields[slot];
    f->where_fields = cfg->where_fields;
    f->where_field_count = n;
}

/* Whether item I of the comma-separated LIST is NAME. */
static bool item_is(const char *list, size_t i, const char *name)
{
    for (; i > 0; i--)
        list += strcspn(list, ",") + 1;
    size_t len = strcspn(list, ",");
    return strlen(name) == len && memcmp(list, name, len) == 0;
}

static bool resolve_where(struct config *cfg, const struct header *h);
static void settle_value_text(struct config *cfg);

bool options_resolve_names(struct config *cfg, const struct header *h,
                           bool *named)
{
    if (!cfg->format.field_mode)
        return true;
    if (!resolve_fields(cfg, h))
        return false;
    const struct record_format *f = &cfg->format;
    size_t count;
    const char *const *names = header_names(h, &count);
    for (size_t i = 0; i <= f->key_field_count; i++) {
        size_t n = i < f->key_field_count ? f->key_fields[i] : f->value_field;
        named[i] = n >= 1 && n <= count
                && (i < f->key_field_count
                    ? item_is(cfg->key_arg, i, names[n - 1])
                    : item_is(cfg->value_arg, 0, names[n - 1]));
    }
    size_t t = f->time_field;
    named[f->key_field_count + 1] = t >= 1 && t <= count
                                 && strcmp(cfg->time_arg, names[t - 1]) == 0;
    if (!resolve_where(cfg, h))
        return false;
    size_t n = f->key_field_count + 2;
    for (size_t i = 0; i < cfg->where_count; i++) {
        const struct where_cond *c = &cfg->where[i];
        if (c->subject != WHERE_FIELD)
            continue;
        named[n++] = c->field <= count
                  && strlen(names[c->field - 1]) == c->name_len
                  && memcmp(names[c->field - 1], c->name, c->name_len) == 0;
    }
    for (unsigned slot = 1; slot < cfg->slot_count; slot++) {
        size_t field = cfg->slot_fields[slot];
        bool *by_name = &named[n + slot - 1];
        *by_name = false;
        for (size_t i = 0; i < cfg->op_count && field <= count; i++)
            if (cfg->op_slots[i] == slot && cfg->op_args[i])
                *by_name |= strcmp(cfg->op_args[i], names[field - 1]) == 0;
    }
    cfg->format.field_names = names;
    cfg->format.field_name_count = count;
    note_extra_fields(cfg);
    if (cfg->value_arg)
        settle_value_text(cfg);
    return true;
}

static bool parse_log_format(const char *arg, struct config *cfg)
{
    size_t i;
    if (!parse_word(OPT_LOG_FORMAT, arg, 0, &i))
        return false;
    const struct log_format_def *def = &log_format_defs[i];
    cfg->format.log = def;
    cfg->format.quoted_groups = true;
    cfg->format.field_names = def->names;
    cfg->format.field_name_count = def->field_count + LOG_DERIVED_COUNT;
    return true;
}

/* --time-format: one of the named formats, or a pattern of directives. */
static bool parse_time_format(const char *arg, struct config *cfg)
{
    const char *word, *summary;
    for (size_t i = 0;
         (word = value_word(VALUES_TIME_FORMATS, i, &summary)); i++)
        if (strcmp(arg, word) == 0) {
            cfg->time.format = time_format_defs[i].format;
            return true;
        }
    const char *why;
    if (!strchr(arg, '%')) {
        char known[256];
        list_words(VALUES_TIME_FORMATS, known, sizeof known);
        char *shown = diag_name(arg);
        diag_usage_error("invalid --time-format value '%s' (known: %s, or a "
                         "pattern such as '%%d.%%m.%%Y %%H:%%M')", shown,
                         known);
        free(shown);
        return false;
    }
    if (!time_pattern_check(arg, &why))
        return invalid("time-format", arg, why);
    cfg->time.format = TIME_PATTERN;
    cfg->time.pattern = arg;
    return true;
}

static bool parse_bucket(const char *arg, struct config *cfg)
{
    const char *why;
    if (!time_parse_duration(arg, &cfg->bucket_ms, &why))
        return invalid("bucket", arg, why);
    return true;
}

/* --since or --until (option ID) as a time in UTC, now known. */
static bool parse_time_bound(int id, const char *arg, int64_t now_ms,
                             int64_t *out)
{
    const char *why;
    if (!time_parse_bound(arg, now_ms, out, &why))
        return invalid(option_defs[id].name, arg, why);
    return true;
}

/* The time settings go with --time, which puts the run in field mode:
 * without --key the time bucket is the whole key.  SEEN tells which
 * options were given. */
static bool settle_time(struct config *cfg, const bool *seen)
{
    static const int needs_time[] = { OPT_TIME_FORMAT, OPT_BUCKET,
                                      OPT_SINCE, OPT_UNTIL };
    for (size_t i = 0; i < sizeof needs_time / sizeof *needs_time; i++)
        if (!cfg->time_arg && seen[needs_time[i]]) {
            diag_usage_error("--%s requires --time",
                             option_defs[needs_time[i]].name);
            return false;
        }
    if (!cfg->time_arg)
        return true;
    if (!cfg->key_arg && cfg->mode == OUTPUT_AGGREGATE && !cfg->bucket_ms) {
        diag_usage_error("--time without --key requires --bucket");
        return false;
    }
    cfg->format.field_mode = true;
    cfg->format.time_key = cfg->bucket_ms > 0
                        && cfg->mode == OUTPUT_AGGREGATE;
    return true;
}

static bool parse_ops(const char *arg, struct config *cfg)
{
    const char *p = arg;
    for (size_t i = 0; i < cfg->op_count; i++) {
        free(cfg->op_args[i]);
        cfg->op_args[i] = NULL;
    }
    cfg->op_count = 0;
    for (;;) {
        size_t len = strcspn(p, ",");
        size_t name_len = strcspn(p, ",:");
        const char *why;
        struct number rank = { 0 };
        const struct aggregate_def *def = aggregate_parse(p, name_len, &rank,
                                                          &why);
        if (!def && why) {
            char shown[AGGREGATE_NAME_SIZE + 16];
            snprintf(shown, sizeof shown, "%.*s",
                     (int)(name_len < AGGREGATE_NAME_SIZE ? name_len
                                                          : AGGREGATE_NAME_SIZE),
                     p);
            return invalid("aggregate", shown, why);
        }
        if (!def)
            return unknown_word(OPT_AGGREGATE, "operation", p, name_len);
        if (cfg->op_count == OPTIONS_MAX_OPS)
            return invalid("aggregate", arg, "more than 64 operations");
        if (name_len < len) {
            if (!def->needs_value)
                return invalid("aggregate", arg, "count takes no field");
            if (name_len + 1 == len)
                return invalid("aggregate", arg, "no field after ':'");
            cfg->op_args[cfg->op_count] = strndup(p + name_len + 1,
                                                  len - name_len - 1);
            if (!cfg->op_args[cfg->op_count])
                diag_out_of_memory();
        }
        memcpy(cfg->op_names[cfg->op_count], p, name_len);
        cfg->op_names[cfg->op_count][name_len] = '\0';
        cfg->op_ranks[cfg->op_count] = rank;
        cfg->ops[cfg->op_count++] = def->op;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return true;
}

void options_number_slots(struct config *cfg)
{
    size_t value = cfg->format.field_mode ? cfg->format.value_field : 0;
    cfg->slot_count = 1;
    for (size_t i = 0; i < cfg->op_count; i++) {
        size_t field = cfg->op_fields[i];
        unsigned slot = 0;
        if (field != 0 && field != value) {
            for (slot = 1; slot < cfg->slot_count
                           && cfg->slot_fields[slot] != field; slot++)
                ;
            if (slot == cfg->slot_count)
                cfg->slot_fields[cfg->slot_count++] = field;
        }
        cfg->op_slots[i] = slot;
    }
    for (unsigned slot = 0; slot < cfg->slot_count; slot++)
        cfg->slot_number[slot] = cfg->slot_text[slot] = false;
    for (size_t i = 0; i < cfg->op_count; i++) {
        const struct aggregate_def *def = aggregate_def_of(cfg->ops[i]);
        if (def->text)
            cfg->slot_text[cfg->op_slots[i]] = true;
        else if (def->needs_value)
            cfg->slot_number[cfg->op_slots[i]] = true;
    }
}

void options_op_label(const struct config *cfg, size_t i, char *name,
                      size_t size)
{
    const char *op = cfg->op_names[i];
    size_t field = cfg->op_fields[i];
    const struct record_format *f = &cfg->format;
    if (field == 0)
        snprintf(name, size, "%s", op);
    else if (field <= f->field_name_count && f->field_names[field - 1])
        snprintf(name, size, "%s:%s", op, f->field_names[field - 1]);
    else if (record_from_end(field))
        snprintf(name, size, "%s:-%zu", op, record_depth(field));
    else
        snprintf(name, size, "%s:%zu", op, field);
}

static bool parse_bound(enum bound_kind kind, const char *arg,
                        struct config *cfg)
{
    struct bound *b = &cfg->rules.bounds[kind];
    enum number_status status = number_parse(arg, strlen(arg), &b->limit);
    if (status != NUMBER_OK)
        return invalid(bound_defs[kind].option, arg,
                       number_status_reason(status));
    b->set = true;
    b->text = arg;
    return true;
}

static bool check_pattern(const char *pattern)
{
    char error[256];
    struct key_matcher *m = key_matcher_new(pattern, error, sizeof error);
    if (!m) {
        diag_usage_error("invalid --key-match value '%s': %s", pattern, error);
        return false;
    }
    key_matcher_free(m);
    return true;
}

/* Gives each --where condition on a field its field number, and notes
 * the fields they read: names of the --log-format, or of the header H if
 * not NULL, and numbers.  False after reporting a usage error. */
static bool resolve_where(struct config *cfg, const struct header *h)
{
    struct record_format *f = &cfg->format;
    f->where_field_count = 0;
    for (size_t i = 0; i < cfg->where_count; i++) {
        struct where_cond *c = &cfg->where[i];
        if (c->subject != WHERE_FIELD)
            continue;
        /* A header's name that looks like a number means its column,
         * and a log line has only so many fields, as for --key and
         * --value. */
        if ((c->field == 0 || h || f->log)
            && !field_number(cfg, h, "where", c->text, c->name, c->name_len,
                             &c->field))
            return false;
        cfg->where_fields[f->where_field_count++] = c->field;
    }
    f->where_fields = cfg->where_fields;
    return true;
}

/* Parses the --where arguments, kept in cfg->where[].text, now that the
 * mode says what a field name means; with --header-in the names wait
 * for the first header. */
static bool settle_where(struct config *cfg)
{
    struct record_format *f = &cfg->format;
    for (size_t i = 0; i < cfg->where_count; i++) {
        char why[256];
        struct where_cond *c = &cfg->where[i];
        const char *arg = c->text;
        if (!where_parse(arg, f->field_mode, c, why, sizeof why))
            return invalid("where", arg, why);
        if (c->subject == WHERE_FIELD && c->field == 0 && !f->log
            && !cfg->header_in) {
            snprintf(why, sizeof why, "no field '%.*s' (a field number)",
                     (int)c->name_len, c->name);
            return invalid("where", arg, why);
        }
    }
    f->where_field_count = 0;
    f->where_fields = cfg->where_fields;
    return cfg->header_in && f->field_mode ? true : resolve_where(cfg, NULL);
}

/* --csv splits fields at ',' unless -t says otherwise, at a byte that
 * cannot also quote or end a record.  SEEN tells which options were
 * given. */
static bool check_csv(struct config *cfg, const bool *seen)
{
    cfg->format.blank_separated = false;
    if (!seen[OPT_FIELD_SEPARATOR])
        cfg->format.field_separator = ',';
    char c = cfg->format.field_separator;
    if (c == '"' || c == cfg->terminator) {
        diag_usage_error("--field-separator cannot be %s with --csv",
                         c == '"' ? "'\"'" : "the record terminator");
        return false;
    }
    return true;
}

/* Whether some operation or bound of CFG reads the value as a number. */
static bool results_need_value(const struct config *cfg)
{
    for (size_t i = 0; i < cfg->op_count; i++)
        if (aggregate_def_of(cfg->ops[i])->needs_value
            && !aggregate_def_of(cfg->ops[i])->text)
            return true;
    for (int k = 0; k < BOUND_KINDS; k++)
        if (cfg->rules.bounds[k].set)
            return true;
    return false;
}

/* A --value field that only distinct reads is text: it need not be a
 * number, unless a bound applies to it.  Once the slots are numbered. */
static void settle_value_text(struct config *cfg)
{
    if (!cfg->slot_text[0] || cfg->slot_number[0])
        return;
    for (int k = 0; k < BOUND_KINDS; k++)
        if (cfg->rules.bounds[k].set)
            return;
    cfg->needs_value = false;
}

/* --value without --key is field mode too, with no key: like --total,
 * one row for all records.  Checks where a run without a key makes no
 * sense.  SEEN tells which options were given. */
static bool check_total(struct config *cfg, const bool *seen)
{
    if (cfg->value_arg)
        cfg->format.field_mode = true;
    if (cfg->total && cfg->key_arg) {
        diag_usage_error("--total cannot be used with --key");
        return false;
    }
    if (cfg->total && cfg->mode != OUTPUT_AGGREGATE) {
        diag_usage_error("--total cannot be used with --ordered or --unordered");
        return false;
    }
    if (cfg->total && cfg->format.time_key) {
        diag_usage_error("--total cannot be used with --bucket");
        return false;
    }
    /* With --bucket the bucket's start is the key. */
    if (cfg->format.field_mode && !cfg->key_arg && !cfg->format.time_key) {
        if (seen[OPT_KEY_MATCH]) {
            diag_usage_error("--key-match requires --key in field mode");
            return false;
        }
        cfg->total = cfg->mode == OUTPUT_AGGREGATE;
    }
    return true;
}

/* Checks that the options given make sense together and derives what
 * follows from them.  SEEN tells which options were given. */
static bool settle(struct config *cfg, const bool *seen)
{
    bool ordered = seen[OPT_ORDERED], unordered = seen[OPT_UNORDERED];
    if (ordered && unordered) {
        diag_usage_error("--ordered and --unordered are mutually exclusive");
        return false;
    }
    cfg->mode = ordered ? OUTPUT_ORDERED
              : unordered ? OUTPUT_UNORDERED : OUTPUT_AGGREGATE;
    if (!settle_time(cfg, seen))
        return false;
    if (cfg->partial && cfg->mode != OUTPUT_AGGREGATE) {
        diag_usage_error("--partial cannot be used with --ordered or --unordered");
        return false;
    }
    if (seen[OPT_AGGREGATE] && cfg->mode != OUTPUT_AGGREGATE) {
        diag_usage_error("--aggregate cannot be used with --ordered or --unordered");
        return false;
    }
    if (!check_total(cfg, seen))
        return false;
    if (!cfg->format.field_mode) {
        for (size_t i = 0; i < cfg->op_count; i++)
            if (cfg->op_args[i]) {
                diag_usage_error("invalid --aggregate value '%s:%s': an "
                                 "operation names a field only in field "
                                 "mode (--key or --value); in key-value "
                                 "mode the value is the only field",
                                 cfg->op_names[i],
                                 cfg->op_args[i]);
                return false;
            }
        for (int id = OPT_FIELD_SEPARATOR; id <= OPT_LOG_FORMAT; id++)
            if (seen[id]) {
                diag_usage_error("--%s requires --key or --value",
                                 option_defs[id].name);
                return false;
            }
        options_number_slots(cfg);
        /* Counting needs no number, so that lines such as apt's
         * "Start-Date: 2024-05-02  10:01:12" can be counted by key, nor
         * does distinct, which reads the value as text. */
        cfg->needs_value = cfg->mode != OUTPUT_AGGREGATE
                        || results_need_value(cfg);
    } else {
        if (cfg->format.quoted_groups && seen[OPT_FIELD_SEPARATOR]) {
            diag_usage_error("--%s cannot be used with --field-separator",
                             seen[OPT_LOG_FORMAT] ? "log-format"
                                                  : "quoted-fields");
            return false;
        }
        if (cfg->format.quoted_groups && cfg->format.csv) {
            diag_usage_error("--%s cannot be used with --csv",
                             seen[OPT_LOG_FORMAT] ? "log-format"
                                                  : "quoted-fields");
            return false;
        }
        if (seen[OPT_HEADER_IN] && seen[OPT_LOG_FORMAT]) {
            diag_usage_error("--header-in cannot be used with --log-format");
            return false;
        }
        /* With --header-in the names wait for the first header. */
        if (!cfg->header_in && !resolve_fields(cfg, NULL))
            return false;
        if (seen[OPT_DELIMITER]) {
            diag_usage_error("--delimiter cannot be used with --%s",
                             cfg->key_arg ? "key" : "value");
            return false;
        }
        cfg->needs_value = cfg->value_arg != NULL;
        if (cfg->needs_value && !cfg->header_in)
            settle_value_text(cfg);
        if (!cfg->value_arg) {
            for (size_t i = 0; cfg->mode == OUTPUT_AGGREGATE
                               && i < cfg->op_count; i++)
                if (aggregate_def_of(cfg->ops[i])->needs_value
                    && !cfg->op_args[i]) {
                    diag_usage_error("--aggregate=%s requires --value in field mode",
                                     cfg->op_names[i]);
                    return false;
                }
            for (int k = 0; k < BOUND_KINDS; k++)
                if (cfg->rules.bounds[k].set) {
                    diag_usage_error("--%s requires --value in field mode",
                                     bound_defs[k].option);
                    return false;
                }
        }
    }
    if (cfg->format.csv && !check_csv(cfg, seen))
        return false;
    if (!settle_where(cfg))
        return false;
    /* Every variant gives the same results; the variable is there so
     * that the tests can run each one. */
    char why[160];
    cfg->format.scan = fieldscan_choose(getenv(FIELDSCAN_ENV), why,
                                        sizeof why);
    if (!cfg->format.scan) {
        diag_error("%s", why);
        return false;
    }
    note_extra_fields(cfg);
    if (cfg->queue_depth == 0)
        cfg->queue_depth = cfg->jobs * 2 > MAX_QUEUE_DEPTH
                         ? MAX_QUEUE_DEPTH : cfg->jobs * 2;
    return true;
}

/* --merge reads partial aggregates, whose records are already parsed,
 * checked and aggregated: the options for those steps make no sense with
 * it.  SEEN tells which options were given. */
static bool check_merge(const bool *seen)
{
    for (int id = 0; id < OPTION_COUNT; id++)
        if (seen[id] && !(option_defs[id].flags & WITH_MERGE)) {
            diag_usage_error("--%s cannot be used with --merge",
                             option_defs[id].name);
            return false;
        }
    return true;
}

/* --format, --header, --sort and --top shape the final results, so they
 * need results: not --ordered or --unordered output, nor a partial, which
 * a merge formats in the end.  SEEN tells which options were given. */
static bool check_result_options(struct config *cfg, const bool *seen)
{
    for (int id = 0; id < OPTION_COUNT; id++) {
        if (!seen[id] || !(option_defs[id].flags & SHAPES_RESULTS))
            continue;
        if (cfg->mode != OUTPUT_AGGREGATE) {
            diag_usage_error("--%s cannot be used with --ordered or --unordered",
                             option_defs[id].name);
            return false;
        }
        if (cfg->partial) {
            diag_usage_error("--%s cannot be used with --partial",
                             option_defs[id].name);
            return false;
        }
    }
    if (cfg->header && !format_def_of(cfg->result_format)->has_header) {
        diag_usage_error("--header cannot be used with --format=%s",
                         format_def_of(cfg->result_format)->name);
        return false;
    }
    if (cfg->top && !seen[OPT_SORT])
        cfg->order = SORT_VALUE;        /* top talkers */
    return true;
}

/* "-" means standard input or output elsewhere, but standard output has
 * a use of its own and the rejects would run into it: no meaning at all
 * is safer than a file named "-" no one expects. */
static bool check_rejects(const char *path)
{
    if (strcmp(path, "-") == 0) {
        diag_usage_error("invalid --rejects value '-': use ./- for a file "
                         "named -");
        return false;
    }
    return true;
}

static bool parse_format(const char *arg, struct config *cfg)
{
    size_t i;
    if (!parse_word(OPT_FORMAT, arg, 0, &i))
        return false;
    cfg->result_format = format_defs[i].format;
    return true;
}

static bool parse_order(const char *arg, struct config *cfg)
{
    size_t i;
    if (!parse_word(OPT_SORT, arg, 0, &i))
        return false;
    cfg->order = order_defs[i].order;
    return true;
}

/* Whether the command line asks for standard error to hold nothing but
 * JSON Lines (--quiet and --stats=json), and whether for a JSON record
 * at all: known before the options are parsed one by one, so that a
 * usage error anywhere on the line goes into the record.  The scan is
 * getopt_long's own, silent; the parse that follows starts afresh. */
static void scan_for_json(int argc, char **argv, const struct option *longs,
                          const char *shorts, struct config *cfg)
{
    bool quiet = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        int id = option_id_of(c);
        if (id == OPT_QUIET)
            quiet = true;
        else if (id == OPT_STATS)
            cfg->stats = optarg && strcmp(optarg, "json") == 0
                       ? STATS_JSON : STATS_TEXT;
    }
    if (quiet && cfg->stats == STATS_JSON)
        diag_hold();
    opterr = !diag_holding();
    optind = 0;             /* glibc and musl: a new scan, from the top */
}

/* The usage error getopt_long found when it was told to keep quiet: its
 * own words, for the run's JSON record.  ARG is the argument it stopped
 * at. */
static void report_getopt_error(const char *arg)
{
    bool long_form = strncmp(arg, "--", 2) == 0;
    int id = optopt ? option_id_of(optopt) : -1;
    if (id < 0 && long_form)
        diag_error("unrecognized option '%s'", arg);
    else if (id < 0)
        diag_error("invalid option -- '%c'", optopt);
    else if (!long_form)
        diag_error("option requires an argument -- '%c'", optopt);
    else if (option_defs[id].arg == no_argument)
        diag_error("option '--%s' doesn't allow an argument",
                   option_defs[id].name);
    else
        diag_error("option '--%s' requires an argument",
                   option_defs[id].name);
}

/* What a worker's table holds, from the environment's variable NAME
 * (FANOUT_CACHE_KEYS, FANOUT_CACHE_BYTES), in *SIZE: 0 if unset, for the
 * worker's choice.  For tests, so that a small input can make tables
 * spill often.  False after reporting a bad setting: not a number of
 * UNITS from 1 to MOST. */
static bool cache_setting(const char *name, const char *units,
                          unsigned long long most, size_t *size)
{
    const char *setting = getenv(name);
    *size = 0;
    if (!setting)
        return true;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(setting, &end, 10);
    if (setting[0] < '0' || setting[0] > '9' || *end || errno || n == 0
        || n > most) {
        diag_error("invalid %s value '%s': a number of %s from 1 to %llu",
                   name, setting, units, most);
        return false;
    }
    *size = (size_t)n;
    return true;
}

static unsigned default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > MAX_JOBS ? MAX_JOBS : (unsigned)n;
}

enum options_result options_parse(int argc, char **argv, struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->terminator = '\n';
    cfg->format.delimiter = ':';
    cfg->format.blank_separated = true;
    cfg->ops[0] = OP_SUM;
    strcpy(cfg->op_names[0], "sum");
    cfg->op_count = 1;
    cfg->slot_count = 1;
    cfg->jobs = default_jobs();
    cfg->batch = DEFAULT_BATCH;
    cfg->max_record = DEFAULT_MAX_RECORD;
    cfg->decimals = -1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    cfg->time.now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;

    struct option longs[OPTION_COUNT + 1];
    char shorts[3 * OPTION_COUNT + 1];
    build_getopt_arrays(longs, shorts);

    /* getopt_long names the program by argv[0] in its messages; make them
     * look like every other message, whatever path ran us. */
    argv[0] = (char *)program_name;
    scan_for_json(argc, argv, longs, shorts, cfg);

    bool seen[OPTION_COUNT] = { false };
    uint64_t n;
    int c;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        int id = option_id_of(c);
        if (id < 0) {
            /* getopt_long has said what was wrong, unless told not to. */
            if (!opterr)
                report_getopt_error(argv[optind - 1]);
            diag_try_help();
            return OPTIONS_FAILED;
        }
        seen[id] = true;
        const char *name = option_defs[id].name;
        bool ok = true;
        switch ((enum option_id)id) {
        case OPT_DELIMITER:
            ok = parse_byte(name, optarg, &cfg->format.delimiter);
            break;
        case OPT_KEY:
            cfg->key_arg = optarg;
            cfg->format.field_mode = true;
            break;
        case OPT_VALUE:
            cfg->value_arg = optarg;
            break;
        case OPT_NA:
            missing_tokens_free(cfg->na);
            cfg->na = missing_tokens_new(optarg);
            break;
        case OPT_FIELD_SEPARATOR:
            ok = parse_byte(name, optarg, &cfg->format.field_separator);
            cfg->format.blank_separated = false;
            break;
        case OPT_CSV:
            cfg->format.csv = true;
            break;
        case OPT_QUOTED_FIELDS:
            cfg->format.quoted_groups = true;
            break;
        case OPT_LOG_FORMAT:
            ok = parse_log_format(optarg, cfg);
            break;
        case OPT_HEADER_IN:
            cfg->header_in = true;
            break;
        case OPT_TIME:
            cfg->time_arg = optarg;
            break;
        case OPT_TIME_FORMAT:
            ok = parse_time_format(optarg, cfg);
            break;
        case OPT_SINCE:
            ok = parse_time_bound(id, optarg, cfg->time.now_ms,
                                  &cfg->since_ms);
            cfg->has_since = true;
            break;
        case OPT_UNTIL:
            ok = parse_time_bound(id, optarg, cfg->time.now_ms,
                                  &cfg->until_ms);
            cfg->has_until = true;
            break;
        case OPT_BUCKET:
            ok = parse_bucket(optarg, cfg);
            break;
        case OPT_NULL_DATA:
            cfg->terminator = '\0';
            break;
        case OPT_MAX_RECORD:
            ok = parse_size(name, optarg, &cfg->max_record);
            break;
        case OPT_MIN:
            ok = parse_bound(BOUND_MIN, optarg, cfg);
            break;
        case OPT_MAX:
            ok = parse_bound(BOUND_MAX, optarg, cfg);
            break;
        case OPT_ABOVE:
            ok = parse_bound(BOUND_ABOVE, optarg, cfg);
            break;
        case OPT_BELOW:
            ok = parse_bound(BOUND_BELOW, optarg, cfg);
            break;
        case OPT_KEY_MATCH:
            ok = check_pattern(optarg);
            cfg->rules.key_pattern = optarg;
            break;
        case OPT_WHERE:
            if (cfg->where_count == OPTIONS_MAX_WHERE)
                ok = invalid(name, optarg, "more than 64 conditions");
            else
                cfg->where[cfg->where_count++].text = optarg;
            break;
        case OPT_REJECTS:
            ok = check_rejects(optarg);
            cfg->rejects_path = optarg;
            break;
        case OPT_MAX_ERRORS:
            cfg->limit_errors = cfg->limit_error_rate = false;
            ok = parse_max_errors(optarg, cfg);
            break;
        case OPT_QUIET:
            cfg->quiet = true;
            break;
        case OPT_AGGREGATE:
            ok = parse_ops(optarg, cfg);
            break;
        case OPT_TOTAL:
            cfg->total = true;
            break;
        case OPT_ORDERED:
        case OPT_UNORDERED:
            break;
        case OPT_PARTIAL:
            cfg->partial = true;
            break;
        case OPT_MERGE:
            cfg->merge = true;
            break;
        case OPT_FORMAT:
            ok = parse_format(optarg, cfg);
            break;
        case OPT_HEADER:
            cfg->header = true;
            break;
        case OPT_SORT:
            ok = parse_order(optarg, cfg);
            break;
        case OPT_TOP:
            ok = parse_count(name, optarg, 1, UINT64_MAX, &cfg->top);
            break;
        case OPT_DECIMALS:
            ok = parse_count(name, optarg, 0, AGGREGATE_MAX_DECIMALS, &n);
            cfg->decimals = (int)n;
            break;
        case OPT_JOBS:
            ok = parse_count(name, optarg, 1, MAX_JOBS, &n);
            cfg->jobs = (unsigned)n;
            break;
        case OPT_QUEUE_DEPTH:
            ok = parse_count(name, optarg, 1, MAX_QUEUE_DEPTH, &n);
            cfg->queue_depth = (unsigned)n;
            break;
        case OPT_BATCH:
            ok = parse_size(name, optarg, &cfg->batch);
            break;
        case OPT_STATS:
            ok = parse_stats(optarg, cfg);
            break;
        case OPT_PROGRESS:
            ok = parse_progress(optarg, cfg);
            break;
        case OPT_HELP:
            return print_help() ? OPTIONS_DONE : OPTIONS_WRITE_FAILED;
        case OPT_VERSION:
            return print_version() ? OPTIONS_DONE : OPTIONS_WRITE_FAILED;
        case OPTION_COUNT:
            break;
        }
        if (!ok)
            return OPTIONS_FAILED;
    }

    if (cfg->merge && !check_merge(seen))
        return OPTIONS_FAILED;
    if (!settle(cfg, seen))
        return OPTIONS_FAILED;
    if (!check_result_options(cfg, seen))
        return OPTIONS_FAILED;
    rules_prepare(&cfg->rules);
    if (!cache_setting("FANOUT_CACHE_KEYS", "keys", MAX_CACHE_KEYS,
                       &cfg->cache_keys)
        || !cache_setting("FANOUT_CACHE_BYTES", "bytes", MAX_CACHE_BYTES,
                          &cfg->cache_bytes))
        return OPTIONS_FAILED;

    static char *standard_input[] = { "-" };
    if (optind < argc) {
        cfg->inputs = argv + optind;
        cfg->input_count = (size_t)(argc - optind);
    } else {
        cfg->inputs = standard_input;
        cfg->input_count = 1;
    }
    cfg->input_names = xmalloc(cfg->input_count * sizeof *cfg->input_names);
    for (size_t i = 0; i < cfg->input_count; i++)
        cfg->input_names[i] = diag_name(cfg->inputs[i]);
    return OPTIONS_RUN;
}
