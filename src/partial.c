/* partial: writing and merging partial aggregates (format in partial.h). */
#include "config.h"

#include "partial.h"
#include "keystate.h"
#include "aggregate.h"
#include "diag.h"
#include "logformat.h"
#include "missing.h"
#include "reader.h"
#include "record.h"
#include "signals.h"
#include "partition.h"
#include "table.h"
#include "timestamp.h"
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char HEADER[] = "#fanout-partial";
static const char TRAILER[] = "#end";
static const char FOLD[] = "#fold";
/* The setting of a run without a key (--total), whose one key is empty. */
static const char TOTAL_SETTING[] = "total";

/* The text of one line being built, without its newline. */
struct text {
    char *s;
    size_t len, cap;
};

static void text_put(struct text *t, const char *s, size_t len)
{
    if (t->len + len > t->cap) {
        t->cap = (t->len + len) * 2 + 64;
        t->s = xrealloc(t->s, t->cap);
    }
    memcpy(t->s + t->len, s, len);
    t->len += len;
}

static void text_puts(struct text *t, const char *s)
{
    text_put(t, s, strlen(s));
}

static void text_putc(struct text *t, char c)
{
    text_put(t, &c, 1);
}

/* The check of a line's LEN bytes at S: FNV-1a, then MurmurHash3's
 * finaliser to spread it over all 64 bits.  Each step maps the state one
 * to one, so a line that differs from another in one byte always has
 * another check. */
static uint64_t line_check(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h;
}

/* Writes the line in T with its check and a newline; returns the check. */
static uint64_t put_sealed(struct writer *out, const struct text *t)
{
    uint64_t check = line_check(t->s, t->len);
    char tail[24];
    snprintf(tail, sizeof tail, "\t%016llx\n", (unsigned long long)check);
    writer_put(out, t->s, t->len);
    writer_puts(out, tail);
    return check;
}

static void put_escaped(struct text *t, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '\\': text_put(t, "\\\\", 2); break;
        case '\t': text_put(t, "\\t", 2); break;
        case '\n': text_put(t, "\\n", 2); break;
        case '\r': text_put(t, "\\r", 2); break;
        case '\0': text_put(t, "\\0", 2); break;
        case '#':
            if (i == 0)
                text_put(t, "\\#", 2);
            else
                text_putc(t, '#');
            break;
        default:
            text_putc(t, s[i]);
        }
    }
}

/* Appends a TAB and one setting of the header: NAME=VALUE, escaped. */
static void put_setting(struct text *t, const char *name, const char *value,
                        size_t len)
{
    text_putc(t, '\t');
    text_puts(t, name);
    text_putc(t, '=');
    put_escaped(t, value, len);
}

/* A bound's limit without its sign when positive and without trailing
 * fraction zeros, so that --above=1.50 and --above=+1.5 read the same. */
static void put_bound(struct text *t, const char *name, struct number n)
{
    i128 mantissa = n.mantissa;
    int scale = n.scale;
    while (scale > 0 && mantissa % 10 == 0) {
        mantissa /= 10;
        scale--;
    }
    char number[NUMBER_TEXT_SIZE];
    put_setting(t, name, number, number_format_signed(number, mantissa,
                                                      scale));
}

/* Appends field number FIELD to T, one counted from the end as its
 * negative number, so that -1 and the same number from the start
 * differ. */
static void put_field_number(struct text *t, size_t field)
{
    char number[32];
    snprintf(number, sizeof number, "%s%zu", record_from_end(field) ? "-" : "",
             record_from_end(field) ? record_depth(field) : field);
    text_puts(t, number);
}

/* Appends the settings of --time and what goes with it: the field, how
 * it is read, the bucket width in seconds, and --since and --until as
 * milliseconds since the epoch, as relative times were resolved when
 * the run started. */
static void put_time_settings(struct text *t, const struct config *cfg)
{
    char number[64];
    if (!cfg->format.time_field)
        return;
    struct text field = { 0 };
    put_field_number(&field, cfg->format.time_field);
    put_setting(t, "time", field.s, field.len);
    free(field.s);
    const char *format = cfg->time.pattern;
    for (size_t i = 0; !format && i < time_format_def_count; i++)
        if (time_format_defs[i].format == cfg->time.format)
            format = time_format_defs[i].name;
    put_setting(t, "time-format", format, strlen(format));
    if (cfg->format.time_key) {
        snprintf(number, sizeof number, "%lld",
                 (long long)(cfg->bucket_ms / 1000));
        put_setting(t, "bucket", number, strlen(number));
    }
    if (cfg->has_since) {
        snprintf(number, sizeof number, "%lld", (long long)cfg->since_ms);
        put_setting(t, "since", number, strlen(number));
    }
    if (cfg->has_until) {
        snprintf(number, sizeof number, "%lld", (long long)cfg->until_ms);
        put_setting(t, "until", number, strlen(number));
    }
}

/* Appends every option that decides which records count and how, each
 * given as one canonical setting, so that partials made with the same
 * options have the same settings whatever the command line looked like. */
