/* worker: the rule set, per record: split, filter (--where, then the
 * time against --since and --until), parse, validate, aggregate, under
 * the key with the time bucket first when --bucket asks for one.
 * Runs of plain KEY:DIGITS records are handed to plain.c, whose fast
 * path must agree with these rules; every other record, and every
 * rejection, goes through them. */
#include "config.h"

#include "worker.h"
#include "block.h"
#include "csv.h"
#include "diag.h"
#include "distinct.h"
#include "filter.h"
#include "keystate.h"
#include "missing.h"
#include "options.h"
#include "partition.h"
#include "plain.h"
#include "stateadds.h"
#include "table.h"
#include "timestamp.h"
#include "updates.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What a worker's own table holds before it spills into the shared
 * partitions.  Keys with no state: 4,000, so that the table's slots and
 * entries stay in the caches of most machines.  Keys with state
 * (percentiles, distinct counts, ...) are costly to spill, each a state
 * to merge and free and make again, and the state, not the entry, is
 * what a record mostly touches: a table holds up to 65,536 of them, as
 * long as their states take at most 32 MiB, a bound on memory whatever
 * the keys and values. */
enum { PLAIN_CACHE_KEYS = 4000, STATE_CACHE_KEYS = 1 << 16 };
static const size_t STATE_CACHE_BYTES = (size_t)32 << 20;

struct worker {
    const struct config *cfg;
    struct splitter *splitter;
    struct csv_splitter *csv;       /* with --csv, instead of splitter */
    struct csv_record csv_scan;     /* the scan of the record being checked */
    struct key_matcher *matcher;    /* NULL without --key-match */
    struct filter *filter;          /* NULL without --where */
    struct table *table;            /* NULL unless aggregating */
    struct partitions *partitions;  /* where the table spills, or NULL */
    bool owns_table;                /* not the sole partition */
    struct plain *plain;            /* the fast path for plain records */
    struct updates *updates;        /* the table's, not done yet */
    struct keystate_shape shape;    /* each key's further state; no parts
                                       when keys need none */
    char *shown_key;                /* composite key with TABs, for the
                                       pattern and messages */
    size_t shown_key_cap;
    char *time_key;                 /* --bucket: the bucket, then the key */
    size_t time_key_cap;
    int64_t last_bucket;            /* the bucket time_key starts with */
    size_t bucket_len;              /* its length there; 0 before one */
    struct stateadds *adds;         /* when keys have state, or records
                                       further value slots */
    bool keeps_state;               /* aggregates keys that have state */
};

static void state_found(void *worker, struct accum *a);
static void spill_table(void *worker, struct table *t);

struct worker *worker_new(const struct config *cfg,
                          struct partitions *partitions)
{
    struct worker *w = xcalloc(1, sizeof *w);
    w->cfg = cfg;
    if (cfg->format.csv)
        w->csv = csv_splitter_new(&cfg->format);
    else
        w->splitter = splitter_new(&cfg->format);
    if (cfg->rules.key_pattern) {
        char error[256];
        w->matcher = key_matcher_new(cfg->rules.key_pattern, error,
                                     sizeof error);
        if (!w->matcher) {
            diag_error("invalid --key-match value '%s': %s",
                       cfg->rules.key_pattern, error);
            worker_free(w);
            return NULL;
        }
    }
    if (cfg->where_count > 0) {
        char error[256];
        w->filter = filter_new(cfg->where, cfg->where_count, error,
                               sizeof error);
        if (!w->filter) {
            diag_error("invalid --where value: %s", error);
            worker_free(w);
            return NULL;
        }
    }
    /* Further value slots are read into a record's place in the buffer,
     * in any mode: checked the same, whether or not anything keeps
     * them. */
    if (keystate_shape_init(&w->shape, cfg->ops, cfg->op_slots,
                            cfg->op_count)
        || cfg->slot_count > 1)
        w->adds = stateadds_new(cfg, &w->shape);
    if (cfg->mode == OUTPUT_AGGREGATE && partitions
        && partitions_sole_table(partitions)) {
        w->table = partitions_sole_table(partitions);
    } else if (cfg->mode == OUTPUT_AGGREGATE) {
        w->table = table_new();
        w->owns_table = true;
        if (partitions) {
            size_t keys = cfg->cache_keys ? cfg->cache_keys
                        : w->shape.count ? STATE_CACHE_KEYS : PLAIN_CACHE_KEYS;
            w->partitions = partitions;
            size_t bytes = cfg->cache_bytes ? cfg->cache_bytes
                                            : STATE_CACHE_BYTES;
            table_set_spill(w->table, keys, bytes, spill_table, w);
        }
    }
    w->plain = plain_new(cfg);
    w->keeps_state = w->table && w->shape.count > 0;
    w->updates = updates_new(w->keeps_state ? state_found : NULL, w);
    return w;
}

