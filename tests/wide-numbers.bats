#!/usr/bin/env bats
# Numbers of up to 38 significant digits and exponent notation: every
# int64 and uint64, the values R and pandas write (8.08e-05), and what
# does not fit.  Expected results come from Python's integers and decimal
# module, or are worked by hand in the test.

load test_helper

setup() {
	common_setup
}

# decimal_model FILE OPS: the results fanout prints for the KEY:VALUE
# lines of FILE and the comma-separated OPS (sum, count, min, max, mean),
# computed with Python's decimal module: a key's scale is the most digits
# after the point among its values (exponent included, as Decimal keeps
# it), sums are exact, a mean has that many places but at least 6, rounded
# half to even; keys in byte order.
decimal_model() {
	python3 - "$1" "$2" <<'PY'
import sys
from decimal import Decimal, getcontext, ROUND_HALF_EVEN
getcontext().prec = 200
keys = {}
with open(sys.argv[1], 'rb') as f:
    for line in f:
        key, _, value = line.rstrip(b'\n').partition(b':')
        keys.setdefault(key, []).append(Decimal(value.decode()))
def text(d, places):
    d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return format(abs(d) if d == 0 else d, 'f')
for key in sorted(keys):
    values = keys[key]
    scale = max(max(-v.as_tuple().exponent, 0) for v in values)
    out = [key.decode()]
    for op in sys.argv[2].split(','):
        if op == 'sum':
            out.append(text(sum(values), scale))
        elif op == 'count':
            out.append(str(len(values)))
        elif op == 'min':
            out.append(text(min(values), scale))
        elif op == 'max':
            out.append(text(max(values), scale))
        elif op == 'mean':
            out.append(text(sum(values) / len(values), max(scale, 6)))
    print('\t'.join(out))
PY
}

# expect_model FILE OPS [OPTION]...: fanout -a OPS OPTION... FILE prints
# what decimal_model does, with status 0 and nothing on standard error.
expect_model() {
	local file=$1 ops=$2
	shift 2
	local expected
	expected=$(decimal_model "$file" "$ops")
	run_fanout -a "$ops" "$@" "$file"
	assert_result 0 "$expected" ""
}

@test "int64 and uint64 extremes and 38-digit integers are summed exactly, as Python's integers" {
	text 'u64:18446744073709551615' 'u64:18446744073709551615' \
		'i64:9223372036854775807' 'i64:-9223372036854775808' 'i64:-9223372036854775808' \
		'cg:9223372036854771712' 'cg:9223372036854771712' 'cg:1' \
		'd38:12345678901234567890123456789012345678' 'd38:-99999999999999999999999999999999999999' \
		'half:0.5' >in.txt
	echo >>in.txt
	expect_model in.txt sum,count,min,max,mean
	# One line by hand, so that the model itself is checked.
	[[ "${lines[4]}" == $'u64\t36893488147419103230\t2\t18446744073709551615\t18446744073709551615\t18446744073709551615.000000' ]]
}

