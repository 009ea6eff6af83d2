/* gen.c - deterministic input generator for the fanout benchmark (bench/run).
 *
 * Usage: gen kv|wide|access|csv RECORDS [KEYS] [SEED]   > file
 *
 *   kv      RECORDS lines "keyN:VALUE", N in 0..KEYS-1 (default 1000),
 *           VALUE in 1..999999; about 1% of the lines are rejects for
 *           "fanout --above=0 --below=1000000" (see gen_kv).
 *   wide    RECORDS lines "keyN:VALUE", all valid, over KEYS keys (default
 *           1000000); every key occurs RECORDS/KEYS times (when RECORDS >=
 *           KEYS), in a freshly shuffled order in each round.
 *   access  RECORDS lines of nginx "combined" log format with about KEYS
 *           client addresses (default 10000) and a handful of status codes.
 *   csv     a header and RECORDS records of RFC 4180 CSV,
 *           id,name,region,amount,note over KEYS regions (default 100):
 *           names quoted with a comma and sometimes a doubled quote,
 *           regions and amounts (two decimals) quoted half the time, and
 *           one note in 50 a quoted line break; all valid.
 *
 * The output depends only on the arguments (fixed PRNG, no clock, no locale),
 * so two runs with the same arguments give the same bytes.  It is written
 * with hand-rolled formatting into a large buffer because printf would make
 * the generator, not the tools under test, the slow part of a benchmark run.
 *
 * Plain C11; build: cc -std=c11 -O2 -Wall -Wextra -o gen gen.c
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG: splitmix64 (tiny, good enough, fully deterministic) ---- */
static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform-enough integer in [0, n) (modulo bias is irrelevant here) */
static uint64_t below(uint64_t n)
{
    return rng() % n;
}

/* ---- output buffer ---- */
enum { OUTBUF = 1 << 20 };
static char out[OUTBUF + 4096];
static size_t outlen;

static void flush_out(void)
{
    if (outlen && fwrite(out, 1, outlen, stdout) != outlen) {
        perror("gen: write");
        exit(2);
    }
    outlen = 0;
}

/* called once per record: every record is far shorter than the 4 KiB slack */
static void maybe_flush(void)
{
    if (outlen >= OUTBUF)
        flush_out();
}

static void put_str(const char *s)
{
    size_t n = strlen(s);
    memcpy(out + outlen, s, n);
    outlen += n;
}

static void put_ch(char c)
{
    out[outlen++] = c;
}

static void put_u(uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out[outlen++] = tmp[--n];
}

/* two-digit zero-padded number (time fields) */
static void put_u2(unsigned v)
{
    put_ch((char)('0' + v / 10 % 10));
    put_ch((char)('0' + v % 10));
}

/* ---- kv: keyN:VALUE with ~1% rejects ---- */
static void gen_kv(uint64_t records, uint64_t keys)
{
    for (uint64_t i = 0; i < records; i++) {
        uint64_t key = below(keys);
        if (below(100) != 0) {
            /* valid record: 1 <= VALUE <= 999999 */
            put_str("key");
            put_u(key);
            put_ch(':');
            put_u(1 + below(999999));
        } else {
            /* a reject, of one of these kinds (the comment says what
             * fanout reports for it) */
            switch (below(7)) {
            case 0: /* missing delimiter ':' */
                put_str("key");
                put_u(key);
                put_ch(' ');
                put_u(1 + below(999999));
                break;
            case 1: /* value 0 is not above 0 */
                put_str("key");
                put_u(key);
                put_str(":0");
                break;
            case 2: /* value ... is not below 1000000 */
                put_str("key");
                put_u(key);
                put_ch(':');
                put_u(1000000 + below(9000000));
                break;
            case 3: /* invalid number */
                put_str("key");
                put_u(key);
                put_str(below(2) ? ":n/a" : ":12x");
                break;
            case 4: /* missing value */
                put_str("key");
                put_u(key);
                put_ch(':');
                break;
            case 5: /* empty key */
                put_ch(':');
                put_u(1 + below(999999));
                break;
            default: /* empty line: missing delimiter ':' */
                break;
            }
        }
        put_ch('\n');
        maybe_flush();
    }
}

