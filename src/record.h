/* record: cutting one record into its key and its value text, in
 * key-value mode (KEY<delimiter>VALUE) or field mode (--key, --value).
 * A splitter holds per-thread scratch space for composite keys. */
#ifndef FANOUT_RECORD_H
#define FANOUT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

struct log_format_def;

struct record_format {
    bool field_mode;
    char delimiter;             /* key-value mode */
    const size_t *key_fields;   /* field mode: 1-based field numbers */
    size_t key_field_count;
    size_t value_field;         /* field mode: 1-based, 0 for none */
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
    const size_t *where_fields; /* field mode: 1-based, the fields --where
                                   reads, which a record must have too */
    size_t where_field_count;
    size_t time_field;          /* field mode: 1-based, --time's field,
                                   which a record must have; 0 for none */
    bool time_key;              /* --bucket: the key's first column is
                                   the start of the time bucket, before
                                   the key_fields */
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
    size_t missing_field;   /* for RECORD_MISSING_FIELD */
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

/* Joins the key fields FORMAT names among FIELDS, separated by
 * RECORD_KEY_JOIN, into the buffer *KEY of *KEY_CAP bytes, grown as
 * needed, and points OUT's key at it; a key whose fields are all empty
 * has length 0. */
void record_join_key(const struct record_format *format,
                     const struct record_field *fields, char **key,
                     size_t *key_cap, struct record_parts *out);

struct splitter;

/* A splitter for FORMAT, which must outlive it. */
struct splitter *splitter_new(const struct record_format *format);
void splitter_free(struct splitter *s);

/* Splits the LEN bytes at RECORD (no terminator, no trailing CR). */
enum record_status splitter_split(struct splitter *s, const char *record,
                                  size_t len, struct record_parts *out);

/* Field FIELD (1-based, a key, value or --where field) of the record
 * the last split found RECORD_OK, into *TEXT and *LEN. */
void splitter_field(const struct splitter *s, size_t field,
                    const char **text, size_t *len);

/* The highest of FORMAT's key, value, --where and --time fields; field
 * mode. */
size_t record_highest_field(const struct record_format *format);

/* The lowest-numbered of FORMAT's key, value, --where and --time fields
 * above
 * FOUND: the one to name when a record has only FOUND fields. */
size_t record_missing_field(const struct record_format *format,
                            size_t found);

#endif
