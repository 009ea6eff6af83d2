#!/usr/bin/env bats
# Results without a key: --value without --key in field mode, --total in
# key-value mode.  One row over all the records, no key column, in every
# format; one row even when nothing was accepted, as SQL's count(*) and
# sum(x) over no rows.  Expected rows come from tests/total-model.py
# (Python's decimal module over the values, cut out with awk), or are
# worked by hand in the test.

load test_helper

setup() {
	common_setup
	MODEL="$BATS_TEST_DIRNAME/total-model.py"
}

# R-like values in field 3 (exponents, negatives, 12 digits, NA and -),
# a status in field 2, a name in field 1.  The sums fit 38 digits at the
# finest scale (about 21 places).
make_log() {
	python3 - "$1" <<'PY' >log.txt
import random, sys
random.seed(int(sys.argv[1]))
for i in range(5000):
    r = random.random()
    if r < 0.25:
        v = "%.15g" % (random.uniform(-1, 1) * 10 ** random.randrange(-6, 6))
    elif r < 0.5:
        v = str(random.randrange(-10**11, 10**12))
    elif r < 0.9:
        v = "%d.%03d" % (random.randrange(-5000, 5000), random.randrange(1000))
    else:
        v = random.choice(["NA", "-"])
    print("c%d %d %s" % (random.randrange(9), random.choice([200, 304, 404, 500, 503]), v))
PY
}

@test "-v N without -k: one row, no key column, equal to Python's decimal over the same values" {
	make_log 16
	local ops=count,sum,mean,min,max
	"$GAWK" '{ print $3 }' log.txt | python3 "$MODEL" "$ops" --na >expected
	local jobs batch
	for jobs in 1 3; do
		for batch in 1K 64K; do
			run_to_files -v 3 --na -a "$ops" -j "$jobs" -b "$batch" log.txt
			[[ $status == 0 ]] || fail "status $status with -j $jobs -b $batch"
			expect_same_file expected out
			expect_same_file /dev/null err
		done
	done
	# The model itself, by hand on four values.
	run python3 "$MODEL" count,sum,mean,min,max --na <<<$'1.5\n2\n-0.25\nNA'
	[[ $output == $'4\t3.25\t1.083333\t-0.25\t2.00' ]] || fail "model: $output"
}

@test "without a key: TSV, CSV and JSON rows, and --header names only the operations (by hand)" {
	printf 'a 1.5\nb 2\nc -0.25\n' >in.txt
	run_fanout -v 2 -a count,sum,mean,min,max in.txt
	assert_result 0 $'3\t3.25\t1.083333\t-0.25\t2.00' ""
	run_fanout -v 2 -a count,sum,mean --header in.txt
	assert_result 0 "$(text $'count\tsum\tmean' $'3\t3.25\t1.083333')" ""
	run_fanout -v 2 -a sum,count --format=csv --header in.txt
	assert_result 0 "$(text 'sum,count' '3.25,3')" ""
	run_fanout -v 2 -a count,sum,count,max --format=json in.txt
	assert_result 0 '{"count":3,"sum":3.25,"max":2.00}' ""
	# Named by the input's header, as sum(NAME).
	printf 'name,ms\na,1.5\nb,2\n' >in.csv
	run_fanout --csv --header-in -v ms -a count,sum --header in.csv
	assert_result 0 "$(text $'count\tsum(ms)' $'2\t3.5')" ""
}

@test "without a key: --decimals rounds half to even, --sort and --top leave the one row as it is" {
	# 0.125 + 0.25 = 0.375; mean 0.1875; two places: 0.38, 0.19 (half to
	# even: 0.375 -> 0.38, 0.1875 -> 0.19); min 0.125 -> 0.12.
	printf 'x 0.125\ny 0.250\n' >in.txt
	run_fanout -v 2 -a sum,mean,min --decimals=2 in.txt
	assert_result 0 $'0.38\t0.19\t0.12' ""
	for extra in --sort=value --sort=first --top=1 --top=5; do
		run_fanout -v 2 -a count,sum "$extra" in.txt
		assert_result 0 $'2\t0.375' ""
	done
}

