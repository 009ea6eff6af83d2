#!/usr/bin/env python3
"""What fanout's --time, --bucket, --since and --until should make of a
log, computed with Python's datetime, independently of fanout.

  time-oracle.py gen KIND SEED N      lines KEY<TAB>TIME<TAB>TRUTH, where
                                      TIME is written in the formats of
                                      KIND and TRUTH is its time in ms
                                      since the epoch, as datetime has it
  time-oracle.py expect WIDTH [IN [SINCE UNTIL]]
                                      from such lines: BUCKET<TAB>KEY<TAB>
                                      COUNT per bucket of WIDTH seconds
                                      and key, as fanout -a count prints
                                      them; with SINCE and UNTIL (ms, or
                                      - for none) only times in
                                      [SINCE, UNTIL)
  time-oracle.py combined SEED N      access log lines in nginx's combined
                                      format, at times around a new year,
                                      in several UTC offsets
  time-oracle.py nginx WIDTH LOG [keyed]
                                      from a combined log, parsed with a
                                      strict expression and strptime:
                                      BUCKET[<TAB>CLIENT]<TAB>COUNT<TAB>SUM
                                      of the bytes sent
  time-oracle.py relative SPECS...    for each -N{s,m,h,d}: now less that,
                                      in ms

KIND is auto (ISO 8601 variants, CLF with and without brackets, syslog,
epoch seconds), epoch-ms, or pattern:P for the --time-format pattern P.
Syslog times have no year: the truth takes the year fanout's man page
gives (this year in UTC, or the last if that puts the time more than 31
days ahead of now); they are drawn far from that line.
"""
import datetime as dt
import random
import re
import sys
import time
from collections import defaultdict

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
OFFSETS = [0, 330, -480, 765, -210, 60, -60, 840, -720, 345]


def ms_of(d):
    """Milliseconds since the epoch of the aware datetime D, cut off
    towards the past."""
    delta = d - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 \
        + delta.microseconds // 1000