static void put_settings(struct text *t, const struct config *cfg)
{
    char number[64];
    struct text list = { 0 };
    for (size_t i = 0; i < cfg->op_count; i++) {
        if (i > 0)
            text_putc(&list, ',');
        text_puts(&list, cfg->op_names[i]);
        if (cfg->op_fields[i]) {
            text_putc(&list, ':');
            put_field_number(&list, cfg->op_fields[i]);
        }
    }
    put_setting(t, "aggregate", list.s, list.len);
    if (cfg->total)
        put_setting(t, TOTAL_SETTING, "yes", 3);
    const struct record_format *f = &cfg->format;
    if (f->field_mode) {
        list.len = 0;
        for (size_t i = 0; i < f->key_field_count; i++) {
            if (i > 0)
                text_putc(&list, ',');
            put_field_number(&list, f->key_fields[i]);
        }
        if (f->key_field_count > 0 || f->time_key)
            put_setting(t, "key", list.s, list.len);
        list.len = 0;
        put_field_number(&list, f->value_field);
        put_setting(t, "value", list.s, list.len);
        if (f->blank_separated)
            put_setting(t, "separator", "blanks", 6);
        else
            put_setting(t, "separator", &f->field_separator, 1);
        if (f->log)
            put_setting(t, "log-format", f->log->name, strlen(f->log->name));
        else if (f->quoted_groups)
            put_setting(t, "quoted-fields", "yes", 3);
    } else {
        put_setting(t, "delimiter", &f->delimiter, 1);
    }
    free(list.s);
    put_setting(t, "terminator", &cfg->terminator, 1);
    snprintf(number, sizeof number, "%zu", cfg->max_record);
    put_setting(t, "max-record", number, strlen(number));
    for (int k = 0; k < BOUND_KINDS; k++)
        if (cfg->rules.bounds[k].set)
            put_bound(t, bound_defs[k].option, cfg->rules.bounds[k].limit);
    if (cfg->rules.key_pattern)
        put_setting(t, "key-match", cfg->rules.key_pattern,
                    strlen(cfg->rules.key_pattern));
    if (cfg->na)
        put_setting(t, "na", missing_tokens_text(cfg->na),
                    strlen(missing_tokens_text(cfg->na)));
    for (size_t i = 0; i < cfg->where_count; i++)
        put_setting(t, "where", cfg->where[i].text,
                    strlen(cfg->where[i].text));
    put_time_settings(t, cfg);
}

/* Fills ID with 32 hexadecimal digits of fresh random bits, the identity
 * of one partial.  Returns false, having said why, if there are none. */
