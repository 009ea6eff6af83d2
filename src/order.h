/* order: the orders in which --sort may print the keys, and their names.
 * Sorting itself is output's business. */
#ifndef FANOUT_ORDER_H
#define FANOUT_ORDER_H

#include <stddef.h>

enum result_order { SORT_KEY, SORT_VALUE, SORT_FIRST };

struct order_def {
    const char *name;           /* as written in --sort */
    enum result_order order;
    const char *summary;        /* one line for --help */
};

extern const struct order_def order_defs[];
extern const size_t order_def_count;

#endif
