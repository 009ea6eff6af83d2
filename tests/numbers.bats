#!/usr/bin/env bats
# The number grammar and exact decimal arithmetic.

load test_helper

setup() {
	common_setup
}

@test "sum of 0.1 and 0.2 is exactly 0.3" {
	printf 'k:0.1\nk:0.2\n' >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t0.3' ""
}

@test "sum of 1.50 and 1 is 2.50 (the key's scale is its largest fraction)" {
	printf 'k:1.50\nk:1\n' >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t2.50' ""
}

@test "sum of 2 and 3 is 5 (integers stay integers)" {
	printf 'k:2\nk:3\n' >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t5' ""
}

@test "ten times 0.1 is exactly 1.0" {
	for i in 1 2 3 4 5 6 7 8 9 10; do echo "k:0.1"; done >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t1.0' ""
}

@test "every form the grammar allows is a number: 5 +5 -0 007 5. .5 1.50 -.5 +0.0 00.10" {
	printf 'a:5\nb:+5\nc:-0\nd:007\ne:5.\nf:.5\ng:1.50\nh:-.5\ni:+0.0\nj:00.10\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'a\t5' $'b\t5' $'c\t0' $'d\t7' $'e\t5' $'f\t0.5' \
		$'g\t1.50' $'h\t-0.5' $'i\t0.0' $'j\t0.10')" ""
}

@test "5. has scale 0 and .5 has scale 1" {
	printf 'a:5.\na:1\nb:.5\nb:1\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'a\t6' $'b\t1.5')" ""
}

@test "forms outside the grammar are invalid numbers" {
	local bad=(1e 0x10 inf nan NaN 1,5 1_000 - . + -. +. +-1 --1 1.2.3 1- '1 000' 0.5. 'five' '١')
	local v expected=() n=0
	for v in "${bad[@]}"; do
		n=$((n + 1))
		printf 'k:%s\n' "$v"
		expected+=("fanout: in.txt:$n: invalid number '$v'")
	done >in.txt
	expected+=("fanout: no record accepted"
		"fanout: $n records read, 0 accepted, $n rejected; 0 bytes of output written")
	run_fanout in.txt
	assert_result 2 "" "$(text "${expected[@]}")"
}

@test "an empty value is a missing value, not an invalid number" {
	printf 'k:\nk: \t \n' >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: missing value" "fanout: in.txt:2: missing value" \
		"fanout: no record accepted" \
		"fanout: 2 records read, 0 accepted, 2 rejected; 0 bytes of output written")"
}

@test "18 significant digits are accepted" {
	printf 'a:123456789012345678\nb:-123456789012345678\nc:12345678901.2345678\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'a\t123456789012345678' $'b\t-123456789012345678' $'c\t12345678901.2345678')" ""
}

@test "39 significant digits are too many digits" {
	printf 'a:123456789012345678901234567890123456789\nb:-123456789012345678901234567890123456789\nc:12345678901.2345678901234567890123456789\n' >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text \
		"fanout: in.txt:1: too many digits in number '123456789012345678901234567890123456789'" \
		"fanout: in.txt:2: too many digits in number '-123456789012345678901234567890123456789'" \
		"fanout: in.txt:3: too many digits in number '12345678901.2345678901234567890123456789'" \
		"fanout: no record accepted" \
		"fanout: 3 records read, 0 accepted, 3 rejected; 0 bytes of output written")"
}

@test "leading zeros of the integer part do not count as significant digits" {
	printf 'a:0000000000123456789012345678\nb:00000000000000000000\nc:+000.5\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'a\t123456789012345678' $'b\t0' $'c\t0.5')" ""
}