void worker_free(struct worker *w)
{
    if (!w)
        return;
    splitter_free(w->splitter);
    csv_splitter_free(w->csv);
    key_matcher_free(w->matcher);
    filter_free(w->filter);
    if (w->owns_table)
        table_free(w->table);
    plain_free(w->plain);
    updates_free(w->updates);
    free(w->shown_key);
    free(w->time_key);
    stateadds_free(w->adds);
    free(w);
}

struct table *worker_table(struct worker *w)
{
    return w->table;
}

/* Every key's state is whole before the table is read or spilled. */
static void spill_table(void *worker, struct table *t)
{
    struct worker *w = worker;
    if (w->keeps_state)
        stateadds_apply(w->adds, t);
    partitions_spill(w->partitions, t);
}

void worker_spill(struct worker *w)
{
    if (w->keeps_state) {
        stateadds_apply(w->adds, w->table);
        /* Each block ends with its keys looked up. */
        if (stateadds_waiting(w->adds) != 0)
            diag_fatal("internal error: %zu records' additions left over",
                       stateadds_waiting(w->adds));
    }
    if (w->table && w->partitions)
        partitions_spill(w->partitions, w->table);
}

/* The key as a user reads it: composite fields joined by TAB. */
static const char *shown_key(struct worker *w, const char *key, size_t len)
{
    if (w->cfg->format.key_field_count < 2)
        return key;
    if (len > w->shown_key_cap) {
        w->shown_key_cap = len * 2;
        w->shown_key = xrealloc(w->shown_key, w->shown_key_cap);
    }
    for (size_t i = 0; i < len; i++)
        w->shown_key[i] = key[i] == RECORD_KEY_JOIN ? '\t' : key[i];
    return w->shown_key;
}

/* Where in the block the record being checked is. */
struct place {
    struct block *block;
    uint64_t record;
    size_t start, len;
};

#define REJECT(at, kind, ...) \
    block_reject((at)->block, (at)->record, (at)->start, (at)->len, (kind), \
                 __VA_ARGS__)

_Static_assert(REJECT_ABOVE_MAX == REJECT_BELOW_MIN + BOUND_MAX
               && REJECT_NOT_ABOVE == REJECT_BELOW_MIN + BOUND_ABOVE
               && REJECT_NOT_BELOW == REJECT_BELOW_MIN + BOUND_BELOW,
               "bound rejections follow enum bound_kind");

static void reject_split(const struct worker *w, const struct place *at,
                         enum record_status status,
                         const struct record_parts *parts)
{
    char delimiter[DIAG_EXCERPT_SIZE];
    switch (status) {
    case RECORD_NO_DELIMITER:
        if (w->cfg->format.delimiter == '\t')
            strcpy(delimiter, "\\t");
        else
            diag_excerpt(delimiter, &w->cfg->format.delimiter, 1);
        REJECT(at, REJECT_NO_DELIMITER, "missing delimiter '%s'", delimiter);
        break;
    case RECORD_MISSING_FIELD: {
        const struct record_format *f = &w->cfg->format;
        size_t n = parts->missing_field;
        if (n <= f->field_name_count && f->field_names[n - 1])
            REJECT(at, REJECT_MISSING_FIELD, "missing field %s",
                   f->field_names[n - 1]);
        else if (record_from_end(n))
            REJECT(at, REJECT_MISSING_FIELD, "missing field -%zu",
                   record_depth(n));
        else
            REJECT(at, REJECT_MISSING_FIELD, "missing field %zu", n);
        break;
    }
    case RECORD_MALFORMED:
        REJECT(at, REJECT_MALFORMED, "%s", parts->why);
        break;
    case RECORD_EMPTY_KEY:
        REJECT(at, REJECT_EMPTY_KEY, "empty key");
        break;
    case RECORD_UNTERMINATED_QUOTE:
        REJECT(at, REJECT_BAD_QUOTE, "unterminated quoted field %zu",
               parts->quote_field);
        break;
    case RECORD_STRAY_QUOTE:
        REJECT(at, REJECT_BAD_QUOTE, "quote inside unquoted field %zu",
               parts->quote_field);
        break;
    case RECORD_TEXT_AFTER_QUOTE:
        REJECT(at, REJECT_BAD_QUOTE,
               "text after the closing quote of field %zu",
               parts->quote_field);
        break;
    case RECORD_OK:
        break;
    }
}

