/* fanout: main.  Parses the command line, opens inputs and outputs, runs
 * the pipeline, prints the aggregates, reports the outcome and chooses the
 * exit status; it is the only place the program ends normally. */
#include "config.h"

#include "diag.h"
#include "header.h"
#include "options.h"
#include "output.h"
#include "partial.h"
#include "partition.h"
#include "pipeline.h"
#include "progress.h"
#include "reader.h"
#include "signals.h"
#include "stats.h"
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_ALL_ACCEPTED = 0, EXIT_SOME_REJECTED = 1, EXIT_TROUBLE = 2 };

enum { OUTPUT_BUFFER = 1 << 16, REPORT_BUFFER = 1 << 14 };

/* Whether an operation on the --value field reads its totals, so that
 * their overflow spoils a result. */
static bool main_totals_read(const struct config *cfg)
{
    for (size_t i = 0; i < cfg->op_count; i++)
        if (cfg->op_slots[i] == 0 && aggregate_reads_totals(cfg->ops[i]))
            return true;
    return false;
}

/* Prints the aggregates: final results, or partials with --partial.
 * Returns false, printing nothing, if a sum overflowed or a partial could
 * not be given an identity. */
static bool print_table(const struct config *cfg,
                        const struct partitions *aggregates,
                        struct writer *out)
{
    if (!output_check_overflow(aggregates, main_totals_read(cfg)))
        return false;
    if (cfg->partial)
        return partial_write(cfg, aggregates, out);
    output_results(cfg, aggregates, out);
    return true;
}

static const char *signal_name(int signo);

/* --header-in: the first input's header, and the columns in which the
 * headers of later inputs must name the same fields. */
struct header_rule {
    struct header *header;
    /* key fields, value, time, --where fields, then the fields of value
     * slots 1 and up (as cfg->format.where_fields lists them) */
    size_t fields[OPTIONS_MAX_KEY_FIELDS + 2 + OPTIONS_MAX_WHERE
                  + OPTIONS_MAX_OPS];
    bool named[OPTIONS_MAX_KEY_FIELDS + 2 + OPTIONS_MAX_WHERE
               + OPTIONS_MAX_OPS];                  /* given by name */
    size_t n;
    char problem[DIAG_EXCERPT_SIZE + 128];      /* why a header did not
                                                   fit, for the message */
};

static bool later_header_fits(void *ctx, size_t i, const char *line,
                              size_t len, char *why, size_t why_size)
{
    struct header_rule *rule = ctx;
    (void)i;
    if (header_check(rule->header, line, len, rule->fields, rule->named,
                     rule->n, why, why_size))
        return true;
    snprintf(rule->problem, sizeof rule->problem, "%s", why);
    return false;
}

/* Reads the first input's header, resolves the names of --key and
 * --value with it, and has the reader check the headers of later
 * inputs.  False after reporting why not. */
static bool take_headers(struct config *cfg, struct reader *reader,
                         struct header_rule *rule)
{
    const char *line;
    size_t len;
    if (!reader_take_headers(reader, later_header_fits, rule, &line, &len)) {
        size_t input;
        int error = reader_error(reader, &input);
        diag_error("%s: read error: %s", cfg->input_names[input],
                   reader_error_text(error));
        return false;
    }
    rule->header = header_new(&cfg->format, line, len);
    if (!options_resolve_names(cfg, rule->header, rule->named))
        return false;
    const struct record_format *f = &cfg->format;
    for (size_t i = 0; i < f->key_field_count; i++)
        rule->fields[i] = f->key_fields[i];
    rule->fields[f->key_field_count] = f->value_field;
    rule->fields[f->key_field_count + 1] = f->time_field;
    for (size_t i = 0; i < f->where_field_count; i++)
        rule->fields[f->key_field_count + 2 + i] = f->where_fields[i];
    rule->n = f->field_mode ? f->key_field_count + 2 + f->where_field_count
                            : 0;
    return true;
}

/* Reports a termination signal that arrived, and dies by it. */
static void stop_if_signalled(void)
{
    int signo = signals_caught();
    if (signo) {
        diag_error("stopped by %s", signal_name(signo));
        signals_die_by(signo);
    }
}

/* --merge: reads partial aggregates and prints their combination, or
 * with --partial passes them on combined. */
