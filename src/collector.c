/* collector: in-order accounting, reports and ordered output. */
#include "config.h"

#include "collector.h"
#include "block.h"
#include "diag.h"
#include "number.h"
#include "options.h"
#include "writer.h"

#include <stdlib.h>
#include <string.h>

struct collector {
    const struct config *cfg;
    struct writer *out;
    struct writer *reports;
    struct writer *rejects;
    size_t input;               /* input the line numbers count in */
    uint64_t lines_before;      /* lines of that input in earlier blocks */
    char *report_line;          /* "PROGRAM: INPUT:" for that input, made
                                   at its first rejection, and room for a
                                   line number and ": " after it */
    size_t report_prefix_len;
    struct tally tally;
};

struct collector *collector_new(const struct config *cfg,
                                struct writer *out, struct writer *reports,
                                struct writer *rejects)
{
    struct collector *c = xcalloc(1, sizeof *c);
    c->cfg = cfg;
    c->out = out;
    c->reports = reports;
    c->rejects = rejects;
    c->lines_before = cfg->header_in;   /* an input's header is line 1 */
    return c;
}

void collector_free(struct collector *c)
{
    if (!c)
        return;
    free(c->report_line);
    free(c);
}

const struct tally *collector_tally(const struct collector *c)
{
    return &c->tally;
}

/* Writes the accepted records between offsets FROM and TO of B, adding
 * the terminator a final record of an input may lack. */
static void write_span(struct collector *c, const struct block *b,
                       size_t from, size_t to)
{
    if (from >= to)
        return;
    writer_put(c->out, b->data + from, to - from);
    if (to == b->len && b->data[to - 1] != c->cfg->terminator)
        writer_putc(c->out, c->cfg->terminator);
}

/* Offset just past rejected record R and its terminator, if any. */
static size_t after(const struct block *b, const struct rejection *r)
{
    size_t end = r->start + r->len;
    return end < b->len ? end + 1 : end;
}

bool collector_writes_early(const struct collector *c)
{
    return c->cfg->mode == OUTPUT_UNORDERED && !c->cfg->limit_errors;
}

bool collector_write_early(struct collector *c, const struct block *b)
{
    size_t from = 0;
    for (size_t i = 0; i < b->rejection_count; i++) {
        write_span(c, b, from, b->rejections[i].start);
        from = after(b, &b->rejections[i]);
    }
    write_span(c, b, from, b->len);
    return writer_error(c->out) == 0;
}

/* "PROGRAM: INPUT:", which starts every report on the input, in a buffer
 * with room for what follows it up to the reason. */
static char *report_line(const char *input, size_t *prefix_len)
{
    size_t program_len = strlen(program_name), input_len = strlen(input);
    char *line = xmalloc(program_len + input_len + 3 + NUMBER_TEXT_SIZE + 2);
    memcpy(line, program_name, program_len);
    memcpy(line + program_len, ": ", 2);
    memcpy(line + program_len + 2, input, input_len);
    line[program_len + 2 + input_len] = ':';
    *prefix_len = program_len + input_len + 3;
    return line;
}

static void report(struct collector *c, const struct block *b,
                   const struct rejection *r)
{
    if (!c->cfg->quiet) {
        /* One line per rejection, which can be most of a bad input: no
         * printf, and the start of the line is kept from one to the
         * next. */
        if (!c->report_line)
            c->report_line = report_line(c->cfg->input_names[b->input],
                                         &c->report_prefix_len);
        char *line = c->report_line;
        size_t len = c->report_prefix_len;
        len += number_format(line + len, c->lines_before + r->line + 1,
                             false, 0);
        line[len++] = ':';
        line[len++] = ' ';
        writer_put(c->reports, line, len);
        writer_put(c->reports, b->reasons + r->reason, r->reason_len);
        writer_putc(c->reports, '\n');
    }
    if (c->rejects && !r->unkept) {
        writer_put(c->rejects, b->data + r->start, r->len);
        writer_putc(c->rejects, c->cfg->terminator);
    }
}

bool collector_take(struct collector *c, const struct block *b)
{
    bool ordered = c->cfg->mode != OUTPUT_AGGREGATE
                && !collector_writes_early(c);
    if (b->input != c->input) {
        c->input = b->input;
        c->lines_before = c->cfg->header_in;
        free(c->report_line);
        c->report_line = NULL;
    }

    size_t from = 0;
    for (size_t i = 0; i < b->rejection_count; i++) {
        const struct rejection *r = &b->rejections[i];
        if (ordered)
            write_span(c, b, from, r->start);
        from = after(b, r);
        if (r->skipped) {
            c->tally.skipped++;
            if (r->filtered)
                c->tally.filtered++;
            else
                c->tally.blank++;
            continue;
        }
        report(c, b, r);
        c->tally.rejected++;
        c->tally.rejected_by[r->kind]++;
        if (c->cfg->limit_errors && c->tally.rejected > c->cfg->max_errors) {
            c->tally.read += r->record + 1;
            c->tally.too_many_errors = true;
            return false;
        }
    }
    if (ordered)
        write_span(c, b, from, b->len);
    c->tally.read += b->records;
    c->tally.missing += b->missing;
    c->lines_before += b->lines;
    return writer_error(c->out) == 0
        && !(c->rejects && writer_error(c->rejects));
}

bool collector_flush(struct collector *c)
{
    writer_flush(c->reports);
    bool ok = writer_flush(c->out);
    if (c->rejects && !writer_flush(c->rejects))
        ok = false;
    return ok;
}
