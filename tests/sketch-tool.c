/* sketch-tool: drives src/quantile.c and src/distinct.c for
 * tests/sketch.bats, outside of fanout's pipeline.
 *
 *   sketch-tool [OPTION]... quantile P...
 *   sketch-tool [OPTION]... distinct
 *
 * Reads values from standard input, one per line, deals them into
 * --parts=K parts (--split=rr: line i to part i mod K; --split=chunk: K
 * runs of consecutive lines), builds each part's state apart, writes it
 * as text, reads that back (the text read back must write the same
 * text), and merges the parts read back into one state, in --order=forward
 * or reverse.  Prints "count", "approximate" and, for quantile, one line
 * "pP VALUE" per rank P asked for (--decimals=N as fanout takes it);
 * --state adds the merged state's text, --bytes the memory it holds and
 * the length of that text, --bench the processor time per add, in
 * nanoseconds, on standard error (processor time, as other programs may
 * share the machine).  With --from-text, each input line is instead a
 * state's text, read and merged in order; a text refused prints
 * "refused" and exits 1.  Exit status 2 on any other failure. */
#include "config.h"

#include "distinct.h"
#include "number.h"
#include "quantile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct line {
    const char *text;
    size_t len;
};

struct run {
    size_t parts;
    bool chunks;        /* --split=chunk */
    bool reverse;       /* --order=reverse */
    int decimals;
    bool state, bytes, bench;
    bool from_text;     /* lines are states' texts */
};

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "sketch-tool: %s\n", what);
    exit(2);
}

