#!/usr/bin/env bats
# Aggregate output: one line per key, keys in byte order, results in the
# order the --aggregate list gives them.

load test_helper

setup() {
	common_setup
}

@test "sums per key are printed one line per key as KEY<TAB>SUM" {
	printf 'apples:3\npears:10\napples:4\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'apples\t7' $'pears\t10')" ""
}

@test "keys are sorted bytewise, upper case before lower case and a prefix before its extensions" {
	printf 'b:1\na b:2\nab:3\na:4\nB:5\n_:6\nZ:7\n\303\251:8\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'B\t5' $'Z\t7' $'_\t6' $'a\t4' $'a b\t2' $'ab\t3' $'b\t1' $'\303\251\t8')" ""
}

@test "keys are kept verbatim, including inner and surrounding spaces" {
	printf ' a :1\na:2\n a :3\n' >in.txt
	run_to_files in.txt
	[[ "$status" == 0 ]]
	expect_file out ' a \t4\na\t2\n'
	expect_file err ''
}

@test "every output line, including the last, ends with a newline" {
	printf 'x:1\ny:2' >in.txt
	run_to_files in.txt
	[[ "$status" == 0 ]]
	expect_file out 'x\t1\ny\t2\n'
}

@test "sum is the default aggregate" {
	printf 'k:1\nk:2\n' >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t3' ""
	run_fanout --aggregate=sum in.txt
	assert_result 0 $'k\t3' ""
}

@test "count is the number of accepted records per key, which reads no number unless a bound does" {
	printf 'a:1\nb:-7\na:0\na:2.5\nb:x\n' >in.txt
	run_fanout --aggregate=count --min=-10 in.txt
	assert_result 1 "$(text $'a\t3' $'b\t1')" \
		"$(text "fanout: in.txt:5: invalid number 'x'" \
			"fanout: 5 records read, 4 accepted, 1 rejected")"
	run_fanout --aggregate=count in.txt
	assert_result 0 "$(text $'a\t3' $'b\t2')" ""
}

@test "min and max are printed at the key's scale (1.5 and 2 give 1.5 and 2.0)" {
	printf 'k:1.5\nk:2\n' >in.txt
	run_fanout --aggregate=min,max in.txt
	assert_result 0 $'k\t1.5\t2.0' ""
}

@test "min and max handle negative values and mixed scales" {
	printf 'n:-0.5\nn:3\nn:10.25\nm:-3\nm:-1.25\nm:-2\n' >in.txt
	run_fanout -a min,max in.txt
	assert_result 0 "$(text $'m\t-3.00\t-1.25' $'n\t-0.50\t10.25')" ""
}

@test "mean of 1 and 2 is 1.500000 and of 1, 1, 2 is 1.333333" {
	printf 'a:1\na:2\nb:1\nb:1\nb:2\n' >in.txt
	run_fanout --aggregate=mean in.txt
	assert_result 0 "$(text $'a\t1.500000' $'b\t1.333333')" ""
}

@test "mean rounds to six places: 2/3 is 0.666667 and a whole mean keeps six zeros" {
	printf 'a:0\na:1\na:1\nb:2\nb:4\n' >in.txt
	run_fanout --aggregate=mean in.txt
	assert_result 0 "$(text $'a\t0.666667' $'b\t3.000000')" ""
}

@test "mean of negative values is negative" {
	printf 'k:-1\nk:-2\nj:0\nj:-1\nj:-1\n' >in.txt
	run_fanout --aggregate=mean in.txt
	assert_result 0 "$(text $'j\t-0.666667' $'k\t-1.500000')" ""
}

@test "mean ties at the seventh place round half to even (count 2)" {
	# 0.000001/2 = 0.0000005 -> 0.000000 ; 0.000003/2 = 0.0000015 -> 0.000002
	# 0.000005/2 = 0.0000025 -> 0.000002 ; 0.000007/2 = 0.0000035 -> 0.000004
	printf 'a:0.000001\na:0\nb:0.000003\nb:0\nc:0.000005\nc:0\nd:0.000007\nd:0\n' >in.txt
	run_fanout --aggregate=mean in.txt
	assert_result 0 "$(text $'a\t0.000000' $'b\t0.000002' $'c\t0.000002' $'d\t0.000004')" ""
}

