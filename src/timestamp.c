/* timestamp: reading times in the formats logs write them, in UTC, by
 * calendar arithmetic of its own (see timestamp.h). */
#include "config.h"

#include "timestamp.h"

#include <string.h>

const struct time_format_def time_format_defs[] = {
    { "auto",     TIME_AUTO,     "CLF, ISO 8601, syslog or epoch seconds (default)" },
    { "clf",      TIME_CLF,      "06/Dec/2026:05:08:05 +0000, brackets or not" },
    { "iso8601",  TIME_ISO,      "2026-12-06T05:08:05Z, +01:00, a date alone" },
    { "syslog",   TIME_SYSLOG,   "Dec  6 05:08:05 (the year: man fanout)" },
    { "epoch",    TIME_EPOCH,    "seconds since 1970-01-01 UTC" },
    { "epoch-ms", TIME_EPOCH_MS, "milliseconds since 1970-01-01 UTC" },
};
const size_t time_format_def_count =
    sizeof time_format_defs / sizeof *time_format_defs;

enum { MS_PER_SECOND = 1000, SECONDS_PER_DAY = 86400 };
static const int64_t MS_PER_DAY = (int64_t)SECONDS_PER_DAY * MS_PER_SECOND;

/* A syslog time with no year is taken to be in the past unless it would
 * be at most this far in the future, which allows for clocks that
 * disagree a little and logs read just after the new year. */
static const int64_t SYSLOG_AHEAD_MS = (int64_t)31 * 86400 * 1000;

/* 1000-01-01 and 10000-01-01 as milliseconds since the epoch. */
const int64_t time_min_ms = INT64_C(-30610224000000);
const int64_t time_max_ms = INT64_C(253402300800000);

static bool is_leap(int64_t year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int days_in_month(int64_t year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31 };
    return days[month - 1] + (month == 2 && is_leap(year));
}

/* Days from 0000-01-01 to January 1 of YEAR (YEAR >= 0): 365 a year and
 * one for each leap year before it, year 0 being one. */
static int64_t days_before_year(int64_t year)
{
    return 365 * year + (year + 3) / 4 - (year + 99) / 100
         + (year + 399) / 400;
}

/* Days from the epoch to YEAR-MONTH-DAY; DAY may run past the month's
 * end (the next month's days follow). */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    static const int before_month[12] = { 0, 31, 59, 90, 120, 151,
                                          181, 212, 243, 273, 304, 334 };
    int64_t days = days_before_year(year) - days_before_year(1970)
                 + before_month[month - 1] + day - 1;
    return days + (month > 2 && is_leap(year));
}

/* The civil date of the day DAYS after the epoch (in range). */
static void civil_from_days(int64_t days, int64_t *year, int *month,
                            int *day)
{
    int64_t from_zero = days + days_before_year(1970);
    /* 365.2425 days a year on average: a guess at most one off. */
    int64_t y = from_zero * 400 / 146097;
    while (days_before_year(y) > from_zero)
        y--;
    while (days_before_year(y + 1) <= from_zero)
        y++;
    int left = (int)(from_zero - days_before_year(y));
    int m = 1;
    while (left >= days_in_month(y, m))
        left -= days_in_month(y, m++);
    *year = y;
    *month = m;
    *day = left + 1;
}

/* Floor division and its remainder, for times before the epoch. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The parts of a time as read, before they are checked and added up. */
struct civil {
    int64_t year;
    int month, day, hour, minute, second, ms;
    int offset_s;               /* east of UTC, in seconds */
    int yday;                   /* %j: 1 to 366, or 0 */
    bool has_year;
    bool has_epoch;             /* %s */
    int64_t epoch_s;
};

/* What is left of the text being read. */
struct cursor {
    const char *p, *end;
};

