/* output: the final aggregate results, written once the run has gone
 * well: one line per key, in key order. */
#ifndef FANOUT_OUTPUT_H
#define FANOUT_OUTPUT_H

#include <stdbool.h>

struct config;
struct table;
struct writer;

/* Reports every key whose sum overflowed; returns false if there was any,
 * in which case nothing may be printed. */
bool output_check_overflow(const struct table *table);

/* Writes one line per key, in key order: KEY<TAB>RESULT... */
void output_results(const struct config *cfg, const struct table *table,
                    struct writer *out);

#endif
