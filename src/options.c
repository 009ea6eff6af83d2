/* options: getopt_long parsing, value checking and --help. */
#include "config.h"

#include "options.h"
#include "diag.h"
#include "format.h"
#include "output.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_JOBS = 1024, MAX_QUEUE_DEPTH = 4096, MAX_FIELD = 100000 };
static const size_t MAX_BATCH = (size_t)1 << 30;
static const size_t DEFAULT_BATCH = (size_t)1 << 20;
static const size_t DEFAULT_MAX_RECORD = (size_t)64 << 20;

/* Options without a short letter. */
enum {
    OPT_MIN = 256,
    OPT_MAX,
    OPT_ABOVE,
    OPT_BELOW,
    OPT_QUEUE_DEPTH,
    OPT_MAX_RECORD,
    OPT_PARTIAL,
    OPT_MERGE,
    OPT_FORMAT,
    OPT_HEADER,
    OPT_SORT,
    OPT_TOP,
    OPT_STATS,
    OPT_PROGRESS,
    OPT_END
};

static const struct option long_options[] = {
    { "delimiter",       required_argument, NULL, 'd' },
    { "key",             required_argument, NULL, 'k' },
    { "value",           required_argument, NULL, 'v' },
    { "field-separator", required_argument, NULL, 't' },
    { "null-data",       no_argument,       NULL, 'z' },
    { "max-record",      required_argument, NULL, OPT_MAX_RECORD },
    { "min",             required_argument, NULL, OPT_MIN },
    { "max",             required_argument, NULL, OPT_MAX },
    { "above",           required_argument, NULL, OPT_ABOVE },
    { "below",           required_argument, NULL, OPT_BELOW },
    { "key-match",       required_argument, NULL, 'm' },
    { "rejects",         required_argument, NULL, 'r' },
    { "max-errors",      required_argument, NULL, 'e' },
    { "quiet",           no_argument,       NULL, 'q' },
    { "aggregate",       required_argument, NULL, 'a' },
    { "ordered",         no_argument,       NULL, 'o' },
    { "unordered",       no_argument,       NULL, 'u' },
    { "partial",         no_argument,       NULL, OPT_PARTIAL },
    { "merge",           no_argument,       NULL, OPT_MERGE },
    { "format",          required_argument, NULL, OPT_FORMAT },
    { "header",          no_argument,       NULL, OPT_HEADER },
    { "sort",            required_argument, NULL, OPT_SORT },
    { "top",             required_argument, NULL, OPT_TOP },
    { "jobs",            required_argument, NULL, 'j' },
    { "queue-depth",     required_argument, NULL, OPT_QUEUE_DEPTH },
    { "batch",           required_argument, NULL, 'b' },
    { "stats",           optional_argument, NULL, OPT_STATS },
    { "progress",        optional_argument, NULL, OPT_PROGRESS },
    { "help",            no_argument,       NULL, 'h' },
    { "version",         no_argument,       NULL, 'V' },
    { NULL, 0, NULL, 0 },
};
static const char short_options[] = "d:k:v:t:zm:r:e:qa:ouj:b:hV";

static const char usage_text[] =
    "Usage: %s [OPTION]... [FILE]...\n"
    "Validate records from FILEs (standard input if none, or for -) on\n"
    "several threads, and print exact per-key aggregates or the accepted\n"
    "records themselves.  Records are lines; by default each is KEY:VALUE.\n"
    "\n"
    "Input:\n"
    "  -d, --delimiter=C        key-value delimiter, one byte (default ':');\n"
    "                           '\\t' means TAB\n"
    "  -k, --key=LIST           field mode: the key is fields LIST (1-based,\n"
    "                           comma-separated, e.g. 1 or 1,7)\n"
    "  -v, --value=N            field mode: the value is field N\n"
    "  -t, --field-separator=C  field mode: split fields at each C\n"
    "                           (default: runs of blanks)\n"
    "  -z, --null-data          records end with NUL, not newline\n"
    "      --max-record=SIZE    reject records longer than SIZE bytes, K/M/G\n"
    "                           suffixes (default 64M)\n"
    "\n"
    "Validation:\n";

