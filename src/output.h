/* output: the final aggregate results, written once the run has gone
 * well: the keys in the order --sort asks for, --top of them, each as a
 * row in the --format chosen. */
#ifndef FANOUT_OUTPUT_H
#define FANOUT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"

struct partitions;
struct writer;

/* Reports every key whose sum overflowed, or the total of a run without
 * a key; returns false if there was any, in which case nothing may be
 * printed.  The --value field's totals count only if MAIN_READ, when an
 * operation on that field reads them (aggregate_reads_totals); a further
 * field has totals only when one does. */
bool output_check_overflow(const struct partitions *ps, bool main_read);

/* What percentiles and distinct counts estimated rather than computed
 * exactly: keys with any estimate, and of their states, percentile
 * sketches and distinct counts by HyperLogLog. */
struct output_estimates {
    uint64_t keys;
    uint64_t quantiles;
    uint64_t distincts;
};

void output_count_estimates(const struct partitions *ps,
                            struct output_estimates *out);

/* Writes the header row if asked for, then one row per key. */
void output_results(const struct config *cfg, const struct partitions *ps,
                    struct writer *out);

#endif
