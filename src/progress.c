/* progress: drawing, refreshing and taking down the status line. */
#include "config.h"

#include "progress.h"
#include "diag.h"
#include "stats.h"
#include "writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* How often the line is redrawn: often enough to look alive, seldom
 * enough to cost nothing and to be readable. */
static const uint64_t REFRESH_NS = 250000000u;

enum { LINE_MAX_BYTES = 256 };

struct progress {
    int fd;
    bool terminal;              /* fd is a terminal: redraw in place and
                                   erase with ESC [ K; else whole lines */
    bool json;                  /* lines not on a terminal are JSON */
    const struct stats *stats;
    uint64_t next_ns;           /* when the line is due again */
    size_t shown;               /* length of the line on screen, 0: none */
};

struct progress *progress_new(int fd, enum progress_when when, bool json,
                              const struct stats *s)
{
    bool terminal = isatty(fd) == 1;
    if (when == PROGRESS_NEVER || (when == PROGRESS_AUTO && !terminal))
        return NULL;
    struct progress *p = xcalloc(1, sizeof *p);
    p->fd = fd;
    p->terminal = terminal;
    p->json = json;
    p->stats = s;
    p->next_ns = s->start_ns + REFRESH_NS;
    return p;
}

void progress_free(struct progress *p)
{
    if (p) {
        progress_clear(p);
        free(p);
    }
}

/* Writes the LEN bytes at TEXT to the line's descriptor.  The line is a
 * courtesy: a write that fails is not retried or reported. */
static void emit(const struct progress *p, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(p->fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

void progress_clear(void *arg)
{
    struct progress *p = arg;
    /* Only a terminal's line is ever shown: elsewhere lines are whole. */
    if (!p || p->shown == 0)
        return;
    emit(p, "\r\033[K", 4);
    p->shown = 0;
}

/* BYTES in a short human form: 512 B, 1.5 KiB, 12.3 MiB... */
static void human_size(char *out, size_t size, double bytes)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
    if (bytes < 1024) {
        snprintf(out, size, "%.0f B", bytes);
        return;
    }
    int u = 0;
    for (bytes /= 1024; bytes >= 1024 && u < 4; bytes /= 1024)
        u++;
    snprintf(out, size, "%.1f %s", bytes, units[u]);
}

/* SECONDS as M:SS, or H:MM:SS from an hour on. */
static void clock_time(char *out, size_t size, uint64_t seconds)
{
    if (seconds >= 3600)
        snprintf(out, size, "%" PRIu64 ":%02u:%02u", seconds / 3600,
                 (unsigned)(seconds / 60 % 60), (unsigned)(seconds % 60));
    else
        snprintf(out, size, "%u:%02u", (unsigned)(seconds / 60),
                 (unsigned)(seconds % 60));
}

/* The text of the line: records and bytes so far, the rate, and with a
 * known input size the share done and the time left; else the time
 * spent. */
static size_t format_line(const struct progress *p, uint64_t records,
                          uint64_t now, char *out, size_t size)
{
    const struct stats *s = p->stats;
    uint64_t bytes = stats_get(&s->bytes_read);
    double elapsed = (double)(now - s->start_ns) / 1e9;
    double rate = elapsed > 0 ? (double)bytes / elapsed : 0;
    char done[32], total[32], speed[32], when[32];
    int n;

    human_size(done, sizeof done, (double)bytes);
    human_size(speed, sizeof speed, rate);
    if (s->size_known) {
        uint64_t whole = s->input_size;
        uint64_t part = bytes < whole ? bytes : whole;
        unsigned share = whole ? (unsigned)(part * 100.0 / (double)whole)
                               : 100;
        human_size(total, sizeof total, (double)whole);
        if (rate > 0)
            clock_time(when, sizeof when,
                       (uint64_t)((double)(whole - part) / rate + 0.5));
        else
            strcpy(when, "?");
        n = snprintf(out, size, "%s: %" PRIu64 " records, %s of %s (%u%%),"
                     " %s/s, %s left", program_name, records, done, total,
                     share, speed, when);
    } else {
        clock_time(when, sizeof when, (uint64_t)elapsed);
        n = snprintf(out, size, "%s: %" PRIu64 " records, %s, %s/s, %s",
                     program_name, records, done, speed, when);
    }
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* The line as JSON: the same counts, in the units of the --stats=json
 * report. */
static size_t format_json(const struct progress *p, uint64_t records,
                          uint64_t now, char *out, size_t size)
{
    const struct stats *s = p->stats;
    uint64_t ns = now - s->start_ns;
    char when[DIAG_TIME_SIZE], total[32] = "null";
    diag_utc_time(when);
    if (s->size_known)
        snprintf(total, sizeof total, "%" PRIu64, s->input_size);
    int n = snprintf(out, size, "{\"time\":\"%s\",\"progress\":{\"records\":%"
                     PRIu64 ",\"bytes_read\":%" PRIu64 ",\"input_size\":%s,"
                     "\"seconds\":%" PRIu64 ".%06" PRIu64 "}}", when, records,
                     stats_get(&s->bytes_read), total, ns / 1000000000u,
                     ns / 1000 % 1000000);
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* Columns of the terminal, or 0 if unknown. */
static size_t terminal_width(const struct progress *p)
{
    struct winsize ws;
    if (!p->terminal || ioctl(p->fd, TIOCGWINSZ, &ws) != 0)
        return 0;
    return ws.ws_col;
}

void progress_update(struct progress *p, uint64_t records,
                     struct writer *messages)
{
    if (!p)
        return;
    uint64_t now = stats_now();
    if (now < p->next_ns)
        return;
    p->next_ns = now + REFRESH_NS;
    writer_flush(messages);

    char line[LINE_MAX_BYTES + 1];
    if (!p->terminal) {
        /* A file or a pipe keeps every line: whole lines, no redrawing. */
        size_t len = p->json ? format_json(p, records, now, line, sizeof line - 1)
                             : format_line(p, records, now, line, sizeof line - 1);
        line[len++] = '\n';
        emit(p, line, len);
        return;
    }
    size_t len = format_line(p, records, now, line, sizeof line);
    /* A line as wide as the terminal would wrap, and a carriage return
     * goes back to the start of the last row only. */
    size_t width = terminal_width(p);
    if (width > 1 && len > width - 1)
        len = width - 1;

    char text[LINE_MAX_BYTES + 8];
    size_t at = 0;
    text[at++] = '\r';
    memcpy(text + at, line, len);
    at += len;
    memcpy(text + at, "\033[K", 3);
    at += 3;
    emit(p, text, at);
    p->shown = len;
}
