#!/usr/bin/env python3
"""Percentiles and distinct counts per key, worked out independently of
fanout for tests/percentiles.bats and tests/distinct.bats.

  rank-oracle.py exact [OPTIONS] KEY OP[:FIELD]... <INPUT
      prints what fanout prints (TSV, keys in byte order), exactly
  rank-oracle.py within [OPTIONS] KEY OP[:FIELD]... FANOUT_OUT <INPUT
      checks FANOUT_OUT against the exact results: every percentile
      within 1% of the exact value at its rank, every distinct count
      within 2%; exact where a key is under the budget of 1024 values
      (1024 distinct values); prints "approximated K" (keys past either
      budget) and fails with the differences otherwise

OPTIONS: --kv (KEY:VALUE lines; KEY and FIELD are ignored), --na ("-"
and "NA" are no values), --decimals N, value=N (the field of operations
without FIELD).  Fields are blank-separated.  OP is count, median, q1,
q3, pN or distinct.

The rank rule is applied here from its statement in the man page: the
N-th percentile of n values is the value of rank ceil(N / 100 * n) in
ascending order, ranks from 1, computed with exact fractions; printed at
the key's scale (the most places among its values) or rounded half to
even to --decimals places.  A distinct value is the field's text, blanks
around it trimmed.
"""

import math
import sys
from decimal import Decimal
from fractions import Fraction

BUDGET = 1024


def places_of(text):
    return len(text.split(".")[1]) if "." in text else 0


def rounded(x, places):
    """The Fraction X rounded half to even to PLACES places, as text."""
    x = Fraction(x) * 10**places
    whole = math.floor(x)
    rest = x - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2):
        whole += 1
    sign = "-" if whole < 0 else ""
    digits = str(abs(whole)).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return sign + digits[:-places] + "." + digits[-places:]


def rank_of(op):
    """The percentile OP asks for, as a Fraction, or None."""
    fixed = {"median": 50, "q1": 25, "q3": 75}
    if op in fixed:
        return Fraction(fixed[op])
    if op.startswith("p") and op != "pvar" and op != "pstdev":
        return Fraction(Decimal(op[1:]))
    return None


def percentile(sorted_values, p):
    n = len(sorted_values)
    rank = math.ceil(p / 100 * n)
    return sorted_values[max(rank, 1) - 1]


def parse(argv):
    opts = {"kv": False, "na": False, "decimals": None, "value": None}
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--kv":
            opts["kv"] = True
        elif opt == "--na":
            opts["na"] = True
        elif opt == "--decimals":
            opts["decimals"] = int(argv.pop(0))
    key_field = int(argv.pop(0))
    ops = []
    rest = []
    for arg in argv:
        if arg.startswith("value="):
            opts["value"] = int(arg[6:])
        elif rank_of(arg.partition(":")[0]) is not None or \
                arg.partition(":")[0] in ("count", "distinct"):
            op, _, field = arg.partition(":")
            ops.append((op, int(field) if field else None))
        else:
            rest.append(arg)
    return opts, key_field, ops, rest


def read_keys(opts, key_field, ops):
    keys = {}
    for line in sys.stdin.buffer.read().decode().splitlines():
        if not line.strip():
            continue
        if opts["kv"]:
            key, value = line.split(":", 1)
            fields = {None: value.strip(" \t")}
        else:
            parts = line.split()
            key = parts[key_field - 1]
            fields = {f: parts[(f or opts["value"]) - 1]
                      for _, f in ops if (f or opts["value"])}
        entry = keys.setdefault(key, {"records": 0, "values": {}})
        entry["records"] += 1
        for field, text in fields.items():
            vals = entry["values"].setdefault(field, [])
            if not (opts["na"] and text in ("-", "NA")):
                vals.append(text)
    return keys


def exact_row(opts, entry, ops):
    """The exact results of ENTRY, and whether any is past its budget."""
    row, past = [], False
    ordered = {}            # each field's values sorted, and scale, once
    for op, field in ops:
        texts = entry["values"].get(None if opts["kv"] else field, [])
        if op == "count":
            row.append(str(entry["records"]))
        elif op == "distinct":
            row.append(str(len(set(texts))))
            past |= len(set(texts)) > BUDGET
        elif not texts:
            row.append("")
        else:
            if field not in ordered:
                ordered[field] = (sorted(Decimal(t) for t in texts),
                                  max(places_of(t) for t in texts))
            values, scale = ordered[field]
            places = scale if opts["decimals"] is None else opts["decimals"]
            chosen = Fraction(percentile(values, rank_of(op)))
            row.append(rounded(chosen, places))
            past |= len(texts) > BUDGET
    return row, past


def exact(argv):
    opts, key_field, ops, _ = parse(argv)
    keys = read_keys(opts, key_field, ops)
    for key in sorted(keys, key=lambda k: k.encode()):
        row, _ = exact_row(opts, keys[key], ops)
        print("\t".join([key] + row))


def within(argv):
    opts, key_field, ops, rest = parse(argv)
    got = {}
    with open(rest[0], encoding="utf-8") as f:
        for line in f.read().splitlines():
            fields = line.split("\t")
            got[fields[0]] = fields[1:]
    keys = read_keys(opts, key_field, ops)
    problems, approximated = [], 0
    if sorted(got) != sorted(keys):
        problems.append("keys differ: %s vs %s" % (sorted(got), sorted(keys)))
    for key in sorted(keys):
        want, past = exact_row(opts, keys[key], ops)
        approximated += past
        for (op, _), w, g in zip(ops, want, got.get(key, [])):
            if w == g:
                continue
            if w == "" or g == "":
                problems.append("%s %s: want %r, got %r" % (key, op, w, g))
                continue
            exact_value, value = Fraction(Decimal(w)), Fraction(Decimal(g))
            bound = Fraction(2, 100) if op == "distinct" else Fraction(1, 100)
            if not past or abs(value - exact_value) > bound * abs(exact_value):
                problems.append("%s %s: want %s, got %s" % (key, op, w, g))
    print("approximated", approximated)
    if problems:
        sys.stderr.write("\n".join(problems[:20]) + "\n")
        sys.exit(1)


if __name__ == "__main__":
    {"exact": exact, "within": within}[sys.argv[1]](sys.argv[2:])