static bool at_end(const struct cursor *c)
{
    return c->p == c->end;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static void skip_blanks(struct cursor *c)
{
    while (c->p < c->end && is_blank(*c->p))
        c->p++;
}

/* Takes the byte CH if it comes next. */
static bool take(struct cursor *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* Reads MIN to MAX digits as a number. */
static bool digits(struct cursor *c, int min, int max, int64_t *out)
{
    int64_t v = 0;
    int n = 0;
    while (n < max && c->p < c->end && is_digit(*c->p)) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    *out = v;
    return n >= min;
}

/* Like digits, into an int. */
static bool small(struct cursor *c, int min, int max, int *out)
{
    int64_t v;
    bool ok = digits(c, min, max, &v);
    *out = (int)v;
    return ok;
}

/* The fraction of a second after a '.' or ',', if one comes: its first
 * three digits as milliseconds, the rest read and dropped; *MORE tells
 * whether any of those was not 0. */
static bool fraction_more(struct cursor *c, int *ms, bool *more)
{
    *ms = 0;
    *more = false;
    if (!(take(c, '.') || take(c, ',')))
        return true;
    int n = 0;
    for (; c->p < c->end && is_digit(*c->p); c->p++, n++)
        if (n < 3)
            *ms = *ms * 10 + (*c->p - '0');
        else
            *more = *more || *c->p != '0';
    for (int i = n; i < 3; i++)
        *ms *= 10;
    return n > 0;
}

/* fraction_more, where what is dropped is dropped. */
static bool fraction(struct cursor *c, int *ms)
{
    bool more;
    return fraction_more(c, ms, &more);
}

static const char month_names[12][10] = {
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december"
};

static char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* An English month name, its first three letters or all of it, in any
 * case; the locale plays no part. */
static bool month_name(struct cursor *c, int *month)
{
    if (c->end - c->p < 3)
        return false;
    for (int m = 0; m < 12; m++) {
        const char *name = month_names[m];
        if (lower(c->p[0]) != name[0] || lower(c->p[1]) != name[1]
            || lower(c->p[2]) != name[2])
            continue;
        size_t len = strlen(name), n = 3;
        while (n < len && c->p + n < c->end && lower(c->p[n]) == name[n])
            n++;
        c->p += n == len ? len : 3;
        *month = m + 1;
        return true;
    }
    return false;
}

/* A UTC offset: Z, or a sign and hours, then minutes with or without a
 * colon (+01:00, +0100, +01). */
static bool offset(struct cursor *c, int *seconds)
{
    if (take(c, 'Z') || take(c, 'z')) {
        *seconds = 0;
        return true;
    }
    int sign = take(c, '+') ? 1 : take(c, '-') ? -1 : 0;
    int hours, minutes = 0;
    if (!sign || !small(c, 2, 2, &hours))
        return false;
    if (take(c, ':')) {
        if (!small(c, 2, 2, &minutes))
            return false;
    } else if (c->p < c->end && is_digit(*c->p)) {
        if (!small(c, 2, 2, &minutes))
            return false;
    }
    if (hours > 23 || minutes > 59)
        return false;
    *seconds = sign * (hours * 3600 + minutes * 60);
    return true;
}

/* HH:MM:SS, and a fraction if one follows. */
static bool clock_time(struct cursor *c, struct civil *t)
{
    return small(c, 2, 2, &t->hour) && take(c, ':')
        && small(c, 2, 2, &t->minute) && take(c, ':')
        && small(c, 2, 2, &t->second) && fraction(c, &t->ms);
}

/* 06/Dec/2026:05:08:05 +0000. */
static const char *read_clf(struct cursor *c, struct civil *t)
{
    if (!small(c, 1, 2, &t->day) || !take(c, '/')
        || !month_name(c, &t->month) || !take(c, '/')
        || !digits(c, 4, 4, &t->year) || !take(c, ':')
        || !clock_time(c, t))
        return "not a CLF time such as 06/Dec/2026:05:08:05 +0000";
    t->has_year = true;
    skip_blanks(c);
    if (!offset(c, &t->offset_s))
        return "no UTC offset such as +0000";
    return NULL;
}

/* 2026-12-06, then T or a blank and 05:08[:05[.123]], then Z or an
 * offset; a time without either is taken to be UTC. */
static const char *read_iso(struct cursor *c, struct civil *t)
{
    static const char not_iso[] =
        "not an ISO 8601 time such as 2026-12-06T05:08:05Z";
    if (!digits(c, 4, 4, &t->year) || !take(c, '-')
        || !small(c, 2, 2, &t->month) || !take(c, '-')
        || !small(c, 2, 2, &t->day))
        return not_iso;
    t->has_year = true;
    if (at_end(c))
        return NULL;
    if (!(take(c, 'T') || take(c, 't') || take(c, ' ')))
        return not_iso;
    if (!small(c, 2, 2, &t->hour) || !take(c, ':')
        || !small(c, 2, 2, &t->minute))
        return not_iso;
    if (take(c, ':') && (!small(c, 2, 2, &t->second)
                         || !fraction(c, &t->ms)))
        return not_iso;
    if (!at_end(c) && !offset(c, &t->offset_s))
        return "no UTC offset such as Z or +01:00";
    return NULL;
}

/* Dec  6 05:08:05: the year comes from the rule in time_value. */
static const char *read_syslog(struct cursor *c, struct civil *t)
{
    if (!month_name(c, &t->month) || !is_blank(c->p < c->end ? *c->p : 0))
        return "not a syslog time such as Dec  6 05:08:05";
    skip_blanks(c);
    if (!small(c, 1, 2, &t->day) || !take(c, ' '))
        return "not a syslog time such as Dec  6 05:08:05";
    skip_blanks(c);
    if (!clock_time(c, t))
        return "not a syslog time such as Dec  6 05:08:05";
    return NULL;
}

/* Seconds, or with MS milliseconds, since the epoch: an optional minus
 * and digits, and for seconds a fraction. */
static const char *read_epoch(struct cursor *c, struct civil *t, bool ms)
{
    bool negative = take(c, '-');
    int64_t n;
    if (!digits(c, 1, ms ? 15 : 12, &n)
        || (c->p < c->end && is_digit(*c->p)))
        return ms ? "not a count of milliseconds since 1970"
                  : "not a count of seconds since 1970";
    if (ms) {
        t->has_epoch = true;
        t->epoch_s = floor_div(negative ? -n : n, MS_PER_SECOND);
        t->ms = (int)((negative ? -n : n) - t->epoch_s * MS_PER_SECOND);
        return NULL;
    }
    int frac;
    bool more;
    if (!fraction_more(c, &frac, &more))
        return "not a count of seconds since 1970";
    /* Cut off towards the past, before the epoch too: -1.0005 s is
     * -1001 ms. */
    int64_t total = n * MS_PER_SECOND + frac;
    if (negative)
        total = -total - more;
    t->has_epoch = true;
    t->epoch_s = floor_div(total, MS_PER_SECOND);
    t->ms = (int)(total - t->epoch_s * MS_PER_SECOND);
    return NULL;
}

/* One directive of a --time-format pattern, the letter after '%'. */
static const char *read_directive(struct cursor *c, char letter,
                                  struct civil *t)
{
    bool ok = true;
    switch (letter) {
    case 'Y':
        ok = digits(c, 4, 4, &t->year);
        t->has_year = true;
        break;
    case 'y':
        ok = digits(c, 2, 2, &t->year);
        t->year += t->year < 69 ? 2000 : 1900;      /* POSIX's rule */
        t->has_year = true;
        break;
    case 'm':
        ok = small(c, 1, 2, &t->month);
        break;
    case 'e':
    case 'd':
        skip_blanks(c);
        ok = small(c, 1, 2, &t->day);
        break;
    case 'j':
        ok = small(c, 1, 3, &t->yday) && t->yday >= 1;
        break;
    case 'H':
        ok = small(c, 1, 2, &t->hour);
        break;
    case 'M':
        ok = small(c, 1, 2, &t->minute);
        break;
    case 'S':
        ok = small(c, 1, 2, &t->second) && fraction(c, &t->ms);
        break;
    case 'b':
    case 'h':
        ok = month_name(c, &t->month);
        break;
    case 'z':
        ok = offset(c, &t->offset_s);
        break;
    case 'T':
        ok = small(c, 1, 2, &t->hour) && take(c, ':')
          && small(c, 1, 2, &t->minute) && take(c, ':')
          && small(c, 1, 2, &t->second);
        break;
    case 'F':
        ok = digits(c, 4, 4, &t->year) && take(c, '-')
          && small(c, 1, 2, &t->month) && take(c, '-')
          && small(c, 1, 2, &t->day);
        t->has_year = true;
        break;
    case 's': {
        bool negative = take(c, '-');
        ok = digits(c, 1, 12, &t->epoch_s);
        if (negative)
            t->epoch_s = -t->epoch_s;
        t->has_epoch = true;
        break;
    }
    case '%':
        ok = take(c, '%');
        break;
    default:
        return "unknown directive";
    }
    return ok ? NULL : "does not match the --time-format pattern";
}

static const char known_directives[] =
    "%Y %y %m %d %e %j %H %M %S %b %h %z %T %F %s %%";

bool time_pattern_check(const char *pattern, const char **why)
{
    static char const *const unknown =
        "unknown directive (known: %Y %y %m %d %e %j %H %M %S %b %h %z "
        "%T %F %s %%)";
    bool any = false;
    for (const char *p = pattern; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (!*p || !strchr(known_directives, *p) || *p == ' ') {
            *why = unknown;
            return false;
        }
        any = true;
    }
    if (!any) {
        *why = "no directive such as %Y";
        return false;
    }
    return true;
}

/* The text at C as PATTERN says: a blank in it stands for any run of
 * blanks, even none, as with strptime; other bytes match themselves. */
static const char *read_pattern(struct cursor *c, const char *pattern,
                                struct civil *t)
{
    t->month = t->day = 1;
    for (const char *p = pattern; *p; p++) {
        if (is_blank(*p)) {
            skip_blanks(c);
        } else if (*p == '%' && p[1]) {
            const char *why = read_directive(c, *++p, t);
            if (why)
                return why;
        } else if (!take(c, *p)) {
            return "does not match the --time-format pattern";
        }
    }
    return NULL;
}

/* The time T stands for, its year known, in milliseconds; or NULL with
 * the reason it is not a time. */
static const char *civil_to_ms(const struct civil *t, int64_t *ms)
{
    if (t->has_epoch) {
        *ms = t->epoch_s * MS_PER_SECOND + t->ms;
        return NULL;
    }
    int64_t days;
    if (t->year < 1000 || t->year > 9999)
        return "year out of range (1000 to 9999)";
    if (t->yday) {
        if (t->yday > 365 + is_leap(t->year))
            return "day of the year out of range";
        days = days_from_civil(t->year, 1, t->yday);
    } else {
        if (t->month < 1 || t->month > 12)
            return "month out of range";
        if (t->day < 1 || t->day > days_in_month(t->year, t->month))
            return "day out of range";
        days = days_from_civil(t->year, t->month, t->day);
    }
    /* A leap second, :60, is read as the first second after it. */
    if (t->hour > 23 || t->minute > 59 || t->second > 60)
        return "time of day out of range";
    int64_t seconds = days * SECONDS_PER_DAY + t->hour * 3600
                    + t->minute * 60 + t->second - t->offset_s;
    *ms = seconds * MS_PER_SECOND + t->ms;
    return NULL;
}

/* Gives T, read without a year, the year that puts it at most
 * SYSLOG_AHEAD_MS after NOW_MS: the current year in UTC, or the one
 * before. */
static void choose_year(struct civil *t, int64_t now_ms)
{
    int64_t year;
    int month, day;
    civil_from_days(floor_div(now_ms, MS_PER_DAY), &year, &month, &day);
    t->year = year;
    /* February 29 of a common year counts as March 1 in this test only. */
    int64_t days = days_from_civil(year, t->month < 1 || t->month > 12
                                         ? 1 : t->month, t->day);
    int64_t ms = (days * SECONDS_PER_DAY + t->hour * 3600 + t->minute * 60
                  + t->second - t->offset_s) * MS_PER_SECOND;
    if (ms > now_ms + SYSLOG_AHEAD_MS)
        t->year = year - 1;
    t->has_year = true;
}

/* Which format TEXT is in, by its first bytes. */
static enum time_format guess_format(const struct cursor *c)
{
    const char *p = c->p;
    size_t len = (size_t)(c->end - p);
    if (len >= 5 && is_digit(p[0]) && p[4] == '-')
        return TIME_ISO;
    if (len >= 3 && is_digit(p[0]) && (p[1] == '/' || p[2] == '/'))
        return TIME_CLF;
    if (len >= 1 && (is_digit(p[0]) || p[0] == '-'))
        return TIME_EPOCH;
    return TIME_SYSLOG;
}

bool time_parse(const struct time_spec *spec, const char *text, size_t len,
                int64_t *ms, const char **why)
{
    struct cursor c = { text, text + len };
    skip_blanks(&c);
    while (c.end > c.p && is_blank(c.end[-1]))
        c.end--;
    if (at_end(&c)) {
        *why = "empty";
        return false;
    }
    /* As an access log writes it; --log-format has taken them off. */
    if (spec->format != TIME_PATTERN && *c.p == '['
        && c.end[-1] == ']') {
        c.p++;
        c.end--;
    }
    struct civil t = { .month = 0 };
    enum time_format format = spec->format;
    if (format == TIME_AUTO) {
        format = guess_format(&c);
        struct cursor month = c;
        int m;
        if (format == TIME_SYSLOG && !month_name(&month, &m)) {
            *why = "not a time in a known format (CLF, ISO 8601, syslog, "
                   "epoch seconds)";
            return false;
        }
    }
    const char *problem = NULL;
    switch (format) {
    case TIME_AUTO:
    case TIME_ISO:
        problem = read_iso(&c, &t);
        break;
    case TIME_CLF:
        problem = read_clf(&c, &t);
        break;
    case TIME_SYSLOG:
        problem = read_syslog(&c, &t);
        break;
    case TIME_EPOCH:
        problem = read_epoch(&c, &t, false);
        break;
    case TIME_EPOCH_MS:
        problem = read_epoch(&c, &t, true);
        break;
    case TIME_PATTERN:
        problem = read_pattern(&c, spec->pattern, &t);
        break;
    }
    if (!problem && !at_end(&c))
        problem = "text after the time";
    if (!problem && !t.has_year && !t.has_epoch)
        choose_year(&t, spec->now_ms);
    if (!problem)
        problem = civil_to_ms(&t, ms);
    if (!problem && (*ms < time_min_ms || *ms >= time_max_ms))
        problem = "out of range (years 1000 to 9999)";
    *why = problem;
    return problem == NULL;
}

/* N followed by s, m, h or d, as milliseconds; N at most 7 digits. */
static bool read_duration(const char *text, int64_t *ms)
{
    struct cursor c = { text, text + strlen(text) };
    int64_t n;
    if (!digits(&c, 1, 7, &n) || c.end - c.p != 1)
        return false;
    static const char units[] = "smhd";
    static const int64_t unit_s[] = { 1, 60, 3600, SECONDS_PER_DAY };
    const char *u = strchr(units, *c.p);
    if (!u || !*u)
        return false;
    *ms = n * unit_s[u - units] * MS_PER_SECOND;
    return true;
}

bool time_parse_duration(const char *text, int64_t *ms, const char **why)
{
    if (!read_duration(text, ms)) {
        *why = "not a duration such as 30s, 5m, 1h or 1d";
        return false;
    }
    if (*ms < MS_PER_SECOND || *ms > 3660 * MS_PER_DAY) {
        *why = "not from 1s to 3660d";
        return false;
    }
    return true;
}

bool time_parse_bound(const char *text, int64_t now_ms, int64_t *ms,
                      const char **why)
{
    if (text[0] == '-' && is_digit(text[1])) {
        int64_t ago;
        if (!read_duration(text + 1, &ago)) {
            *why = "not a time ago such as -15m, -2h or -1d";
            return false;
        }
        *ms = now_ms - ago;
        if (*ms < time_min_ms) {
            *why = "out of range (years 1000 to 9999)";
            return false;
        }
        return true;
    }
    const struct time_spec iso = { .format = TIME_ISO, .now_ms = now_ms };
    if (!time_parse(&iso, text, strlen(text), ms, why)) {
        *why = "not an ISO 8601 time such as 2026-12-06T05:08:05Z, "
               "nor a time ago such as -15m";
        return false;
    }
    return true;
}

int64_t time_bucket_start(int64_t ms, int64_t width_ms)
{
    return floor_div(ms, width_ms) * width_ms;
}

/* Writes the WIDTH last decimal digits of N, which is not negative, at
 * OUT; returns the byte after them. */
static char *put_digits(char *out, int64_t n, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + n % 10);
        n /= 10;
    }
    return out + width;
}

/* By hand rather than with snprintf: with --bucket it runs whenever a
 * record's bucket is not the last one's. */
size_t time_format_iso(char out[TIME_TEXT_SIZE], int64_t ms)
{
    int64_t days = floor_div(ms, MS_PER_DAY);
    int64_t second = (ms - days * MS_PER_DAY) / MS_PER_SECOND;
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    char *p = put_digits(out, year, 4);
    *p++ = '-';
    p = put_digits(p, month, 2);
    *p++ = '-';
    p = put_digits(p, day, 2);
    *p++ = 'T';
    p = put_digits(p, second / 3600, 2);
    *p++ = ':';
    p = put_digits(p, second / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, second % 60, 2);
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - out);
}
