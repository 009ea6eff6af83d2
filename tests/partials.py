#!/usr/bin/env python3
"""Partial format version 7 written and checked independently of fanout,
for tests/partial-safety.bats.  src/partial.h describes the format.

  partials.py craft [--id HEX] SETTING... <KEYLINES
      A partial whose key lines are KEYLINES (the ten fields of each,
      without their check): the header with SETTINGs, every line sealed
      with its check, and a trailer counting the LINES of the key lines
      (those that are numbers) and adding up their checks.
  partials.py seal <LINES
      The LINES, each with its check.
  partials.py open FILE
      The lines of the partial FILE without their checks, its identity
      shown as ID and its trailer's sum as SUM, once every check, the
      identities and the sum have been found right.
  partials.py model kv|fields OPS INPUT
      What fanout -a OPS prints for INPUT (KEY:VALUE records, or fields
      1 and 3 as the key and field 2 as the value), from Python's decimal
      module.
  partials.py mutate FANOUT EXPECTED TARGET [OTHER]...
      Runs FANOUT --merge TARGET OTHER... with TARGET damaged one way at a
      time: every byte replaced by a few values, lines duplicated, dropped
      and swapped, files given twice.  Every run must exit 2 with nothing
      on standard output, or exit 0 printing exactly the file EXPECTED.
"""

import concurrent.futures
import decimal
import os
import random
import subprocess
import sys

MASK = (1 << 64) - 1


def check(text):
    """The check of a line's text: FNV-1a, then MurmurHash3's finaliser."""
    h = 0xCBF29CE484222325
    for b in text:
        h = ((h ^ b) * 0x100000001B3) & MASK
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK
    h ^= h >> 33
    return h


def seal(text):
    return text + b"\t%016x\n" % check(text)


def craft(args):
    ident = os.urandom(16).hex()
    if args[:1] == ["--id"]:
        ident, args = args[1], args[2:]
    out = [seal(b"\t".join([b"#fanout-partial", b"7", ident.encode()]
                           + [a.encode() for a in args]))]
    lines = total = 0
    for line in sys.stdin.buffer.read().splitlines():
        out.append(seal(line))
        fields = line.split(b"\t")
        if len(fields) > 7 and fields[7].isdigit():
            lines += int(fields[7])
        total = (total + check(line)) & MASK
    out.append(seal(b"#end\t%s\t%d\t%016x" % (ident.encode(), lines, total)))
    sys.stdout.buffer.write(b"".join(out))


def seal_lines(args):
    sys.stdout.buffer.write(b"".join(
        seal(line) for line in sys.stdin.buffer.read().splitlines()))


def unseal(line):
    text, _, given = line.rpartition(b"\t")
    if given != b"%016x" % check(text):
        sys.exit("partials.py: bad check: %r" % line)
    return text


def open_partial(args):
    with open(args[0], "rb") as f:
        lines = [unseal(line) for line in f.read().splitlines()]
    ident = lines[0].split(b"\t")[2]
    trailer = lines[-1].split(b"\t")
    total = sum(check(line) for line in lines[1:-1]) & MASK
    if len(ident) != 32 or trailer[0] != b"#end" or trailer[1] != ident \
            or int(trailer[2]) != len(lines) - 2 \
            or trailer[3] != b"%016x" % total:
        sys.exit("partials.py: bad identity or trailer in %s" % args[0])
    lines[0] = lines[0].replace(ident, b"ID")
    lines[-1] = b"\t".join([b"#end", b"ID", trailer[2], b"SUM"])
    sys.stdout.buffer.write(b"".join(line + b"\n" for line in lines))


def text(d, places):
    """D with exactly PLACES digits after the point, no sign for zero."""
    q = d.quantize(decimal.Decimal(1).scaleb(-places),
                   rounding=decimal.ROUND_HALF_EVEN)
    if q == 0:
        q = abs(q)
    return "{:f}".format(q)