/* What check_value found. */
enum value_check { VALUE_REJECTED, VALUE_OK, VALUE_NONE };

/* Parses and checks the value: VALUE_OK with it in *VALUE, VALUE_NONE
 * for one of the --na tokens, which no bound applies to, or
 * VALUE_REJECTED after rejecting the record. */
static enum value_check check_value(const struct worker *w,
                                    const struct place *at,
                                    const struct record_parts *parts,
                                    struct number *value)
{
    char text[DIAG_EXCERPT_SIZE];
    if (w->cfg->na
        && missing_tokens_has(w->cfg->na, parts->value, parts->value_len))
        return VALUE_NONE;
    if (parts->value_len == 0) {
        REJECT(at, REJECT_MISSING_VALUE, "missing value");
        return VALUE_REJECTED;
    }
    switch (number_parse(parts->value, parts->value_len, value)) {
    case NUMBER_OK:
        break;
    case NUMBER_INVALID:
        diag_excerpt(text, parts->value, parts->value_len);
        REJECT(at, REJECT_INVALID_NUMBER, "invalid number '%s'", text);
        return VALUE_REJECTED;
    case NUMBER_TOO_LONG:
        diag_excerpt(text, parts->value, parts->value_len);
        REJECT(at, REJECT_TOO_MANY_DIGITS, "too many digits in number '%s'",
               text);
        return VALUE_REJECTED;
    }
    if (!rules_accept(&w->cfg->rules, *value)) {
        enum bound_kind broken = rules_check_value(&w->cfg->rules, *value);
        diag_excerpt(text, parts->value, parts->value_len);
        REJECT(at, (enum reject_reason)(REJECT_BELOW_MIN + broken),
               bound_defs[broken].message, text,
               w->cfg->rules.bounds[broken].text);
        return VALUE_REJECTED;
    }
    return VALUE_OK;
}

/* The name of field N in messages: its name, or its number in TEXT. */
static const char *field_shown(const struct worker *w, size_t n, char *text,
                               size_t size)
{
    const struct record_format *f = &w->cfg->format;
    if (n <= f->field_name_count && f->field_names[n - 1])
        return f->field_names[n - 1];
    if (record_from_end(n))
        snprintf(text, size, "-%zu", record_depth(n));
    else
        snprintf(text, size, "%zu", n);
    return text;
}

/* Parses the value of each further value slot (OP:FIELD) into P's
 * values, and hashes its text into P's hashes for distinct, with found
 * false for one of the --na tokens.  A slot only distinct reads needs no
 * number.  No bound applies to them.  False after rejecting the record,
 * naming the field. */
static bool check_slots(const struct worker *w, const struct place *at,
                        struct state_record *p)
{
    const struct config *cfg = w->cfg;
    for (unsigned slot = 1; slot < cfg->slot_count; slot++) {
        size_t field = cfg->slot_fields[slot];
        const char *value;
        size_t len;
        if (w->csv)
            csv_splitter_field(w->csv, field, &value, &len);
        else
            splitter_field(w->splitter, field, &value, &len);
        record_trim_blanks(&value, &len);
        p->found[slot] = !(cfg->na
                           && missing_tokens_has(cfg->na, value, len));
        if (p->found[slot] && cfg->slot_text[slot])
            p->hashes[slot] = distinct_hash(value, len);
        if (!p->found[slot] || !cfg->slot_number[slot])
            continue;
        char name[32], text[DIAG_EXCERPT_SIZE];
        /* The field's name is only needed for a rejection, and making it
         * costs a formatted print. */
        enum number_status status = len == 0 ? NUMBER_INVALID
                                  : number_parse(value, len, &p->values[slot]);
        if (status == NUMBER_OK)
            continue;
        const char *shown = field_shown(w, field, name, sizeof name);
        if (len == 0) {
            REJECT(at, REJECT_MISSING_VALUE, "missing value in field %s",
                   shown);
            return false;
        }
        switch (status) {
        case NUMBER_OK:
            break;
        case NUMBER_INVALID:
            diag_excerpt(text, value, len);
            REJECT(at, REJECT_INVALID_NUMBER,
                   "invalid number '%s' in field %s", text, shown);
            return false;
        case NUMBER_TOO_LONG:
            diag_excerpt(text, value, len);
            REJECT(at, REJECT_TOO_MANY_DIGITS,
                   "too many digits in number '%s' in field %s", text,
                   shown);
            return false;
        }
    }
    return true;
}

