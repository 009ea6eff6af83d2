/* partial: the versioned line format of partial aggregates (--partial)
 * and reading it back (--merge).
 *
 * Format version 2, one record per line, each ended by a newline:
 *
 *   #fanout-partial<TAB>2<TAB>OPS<TAB>KEYFIELDS    header
 *   KEY<TAB>COUNT<TAB>SCALE<TAB>POS<TAB>NEG<TAB>MIN<TAB>MAX<TAB>LINES<TAB>FIRST
 *   #end<TAB>N                                      trailer
 *
 * OPS is the --aggregate list, KEYFIELDS the number of key fields.  KEY is
 * escaped so it holds no TAB, newline or leading '#': \\ \t \n \r \0
 * (the separator of composite key fields) and \# at the start.  COUNT is
 * the number of values, SCALE the key's decimal scale, POS and NEG the
 * totals of positive and negative values in units of that scale, MIN and
 * MAX the extremes in the same units, or - when no min or max was asked
 * for.  LINES is the number of key lines of first-hand partials the line
 * stands for: 1, or more after a combiner folded lines together.  FIRST
 * is the key's rank in order of first appearance within the partial: 0
 * for the key whose first accepted record came first, up to N - 1.  N is
 * the number of key lines of that partial.  Version 1 lacked FIRST; it is
 * refused by name, as partials are made to be merged by the same fanout
 * in the same job.
 *
 * Keys come sorted, so the lines of one key fall together when a framework
 * sorts them, and the checks of --merge do not depend on the order of
 * lines: the headers must agree, there must be one trailer per header, and
 * the trailers' counts must add up to the LINES of all key lines, which
 * tells a complete set of partials from one cut off even at a line
 * boundary.  A combiner (--merge --partial) may see any part of the lines,
 * as Hadoop's map-side spills are: it passes every header and trailer
 * through and folds key lines, adding up their LINES, so the final merge
 * can still check the whole.
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

struct table;
struct writer;

enum { PARTIAL_VERSION = 2 };

/* Writes the partial of TABLE. */
void partial_write(const struct config *cfg, const struct table *table,
                   struct writer *out);

/* The partials read by --merge, for printing. */
struct partial_input;

/* Reads the partials in CFG's inputs and sets CFG's operations and key
 * field count from their headers.  Unless CFG asks for a partial (a
 * combiner), also checks that they are complete.  Reports any problem,
 * with file and line where there is one, and returns NULL. */
struct partial_input *partial_merge(struct config *cfg);

/* The merged aggregates, still owned by IN. */
const struct table *partial_table(const struct partial_input *in);

/* Writes the combined partial: every header and trailer read, and one
 * line per key. */
void partial_write_combined(const struct partial_input *in,
                            struct writer *out);

void partial_input_free(struct partial_input *in);

#endif
