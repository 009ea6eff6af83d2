/* stats: counters, stage timings, and the text and JSON reports. */
#include "config.h"

#include "stats.h"
#include "block.h"
#include "diag.h"
#include "format.h"
#include "writer.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The kinds of rejection as reports name them: a JSON key and words for
 * the text report. */
static const struct reason_name {
    const char *key;
    const char *words;
} reason_names[REJECT_REASONS] = {
    [REJECT_NO_DELIMITER]    = { "missing_delimiter", "missing delimiter" },
    [REJECT_MISSING_FIELD]   = { "missing_field",     "missing field" },
    [REJECT_EMPTY_KEY]       = { "empty_key",         "empty key" },
    [REJECT_MISSING_VALUE]   = { "missing_value",     "missing value" },
    [REJECT_INVALID_NUMBER]  = { "invalid_number",    "invalid number" },
    [REJECT_TOO_MANY_DIGITS] = { "too_many_digits",   "too many digits" },
    [REJECT_BELOW_MIN]       = { "below_min",         "below minimum" },
    [REJECT_ABOVE_MAX]       = { "above_max",         "above maximum" },
    [REJECT_NOT_ABOVE]       = { "not_above",         "not above" },
    [REJECT_NOT_BELOW]       = { "not_below",         "not below" },
    [REJECT_KEY_MISMATCH]    = { "key_mismatch",      "key mismatch" },
    [REJECT_TOO_LONG]        = { "too_long",          "too long" },
    [REJECT_NUL_BYTE]        = { "nul_byte",          "NUL byte" },
    [REJECT_BAD_QUOTE]       = { "bad_quote",         "bad quote" },
    [REJECT_MALFORMED]       = { "malformed",         "malformed" },
    [REJECT_INVALID_TIME]    = { "invalid_time",      "invalid time" },
};

uint64_t stats_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

struct stats *stats_new(size_t workers)
{
    struct stats *s = xcalloc(1, sizeof *s);
    s->workers = xcalloc(workers, sizeof *s->workers);
    s->worker_count = workers;
    for (size_t i = 0; i < workers; i++) {
        atomic_init(&s->workers[i].blocks, 0);
        atomic_init(&s->workers[i].records, 0);
        atomic_init(&s->workers[i].working_ns, 0);
        atomic_init(&s->workers[i].waiting_ns, 0);
    }
    atomic_init(&s->bytes_read, 0);
    atomic_init(&s->headers_read, 0);
    atomic_init(&s->compressed_read, 0);
    atomic_init(&s->decoded, 0);
    atomic_init(&s->blocks_read, 0);
    atomic_init(&s->reading_ns, 0);
    atomic_init(&s->blocked_ns, 0);
    atomic_init(&s->collector_writing_ns, 0);
    atomic_init(&s->collector_waiting_ns, 0);
    atomic_init(&s->output_ns, 0);
    atomic_init(&s->tail_ns, 0);
    s->run.exit_status = -1;
    s->start_ns = stats_now();
    return s;
}

void stats_free(struct stats *s)
{
    if (s) {
        free(s->workers);
        free(s);
    }
}

/* Appends printf-formatted text to W. */
static void put(struct writer *w, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct writer *w, const char *format, ...)
{
    char text[256];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(text, sizeof text, format, args);
    va_end(args);
    if (n > 0)
        writer_put(w, text, (size_t)n < sizeof text ? (size_t)n
                                                    : sizeof text - 1);
}

/* NS nanoseconds as seconds with DIGITS decimals (3 or 6), into OUT. */
static const char *seconds(char *out, size_t size, uint64_t ns, int digits)
{
    uint64_t unit = digits == 3 ? 1000000 : 1000;
    uint64_t frac = ns / unit % (digits == 3 ? 1000 : 1000000);
    snprintf(out, size, "%" PRIu64 ".%0*" PRIu64, ns / 1000000000u, digits,
             frac);
    return out;
}