@test "no record accepted: one row, count 0 and empty results (null in JSON), status 0" {
	local input
	for input in empty blank filtered; do
		case $input in
		empty) : >in.txt ;;
		blank) printf '\n  \n\t\n' >in.txt ;;
		filtered) printf 'a 200 5\nb 304 7\n' >in.txt ;;
		esac
		run_fanout -v 3 -a count,sum,mean,min,max --where='2>=500' in.txt
		assert_result 0 $'0\t\t\t\t' ""
		run_fanout -v 3 -a sum,count --format=csv --header --where='2>=500' in.txt
		assert_result 0 "$(text 'sum,count' ',0')" ""
		run_fanout -v 3 -a count,sum,mean --format=json --where='2>=500' in.txt
		assert_result 0 '{"count":0,"sum":null,"mean":null}' ""
	done
	# Key-value mode, with --total.
	run_fanout --total -a count,sum </dev/null
	assert_result 0 $'0\t' ""
	# Values that are all missing: counted, nothing summed.
	printf 'a NA\nb -\n' >in.txt
	run_fanout -v 2 --na -a count,sum,max in.txt
	assert_result 0 $'2\t\t' ""
}

@test "without a key, exit statuses are as with one: 1 with rejections, 2 with nothing accepted" {
	printf 'a 1\nb x\nc 2\n' >in.txt
	run_fanout -v 2 -a count,sum in.txt
	assert_result 1 $'2\t3' "$(text "fanout: in.txt:2: invalid number 'x'" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
	printf 'a x\nb y\n' >in.txt
	run_fanout -v 2 -a count,sum in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: invalid number 'x'" \
		"fanout: in.txt:2: invalid number 'y'" \
		"fanout: no record accepted" \
		"fanout: 2 records read, 0 accepted, 2 rejected; 0 bytes of output written")"
	# Four times 10^38 - 1 is past 2^128 (about 3.4 x 10^38): an overflow,
	# status 2 and no row.
	local nines
	nines=$(repeat_char 9 38)
	printf 'a %s\n' "$nines" "$nines" "$nines" "$nines" >in.txt
	run_fanout -v 2 in.txt
	assert_result 2 "" "$(text "fanout: sum overflow in the total" \
		"fanout: 4 records read, 4 accepted, 0 rejected; 0 bytes of output written")"
	# A record without the value field is rejected, as with a key.
	printf 'a 1\nb\n' >in.txt
	run_fanout -v 2 in.txt
	assert_result 1 '1' "$(text "fanout: in.txt:2: missing field 2" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "--ordered with -v and no -k writes the accepted records unchanged, as before" {
	make_log 7
	"$GAWK" '$3 ~ /^-?[0-9]/' log.txt >expected
	run_to_files --ordered -q -v 3 log.txt
	[[ $status == 1 ]] || fail "status $status"
	expect_same_file expected out
}