static bool make_identity(char id[PARTIAL_ID_SIZE])
{
    static const char source[] = "/dev/urandom";
    unsigned char bits[16];
    size_t got = 0;
    int fd = open(source, O_RDONLY);
    while (fd >= 0 && got < sizeof bits) {
        ssize_t n = read(fd, bits + got, sizeof bits - got);
        if (n > 0)
            got += (size_t)n;
        else if (n == 0)
            errno = EIO;
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    int error = errno;
    if (fd >= 0)
        close(fd);
    if (got < sizeof bits) {
        diag_error("%s: %s", source, strerror(error));
        return false;
    }
    for (size_t i = 0; i < sizeof bits; i++)
        snprintf(id + 2 * i, 3, "%02x", bits[i]);
    return true;
}

/* Writes one key line; EXTREMA says whether min and max are known, RANK
 * is the key's place in order of first appearance.  Returns its check. */
static uint64_t put_key_line(struct writer *out, struct text *t,
                             const struct table_entry *e, bool extrema,
                             size_t rank)
{
    char number[NUMBER_TEXT_SIZE];
    char text[64];
    const struct accum *a = &e->accum;
    t->len = 0;
    put_escaped(t, e->key, e->key_len);
    snprintf(text, sizeof text, "\t%llu\t%d\t",
             (unsigned long long)a->count, a->scale);
    text_puts(t, text);
    text_put(t, number, number_format(number, a->positive, false, 0));
    text_putc(t, '\t');
    text_put(t, number, number_format(number, a->negative, false, 0));
    if (extrema) {
        text_putc(t, '\t');
        text_put(t, number, number_format_signed(number, a->min, 0));
        text_putc(t, '\t');
        text_put(t, number, number_format_signed(number, a->max, 0));
    } else {
        text_puts(t, "\t-\t-");
    }
    snprintf(text, sizeof text, "\t%llu\t%zu\t%llu",
             (unsigned long long)(a->parts ? a->parts : 1), rank,
             (unsigned long long)a->missing);
    text_puts(t, text);
    const struct keystate *s = table_entry_state(e);
    for (size_t i = 0; i < keystate_part_count(s); i++) {
        text_putc(t, '\t');
        size_t size = keystate_part_size(s, i);
        char *part = xmalloc(size);
        text_put(t, part, keystate_part_text(s, i, part));
        free(part);
    }
    return put_sealed(out, t);
}

/* Writes the key lines in key order and returns the sum of their checks.
 * Positions are written as ranks, 0 for the key that appeared first, so
 * a partial does not depend on --batch or on how the positions were
 * made. */
static uint64_t put_key_lines(struct writer *out,
                              const struct partitions *ps, bool extrema)
{
    size_t n = partitions_size(ps);
    size_t *ranks = xmalloc((n ? n : 1) * sizeof *ranks);
    const struct table_entry **by_first = partitions_sorted(ps, true);
    for (size_t i = 0; i < n; i++)
        ranks[partitions_index_of(ps, by_first[i])] = i;
    free(by_first);
    const struct table_entry **sorted = partitions_sorted(ps, false);
    struct text line = { 0 };
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += put_key_line(out, &line, sorted[i], extrema,
                            ranks[partitions_index_of(ps, sorted[i])]);
    free(line.s);
    free(sorted);
    free(ranks);
    return sum;
}

bool partial_write(const struct config *cfg, const struct partitions *ps,
                   struct writer *out)
{
    char id[PARTIAL_ID_SIZE];
    if (!make_identity(id))
        return false;
    struct text line = { 0 };
    text_puts(&line, HEADER);
    char version[16];
    snprintf(version, sizeof version, "\t%d\t", PARTIAL_VERSION);
    text_puts(&line, version);
    text_puts(&line, id);
    put_settings(&line, cfg);
    put_sealed(out, &line);
    uint64_t sum = put_key_lines(out, ps,
                         aggregate_wants_extrema(cfg->ops, cfg->op_count));
    char tail[128];
    snprintf(tail, sizeof tail, "%s\t%s\t%zu\t%016llx", TRAILER, id,
             partitions_size(ps), (unsigned long long)sum);
    line.len = 0;
    text_puts(&line, tail);
    put_sealed(out, &line);
    free(line.s);
    return true;
}

/* Where a line was read. */
struct mark {
    const char *name;           /* input, as given */
    unsigned long long line;
};

/* A header or a trailer, by the identity of its partial. */
struct piece {
    char id[PARTIAL_ID_SIZE];
    struct mark at;
    size_t order;               /* among the lines of its kind, as read */
};

/* Lines a combiner passes on as they were read, checks included. */
struct kept_lines {
    char **lines;
    size_t count;
};

/* What the merge has learnt so far, over all inputs. */
struct partial_input {
    struct config *cfg;
    struct partitions *partitions;  /* the keys merged */
    struct mark at;             /* the line being read */
    uint64_t check;             /* its check */
    char *settings;             /* of the first header, as read */
    struct mark settings_at;
    size_t key_fields;          /* from the first header; 0 before it */
    struct piece *headers, *trailers;
    size_t header_count, trailer_count;
    struct kept_lines header_lines, trailer_lines, fold_lines;
    unsigned long long promised;  /* key lines the trailers account for */
    unsigned long long keys;      /* first-hand key lines read (LINES) */
    uint64_t checks_promised;   /* the sums of the trailers and fold lines */
    uint64_t checks_read;       /* the sum of the key lines' checks */
    /* Key lines read before any header, whose key fields can only be
     * counted against it once it comes: the fewest and the most. */
    size_t early_fewest, early_most;
    struct mark early_fewest_at, early_most_at;
    /* Key lines before any header with an empty key (a --total run's) and
     * with another: the first of each, checked against the header. */
    bool early_empty, early_keyed;
    struct mark early_empty_at, early_keyed_at;
    bool saw_extrema, saw_no_extrema;
    struct keystate_shape shape;    /* the keys' further state, from the
                                       first header */
    char *key;                  /* unescaped key */
    size_t key_cap;
};

static bool bad_line(struct partial_input *m, const char *what)
{
    diag_error("%s:%llu: %s", m->at.name, m->at.line, what);
    return false;
}

/* Splits LINE at TABs into at most MAX fields; returns how many. */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    for (char *p = line; n < max;) {
        fields[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

/* Whether S is exactly LEN lowercase hexadecimal digits; if so and VALUE
 * is not NULL, their value (LEN at most 16). */
static bool parse_hex(const char *s, size_t len, uint64_t *value)
{
    if (strlen(s) != len || strspn(s, "0123456789abcdef") != len)
        return false;
    if (value) {
        uint64_t v = 0;
        for (const char *p = s; *p; p++)
            v = v << 4 | (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
        *value = v;
    }
    return true;
}

/* An unsigned decimal of at most 39 digits that fits in 128 bits. */
static bool parse_u128(const char *s, u128 *out)
{
    size_t len = strlen(s);
    if (len == 0 || len > 39 || strspn(s, "0123456789") != len)
        return false;
    u128 v = 0;
    for (const char *p = s; *p; p++)
        if (__builtin_mul_overflow(v, 10, &v)
            || __builtin_add_overflow(v, (u128)(*p - '0'), &v))
            return false;
    *out = v;
    return true;
}

/* 10^(NUMBER_MAX_DIGITS + SCALE): no value of a real partial reaches
 * it in units of SCALE; 0 when that is beyond 128 bits. */
static u128 value_limit(int scale)
{
    return scale == 0 ? number_pow10(NUMBER_MAX_DIGITS) : 0;
}

/* A signed mantissa at SCALE that a value of a real partial can have:
 * at most NUMBER_MAX_DIGITS digits before the point, and within i128. */
static bool parse_extreme(const char *s, int scale, i128 *out)
{
    bool negative = *s == '-';
    u128 magnitude;
    u128 limit = value_limit(scale);
    if (!parse_u128(s + negative, &magnitude)
        || magnitude > (u128)-1 >> 1
        || (limit != 0 && magnitude >= limit))
        return false;
    *out = negative ? -(i128)magnitude : (i128)magnitude;
    return true;
}

static void keep_line(struct kept_lines *k, const char *line,
                      uint64_t check)
{
    size_t len = strlen(line);
    char *copy = xmalloc(len + 18);
    memcpy(copy, line, len);
    snprintf(copy + len, 18, "\t%016llx", (unsigned long long)check);
    k->lines = xrealloc(k->lines, (k->count + 1) * sizeof *k->lines);
    k->lines[k->count++] = copy;
}

static void add_piece(struct piece **pieces, size_t *count, const char *id,
                      struct mark at)
{
    *pieces = xrealloc(*pieces, (*count + 1) * sizeof **pieces);
    struct piece *p = &(*pieces)[*count];
    memcpy(p->id, id, PARTIAL_ID_SIZE);
    p->at = at;
    p->order = (*count)++;
}

/* Refuses older partials by name, and unknown versions;
 * VERSION is the text after the header's name. */
static bool check_version(struct partial_input *m, const char *version)
{
    size_t len = strcspn(version, "\t");
    if (len == 1 && version[0] >= '1' && version[0] < '0' + PARTIAL_VERSION) {
        char what[128];
        snprintf(what, sizeof what, "partial format version %c is no "
                 "longer read; make the partials again with this fanout",
                 version[0]);
        return bad_line(m, what);
    }
    if (len == 1 && version[0] == '0' + PARTIAL_VERSION)
        return true;
    char text[DIAG_EXCERPT_SIZE];
    diag_excerpt(text, version, len);
    diag_error("%s:%llu: unknown partial format version '%s'",
               m->at.name, m->at.line, text);
    return false;
}

/* Checks the check that ends LINE and cuts it off, keeping its value in
 * m->check. */
static bool unseal(struct partial_input *m, char *line)
{
    char *tab = strrchr(line, '\t');
    if (!tab || !parse_hex(tab + 1, 16, &m->check))
        return bad_line(m, "malformed partial line: no checksum");
    if (line_check(line, (size_t)(tab - line)) != m->check)
        return bad_line(m, "checksum mismatch");
    *tab = '\0';
    return true;
}

/* Counts the fields of a key list such as 1,3; 0 if it is not one. */
static size_t count_key_fields(const char *list)
{
    size_t n = 0;
    for (const char *p = list;; p++) {
        if (*p == '-')
            p++;
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || digits > 6 || n == OPTIONS_MAX_KEY_FIELDS)
            return 0;
        n++;
        p += digits;
        if (*p == '\0')
            return n;
        if (*p != ',')
            return 0;
    }
}

/* Whether the N SETTINGS hold NAME=VALUE. */
static bool has_setting(char *const *settings, size_t n, const char *name,
                        const char *value)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (strncmp(settings[i], name, len) == 0 && settings[i][len] == '='
            && strcmp(settings[i] + len + 1, value) == 0)
            return true;
    return false;
}

/* Whether the header settings SETTINGS (TAB-separated, unsplit) are
 * those of a run without a key. */
static bool total_settings(const char *settings)
{
    size_t len = strlen(TOTAL_SETTING);
    for (const char *p = settings; p; p = strchr(p, '\t')) {
        p += *p == '\t';
        if (strncmp(p, TOTAL_SETTING, len) == 0
            && strncmp(p + len, "=yes", 4) == 0
            && (p[len + 4] == '\t' || p[len + 4] == '\0'))
            return true;
    }
    return false;
}

/* A field number of at most six digits, the LEN bytes at TEXT, into
 * *OUT, counted from the end (record.h) after a '-'; 0 only if ZERO_OK. */
static bool parse_field(const char *text, size_t len, bool zero_ok,
                        size_t *out)
{
    bool from_end = len > 1 && text[0] == '-';
    text += from_end;
    len -= from_end;
    if (len == 0 || len > 6 || strspn(text, "0123456789") < len)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n = n * 10 + (size_t)(text[i] - '0');
    *out = from_end ? 0 - n : n;
    return n > 0 || zero_ok;
}

/* Sets the operations, their fields and the number of key fields from
 * the settings of the first header. */
static bool use_settings(struct partial_input *m, char *settings)
{
    struct config *cfg = m->cfg;
    cfg->op_count = 0;
    m->key_fields = 1;
    char *fields[2 * OPTIONS_MAX_OPS];
    size_t n = split_tabs(settings, fields, 2 * OPTIONS_MAX_OPS);
    /* --bucket puts the bucket before the key fields, which with --time
     * may be none. */
    bool bucket = false;
    for (size_t i = 0; i < n; i++)
        bucket = bucket || strncmp(fields[i], "bucket=", 7) == 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(fields[i], "key=", 4) == 0) {
            m->key_fields = count_key_fields(fields[i] + 4);
            if (m->key_fields == 0 && !(bucket && fields[i][4] == '\0'))
                return bad_line(m, "malformed partial header");
        }
        if (strncmp(fields[i], "value=", 6) == 0
            && !parse_field(fields[i] + 6, strlen(fields[i] + 6), true,
                            &cfg->format.value_field))
            return bad_line(m, "malformed partial header");
        if (strncmp(fields[i], "aggregate=", 10) != 0 || cfg->op_count > 0)
            continue;
        for (char *op = fields[i] + 10;;) {
            size_t op_len = strcspn(op, ",");
            size_t name_len = strcspn(op, ",:");
            const char *why;
            struct number rank = { 0 };
            const struct aggregate_def *def = aggregate_parse(op, name_len,
                                                              &rank, &why);
            if (!def || cfg->op_count == OPTIONS_MAX_OPS)
                return bad_line(m, "malformed partial header");
            memcpy(cfg->op_names[cfg->op_count], op, name_len);
            cfg->op_names[cfg->op_count][name_len] = '\0';
            cfg->op_ranks[cfg->op_count] = rank;
            cfg->op_fields[cfg->op_count] = 0;
            if (name_len < op_len
                && !parse_field(op + name_len + 1, op_len - name_len - 1,
                                false, &cfg->op_fields[cfg->op_count]))
                return bad_line(m, "malformed partial header");
            cfg->ops[cfg->op_count++] = def->op;
            if (op[op_len] == '\0')
                break;
            op += op_len + 1;
        }
    }
    if (cfg->op_count == 0)
        return bad_line(m, "malformed partial header");
    cfg->format.key_field_count = m->key_fields;
    if (bucket) {
        cfg->format.time_key = true;
        m->key_fields++;
    }
    cfg->total = has_setting(fields, n, TOTAL_SETTING, "yes");
    if (cfg->total ? m->early_keyed : m->early_empty) {
        m->at = cfg->total ? m->early_keyed_at : m->early_empty_at;
        return bad_line(m, "malformed partial line: bad key");
    }
    cfg->format.field_mode = true;      /* for the slots' numbering */
    options_number_slots(cfg);
    cfg->format.field_mode = false;
    keystate_shape_init(&m->shape, cfg->ops, cfg->op_slots, cfg->op_count);
    /* Key lines that came before any header. */
    if (m->early_most > 0 && m->early_fewest != m->key_fields) {
        m->at = m->early_fewest_at;
        return bad_line(m, "malformed partial line: wrong number of key "
                           "fields");
    }
    if (m->early_most > 0 && m->early_most != m->key_fields) {
        m->at = m->early_most_at;
        return bad_line(m, "malformed partial line: wrong number of key "
                           "fields");
    }
    return true;
}

