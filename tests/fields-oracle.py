#!/usr/bin/env python3
"""What fanout -k KEYS -v VALUE -a sum,count should print for a file in
field mode, computed independently: the fields are cut with Python's
string methods as the man page describes them (runs of spaces and TABs,
or each separator byte), a field counted from the end (-1) is Python's
negative index, and the sums are Python integers.

Usage: fields-oracle.py FILE KEYS VALUE SEPARATOR [--gen SEED RECORDS]

SEPARATOR is "blanks" or one byte.  Writes to standard output the lines
fanout prints (the key fields, the sum and the count, TAB separated, keys
in byte order, field by field) and to FILE.summary the summary line fanout
ends with.  A line ending in CR has the CR taken off; a line of blanks
only is skipped; a record lacking a field, whose key fields are all empty,
or whose value, blanks trimmed, is empty, is rejected.  Values are digits
alone.

With --gen, first writes FILE: RECORDS lines built to put field ends at
and around the 16- and 32-byte edges of a scan, with runs of blanks,
empty fields, CR line ends, blank lines and some very long fields."""

import random
import sys


def gen(path, seed, records, sep):
    rng = random.Random(seed)
    words = [b"a", b"bb", b"key", b"k2", b"x" * 15, b"y" * 16, b"z" * 17,
             b"w" * 31, b"v" * 32, b"u" * 33, b"t" * 63, b"s" * 64]
    out = []
    for i in range(records):
        if rng.random() < 0.02:
            out.append(rng.choice([b"", b"  ", b"\t \t"]) + b"\n")
            continue
        n = rng.randint(1, 12)
        fields = []
        for _ in range(n):
            r = rng.random()
            if r < 0.3:
                fields.append(str(rng.randint(0, 10 ** rng.randint(1, 9))).encode())
            elif r < 0.32:
                fields.append(b"L" * rng.randint(1000, 5000))
            elif r < 0.38 and sep != b"blanks":
                fields.append(b"")
            else:
                fields.append(rng.choice(words))
        if sep == b"blanks":
            line = b""
            for j, f in enumerate(fields):
                gap = rng.choice([b" ", b"  ", b"\t", b" \t ", b" " * rng.randint(1, 40)])
                line += (gap if j > 0 or rng.random() < 0.3 else b"") + f
            if rng.random() < 0.3:
                line += rng.choice([b" ", b"\t", b"   "])
        else:
            line = sep.join(fields)
        if rng.random() < 0.1:
            line += b"\r"
        out.append(line + b"\n")
    with open(path, "wb") as f:
        f.writelines(out)


def split(line, sep):
    if sep == b"blanks":
        return line.replace(b"\t", b" ").split()
    return line.split(sep)


def field(fields, n):
    """Field N (1-based, or negative from the end), or None if absent."""
    if n > 0:
        return fields[n - 1] if n <= len(fields) else None
    return fields[n] if -n <= len(fields) else None


def main():
    path, keys, value, sep = sys.argv[1:5]
    sep = sep.encode()
    if len(sys.argv) > 5:
        gen(path, int(sys.argv[6]), int(sys.argv[7]), sep)
    keys = [int(k) for k in keys.split(",")]
    value = int(value)
    sums, counts = {}, {}
    read = accepted = rejected = skipped = 0
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for line in lines:
        read += 1
        if line.endswith(b"\r"):
            line = line[:-1]
        if line.strip(b" \t") == b"":
            skipped += 1
            continue
        fields = split(line, sep)
        key = [field(fields, k) for k in keys]
        v = field(fields, value)
        if any(k is None for k in key) or v is None:
            rejected += 1
            continue
        if all(k == b"" for k in key):
            rejected += 1
            continue
        v = v.strip(b" \t")
        if not v or not v.isdigit():
            rejected += 1
            continue
        key = tuple(key)
        sums[key] = sums.get(key, 0) + int(v)
        counts[key] = counts.get(key, 0) + 1
        accepted += 1
    out = sys.stdout.buffer
    for key in sorted(sums):
        out.write(b"\t".join(key) + b"\t%d\t%d\n" % (sums[key], counts[key]))
    summary = "fanout: %d records read, %d accepted" % (read, accepted)
    if rejected:
        summary += ", %d rejected" % rejected
    if skipped:
        summary += ", %d skipped" % skipped
    with open(path + ".summary", "w") as f:
        f.write(summary + "\n")


main()
