/* order: the names of the --sort orders. */
#include "config.h"

#include "order.h"

#include <string.h>

const struct order_def order_defs[] = {
    { "key",   SORT_KEY,   "keys in byte order (the default)" },
    { "value", SORT_VALUE, "by the first result, largest first" },
    { "first", SORT_FIRST, "keys in the order they first appear" },
};
const size_t order_def_count = sizeof order_defs / sizeof order_defs[0];

const struct order_def *order_find(const char *name)
{
    for (size_t i = 0; i < order_def_count; i++)
        if (strcmp(order_defs[i].name, name) == 0)
            return &order_defs[i];
    return NULL;
}