@test "mean ties over 128 records round half to even (1/128 -> 0.007812, 3/128 -> 0.023438)" {
	# 1/128 = 0.0078125, 3/128 = 0.0234375, 5/128 = 0.0390625,
	# -1/128 = -0.0078125, -3/128 = -0.0234375 (all exact ties at the 7th place)
	"$GAWK" 'BEGIN {
		for (i = 1; i <= 128; i++) {
			printf "a:%d\n", (i <= 1)
			printf "b:%d\n", (i <= 3)
			printf "c:%d\n", (i <= 5)
			printf "d:%d\n", -(i <= 1)
			printf "e:%d\n", -(i <= 3)
		}
	}' >in.txt
	run_fanout --aggregate=count,sum,mean in.txt
	assert_result 0 "$(text $'a\t128\t1\t0.007812' $'b\t128\t3\t0.023438' \
		$'c\t128\t5\t0.039062' $'d\t128\t-1\t-0.007812' $'e\t128\t-3\t-0.023438')" ""
}

@test "mean that is not a tie rounds to nearest (1/256 = 0.00390625 -> 0.003906, 7/256 -> 0.027344)" {
	"$GAWK" 'BEGIN { for (i = 1; i <= 256; i++) { printf "a:%d\n", (i <= 1); printf "b:%d\n", (i <= 7) } }' >in.txt
	run_fanout --aggregate=mean in.txt
	assert_result 0 "$(text $'a\t0.003906' $'b\t0.027344')" ""
}

@test "mean keeps more than six places when the key's scale is larger" {
	# (0.1234562 + 0.1234563) / 2 = 0.12345625 -> 0.1234562 (tie, 2 is even)
	# (0.1234567 + 0.1234568) / 2 = 0.12345675 -> 0.1234568 (tie, 7 is odd)
	# (0.12345678 + 0) / 2 = 0.06172839 exactly, at scale 8
	printf 'a:0.1234562\na:0.1234563\nb:0.1234567\nb:0.1234568\nc:0.12345678\nc:0\n' >in.txt
	run_fanout --aggregate=mean in.txt
	assert_result 0 "$(text $'a\t0.1234562' $'b\t0.1234568' $'c\t0.06172839')" ""
}

@test "mean uses the key's scale when it is below six (1.5 and 2 give 1.750000)" {
	printf 'k:1.5\nk:2\n' >in.txt
	run_fanout --aggregate=mean in.txt
	assert_result 0 $'k\t1.750000' ""
}

@test "several aggregates are printed in the order given" {
	printf 'k:4\nk:-1.5\nk:2\nj:10\n' >in.txt
	run_fanout --aggregate=max,count,sum,min,mean in.txt
	assert_result 0 "$(text $'j\t10\t1\t10\t10\t10.000000' $'k\t4.0\t3\t4.5\t-1.5\t1.500000')" ""
}

@test "an aggregate may be repeated" {
	printf 'k:1\nk:2\n' >in.txt
	run_fanout -a sum,count,sum in.txt
	assert_result 0 $'k\t3\t2\t3' ""
}

@test "each key gets its own scale" {
	printf 'a:1.25\nb:1\na:1\nb:2\nc:0.5\nc:0.5\n' >in.txt
	run_fanout -a sum,min,max in.txt
	assert_result 0 "$(text $'a\t2.25\t1.00\t1.25' $'b\t3\t1\t2' $'c\t1.0\t0.5\t0.5')" ""
}

@test "a zero sum is 0, or 0.00 at scale 2, never -0" {
	printf 'a:5\na:-5\nb:1.5\nb:-1.50\nc:-0\nd:-0.00\ne:-0.0\ne:0\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'a\t0' $'b\t0.00' $'c\t0' $'d\t0.00' $'e\t0.0')" ""
}

@test "negative sums are printed with a minus sign" {
	printf 'a:-3\na:1\nb:-0.5\nb:0.25\nc:-.75\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'a\t-2' $'b\t-0.25' $'c\t-0.75')" ""
}

