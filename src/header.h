/* header: the first line of each input as the names of its fields
 * (--header-in).  It splits a header as records are split, finds the
 * column a name in --key or --value means, and checks that the header of
 * every later input has the named fields in the same columns. */
#ifndef FANOUT_HEADER_H
#define FANOUT_HEADER_H

#include <stdbool.h>
#include <stddef.h>

struct record_format;
struct header;

/* A header of the first input, the LEN bytes at LINE (no terminator),
 * split as FORMAT splits records, or none (LINE NULL: the input was
 * empty); FORMAT must outlive it. */
struct header *header_new(const struct record_format *format,
                          const char *line, size_t len);
void header_free(struct header *h);

/* The names of the header's fields, by field number - 1. */
const char *const *header_names(const struct header *h, size_t *count);

/* The field number the name ITEM (LEN bytes) has: its first column of
 * that name, or 0 for none. */
size_t header_field(const struct header *h, const char *item, size_t len);

/* Writes the header's names, comma-separated and quoted as excerpts, into
 * OUT (SIZE bytes), cut short with "..." if they do not fit. */
void header_list(const struct header *h, char *out, size_t size);

/* Whether the header LINE (LEN bytes) of a later input names, in column
 * FIELDS[i], the field the first header names there, for each of the N
 * fields that were given by name (NAMED[i]).  If not, writes why into
 * WHY (WHY_SIZE bytes). */
bool header_check(const struct header *h, const char *line, size_t len,
                  const size_t *fields, const bool *named, size_t n,
                  char *why, size_t why_size);

#endif
