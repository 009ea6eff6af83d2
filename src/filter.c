/* filter: parsing and testing --where conditions. */
#include "config.h"

#include "filter.h"
#include "diag.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The operators, two-byte ones first so that "<=" is not read as "<". */
static const struct {
    const char *text;
    enum where_op op;
} where_ops[] = {
    { "!=", WHERE_NE }, { "<=", WHERE_LE }, { ">=", WHERE_GE },
    { "!~", WHERE_NO_MATCH }, { "=", WHERE_EQ }, { "<", WHERE_LT },
    { ">", WHERE_GT }, { "~", WHERE_MATCH },
};

enum { WHERE_MAX_FIELD = 100000 };

bool where_field_of(const char *name, size_t name_len, bool field_mode,
                    enum where_subject *subject, size_t *field)
{
    if (field_mode) {
        /* -1 is the last field (record.h). */
        bool from_end = name_len > 1 && name[0] == '-';
        name += from_end;
        name_len -= from_end;
        if (name_len == 0 || name_len > 6
            || strspn(name, "0123456789") < name_len)
            return false;
        size_t n = 0;
        for (size_t i = 0; i < name_len; i++)
            n = n * 10 + (size_t)(name[i] - '0');
        if (n < 1 || n > WHERE_MAX_FIELD)
            return false;
        *subject = WHERE_FIELD;
        *field = from_end ? 0 - n : n;
        return true;
    }
    if (name_len == 3 && memcmp(name, "key", 3) == 0)
        *subject = WHERE_KEY;
    else if (name_len == 5 && memcmp(name, "value", 5) == 0)
        *subject = WHERE_VALUE;
    else
        return false;
    *field = 0;
    return true;
}

bool where_parse(const char *arg, bool field_mode, struct where_cond *out,
                 char *why, size_t why_size)
{
    size_t name_len = strcspn(arg, "=!<>~");
    const char *op = arg + name_len;
    size_t i, n = sizeof where_ops / sizeof *where_ops;
    for (i = 0; i < n; i++)
        if (strncmp(op, where_ops[i].text, strlen(where_ops[i].text)) == 0)
            break;
    if (name_len == 0 || i == n) {
        snprintf(why, why_size, "not FIELD OP VALUE, OP one of "
                 "= != < <= > >= ~ !~");
        return false;
    }
    *out = (struct where_cond){ .text = arg, .op = where_ops[i].op,
                                .name = arg, .name_len = name_len };
    if (!where_field_of(arg, name_len, field_mode, &out->subject,
                        &out->field)) {
        if (field_mode) {
            out->subject = WHERE_FIELD;
            out->field = 0;
        } else {
            snprintf(why, why_size, "no field '%.*s' (a field number, key "
                     "or value)", (int)name_len, arg);
            return false;
        }
    }
    out->value = op + strlen(where_ops[i].text);
    out->value_len = strlen(out->value);
    out->numeric = number_parse(out->value, out->value_len, &out->number)
                   == NUMBER_OK;
    if (out->op == WHERE_MATCH || out->op == WHERE_NO_MATCH) {
        struct key_matcher *m = key_matcher_new(out->value, why, why_size);
        if (!m)
            return false;
        key_matcher_free(m);
    }
    return true;
}

struct filter {
    const struct where_cond *conds;
    struct key_matcher **matchers;  /* per condition; NULL unless ~ or !~ */
    size_t count;
};

struct filter *filter_new(const struct where_cond *conds, size_t count,
                          char *error, size_t error_size)
{
    struct filter *f = xcalloc(1, sizeof *f);
    f->conds = conds;
    f->count = count;
    f->matchers = xcalloc(count ? count : 1, sizeof *f->matchers);
    for (size_t i = 0; i < count; i++) {
        if (conds[i].op != WHERE_MATCH && conds[i].op != WHERE_NO_MATCH)
            continue;
        f->matchers[i] = key_matcher_new(conds[i].value, error, error_size);
        if (!f->matchers[i]) {
            filter_free(f);
            return NULL;
        }
    }
    return f;
}

void filter_free(struct filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++)
        key_matcher_free(f->matchers[i]);
    free(f->matchers);
    free(f);
}

/* -1, 0 or 1 as the text at A is before, equal to or after B: by value
 * when both are numbers, byte by byte otherwise. */
static int compare(const struct where_cond *c, const char *text, size_t len)
{
    struct number n;
    if (c->numeric && number_parse(text, len, &n) == NUMBER_OK)
        return number_compare(n, c->number);
    size_t common = len < c->value_len ? len : c->value_len;
    int r = memcmp(text, c->value, common);
    if (r)
        return r < 0 ? -1 : 1;
    return (len > common) - (c->value_len > common);
}

bool filter_holds(struct filter *f, size_t i, const char *text, size_t len)
{
    const struct where_cond *c = &f->conds[i];
    switch (c->op) {
    case WHERE_MATCH:
        return key_matcher_match(f->matchers[i], text, len);
    case WHERE_NO_MATCH:
        return !key_matcher_match(f->matchers[i], text, len);
    case WHERE_EQ:
        return compare(c, text, len) == 0;
    case WHERE_NE:
        return compare(c, text, len) != 0;
    case WHERE_LT:
        return compare(c, text, len) < 0;
    case WHERE_LE:
        return compare(c, text, len) <= 0;
    case WHERE_GT:
        return compare(c, text, len) > 0;
    case WHERE_GE:
        return compare(c, text, len) >= 0;
    }
    return false;
}
