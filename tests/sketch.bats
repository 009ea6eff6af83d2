#!/usr/bin/env bats
# Percentiles (src/quantile.c) and distinct counts (src/distinct.c) as
# their headers promise them, driven by tests/sketch-tool and checked by
# tests/sketch-oracle.py, which computes the answers with Python's sorted
# lists of Decimals and sets: exact below the budgets, within 1% (values)
# and 2% (counts) past them, the same bytes for every split into parts.

load test_helper

setup() {
	common_setup
	TOOL="$FANOUT_BUILD_DIR/tests/sketch-tool"
	ORACLE="$FANOUT_SOURCE_DIR/tests/sketch-oracle.py"
}

RANKS="0.001 1 5 10 25 33.3 50 66.7 75 90 95 99 99.9 99.99 100"

# oracle KIND VALUES OUTPUT [OPTION]...: the oracle's verdict, with its
# reasons on failure.
oracle() {
	run --separate-stderr python3 "$ORACLE" "$@"
	if [[ "$status" != 0 ]]; then
		printf '%s\n' "$stderr" >&2
		return 1
	fi
}

# values_mixed N SEED: N values with zeros, negatives and positives from
# 10^-6 to 10^9, at scales 0 to 6.
values_mixed() {
	python3 -c '
import random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(seed)
out = []
for i in range(n):
    k = r.random()
    if k < 0.05:
        out.append("0")
    elif k < 0.30:
        out.append("-%d.%03d" % (r.randrange(0, 100000), r.randrange(1, 1000)))
    elif k < 0.35:
        out.append(str(r.randrange(1, 10**6)))
    else:
        out.append("%.6f" % (10 ** r.uniform(-6, 9)))
print("\n".join(out))
' "$1" "$2"
}

@test "percentiles follow the nearest-rank rule (hand-worked)" {
	# Of 1 2 3 4: rank ceil(P/100 * 4): p25 -> 1, p50 -> 2, p75 -> 3,
	# p75.1 -> ceil(3.004) = 4, p100 -> 4, p0.001 -> 1.
	printf '3\n1\n4\n2\n' >values
	expected=$(printf 'count\t4\napproximate\t0\np25\t1\np50\t2\np75\t3\np75.1\t4\np100\t4\np0.001\t1')
	run "$TOOL" quantile 25 50 75 75.1 100 0.001 <values
	[[ "$output" == "$expected" ]] || show_diff output "$expected" "$output"
	# Of -3 1.5 2, printed at the key's scale (1): p50 -> rank 2, 1.5;
	# p100 -> 2.0; p1 -> -3.0.  With 3 values, p33.33 is rank
	# ceil(0.9999) = 1 and p33.34 rank ceil(1.0002) = 2.
	printf '2\n-3\n1.5\n' >values
	expected=$(printf 'count\t3\napproximate\t0\np50\t1.5\np100\t2.0\np1\t-3.0\np33.33\t-3.0\np33.34\t1.5')
	run "$TOOL" quantile 50 100 1 33.33 33.34 <values
	[[ "$output" == "$expected" ]] || show_diff output "$expected" "$output"
	# --decimals=0 rounds half to even: 1.5 -> 2, 2.0 -> 2, -3.0 -> -3.
	expected=$(printf 'count\t3\napproximate\t0\np50\t2\np100\t2\np1\t-3')
	run "$TOOL" --decimals=0 quantile 50 100 1 <values
	[[ "$output" == "$expected" ]] || show_diff output "$expected" "$output"
}

@test "exact percentiles equal Python's at the key's scale and with --decimals" {
	python3 -c '
import random
r = random.Random(3)
vals = ["2.5", "3.5", "-2.5", "0.000", "-0.5", "0.5"]
vals += ["%d.%0*d" % (r.randrange(-500, 500), s, r.randrange(10 ** s)) if s else str(r.randrange(-500, 500))
         for s in (r.randrange(0, 4) for _ in range(994))]
r.shuffle(vals)
print("\n".join(vals))' >values
	for decimals in "" 0 1 2 5; do
		"$TOOL" ${decimals:+--decimals=$decimals} quantile $RANKS 0.1 0.2 0.3 33.33 33.34 50.05 \
			<values >out
		oracle quantile values out ${decimals:+--decimals=$decimals}
	done
}