/* ---- wide: every key RECORDS/KEYS times, shuffled anew in each round ---- */
static void gen_wide(uint64_t records, uint64_t keys)
{
    uint32_t *perm = malloc(keys * sizeof *perm);
    if (!perm) {
        perror("gen: malloc");
        exit(2);
    }
    for (uint64_t k = 0; k < keys; k++)
        perm[k] = (uint32_t)k;
    for (uint64_t i = 0; i < records; i++) {
        uint64_t pos = i % keys;
        if (pos == 0) {
            /* new round: Fisher-Yates shuffle, so each round visits every
             * key once, in a random order */
            for (uint64_t k = keys - 1; k > 0; k--) {
                uint64_t j = below(k + 1);
                uint32_t t = perm[k];
                perm[k] = perm[j];
                perm[j] = t;
            }
        }
        put_str("key");
        put_u(perm[pos]);
        put_ch(':');
        put_u(1 + below(999999));
        put_ch('\n');
        maybe_flush();
    }
    free(perm);
}

/* ---- access: nginx combined log format ----
 * $remote_addr - $remote_user [$time_local] "$request" $status
 * $body_bytes_sent "$http_referer" "$http_user_agent"
 * Split at blanks, field 1 is the address, 9 the status, 10 the bytes. */
static const char *const methods[] = { "GET", "GET", "GET", "GET", "POST", "HEAD" };
static const char *const paths[] = {
    "/", "/index.html", "/static/app.js", "/static/style.css",
    "/images/logo.png", "/login", "/api/v1/items/", "/api/v1/users/",
    "/search?q=", "/favicon.ico",
};
static const char *const referers[] = {
    "-", "-", "-", "https://www.example.com/", "https://www.example.com/search?q=fanout",
    "https://news.example.org/article/42",
};
static const char *const agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "curl/7.88.1",
    "Wget/1.21.3",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
};
static const char *const months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void put_addr(uint64_t client)
{
    /* multiplying by an odd constant is a bijection mod 2^32, so distinct
     * client numbers give distinct addresses */
    uint32_t h = (uint32_t)(client * 2654435761u) ^ 0x5bd1e995u;
    put_u(1 + (h >> 24) % 223); /* 1..223: no 0.x or multicast */
    put_ch('.');
    put_u(h >> 16 & 0xff);
    put_ch('.');
    put_u(h >> 8 & 0xff);
    put_ch('.');
    put_u(h & 0xff);
}

static void gen_access(uint64_t records, uint64_t clients)
{
    unsigned day = 1, mon = 9 /* Oct */, hour = 0, min = 0, sec = 0;
    unsigned year = 2023;
    static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    uint64_t hot = clients / 100 ? clients / 100 : 1;

    for (uint64_t i = 0; i < records; i++) {
        /* skewed clients: half of the requests come from the busiest 1% */
        uint64_t client = below(2) ? below(hot) : below(clients);

        /* time moves forward by 0 or 1 second per request */
        if (below(8) == 0 && ++sec == 60) {
            sec = 0;
            if (++min == 60) {
                min = 0;
                if (++hour == 24) {
                    hour = 0;
                    if (++day > mdays[mon]) {
                        day = 1;
                        if (++mon == 12) {
                            mon = 0;
                            year++;
                        }
                    }
                }
            }
        }

        /* status: mostly 200, a handful of others */
        uint64_t r = below(1000);
        unsigned status;
        uint64_t bytes;
        if (r < 820) {
            status = 200;
            bytes = 200 + below(60000);
        } else if (r < 900) {
            status = 304;
            bytes = 0;
        } else if (r < 950) {
            status = 404;
            bytes = 150 + below(50);
        } else if (r < 975) {
            status = 301;
            bytes = 169;
        } else if (r < 985) {
            status = 302;
            bytes = 145;
        } else if (r < 995) {
            status = 500;
            bytes = 177 + below(400);
        } else {
            status = 403;
            bytes = 153;
        }

        put_addr(client);
        put_str(" - ");
        if (below(50) == 0) {
            put_str("user");
            put_u(below(100));
        } else {
            put_ch('-');
        }
        put_str(" [");
        put_u2(day);
        put_ch('/');
        put_str(months[mon]);
        put_ch('/');
        put_u(year);
        put_ch(':');
        put_u2(hour);
        put_ch(':');
        put_u2(min);
        put_ch(':');
        put_u2(sec);
        put_str(" +0000] \"");
        put_str(methods[below(COUNT(methods))]);
        put_ch(' ');
        const char *path = paths[below(COUNT(paths))];
        put_str(path);
        if (path[strlen(path) - 1] == '/' && strlen(path) > 1)
            put_u(below(100000));
        else if (path[strlen(path) - 1] == '=')
            put_u(below(1000));
        put_str(" HTTP/1.1\" ");
        put_u(status);
        put_ch(' ');
        put_u(bytes);
        put_str(" \"");
        put_str(referers[below(COUNT(referers))]);
        put_str("\" \"");
        put_str(agents[below(COUNT(agents))]);
        put_str("\"\n");
        maybe_flush();
    }
}

