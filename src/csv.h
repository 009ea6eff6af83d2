/* csv: records in RFC 4180's CSV (--csv).  A field that starts with a
 * double quote ends at the quote that closes it and may hold separators,
 * line breaks and doubled quotes; so where a record ends is known only by
 * scanning from the start of a record, which the producer does to cut
 * blocks and the worker to take records.  Both use csv_scan, so they
 * agree.  The splitter takes the fields of one record, quotes removed. */
#ifndef FANOUT_CSV_H
#define FANOUT_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* Where a scan stands in a record. */
enum csv_place {
    CSV_FIELD_START,        /* a quote here opens a quoted field */
    CSV_UNQUOTED,
    CSV_QUOTED,
    CSV_QUOTE_IN_QUOTED,    /* after a quote in a quoted field: it closes
                               the field unless another quote follows */
};

/* A scan of one record, which may go on over several pieces of input. */
struct csv_scan {
    enum csv_place place;
    uint64_t lines;             /* terminators inside quoted fields */
    enum record_status fault;   /* RECORD_OK, or the first bad quote:
                                   RECORD_UNTERMINATED_QUOTE,
                                   RECORD_STRAY_QUOTE or
                                   RECORD_TEXT_AFTER_QUOTE */
    size_t fault_at;            /* offset of that quote in the record */
    size_t quote_at;            /* offset of the quote that opened the
                                   field being scanned */
    size_t done;                /* bytes of the record scanned so far */
};

/* A scan at the start of a record. */
void csv_scan_start(struct csv_scan *s);

/* Scans the LEN bytes at P, which follow those S has scanned, for the
 * terminator that ends the record: returns its offset in P, or LEN if
 * the record goes on past them.  Faults are noted in S, not stopped at,
 * so that every scan finds the same ends. */
size_t csv_scan(struct csv_scan *s, const char *p, size_t len,
                char separator, char terminator);

/* The offset just past the last record end in the LEN bytes at DATA,
 * whose first record starts at offset FROM; 0 if none ends there. */
size_t csv_last_end(const char *data, size_t len, size_t from,
                    char separator, char terminator);

/* One record, as csv_record finds it. */
struct csv_record {
    size_t len;                 /* its bytes, up to its terminator */
    uint64_t lines;             /* terminators inside its quoted fields */
    enum record_status fault;   /* as in struct csv_scan */
    size_t fault_field;         /* 1-based field of the fault, or 0 */
    bool masks;                 /* it ends within its first 64 bytes, and
                                   these are their masks, for csv_split: */
    uint64_t separators;        /* separators outside quoted fields */
    uint64_t quotes;
};

/* Scans the record that starts at P, among the AVAIL bytes there, which
 * end where a record or the input does.  A quoted field still open at the
 * end is unterminated, and a terminator ending the bytes is not part of
 * it. */
void csv_record(const char *p, size_t avail, char separator,
                char terminator, struct csv_record *out);

/* Finishes the scan of a record that ends after the bytes scanned,
 * noting an unterminated quoted field; returns the 1-based field of
 * s->fault in the RECORD bytes scanned, or 0 if there is none. */
size_t csv_scan_finish(struct csv_scan *s, const char *record,
                       char separator);

struct csv_splitter;

/* A splitter for FORMAT (field mode, with field_separator), which must
 * outlive it. */
struct csv_splitter *csv_splitter_new(const struct record_format *format);
void csv_splitter_free(struct csv_splitter *s);

/* Splits the LEN bytes at RECORD, a record whose scan SCAN (or NULL)
 * found no fault (no terminator, no trailing CR), into its key and value,
 * unquoted; the READABLE bytes there (at least LEN) may be read.  What OUT
 * points to lasts until the next split. */
enum record_status csv_split(struct csv_splitter *s, const char *record,
                             size_t len, size_t readable,
                             const struct csv_record *scan,
                             struct record_parts *out);

/* Field FIELD (1-based, a key, value or --where field) of the record
 * the last csv_split found RECORD_OK, unquoted, into *TEXT and *LEN. */
void csv_splitter_field(const struct csv_splitter *s, size_t field,
                        const char **text, size_t *len);

#endif