@test "the budget: 1024 values are kept exactly, 1025 make a sketch within 1%" {
	values_mixed 1024 11 >values
	"$TOOL" quantile $RANKS <values >out
	oracle quantile values out
	values_mixed 1025 11 >values
	"$TOOL" quantile $RANKS <values >out
	oracle quantile values out --approximate
}

@test "a million values: every percentile within 1% of the exact value at its rank" {
	values_mixed 1000000 1 >values
	"$TOOL" quantile $RANKS 0.01 0.1 2 20 30 40 60 70 80 98 99.999 <values >out
	oracle quantile values out --approximate
	# Latencies in seconds at three places, as in an access log.
	python3 -c '
import random
r = random.Random(2)
print("\n".join("%.3f" % r.lognormvariate(-2, 1.5) for _ in range(200000)))' >values
	"$TOOL" quantile $RANKS 0.01 0.1 2 20 30 40 60 70 80 98 99.999 <values >out
	oracle quantile values out --approximate
}

@test "sketch answers at more places than the key's are within 1% too" {
	values_mixed 100000 12 >values
	"$TOOL" --decimals=8 quantile $RANKS <values >out
	oracle quantile values out --approximate --decimals=8
}

@test "before rounding, a sketch answer is within 0.445% (1/225) of the exact value" {
	# Values of at least 1 printed at 12 places: printing adds at most
	# 5 * 10^-13, so the bucket's own error shows.
	python3 -c '
import random
r = random.Random(13)
v = ["%.3f" % (10 ** r.uniform(0, 4)) for _ in range(100000)]
v += ["-%.3f" % (10 ** r.uniform(0, 4)) for _ in range(50000)]
print("\n".join(v))' >values
	ranks=$(seq 1 99 | tr '\n' ' ')
	"$TOOL" --decimals=12 quantile $ranks 0.5 99.5 <values >out
	oracle quantile values out --approximate --decimals=12 --within=0.4445
}

@test "percentiles and states are byte-identical for every split into parts" {
	# 100,000 values (every part a sketch), 3,000 (parts of 1,500 and
	# 1,000 sketches, smaller ones exact), 1,030 (every part exact, the
	# whole a sketch), 1,024 and 1,000 (exact throughout).
	for n in 100000 3000 1030 1024 1000; do
		values_mixed "$n" 5 >values
		"$TOOL" --state quantile $RANKS <values >reference
		if (( n > 1024 )); then
			oracle quantile values reference --approximate
		else
			oracle quantile values reference
		fi
		for parts in 1 2 3 7; do
			for split in rr chunk; do
				for order in forward reverse; do
					"$TOOL" --state --parts=$parts --split=$split --order=$order \
						quantile $RANKS <values >out
					cmp -s reference out ||
						fail "n=$n parts=$parts split=$split order=$order differs" \
							"$(diff reference out | cut -c1-200 | head -n 8)"
				done
			done
		done
	done
}

@test "zeros, a single value, equal values, p100 and tiny ranks" {
	expected_for() { # VALUE COUNT APPROXIMATE: every rank gives VALUE
		printf 'count\t%s\napproximate\t%s\n' "$2" "$3"
		for p in $RANKS; do printf 'p%s\t%s\n' "$p" "$1"; done
	}
	# The sketch knows the exact extremes and keeps answers between them,
	# so equal values are exact however many.
	for n in 1 1024 5000; do
		for v in 7.25 0 -0.001 123456789012345678901234567890.12345678; do
			yes -- "$v" | head -n "$n" >values
			approximate=$(( n > 1024 ))
			expected=$(expected_for "$v" "$n" "$approximate")
			run "$TOOL" quantile $RANKS <values
			[[ "$output" == "$expected" ]] || show_diff "n=$n v=$v" "$expected" "$output"
		done
	done
	# In a sketch, p100 is the exact maximum and a rank of 1 the exact
	# minimum, whatever their buckets.
	python3 -c '
import random
r = random.Random(9)
v = ["%.4f" % r.uniform(-50, 50) for _ in range(5000)] + ["-77.1234", "88.4321"]
r.shuffle(v)
print("\n".join(v))' >values
	# Of 5,002 values, p0.019 is rank ceil(0.95038) = 1.
	run "$TOOL" quantile 100 0.0001 0.019 <values
	expected=$(printf 'count\t5002\napproximate\t1\np100\t88.4321\np0.0001\t-77.1234\np0.019\t-77.1234')
	[[ "$output" == "$expected" ]] || show_diff output "$expected" "$output"
	# Zeros between negative and positive values are answered exactly.
	{ yes -- -1.5 | head -n 1000; yes 0.00 | head -n 1000; yes 2.5 | head -n 1000; } >values
	run "$TOOL" quantile 33.3 33.4 66.6 66.7 <values
	expected=$(printf 'count\t3000\napproximate\t1\np33.3\t-1.50\np33.4\t0.00\np66.6\t0.00\np66.7\t2.50')
	[[ "$output" == "$expected" ]] || show_diff output "$expected" "$output"
}