/* REST: VERSION<TAB>ID<TAB>SETTINGS, the version already checked. */
static bool parse_header(struct partial_input *m, char *rest)
{
    char *id = strchr(rest, '\t');
    char *settings = id ? strchr(id + 1, '\t') : NULL;
    if (!settings || settings[1] == '\0')
        return bad_line(m, "malformed partial header");
    *id++ = '\0';
    *settings++ = '\0';
    if (!parse_hex(id, PARTIAL_ID_SIZE - 1, NULL))
        return bad_line(m, "malformed partial header");
    add_piece(&m->headers, &m->header_count, id, m->at);

    if (m->settings) {
        if (strcmp(m->settings, settings) == 0)
            return true;
        if (total_settings(m->settings) != total_settings(settings)) {
            diag_error("%s:%llu: partials with --total and partials per key "
                       "cannot be merged (first partial at %s:%llu)",
                       m->at.name, m->at.line, m->settings_at.name,
                       m->settings_at.line);
            return false;
        }
        diag_error("%s:%llu: partials made with different options cannot "
                   "be merged (first partial at %s:%llu)", m->at.name,
                   m->at.line, m->settings_at.name, m->settings_at.line);
        return false;
    }
    m->settings = xmalloc(strlen(settings) + 1);
    strcpy(m->settings, settings);
    m->settings_at = m->at;
    return use_settings(m, settings);
}