static int run_merge(struct config *cfg, bool stdout_closed)
{
    struct partial_input *in = partial_merge(cfg);
    stop_if_signalled();
    if (!in)
        return EXIT_TROUBLE;
    struct writer *out = writer_new(stdout_closed ? -1 : STDOUT_FILENO,
                                    OUTPUT_BUFFER);
    bool ok = output_check_overflow(partial_table(in), main_totals_read(cfg));
    if (ok && cfg->partial)
        partial_write_combined(in, out);
    else if (ok)
        output_results(cfg, partial_table(in), out);
    partial_input_free(in);
    writer_flush(out);
    int error = writer_error(out);
    writer_free(out);
    stop_if_signalled();
    if (error == EPIPE)
        signals_die_by(SIGPIPE);
    if (error) {
        diag_error("write error: %s", strerror(error));
        return EXIT_TROUBLE;
    }
    return ok ? EXIT_ALL_ACCEPTED : EXIT_TROUBLE;
}

/* Reports "NAME: WHAT" of the file NAME, shown as messages show names. */
static void report_file(const char *name, const char *what)
{
    char *shown = diag_name(name);
    diag_error("%s: %s", shown, what);
    free(shown);
}

static struct writer *open_rejects(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        report_file(path, strerror(errno));
        return NULL;
    }
    return writer_new(fd, OUTPUT_BUFFER);
}

/* Whether A and B are the same regular file. */
static bool same_file(const struct stat *a, const struct stat *b)
{
    return S_ISREG(a->st_mode) && S_ISREG(b->st_mode)
        && a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Refuses, before anything is opened for writing, outputs that are
 * inputs, however named: truncating the rejects file would empty an input
 * before it is read, and an input that is standard output is read as it
 * is written, for ever when appended to.  Reports each and returns false
 * if there is any. */
static bool check_outputs(const struct config *cfg,
                          const struct reader *reader, bool stdout_closed)
{
    struct stat out, rejects, in;
    bool have_out = !stdout_closed && fstat(STDOUT_FILENO, &out) == 0;
    bool have_rejects = cfg->rejects_path
                     && stat(cfg->rejects_path, &rejects) == 0;
    bool ok = true;
    if (have_out && have_rejects && same_file(&rejects, &out)) {
        report_file(cfg->rejects_path, "rejects file is standard output");
        ok = false;
    }
    for (size_t i = 0; i < cfg->input_count; i++) {
        if (!reader_input_stat(reader, i, &in))
            continue;
        const char *what = have_rejects && same_file(&in, &rejects)
                         ? "input file is the rejects file"
                         : have_out && same_file(&in, &out)
                         ? "input file is standard output" : NULL;
        if (what) {
            diag_error("%s: %s", cfg->input_names[i], what);
            ok = false;
        }
    }
    return ok;
}

/* Makes sure descriptors 0, 1 and 2 are open, so that no input file is
 * opened on one of them.  Returns whether standard output was closed: then
 * output must fail as it would have, rather than vanish into /dev/null.
 * A closed standard input gets a stand-in that cannot be read, so that
 * reading it fails as it would have rather than find it empty. */
static bool fill_standard_descriptors(void)
{
    bool stdout_closed = false;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        if (fd == STDOUT_FILENO)
            stdout_closed = true;
        int null = open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDWR);
        if (null >= 0 && null != fd) {
            dup2(null, fd);
            close(null);
        }
    }
    return stdout_closed;
}

/* The name of a termination signal, for the message before dying by it. */
static const char *signal_name(int signo)
{
    switch (signo) {
    case SIGINT:  return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP:  return "SIGHUP";
    default:      return "a signal";
    }
}

/* The line that accounts for the run; on trouble it also says how much
 * output really reached standard output.  Not an error, so not among
 * those of the JSON record, which replaces it with --quiet. */
static void print_summary(const struct tally *tally, bool trouble,
                          unsigned long long written)
{
    if (!trouble && tally->rejected == 0)
        return;
    char skipped[64] = "", tail[64] = "";
    if (tally->skipped > 0)
        snprintf(skipped, sizeof skipped, ", %" PRIu64 " skipped",
                 tally->skipped);
    if (trouble)
        snprintf(tail, sizeof tail, "; %llu bytes of output written", written);
    diag_note("%" PRIu64 " records read, %" PRIu64 " accepted, %" PRIu64
              " rejected%s%s", tally->read, tally_accepted(tally),
              tally->rejected, skipped, tail);
}

/* When to draw the --progress line.  Records written during the run to
 * the terminal the line is on would run into it, so --progress=auto
 * draws none then. */
static enum progress_when progress_when(const struct config *cfg)
{
    if (cfg->progress == PROGRESS_AUTO && cfg->mode != OUTPUT_AGGREGATE
        && isatty(STDOUT_FILENO))
        return PROGRESS_NEVER;
    return cfg->progress;
}

/* --stats: the report of the whole run, after every other message, even
 * when the run failed or a signal stopped it; EXIT_STATUS is how it
 * ends. */
