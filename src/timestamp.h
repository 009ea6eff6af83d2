/* timestamp: the text of a time field (--time) as a point in UTC, the
 * bucket it falls in (--bucket), and the bounds --since and --until set.
 * Every conversion is done here by calendar arithmetic on the proleptic
 * Gregorian calendar, never through mktime, TZ or the locale, so a log
 * gives the same buckets on every machine.  Times are whole milliseconds
 * since the Unix epoch; finer fractions are cut off (towards the past). */
#ifndef FANOUT_TIMESTAMP_H
#define FANOUT_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a time field is read (--time-format). */
enum time_format {
    TIME_AUTO,          /* any of CLF, ISO 8601, syslog, epoch seconds */
    TIME_CLF,           /* 06/Dec/2026:05:08:05 +0000 */
    TIME_ISO,           /* 2026-12-06T05:08:05Z, offsets, a date alone */
    TIME_SYSLOG,        /* Dec  6 05:08:05, the year by the rule */
    TIME_EPOCH,         /* seconds since 1970, a fraction allowed */
    TIME_EPOCH_MS,      /* milliseconds since 1970 */
    TIME_PATTERN,       /* strptime-style directives */
};

struct time_format_def {
    const char *name;           /* as written in --time-format */
    enum time_format format;
    const char *summary;        /* one line for --help */
};

/* The named formats, in the order --help lists them. */
extern const struct time_format_def time_format_defs[];
extern const size_t time_format_def_count;

/* How the run reads times: made once from the options, then only read,
 * by any thread. */
struct time_spec {
    enum time_format format;
    const char *pattern;        /* TIME_PATTERN: the directives */
    int64_t now_ms;             /* the run's start, for a missing year */
};

/* Times are between these (1000-01-01 and 10000-01-01), so that every
 * bucket start prints with a four-digit year and keys sort by time. */
extern const int64_t time_min_ms, time_max_ms;

/* Reads the LEN bytes at TEXT as SPEC says into *MS.  On failure returns
 * false with *WHY a phrase saying what is wrong (a constant string). */
bool time_parse(const struct time_spec *spec, const char *text, size_t len,
                int64_t *ms, const char **why);

/* Whether PATTERN is a --time-format pattern this module can read; if
 * not, *WHY says why. */
bool time_pattern_check(const char *pattern, const char **why);

/* Reads a --bucket DURATION, N followed by s, m, h or d, into *MS; false
 * with *WHY if it is none or out of range (1s to 3660d). */
bool time_parse_duration(const char *text, int64_t *ms, const char **why);

/* Reads a --since or --until TIME: an ISO 8601 time, or -N followed by
 * s, m, h or d before NOW_MS.  False with *WHY if it is neither. */
bool time_parse_bound(const char *text, int64_t now_ms, int64_t *ms,
                      const char **why);

/* The start of the bucket of width WIDTH_MS that MS falls in, counting
 * buckets from the Unix epoch. */
int64_t time_bucket_start(int64_t ms, int64_t width_ms);

enum { TIME_TEXT_SIZE = 32 };

/* Writes MS, within the range above, as ISO 8601 UTC to the second
 * (2026-12-06T05:08:00Z) into OUT; returns its length, 20. */
size_t time_format_iso(char out[TIME_TEXT_SIZE], int64_t ms);

#endif