static const char usage_text_2[] =
    "  -m, --key-match=REGEX    reject keys that do not match the extended\n"
    "                           regular expression REGEX\n"
    "\n"
    "Rejections:\n"
    "  -r, --rejects=FILE       write rejected records, unchanged, to FILE\n"
    "  -e, --max-errors=N       stop with status 2 after more than N rejections;\n"
    "                           N% fails the run if more than N percent of\n"
    "                           all records are rejected\n"
    "  -q, --quiet              report only the count of rejections\n"
    "\n"
    "Output:\n"
    "  -a, --aggregate=LIST     per-key results, comma-separated (default: sum):\n";

static const char usage_text_3[] =
    "  -o, --ordered            no aggregation: write accepted records in input\n"
    "                           order\n"
    "  -u, --unordered          like --ordered, in the order blocks finish\n"
    "      --partial            print partial aggregates for --merge\n"
    "      --merge              read partial aggregates from the FILEs and print\n"
    "                           the final result (or, with --partial, one\n"
    "                           partial: a combiner)\n"
    "      --format=FORMAT      aggregate results as:\n";

static const char usage_text_4[] =
    "      --header             a first row of column names (TSV and CSV)\n"
    "      --sort=ORDER         order of the keys:\n";

static const char usage_text_5[] =
    "      --top=N              only the first N keys; without --sort, the N\n"
    "                           largest by value\n"
    "\n"
    "Concurrency:\n"
    "  -j, --jobs=N             worker threads (default: online processors)\n"
    "      --queue-depth=N      blocks waiting for a worker (default: 2 x jobs)\n"
    "  -b, --batch=SIZE         block size in bytes, K/M/G suffixes (default 1M)\n"
    "\n"
    "Watching a run:\n"
    "      --stats[=FORMAT]     at the end, print statistics on standard error:\n"
    "                           counts, rejections by kind, bytes, time and\n"
    "                           where it went; FORMAT is text (default) or json\n"
    "      --progress[=WHEN]    a status line on standard error: auto (default:\n"
    "                           if it is a terminal), always or never\n"
    "  SIGUSR1 (kill -USR1 PID) prints the statistics so far; the run goes on.\n"
    "\n"
    "  -h, --help               display this help and exit\n"
    "  -V, --version            output version information and exit\n"
    "\n"
    "Exit status: 0 if every record was accepted, 1 if some were rejected,\n"
    "2 on trouble (bad usage, unreadable input, write error, --max-errors).\n"
    "Full documentation: man fanout\n";

/* Writes --help to standard output; false if it could not be written. */
static bool print_help(void)
{
    printf(usage_text, program_name);
    for (int k = 0; k < BOUND_KINDS; k++) {
        char name[32];
        snprintf(name, sizeof name, "--%s=NUM", bound_defs[k].option);
        printf("      %-21s%s\n", name, bound_defs[k].help);
    }
    fputs(usage_text_2, stdout);
    for (size_t i = 0; i < aggregate_def_count; i++)
        printf("                             %-6s %s\n", aggregate_defs[i].name,
               aggregate_defs[i].summary);
    fputs(usage_text_3, stdout);
    for (size_t i = 0; i < format_def_count; i++)
        printf("                             %-6s %s\n", format_defs[i].name,
               format_defs[i].summary);
    fputs(usage_text_4, stdout);
    for (size_t i = 0; i < order_def_count; i++)
        printf("                             %-6s %s\n", order_defs[i].name,
               order_defs[i].summary);
    fputs(usage_text_5, stdout);
    return fflush(stdout) == 0 && !ferror(stdout);
}

static bool print_version(void)
{
    printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
    return fflush(stdout) == 0 && !ferror(stdout);
}

static bool invalid(const char *option, const char *arg)
{
    diag_usage_error("invalid --%s value '%s'", option, arg);
    return false;
}