/* PART as a whole percentage of WHOLE, 0 when WHOLE is. */
static unsigned percent(uint64_t part, uint64_t whole)
{
    return whole ? (unsigned)((double)part * 100 / (double)whole) : 0;
}

/* COUNT per second over NS nanoseconds, 0 over none. */
static uint64_t per_second(uint64_t count, uint64_t ns)
{
    return ns ? (uint64_t)((double)count * 1e9 / (double)ns) : 0;
}

/* A copy of the counters, read once so that a report agrees with
 * itself. */
struct snapshot {
    uint64_t wall_ns, bytes, headers, compressed, decoded, blocks,
             reading_ns, blocked_ns;
    uint64_t writing_ns, waiting_ns, output_ns, tail_ns;
};

static void take_snapshot(const struct stats *s, struct snapshot *n)
{
    n->wall_ns = stats_now() - s->start_ns;
    n->bytes = stats_get(&s->bytes_read);
    n->headers = stats_get(&s->headers_read);
    n->compressed = stats_get(&s->compressed_read);
    n->decoded = stats_get(&s->decoded);
    n->blocks = stats_get(&s->blocks_read);
    n->reading_ns = stats_get(&s->reading_ns);
    n->blocked_ns = stats_get(&s->blocked_ns);
    n->writing_ns = stats_get(&s->collector_writing_ns);
    n->waiting_ns = stats_get(&s->collector_waiting_ns);
    n->output_ns = stats_get(&s->output_ns);
    n->tail_ns = stats_get(&s->tail_ns);
}

/* The skipped records of T by kind, kinds with none left out, as
 * "2 blank, 1 filtered", in OUT of SIZE bytes. */
static const char *skipped_kinds(char *out, size_t size, const struct tally *t)
{
    int n = 0;
    out[0] = '\0';
    if (t->blank > 0)
        n = snprintf(out, size, "%" PRIu64 " blank", t->blank);
    if (t->filtered > 0 && n >= 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n, "%s%" PRIu64 " filtered",
                 n > 0 ? ", " : "", t->filtered);
    return out;
}