/* REST: ID<TAB>N<TAB>SUM. */
static bool parse_trailer(struct partial_input *m, char *rest)
{
    char *f[4];
    u128 count;
    uint64_t sum;
    if (split_tabs(rest, f, 4) != 3 || !parse_hex(f[0], PARTIAL_ID_SIZE - 1,
                                                  NULL)
        || !parse_u128(f[1], &count) || count > UINT64_MAX
        || !parse_hex(f[2], 16, &sum)
        || __builtin_add_overflow(m->promised, (unsigned long long)count,
                                  &m->promised))
        return bad_line(m, "malformed partial trailer");
    add_piece(&m->trailers, &m->trailer_count, f[0], m->at);
    m->checks_promised += sum;
    return true;
}

/* Undoes put_escaped into m->key; returns the length, or -1.  Sets
 * *FIELDS to the number of key fields, one more than the \0s. */
static long unescape_key(struct partial_input *m, const char *text,
                         size_t *fields)
{
    size_t len = strlen(text);
    if (len + 1 > m->key_cap) {
        m->key_cap = len + 1;
        m->key = xrealloc(m->key, m->key_cap);
    }
    char *out = m->key;
    *fields = 1;
    for (const char *p = text; *p; p++) {
        if (*p != '\\') {
            *out++ = *p;
            continue;
        }
        switch (*++p) {
        case '\\': *out++ = '\\'; break;
        case 't':  *out++ = '\t'; break;
        case 'n':  *out++ = '\n'; break;
        case 'r':  *out++ = '\r'; break;
        case '0':  *out++ = '\0'; ++*fields; break;
        case '#':
            if (p - 1 != text)
                return -1;
            *out++ = '#';
            break;
        default:
            return -1;
        }
    }
    return (long)(out - m->key);
}

/* Whether a key of FIELDS fields fits the header, or, before any header,
 * notes it to be checked against the first. */
static bool check_key_fields(struct partial_input *m, size_t fields)
{
    if (m->key_fields > 0)
        return fields == m->key_fields
            || bad_line(m, "malformed partial line: wrong number of key "
                           "fields");
    if (m->early_most == 0 || fields < m->early_fewest) {
        m->early_fewest = fields;
        m->early_fewest_at = m->at;
    }
    if (fields > m->early_most) {
        m->early_most = fields;
        m->early_most_at = m->at;
    }
    return true;
}

/* Whether a key line's key may be EMPTY: only in a --total run's
 * partials, where it must be; before any header, notes it to be checked
 * against the first. */