/* A plain decimal count in [LOW, HIGH]: digits only, no sign or blanks. */
static bool parse_count(const char *option, const char *arg,
                        uint64_t low, uint64_t high, uint64_t *out)
{
    if (!*arg || strspn(arg, "0123456789") != strlen(arg))
        return invalid(option, arg);
    errno = 0;
    unsigned long long v = strtoull(arg, NULL, 10);
    if (errno == ERANGE || v < low || v > high)
        return invalid(option, arg);
    *out = v;
    return true;
}

/* A size with an optional K, M or G (powers of 1024). */
static bool parse_size(const char *option, const char *arg, size_t *out)
{
    size_t digits = strspn(arg, "0123456789");
    if (digits == 0 || digits > 10)
        return invalid(option, arg);
    unsigned long long v = strtoull(arg, NULL, 10);
    const char *suffix = arg + digits;
    unsigned shift = 0;
    if (*suffix) {
        const char *units = "KkMmGg";
        const char *u = strchr(units, *suffix);
        if (!u || suffix[1])
            return invalid(option, arg);
        shift = 10 * (unsigned)(1 + (u - units) / 2);
    }
    if (v == 0 || v > (MAX_BATCH >> shift))
        return invalid(option, arg);
    *out = (size_t)(v << shift);
    return true;
}

/* ARG, one of the N words WORDS, as its index; NULL (no argument given)
 * stands for word DEFAULT_WORD. */
static bool parse_word(const char *option, const char *arg,
                       const char *const *words, int n, int default_word,
                       int *out)
{
    if (!arg) {
        *out = default_word;
        return true;
    }
    for (int i = 0; i < n; i++)
        if (strcmp(arg, words[i]) == 0) {
            *out = i;
            return true;
        }
    return invalid(option, arg);
}

/* --stats[=text|json]. */
static bool parse_stats(const char *arg, struct config *cfg)
{
    static const char *const words[] = { "text", "json" };
    int i;
    if (!parse_word("stats", arg, words, 2, 0, &i))
        return false;
    cfg->stats = i == 0 ? STATS_TEXT : STATS_JSON;
    return true;
}

/* --progress[=never|auto|always]. */
static bool parse_progress(const char *arg, struct config *cfg)
{
    static const char *const words[] = { "never", "auto", "always" };
    int i;
    if (!parse_word("progress", arg, words, 3, PROGRESS_AUTO, &i))
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
        return invalid(option, arg);
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
        || number_compare(*rate, (struct number){ 100, 0 }) > 0)
        return invalid("max-errors", arg);
    cfg->limit_error_rate = true;
    cfg->max_error_text = strndup(arg, len - 1);
    if (!cfg->max_error_text)
        diag_out_of_memory();
    return true;
}

static bool parse_key_list(const char *arg, struct config *cfg)
{
    const char *p = arg;
    cfg->format.key_field_count = 0;
    for (;;) {
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || digits > 6
            || cfg->format.key_field_count == OPTIONS_MAX_KEY_FIELDS)
            return invalid("key", arg);
        unsigned long field = strtoul(p, NULL, 10);
        if (field < 1 || field > MAX_FIELD)
            return invalid("key", arg);
        cfg->key_fields[cfg->format.key_field_count++] = field;
        p += digits;
        if (*p == '\0')
            break;
        if (*p++ != ',')
            return invalid("key", arg);
    }
    cfg->format.key_fields = cfg->key_fields;
    return true;
}

