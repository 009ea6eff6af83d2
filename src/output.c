/* output: final aggregate lines. */
#include "config.h"

#include "output.h"
#include "aggregate.h"
#include "diag.h"
#include "options.h"
#include "record.h"
#include "table.h"
#include "writer.h"

#include <stdlib.h>
#include <string.h>

/* Whether any key's sum overflowed: a plain pass, so that the sort for
 * the messages is paid only when there are messages. */
static bool any_overflow(const struct table *table)
{
    for (size_t i = 0; i < table->count; i++)
        if (table->entries[i].accum.overflow)
            return true;
    return false;
}

bool output_check_overflow(const struct table *table)
{
    if (!any_overflow(table))
        return true;
    const struct table_entry **sorted = table_sorted(table);
    size_t n = table_size(table);
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        if (sorted[i]->accum.overflow) {
            char key[DIAG_EXCERPT_SIZE];
            diag_excerpt(key, sorted[i]->key, sorted[i]->key_len);
            diag_error("sum overflow for key '%s'", key);
            ok = false;
        }
    free(sorted);
    return ok;
}

/* Writes KEY as output columns: the fields of a composite key are
 * separated by TAB. */
static void print_key(struct writer *out, const char *key, size_t len)
{
    const char *end = key + len;
    for (;;) {
        const char *join = memchr(key, RECORD_KEY_JOIN, (size_t)(end - key));
        if (!join) {
            writer_put(out, key, (size_t)(end - key));
            return;
        }
        writer_put(out, key, (size_t)(join - key));
        writer_putc(out, '\t');
        key = join + 1;
    }
}

void output_results(const struct config *cfg, const struct table *table,
                    struct writer *out)
{
    const struct table_entry **sorted = table_sorted(table);
    size_t n = table_size(table);
    bool composite = cfg->format.key_field_count > 1;
    /* With many keys the entries and key bytes, visited in key order, are
     * scattered beyond the caches: ask for them some lines ahead. */
    enum { AHEAD = 16 };
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            __builtin_prefetch(sorted[i + AHEAD]);
            __builtin_prefetch(&sorted[i + AHEAD]->accum.count);
        }
        if (i + AHEAD / 2 < n)
            __builtin_prefetch(sorted[i + AHEAD / 2]->key);
        if (composite)
            print_key(out, sorted[i]->key, sorted[i]->key_len);
        else
            writer_put(out, sorted[i]->key, sorted[i]->key_len);
        aggregate_print(out, &sorted[i]->accum, cfg->ops, cfg->op_count);
        writer_putc(out, '\n');
    }
    free(sorted);
}
