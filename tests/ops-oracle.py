#!/usr/bin/env python3
"""Per-key results of fanout's operations, worked out independently with
Python's fractions and decimal modules, for tests/ops.bats and
tests/spread.bats.

  ops-oracle.py [--kv] [--na] [--decimals N] KEY OP[:FIELD]... <INPUT

INPUT has blank-separated fields (with --kv, KEY:VALUE lines, and KEY and
FIELD are ignored).  KEY is the key's field number; an operation without
FIELD reads field VALUE given as "value=N" among the operations.  Values
are plain decimals (no exponents).  With --na, "-" and "NA" mean no
value.  Prints one TAB-separated line per key in byte order of the keys,
as the man page describes the results: sums, minima and maxima at the
key's scale (the most places among the field's values), means and
spreads rounded half to even to max(6, scale) places or --decimals;
variances from exact fractions, standard deviations from a 300-digit
decimal square root; an empty field where a result is undefined.
"""

import sys
from decimal import Decimal, ROUND_HALF_EVEN, getcontext
from fractions import Fraction

getcontext().prec = 300


def places_of(text):
    return len(text.split(".")[1]) if "." in text else 0


def rounded(x, places):
    """The Fraction or Decimal X rounded half to even to PLACES places."""
    x = Fraction(x) * 10**places
    whole = x.numerator // x.denominator
    rest = x - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2):
        whole += 1
    sign = "-" if whole < 0 else ""
    digits = str(abs(whole)).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return sign + digits[:-places] + "." + digits[-places:]


def result(op, values, records, decimals):
    if op == "count":
        return str(records)
    if not values:
        return ""
    scale = max(places_of(v) for v in values)
    xs = [Fraction(Decimal(v)) for v in values]
    n = len(xs)
    default = max(6, scale)
    places = decimals if decimals is not None else scale
    if op == "sum":
        return rounded(sum(xs), places)
    if op == "min":
        return rounded(min(xs), places)
    if op == "max":
        return rounded(max(xs), places)
    places = decimals if decimals is not None else default
    if op == "mean":
        return rounded(sum(xs) / n, places)
    sample = op in ("svar", "sstdev")
    if sample and n == 1:
        return ""
    s, q = sum(xs), sum(x * x for x in xs)
    var = (n * q - s * s) / (n * (n - 1) if sample else n * n)
    if op in ("svar", "pvar"):
        return rounded(var, places)
    root = (Decimal(var.numerator) / Decimal(var.denominator)).sqrt()
    return format(root.quantize(Decimal(1).scaleb(-places),
                                rounding=ROUND_HALF_EVEN), "f")


def main(argv):
    kv = na = False
    decimals = None
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--kv":
            kv = True
        elif opt == "--na":
            na = True
        elif opt == "--decimals":
            decimals = int(argv.pop(0))
    key_field = int(argv[0])
    value_field = None
    ops = []
    for arg in argv[1:]:
        if arg.startswith("value="):
            value_field = int(arg[6:])
            continue
        op, _, field = arg.partition(":")
        ops.append((op, int(field) if field else None))
    keys = {}
    for line in sys.stdin.buffer.read().decode().splitlines():
        if kv:
            key, value = line.split(":", 1)
            fields = {None: value.strip()}
        else:
            parts = line.split()
            key = parts[key_field - 1]
            fields = {f: parts[(f or value_field) - 1]
                      for _, f in ops if (f or value_field)}
        entry = keys.setdefault(key, {"records": 0, "values": {}})
        entry["records"] += 1
        for field, text in fields.items():
            vals = entry["values"].setdefault(field, [])
            if not (na and text in ("-", "NA")):
                vals.append(text)
    for key in sorted(keys, key=lambda k: k.encode()):
        entry = keys[key]
        row = [key]
        for op, field in ops:
            f = None if kv else field
            row.append(result(op, entry["values"].get(f, []),
                              entry["records"], decimals))
        print("\t".join(row))


main(sys.argv[1:])