static bool check_key_empty(struct partial_input *m, bool empty)
{
    if (m->key_fields > 0)
        return empty == m->cfg->total;
    if (empty && !m->early_empty) {
        m->early_empty = true;
        m->early_empty_at = m->at;
    } else if (!empty && !m->early_keyed) {
        m->early_keyed = true;
        m->early_keyed_at = m->at;
    }
    return true;
}

static bool parse_key_line(struct partial_input *m, char *line)
{
    enum { FIELDS = 10 };       /* before the further state's parts */
    char *f[FIELDS + KEYSTATE_MAX_PARTS + 1];
    size_t n = split_tabs(line, f, FIELDS + KEYSTATE_MAX_PARTS + 1);
    if (n < FIELDS || n > FIELDS + KEYSTATE_MAX_PARTS)
        return bad_line(m, "malformed partial line: expected 11 fields");

    size_t key_fields;
    long key_len = unescape_key(m, f[0], &key_fields);
    if (key_len < 0 || !check_key_empty(m, key_len == 0))
        return bad_line(m, "malformed partial line: bad key");
    if (!check_key_fields(m, key_fields))
        return false;

    struct accum a = { 0 };
    u128 count, scale, missing;
    if (!parse_u128(f[1], &count) || count > UINT64_MAX)
        return bad_line(m, "malformed partial line: bad count");
    if (!parse_u128(f[9], &missing) || missing > UINT64_MAX)
        return bad_line(m, "malformed partial line: bad missing count");
    /* A key line stands for one record at least, with a value or not. */
    if (count + missing == 0)
        return bad_line(m, "malformed partial line: bad count");
    if (!parse_u128(f[2], &scale) || scale > NUMBER_MAX_SCALE)
        return bad_line(m, "malformed partial line: bad scale");
    /* No value reaches value_limit units, so neither do COUNT of them,
     * unless that bound is beyond 128 bits. */
    u128 most;
    u128 limit = value_limit((int)scale);
    bool bounded = limit != 0
                   && !__builtin_mul_overflow(count, limit - 1, &most);
    if (!parse_u128(f[3], &a.positive) || !parse_u128(f[4], &a.negative)
        || (bounded && (a.positive > most || a.negative > most)))
        return bad_line(m, "malformed partial line: bad total");
    a.count = (uint64_t)count;
    a.missing = (uint64_t)missing;
    a.scale = (int)scale;
    if (strcmp(f[5], "-") == 0 && strcmp(f[6], "-") == 0) {
        m->saw_no_extrema = true;
    } else if (parse_extreme(f[5], a.scale, &a.min)
               && parse_extreme(f[6], a.scale, &a.max) && a.min <= a.max) {
        m->saw_extrema = true;
    } else {
        return bad_line(m, "malformed partial line: bad minimum or maximum");
    }

    /* Every first-hand key line stands for one record at least. */
    u128 lines;
    if (!parse_u128(f[7], &lines) || lines == 0 || lines > count + missing
        || __builtin_add_overflow(m->keys, (unsigned long long)lines,
                                  &m->keys))
        return bad_line(m, "malformed partial line: bad line count");
    a.parts = (uint64_t)lines;

    u128 rank;
    if (!parse_u128(f[8], &rank) || rank >= UINT32_MAX)
        return bad_line(m, "malformed partial line: bad first position");
    /* Ordinal of the partial: the headers read before this line. */
    uint64_t position = table_position(m->header_count, (uint64_t)rank);

    struct keystate *state;
    if (keystate_parse(f + FIELDS, n - FIELDS, (uint64_t)(count + missing),
                       &state))
        return bad_line(m, "malformed partial line: bad further state");

    struct table *table;
    struct accum *into = partitions_find_or_add(m->partitions, m->key,
                                                (size_t)key_len, &table);
    uint64_t total;
    if (__builtin_add_overflow(into->count, a.count, &total)
        || __builtin_add_overflow(into->missing, a.missing, &total)
        || __builtin_add_overflow(into->count + a.count,
                                  into->missing + a.missing, &total)) {
        char key[DIAG_EXCERPT_SIZE];
        diag_excerpt(key, m->key, (size_t)key_len);
        diag_error("count overflow for key '%s'", key);
        keystate_free(state);
        return false;
    }
    if (!table_fold(table, into, &a, state))
        return bad_line(m, "malformed partial line: further state does "
                           "not match the operations");
    table_note_position(into, position);
    m->checks_read += m->check;
    return true;
}

static bool starts_control(const char *line, const char *name, size_t len)
{
    return strncmp(line, name, len) == 0 && line[len] == '\t';
}

static bool merge_line(struct partial_input *m, char *line)
{
    bool header = starts_control(line, HEADER, sizeof HEADER - 1);
    if (header && !check_version(m, line + sizeof HEADER))
        return false;
    if (!unseal(m, line))
        return false;
    if (header) {
        keep_line(&m->header_lines, line, m->check);
        return parse_header(m, line + sizeof HEADER);
    }
    if (starts_control(line, TRAILER, sizeof TRAILER - 1)) {
        keep_line(&m->trailer_lines, line, m->check);
        return parse_trailer(m, line + sizeof TRAILER);
    }
    if (starts_control(line, FOLD, sizeof FOLD - 1)) {
        uint64_t sum;
        if (!parse_hex(line + sizeof FOLD, 16, &sum))
            return bad_line(m, "malformed partial fold line");
        keep_line(&m->fold_lines, line, m->check);
        m->checks_promised += sum;
        return true;
    }
    if (line[0] == '#')
        return bad_line(m, "unknown control line in partial input");
    return parse_key_line(m, line);
}

