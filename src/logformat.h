/* logformat: lines whose "quoted" and [bracketed] groups are single
 * fields, and the web server access log formats built on them (common
 * and combined, as nginx and Apache write them): their field names, the
 * fields derived from the request line, and what a line must look like
 * to be in the format. */
#ifndef FANOUT_LOGFORMAT_H
#define FANOUT_LOGFORMAT_H

#include <stdbool.h>
#include <stddef.h>

/* The fields derived from the request ("GET /a?b HTTP/1.1"), numbered
 * after a format's own fields. */
enum log_derived {
    LOG_METHOD,             /* up to the first blank */
    LOG_PATH,               /* the target up to '?' */
    LOG_QUERY,              /* the target after '?', empty if none */
    LOG_PROTOCOL,           /* the last word, if it starts with HTTP/ */
    LOG_DERIVED_COUNT
};

enum { LOG_MAX_FIELDS = 9 };

struct log_format_def {
    const char *name;               /* for --log-format */
    const char *summary;            /* one line for --help */
    size_t field_count;             /* fields of a line */
    /* Field names by number - 1, then the derived fields; NULL for a
     * field with no name. */
    const char *names[LOG_MAX_FIELDS + LOG_DERIVED_COUNT];
    char shape[LOG_MAX_FIELDS];     /* each field: '"', '[' or 0 (bare) */
    size_t request;                 /* the request's field number */
    size_t status;                  /* the status's field number */
    size_t bytes;                   /* the body size's field number */
};

extern const struct log_format_def log_format_defs[];
extern const size_t log_format_def_count;

/* The format named NAME, or NULL. */
const struct log_format_def *log_format_find(const char *name);

/* The field number NAME (LEN bytes) has in DEF, derived fields following
 * its own; 0 if none. */
size_t log_format_field(const struct log_format_def *def, const char *name,
                        size_t len);

/* A field of a line split at blanks with groups kept whole. */
struct log_field {
    const char *start;      /* NULL: a derived field the line lacks */
    size_t len;             /* without the quotes or brackets */
    char shape;             /* '"', '[' or 0 for a bare field */
};

/* Splits the LEN bytes at P at runs of blanks into up to MAX fields in F,
 * setting *N to how many it found.  A group that starts with '"' (or '[')
 * runs to the next '"' (or ']') that a blank or the end follows, and a
 * backslash inside quotes hides the byte after it (Apache writes \" for
 * a quote, nginx \x22).  Returns false for a group that does not end,
 * whose opening shape is then in F[*N].shape. */
bool log_split(const char *p, size_t len, struct log_field *f, size_t max,
               size_t *n);

/* Whether the N fields F are a line in format DEF; if not, writes why,
 * as a phrase, into WHY (WHY_SIZE bytes). */
bool log_format_fits(const struct log_format_def *def, struct log_field *f,
                     size_t n, char *why, size_t why_size);

/* Fills the derived fields of the line F in format DEF, after DEF's own
 * (F must have room); a part the request lacks gets a NULL start. */
void log_format_derive(const struct log_format_def *def, struct log_field *f);

#endif