@test "--total in key-value mode: every record in one row; --key-match and --where still read the key" {
	python3 - <<'PY' >kv.txt
import random
random.seed(5)
for i in range(3000):
    print("%s:%d" % (random.choice(["lat.a", "lat.b", "err", "users"]),
                     random.randrange(-1000, 100000)))
PY
	local expected
	expected=$("$GAWK" -F: '{ n++; s += $2 } END { print n "\t" s }' kv.txt)
	run_fanout --total -a count,sum kv.txt
	assert_result 0 "$expected" ""
	run_fanout --total -a count,sum -j 3 -b 1K kv.txt
	assert_result 0 "$expected" ""
	expected=$("$GAWK" -F: '$1 ~ /^lat/ { n++; s += $2 } END { print n "\t" s }' kv.txt)
	run_fanout --total -a count,sum --where='key~^lat' kv.txt
	assert_result 0 "$expected" ""
	run_fanout -q --total -a count,sum --key-match='^lat' kv.txt
	assert_status 1
	assert_stdout "$expected"
	# The key is still needed: a line without the delimiter is rejected.
	printf 'a:1\nnone\n' >in.txt
	run_fanout --total in.txt
	assert_result 1 '1' "$(text "fanout: in.txt:2: missing delimiter ':'" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "keyless --partial pieces (split -n l/K, K = 1, 2, 4, 7) merge into the one row of a single run" {
	make_log 42
	local ops=count,sum,mean,min,max
	"$GAWK" '$2 >= 500 { print $3 }' log.txt | python3 "$MODEL" "$ops" --na >expected
	run_to_files -v 3 --na --where='2>=500' -a "$ops" log.txt
	[[ $status == 0 ]] || fail "single run status $status"
	expect_same_file expected out
	local k f
	for k in 1 2 4 7; do
		rm -f piece.* ./*.partial
		split -n l/$k log.txt piece.
		for f in piece.*; do
			"$FANOUT" --partial -v 3 --na --where='2>=500' -a "$ops" -b 2K "$f" >"$f.partial" ||
				fail "partial of $f: status $?"
		done
		run_to_files --merge piece.*.partial
		[[ $status == 0 ]] || fail "merge status $status for K=$k"
		expect_same_file expected out
		# Through a combiner too.
		"$FANOUT" --merge --partial piece.*.partial >combined || fail "combiner status $?"
		run_to_files --merge combined
		expect_same_file expected out
	done
	# Pieces that accept nothing still merge to the one row.
	: >empty.txt
	"$FANOUT" --partial -v 3 -a count,sum empty.txt >a.partial
	"$FANOUT" --partial -v 3 -a count,sum empty.txt >b.partial
	run_fanout --merge a.partial b.partial
	assert_result 0 $'0\t' ""
	run_fanout --merge --format=json a.partial
	assert_result 0 '{"count":0,"sum":null}' ""
}

@test "partials with --total and partials per key are not merged together, by name" {
	printf 'a:1\nb:2\n' >in.txt
	"$FANOUT" --partial --total in.txt >total.partial
	"$FANOUT" --partial in.txt >keyed.partial
	run_fanout --merge total.partial keyed.partial
	assert_result 2 "" "fanout: keyed.partial:1: partials with --total and partials per key cannot be merged (first partial at total.partial:1)"
	run_fanout --merge keyed.partial total.partial
	assert_result 2 "" "fanout: total.partial:1: partials with --total and partials per key cannot be merged (first partial at keyed.partial:1)"
	# A key line of a keyed partial moved under a --total header (its
	# check still right) is refused as a bad key, and the other way round.
	{ head -n 1 total.partial; sed -n 2p keyed.partial; } >mixed.partial
	run_fanout --merge mixed.partial
	assert_result 2 "" "fanout: mixed.partial:2: malformed partial line: bad key"
	{ head -n 1 keyed.partial; sed -n 2p total.partial; } >mixed.partial
	run_fanout --merge mixed.partial
	assert_result 2 "" "fanout: mixed.partial:2: malformed partial line: bad key"
	# Before any header (as a combiner may see them), checked once it comes.
	{ sed -n 2p keyed.partial; head -n 1 total.partial; } >early.partial
	run_fanout --merge --partial early.partial
	assert_result 2 "" "fanout: early.partial:1: malformed partial line: bad key"
}

@test "usage errors of runs without a key say what is wrong" {
	expect_usage_error "--total cannot be used with --key" --total -k 1
	expect_usage_error "--total cannot be used with --ordered or --unordered" --total --ordered
	expect_usage_error "--total cannot be used with --merge" --merge --total
	expect_usage_error "--key-match requires --key in field mode" -v 2 --key-match=x
	expect_usage_error "--delimiter cannot be used with --value" -v 2 -d ,
	expect_usage_error "--csv requires --key or --value" --csv --total
}