@test "rejected records do not contribute to any aggregate" {
	printf 'k:1\nk:x\nk:100\nk:2\n' >in.txt
	run_fanout --max=10 -a sum,count,min,max,mean in.txt
	assert_result 1 $'k\t3\t2\t1\t2\t1.500000' \
		"$(text "fanout: in.txt:2: invalid number 'x'" \
			"fanout: in.txt:3: value 100 is above maximum 10" \
			"fanout: 4 records read, 2 accepted, 2 rejected")"
}

@test "a key whose records were all rejected does not appear" {
	printf 'a:1\nb:x\n' >in.txt
	run_fanout in.txt
	assert_result 1 $'a\t1' \
		"$(text "fanout: in.txt:2: invalid number 'x'" \
			"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "empty input prints nothing and exits 0" {
	: >in.txt
	run_fanout --aggregate=sum,count,mean in.txt
	assert_result 0 "" ""
}

@test "no accepted records prints no aggregate lines and exits 2" {
	printf 'a\n:1\n' >in.txt
	run_to_files in.txt
	[[ "$status" == 2 ]]
	expect_file out ''
	expect_file err "fanout: in.txt:1: missing delimiter ':'\nfanout: in.txt:2: empty key\nfanout: no record accepted\nfanout: 2 records read, 0 accepted, 2 rejected; 0 bytes of output written\n"
}

@test "many keys are all present and sorted (checked with awk and sort)" {
	"$GAWK" 'BEGIN { srand(7); for (i = 0; i < 3000; i++) printf "key%d:%d\n", int(rand() * 500), int(rand() * 200) - 100 }' >in.txt
	"$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort >expected.txt
	run_to_files in.txt
	[[ "$status" == 0 ]]
	expect_same_file expected.txt out
	expect_file err ''
}

@test "keys alike in their first 8 or 16 bytes, and high bytes, sort bytewise (checked with sort)" {
	# Prefixes of 0 to 20 bytes from one string, then a short random tail
	# over a few letters, a control byte and a high byte: many keys share
	# their first eight or sixteen bytes and differ in length only.
	"$GAWK" 'BEGIN {
		srand(11); base = "abcdefghijklmnopqrst"
		split("a b z \001 \377", tail, " ")
		for (i = 0; i < 20000; i++) {
			k = substr(base, 1, int(rand() * 21))
			n = int(rand() * 4)
			for (j = 0; j < n; j++)
				k = k tail[1 + int(rand() * 5)]
			if (k == "") k = "x"
			printf "%s:%d\n", k, int(rand() * 100)
		}
	}' >in.txt
	# Sorted on the key column alone: a control byte sorts before TAB.
	"$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort -t "$(printf '\t')" -k1,1 >expected.txt
	[[ $(wc -l <expected.txt) -gt 1000 ]]
	run_to_files in.txt
	[[ "$status" == 0 ]]
	expect_same_file expected.txt out
	expect_file err ''
}

# Two pairs of keys of the same length that share their first 8 and their
# first 16 bytes, and whose hashes (table.h) agree in the slot of a new
# table and in the part of the hash that a slot keeps; found by trying
# numbered keys.  Only the rest of each key tells the two apart.
@test "keys whose hashes share a slot and its tag are still told apart by their bytes" {
	local jobs b values
	for values in whole decimal; do
		: >in.txt
		for i in 1 2 3; do
			if [[ $values == whole ]]; then v=$i; else v=$i.5; fi
			printf 'fanout__01380510:%s\nfanout__02205931:1%s\n' "$v" "$v"
			printf 'fanout__fanout__00803918:2%s\nfanout__fanout__01503864:3%s\n' "$v" "$v"
		done >>in.txt
		awk -F: '{ s[$1] += $2; n[$1]++; if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2 }
			END { for (k in s) printf "%s\t%s\t%d\t%s\n", k, s[k], n[k], lo[k] }' in.txt |
			LC_ALL=C sort >expected.txt
		for jobs in 1 2; do
			for b in 1 40 1K; do
				run_to_files --jobs=$jobs --batch=$b --aggregate=sum,count,min in.txt
				[[ "$status" == 0 ]] || fail "$values, --jobs=$jobs --batch=$b: exit $status"
				cmp out expected.txt || fail "$values, --jobs=$jobs --batch=$b: $(cat out)"
			done
		done
	done
}
