#!/usr/bin/env python3
"""Checks what tests/sketch-tool printed against Python's own answer.

    sketch-oracle.py quantile VALUES OUTPUT [--decimals=N] [--approximate]
    sketch-oracle.py distinct VALUES OUTPUT [--approximate]

VALUES holds the input, one value per line; OUTPUT what sketch-tool
printed for it.  Percentiles follow the nearest-rank rule on Python's
sorted list of Decimals: the P-th percentile of n values is the value of
rank ceil(P / 100 * n), with P / 100 * n a Fraction.  Without
--approximate, each printed value must equal that value, printed at the
most places among the values (or N places, rounded half to even); with
it, it must be within 1% of the value at that rank (--within=PERCENT
for another bound), with those places.
Distinct counts are the size of Python's set of lines; with
--approximate, within 2%.  Exits 1 with the differences, 0 if none.
"""
import math
import sys
from decimal import Decimal, ROUND_HALF_EVEN, getcontext
from fractions import Fraction

getcontext().prec = 200


def places_of(d):
    exponent = d.as_tuple().exponent
    return max(0, -exponent)


def text_at(d, places):
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    text = format(q, 'f')
    # Decimal keeps the sign of a negative zero; fanout prints none.
    if q == 0 and text.startswith('-'):
        text = text[1:]
    return text


def read_output(path):
    out = {}
    order = []
    with open(path) as f:
        for line in f:
            name, _, value = line.rstrip('\n').partition('\t')
            out[name] = value
            order.append(name)
    return out, order


def check_quantile(values_path, out, order, decimals, approximate, within):
    with open(values_path) as f:
        values = [Decimal(line.strip()) for line in f if line.strip()]
    n = len(values)
    errors = []
    if int(out.get('count', -1)) != n:
        errors.append(f"count: expected {n}, got {out.get('count')}")
    if out.get('approximate') != ('1' if approximate else '0'):
        errors.append(f"approximate: expected {int(approximate)}, "
                      f"got {out.get('approximate')}")
    values.sort()
    places = decimals if decimals is not None else max(map(places_of, values))
    worst = Fraction(0)
    for name in order:
        if not name.startswith('p'):
            continue
        p = Fraction(Decimal(name[1:]))
        rank = math.ceil(p * n / 100)
        exact = values[rank - 1]
        got = out[name]
        if not approximate:
            want = text_at(exact, places)
            if got != want:
                errors.append(f"{name} (rank {rank} of {n}): expected "
                              f"{want}, got {got}")
            continue
        frac = got.partition('.')[2]
        if len(frac) != places:
            errors.append(f"{name}: {got} has not {places} places")
        error = abs(Fraction(Decimal(got)) - Fraction(exact))
        if error > within / 100 * abs(Fraction(exact)):
            errors.append(f"{name} (rank {rank} of {n}): {got} is more "
                          f"than {float(within)}% from {exact}")
        if exact != 0:
            worst = max(worst, error / abs(Fraction(exact)))
    if approximate:
        print(f"largest relative error {float(worst):.5%}", file=sys.stderr)
    return errors


def check_distinct(values_path, out, approximate):
    with open(values_path, 'rb') as f:
        data = f.read()
    lines = data.split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    n = len(set(lines))
    got = int(out.get('count', -1))
    errors = []
    if out.get('approximate') != ('1' if approximate else '0'):
        errors.append(f"approximate: expected {int(approximate)}, "
                      f"got {out.get('approximate')}")
    if approximate:
        error = abs(got - n) / n
        print(f"distinct {n}, estimate {got}, error {error:.4%}",
              file=sys.stderr)
        if error > 0.02:
            errors.append(f"count {got} is more than 2% from {n}")
    elif got != n:
        errors.append(f"count: expected {n}, got {got}")
    return errors


def main(argv):
    kind, values_path, output_path = argv[1:4]
    decimals = None
    approximate = False
    within = Fraction(1)
    for a in argv[4:]:
        if a.startswith('--decimals='):
            decimals = int(a.split('=', 1)[1])
        elif a.startswith('--within='):
            within = Fraction(Decimal(a.split('=', 1)[1]))
        elif a == '--approximate':
            approximate = True
        else:
            sys.exit(f"sketch-oracle.py: unknown option {a}")
    out, order = read_output(output_path)
    if kind == 'quantile':
        errors = check_quantile(values_path, out, order, decimals,
                                approximate, within)
    else:
        errors = check_distinct(values_path, out, approximate)
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
