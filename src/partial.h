/* partial: the versioned line format of partial aggregates (--partial)
 * and reading it back (--merge).
 *
 * Format version 1, one record per line, each ended by a newline:
 *
 *   #fanout-partial<TAB>1<TAB>OPS<TAB>KEYFIELDS    header
 *   KEY<TAB>COUNT<TAB>SCALE<TAB>POS<TAB>NEG<TAB>MIN<TAB>MAX
 *   #end<TAB>N                                      trailer
 *
 * OPS is the --aggregate list, KEYFIELDS the number of key fields.  KEY is
 * escaped so it holds no TAB, newline or leading '#': \\ \t \n \r \0
 * (the separator of composite key fields) and \# at the start.  COUNT is
 * the number of values, SCALE the key's decimal scale, POS and NEG the
 * totals of positive and negative values in units of that scale, MIN and
 * MAX the extremes in the same units, or - when no min or max was asked
 * for.  N is the number of key lines of that partial.
 *
 * Keys come sorted, so the lines of one key fall together when a framework
 * sorts them, and the checks of --merge do not depend on the order of
 * lines: the headers must agree, and the trailers must account for every
 * key line, which tells a complete partial from one cut off even at a line
 * boundary. */
#ifndef FANOUT_PARTIAL_H
#define FANOUT_PARTIAL_H

#include <stdbool.h>

#include "options.h"

struct table;
struct writer;

enum { PARTIAL_VERSION = 1 };

/* Writes the partial of TABLE. */
void partial_write(const struct config *cfg, const struct table *table,
                   struct writer *out);

/* Reads the partials in CFG's inputs into a new table (*TABLE) and sets
 * CFG's operations and key field count from their headers.  Reports any
 * problem, with file and line where there is one, and returns false. */
bool partial_merge(struct config *cfg, struct table **table);

#endif
