#!/usr/bin/env python3
"""What fanout --csv -k KEY -v VALUE -a sum,count should find in a CSV file,
computed independently: Python's csv module reads the records (strictly,
so that a malformed file stops here rather than being guessed at) and
decimal.Decimal adds the values exactly.

Usage: csv-oracle.py FILE KEY VALUE [SEPARATOR] [--gen SEED RECORDS]

Writes to standard output the lines fanout prints (KEY, sum, count, TAB
separated, keys in byte order) and to FILE.rejected the line numbers of the
records fanout must reject, one a line.  A value is accepted as fanout's
number grammar says (man fanout, NUMBERS): blanks around it trimmed,
[+-]?(digits[.digits] | .digits), at most 18 digits in all (leading zeros
of the integer part not counted) and at most 18 after the point.  A value
outside that grammar that Decimal would still read (an exponent, a long
mantissa) is reported and the oracle fails, since the two programs would
then disagree on purpose rather than by mistake.  A UTF-8 byte-order mark
at the start of FILE is not part of its first field (utf-8-sig).

With --gen, first writes FILE: RECORDS generated records with quoted
separators, doubled quotes, quoted line breaks, CRLF and LF line ends,
quoted numbers and some records that must be rejected."""

import csv
import decimal
import random
import re
import sys

GRAMMAR = re.compile(r'[+-]?(\d+(\.\d*)?|\.\d+)')
MAX_DIGITS = 18


def too_long(text):
    body = text.lstrip('+-')
    whole, _, frac = body.partition('.')
    whole = whole.lstrip('0')
    return len(whole) + len(frac) > MAX_DIGITS or len(frac) > MAX_DIGITS


def generate(path, seed, count):
    rnd = random.Random(seed)
    keys = ['plain', 'with, comma', 'say "hi"', 'two\nlines', 'crlf\r\nkey',
            'tail ""', '']
    with open(path, 'w', newline='', encoding='utf-8') as f:
        f.write('key,value,note\r\n')
        for i in range(count):
            key = rnd.choice(keys)
            value = rnd.choice(['%d' % rnd.randint(-999, 999),
                                '%d.%02d' % (rnd.randint(0, 99),
                                             rnd.randint(0, 99)),
                                '', 'NA', 'x"y'])
            note = rnd.choice(['', 'n', 'a\nb', 'c,d', '"q"' * rnd.randint(1, 3)])
            fields = []
            for text, force in ((key, rnd.random() < 0.5),
                                (value, rnd.random() < 0.3),
                                (note, False)):
                if force or any(c in text for c in ',"\r\n'):
                    text = '"' + text.replace('"', '""') + '"'
                fields.append(text)
            end = '\r\n' if rnd.random() < 0.5 else '\n'
            if i == count - 1 and rnd.random() < 0.5:
                end = ''
            f.write(','.join(fields) + end)


def main():
    args = sys.argv[1:]
    if '--gen' in args:
        at = args.index('--gen')
        seed, count = int(args[at + 1]), int(args[at + 2])
        del args[at:at + 3]
        generate(args[0], seed, count)
    path, key_field, value_field = args[0], int(args[1]), int(args[2])
    separator = args[3] if len(args) > 3 else ','
    decimal.getcontext().prec = 200
    sums, counts, rejected = {}, {}, []
    with open(path, newline='', encoding='utf-8-sig',
              errors='surrogateescape') as f:
        reader = csv.reader(f, delimiter=separator, strict=True)
        line = 1
        for row in reader:
            start, line = line, reader.line_num + 1
            needed = max(key_field, value_field)
            if len(row) < needed:
                rejected.append(start)
                continue
            key = row[key_field - 1]
            value = row[value_field - 1].strip(' \t')
            if key == '' or not GRAMMAR.fullmatch(value) or too_long(value):
                try:
                    if (decimal.Decimal(value).is_finite()
                            and not GRAMMAR.fullmatch(value)):
                        sys.exit('%s:%d: %r is a number to Decimal, not to '
                                 'fanout' % (path, start, value))
                except decimal.InvalidOperation:
                    pass
                rejected.append(start)
                continue
            sums[key] = sums.get(key, decimal.Decimal(0)) + decimal.Decimal(value)
            counts[key] = counts.get(key, 0) + 1
    out = sys.stdout.buffer
    for key in sorted(sums, key=lambda k: k.encode('utf-8', 'surrogateescape')):
        text = '%s\t%s\t%d\n' % (key, format(sums[key], 'f'), counts[key])
        out.write(text.encode('utf-8', 'surrogateescape'))
    with open(path + '.rejected', 'w') as f:
        f.writelines('%d\n' % n for n in rejected)


main()
