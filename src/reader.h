/* reader: the producer's side of input.  It opens the inputs up front
 * (named pipes only when their turn comes), then cuts the bytes of each,
 * in order, into blocks of whole records, which it reads itself or, for
 * regular files, may leave to the workers (reader_load). */
#ifndef FANOUT_READER_H
#define FANOUT_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct block;
struct reader;

/* Opens the N inputs NAMES ("-" is standard input), which must outlive
 * the reader; a named pipe is only checked for being readable, and opened
 * by reader_fill when its turn comes.  Reports every input that cannot
 * be read, a regular file in a compressed format fanout does not read
 * included, and returns NULL if there was any.  Up to DECODERS
 * compressed inputs are decoded at once.  Records longer
 * than MAX_RECORD bytes are not held: each becomes an oversized block.
 * If WORKERS_READ, blocks of regular files may be left unread, for the
 * thread that takes them to read with reader_load; their inputs stay open
 * until reader_close. */
struct reader *reader_open(char *const *names, size_t n, size_t batch,
                           char terminator, size_t max_record,
                           bool workers_read, size_t decoders);

/* Opens the input NAME ("-" is standard input) for reading; returns the
 * descriptor, or -1 after reporting why it cannot be read. */
int reader_open_input(const char *name);

/* The descriptor reader_open_early gives a named pipe, which is opened
 * with reader_open_in_turn when its turn comes. */
enum { READER_NOT_OPENED = -2 };

/* Opens the input NAME as reader_open_input does, except a named pipe,
 * which is only checked for being readable (opening it waits for its
 * writer): returns READER_NOT_OPENED for it, or -1 after reporting why
 * NAME cannot be read. */
int reader_open_early(const char *name);

/* Opens the named pipe NAME, whose turn has come, waiting for a writer;
 * returns the descriptor, or -1 with errno set.  A signal that the
 * calling thread takes ends the wait with EINTR once signals_caught()
 * tells of it. */
int reader_open_in_turn(const char *name);

/* Sets *ST to what fstat(2) says of input I and returns true, or returns
 * false for a named pipe not opened yet. */
bool reader_input_stat(const struct reader *r, size_t i, struct stat *st);

/* Makes R cut blocks at the ends of CSV records, whose fields are
 * separated by SEPARATOR (csv.h); all input is then read in order. */
void reader_read_csv(struct reader *r, char separator);
/* Checks the header LINE (LEN bytes, no terminator) of input I, the
 * second or a later one; false refuses it, after writing why into WHY
 * (WHY_SIZE bytes). */
typedef bool reader_header_check(void *ctx, size_t i, const char *line,
                                 size_t len, char *why, size_t why_size);

/* Makes the first line of each input a header, not a record: the reader
 * reads it itself when the input's turn comes, and hands those of later
 * inputs to CHECK(CTX, ...), which may refuse them: reader_error is then
 * READER_HEADER.  The first input's
 * is read at once: *LINE and *LEN are set to it (NULL if the input is
 * empty), valid until the next call on R.  Returns false on a read
 * error, which reader_error then describes.  Before any reader_fill. */
bool reader_take_headers(struct reader *r, reader_header_check *check,
                         void *ctx, const char **line, size_t *len);

/* Header lines read so far; for the thread that fills blocks. */
uint64_t reader_headers_read(const struct reader *r);

/* Closes what is still open and frees R. */
void reader_close(struct reader *r);

/* Fills B with the next whole records (at least one), or marks it
 * oversized for one record too long to hold, or unread, setting its data,
 * len, input, oversized, unread, fd and offset.  Returns false at the end
 * of all input or on a read error, which reader_error then describes. */
bool reader_fill(struct reader *r, struct block *b);

/* Reads the records of B, which reader_fill left unread, and checks that
 * they still end where they were cut.  Safe in any thread, for any number
 * of blocks at once.  On failure sets b->read_error and returns false. */
bool reader_load(struct block *b);

/* The errors of a read that found its file shorter than when it was
 * opened, or no longer ending a span where it was cut, of compressed
 * input that is damaged or in a format fanout does not read, which no
 * errno describes. */
enum { READER_SHRANK = -1, READER_CHANGED = -2, READER_DECODE = -3 };

/* The errors of an input that starts with a UTF-16 or UTF-32 byte-order
 * mark: not of reading but of what was read. */
enum { READER_UTF16 = -4, READER_UTF32 = -5 };

/* The error of a header that does not fit (reader_take_headers). */
enum { READER_HEADER = -6 };

/* errno of a failure to read, or to open a named pipe in turn, one of
 * READER_*, or 0; *INPUT is set to the input's index. */
int reader_error(const struct reader *r, size_t *input);

/* What a READER_DECODE error was, as a phrase such as "gzip input is
 * truncated at line 4". */
const char *reader_error_message(const struct reader *r);

/* What a read error ERROR (errno or one of READER_*, but READER_DECODE)
 * means, as a phrase. */
const char *reader_error_text(int error);

/* Whether ERROR is one of reading, which the phrase alone does not say,
 * rather than of the bytes read. */
bool reader_error_is_read(int error);

/* Bytes read so far from all inputs, compressed ones as they are in the
 * file; for the thread that fills blocks. */
uint64_t reader_bytes_read(const struct reader *r);

/* Sets *COMPRESSED to the bytes read so far from compressed inputs and
 * *DECODED to what they decoded into; for the thread that fills
 * blocks. */
void reader_decoding(const struct reader *r, uint64_t *compressed,
                     uint64_t *decoded);

/* Whether the size of every input is known: a regular file's, unless it
 * may be a kernel's (/proc, /sys); if so, sets *SIZE to the bytes they
 * held from where reading starts, when they were opened, standard input
 * counted once. */
bool reader_input_size(const struct reader *r, uint64_t *size);

#endif