@test "values from 10^-38 to 10^38 stay within 1% and within the memory bound" {
	# Three digits times 10^(e-2), e from -36 to 37: at most 38 digits
	# and 38 places, as fanout's numbers; and the extremes.
	python3 -c '
import random
from decimal import Decimal
r = random.Random(4)
out = []
for i in range(200000):
    e = r.randrange(-36, 38)
    d = Decimal(r.randrange(100, 1000)).scaleb(e - 2)
    out.append(("-" if r.random() < 0.3 else "") + format(d, "f"))
out += ["0.00000000000000000000000000000000000001", "9" * 38, "-" + "9" * 38]
print("\n".join(out))' >values
	"$TOOL" --bytes quantile $RANKS 0.01 0.1 2 20 30 40 60 70 80 98 <values >out
	oracle quantile values out --approximate
	# The documented bound: 2 signs * 21,590 buckets * 8 bytes + 256.
	bytes=$(awk -F'\t' '$1 == "bytes" { print $2 }' out)
	(( bytes > 0 && bytes <= 2 * 21590 * 8 + 256 )) ||
		fail "$bytes bytes, more than the documented 345,696"
}

@test "memory: an exact key within 17 KiB, a sketch within twice its span" {
	values_mixed 1024 8 >values
	"$TOOL" --bytes quantile 50 <values >out
	bytes=$(awk -F'\t' '$1 == "bytes" { print $2 }' out)
	# 1,024 values of 17 bytes, and the struct.
	(( bytes <= 1024 * 17 + 256 )) || fail "exact: $bytes bytes"
	# Latencies from 0.001 to 1000: 20 doublings of one sign, at 85
	# buckets of 8 bytes each, at most twice that while growing.
	python3 -c '
import random
r = random.Random(6)
print("\n".join("%.3f" % (10 ** r.uniform(-3, 3)) for _ in range(100000)))' >values
	"$TOOL" --bytes quantile 50 99 <values >out
	oracle quantile values out --approximate
	bytes=$(awk -F'\t' '$1 == "bytes" { print $2 }' out)
	(( bytes <= 2 * 21 * 85 * 8 + 2 * 64 * 8 + 256 )) || fail "sketch: $bytes bytes"
}

@test "percentile states are read back and merged, malformed ones refused" {
	# Two exact texts merge into one: of -1.5 1 2 3 4, at scale 1, p50
	# (rank ceil(2.5) = 3) is 2.0 and p100 4.0.
	printf 'x:1,2\nx:-1.5,3,4\n' >states
	expected=$(printf 'count\t5\napproximate\t0\np50\t2.0\np100\t4.0\nstate\tx:-1.5,1,2,3,4')
	run "$TOOL" --from-text --state quantile 50 100 <states
	[[ "$output" == "$expected" ]] || show_diff output "$expected" "$output"
	# A sketch written out and read back answers as before.
	values_mixed 5000 3 >values
	"$TOOL" --state quantile $RANKS <values >out
	awk -F'\t' '$1 == "state" { print $2 }' out >state
	"$TOOL" --from-text --state quantile $RANKS <state >again
	cmp out again || fail "a sketch read back differs"
	for bad in 'x:1,,2' 'x:1,' 'x:1e3' 'y:1' 's:0:0:1:2::5/3' \
		's:0:0:2:1::5/2000' 's:0:0:1:2::5/0,2000' 's:0:0:1:2::5/2000,' \
		's:0:0:1:2::99999/2000' 's:39:0:1:2::5/2000' 's:0:0:1:2::5/2000:'; do
		run "$TOOL" --from-text quantile 50 <<<"$bad"
		assert_status 1
		[[ "$output" == refused ]] || fail "'$bad' was not refused: $output"
	done
}