def iso_of_ms(ms):
    return (EPOCH + dt.timedelta(milliseconds=ms)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def offset_text(minutes, colon=True):
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return "%s%02d%s%02d" % (sign, h, ":" if colon else "", m)


def local(d, minutes):
    return d.astimezone(dt.timezone(dt.timedelta(minutes=minutes)))


def syslog_truth(d, now):
    """The time the text of D as syslog writes it stands for, by the
    man page's rule; None for February 29, which not every year has."""
    if d.month == 2 and d.day == 29:
        return None
    year = now.year
    candidate = d.replace(year=year)
    if candidate > now + dt.timedelta(days=31):
        candidate = d.replace(year=year - 1)
    return ms_of(candidate)


def gen_auto(rng, n):
    now = dt.datetime.now(UTC)
    base = dt.datetime(2026, 12, 31, 23, 0, 0, tzinfo=UTC)
    out = []
    forms = ["isoz", "iso_colon", "iso_basic_space", "iso_frac", "date",
             "minutes", "hours_only", "clf", "clf_brackets", "syslog",
             "epoch", "epoch_frac", "epoch_negative"]
    for i in range(n):
        form = forms[i % len(forms)]
        d = base + dt.timedelta(seconds=rng.randrange(-86400 * 40,
                                                      86400 * 40),
                                microseconds=rng.randrange(1000000))
        off = rng.choice(OFFSETS)
        l = local(d, off)
        truth = ms_of(d)
        if form == "isoz":
            text = d.strftime("%Y-%m-%dT%H:%M:%S") + rng.choice("Zz")
            truth = ms_of(d.replace(microsecond=0))
        elif form == "iso_colon":
            text = l.strftime("%Y-%m-%dT%H:%M:%S") + offset_text(off)
            truth = ms_of(d.replace(microsecond=0))
        elif form == "iso_basic_space":
            text = l.strftime("%Y-%m-%d %H:%M:%S") + offset_text(off, False)
            truth = ms_of(d.replace(microsecond=0))
        elif form == "iso_frac":
            text = l.strftime("%Y-%m-%dT%H:%M:%S.%f") + offset_text(off)
        elif form == "date":
            text = d.strftime("%Y-%m-%d")
            truth = ms_of(dt.datetime(d.year, d.month, d.day, tzinfo=UTC))
        elif form == "minutes":
            text = l.strftime("%Y-%m-%dT%H:%M") + offset_text(off)
            truth = ms_of(l.replace(second=0, microsecond=0))
        elif form == "hours_only":
            h = rng.choice([-8, -3, 0, 2, 9])
            l = local(d, h * 60)
            text = l.strftime("%Y-%m-%dT%H:%M:%S") + "%+03d" % h
            truth = ms_of(d.replace(microsecond=0))
        elif form in ("clf", "clf_brackets"):
            text = "%02d/%s/%04d:%02d:%02d:%02d %s" % (
                l.day, MONTHS[l.month - 1], l.year, l.hour, l.minute,
                l.second, offset_text(off, False))
            if form == "clf_brackets":
                text = "[" + text + "]"
            truth = ms_of(d.replace(microsecond=0))
        elif form == "syslog":
            s = now + dt.timedelta(days=rng.choice([-300, -100, -10, 5, 60,
                                                    200]),
                                   seconds=rng.randrange(-3600, 3600))
            truth = syslog_truth(s, now)
            if truth is None:
                continue
            text = "%s %2d %02d:%02d:%02d" % (MONTHS[s.month - 1], s.day,
                                              s.hour, s.minute, s.second)
        elif form == "epoch":
            secs = rng.randrange(0, 4102444800)
            text = str(secs)
            truth = secs * 1000
        elif form == "epoch_frac":
            secs = rng.randrange(0, 4102444800)
            frac = "%d" % rng.randrange(10 ** 6)
            text = "%d.%s" % (secs, frac)
            truth = secs * 1000 + int((frac + "000")[:3])
        else:
            # Before the epoch the fraction is cut off towards the past.
            secs = rng.randrange(1, 10 ** 9)
            frac = "%06d" % rng.randrange(10 ** 6)
            text = "-%d.%s" % (secs, frac)
            micros = -(secs * 10 ** 6 + int(frac))
            truth = micros // 1000
        out.append((form, text, truth))
    return out


def gen_epoch_ms(rng, n):
    out = []
    for _ in range(n):
        ms = rng.randrange(-10 ** 12, 4102444800000)
        out.append(("ms", str(ms), ms))
    return out


def format_pattern(pattern, d, off):
    """D (aware, UTC) written in the offset OFF minutes as PATTERN says,
    by hand, so that neither the locale nor the platform's strftime
    plays a part."""
    l = local(d, off)
    values = {
        "Y": "%04d" % l.year, "y": "%02d" % (l.year % 100),
        "m": "%02d" % l.month, "d": "%02d" % l.day, "e": "%2d" % l.day,
        "j": "%03d" % l.timetuple().tm_yday, "H": "%02d" % l.hour,
        "M": "%02d" % l.minute, "S": "%02d" % l.second,
        "b": MONTHS[l.month - 1], "h": MONTHS[l.month - 1],
        "z": offset_text(off, False),
        "T": "%02d:%02d:%02d" % (l.hour, l.minute, l.second),
        "F": "%04d-%02d-%02d" % (l.year, l.month, l.day),
        "s": str(ms_of(d) // 1000), "%": "%",
    }
    return re.sub(r"%(.)", lambda m: values[m.group(1)], pattern)


def gen_pattern(rng, n, pattern):
    out = []
    uses_offset = "%z" in pattern or "%s" in pattern
    for _ in range(n):
        d = dt.datetime(2026, 12, 31, 12, tzinfo=UTC) + dt.timedelta(
            seconds=rng.randrange(-86400 * 400, 86400 * 400))
        off = rng.choice(OFFSETS) if uses_offset else 0
        # What the pattern leaves out is 0 (the offset with it, if any).
        if not re.search("%[STs]", pattern):
            d = d.replace(second=0)
        if not re.search("%[HTs]", pattern):
            d = d.replace(hour=0, minute=0)
        out.append(("p", format_pattern(pattern, d, off), ms_of(d)))
    return out


def gen(kind, seed, n):
    rng = random.Random(seed)
    if kind == "auto":
        rows = gen_auto(rng, n)
    elif kind == "epoch-ms":
        rows = gen_epoch_ms(rng, n)
    elif kind.startswith("pattern:"):
        rows = gen_pattern(rng, n, kind[len("pattern:"):])
    else:
        sys.exit("unknown kind " + kind)
    for key, text, truth in rows:
        print("%s\t%s\t%d" % (key, text, truth))


def bound(text):
    return None if text == "-" else int(text)


def expect(width, path="-", since="-", until="-"):
    since, until = bound(since), bound(until)
    counts = defaultdict(int)
    with (sys.stdin if path == "-" else open(path)) as f:
        for line in f:
            key, _, truth = line.rstrip("\n").split("\t")
            truth = int(truth)
            if since is not None and truth < since:
                continue
            if until is not None and truth >= until:
                continue
            start = truth // (width * 1000) * width * 1000
            counts[(iso_of_ms(start), key)] += 1
    for (bucket, key) in sorted(counts):
        print("%s\t%s\t%d" % (bucket, key, counts[(bucket, key)]))


def combined(seed, n):
    rng = random.Random(seed)
    base = dt.datetime(2026, 12, 31, 23, 59, 0, tzinfo=UTC)
    for _ in range(n):
        d = base + dt.timedelta(seconds=rng.randrange(-150, 150))
        off = rng.choice(OFFSETS)
        l = local(d, off)
        client = "10.0.0.%d" % rng.randrange(1, 5)
        print('%s - - [%02d/%s/%04d:%02d:%02d:%02d %s] "GET /%d HTTP/1.1" '
              '200 %d "-" "oracle"' % (
                  client, l.day, MONTHS[l.month - 1], l.year, l.hour,
                  l.minute, l.second, offset_text(off, False),
                  rng.randrange(100), rng.randrange(100000)))


LINE = re.compile(r'^(\S+) \S+ \S+ \[([^\]]+)\] "(?:[^"\\]|\\.)*" '
                  r'(\d{3}) (\d+) "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*"$')


def nginx(width, path, keyed=False):
    counts = defaultdict(int)
    sums = defaultdict(int)
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                sys.exit("not a combined log line: " + line)
            # %b in the C locale, which the tests run in.
            d = dt.datetime.strptime(m.group(2), "%d/%b/%Y:%H:%M:%S %z")
            start = ms_of(d) // (width * 1000) * width * 1000
            key = (iso_of_ms(start),) + ((m.group(1),) if keyed else ())
            counts[key] += 1
            sums[key] += int(m.group(4))
    for key in sorted(counts):
        print("\t".join(key + (str(counts[key]), str(sums[key]))))


def relative(specs):
    now_ms = int(time.time() * 1000)
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    for spec in specs:
        print(now_ms - int(spec[1:-1]) * unit[spec[-1]] * 1000)


def main(argv):
    cmd = argv[1]
    if cmd == "gen":
        gen(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "expect":
        expect(int(argv[2]), *argv[3:])
    elif cmd == "combined":
        combined(int(argv[2]), int(argv[3]))
    elif cmd == "nginx":
        nginx(int(argv[2]), argv[3], len(argv) > 4)
    elif cmd == "relative":
        relative(argv[2:])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
