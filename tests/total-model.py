#!/usr/bin/env python3
"""The one row fanout prints for results without a key (--total, or
--value without --key), computed with Python's decimal module from the
values, one per line on standard input, as fanout reads them.

Usage: total-model.py OPS [--na] [--format=tsv|csv|json] [--decimals=N]
       [--header=VALUE_NAME]

OPS is --aggregate's list (sum, count, min, max, mean).  With --na the
default --na tokens mean no value; every other line must be a number.
A value's scale is its digits after the point (exponent included, as
Decimal keeps it); sums, minima and maxima are printed at the largest
scale, means at that scale but at least 6 places, rounded half to even;
--decimals=N prints them with N places instead.  count counts every
line.  Without values, the results other than count are empty (null in
JSON), as SQL's sum over no rows is NULL.
"""
import sys
from decimal import Decimal, getcontext, ROUND_HALF_EVEN

getcontext().prec = 300
NA = {'', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '-'}

ops = sys.argv[1].split(',')
options = dict(a[2:].split('=', 1) if '=' in a else (a[2:], '')
               for a in sys.argv[2:])
cells = [line.rstrip('\n').strip(' \t') for line in sys.stdin]
values = [Decimal(c) for c in cells if not ('na' in options and c in NA)]
scale = max([max(-v.as_tuple().exponent, 0) for v in values], default=0)
decimals = int(options['decimals']) if 'decimals' in options else None


def text(d, places):
    if decimals is not None:
        places = decimals
    d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return format(abs(d) if d == 0 else d, 'f')


def result(op):
    if op == 'count':
        return str(len(cells))
    if not values:
        return None
    if op == 'sum':
        return text(sum(values), scale)
    if op == 'min':
        return text(min(values), scale)
    if op == 'max':
        return text(max(values), scale)
    if op == 'mean':
        return text(sum(values) / len(values), max(scale, 6))
    raise SystemExit('unknown operation ' + op)


fmt = options.get('format', 'tsv')
if fmt == 'json':
    members, seen = [], set()
    for op in ops:
        if op not in seen:
            seen.add(op)
            r = result(op)
            members.append('"%s":%s' % (op, 'null' if r is None else r))
    print('{' + ','.join(members) + '}')
else:
    sep = ',' if fmt == 'csv' else '\t'
    if 'header' in options:
        name = options['header']
        print(sep.join(op if op == 'count' or not name
                       else '%s(%s)' % (op, name) for op in ops))
    print(sep.join(result(op) or '' for op in ops))