static void report_text(const struct stats *s, const struct tally *t,
                        const struct snapshot *n, struct writer *w)
{
    char a[32], b[32], head[64], kinds[64];
    snprintf(head, sizeof head, "%s: stats:", program_name);
    put(w, "%s %" PRIu64 " records read, %" PRIu64 " accepted, %" PRIu64
        " rejected", head, t->read, tally_accepted(t), t->rejected);
    if (t->skipped > 0)
        put(w, ", %" PRIu64 " skipped", t->skipped);
    writer_putc(w, '\n');
    if (n->headers > 0)
        put(w, "%s %" PRIu64 " header lines read\n", head, n->headers);
    if (t->rejected > 0) {
        put(w, "%s rejected:", head);
        const char *sep = " ";
        for (int k = 0; k < REJECT_REASONS; k++) {
            if (t->rejected_by[k] == 0)
                continue;
            put(w, "%s%" PRIu64 " %s", sep, t->rejected_by[k],
                reason_names[k].words);
            sep = ", ";
        }
        writer_putc(w, '\n');
    }
    if (t->skipped > 0)
        put(w, "%s skipped: %s\n", head, skipped_kinds(kinds, sizeof kinds, t));
    if (t->missing > 0)
        put(w, "%s missing values: %" PRIu64 "\n", head, t->missing);
    if (s->run.estimated_keys > 0)
        put(w, "%s approximated: %" PRIu64 " keys (%" PRIu64 " percentile "
            "sketches, %" PRIu64 " distinct estimates)\n", head,
            s->run.estimated_keys, s->run.estimated_quantiles,
            s->run.estimated_distincts);
    if (s->size_known)
        put(w, "%s %" PRIu64 " bytes read of %" PRIu64 " (%.1f%%)\n", head,
            n->bytes, s->input_size, s->input_size
            ? (double)n->bytes * 100 / (double)s->input_size : 100.0);
    else
        put(w, "%s %" PRIu64 " bytes read\n", head, n->bytes);
    if (n->compressed > 0)
        put(w, "%s %" PRIu64 " compressed bytes read, decoded into %" PRIu64
            " bytes\n", head, n->compressed, n->decoded);
    put(w, "%s %s s, %" PRIu64 " records/s, %" PRIu64 " bytes/s\n", head,
        seconds(a, sizeof a, n->wall_ns, 3),
        per_second(t->read, n->wall_ns), per_second(n->bytes, n->wall_ns));
    put(w, "%s reader: %" PRIu64 " blocks, reading %s s (%u%%), blocked %s s"
        " (%u%%)\n", head, n->blocks,
        seconds(a, sizeof a, n->reading_ns, 3),
        percent(n->reading_ns, n->wall_ns),
        seconds(b, sizeof b, n->blocked_ns, 3),
        percent(n->blocked_ns, n->wall_ns));
    for (size_t i = 0; i < s->worker_count; i++) {
        const struct stats_worker *k = &s->workers[i];
        uint64_t working = stats_get(&k->working_ns);
        uint64_t waiting = stats_get(&k->waiting_ns);
        put(w, "%s worker %zu: %" PRIu64 " blocks, %" PRIu64 " records,"
            " working %s s (%u%%), waiting %s s (%u%%)\n", head, i + 1,
            stats_get(&k->blocks), stats_get(&k->records),
            seconds(a, sizeof a, working, 3), percent(working, n->wall_ns),
            seconds(b, sizeof b, waiting, 3), percent(waiting, n->wall_ns));
    }
    put(w, "%s collector: writing %s s (%u%%), waiting %s s (%u%%)\n", head,
        seconds(a, sizeof a, n->writing_ns, 3),
        percent(n->writing_ns, n->wall_ns),
        seconds(b, sizeof b, n->waiting_ns, 3),
        percent(n->waiting_ns, n->wall_ns));
    put(w, "%s output: %s s (%u%%)\n", head,
        seconds(a, sizeof a, n->output_ns, 3),
        percent(n->output_ns, n->wall_ns));
    put(w, "%s tail: %s s (%u%%)\n", head,
        seconds(a, sizeof a, n->tail_ns, 3),
        percent(n->tail_ns, n->wall_ns));
}

/* The errors diag kept, as a JSON array of strings; past the ones kept,
 * one string says how many more there were. */
static void put_errors(struct writer *w)
{
    size_t count = diag_error_count();
    const char *sep = "";
    writer_putc(w, '[');
    for (size_t i = 0; i < count && i < DIAG_KEPT_MAX; i++) {
        const char *message = diag_error_message(i);
        if (!message)
            continue;
        writer_puts(w, sep);
        format_json_string(w, message, strlen(message));
        sep = ",";
    }
    if (count > DIAG_KEPT_MAX)
        put(w, "%s\"and %zu more\"", sep, count - DIAG_KEPT_MAX);
    writer_putc(w, ']');
}

/* The fields that make the report the run's record besides its time:
 * over which inputs, how it ended and with which errors. */
static void put_run(const struct stats *s, struct writer *w)
{
    writer_puts(w, "\"inputs\":[");
    for (size_t i = 0; i < s->run.input_count; i++) {
        if (i)
            writer_putc(w, ',');
        format_json_string(w, s->run.inputs[i], strlen(s->run.inputs[i]));
    }
    writer_puts(w, "],\"exit_status\":");
    if (s->run.exit_status < 0)
        writer_puts(w, "null");
    else
        put(w, "%d", s->run.exit_status);
    writer_puts(w, ",\"errors\":");
    put_errors(w);
}

