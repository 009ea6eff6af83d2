/* missing: the tokens that mean "no value" (--na).  A record whose value
 * is one of them is accepted without a value: counted, and left out of
 * every result computed from values, as SQL's count(*) and sum(x) do with
 * NULL.  The set is made once from the option and only read after. */
#ifndef FANOUT_MISSING_H
#define FANOUT_MISSING_H

#include <stdbool.h>
#include <stddef.h>

struct missing_tokens;

/* The tokens of LIST, comma-separated, each trimmed of blanks as values
 * are, an empty item standing for the empty value; NULL for the default
 * list (missing_default_list). */
struct missing_tokens *missing_tokens_new(const char *list);
void missing_tokens_free(struct missing_tokens *m);

/* The default list, as --help and the man page show it. */
extern const char missing_default_list[];

/* Whether the LEN bytes at VALUE (trimmed) are one of the tokens. */
bool missing_tokens_has(const struct missing_tokens *m, const char *value,
                        size_t len);

/* Whether a token is nothing but digits, which a reader of plain
 * KEY:DIGITS records would take for a number. */
bool missing_tokens_has_digits(const struct missing_tokens *m);

/* The tokens sorted bytewise without repeats, comma-separated, so that
 * the same set reads the same however it was written (for partials). */
const char *missing_tokens_text(const struct missing_tokens *m);

#endif