/* A record's key has been looked up (updates.h): its additions wait for
 * it in the worker's buffer. */
static void state_found(void *worker, struct accum *a)
{
    struct worker *w = worker;
    stateadds_found(w->adds, w->table, a);
}

/* Whether the --value field's text, read by distinct alone (no number
 * asked of it), is a value: not one of the --na tokens. */
static bool text_is_value(const struct worker *w,
                          const struct record_parts *parts)
{
    return parts->value
        && !(w->cfg->na
             && missing_tokens_has(w->cfg->na, parts->value,
                                   parts->value_len));
}

/* Keeps in P what the record adds to its key's state besides the further
 * slots check_slots put there: the --value field's VALUE if HAVE_VALUE,
 * and its text in PARTS if distinct counts it. */
static void hold_state(const struct worker *w, struct state_record *p,
                       const struct number *value, bool have_value,
                       const struct record_parts *parts)
{
    p->have_value = have_value;
    if (have_value)
        p->values[0] = *value;
    p->value_text = w->cfg->slot_text[0]
                 && (w->cfg->needs_value ? have_value
                                         : text_is_value(w, parts));
    if (p->value_text)
        p->hashes[0] = distinct_hash(parts->value, parts->value_len);
}

/* Whether the LEN bytes at RECORD are empty or only blanks: a line that
 * separates stanzas, or ends a file, holds no record. */
static bool is_blank_record(const char *record, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (record[i] != ' ' && record[i] != '\t')
            return false;
    return true;
}

/* Field FIELD of the record just split, in field mode. */
static void field_text(const struct worker *w, size_t field,
                       const char **text, size_t *len)
{
    if (w->csv)
        csv_splitter_field(w->csv, field, text, len);
    else
        splitter_field(w->splitter, field, text, len);
}

/* Whether the record split into PARTS meets every --where condition. */
static bool meets_where(struct worker *w, const struct record_parts *parts)
{
    for (size_t i = 0; i < w->cfg->where_count; i++) {
        const struct where_cond *c = &w->cfg->where[i];
        const char *text = parts->key;
        size_t len = parts->key_len;
        if (c->subject == WHERE_VALUE) {
            text = parts->value;
            len = parts->value_len;
        } else if (c->subject == WHERE_FIELD) {
            field_text(w, c->field, &text, &len);
        }
        if (!filter_holds(w->filter, i, text, len))
            return false;
    }
    return true;
}

/* What check_time found. */
enum time_check { TIME_REJECTED, TIME_FILTERED, TIME_OK };

/* Reads the record's --time field into *WHEN: TIME_OK, TIME_FILTERED
 * for a time outside --since and --until, or TIME_REJECTED after
 * rejecting the record for a field that is no time. */
static enum time_check check_time(const struct worker *w,
                                  const struct place *at, int64_t *when)
{
    const struct config *cfg = w->cfg;
    const char *text, *why;
    size_t len;
    field_text(w, cfg->format.time_field, &text, &len);
    if (!time_parse(&cfg->time, text, len, when, &why)) {
        char shown[DIAG_EXCERPT_SIZE], name[32];
        diag_excerpt(shown, text, len);
        REJECT(at, REJECT_INVALID_TIME, "invalid time '%s' in field %s: %s",
               shown, field_shown(w, cfg->format.time_field, name,
                                  sizeof name), why);
        return TIME_REJECTED;
    }
    if ((cfg->has_since && *when < cfg->since_ms)
        || (cfg->has_until && *when >= cfg->until_ms))
        return TIME_FILTERED;
    return TIME_OK;
}

/* Points PARTS' key at the key the table keeps with --bucket: the start
 * of WHEN's bucket as ISO 8601, then the key fields, if any, after
 * RECORD_KEY_JOIN.  Records of one bucket tend to come together, so the
 * text of the last bucket is kept. */