@test "distinct counts are exact up to 1024 values, whatever the bytes" {
	# 1,000 distinct values among 5,000 lines, with an empty line, long
	# lines and values that differ only in trailing zero bytes or case.
	python3 -c '
import random, sys
r = random.Random(1)
base = [b"", b"a", b"A", b"a\0", b"a\0\0", b"x" * 300, b"x" * 301, b"\xff\xfe"]
base += [("user%d@example.com" % i).encode() for i in range(992)]
lines = [r.choice(base) for _ in range(4000)] + base
r.shuffle(lines)
sys.stdout.buffer.write(b"\n".join(lines) + b"\n")' >values
	"$TOOL" distinct <values >out
	oracle distinct values out
	[[ "$(head -n1 out)" == "$(printf 'count\t1000')" ]] || fail "$(cat out)"
	seq 1 1024 >values
	"$TOOL" distinct <values >out
	oracle distinct values out
}

@test "distinct counts within 2% from 1025 to 10^7 distinct values" {
	for n in 1025 2000 10000 100000 1000000; do
		seq 1 "$n" >values
		"$TOOL" distinct <values >out
		oracle distinct values out --approximate
	done
	# Address-like values, each twice.
	awk 'BEGIN { for (i = 0; i < 300000; i++) printf "10.%d.%d.%d\n", i % 256, int(i / 256) % 256, int(i / 65536) }' >values
	cat values values >twice
	"$TOOL" distinct <twice >out
	oracle distinct twice out --approximate
	# 10^7: seq's count is known without a set.
	run "$TOOL" distinct < <(seq 1 10000000)
	assert_status 0
	count=$(awk -F'\t' '$1 == "count" { print $2 }' <<<"$output")
	(( count >= 9800000 && count <= 10200000 )) || fail "10^7 distinct counted as $count"
}

@test "distinct counts and states are byte-identical for every split into parts" {
	for n in 50000 1500 1025 1024; do
		seq 1 "$n" | awk '{ print "client-" ($1 % 40000) }' >values
		"$TOOL" --state distinct <values >reference
		if (( $(sort -u values | wc -l) > 1024 )); then
			oracle distinct values reference --approximate
		else
			oracle distinct values reference
		fi
		for parts in 1 2 3 7; do
			for split in rr chunk; do
				for order in forward reverse; do
					"$TOOL" --state --parts=$parts --split=$split --order=$order \
						distinct <values >out
					cmp -s reference out ||
						fail "n=$n parts=$parts split=$split order=$order differs"
				done
			done
		done
	done
}

@test "distinct: 16 KiB per key, states read back, malformed ones refused" {
	seq 1 1024 >values
	"$TOOL" --bytes distinct <values >out
	bytes=$(awk -F'\t' '$1 == "bytes" { print $2 }' out)
	(( bytes <= 16384 + 64 )) || fail "exact: $bytes bytes"
	seq 1 100000 >values
	"$TOOL" --bytes --state distinct <values >out
	bytes=$(awk -F'\t' '$1 == "bytes" { print $2 }' out)
	(( bytes <= 16384 + 64 )) || fail "registers: $bytes bytes"
	awk -F'\t' '$1 == "state" { print $2 }' out >state
	"$TOOL" --from-text --state --bytes distinct <state >again
	cmp out again || fail "registers read back differ"
	# Hand-written: three hashes, and all registers 0 but one 5 ('F').
	printf 'x:000000000000000100000000000000020000000000000003\n' >state
	run "$TOOL" --from-text distinct <state
	[[ "$output" == "$(printf 'count\t3\napproximate\t0')" ]] || fail "$output"
	for bad in 'x:0000000000000001000000000000000' 'x:00000000000000020000000000000001' \
		'x:000000000000000g' 'h:' 'h:16383A' 'h:16383A2z' 'h:16384{' 'h:16385A' \
		'h:0A16384A' 'q:'; do
		run "$TOOL" --from-text distinct <<<"$bad"
		assert_status 1
		[[ "$output" == refused ]] || fail "'$bad' was not refused: $output"
	done
}
