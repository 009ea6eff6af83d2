/* validate: value bounds and the key pattern. */
#include "config.h"

#include "validate.h"
#include "diag.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

const struct bound_def bound_defs[BOUND_KINDS] = {
    [BOUND_MIN]   = { "min",   -1, false, "value %s is below minimum %s" },
    [BOUND_MAX]   = { "max",    1, false, "value %s is above maximum %s" },
    [BOUND_ABOVE] = { "above", -1, true,  "value %s is not above %s" },
    [BOUND_BELOW] = { "below",  1, true,  "value %s is not below %s" },
};

/* Quotients rounded down and up, for a positive divisor. */
static i128 floor_div(i128 a, i128 d)
{
    i128 q = a / d;
    return (a % d != 0 && a < 0) ? q - 1 : q;
}

static i128 ceil_div(i128 a, i128 d)
{
    i128 q = a / d;
    return (a % d != 0 && a > 0) ? q + 1 : q;
}

/* Past any mantissa's magnitude: stands for "no bound", and for a limit
 * too large to matter at a scale. */
static i128 beyond_any(void)
{
    return (i128)number_pow10(NUMBER_MAX_DIGITS);
}

/* The bound's limit in mantissa units of SCALE, rounded down or up; a
 * limit beyond every mantissa of that scale becomes +-beyond_any(). */
static i128 limit_at(const struct bound *b, int scale, bool round_up)
{
    i128 limit = b->limit.mantissa;
    if (scale >= b->limit.scale) {
        i128 t;
        if (!number_rescale_checked(limit, b->limit.scale, scale, &t)
            || t >= beyond_any() || t <= -beyond_any())
            return limit > 0 ? beyond_any() : -beyond_any();
        return t;
    }
    i128 divisor = (i128)number_pow10(b->limit.scale - scale);
    return round_up ? ceil_div(limit, divisor) : floor_div(limit, divisor);
}

void rules_prepare(struct rules *rules)
{
    const struct bound *bounds = rules->bounds;
    for (int s = 0; s <= NUMBER_MAX_SCALE; s++) {
        i128 low = -beyond_any(), high = beyond_any();
        i128 t;
        if (bounds[BOUND_MIN].set
            && (t = limit_at(&bounds[BOUND_MIN], s, true)) > low)
            low = t;
        if (bounds[BOUND_ABOVE].set
            && (t = limit_at(&bounds[BOUND_ABOVE], s, false) + 1) > low)
            low = t;
        if (bounds[BOUND_MAX].set
            && (t = limit_at(&bounds[BOUND_MAX], s, false)) < high)
            high = t;
        if (bounds[BOUND_BELOW].set
            && (t = limit_at(&bounds[BOUND_BELOW], s, true) - 1) < high)
            high = t;
        rules->low[s] = low;
        rules->high[s] = high;
    }
}

enum bound_kind rules_check_value(const struct rules *rules,
                                  struct number value)
{
    for (int k = 0; k < BOUND_KINDS; k++) {
        const struct bound *b = &rules->bounds[k];
        if (!b->set)
            continue;
        int c = number_compare(value, b->limit);
        if (c == bound_defs[k].failing_sign
            || (c == 0 && bound_defs[k].fails_on_equal))
            return (enum bound_kind)k;
    }
    return BOUND_KINDS;
}

struct key_matcher {
    regex_t regex;
    char *text;             /* NUL-terminated copy of the key */
    size_t text_cap;
};

struct key_matcher *key_matcher_new(const char *pattern, char *error,
                                    size_t error_size)
{
    struct key_matcher *m = xcalloc(1, sizeof *m);
    int err = regcomp(&m->regex, pattern, REG_EXTENDED | REG_NOSUB);
    if (err) {
        regerror(err, &m->regex, error, error_size);
        free(m);
        return NULL;
    }
    return m;
}

void key_matcher_free(struct key_matcher *m)
{
    if (!m)
        return;
    regfree(&m->regex);
    free(m->text);
    free(m);
}

bool key_matcher_match(struct key_matcher *m, const char *key, size_t len)
{
    /* Always a NUL-terminated copy, even with REG_STARTEND: the sanitizers'
     * regexec interceptors ignore REG_STARTEND and read the string up to
     * its first NUL, which past a key inside a block is far away (a scan
     * per record) or, past a composite key, out of bounds. */
    if (len + 1 > m->text_cap) {
        m->text_cap = len + 1;
        m->text = xrealloc(m->text, m->text_cap);
    }
    memcpy(m->text, key, len);
    m->text[len] = '\0';
#ifdef REG_STARTEND
    regmatch_t range = { .rm_so = 0, .rm_eo = (regoff_t)len };
    return regexec(&m->regex, m->text, 1, &range, REG_STARTEND) == 0;
#else
    return regexec(&m->regex, m->text, 0, NULL, 0) == 0;
#endif
}
