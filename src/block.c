/* block: storage for a block's records and its rejections. */
#include "config.h"

#include "block.h"
#include "diag.h"

#include <stdarg.h>
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
        /* Room past cap for sentinel terminators after the last record
         * and for word-sized reads that run up to it; zeroed so that such
         * reads never see undefined bytes.  A new buffer comes zeroed from
         * calloc, which for a large one means untouched pages from the
         * kernel: the thread that first writes them, often a worker
         * reading its block, pays for them, not the producer. */
        if (!b->data) {
            b->data = xcalloc(1, cap + BLOCK_SLACK);
        } else {
            b->data = xrealloc(b->data, cap + BLOCK_SLACK);
            memset(b->data + b->cap, 0, cap + BLOCK_SLACK - b->cap);
        }
        b->cap = cap;
    }
}

size_t block_bom_len(const struct block *b)
{
    return b->starts_input && b->len >= 3
           && memcmp(b->data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

void block_clear_results(struct block *b)
{
    b->records = 0;
    b->lines = 0;
    b->missing = 0;
    b->rejection_count = 0;
    b->reasons_len = 0;
}

/* Appends the LEN bytes at TEXT to B's reason texts. */
static void append_reason(struct block *b, const char *text, size_t len)
{
    /* Nothing to add, and perhaps nowhere yet to add it to. */
    if (len == 0)
        return;
    if (b->reasons_cap - b->reasons_len < len) {
        size_t cap = b->reasons_cap ? b->reasons_cap : 1024;
        while (cap - b->reasons_len < len)
            cap *= 2;
        b->reasons = xrealloc(b->reasons, cap);
        b->reasons_cap = cap;
    }
    memcpy(b->reasons + b->reasons_len, text, len);
    b->reasons_len += len;
}

/* Appends FORMAT filled in with ARGS.  The messages need only %s and %zu,
 * and vsnprintf would cost several times the rest of a rejection. */
static void append_formatted(struct block *b, const char *format,
                             va_list args)
{
    for (const char *f = format;;) {
        const char *percent = strchr(f, '%');
        append_reason(b, f, percent ? (size_t)(percent - f) : strlen(f));
        if (!percent)
            return;
        if (percent[1] == 's') {
            const char *text = va_arg(args, const char *);
            append_reason(b, text, strlen(text));
            f = percent + 2;
        } else if (percent[1] == 'z' && percent[2] == 'u') {
            char digits[3 * sizeof(size_t)];
            size_t n = sizeof digits, value = va_arg(args, size_t);
            do {
                digits[--n] = (char)('0' + value % 10);
                value /= 10;
            } while (value > 0);
            append_reason(b, digits + n, sizeof digits - n);
            f = percent + 3;
        } else {
            append_reason(b, "%", 1);
            f = percent + (percent[1] == '%' ? 2 : 1);
        }
    }
}

/* Room for one more entry in the rejections. */
static void reserve_rejection(struct block *b)
{
    if (b->rejection_count == b->rejection_cap) {
        b->rejection_cap = b->rejection_cap ? b->rejection_cap * 2 : 16;
        b->rejections = xrealloc(b->rejections,
                                 b->rejection_cap * sizeof *b->rejections);
    }
}

void block_reject(struct block *b, uint64_t record, size_t start,
                  size_t len, enum reject_reason kind,
                  const char *format, ...)
{
    reserve_rejection(b);
    size_t reason = b->reasons_len;
    va_list args;
    va_start(args, format);
    append_formatted(b, format, args);
    va_end(args);

    struct rejection *r = &b->rejections[b->rejection_count++];
    r->record = record;
    r->line = record;
    r->start = start;
    r->len = len;
    r->reason = reason;
    r->reason_len = b->reasons_len - reason;
    r->unkept = false;
    r->skipped = false;
    r->filtered = false;
    r->kind = kind;
}

void block_filter(struct block *b, uint64_t record, size_t start,
                  size_t len)
{
    reserve_rejection(b);
    b->rejections[b->rejection_count++] = (struct rejection){
        .record = record, .line = record, .start = start, .len = len,
        .skipped = true, .filtered = true,
    };
}

void block_skip(struct block *b, uint64_t record, size_t start, size_t len)
{
    reserve_rejection(b);
    b->rejections[b->rejection_count++] = (struct rejection){
        .record = record, .start = start, .len = len, .skipped = true,
    };
}
