#!/usr/bin/env bats
# --decimals=N: sums, means, minima and maxima printed with exactly N
# places, rounded half to even; counts and partials untouched, and keys
# still ordered by their exact values.  Expectations are hand-worked or
# computed with Python's decimal module.

load test_helper

setup() {
	common_setup
}

@test "--decimals rounds half to even and pads to exactly N places (hand-worked)" {
	printf 'a:1.005\nb:1.015\nc:2.5\nd:3.5\ne:-2.5\nf:-0.004\ng:7\n' >in.txt
	run_fanout --decimals=2 -a sum,min,max in.txt
	assert_result 0 "$(text $'a\t1.00\t1.00\t1.00' $'b\t1.02\t1.02\t1.02' \
		$'c\t2.50\t2.50\t2.50' $'d\t3.50\t3.50\t3.50' $'e\t-2.50\t-2.50\t-2.50' \
		$'f\t0.00\t0.00\t0.00' $'g\t7.00\t7.00\t7.00')" ""
	run_fanout --decimals=0 in.txt
	assert_result 0 "$(text $'a\t1' $'b\t1' $'c\t2' $'d\t4' $'e\t-2' $'f\t0' $'g\t7')" ""
}

@test "--decimals rounds a mean from its exact value, not from its six-place text" {
	# 1.005 and 1.006: the mean 1.0055 is past the tie, so up.  1 and 2:
	# 1.5 is a tie, to even 2; 1 and 4: 2.5, to even 2.
	printf 'a:1.005\na:1.006\nb:1\nb:2\nc:1\nc:4\nd:1\nd:1\nd:2\n' >in.txt
	run_fanout --decimals=2 -a mean in.txt
	assert_result 0 "$(text $'a\t1.01' $'b\t1.50' $'c\t2.50' $'d\t1.33')" ""
	run_fanout --decimals=0 -a count,mean in.txt
	assert_result 0 "$(text $'a\t2\t1' $'b\t2\t2' $'c\t2\t2' $'d\t3\t1')" ""
}

@test "--decimals agrees with Python's decimal module on many values, for every --jobs" {
	python3 - >in.txt <<'PY'
import random
random.seed(7)
for i in range(4000):
    key = "k%d" % (i % 23)
    scale = random.randint(0, 6)
    v = random.randint(-10**8, 10**8)
    print("%s:%s" % (key, v if scale == 0 else "%s%d.%0*d" % ("-" if v < 0 else "", abs(v) // 10**scale, scale, abs(v) % 10**scale)))
PY
	local places
	for places in 0 1 3 9; do
		cat >oracle.py <<'PY'
import sys
from decimal import Decimal, ROUND_HALF_EVEN, getcontext
getcontext().prec = 100
places = int(sys.argv[1])
q = Decimal(1).scaleb(-places)
vals = {}
for line in sys.stdin:
    k, v = line.rstrip("\n").split(":")
    vals.setdefault(k, []).append(Decimal(v))
def r(x):
    x = x.quantize(q, rounding=ROUND_HALF_EVEN)
    return "0" + ("." + "0" * places if places else "") if x == 0 else "%s" % x
for k in sorted(vals):
    v = vals[k]
    print("\t".join([k, r(sum(v)), str(len(v)), r(min(v)), r(max(v)), r(sum(v) / len(v))]))
PY
		python3 oracle.py "$places" <in.txt >expected.txt
		[[ $(wc -l <expected.txt) == 23 ]] || fail "the oracle printed $(wc -l <expected.txt) keys"
		for jobs in 1 3; do
			run_fanout --decimals="$places" --jobs="$jobs" --batch=4K -a sum,count,min,max,mean in.txt
			assert_status 0
			[[ $output == "$(cat expected.txt)"$'\n' ]] ||
				show_diff "--decimals=$places --jobs=$jobs" "$(cat expected.txt)" "$output"
		done
	done
}

@test "--decimals shapes final results only: partials keep exact values, and a merge rounds" {
	printf 'a:1.005\na:0.0001\nb:2.5\n' >in.txt
	expect_usage_error "--decimals cannot be used with --partial" --partial --decimals=2 in.txt
	expect_usage_error "--decimals cannot be used with --ordered or --unordered" --ordered --decimals=2 in.txt
	"$FANOUT" --partial in.txt >p.txt
	run_fanout --merge --decimals=3 p.txt
	assert_result 0 "$(text $'a\t1.005' $'b\t2.500')" ""
	run_fanout --merge p.txt
	assert_result 0 "$(text $'a\t1.0051' $'b\t2.5')" ""
}

@test "--sort=value orders by exact values, whatever --decimals prints" {
	printf 'a:1.004\nb:1.001\nc:1.003\n' >in.txt
	run_fanout --decimals=2 --sort=value in.txt
	assert_result 0 "$(text $'a\t1.00' $'c\t1.00' $'b\t1.00')" ""
}

@test "bad --decimals values are usage errors" {
	expect_usage_error "invalid --decimals value '39': more than 38" --decimals=39
	expect_usage_error "invalid --decimals value '-1': not a whole number" --decimals=-1
	expect_usage_error "invalid --decimals value 'x': not a whole number" --decimals=x
}