/* Reads one input a line at a time with read(2) rather than stdio, so
 * that memory running out ends the run (xrealloc) instead of passing for
 * the end of the input, and a termination signal ends a wait. */
struct line_reader {
    int fd;
    char *buf;
    size_t cap;
    size_t start, end;          /* the bytes not yet taken */
    bool at_end;
};

enum line_status { LINE_OK, LINE_END, LINE_TRUNCATED, LINE_FAILED,
                   LINE_STOPPED };

enum { READ_SIZE = 1 << 16, SIGNAL_POLL_MS = 100 };

/* Waits until FD has something to read; false if a termination signal
 * came first. */
static bool wait_readable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (!signals_caught()) {
        int n = poll(&p, 1, SIGNAL_POLL_MS);
        if (n > 0 || (n < 0 && errno != EINTR))
            return true;        /* read tells what it was */
    }
    return false;
}

/* Sets *LINE and *LEN to the next line, its newline replaced by a NUL, or
 * on LINE_TRUNCATED to the last bytes, which have no newline. */
static enum line_status read_line(struct line_reader *r, char **line,
                                  size_t *len)
{
    size_t scanned = r->start;
    for (;;) {
        char *newline = r->end > scanned
                      ? memchr(r->buf + scanned, '\n', r->end - scanned)
                      : NULL;
        if (newline || r->at_end) {
            *line = r->buf + r->start;
            if (!newline) {
                *len = r->end - r->start;
                r->start = r->end;
                return *len ? LINE_TRUNCATED : LINE_END;
            }
            *newline = '\0';
            *len = (size_t)(newline - *line);
            r->start += *len + 1;
            return LINE_OK;
        }
        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        scanned = r->end;
        if (r->cap - r->end < READ_SIZE) {
            r->cap = r->cap * 2 > r->end + READ_SIZE ? r->cap * 2
                                                      : r->end + READ_SIZE;
            r->buf = xrealloc(r->buf, r->cap);
        }
        if (!wait_readable(r->fd))
            return LINE_STOPPED;
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n > 0)
            r->end += (size_t)n;
        else if (n == 0)
            r->at_end = true;
        else if (errno != EINTR)
            return LINE_FAILED;
    }
}

/* Reads one opened input to its end, and closes it unless it is standard
 * input. */
static bool merge_input(struct partial_input *m, int fd)
{
    struct line_reader r = { .fd = fd };
    enum line_status status = LINE_OK;
    char *line;
    size_t len;
    bool ok = true;
    m->at.line = 0;
    while (ok && (status = read_line(&r, &line, &len)) == LINE_OK) {
        m->at.line++;
        if (memchr(line, '\0', len))
            ok = bad_line(m, "NUL byte in partial input");
        else
            ok = merge_line(m, line);
    }
    if (ok && status == LINE_TRUNCATED) {
        m->at.line++;
        ok = bad_line(m, "truncated partial line (no newline)");
    } else if (ok && status == LINE_FAILED) {
        diag_error("%s: read error: %s", m->at.name, strerror(errno));
        ok = false;
    } else if (status == LINE_STOPPED) {
        ok = false;
    }
    free(r.buf);
    if (fd > STDIN_FILENO)
        close(fd);
    return ok;
}

static int compare_pieces(const void *a, const void *b)
{
    const struct piece *x = a, *y = b;
    int by_id = strcmp(x->id, y->id);
    if (by_id != 0)
        return by_id;
    return (x->order > y->order) - (x->order < y->order);
}

/* Sorts PIECES by identity and reports the first one read again, if any,
 * as WHAT. */
static bool check_repeats(struct piece *pieces, size_t n, const char *what)
{
    if (n > 1)
        qsort(pieces, n, sizeof *pieces, compare_pieces);
    const struct piece *again = NULL, *first = NULL;
    for (size_t i = 1, group = 0; i < n; i++) {
        if (strcmp(pieces[i].id, pieces[group].id) != 0) {
            group = i;
            continue;
        }
        if (!again || pieces[i].order < again->order) {
            again = &pieces[i];
            first = &pieces[group];
        }
    }
    if (!again)
        return true;
    diag_error("%s:%llu: repeated %s, already read at %s:%llu",
               again->at.name, again->at.line, what, first->at.name,
               first->at.line);
    return false;
}

/* Pairs the headers with the trailers, both sorted by identity, and
 * reports the first one (as read) left alone. */
static bool check_pairs(const struct partial_input *m)
{
    const struct piece *header = NULL, *trailer = NULL;
    size_t h = 0, t = 0;
    while (h < m->header_count || t < m->trailer_count) {
        int c = h == m->header_count ? 1 : t == m->trailer_count ? -1
              : strcmp(m->headers[h].id, m->trailers[t].id);
        if (c < 0 && (!header || m->headers[h].order < header->order))
            header = &m->headers[h];
        if (c > 0 && (!trailer || m->trailers[t].order < trailer->order))
            trailer = &m->trailers[t];
        h += c <= 0;
        t += c >= 0;
    }
    if (header)
        diag_error("incomplete partial input: the partial at %s:%llu has "
                   "no trailer", header->at.name, header->at.line);
    else if (trailer)
        diag_error("incomplete partial input: the trailer at %s:%llu has "
                   "no header", trailer->at.name, trailer->at.line);
    return !header && !trailer;
}

