/* block: storage for a block's records and its rejections. */
#include "config.h"

#include "block.h"
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block *block_new(void)
{
    return xcalloc(1, sizeof(struct block));
}

void block_free(struct block *b)
{
    if (!b)
        return;
    free(b->data);
    free(b->rejections);
    free(b->reasons);
    free(b);
}

void block_reserve(struct block *b, size_t cap)
{
    if (cap > b->cap) {
        /* Room past cap for a sentinel terminator after the last record
         * and for word-sized reads that run up to it; zeroed so that such
         * reads never see undefined bytes. */
        b->data = xrealloc(b->data, cap + BLOCK_SLACK);
        memset(b->data + b->cap, 0, cap + BLOCK_SLACK - b->cap);
        b->cap = cap;
    }
}

void block_clear_results(struct block *b)
{
    b->records = 0;
    b->rejection_count = 0;
    b->reasons_len = 0;
}

void block_reject(struct block *b, uint64_t record, size_t start,
                  size_t len, enum reject_reason kind,
                  const char *format, ...)
{
    if (b->rejection_count == b->rejection_cap) {
        b->rejection_cap = b->rejection_cap ? b->rejection_cap * 2 : 16;
        b->rejections = xrealloc(b->rejections,
                                 b->rejection_cap * sizeof *b->rejections);
    }

    /* Format straight into the arena; only a reason longer than the room
     * left needs a second try. */
    enum { USUAL_REASON = 256 };
    size_t need = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t want = b->reasons_len + (attempt ? need + 1 : USUAL_REASON);
        if (b->reasons_cap < want) {
            size_t cap = b->reasons_cap ? b->reasons_cap : 1024;
            while (cap < want)
                cap *= 2;
            b->reasons = xrealloc(b->reasons, cap);
            b->reasons_cap = cap;
        }
        size_t room = b->reasons_cap - b->reasons_len;
        va_list args;
        va_start(args, format);
        int n = vsnprintf(b->reasons + b->reasons_len, room, format, args);
        va_end(args);
        need = n < 0 ? 0 : (size_t)n;
        if (need < room)
            break;
    }

    struct rejection *r = &b->rejections[b->rejection_count++];
    r->record = record;
    r->start = start;
    r->len = len;
    r->reason = b->reasons_len;
    r->reason_len = need;
    r->unkept = false;
    r->kind = kind;
    b->reasons_len += need;
}
