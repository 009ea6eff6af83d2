/* missing: the set of tokens --na reads as no value. */
#include "config.h"

#include "missing.h"
#include "diag.h"

#include <stdlib.h>
#include <string.h>

const char missing_default_list[] = ",-,N/A,NA,NULL,NaN,nan,null";

struct token {
    const char *text;
    size_t len;
};

struct missing_tokens {
    struct token *tokens;       /* sorted bytewise, no repeats */
    size_t count;
    char *storage;              /* the tokens' bytes */
    char *text;                 /* missing_tokens_text */
    bool digits;                /* a token is digits only */
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int compare_tokens(const void *a, const void *b)
{
    const struct token *x = a, *y = b;
    size_t common = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->text, y->text, common);
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Cuts the copy at STORAGE into its tokens, trimmed, into M. */
static void cut_tokens(struct missing_tokens *m, char *storage)
{
    size_t items = 1;
    for (const char *p = storage; *p; p++)
        items += *p == ',';
    m->tokens = xmalloc(items * sizeof *m->tokens);
    for (char *p = storage;;) {
        size_t len = strcspn(p, ",");
        const char *start = p, *end = p + len;
        while (start < end && is_blank(*start))
            start++;
        while (end > start && is_blank(end[-1]))
            end--;
        m->tokens[m->count++] = (struct token){ start, (size_t)(end - start) };
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
}

/* Sorts the tokens, drops repeats, and notes what the rest of the program
 * asks about them. */
static void settle(struct missing_tokens *m)
{
    qsort(m->tokens, m->count, sizeof *m->tokens, compare_tokens);
    size_t kept = 0, text_len = 0;
    for (size_t i = 0; i < m->count; i++) {
        if (kept > 0 && compare_tokens(&m->tokens[kept - 1],
                                       &m->tokens[i]) == 0)
            continue;
        m->tokens[kept++] = m->tokens[i];
        text_len += m->tokens[i].len + 1;
    }
    m->count = kept;
    m->text = xmalloc(text_len);
    char *out = m->text;
    for (size_t i = 0; i < m->count; i++) {
        const struct token *t = &m->tokens[i];
        if (i > 0)
            *out++ = ',';
        memcpy(out, t->text, t->len);
        out += t->len;
        if (t->len > 0 && strspn(t->text, "0123456789") >= t->len)
            m->digits = true;
    }
    *out = '\0';
}

struct missing_tokens *missing_tokens_new(const char *list)
{
    if (!list)
        list = missing_default_list;
    struct missing_tokens *m = xcalloc(1, sizeof *m);
    size_t len = strlen(list);
    m->storage = xmalloc(len + 1);
    memcpy(m->storage, list, len + 1);
    cut_tokens(m, m->storage);
    settle(m);
    return m;
}

void missing_tokens_free(struct missing_tokens *m)
{
    if (!m)
        return;
    free(m->tokens);
    free(m->storage);
    free(m->text);
    free(m);
}

bool missing_tokens_has(const struct missing_tokens *m, const char *value,
                        size_t len)
{
    for (size_t i = 0; i < m->count; i++)
        if (m->tokens[i].len == len
            && memcmp(m->tokens[i].text, value, len) == 0)
            return true;
    return false;
}

bool missing_tokens_has_digits(const struct missing_tokens *m)
{
    return m->digits;
}

const char *missing_tokens_text(const struct missing_tokens *m)
{
    return m->text;
}
