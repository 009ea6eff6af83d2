/* block: the unit of work.  A block holds a run of whole records from one
 * input, its place in the sequence, and after a worker is done with it the
 * outcome: how many records it held and which were rejected and why.  A
 * block belongs to exactly one stage at a time (pool, producer, queue,
 * worker, reorder window, collector), so none of it is locked. */
#ifndef FANOUT_BLOCK_H
#define FANOUT_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes allocated past a block's capacity: two for sentinel terminators
 * and enough more that reads of up to 16 bytes may start at either. */
enum { BLOCK_SLACK = 32 };

/* What kind of rejection a record met: one code per kind of message (the
 * message itself says more), so that the rejections of a run can be
 * counted by kind.  The four bounds come in the order of enum bound_kind. */
enum reject_reason {
    REJECT_NO_DELIMITER,
    REJECT_MISSING_FIELD,
    REJECT_EMPTY_KEY,
    REJECT_MISSING_VALUE,
    REJECT_INVALID_NUMBER,
    REJECT_TOO_MANY_DIGITS,
    REJECT_BELOW_MIN,
    REJECT_ABOVE_MAX,
    REJECT_NOT_ABOVE,
    REJECT_NOT_BELOW,
    REJECT_KEY_MISMATCH,
    REJECT_TOO_LONG,
    REJECT_NUL_BYTE,
    REJECT_BAD_QUOTE,
    REJECT_MALFORMED,
    REJECT_INVALID_TIME,
    REJECT_REASONS
};

struct rejection {
    uint64_t record;      /* index of the record within the block */
    uint64_t line;        /* index of the line it starts on there */
    size_t start;         /* offset of the record's bytes in data */
    size_t len;           /* record bytes, without its terminator */
    size_t reason;        /* offset of the reason text in reasons */
    size_t reason_len;
    bool unkept;          /* too long to keep: not for the rejects file */
    bool skipped;         /* no rejection but a blank record, or one
                             --where, --since or --until drops, left out
                             of the output all the same: no reason, no
                             report, not for the rejects file */
    bool filtered;        /* skipped because --where, --since or --until
                             drops it */
    enum reject_reason kind;
};

struct block {
    /* Set by the producer. */
    uint64_t seq;               /* position in the whole run, from 0 */
    size_t input;               /* index of the input it came from */
    bool starts_input;          /* data is the start of that input */
    char *data;                 /* whole records; the last may lack its
                                   terminator only at the end of an input */
    size_t len, cap;            /* data has room for cap + BLOCK_SLACK */
    bool oversized;             /* instead of data: one record longer than
                                   --max-record, read past and dropped */
    uint64_t oversized_lines;   /* line breaks inside that record (CSV) */
    bool unread;                /* data is still to be read: the len bytes
                                   at offset of descriptor fd, for the
                                   worker to read (reader_load) */
    int fd;
    uint64_t offset;
    char terminator;            /* the byte the span was cut after */
    int read_error;             /* reader_load failed: errno,
                                   READER_SHRANK or READER_CHANGED
                                   (reader.h) */

    /* Set by the worker. */
    uint64_t records;           /* records in data */
    uint64_t lines;             /* lines they start on or span */
    uint64_t missing;           /* accepted records without a value
                                   (--na) */
    struct rejection *rejections;   /* and skipped records, in order */
    size_t rejection_count, rejection_cap;
    char *reasons;              /* reason texts, not NUL-terminated */
    size_t reasons_len, reasons_cap;
};

struct block *block_new(void);
void block_free(struct block *b);

/* Makes room for at least CAP bytes of data, keeping what is there. */
void block_reserve(struct block *b, size_t cap);

/* Forgets the worker's outcome so the block can be filled again. */
void block_clear_results(struct block *b);

/* The length of the UTF-8 byte-order mark B's data starts with, if it
 * starts its input: 3, or 0 for none.  It belongs to no record's fields. */
size_t block_bom_len(const struct block *b);

/* Records that the record at index RECORD, LEN bytes at START, is
 * rejected, of kind KIND, for the reason given by FORMAT, whose only
 * conversions may be %s and %zu.  Its line is taken to be RECORD too (one
 * line a record); a caller that knows better sets it after. */
void block_reject(struct block *b, uint64_t record, size_t start,
                  size_t len, enum reject_reason kind,
                  const char *format, ...)
    __attribute__((format(printf, 6, 7)));

/* Records that the blank record at index RECORD, LEN bytes at START, is
 * skipped: among the rejections, so that output leaves it out as it does
 * them, but marked as no rejection. */
void block_skip(struct block *b, uint64_t record, size_t start, size_t len);

/* Records that the record at index RECORD, LEN bytes at START, is
 * filtered by --where, --since or --until: skipped as block_skip does,
 * and marked so. */
void block_filter(struct block *b, uint64_t record, size_t start,
                  size_t len);

#endif
