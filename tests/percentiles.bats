#!/usr/bin/env bats
# Percentiles in --aggregate: median, q1, q3 and pN by the nearest-rank
# rule, exact up to 1024 values per key and field, then within 1% of the
# exact value at the rank.  Expectations are hand-worked or come from
# tests/rank-oracle.py, which applies the rank rule to Python's sorted
# lists with exact fractions.

load test_helper

ORACLE="$BATS_TEST_DIRNAME/rank-oracle.py"

setup() {
	common_setup
}

# values_input SEED KEYS MOST: blank-separated lines "KEY VALUE BYTES" for
# KEYS keys, key i with about MOST * (i + 1) / KEYS values, in shuffled
# order: decimals of several scales, zeros and negative values.
values_input() {
	python3 - "$@" <<'PY'
import random, sys
seed, keys, most = (int(a) for a in sys.argv[1:])
r = random.Random(seed)
lines = []
for k in range(keys):
    for i in range(most * (k + 1) // keys):
        scale = r.choice([0, 0, 1, 2, 3])
        m = int(r.lognormvariate(3, 2.5)) * r.choice([1, 1, 1, -1])
        if r.random() < 0.05:
            m = 0
        v = str(m) if scale == 0 else "%s%d.%0*d" % (
            "-" if m < 0 else "", abs(m) // 10**scale, scale, abs(m) % 10**scale)
        lines.append("k%02d %s %d" % (k, v, r.randrange(10**6)))
r.shuffle(lines)
print("\n".join(lines))
PY
}

@test "nearest rank, hand-worked: of 1 2 3 4 the median is 2, q1 1, q3 3, p26 2 and p100 4" {
	printf 'a:3\na:1\na:4\na:2\n' >in.txt
	run_fanout -a median,q1,q3,p25,p26,p75,p76,p99.9,p100,p0.001 in.txt
	assert_result 0 "$(text $'a\t2\t1\t3\t1\t2\t3\t4\t4\t4\t1')" ""
	# Zero and negative values, printed at the key's scale (the most
	# places among its values): -5 0 2.5 in order, rank 2 of 3 is 0.
	printf 'b:2.5\nb:-5\nb:0\n' >neg.txt
	run_fanout -a median,p1,p100 neg.txt
	assert_result 0 "$(text $'b\t0.0\t-5.0\t2.5')" ""
	# p50 is the median; an operation may repeat with its own column.
	run_fanout -a p50,median,p50 in.txt
	assert_result 0 "$(text $'a\t2\t2\t2')" ""
}

@test "percentiles of many small keys agree with the rank rule applied to Python's sorted lists" {
	values_input 5 40 1000 >in.txt
	python3 "$ORACLE" exact 1 value=2 count median q1 q3 p90 p99 p99.9 p0.5 p100 <in.txt >expected.txt
	run_to_files -k 1 -v 2 -a count,median,q1,q3,p90,p99,p99.9,p0.5,p100 in.txt
	assert_status 0
	expect_same_file expected.txt out
	# key-value mode reads the same values
	awk '{ print $1 ":" $2 }' in.txt >kv.txt
	run_to_files -a count,median,q1,q3,p90,p99,p99.9,p0.5,p100 kv.txt
	assert_status 0
	expect_same_file expected.txt out
}

# A key's exact values are kept in 64 bits while they fit and in 128 from
# the first that does not: the ranks must not care which, however the
# values are split between workers, table spills and partials.
# expected_everywhere ARGS...: fanout ARGS on in.txt prints expected.txt
# for --jobs 1 to 3 with worker tables of 1 and 4,000 keys, and so does
# a merge of the partials of in.txt split in three.
expected_everywhere() {
	for cache in 1 4000; do
		for j in 1 2 3; do
			FANOUT_CACHE_KEYS=$cache run_fanout --jobs=$j --batch=1K "$@" in.txt
			assert_status 0
			assert_stdout "$(cat expected.txt)"
		done
	done
	split -n l/3 in.txt part.
	for f in part.a?; do
		"$FANOUT" "$@" --partial "$f" >"$f.partial" || fail "partial of $f"
	done
	run_fanout --merge part.a?.partial
	assert_status 0
	assert_stdout "$(cat expected.txt)"
}

@test "values past 64 bits among small ones keep their exact ranks, for every --jobs, spill and split" {
	python3 - <<'PY' >in.txt
import random
r = random.Random(7)
lines = []
for k in range(40):
    for i in range(r.randrange(1, 60)):
        if r.random() < 0.15:
            v = r.choice(["", "-"]) + str(r.randrange(10**18, 10**30))
        else:
            v = str(r.randrange(-10**6, 10**6))
        lines.append("k%02d %s" % (k, v))
r.shuffle(lines)
print("\n".join(lines))
PY
	python3 "$ORACLE" exact 1 value=2 count median q1 p99 p100 <in.txt >expected.txt
	expected_everywhere -k 1 -v 2 -a count,median,q1,p99,p100
}

# A key whose first records have no value (--na) has an empty state
# where it was first met, into which the states of its later records,
# with decimals, are merged: the merged values keep their scale.
@test "a key's values merged into its state from records with none keep their scale, for every --jobs, spill and split" {
	python3 - <<'PY' >in.txt
import random
r = random.Random(5)
first, rest = [], []
for k in range(30):
    for i in range(r.randrange(1, 30)):
        first.append("k%02d NA" % k)
    for i in range(r.randrange(1, 80)):
        rest.append("k%02d %d.%02d" % (k, r.randrange(-500, 500), r.randrange(100)))
r.shuffle(first)
r.shuffle(rest)
print("\n".join(first + rest))
PY
	python3 "$ORACLE" exact --na 1 value=2 count median p99 p100 <in.txt >expected.txt
	expected_everywhere --na -k 1 -v 2 -a count,median,p99,p100
}

# Percentiles keep states of their own: a field they alone read has no
# totals that could overflow, and the --value field's totals count only
# when an operation reads them.
@test "values whose sum passes 2^128 give exact percentiles and distinct counts; a sum, mean or max of them is an overflow" {
	python3 - <<'PY' >in.txt
import random
r = random.Random(11)
lines = []
for k in range(6):
    for i in range(r.randrange(5, 40)):
        v = str(r.randrange(10**37, 10**38 - 1)) if r.random() < 0.5 else str(r.randrange(-99, 100))
        lines.append("k%d x%d %s" % (k, r.randrange(8), v))
r.shuffle(lines)
print("\n".join(lines))
PY
	python3 "$ORACLE" exact 1 value=3 count median p99 p100 distinct:2 <in.txt >expected.txt
	python3 "$ORACLE" exact 1 count median:3 p99:3 p100:3 distinct:2 <in.txt >expected-fields.txt
	for j in 1 3; do
		run_fanout --jobs=$j -k 1 -v 3 -a count,median,p99,p100,distinct:2 in.txt
		assert_result 0 "$(cat expected.txt)" ""
		run_fanout --jobs=$j -k 1 -a count,median:3,p99:3,p100:3,distinct:2 in.txt
		assert_result 0 "$(cat expected-fields.txt)" ""
	done
	split -n l/3 in.txt part.
	for f in part.a?; do
		"$FANOUT" -k 1 -a count,median:3,p99:3,p100:3,distinct:2 --partial "$f" >"$f.partial" || fail "partial of $f"
	done
	run_fanout --merge part.a?.partial
	assert_result 0 "$(cat expected-fields.txt)" ""
	for ops in "-v 3 -a median,sum" "-v 3 -a mean" "-a median:3,max:3" "-a count,pvar:3"; do
		# shellcheck disable=SC2086 # $ops is several options
		run_fanout -k 1 $ops in.txt
		[[ $status == 2 && -z $output && $stderr == *"fanout: sum overflow for key 'k"* ]] ||
			fail "no overflow with $ops" "$stderr"
	done
}

@test "--decimals rounds a percentile half to even, as Python's fractions do" {
	printf 'a 0.25\na 0.35\na 2.5\na -1.5\nb 3\nb 0.125\n' >in.txt
	for places in 0 1 4; do
		python3 "$ORACLE" exact --decimals "$places" 1 value=2 median q1 p100 <in.txt >expected.txt
		run_to_files -k 1 -v 2 --decimals "$places" -a median,q1,p100 in.txt
		assert_status 0
		expect_same_file expected.txt out
	done
	# hand-worked: a's values in order are -1.5 0.25 0.35 2.5; the median
	# (rank 2) is 0.25, rounded to one place 0.2 (half to even)
	run_fanout -k 1 -v 2 --decimals 1 -a median in.txt
	assert_result 0 "$(text $'a\t0.2' $'b\t0.1')" ""
	# the widest values, at the most places
	local big=99999999999999999999999999999999999999 zeros
	zeros=$(repeat_char 0 38)
	printf 'a:%s\na:-%s\n' "$big" "$big" >wide.txt
	run_fanout -a p100,p1 --decimals 38 wide.txt
	assert_result 0 "a	$big.$zeros	-$big.$zeros" ""
}

@test "CSV, JSON and --header name percentile columns like other operations; a key without values is empty or null" {
	printf 'a 1 5\na 3 NA\nb NA NA\n' >in.txt
	run_fanout -k 1 -v 2 --na -a count,p99,median:3 --format=csv --header in.txt
	assert_result 0 "$(text 'key,count,p99,median:3' 'a,2,3,5' 'b,1,,')" ""
	run_fanout -k 1 -v 2 --na -a count,p99,median:3 --format=json in.txt
	assert_result 0 "$(text '{"key":"a","count":2,"p99":3,"median:3":5}' '{"key":"b","count":1,"p99":null,"median:3":null}')" ""
	printf 'host,latency,bytes\nx,0.5,10\ny,1.25,20\nx,2,30\n' >in.csv
	run_fanout --csv --header-in -k host -v latency -a p99,q1:bytes --header in.csv
	assert_result 0 "$(text $'host\tp99(latency)\tq1:bytes' $'x\t2.0\t10' $'y\t1.25\t20')" ""
}

@test "OP:FIELD by number, by name and from the end; --na leaves a value out of its own field only" {
	values_input 9 6 600 | awk '{ print $1, $2, ($3 % 7 ? $3 : "NA"), $2 }' >in.txt
	python3 "$ORACLE" exact --na 1 value=2 count p90 median:3 p99.9:3 q3:4 <in.txt >expected.txt
	run_to_files -k 1 -v 2 --na -a count,p90,median:3,p99.9:3,q3:4 in.txt
	assert_status 0
	expect_same_file expected.txt out
	run_to_files -k 1 -v 2 --na -a count,p90,median:-2,p99.9:-2,q3:-1 in.txt
	assert_status 0
	expect_same_file expected.txt out
	printf 'k v w x\n' | cat - in.txt | tr ' ' '\t' >named.tsv
	run_to_files -t $'\t' --header-in -k k -v v --na -a count,p90,median:w,p99.9:w,q3:x named.tsv
	assert_status 0
	expect_same_file expected.txt out
}

@test "--sort=value and --top order keys by a percentile, largest first, keys without values last" {
	values_input 13 25 800 >in.txt
	printf 'zz NA 1\n' >>in.txt
	python3 "$ORACLE" exact --na 1 value=2 p90 count <in.txt >exact.txt
	# largest p90 first, ties by key; the key without values last
	python3 - <<'PY' >expected.txt
from decimal import Decimal
rows = [l.split("\t") for l in open("exact.txt").read().splitlines()]
rows.sort(key=lambda r: (r[1] == "", -Decimal(r[1] or 0), r[0].encode()))
print("\n".join("\t".join(r) for r in rows))
PY
	run_to_files -k 1 -v 2 --na --sort=value -a p90,count in.txt
	assert_status 0
	expect_same_file expected.txt out
	head -n 5 expected.txt >top.txt
	run_to_files -k 1 -v 2 --na --sort=value --top=5 -a p90,count in.txt
	assert_status 0
	expect_same_file top.txt out
}

@test "without a key: one row of percentiles over all records, an empty one over none" {
	values_input 17 1 1000 >in.txt
	python3 "$ORACLE" exact 1 value=2 count median p99 <in.txt | cut -f 2- >expected.txt
	run_to_files -v 2 -a count,median,p99 in.txt
	assert_status 0
	expect_same_file expected.txt out
	run_fanout -v 2 -a count,median,p99 --format=json /dev/null
	assert_result 0 '{"count":0,"median":null,"p99":null}' ""
}

@test "--bucket with p99: percentiles per time bucket and key, hand-worked" {
	printf '60 a 1\n61 a 5\n119 a 3\n125 b 2\n130 a -3\n179 a 10\n' >in.txt
	run_fanout --time 1 --time-format epoch --bucket 1m -k 2 -v 3 -a count,p99,median in.txt
	assert_result 0 "$(text \
		$'1970-01-01T00:01:00Z\ta\t3\t5\t3' \
		$'1970-01-01T00:02:00Z\ta\t2\t10\t-3' \
		$'1970-01-01T00:02:00Z\tb\t1\t2\t2')" ""
}

@test "an invalid pN is a usage error that says what a percentile is" {
	local why='a percentile is p followed by a number greater than 0 and at most 100, such as p50, p99 or p99.9'
	for bad in p0 p101 p p1e2 p-5 p+5 p100.001 p.; do
		expect_usage_error "invalid --aggregate value '$bad': $why" -a "count,$bad"
	done
	expect_usage_error "invalid --aggregate value 'p0': $why" -k 1 -a "p0:3"
	run "$FANOUT" --help
	[[ $output == *"pN "*"N-th percentile"* ]] || fail "--help does not describe pN" "$output"
	[[ $output == *"median "* && $output == *"distinct "* ]] || fail "--help lacks median or distinct" "$output"
}

@test "a million values per key: every percentile within 1% of the exact one, and --stats counts the keys past 1024 values" {
	python3 - >in.txt <<'PY'
import random
r = random.Random(41)
out = []
for i in range(1000000):
    # a wide spread, negative values and zeros in key a; small integers
    # with many repeats in key b
    a = r.lognormvariate(0, 3) * (1 if r.random() < 0.7 else -1)
    out.append("a %.4f\nb %d\n" % (0 if r.random() < 0.02 else a, r.randrange(-500, 5000)))
out.append("c 1\nc 2\n")
print("".join(out), end="")
PY
	run_to_files -k 1 -v 2 -a count,p0.1,q1,median,q3,p90,p99,p99.9,p100 --stats in.txt
	assert_status 0
	run python3 "$ORACLE" within 1 value=2 count p0.1 q1 median q3 p90 p99 p99.9 p100 out <in.txt
	[[ $status -eq 0 ]] || fail "percentiles outside 1%" "$output"
	[[ $output == "approximated 2" ]] || fail "oracle" "$output"
	grep -qx 'fanout: stats: approximated: 2 keys (2 percentile sketches, 0 distinct estimates)' err ||
		fail "--stats" "$(cat err)"
}

@test "--stats counts exactly the keys past the budget, as computed by Python" {
	python3 - >in.txt <<'PY'
# keys with 1023, 1024, 1025 and 3000 values: two are past 1024
for k, n in (("a", 1023), ("b", 1024), ("c", 1025), ("d", 3000)):
    for i in range(n):
        print(k, (i * 7919) % 10007)
PY
	want=$(awk '{ n[$1]++ } END { for (k in n) if (n[k] > 1024) c++; print c }' in.txt)
	run_to_files -k 1 -v 2 -a p50,p99:2 --stats=json in.txt
	assert_status 0
	python3 - "$want" <<'PY'
import json, sys
report = json.load(open("err"))
want = int(sys.argv[1])
got = report["approximated"]
assert got == {"keys": want, "percentile_sketches": want, "distinct_estimates": 0}, got
PY
	# under the budget every key is exact, and counted as such
	python3 "$ORACLE" exact 1 value=2 p50 p99 <in.txt | head -n 2 >expected.txt
	head -n 2 out >got.txt
	expect_same_file expected.txt got.txt
}

@test "the same bytes for every --jobs, --batch, worker table size and split into partials" {
	values_input 29 30 6000 >in.txt
	local ops=count,median,q1,q3,p99.9,p90:3,min
	"$FANOUT" -j 1 -k 1 -v 2 -a "$ops" in.txt >ref.txt
	[[ $(wc -l <ref.txt) -eq 30 ]] || fail "reference" "$(cat ref.txt)"
	for jobs in 1 2 3; do
		for batch in 1K 64K 4M; do
			run_to_files -j "$jobs" --batch "$batch" -k 1 -v 2 -a "$ops" in.txt
			expect_same_file ref.txt out
			FANOUT_CACHE_KEYS=3 run_to_files -j "$jobs" --batch "$batch" -k 1 -v 2 -a "$ops" in.txt
			expect_same_file ref.txt out
		done
	done
	for k in 1 2 4 7; do
		rm -f piece.* ./*.partial
		split -n "l/$k" in.txt piece.
		for p in piece.*; do
			"$FANOUT" --partial -j 2 -k 1 -v 2 -a "$ops" "$p" >"$p.partial"
		done
		run_to_files --merge piece.*.partial
		assert_status 0
		expect_same_file ref.txt out
	done
	# and the results are the rank rule's, within 1% where past 1024
	run python3 "$ORACLE" within 1 value=2 count median q1 q3 p99.9 p90:3 <(cut -f 1-7 ref.txt) <in.txt
	[[ $status -eq 0 ]] || fail "outside 1%" "$output"
}

@test "a percentile state in a partial is a q part; one changed and resealed is refused" {
	printf 'a:1\na:2\na:2.5\n' >in.txt
	"$FANOUT" --partial -a p50 in.txt >p.txt
	grep -q $'\tq0:' p.txt || fail "no q part" "$(cat p.txt)"
	# the values, in a field of their own, changed to a text that is no
	# state, then the line resealed so that only the state is wrong
	line=$(sed -n 2p p.txt | cut -f 1-11)
	bad=$(sed 's/\tq0:.*/\tq0:nonsense/' <<<"$line")
	python3 "$BATS_TEST_DIRNAME/partials.py" seal <<<"$bad" >badline.txt
	{ sed -n 1p p.txt; cat badline.txt; sed -n 3p p.txt; } >bad.txt
	run_fanout --merge bad.txt
	[[ $status -eq 2 && $stderr == *"bad.txt:2: malformed partial line: bad further state"* ]] ||
		fail "not refused" "$stderr"
	run_fanout --merge p.txt
	assert_result 0 $'a\t2.0' ""
}