/* Whether every key has the further state the operations need: a key
 * line without it, or with parts of other operations, would give a wrong
 * result rather than none. */
static bool check_states(const struct partial_input *m)
{
    for (size_t p = 0; m->header_count > 0
                       && p < partitions_count(m->partitions); p++) {
        const struct table *t = partitions_table(m->partitions, p);
        for (size_t i = 0; i < table_size(t); i++) {
            const struct table_entry *e = table_entry_at(t, i);
            if (!keystate_has_shape(table_entry_state(e), &m->shape)
                || !keystate_consistent(&e->accum, table_entry_state(e))) {
                diag_error("malformed partial input: the further state of "
                           "the keys does not match the operations");
                return false;
            }
        }
    }
    return true;
}

/* Checks, once everything is read, that the partials were complete. */
static bool check_complete(struct partial_input *m)
{
    bool want = aggregate_wants_extrema(m->cfg->ops, m->cfg->op_count);
    if (m->saw_extrema && m->saw_no_extrema) {
        diag_error("malformed partial input: minimum and maximum do not "
                   "match the operations");
        return false;
    }
    if (!check_states(m))
        return false;
    if (!check_repeats(m->headers, m->header_count, "partial")
        || !check_repeats(m->trailers, m->trailer_count, "partial trailer"))
        return false;
    /* A combiner may be handed a part of the lines; the final merge
     * checks the whole. */
    if (m->cfg->partial)
        return true;
    if (m->header_count == 0) {
        diag_error("no partial aggregates in the input");
        return false;
    }
    if (!check_pairs(m))
        return false;
    if (m->promised != m->keys) {
        diag_error("incomplete partial input: the trailers count %llu key "
                   "lines, but %llu were read", m->promised, m->keys);
        return false;
    }
    if (m->checks_promised != m->checks_read) {
        diag_error("incomplete partial input: the key lines read do not "
                   "match the trailers' checksums");
        return false;
    }
    if ((want && m->saw_no_extrema) || (!want && m->saw_extrema)) {
        diag_error("malformed partial input: minimum and maximum do not "
                   "match the operations");
        return false;
    }
    return true;
}

/* Opens the named pipe NAME when *FD says its turn has come, so that
 * partials written one after another into named pipes are read one after
 * another.  A signal meanwhile ends the wait, for the caller to stop;
 * any other failure is reported. */
static bool open_named_pipe(struct partial_input *m, const char *name,
                            int *fd)
{
    if (*fd != READER_NOT_OPENED)
        return true;
    *fd = reader_open_in_turn(name);
    if (*fd < 0 && !signals_caught())
        diag_error("%s: %s", m->at.name, strerror(errno));
    return *fd >= 0;
}

struct partial_input *partial_merge(struct config *cfg)
{
    int *fds = xmalloc(cfg->input_count * sizeof *fds);
    bool ok = true;
    for (size_t i = 0; i < cfg->input_count; i++) {
        fds[i] = reader_open_early(cfg->inputs[i]);
        ok = fds[i] != -1 && ok;
    }

    struct partial_input *m = xcalloc(1, sizeof *m);
    m->cfg = cfg;
    m->partitions = partitions_new(1, cfg->jobs);
    for (size_t i = 0; i < cfg->input_count; i++) {
        if (ok) {
            m->at.name = cfg->input_names[i];
            ok = open_named_pipe(m, cfg->inputs[i], &fds[i])
                 && merge_input(m, fds[i]);
        } else if (fds[i] > STDIN_FILENO) {
            close(fds[i]);
        }
    }
    free(fds);
    ok = ok && check_complete(m);
    cfg->format.field_mode = cfg->format.key_field_count > 1;
    if (!ok) {
        partial_input_free(m);
        return NULL;
    }
    partitions_seal(m->partitions);
    return m;
}

const struct partitions *partial_table(const struct partial_input *in)
{
    return in->partitions;
}

static void put_kept(struct writer *out, const struct kept_lines *k)
{
    for (size_t i = 0; i < k->count; i++) {
        writer_puts(out, k->lines[i]);
        writer_putc(out, '\n');
    }
}

void partial_write_combined(const struct partial_input *in,
                            struct writer *out)
{
    put_kept(out, &in->header_lines);
    uint64_t written = put_key_lines(out, in->partitions, in->saw_extrema);
    put_kept(out, &in->trailer_lines);
    put_kept(out, &in->fold_lines);
    /* What makes the trailers' sums add up again with these key lines in
     * place of those read. */
    char fold[64];
    snprintf(fold, sizeof fold, "%s\t%016llx", FOLD,
             (unsigned long long)(written - in->checks_read));
    struct text line = { 0 };
    text_puts(&line, fold);
    put_sealed(out, &line);
    free(line.s);
}

static void free_kept(struct kept_lines *k)
{
    for (size_t i = 0; i < k->count; i++)
        free(k->lines[i]);
    free(k->lines);
}

void partial_input_free(struct partial_input *in)
{
    if (!in)
        return;
    partitions_free(in->partitions);
    free(in->settings);
    free(in->headers);
    free(in->trailers);
    free_kept(&in->header_lines);
    free_kept(&in->trailer_lines);
    free_kept(&in->fold_lines);
    free(in->key);
    free(in);
}
