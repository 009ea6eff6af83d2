/* partial: the versioned line format of partial aggregates (--partial)
 * and reading it back (--merge).
 *
 * Format version 7, one record per line, each ended by a newline, and
 * each line ending with a TAB and its CHECK:
 *
 *   #fanout-partial<TAB>7<TAB>ID<TAB>SETTING<TAB>...<TAB>CHECK       header
 *   KEY<TAB>COUNT<TAB>SCALE<TAB>POS<TAB>NEG<TAB>MIN<TAB>MAX<TAB>LINES<TAB>FIRST<TAB>MISSING[<TAB>PART]...<TAB>CHECK
 *   #end<TAB>ID<TAB>N<TAB>SUM<TAB>CHECK                              trailer
 *   #fold<TAB>SUM<TAB>CHECK                      written by a combiner
 *
 * CHECK is 16 lowercase hexadecimal digits, a 64-bit hash of the text
 * before its TAB (line_check in partial.c): a line changed in any one
 * byte no longer matches its check.  ID, 32 hexadecimal digits of fresh
 * random bits, is the identity of one partial, in its header and its
 * trailer: the same partial read twice is refused, and every header must
 * have its trailer.  The SETTINGs, NAME=VALUE with VALUE escaped like a
 * key, are every option that decides which records are accepted and how
 * they are aggregated, in a canonical form and a fixed order (aggregate,
 * total=yes for a run without a key (--total, or --value without --key),
 * then key (only with --key), value and separator in field mode or
 * delimiter in key-value mode, terminator, max-record, the bounds that
 * were given with their limits in lowest terms, key-match, na with the
 * --na tokens sorted bytewise without repeats, each where, and with --time: time,
 * time-format, bucket in seconds, since and until in milliseconds since
 * the epoch): all the headers must have the same.  A field counted from
 * the end is written as its negative number (-1 the last).  --merge
 * reads the operations from aggregate (an operation on a field of its
 * own as OP:N, N the field's number), the number of key fields from key
 * (1 without it; one more, the bucket's start, with bucket, when key may
 * be empty) and the value field from value, which number the value slots
 * as options_number_slots does, and only compares the rest.
 *
 * KEY is escaped so it holds no TAB, newline or leading '#': \\ \t \n \r
 * \0 (the separator of composite key fields) and \# at the start; it has
 * as many fields as the header's key.  It is empty in the partials of a
 * run with total=yes, which hold at most one key line, and only there;
 * partials with and without total=yes are refused together by name.
 * COUNT is the number of values,
 * SCALE the key's decimal scale, POS and NEG the totals of positive and
 * negative values in units of that scale, MIN and MAX the extremes in the
 * same units (within a signed 128-bit integer, and at scale 0 below
 * 10^38 in magnitude, as values have at most 38 digits), or - when no min
 * or max was asked for.  LINES is the number
 * of key lines of first-hand partials the line stands for: 1, or more
 * after a combiner folded lines together, never more than COUNT +
 * MISSING.  FIRST is the key's rank in order of first appearance within
 * the partial: 0 for the key whose first accepted record came first, up
 * to N - 1.  MISSING is the number of the key's records without a value
 * (--na), which COUNT leaves out; a line stands for one record at least,
 * and one without values has totals and extremes of 0.  The PARTs are
 * the key's further state (keystate.h), present when an operation needs
 * it, each a letter for its kind, its value slot and, after a colon,
 * colon-separated numbers, or for a percentile (q) or distinct-count (d)
 * state the text quantile.h or distinct.h writes (keystate_part_text);
 * such a field may be long (a sketch), so a key line has no length
 * limit here; a later kind of state takes a letter of
 * its own, so the line grows without a new layout.  Every key must have
 * the parts the operations need, checked once all is read.  N is
 * the number of key lines of that partial and SUM the sum of their
 * CHECKs, modulo 2^64, which does not depend on their order.  Versions 1
 * and 2 had no identities or checks, version 3 no MISSING, version 4
 * no PARTs, version 5 no percentile (q) or distinct (d) PARTs and no
 * operations pN, median, q1, q3 or distinct, version 6 an accumulator
 * (a) PART for every further field read as a number, those only
 * percentiles read included; they are refused by name, as partials are
 * made to be merged by the same fanout in the same job.
 *
 * Keys come sorted, so the lines of one key fall together when a framework
 * sorts them, and the checks of --merge do not depend on the order of
 * lines: every line must match its check, the headers must agree, each
 * header must have one trailer, the trailers' counts must add up to the
 * LINES of all key lines, and the trailers' and fold lines' SUMs to the
 * CHECKs of all key lines, which tells a complete set of partials from
 * one cut off even at a line boundary, or with a line of another in place
 * of one of its own.  A combiner (--merge --partial) may see any part of
 * the lines, as Hadoop's map-side spills are: it checks each line and
 * that no identity comes twice, passes every header, trailer and fold
 * line through and folds key lines, adding up their LINES; its own fold
 * line's SUM is the sum of the CHECKs of the key lines it wrote less that
 * of those it read, so the final merge can still check the whole.
 *
 * First appearance across partials (--sort=first).  A key line belongs to
 * the partial whose header came last before it in the merge's input (the
 * files in the order given, each from its start); the partials are ranked
 * by that order, and a key's first appearance is the least (partial,
 * FIRST) pair over its lines.  So when the input is cut into consecutive
 * pieces (split -n l/K) and their partials are given to --merge in the
 * order of the pieces, the merge orders keys exactly as one run over the
 * whole input does.  A combiner writes its headers first and then its key
 * lines ranked by that same rule, so combiners over consecutive runs of
 * partials, merged in order, keep the order too.  The rule cannot see
 * through anything that reorders lines (a shuffle, a framework's sort):
 * key lines cut off from their header count as belonging to the partial
 * before, or to none (before every partial); the sums are unaffected. */
#ifndef FANOUT_PARTIAL_H
#define FANOUT_PARTIAL_H

#include <stdbool.h>

#include "options.h"

struct partitions;
struct writer;

/* The version written, and the room for an identity with its NUL. */
enum { PARTIAL_VERSION = 7, PARTIAL_ID_SIZE = 33 };

/* Writes the partial of the aggregates PS under a new identity; false,
 * having said why, if no identity could be made. */
bool partial_write(const struct config *cfg, const struct partitions *ps,
                   struct writer *out);

/* The partials read by --merge, for printing. */
struct partial_input;

/* Reads the partials in CFG's inputs and sets CFG's operations and key
 * field count from their headers.  Unless CFG asks for a partial (a
 * combiner), also checks that they are complete.  Reports any problem,
 * with file and line where there is one, and returns NULL; returns NULL
 * without a word if a termination signal stopped it. */
struct partial_input *partial_merge(struct config *cfg);

/* The merged aggregates, sealed, still owned by IN. */
const struct partitions *partial_table(const struct partial_input *in);

/* Writes the combined partial: every header, trailer and fold line read,
 * one line per key, and a fold line for the key lines folded. */
void partial_write_combined(const struct partial_input *in,
                            struct writer *out);

void partial_input_free(struct partial_input *in);

#endif