static void bucket_key(struct worker *w, int64_t when,
                       struct record_parts *parts)
{
    int64_t start = time_bucket_start(when, w->cfg->bucket_ms);
    size_t need = TIME_TEXT_SIZE + 1 + parts->key_len;
    if (need > w->time_key_cap) {
        w->time_key_cap = need * 2;
        w->time_key = xrealloc(w->time_key, w->time_key_cap);
    }
    if (w->bucket_len == 0 || start != w->last_bucket) {
        char text[TIME_TEXT_SIZE];
        w->bucket_len = time_format_iso(text, start);
        memcpy(w->time_key, text, w->bucket_len);
        w->last_bucket = start;
    }
    size_t len = w->bucket_len;
    if (w->cfg->format.key_field_count > 0) {
        w->time_key[len++] = RECORD_KEY_JOIN;
        memcpy(w->time_key + len, parts->key, parts->key_len);
        len += parts->key_len;
    }
    parts->key = w->time_key;
    parts->key_len = len;
}

/* How to count a record for a run that reads no value (a count alone).
 * The value of a key-value record, put in *VALUE, is added all the same
 * when it is a number, as the fast path adds every plain record it takes
 * (plain.c): the totals are never printed, and both paths leave the same
 * table. */
static enum update_kind count_record(const struct record_parts *parts,
                                     struct number *value)
{
    if (parts->value
        && number_parse(parts->value, parts->value_len, value) == NUMBER_OK)
        return UPDATE_ADD;
    return UPDATE_COUNT;
}

/* Rejects a record too long to keep, which the rejects file will not get
 * since it may never have been held whole. */
static void reject_long(struct worker *w, const struct place *at)
{
    REJECT(at, REJECT_TOO_LONG, "record longer than %zu bytes",
           w->cfg->max_record);
    at->block->rejections[at->block->rejection_count - 1].unkept = true;
}

static void check_record(struct worker *w, const struct place *at,
                         const char *record, size_t len, bool nul_possible)
{
    if (at->len > w->cfg->max_record) {
        reject_long(w, at);
        return;
    }
    /* Keys are joined and printed as C strings nowhere, but a NUL inside a
     * newline-ended record is almost always a corrupt or binary input. */
    if (nul_possible && memchr(record, '\0', len)) {
        REJECT(at, REJECT_NUL_BYTE, "NUL byte in record");
        return;
    }
    if (is_blank_record(record, len)) {
        block_skip(at->block, at->record, at->start, at->len);
        return;
    }
    struct record_parts parts;
    enum record_status status =
        w->csv ? csv_split(w->csv, record, len,
                           (size_t)(at->block->data + at->block->len
                                    + BLOCK_SLACK - record),
                           &w->csv_scan, &parts)
               : splitter_split(w->splitter, record, len, &parts);
    if (status != RECORD_OK) {
        reject_split(w, at, status, &parts);
        return;
    }
    if (w->filter && !meets_where(w, &parts)) {
        block_filter(at->block, at->record, at->start, at->len);
        return;
    }
    int64_t when = 0;
    if (w->cfg->format.time_field) {
        enum time_check t = check_time(w, at, &when);
        if (t == TIME_REJECTED)
            return;
        if (t == TIME_FILTERED) {
            block_filter(at->block, at->record, at->start, at->len);
            return;
        }
    }
    struct number value;
    enum value_check found = VALUE_NONE;
    if (w->cfg->needs_value) {
        found = check_value(w, at, &parts, &value);
        if (found == VALUE_REJECTED)
            return;
    }
    /* Further slots make a state, so there is a place for them. */
    struct state_record *pending = w->adds ? stateadds_next(w->adds) : NULL;
    if (w->cfg->slot_count > 1 && !check_slots(w, at, pending))
        return;
    if (w->matcher) {
        const char *key = shown_key(w, parts.key, parts.key_len);
        if (!key_matcher_match(w->matcher, key, parts.key_len)) {
            char text[DIAG_EXCERPT_SIZE];
            diag_excerpt(text, key, parts.key_len);
            REJECT(at, REJECT_KEY_MISMATCH, "key '%s' does not match '%s'",
                   text, w->cfg->rules.key_pattern);
            return;
        }
    }
    if (w->cfg->needs_value && found == VALUE_NONE)
        at->block->missing++;
    if (w->table && w->cfg->format.time_key)
        bucket_key(w, when, &parts);
    if (w->table) {
        enum update_kind kind = !w->cfg->needs_value
                                    ? count_record(&parts, &value)
                              : found == VALUE_OK ? UPDATE_ADD
                                                  : UPDATE_MISSING;
        /* --total keeps the key for --key-match and --where, and adds
         * every record under none. */
        const char *key_text = w->cfg->total ? "" : parts.key;
        size_t key_len = w->cfg->total ? 0 : parts.key_len;
        /* A key in the block's bytes stays there until the block is
         * done; a joined, unquoted or bucket key is in scratch space. */
        uintptr_t key = (uintptr_t)key_text, from = (uintptr_t)record;
        bool stays = key >= from && key + key_len <= from + len;
        if (w->keeps_state) {
            hold_state(w, pending, &value, found == VALUE_OK, &parts);
            bool full = stateadds_keep(w->adds);
            if (stays) {
                updates_add(w->updates, w->table, key_text, key_len, true,
                            kind, &value);
            } else {
                struct accum *a = updates_add_now(w->updates, w->table,
                                                  key_text, key_len, kind,
                                                  &value);
                stateadds_found(w->adds, w->table, a);
            }
            if (full) {
                updates_flush(w->updates, w->table);
                stateadds_apply(w->adds, w->table);
            }
            return;
        }
        updates_add(w->updates, w->table, key_text, key_len, stays,
                    kind, &value);
    }
}