static void print_stats(const struct config *cfg, struct stats *stats,
                        const struct tally *tally, int exit_status)
{
    if (cfg->stats == STATS_OFF)
        return;
    stats->run.exit_status = exit_status;
    struct writer *w = writer_new(STDERR_FILENO, REPORT_BUFFER);
    writer_whole_lines(w);
    writer_write_after_signal(w);
    stats_report(stats, tally, cfg->stats, true, w);
    writer_flush(w);
    writer_free(w);
}

/* Ends a run that failed before its pipeline ran, with status 2: with
 * --stats its report still says so, with zero counts. */
static int fail_early(const struct config *cfg, struct stats *stats)
{
    static const struct tally none;
    print_stats(cfg, stats, &none, EXIT_TROUBLE);
    stats_free(stats);
    return EXIT_TROUBLE;
}

/* Ends a run that a termination signal stopped, at whatever stage: the
 * message, the trouble summary with the bytes that really reached standard
 * output, the statistics, and death by the signal. */
static _Noreturn void die_stopped(int signo, const struct config *cfg,
                                  struct stats *stats,
                                  const struct tally *tally,
                                  const struct writer *out)
{
    diag_error("stopped by %s", signal_name(signo));
    print_summary(tally, true, writer_written(out));
    stats->run.bytes_written = writer_written(out);
    print_stats(cfg, stats, tally, 128 + signo);
    signals_die_by(signo);
}

/* Ends a run whose reader left: not our error, so no message, but the
 * statistics say how it ended. */
static _Noreturn void die_of_broken_pipe(const struct config *cfg,
                                         struct stats *stats,
                                         const struct tally *tally,
                                         const struct writer *out)
{
    stats->run.bytes_written = writer_written(out);
    print_stats(cfg, stats, tally, 128 + SIGPIPE);
    signals_die_by(SIGPIPE);
}

/* Whether the share of rejected records is over --max-errors=P%. */
static bool over_error_rate(const struct config *cfg,
                            const struct tally *tally)
{
    if (!cfg->limit_error_rate || tally->read == 0)
        return false;
    /* rejected / read > m / (100 * 10^s), kept in integers. */
    const struct number *rate = &cfg->max_error_rate;
    u128 lhs = (u128)tally->rejected * 100 * number_pow10(rate->scale);
    u128 rhs = (u128)(uint64_t)rate->mantissa * tally->read;
    return lhs > rhs;
}