static void report_json(const struct stats *s, const struct tally *t,
                        const struct snapshot *n, bool final,
                        struct writer *w)
{
    char a[32], b[32], when[DIAG_TIME_SIZE];
    diag_utc_time(when);
    put(w, "{\"time\":\"%s\",\"final\":%s,", when,
        final ? "true" : "false");
    put_run(s, w);
    put(w, ",\"records\":{\"read\":%" PRIu64 ",\"accepted\":%" PRIu64
        ",\"rejected\":%" PRIu64 ",\"skipped\":%" PRIu64
        ",\"missing_values\":%" PRIu64 "},\"rejected\":{", t->read,
        tally_accepted(t), t->rejected, t->skipped, t->missing);
    for (int k = 0; k < REJECT_REASONS; k++)
        put(w, "%s\"%s\":%" PRIu64, k ? "," : "", reason_names[k].key,
            t->rejected_by[k]);
    put(w, "},\"skipped\":{\"blank\":%" PRIu64 ",\"filtered\":%" PRIu64 "}",
        t->blank, t->filtered);
    if (s->run.estimates_known)
        put(w, ",\"approximated\":{\"keys\":%" PRIu64 ",\"percentile_"
            "sketches\":%" PRIu64 ",\"distinct_estimates\":%" PRIu64 "}",
            s->run.estimated_keys, s->run.estimated_quantiles,
            s->run.estimated_distincts);
    else
        writer_puts(w, ",\"approximated\":null");
    put(w, ",\"headers_read\":%" PRIu64 ",\"bytes_read\":%" PRIu64
        ",\"compressed_bytes_read\":%" PRIu64 ",\"decoded_bytes\":%" PRIu64
        ",", n->headers, n->bytes, n->compressed, n->decoded);
    if (s->size_known)
        put(w, "\"input_size\":%" PRIu64 ",", s->input_size);
    else
        put(w, "\"input_size\":null,");
    if (s->run.exit_status < 0)
        put(w, "\"bytes_written\":null,");
    else
        put(w, "\"bytes_written\":%llu,", s->run.bytes_written);
    put(w, "\"seconds\":%s,\"records_per_second\":%" PRIu64
        ",\"bytes_per_second\":%" PRIu64 ",",
        seconds(a, sizeof a, n->wall_ns, 6),
        per_second(t->read, n->wall_ns), per_second(n->bytes, n->wall_ns));
    put(w, "\"reader\":{\"blocks\":%" PRIu64 ",\"reading_seconds\":%s,"
        "\"blocked_seconds\":%s},\"workers\":[", n->blocks,
        seconds(a, sizeof a, n->reading_ns, 6),
        seconds(b, sizeof b, n->blocked_ns, 6));
    for (size_t i = 0; i < s->worker_count; i++) {
        const struct stats_worker *k = &s->workers[i];
        put(w, "%s{\"blocks\":%" PRIu64 ",\"records\":%" PRIu64
            ",\"working_seconds\":%s,\"waiting_seconds\":%s}",
            i ? "," : "", stats_get(&k->blocks), stats_get(&k->records),
            seconds(a, sizeof a, stats_get(&k->working_ns), 6),
            seconds(b, sizeof b, stats_get(&k->waiting_ns), 6));
    }
    put(w, "],\"collector\":{\"writing_seconds\":%s,\"waiting_seconds\":%s},",
        seconds(a, sizeof a, n->writing_ns, 6),
        seconds(b, sizeof b, n->waiting_ns, 6));
    put(w, "\"output_seconds\":%s,", seconds(a, sizeof a, n->output_ns, 6));
    put(w, "\"tail_seconds\":%s}\n", seconds(a, sizeof a, n->tail_ns, 6));
}

void stats_report(const struct stats *s, const struct tally *tally,
                  enum stats_format format, bool final, struct writer *w)
{
    struct snapshot n;
    take_snapshot(s, &n);
    if (format == STATS_JSON)
        report_json(s, tally, &n, final, w);
    else
        report_text(s, tally, &n, w);
}
