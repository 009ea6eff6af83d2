#!/usr/bin/env bats
# The spread operations sstdev, pstdev, svar and pvar: sample (n - 1) and
# population (n) standard deviation and variance, from exact sums of the
# values and of their squares, rounded once half to even.  Expectations
# are hand-worked or come from tests/ops-oracle.py (Python's fractions
# for the variance, a 300-digit decimal square root for the deviation).

load test_helper

ORACLE="$BATS_TEST_DIRNAME/ops-oracle.py"

setup() {
	common_setup
}

@test "spread of 1, 2 and 4 (hand-worked): svar 7/3, pvar 14/9, and their roots" {
	# mean 7/3; squared deviations 16/9, 1/9, 25/9, total 42/9.
	printf 'k:1\nk:2\nk:4\n' >in.txt
	run_fanout -a svar,pvar,sstdev,pstdev in.txt
	# sqrt(7/3) = 1.5275252..., sqrt(14/9) = 1.2472191...
	assert_result 0 $'k\t2.333333\t1.555556\t1.527525\t1.247219' ""
	run_fanout -a sstdev,svar --decimals=2 in.txt
	assert_result 0 $'k\t1.53\t2.33' ""
	run_fanout -a pvar --decimals=0 in.txt
	assert_result 0 $'k\t2' ""
}

@test "a single value has no sample spread: an empty field, null in JSON; its population spread is 0" {
	printf 'a:5\nb:5\nb:5\n' >in.txt
	run_fanout -a count,sstdev,svar,pstdev,pvar in.txt
	assert_result 0 "$(text $'a\t1\t\t\t0.000000\t0.000000' $'b\t2\t0.000000\t0.000000\t0.000000\t0.000000')" ""
	run_fanout -a sstdev,pvar --format=json in.txt
	assert_result 0 "$(text '{"key":"a","sstdev":null,"pvar":0.000000}' '{"key":"b","sstdev":0.000000,"pvar":0.000000}')" ""
	run_fanout -a svar --format=csv --header in.txt
	assert_result 0 "$(text key,svar a, b,0.000000)" ""
}

@test "the square root is rounded correctly, not truncated: 1 and 2 give 0.707107 (sqrt(0.5) = 0.70710678...)" {
	printf 'k:1\nk:2\n' >in.txt
	run_fanout -a sstdev,pstdev in.txt
	# sample: sqrt(1/2) = 0.7071067811...; population: sqrt(1/4) = 0.5
	assert_result 0 $'k\t0.707107\t0.500000' ""
	# a tie in the last place: 0 and 1 have a pstdev of exactly 0.5
	printf 'k:0\nk:1\n' >in.txt
	run_fanout -a pstdev --decimals=0 in.txt
	assert_result 0 $'k\t0' ""
	printf 'k:0\nk:3\n' >in.txt
	run_fanout -a pstdev --decimals=0 in.txt
	assert_result 0 $'k\t2' ""
}

@test "spread agrees with Python's fractions and decimal modules, at several --decimals" {
	python3 - >in.txt <<'PY'
import random
random.seed(17)
for i in range(3000):
    key = "k%d" % random.randint(0, 40)
    scale = random.choice([0, 0, 1, 2, 3, 5])
    v = random.randint(-10**9, 10**9)
    s = str(abs(v)).rjust(scale + 1, "0")
    text = s if scale == 0 else s[:-scale] + "." + s[-scale:]
    print("%s:%s%s" % (key, "-" if v < 0 else "", text))
PY
	local d
	for d in default 0 3 38; do
		local opt=() oopt=()
		if [[ $d != default ]]; then opt=(--decimals="$d"); oopt=(--decimals "$d"); fi
		python3 "$ORACLE" --kv "${oopt[@]}" 1 count mean sstdev pstdev svar pvar <in.txt >expected.txt
		run_to_files -a count,mean,sstdev,pstdev,svar,pvar "${opt[@]}" in.txt
		assert_status 0
		expect_same_file expected.txt out
	done
}

@test "38-digit values: squares beyond 128 bits stay exact" {
	python3 - >in.txt <<'PY'
import random
random.seed(5)
for i in range(200):
    key = "big%d" % (i % 3)
    v = random.randint(10**36, 10**37)
    print("%s %s%d" % (key, "-" if i % 4 == 0 else "", v))
print("edge 99999999999999999999999999999999999999")
print("edge -99999999999999999999999999999999999999")
print("frac 0.00000000000000000000000000000000000001")
print("frac 0.00000000000000000000000000000000000003")
PY
	python3 "$ORACLE" 1 value=2 svar pvar sstdev pstdev <in.txt >expected.txt
	run_to_files -k 1 -v 2 -a svar,pvar,sstdev,pstdev in.txt
	assert_status 0
	expect_same_file expected.txt out
	python3 "$ORACLE" --decimals 38 1 value=2 sstdev svar <in.txt >expected.txt
	run_to_files -k 1 -v 2 -a sstdev,svar --decimals=38 in.txt
	assert_status 0
	expect_same_file expected.txt out
}

