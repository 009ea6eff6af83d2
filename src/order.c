/* order: the names of the --sort orders. */
#include "config.h"

#include "order.h"


const struct order_def order_defs[] = {
    { "key",   SORT_KEY,   "keys in byte order (the default)" },
    { "value", SORT_VALUE, "by the first result, largest first" },
    { "first", SORT_FIRST, "keys in the order they first appear" },
};
const size_t order_def_count = sizeof order_defs / sizeof order_defs[0];