/* ---- csv: what a spreadsheet or R's write.csv exports ---- */
static const char *const surnames[] = {
    "Smith", "Garcia", "O\"\"Brien", "Nguyen", "M\xc3\xbcller", "Rossi",
};

static void gen_csv(uint64_t records, uint64_t regions)
{
    put_str("id,name,region,amount,note\n");
    for (uint64_t i = 0; i < records; i++) {
        bool quote_region = below(2), quote_amount = below(2);
        put_u(i + 1);
        put_str(",\"");
        put_str(surnames[below(COUNT(surnames))]);
        put_str(", ");
        put_ch((char)('A' + below(26)));
        put_str(".\",");
        if (quote_region)
            put_ch('"');
        put_str("region");
        put_u(below(regions));
        put_str(quote_region ? "\"," : ",");
        if (quote_amount)
            put_ch('"');
        put_u(below(100000));
        put_ch('.');
        put_u2((unsigned)below(100));
        if (quote_amount)
            put_ch('"');
        put_ch(',');
        switch (below(50)) {
        case 0:
            put_str("\"first line\nsecond line\"");
            break;
        case 1:
        case 2:
            put_str("checked");
            break;
        default:
            break;
        }
        put_ch('\n');
        maybe_flush();
    }
}

static uint64_t parse_u(const char *s, const char *what)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || *s == '-') {
        fprintf(stderr, "gen: invalid %s '%s'\n", what, s);
        exit(2);
    }
    return (uint64_t)v;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: gen kv|wide|access|csv RECORDS [KEYS] [SEED]\n");
        return 2;
    }
    const char *mode = argv[1];
    uint64_t records = parse_u(argv[2], "record count");
    uint64_t keys = 0;
    if (argc > 3)
        keys = parse_u(argv[3], "key count");
    rng_state = argc > 4 ? parse_u(argv[4], "seed") : 20240101;

    if (strcmp(mode, "kv") == 0)
        gen_kv(records, keys ? keys : 1000);
    else if (strcmp(mode, "wide") == 0) {
        if (keys > UINT32_MAX) {
            fprintf(stderr, "gen: wide: at most %u keys\n", (unsigned)UINT32_MAX);
            return 2;
        }
        gen_wide(records, keys ? keys : 1000000);
    } else if (strcmp(mode, "access") == 0)
        gen_access(records, keys ? keys : 10000);
    else if (strcmp(mode, "csv") == 0)
        gen_csv(records, keys ? keys : 100);
    else {
        fprintf(stderr, "gen: unknown mode '%s'\n", mode);
        return 2;
    }
    flush_out();
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen: write");
        return 2;
    }
    return 0;
}