/* All of standard input, and its lines. */
static struct line *read_lines(size_t *count)
{
    size_t cap = 1 << 20, len = 0, n;
    char *data = malloc(cap);
    if (!data)
        die("out of memory");
    while ((n = fread(data + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap && !(data = realloc(data, cap *= 2)))
            die("out of memory");
    }
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    if (len > 0 && data[len - 1] != '\n')
        lines++;
    struct line *out = malloc((lines + 1) * sizeof *out);
    if (!out)
        die("out of memory");
    size_t k = 0;
    for (size_t start = 0; start < len; k++) {
        const char *nl = memchr(data + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - data) : len;
        out[k] = (struct line){ data + start, end - start };
        start = end + 1;
    }
    *count = k;
    return out;
}

static size_t part_of(const struct run *run, size_t i, size_t n)
{
    return run->chunks ? (size_t)((unsigned __int128)i * run->parts / n)
                       : i % run->parts;
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The text of Q, checked to read back to a state with the same text;
 * returns that state and frees Q. */
static struct quantile *quantile_round_trip(struct quantile *q,
                                            char **text, size_t *len)
{
    char *buffer = malloc(quantile_write_size(q));
    if (!buffer)
        die("out of memory");
    *len = quantile_write(q, buffer);
    if (*len > quantile_write_size(q))
        die("quantile_write wrote past quantile_write_size");
    struct quantile *back = quantile_read(buffer, *len);
    if (!back)
        die("quantile_read refused what quantile_write wrote");
    char *again = malloc(quantile_write_size(back));
    if (!again)
        die("out of memory");
    if (quantile_write(back, again) != *len
        || memcmp(buffer, again, *len) != 0)
        die("a quantile state read back writes a different text");
    free(again);
    quantile_free(q);
    *text = buffer;
    return back;
}

static struct distinct *distinct_round_trip(struct distinct *d,
                                            char **text, size_t *len)
{
    distinct_settle(d);
    char *buffer = malloc(distinct_write_size(d));
    if (!buffer)
        die("out of memory");
    *len = distinct_write(d, buffer);
    if (*len > distinct_write_size(d))
        die("distinct_write wrote past distinct_write_size");
    struct distinct *back = distinct_read(buffer, *len);
    if (!back)
        die("distinct_read refused what distinct_write wrote");
    char *again = malloc(distinct_write_size(back));
    if (!again)
        die("out of memory");
    if (distinct_write(back, again) != *len
        || memcmp(buffer, again, *len) != 0)
        die("a distinct state read back writes a different text");
    if (distinct_count(back) != distinct_count(d))
        die("a distinct state read back counts differently");
    free(again);
    distinct_free(d);
    *text = buffer;
    return back;
}

static void run_quantile(const struct run *run, const struct line *lines,
                         size_t n, char **ranks, int nranks)
{
    struct number *p = malloc((size_t)nranks * sizeof *p + 1);
    struct number *values = malloc(n * sizeof *values + 1);
    struct quantile **parts = malloc(run->parts * sizeof *parts);
    if (!p || !values || !parts)
        die("out of memory");
    for (int i = 0; i < nranks; i++)
        if (!quantile_parse_rank(ranks[i], strlen(ranks[i]), &p[i]))
            die("a rank is a number in (0, 100]");
    struct quantile *all = quantile_new();
    double elapsed = 0;
    if (run->from_text) {
        for (size_t i = 0; i < n; i++) {
            struct quantile *q = quantile_read(lines[i].text, lines[i].len);
            if (!q) {
                printf("refused\n");
                exit(1);
            }
            quantile_merge(all, q);
            quantile_free(q);
        }
        n = 0;
    }
    for (size_t i = 0; i < n; i++)
        if (number_parse(lines[i].text, lines[i].len, &values[i])
            != NUMBER_OK)
            die("an input line is not a number");
    for (size_t k = 0; k < run->parts; k++)
        parts[k] = quantile_new();

    double start = seconds();
    for (size_t i = 0; i < n; i++)
        quantile_add(parts[part_of(run, i, n)], &values[i]);
    elapsed = seconds() - start;

    for (size_t j = 0; j < run->parts; j++) {
        size_t k = run->reverse ? run->parts - 1 - j : j;
        char *text;
        size_t len;
        parts[k] = quantile_round_trip(parts[k], &text, &len);
        free(text);
        quantile_merge(all, parts[k]);
        quantile_free(parts[k]);
    }
    char *text;
    size_t len;
    size_t bytes = quantile_bytes(all);
    all = quantile_round_trip(all, &text, &len);

    printf("count\t%llu\napproximate\t%d\n",
           (unsigned long long)quantile_count(all),
           quantile_is_approximate(all));
    for (int i = 0; i < nranks; i++) {
        char value[QUANTILE_TEXT_SIZE];
        size_t vlen = quantile_format(all, p[i], run->decimals, value);
        printf("p%s\t%.*s\n", ranks[i], (int)vlen, value);
    }
    if (run->bytes)
        printf("bytes\t%zu\ntext\t%zu\n", bytes, len);
    if (run->state)
        printf("state\t%.*s\n", (int)len, text);
    if (run->bench)
        fprintf(stderr, "quantile: %.1f ns per add\n",
                n ? elapsed * 1e9 / (double)n : 0.0);
    free(text);
    quantile_free(all);
    free(parts);
    free(values);
    free(p);
}

static void run_distinct(const struct run *run, const struct line *lines,
                         size_t n)
{
    struct distinct **parts = malloc(run->parts * sizeof *parts);
    if (!parts)
        die("out of memory");
    for (size_t k = 0; k < run->parts; k++)
        parts[k] = distinct_new();
    struct distinct *all = distinct_new();
    if (run->from_text) {
        for (size_t i = 0; i < n; i++) {
            struct distinct *d = distinct_read(lines[i].text, lines[i].len);
            if (!d) {
                printf("refused\n");
                exit(1);
            }
            distinct_merge(all, d);
            distinct_free(d);
        }
        n = 0;
    }

    double start = seconds();
    for (size_t i = 0; i < n; i++)
        distinct_add(parts[part_of(run, i, n)], lines[i].text, lines[i].len);
    double elapsed = seconds() - start;

    for (size_t j = 0; j < run->parts; j++) {
        size_t k = run->reverse ? run->parts - 1 - j : j;
        char *text;
        size_t len;
        parts[k] = distinct_round_trip(parts[k], &text, &len);
        free(text);
        distinct_merge(all, parts[k]);
        distinct_free(parts[k]);
    }
    char *text;
    size_t len;
    size_t bytes = distinct_bytes(all);
    all = distinct_round_trip(all, &text, &len);

    printf("count\t%llu\napproximate\t%d\n",
           (unsigned long long)distinct_count(all),
           distinct_is_approximate(all));
    if (run->bytes)
        printf("bytes\t%zu\ntext\t%zu\n", bytes, len);
    if (run->state)
        printf("state\t%.*s\n", (int)len, text);
    if (run->bench)
        fprintf(stderr, "distinct: %.1f ns per add\n",
                n ? elapsed * 1e9 / (double)n : 0.0);
    free(text);
    distinct_free(all);
    free(parts);
}

int main(int argc, char **argv)
{
    struct run run = { .parts = 1, .decimals = -1 };
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--parts=", 8) == 0) {
            run.parts = strtoul(a + 8, NULL, 10);
            if (run.parts < 1 || run.parts > 1000)
                die("--parts is 1 .. 1000");
        } else if (strcmp(a, "--split=rr") == 0) {
            run.chunks = false;
        } else if (strcmp(a, "--split=chunk") == 0) {
            run.chunks = true;
        } else if (strcmp(a, "--order=forward") == 0) {
            run.reverse = false;
        } else if (strcmp(a, "--order=reverse") == 0) {
            run.reverse = true;
        } else if (strncmp(a, "--decimals=", 11) == 0) {
            run.decimals = atoi(a + 11);
            if (run.decimals < 0 || run.decimals > 38)
                die("--decimals is 0 .. 38");
        } else if (strcmp(a, "--state") == 0) {
            run.state = true;
        } else if (strcmp(a, "--bytes") == 0) {
            run.bytes = true;
        } else if (strcmp(a, "--from-text") == 0) {
            run.from_text = true;
        } else if (strcmp(a, "--bench") == 0) {
            run.bench = true;
        } else {
            die("unknown option");
        }
    }
    if (i >= argc)
        die("usage: sketch-tool [OPTION]... quantile P... | distinct");
    size_t n;
    struct line *lines = read_lines(&n);
    if (strcmp(argv[i], "quantile") == 0)
        run_quantile(&run, lines, n, argv + i + 1, argc - i - 1);
    else if (strcmp(argv[i], "distinct") == 0 && i + 1 == argc)
        run_distinct(&run, lines, n);
    else
        die("usage: sketch-tool [OPTION]... quantile P... | distinct");
    if (fflush(stdout) != 0 || ferror(stdout))
        die("cannot write standard output");
    if (n > 0)
        free((void *)lines[0].text);
    free(lines);
    return 0;
}