@test "38 digits after the point are accepted, 39 are too many" {
	printf 'a:0.12345678901234567890123456789012345678\nb:0.00000000000000000000000000000000000001\nc:.123456789012345678901234567890123456789\n' >in.txt
	run_fanout in.txt
	assert_result 1 "$(text $'a\t0.12345678901234567890123456789012345678' $'b\t0.00000000000000000000000000000000000001')" \
		"$(text "fanout: in.txt:3: too many digits in number '.123456789012345678901234567890123456789'" \
			"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "the grammar is checked before the digit count (a long malformed value is an invalid number)" {
	printf 'k:1234567890123456789012345678901234567890e1x\n' >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: invalid number '1234567890123456789012345678901234567890e1x'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "the digit count is checked before the bounds" {
	printf 'k:999999999999999999999999999999999999999\n' >in.txt
	run_fanout --max=10 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: too many digits in number '999999999999999999999999999999999999999'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "a sum with 18 fraction digits and a large integer part is printed exactly" {
	printf 'k:0.000000000000000001\nk:1\nk:999999999999999999\n' >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t1000000000000000000.000000000000000001' ""
}

@test "3 x 999999999999999999 is exactly 2999999999999999997" {
	printf 'k:999999999999999999\n%.0s' 1 2 3 >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t2999999999999999997' ""
}

@test "20 x 999999999999999999 is exactly 19999999999999999980 (beyond 64 bits)" {
	printf 'k:999999999999999999\n%.0s' $(seq 20) >in.txt
	run_fanout -a sum,count,min,max,mean in.txt
	assert_result 0 $'k\t19999999999999999980\t20\t999999999999999999\t999999999999999999\t999999999999999999.000000' ""
}

@test "20 x -999999999999999999 is exactly -19999999999999999980" {
	printf 'k:-999999999999999999\n%.0s' $(seq 20) >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t-19999999999999999980' ""
}

@test "20 x 0.999999999999999999 is exactly 19.999999999999999980" {
	printf 'k:0.999999999999999999\n%.0s' $(seq 20) >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t19.999999999999999980' ""
}

@test "the mean of a sum beyond 64 bits is exact (1e18-1 and 1e18-3 give 999999999999999998)" {
	printf 'k:999999999999999999\nk:999999999999999997\n' >in.txt
	run_fanout -a sum,mean in.txt
	assert_result 0 $'k\t1999999999999999996\t999999999999999998.000000' ""
}

@test "generated sums of large signed values with mixed scales match bc" {
	command -v bc >/dev/null || fail "bc is required for this test"
	# 18-significant-digit values, random sign, 0 to 6 fraction digits.
	"$GAWK" 'BEGIN {
		srand(4242)
		for (i = 0; i < 2000; i++) {
			frac = int(rand() * 7)
			s = sprintf("%d", 1 + int(rand() * 9))
			for (j = 1; j < 18; j++) s = s sprintf("%d", int(rand() * 10))
			if (frac) s = substr(s, 1, 18 - frac) "." substr(s, 19 - frac)
			printf "g%d:%s%s\n", int(rand() * 5), (rand() < 0.2 ? "-" : ""), s
		}
	}' >in.txt
	# bc: sum per key; the scale of a sum in bc is the largest operand scale,
	# the same rule fanout uses.  bc writes .5 for 0.5; add the zero.
	: >expected.txt
	for k in g0 g1 g2 g3 g4; do
		sum=$("$GAWK" -F: -v k="$k" '$1 == k { printf "%s%s", (n++ ? "+" : ""), $2 } END { print "" }' in.txt |
			BC_LINE_LENGTH=0 bc | sed -e 's/^\./0./' -e 's/^-\./-0./')
		printf '%s\t%s\n' "$k" "$sum" >>expected.txt
	done
	run_to_files in.txt
	[[ "$status" == 0 ]]
	expect_same_file expected.txt out
	expect_file err ''
	# the sums really are beyond 64 bits
	grep -Eq $'\t-?[0-9]{20,}' out
}

@test "a key's scale of 18 with 340 values of 999999999999999999 is still exact" {
	# 340 * (10^18 - 1) * 10^18 + 1 units of 10^-18 is just below 2^128.
	{
		echo "k:0.000000000000000001"
		printf 'k:999999999999999999\n%.0s' $(seq 340)
	} >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t339999999999999999660.000000000000000001' ""
}

@test "a positive total of 2^128 units or more is a sum overflow: exit 2, no totals" {
	# 341 * (10^18 - 1) * 10^18 units > 2^128 = 340282366920938463463374607431768211456
	{
		echo "small:1"
		echo "k:0.000000000000000001"
		printf 'k:999999999999999999\n%.0s' $(seq 341)
	} >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: sum overflow for key 'k'" \
		"fanout: 343 records read, 343 accepted, 0 rejected; 0 bytes of output written")"
}

@test "a negative total of 2^128 units or more is a sum overflow" {
	{
		echo "k:-0.000000000000000001"
		printf 'k:-999999999999999999\n%.0s' $(seq 341)
	} >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: sum overflow for key 'k'" \
		"fanout: 342 records read, 342 accepted, 0 rejected; 0 bytes of output written")"
}

@test "positive and negative totals are limited separately, even when they cancel" {
	{
		echo "k:0.000000000000000001"
		printf 'k:999999999999999999\nk:-999999999999999999\n%.0s' $(seq 341)
	} >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: sum overflow for key 'k'" \
		"fanout: 683 records read, 683 accepted, 0 rejected; 0 bytes of output written")"
}

@test "large positive and negative totals below the limit cancel exactly" {
	{
		echo "k:0.000000000000000001"
		printf 'k:999999999999999999\nk:-999999999999999999\n%.0s' $(seq 340)
	} >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t0.000000000000000001' ""
}

@test "bounds compare numerically whatever the scale (--min=5.00 accepts 5)" {
	printf 'k:5\nk:4.999\n' >in.txt
	run_fanout --min=5.00 in.txt
	assert_result 1 $'k\t5' "$(text "fanout: in.txt:2: value 4.999 is below minimum 5.00" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "integers of 1 to 18 digits under keys of 1 to 20 bytes sum exactly, as Python's integers do" {
	# Records shorter and longer than the 16 bytes the fast path looks at
	# in one go, values with up to 8 digits and more, with leading zeros;
	# for every --jobs and --batch the totals must be Python's.
	python3 - <<'PY' >in.txt
import random
rng = random.Random(7)
for i in range(30000):
    key = "k" * rng.randint(0, 19) + str(rng.randint(0, 9))
    digits = rng.randint(1, 18)
    value = str(rng.randint(0, 10 ** digits - 1)).zfill(digits)
    print(f"{key}:{value}")
PY
	python3 - <<'PY' >model.out
totals = {}
for line in open("in.txt"):
    key, value = line.rstrip("\n").split(":")
    totals[key] = totals.get(key, 0) + int(value)
for key in sorted(totals, key=lambda k: k.encode()):
    print(f"{key}\t{totals[key]}")
PY
	local j b
	for j in 1 3; do
		for b in 1 100 64K; do
			run_to_files -j "$j" -b "$b" in.txt
			assert_status 0
			expect_same_file model.out out || fail "differs with -j $j -b $b"
		done
	done
}