int main(int argc, char **argv)
{
    /* Static: threads left running after an early stop still read it
     * while the process exits. */
    static struct config cfg;
    bool stdout_closed = fill_standard_descriptors();
    /* --key-match reads its pattern as grep -E does, in the characters
     * of the user's locale.  Only the categories regcomp and regexec use:
     * numbers are written the same in every locale (LC_NUMERIC stays
     * "C"), and the C locale matches bytes exactly as before. */
    setlocale(LC_CTYPE, "");
    setlocale(LC_COLLATE, "");

    switch (options_parse(argc, argv, &cfg)) {
    case OPTIONS_RUN:
        break;
    case OPTIONS_DONE:
        if (stdout_closed) {
            /* --help or --version went to the stand-in for a closed
             * standard output. */
            diag_error("write error: %s", strerror(EBADF));
            return fail_early(&cfg, stats_new(0));
        }
        return EXIT_ALL_ACCEPTED;
    case OPTIONS_FAILED:
        /* Only a JSON record goes on after a usage error: text
         * statistics of nothing would only hide the message. */
        if (cfg.stats != STATS_JSON)
            return EXIT_TROUBLE;
        return fail_early(&cfg, stats_new(0));
    case OPTIONS_WRITE_FAILED:
        diag_error("write error: %s", strerror(errno));
        return fail_early(&cfg, stats_new(0));
    }
    signals_install();
    if (cfg.merge)
        return run_merge(&cfg, stdout_closed);

    struct stats *stats = stats_new(cfg.jobs);
    stats->run.inputs = cfg.inputs;
    stats->run.input_count = cfg.input_count;
    struct reader *reader = reader_open(cfg.inputs, cfg.input_count,
                                        cfg.batch, cfg.terminator,
                                        cfg.max_record,
                                        cfg.mode != OUTPUT_UNORDERED,
                                        cfg.jobs);
    if (!reader)
        return fail_early(&cfg, stats);
    if (cfg.format.csv)
        reader_read_csv(reader, cfg.format.field_separator);
    if (!check_outputs(&cfg, reader, stdout_closed)) {
        reader_close(reader);
        return fail_early(&cfg, stats);
    }
    /* Its names stay in cfg.format for the whole run. */
    static struct header_rule rule;
    if (cfg.header_in && !take_headers(&cfg, reader, &rule)) {
        reader_close(reader);
        return fail_early(&cfg, stats);
    }
    struct writer *rejects = NULL;
    if (cfg.rejects_path && !(rejects = open_rejects(cfg.rejects_path))) {
        reader_close(reader);
        return fail_early(&cfg, stats);
    }
    struct writer *out = writer_new(stdout_closed ? -1 : STDOUT_FILENO,
                                    OUTPUT_BUFFER);
    struct writer *reports = writer_new(STDERR_FILENO, REPORT_BUFFER);
    writer_whole_lines(reports);
    /* Standard error is shared with the progress line, which whatever
     * else is written there takes down first. */
    struct progress *progress = progress_new(STDERR_FILENO,
                                             progress_when(&cfg),
                                             diag_holding(), stats);
    writer_before_output(reports, progress_clear, progress);

    struct pipeline_outcome outcome;
    bool started = pipeline_run(&cfg, reader, out, reports, rejects,
                                stats, progress, &outcome);
    writer_flush(reports);
    progress_free(progress);
    writer_free(reports);
    if (!started) {
        reader_close(reader);
        writer_free(out);
        if (rejects)
            writer_close(rejects);
        return fail_early(&cfg, stats);
    }

    const struct tally *tally = &outcome.tally;
    if (signals_caught())
        die_stopped(signals_caught(), &cfg, stats, tally, out);
    if (writer_error(out) == EPIPE)
        die_of_broken_pipe(&cfg, stats, tally, out);

    bool trouble = false;
    if (outcome.read_error == READER_HEADER) {
        diag_error("%s: %s", cfg.input_names[outcome.read_error_input],
                   rule.problem);
        trouble = true;
    } else if (outcome.read_error == READER_DECODE) {
        diag_error("%s: %s", cfg.input_names[outcome.read_error_input],
                   reader_error_message(reader));
        trouble = true;
    } else if (outcome.read_error) {
        diag_error("%s: %s%s", cfg.input_names[outcome.read_error_input],
                   reader_error_is_read(outcome.read_error)
                   ? "read error: " : "",
                   reader_error_text(outcome.read_error));
        trouble = true;
    }
    /* Not before: the reader holds what a decoding error was. */
    if (!outcome.abandoned)
        reader_close(reader);
    if (tally->too_many_errors) {
        diag_error("more than %" PRIu64 " rejected records; stopping",
                   cfg.max_errors);
        trouble = true;
    }
    if (!trouble && over_error_rate(&cfg, tally)) {
        diag_error("more than %s%% of records rejected", cfg.max_error_text);
        trouble = true;
    }
    /* A wrong --key, delimiter or input format rejects every record: a
     * cron job must not read that as done.  Not a --partial piece, which
     * is only part of a run: one that happens to hold bad records only
     * must not fail the whole job. */
    if (!trouble && !cfg.partial && tally->rejected > 0
        && tally_accepted(tally) == 0) {
        diag_error("no record accepted");
        trouble = true;
    }
    if (rejects) {
        int error = writer_close(rejects);
        /* A signal makes writes give up, which is no write error. */
        if (signals_caught())
            die_stopped(signals_caught(), &cfg, stats, tally, out);
        if (error) {
            report_file(cfg.rejects_path, strerror(error));
            trouble = true;
        }
    }
    uint64_t mark = stats_now();
    if (outcome.partitions) {
        struct output_estimates estimates;
        output_count_estimates(outcome.partitions, &estimates);
        stats->run.estimates_known = true;
        stats->run.estimated_keys = estimates.keys;
        stats->run.estimated_quantiles = estimates.quantiles;
        stats->run.estimated_distincts = estimates.distincts;
        if (!trouble && writer_error(out) == 0)
            trouble = !print_table(&cfg, outcome.partitions, out);
        partitions_free(outcome.partitions);
    }
    writer_flush(out);
    stats_lap(&stats->output_ns, &mark);
    if (outcome.collected_ns)
        stats_add(&stats->tail_ns, stats_now() - outcome.collected_ns);
    /* Sorting and writing the totals takes a while with many keys, and a
     * signal meanwhile may have cut them short. */
    if (signals_caught())
        die_stopped(signals_caught(), &cfg, stats, tally, out);
    if (writer_error(out) == EPIPE)
        die_of_broken_pipe(&cfg, stats, tally, out);
    if (writer_error(out)) {
        diag_error("write error: %s", strerror(writer_error(out)));
        trouble = true;
    }
    print_summary(tally, trouble, writer_written(out));
    stats->run.bytes_written = writer_written(out);
    writer_free(out);
    int status = trouble ? EXIT_TROUBLE
               : tally->rejected > 0 ? EXIT_SOME_REJECTED : EXIT_ALL_ACCEPTED;
    print_stats(&cfg, stats, tally, status);
    if (!outcome.abandoned)
        stats_free(stats);
    return status;
}