static bool parse_ops(const char *arg, struct config *cfg)
{
    const char *p = arg;
    cfg->op_count = 0;
    for (;;) {
        size_t len = strcspn(p, ",");
        const struct aggregate_def *def = aggregate_find(p, len);
        if (!def || cfg->op_count == OPTIONS_MAX_OPS)
            return invalid("aggregate", arg);
        cfg->ops[cfg->op_count++] = def->op;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return true;
}

static bool parse_bound(enum bound_kind kind, const char *arg,
                        struct config *cfg)
{
    struct bound *b = &cfg->rules.bounds[kind];
    if (number_parse(arg, strlen(arg), &b->limit) != NUMBER_OK)
        return invalid(bound_defs[kind].option, arg);
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

/* Checks that the options given make sense together and derives what
 * follows from them. */
static bool settle(struct config *cfg, bool ordered, bool unordered,
                   bool aggregate_given, bool delimiter_given,
                   bool value_given, bool separator_given)
{
    if (ordered && unordered) {
        diag_usage_error("--ordered and --unordered are mutually exclusive");
        return false;
    }
    cfg->mode = ordered ? OUTPUT_ORDERED
              : unordered ? OUTPUT_UNORDERED : OUTPUT_AGGREGATE;
    if (cfg->partial && cfg->mode != OUTPUT_AGGREGATE) {
        diag_usage_error("--partial cannot be used with --ordered or --unordered");
        return false;
    }
    if (aggregate_given && cfg->mode != OUTPUT_AGGREGATE) {
        diag_usage_error("--aggregate cannot be used with --ordered or --unordered");
        return false;
    }
    if (!cfg->format.field_mode) {
        if (value_given) {
            diag_usage_error("--value requires --key");
            return false;
        }
        if (separator_given) {
            diag_usage_error("--field-separator requires --key");
            return false;
        }
        cfg->needs_value = true;
    } else {
        if (delimiter_given) {
            diag_usage_error("--delimiter cannot be used with --key");
            return false;
        }
        cfg->needs_value = cfg->format.value_field != 0;
        if (!cfg->needs_value) {
            for (size_t i = 0; cfg->mode == OUTPUT_AGGREGATE
                               && i < cfg->op_count; i++)
                if (aggregate_def_of(cfg->ops[i])->needs_value) {
                    diag_usage_error("--aggregate=%s requires --value in field mode",
                                     aggregate_def_of(cfg->ops[i])->name);
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
    if (cfg->queue_depth == 0)
        cfg->queue_depth = cfg->jobs * 2 > MAX_QUEUE_DEPTH
                         ? MAX_QUEUE_DEPTH : cfg->jobs * 2;
    return true;
}

/* --merge reads partial aggregates, whose records are already parsed,
 * checked and aggregated: the options for those steps make no sense with
 * it.  SEEN tells which options were given. */
static bool check_merge(const struct config *cfg, const bool *seen)
{
    (void)cfg;
    for (const struct option *o = long_options; o->name; o++) {
        int v = o->val;
        bool allowed = v == OPT_MERGE || v == OPT_PARTIAL || v == 'j'
                    || v == OPT_QUEUE_DEPTH || v == 'b' || v == 'h'
                    || v == 'V' || v == 'q' || v == OPT_FORMAT
                    || v == OPT_HEADER || v == OPT_SORT || v == OPT_TOP;
        if (!allowed && seen[v]) {
            diag_usage_error("--%s cannot be used with --merge", o->name);
            return false;
        }
    }
    return true;
}

/* --format, --header, --sort and --top shape the final results, so they
 * need results: not --ordered or --unordered output, nor a partial, which
 * a merge formats in the end.  SEEN tells which options were given. */
static bool check_result_options(struct config *cfg, const bool *seen)
{
    static const int result_options[] = { OPT_FORMAT, OPT_HEADER, OPT_SORT,
                                          OPT_TOP };
    for (size_t i = 0; i < sizeof result_options / sizeof *result_options;
         i++) {
        int v = result_options[i];
        const char *name = NULL;
        for (const struct option *o = long_options; o->name; o++)
            if (o->val == v)
                name = o->name;
        if (seen[v] && cfg->mode != OUTPUT_AGGREGATE) {
            diag_usage_error("--%s cannot be used with --ordered or --unordered",
                             name);
            return false;
        }
        if (seen[v] && cfg->partial) {
            diag_usage_error("--%s cannot be used with --partial", name);
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
    const struct format_def *def = format_find(arg);
    if (!def)
        return invalid("format", arg);
    cfg->result_format = def->format;
    return true;
}

static bool parse_order(const char *arg, struct config *cfg)
{
    const struct order_def *def = order_find(arg);
    if (!def)
        return invalid("sort", arg);
    cfg->order = def->order;
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
    cfg->op_count = 1;
    cfg->jobs = default_jobs();
    cfg->batch = DEFAULT_BATCH;
    cfg->max_record = DEFAULT_MAX_RECORD;

    bool ordered = false, unordered = false, aggregate_given = false;
    bool delimiter_given = false, value_given = false;
    bool separator_given = false;
    uint64_t n;
    int c;

    /* getopt_long names the program by argv[0] in its messages; make them
     * look like every other message, whatever path ran us. */
    argv[0] = (char *)program_name;

    bool seen[OPT_END] = { false };
    while ((c = getopt_long(argc, argv, short_options, long_options,
                            NULL)) != -1) {
        bool ok = true;
        if (c >= 0 && c < OPT_END)
            seen[c] = true;
        switch (c) {
        case 'd':
            ok = parse_byte("delimiter", optarg, &cfg->format.delimiter);
            delimiter_given = true;
            break;
        case 'k':
            ok = parse_key_list(optarg, cfg);
            cfg->format.field_mode = true;
            break;
        case 'v':
            ok = parse_count("value", optarg, 1, MAX_FIELD, &n);
            cfg->format.value_field = (size_t)n;
            value_given = true;
            break;
        case 't':
            ok = parse_byte("field-separator", optarg,
                            &cfg->format.field_separator);
            cfg->format.blank_separated = false;
            separator_given = true;
            break;
        case 'z':
            cfg->terminator = '\0';
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
        case 'm':
            ok = check_pattern(optarg);
            cfg->rules.key_pattern = optarg;
            break;
        case 'r':
            ok = check_rejects(optarg);
            cfg->rejects_path = optarg;
            break;
        case 'e':
            cfg->limit_errors = cfg->limit_error_rate = false;
            ok = parse_max_errors(optarg, cfg);
            break;
        case 'q':
            cfg->quiet = true;
            break;
        case 'a':
            ok = parse_ops(optarg, cfg);
            aggregate_given = true;
            break;
        case 'o':
            ordered = true;
            break;
        case 'u':
            unordered = true;
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
            ok = parse_count("top", optarg, 1, UINT64_MAX, &cfg->top);
            break;
        case 'j':
            ok = parse_count("jobs", optarg, 1, MAX_JOBS, &n);
            cfg->jobs = (unsigned)n;
            break;
        case OPT_MAX_RECORD:
            ok = parse_size("max-record", optarg, &cfg->max_record);
            break;
        case OPT_QUEUE_DEPTH:
            ok = parse_count("queue-depth", optarg, 1, MAX_QUEUE_DEPTH, &n);
            cfg->queue_depth = (unsigned)n;
            break;
        case 'b':
            ok = parse_size("batch", optarg, &cfg->batch);
            break;
        case OPT_STATS:
            ok = parse_stats(optarg, cfg);
            break;
        case OPT_PROGRESS:
            ok = parse_progress(optarg, cfg);
            break;
        case 'h':
            return print_help() ? OPTIONS_DONE : OPTIONS_WRITE_FAILED;
        case 'V':
            return print_version() ? OPTIONS_DONE : OPTIONS_WRITE_FAILED;
        default:
            /* getopt_long has said what was wrong. */
            diag_try_help();
            return OPTIONS_FAILED;
        }
        if (!ok)
            return OPTIONS_FAILED;
    }

    if (cfg->merge && !check_merge(cfg, seen))
        return OPTIONS_FAILED;
    if (!settle(cfg, ordered, unordered, aggregate_given, delimiter_given,
                value_given, separator_given))
        return OPTIONS_FAILED;
    if (!check_result_options(cfg, seen))
        return OPTIONS_FAILED;
    rules_prepare(&cfg->rules);

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