def model(args):
    mode, ops, path = args
    decimal.getcontext().prec = 80
    keys = {}
    with open(path, "rb") as f:
        for raw in f.read().split(b"\n")[:-1]:
            if mode == "kv":
                key, value = raw.split(b":", 1)
            else:
                fields = raw.split()
                key, value = fields[0] + b"\t" + fields[2], fields[1]
            v = decimal.Decimal(value.decode())
            scale = max(0, -v.as_tuple().exponent)
            k = keys.setdefault(key, {"values": [], "scale": 0})
            k["values"].append(v)
            k["scale"] = max(k["scale"], scale)
    rows = []
    for key in sorted(keys):
        values, scale = keys[key]["values"], keys[key]["scale"]
        total = sum(values, decimal.Decimal(0))
        row = [key]
        for op in ops.split(","):
            r = {"sum": lambda: text(total, scale),
                 "count": lambda: str(len(values)),
                 "min": lambda: text(min(values), scale),
                 "max": lambda: text(max(values), scale),
                 "mean": lambda: text(total / len(values), max(6, scale)),
                 }[op]()
            row.append(r.encode())
        rows.append(b"\t".join(row) + b"\n")
    sys.stdout.buffer.write(b"".join(rows))


def variants(data, rng):
    """(description, bytes) for every damage tried on DATA."""
    special = b"\t\n0123456789abcdef#\\-,=:x\0\xff"
    for i, old in enumerate(data):
        values = {old ^ (1 << rng.randrange(8)), rng.choice(special)}
        if chr(old) in "0123456789abcdef":
            values.add(ord(rng.choice("0123456789abcdef")))
        values.discard(old)
        for new in sorted(values):
            yield ("byte %d: %r -> %r" % (i, bytes([old]), bytes([new])),
                   data[:i] + bytes([new]) + data[i + 1:])
    lines = data.splitlines(keepends=True)
    for i in range(len(lines)):
        yield ("line %d twice" % (i + 1),
               b"".join(lines[:i + 1] + lines[i:]))
        yield ("line %d dropped" % (i + 1),
               b"".join(lines[:i] + lines[i + 1:]))
        yield ("line %d cut short" % (i + 1),
               b"".join(lines[:i] + [lines[i][:-2] + b"\n"] + lines[i + 1:]))
        if i + 1 < len(lines):
            swapped = lines[:]
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            yield ("lines %d and %d swapped" % (i + 1, i + 2),
                   b"".join(swapped))
    yield ("the file twice over", data + data)
    yield ("the file's last byte gone", data[:-1])


def mutate(args):
    fanout, expected_path, target, others = args[0], args[1], args[2], args[3:]
    with open(expected_path, "rb") as f:
        expected = f.read()
    with open(target, "rb") as f:
        data = f.read()
    rng = random.Random(target)
    work = []
    for n, (what, damaged) in enumerate(variants(data, rng)):
        path = "%s.damaged.%d" % (target, n)
        with open(path, "wb") as f:
            f.write(damaged)
        work.append((what, [fanout, "--merge", path] + others, path))
    # Repeated and reordered files, undamaged.
    work.append(("target given twice", [fanout, "--merge", target, target]
                 + others, None))
    work.append(("others first", [fanout, "--merge"] + others + [target],
                 None))
    if others:
        work.append(("another given twice",
                     [fanout, "--merge", target] + others + others[:1], None))

    def run(item):
        what, argv, path = item
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           capture_output=True)
        if path:
            os.unlink(path)
        if p.returncode == 2 and p.stdout == b"" \
                and p.stderr.startswith(b"fanout: ") and p.stderr.endswith(b"\n"):
            return "refused", None
        if p.returncode == 0 and p.stdout == expected and p.stderr == b"":
            return "exact", None
        return "wrong", "%s: status %d, stdout %r, stderr %r" % (
            what, p.returncode, p.stdout[:200], p.stderr[:200])

    counts = {"refused": 0, "exact": 0, "wrong": 0}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for outcome, message in pool.map(run, work):
            counts[outcome] += 1
            if message:
                print(message)
    print("%s: %d runs, %d refused, %d exact, %d wrong"
          % (target, len(work), counts["refused"], counts["exact"],
             counts["wrong"]))
    sys.exit(1 if counts["wrong"] else 0)


if __name__ == "__main__":
    {"craft": craft, "seal": seal_lines, "open": open_partial, "model": model, "mutate": mutate}[sys.argv[1]](
        sys.argv[2:])