@test "19- and 20-digit values read from /proc/sys and /sys sum exactly, as Python's integers" {
	local f v found=0
	: >in.txt
	for f in /proc/sys/kernel/shmmax /proc/sys/kernel/shmall \
		/sys/fs/cgroup/memory/memory.limit_in_bytes \
		/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes \
		/sys/fs/cgroup/memory/memory.soft_limit_in_bytes \
		/proc/sys/fs/file-max /proc/sys/fs/nr_open /proc/sys/kernel/threads-max; do
		v=$(head -c 64 "$f" 2>/dev/null) || continue
		[[ "$v" =~ ^[0-9]+$ ]] || continue
		((${#v} >= 19)) && found=$((found + 1))
		# Three times under its own name, and once more under all.
		printf '%s:%s\n' "$f" "$v" "$f" "$v" "$f" "$v" all "$v" >>in.txt
	done
	((found > 0)) || fail "no 19- or 20-digit value in any of the files read"
	local expected
	expected=$(python3 -c '
import sys
sums = {}
for line in open("in.txt"):
    key, _, value = line.rstrip("\n").rpartition(":")
    sums[key] = sums.get(key, 0) + int(value)
for key in sorted(sums):
    print("%s\t%d" % (key, sums[key]))')
	run_fanout -d : in.txt
	# Keys hold '/', not ':', so splitting at the first ':' is the same.
	assert_result 0 "$expected" ""
}

@test "exponent notation is converted exactly: 1.5e3 1E-5 -7e2 2.51033860015907e-06 8.08e-05, by hand" {
	text 'a:1.5e3' 'a:-7e2' 'b:1E-5' 'b:2.51033860015907e-06' 'c:8.08e-05' 'c:+0.5E+1' >in.txt
	echo >>in.txt
	run_fanout -a sum,min,max in.txt
	assert_result 0 "$(text \
		$'a\t800\t-700\t1500' \
		$'b\t0.00001251033860015907\t0.00000251033860015907\t0.00001000000000000000' \
		$'c\t5.0000808\t0.0000808\t5.0000000')" ""
}

@test "R-style exponent values, generated, give the sums, extremes and means of Python's decimal" {
	python3 - <<'PY' >in.txt
import random
random.seed(16)
for i in range(3000):
    key = "k%d" % random.randrange(7)
    # As R's write.csv: 15 significant digits, exponent when shorter.
    x = random.choice([random.uniform(-1, 1) * 10 ** random.randrange(-9, 9),
                       random.randrange(-10**6, 10**6), 8.08e-05])
    s = "%.15g" % x
    print("%s:%s" % (key, s))
PY
	grep -q 'e-0' in.txt
	expect_model in.txt sum,count,min,max,mean
	run_fanout -a sum,count,min,max,mean --jobs=4 --batch=4K in.txt
	assert_result 0 "$(decimal_model in.txt sum,count,min,max,mean)" ""
}

@test "a mean with R's smallest value is the mean of all values (8.08e-05 counted), by hand" {
	# (0.0081234 + 0.0081599 + 0.00000808) / 3 = 0.01629138 / 3
	# = 0.00543046, at the key's scale, 8.
	text 'x:0.0081234' 'x:0.0081599' 'x:8.08e-06' >in.txt
	echo >>in.txt
	run_fanout -a count,mean in.txt
	assert_result 0 $'x\t3\t0.00543046' ""
}

@test "a value whose exact form needs more than 38 digits is too many digits, naming it" {
	text 'k:1e400' 'k:1e-400' 'k:123456789012345678901234567890123456789' \
		'k:1e38' 'k:0.1234567890123456789012345678901234567891' 'k:1.5e-38' \
		'a:9.9e37' 'b:1e-38' 'c:1.0000000000000000000000000000000000000000' >in.txt
	echo >>in.txt
	run_fanout -a count,sum in.txt
	# 1 with 40 zeros after the point keeps the 37 that fit in 38 digits.
	assert_result 1 "$(text $'a\t1\t99000000000000000000000000000000000000' \
		$'b\t1\t0.00000000000000000000000000000000000001' \
		$'c\t1\t1.0000000000000000000000000000000000000')" "$(text \
		"fanout: in.txt:1: too many digits in number '1e400'" \
		"fanout: in.txt:2: too many digits in number '1e-400'" \
		"fanout: in.txt:3: too many digits in number '123456789012345678901234567890123456789'" \
		"fanout: in.txt:4: too many digits in number '1e38'" \
		"fanout: in.txt:5: too many digits in number '0.1234567890123456789012345678901234567891'" \
		"fanout: in.txt:6: too many digits in number '1.5e-38'" \
		"fanout: 9 records read, 3 accepted, 6 rejected")"
}

@test "inf, nan, hexadecimal and broken exponents stay invalid numbers" {
	local v expected=() i=0
	for v in inf nan Infinity -inf 0x10 0x1p3 1e e5 1e+ .e5 1.5e3.0 1e5e5 '1 e5' 1e0x; do
		i=$((i + 1))
		printf 'k:%s\n' "$v"
		expected+=("fanout: in.txt:$i: invalid number '$v'")
	done >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "${expected[@]}" "fanout: no record accepted" \
		"fanout: $i records read, 0 accepted, $i rejected; 0 bytes of output written")"
}

@test "the bounds take the same grammar: --above=1e-5 --max=18446744073709551615" {
	text 'k:1e-5' 'k:0.00001000000001' 'k:18446744073709551615' \
		'k:18446744073709551616' 'k:-3' 'k:2.5E1' >in.txt
	echo >>in.txt
	run_fanout --above=1e-5 --max=18446744073709551615 -a count,sum in.txt
	assert_result 1 $'k\t3\t18446744073709551640.00001000000001' "$(text \
		"fanout: in.txt:1: value 1e-5 is not above 1e-5" \
		"fanout: in.txt:4: value 18446744073709551616 is above maximum 18446744073709551615" \
		"fanout: in.txt:5: value -3 is not above 1e-5" \
		"fanout: 6 records read, 3 accepted, 3 rejected")"
}

@test "a sum past 2^128 units at the key's scale is an overflow naming the key: status 2, no totals" {
	local n38
	n38=$(repeat_char 9 38)
	# 3 x (10^38 - 1) is below 2^128 and exact; 4 x is past it.
	printf 'ok:%s\n' "$n38" "$n38" "$n38" >in.txt
	run_fanout in.txt
	assert_result 0 "ok	$(python3 -c "print(3 * (10**38 - 1))")" ""
	printf 'big:%s\n' "$n38" "$n38" "$n38" "$n38" >>in.txt
	# 10^37 at the scale of 1e-20 needs 58 digits.
	printf 'mixed:%s\n' 1e37 1e-20 >>in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: sum overflow for key 'big'" \
		"fanout: sum overflow for key 'mixed'" \
		"fanout: 9 records read, 9 accepted, 0 rejected; 0 bytes of output written")"
}

@test "38-digit and exponent values: the same output whatever --jobs and --batch, and through --partial and --merge" {
	python3 - <<'PY' >in.txt
import random
random.seed(38)
for i in range(4000):
    r = random.random()
    # Each kind under keys of its own: 30-digit integer parts at the
    # scale of 1e-10 would need more than 38 digits.
    if r < 0.3:
        key, v = "int", str(random.randrange(-10**19, 2**64))
    elif r < 0.6:
        key, v = "exp", "%.15ge%d" % (random.uniform(-1, 1), random.randrange(-10, 4))
    elif r < 0.9:
        key, v = "dec", "%d.%05d" % (random.randrange(-10**30, 10**30), random.randrange(10**5))
    else:
        key, v = "bad", random.choice(["1e400", "0x1f", "nan", "-"])
    print("%s%d:%s" % (key, random.randrange(4), v))
PY
	local ops=sum,count,min,max,mean
	run_to_files -a "$ops" --jobs=1 in.txt
	[[ "$status" == 1 ]]
	mv out ref.out
	mv err ref.err
	# The accepted lines alone, against the decimal model.
	grep -Ev ':(1e400|0x1f|nan|-)$' in.txt >good.txt
	expect_model good.txt "$ops"
	cmp ref.out <(printf '%s' "$output")
	local jobs batch
	for jobs in 2 4; do
		for batch in 1K 64K; do
			run_to_files -a "$ops" --jobs=$jobs --batch=$batch in.txt
			[[ "$status" == 1 ]]
			expect_same_file ref.out out
			expect_same_file ref.err err
		done
	done
	head -n 1500 in.txt >a.txt
	tail -n +1501 in.txt >b.txt
	"$FANOUT" -q --partial -a "$ops" a.txt >a.part 2>a.err || [[ $? == 1 ]]
	"$FANOUT" -q --partial -a "$ops" --jobs=3 --batch=2K b.txt >b.part 2>b.err || [[ $? == 1 ]]
	run_to_files --merge a.part b.part
	[[ "$status" == 0 ]]
	expect_same_file ref.out out
}
