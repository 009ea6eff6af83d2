/* record: cutting one record into its key and its value text, in
 * key-value mode (KEY<delimiter>VALUE) or field mode (--key, --value).
 * A splitter holds per-thread scratch space for composite keys. */
#ifndef FANOUT_RECORD_H
#define FANOUT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fieldscan;
struct log_format_def;

/* Field numbers are 1-based.  A field counted from the end of its record
 * (-1 the last, -2 the one before it) is held as that negative number
 * converted to size_t, so (size_t)-1 for -1: above SIZE_MAX / 2, where
 * no field counted from the start can be.  Its depth is the number
 * negated: 1 for the last field. */
static inline bool record_from_end(size_t field)
{
    return field > SIZE_MAX / 2;
}

/* The depth of FIELD counted from the end, or 0 if it counts from the
 * start. */
static inline size_t record_depth(size_t field)
{
    return record_from_end(field) ? -field : 0;
}

struct record_format {
    bool field_mode;
    char delimiter;             /* key-value mode */
    const size_t *key_fields;   /* field mode: field numbers, 1-based or
                                   from the end (record_from_end) */
    size_t key_field_count;
    size_t value_field;         /* field mode: as key_fields, 0 for none */
    bool blank_separated;       /* field mode: runs of blanks separate */
    char field_separator;       /* field mode, unless blank_separated */
    bool csv;                   /* field mode: RFC 4180 quoting (csv.h) */
    bool quoted_groups;         /* blank_separated: a "quoted" or
                                   [bracketed] group is one field */
    const struct log_format_def *log;   /* --log-format, or NULL; implies
                                           quoted_groups */
    const char *const *field_names;     /* for messages and --header:
                                           names by field number - 1,
                                           NULL entries for none */
    size_t field_name_count;
    const size_t *where_fields; /* field mode: as key_fields, the fields
                                   --where reads, which a record must
                                   have too */
    size_t where_field_count;
    size_t time_field;          /* field mode: 1-based or from the end,
                                   --time's field, which a record must
                                   have; 0 for none */
    bool time_key;              /* --bucket: the key's first column is
                                   the start of the time bucket, before
                                   the key_fields */
    const struct fieldscan *scan;       /* blank or separator scanning:
                                           the fastest here if NULL */
};

enum record_status {
    RECORD_OK,
    RECORD_NO_DELIMITER,
    RECORD_MISSING_FIELD,
    RECORD_EMPTY_KEY,
    RECORD_UNTERMINATED_QUOTE,  /* --csv: a bad quote (csv.h) */
    RECORD_STRAY_QUOTE,
    RECORD_TEXT_AFTER_QUOTE,
    RECORD_MALFORMED,       /* a group that does not end, or a line not
                               in the log format */
};

/* Separates the fields of a composite key in the stored key; printed as
 * TAB, the column separator. */
enum { RECORD_KEY_JOIN = '\0' };

struct record_parts {
    const char *key;        /* into the record, or the splitter's scratch */
    size_t key_len;
    const char *value;      /* blanks trimmed; NULL when not wanted */
    size_t value_len;
    size_t missing_field;   /* for RECORD_MISSING_FIELD; may count from
                               the end */
    size_t quote_field;     /* for a bad quote: the field it is in */
    const char *why;        /* for RECORD_MALFORMED: a phrase, in the
                               splitter's scratch */
};

/* One field of a record: where it starts, and its length. */
struct record_field {
    const char *start;
    size_t len;
};

/* Removes leading and trailing blanks (spaces and tabs) from the *LEN
 * bytes at *TEXT. */
void record_trim_blanks(const char **text, size_t *len);

/* Field FIELD (from the start or the end) of a record whose first FOUND
 * fields, or all FOUND if it has fields counted from the end, are
 * FIELDS; the record has it. */
static inline const struct record_field *
record_field_of(const struct record_field *fields, size_t found,
                size_t field)
{
    return record_from_end(field) ? &fields[found - record_depth(field)]
                                  : &fields[field - 1];
}

/* Joins the key fields FORMAT names among the FOUND FIELDS (as for
 * record_field_of), separated by RECORD_KEY_JOIN, into the buffer *KEY of
 * *KEY_CAP bytes, grown as needed, and points OUT's key at it; a key
 * whose fields are all empty has length 0. */
void record_join_key(const struct record_format *format,
                     const struct record_field *fields, size_t found,
                     char **key, size_t *key_cap, struct record_parts *out);

struct splitter;

/* A splitter for FORMAT, which must outlive it. */
struct splitter *splitter_new(const struct record_format *format);
void splitter_free(struct splitter *s);

/* Splits the LEN bytes at RECORD (no terminator, no trailing CR). */
enum record_status splitter_split(struct splitter *s, const char *record,
                                  size_t len, struct record_parts *out);

/* Field FIELD (a key, value or --where field, from the start or the
 * end) of the record the last split found RECORD_OK, into *TEXT and
 * *LEN. */
void splitter_field(const struct splitter *s, size_t field,
                    const char **text, size_t *len);

/* The highest of FORMAT's key, value, --where and --time fields counted
 * from the start; field mode. */
size_t record_highest_field(const struct record_format *format);

/* The greatest depth of FORMAT's fields counted from the end, 0 if none
 * is. */
size_t record_deepest_field(const struct record_format *format);

/* The first of FORMAT's key, value, --where and --time fields that a
 * record with only FOUND fields lacks: the lowest-numbered from the
 * start, else the shallowest from the end; the one to name. */
size_t record_missing_field(const struct record_format *format,
                            size_t found);

#endif