/* The records of B in CSV, from where a scan finds them to end, which
 * may be lines later; a block starts with a record.  BOM is the length of
 * the byte-order mark before the first record's fields. */
static void process_csv(struct worker *w, struct block *b,
                        struct place *at, bool nul_possible, size_t bom)
{
    const char separator = w->cfg->format.field_separator;
    const char terminator = w->cfg->terminator;
    const char *p = b->data, *end = b->data + b->len;
    uint64_t line = 0;

    while (p < end) {
        const char *record = p + bom;
        struct csv_record scan;
        csv_record(record, (size_t)(end - record), separator, terminator,
                   &scan);
        w->csv_scan = scan;
        size_t len = scan.len;
        struct record_parts parts;
        parts.quote_field = scan.fault_field;
        at->start = (size_t)(p - b->data);
        at->len = bom + len;
        size_t rejected = b->rejection_count;
        if (scan.fault != RECORD_OK && at->len <= w->cfg->max_record) {
            reject_split(w, at, scan.fault, &parts);
        } else {
            /* A CR ending a line belongs to the line ending. */
            size_t fields_len = len;
            if (terminator == '\n' && len > 0 && record[len - 1] == '\r')
                fields_len--;
            check_record(w, at, record, fields_len, nul_possible);
        }
        if (b->rejection_count > rejected)
            b->rejections[rejected].line = line;
        line += 1 + scan.lines;
        at->record++;
        p = record + len < end ? record + len + 1 : end;
        bom = 0;
    }
    b->lines = line;
}

void worker_process(struct worker *w, struct block *b)
{
    const char terminator = w->cfg->terminator;
    const char *p = b->data, *end = b->data + b->len;
    struct place at = { .block = b, .record = 0 };

    block_clear_results(b);
    if (b->oversized) {
        at.start = at.len = 0;
        reject_long(w, &at);
        b->records = 1;
        b->lines = 1 + b->oversized_lines;
        return;
    }
    /* One pass over the block finds whether any record can hold a NUL;
     * the fast path, which does not look for one, is kept for blocks
     * without. */
    bool nul_possible = terminator != '\0'
                     && memchr(b->data, '\0', b->len) != NULL;
    bool plain = !nul_possible && plain_begin(w->plain, b, w->table);
    size_t bom = block_bom_len(b);
    if (w->table)
        table_begin_block(w->table, b->seq);
    if (w->csv) {
        process_csv(w, b, &at, nul_possible, bom);
        p = end;
    }
    while (p < end) {
        if (plain && !bom) {
            /* Keys enter the table in input order. */
            updates_flush(w->updates, w->table);
            p = plain_take(w->plain, p, &at.record);
            if (p >= end)
                break;
        }
        const char *stop = memchr(p, terminator, (size_t)(end - p));
        size_t len = (size_t)((stop ? stop : end) - p);
        at.start = (size_t)(p - b->data);
        at.len = len;
        /* A CR ending a line belongs to the line ending, not the value. */
        if (terminator == '\n' && len > 0 && p[len - 1] == '\r')
            len--;
        check_record(w, &at, p + bom, len - bom, nul_possible);
        at.record++;
        p = stop ? stop + 1 : end;
        bom = 0;
    }
    if (w->table) {
        updates_flush(w->updates, w->table);
        table_end_block(w->table);
    }
    b->records = at.record;
    if (!w->csv)
        b->lines = at.record;
}