@test "a key whose sum overflows has no spread either: status 2, naming the key" {
	printf 'k 99999999999999999999999999999999999999\n' >in.txt
	for i in 1 2 3 4; do cat in.txt; done >big.txt
	run_fanout -k 1 -v 2 -a sstdev big.txt
	assert_status 2
	assert_stdout ""
	[[ ${stderr_lines[0]} == "fanout: sum overflow for key 'k'" ]] || fail "$stderr"
}

@test "spread is byte-identical for every --jobs and --batch, and for partials of any split merged" {
	python3 - >in.txt <<'PY'
import random
random.seed(3)
for i in range(20000):
    v = random.randint(-10**6, 10**6)
    print("c%d %d.%02d %d" % (random.randint(0, 300), v // 100, abs(v) % 100, random.randint(0, 99)))
PY
	python3 "$ORACLE" 1 value=2 sstdev svar pstdev:3 pvar:3 <in.txt >expected.txt
	local args=(-k 1 -v 2 -a sstdev,svar,pstdev:3,pvar:3)
	run_to_files "${args[@]}" in.txt
	assert_status 0
	expect_same_file expected.txt out
	local j b k
	for j in 1 2 3; do
		for b in 1K 64K 4M; do
			run_to_files "${args[@]}" --jobs="$j" --batch="$b" in.txt
			assert_status 0
			expect_same_file expected.txt out
		done
	done
	for k in 1 2 4 7; do
		rm -f piece.* part.*
		split -n "l/$k" in.txt piece.
		for p in piece.*; do
			"$FANOUT" "${args[@]}" --partial "$p" >"part.${p#piece.}"
		done
		run_to_files --merge part.*
		assert_status 0
		expect_same_file expected.txt out
		# a combiner in between changes nothing
		"$FANOUT" --merge --partial part.* >combined.txt
		run_to_files --merge combined.txt
		assert_status 0
		expect_same_file expected.txt out
	done
}

@test "--sort=value orders by the first operation's spread, --top keeps the largest" {
	printf 'a:1\na:3\nb:0\nb:10\nc:5\nd:2\nd:2\n' >in.txt
	# sstdev: a sqrt(2), b sqrt(50), c none, d 0
	run_fanout -a sstdev,count --sort=value in.txt
	assert_result 0 "$(text $'b\t7.071068\t2' $'a\t1.414214\t2' $'d\t0.000000\t2' $'c\t\t1')" ""
	run_fanout -a pvar --top=1 in.txt
	assert_result 0 $'b\t25.000000' ""
}

@test "spread leaves out values missing under --na and counts their records" {
	printf 'k 2\nk NA\nk 4\nk -\nj NA\n' >in.txt
	run_fanout -k 1 -v 2 --na -a count,svar,pstdev in.txt
	assert_result 0 "$(text $'j\t1\t\t' $'k\t4\t2.000000\t1.000000')" ""
}

@test "partials without the sums of squares a spread needs, or with impossible ones, are refused" {
	local settings=(aggregate=svar 'delimiter=:' 'terminator=\n' max-record=67108864)
	local msg="fanout: malformed partial input: the further state of the keys does not match the operations"
	# k: the values 1 and 2 (count 2, total 3), with and without their squares
	printf 'k\t2\t0\t3\t0\t-\t-\t1\t0\t0\ts0:0:5\n' |
		python3 "$BATS_TEST_DIRNAME/partials.py" craft "${settings[@]}" >good.txt
	run_fanout --merge good.txt
	assert_result 0 $'k\t0.500000' ""
	printf 'k\t2\t0\t3\t0\t-\t-\t1\t0\t0\n' |
		python3 "$BATS_TEST_DIRNAME/partials.py" craft "${settings[@]}" >none.txt
	run_fanout --merge none.txt
	assert_result 2 "" "$msg"
	# squares that no two values with a total of 3 have: 2*4 < 3^2
	printf 'k\t2\t0\t3\t0\t-\t-\t1\t0\t0\ts0:0:4\n' |
		python3 "$BATS_TEST_DIRNAME/partials.py" craft "${settings[@]}" >short.txt
	run_fanout --merge short.txt
	assert_result 2 "" "$msg"
	# squares of a sum run (the header asks for none)
	printf 'k\t2\t0\t3\t0\t-\t-\t1\t0\t0\ts0:0:5\n' |
		python3 "$BATS_TEST_DIRNAME/partials.py" craft aggregate=sum 'delimiter=:' 'terminator=\n' max-record=67108864 >extra.txt
	run_fanout --merge extra.txt
	assert_result 2 "" "$msg"
	printf 'k\t2\t0\t3\t0\t-\t-\t1\t0\t0\tq0:1:2\n' |
		python3 "$BATS_TEST_DIRNAME/partials.py" craft "${settings[@]}" >unknown.txt
	run_fanout --merge unknown.txt
	assert_result 2 "" "fanout: unknown.txt:2: malformed partial line: bad further state"
}
