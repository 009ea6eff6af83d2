#!/usr/bin/env bats
# Record validation: key-value parsing, the order of the rejection checks,
# bounds, --key-match, and how rejections are reported.

load test_helper

setup() {
	common_setup
}

@test "a record without the delimiter is rejected as missing delimiter ':'" {
	printf 'ok:1\nnodelimiter\n' >in.txt
	run_fanout in.txt
	assert_result 1 $'ok\t1' "$(text "fanout: in.txt:2: missing delimiter ':'" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "an empty line is a record, skipped as blank: neither accepted nor rejected" {
	printf 'a:1\n\na:2\nx\n' >in.txt
	run_fanout in.txt
	assert_result 1 $'a\t3' "$(text "fanout: in.txt:4: missing delimiter ':'" \
		"fanout: 4 records read, 2 accepted, 1 rejected, 1 skipped")"
}

@test "the record is split at the first delimiter" {
	printf 'a:b:5\nc:7\n' >in.txt
	run_fanout in.txt
	assert_result 1 $'c\t7' "$(text "fanout: in.txt:1: invalid number 'b:5'" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "blanks around the value are removed" {
	printf 'k: 1\nk:2 \nk:\t 3\t \nk: \t4\r\n' >in.txt
	run_fanout in.txt
	assert_result 0 $'k\t10' ""
}

@test "--delimiter sets the key-value delimiter and the message shows it" {
	printf 'a=1\na=2\nb:3\n' >in.txt
	run_fanout --delimiter== in.txt
	assert_result 1 $'a\t3' "$(text "fanout: in.txt:3: missing delimiter '='" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "--delimiter='\\t' means TAB and a missing TAB is reported as '\\t'" {
	printf 'a:b\t1\na b\t2\nc 3\n' >in.txt
	run_fanout -d '\t' in.txt
	assert_result 1 "$(text $'a b\t2' $'a:b\t1')" "$(text "fanout: in.txt:3: missing delimiter '\\t'" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "a literal TAB byte is accepted as delimiter" {
	printf 'a\t1\n' >in.txt
	run_fanout --delimiter=$'\t' in.txt
	assert_result 0 $'a\t1' ""
}

@test "an empty key is rejected" {
	printf ':5\n' >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: empty key" "fanout: no record accepted" \
	"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "checks run in order: delimiter, empty key, missing value, invalid number, digits, bounds, key-match" {
	{
		printf 'k\n'                        # 1 no delimiter
		printf ':\n'                        # 2 empty key beats missing value
		printf ':abc\n'                     # 3 empty key beats invalid number
		printf 'zzz:\n'                     # 4 missing value beats key-match
		printf 'zzz:abc\n'                  # 5 invalid number beats key-match
		printf 'zzz:1234567890123456789012345678901234567890\n' # 6 too many digits beats bounds
		printf 'zzz:99\n'                   # 7 bound beats key-match
		printf 'zzz:5\n'                    # 8 key-match
		printf 'k:5\n'                      # 9 accepted
	} >in.txt
	run_fanout --max=10 --key-match='^k' in.txt
	assert_result 1 $'k\t5' "$(text \
		"fanout: in.txt:1: missing delimiter ':'" \
		"fanout: in.txt:2: empty key" \
		"fanout: in.txt:3: empty key" \
		"fanout: in.txt:4: missing value" \
		"fanout: in.txt:5: invalid number 'abc'" \
		"fanout: in.txt:6: too many digits in number '1234567890123456789012345678901234567890'" \
		"fanout: in.txt:7: value 99 is above maximum 10" \
		"fanout: in.txt:8: key 'zzz' does not match '^k'" \
		"fanout: 9 records read, 1 accepted, 8 rejected")"
}

@test "--min is inclusive: the bound itself is accepted, just below is rejected" {
	printf 'k:5\nk:4.99\nk:6\n' >in.txt
	run_fanout --min=5 in.txt
	assert_result 1 $'k\t11' "$(text "fanout: in.txt:2: value 4.99 is below minimum 5" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "--max is inclusive: the bound itself is accepted, just above is rejected" {
	printf 'k:5\nk:5.01\nk:-6\n' >in.txt
	run_fanout --max=5 in.txt
	assert_result 1 $'k\t-1' "$(text "fanout: in.txt:2: value 5.01 is above maximum 5" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "--above is exclusive: the bound itself is rejected as not above" {
	printf 'k:5\nk:5.000001\nk:5.0\n' >in.txt
	run_fanout --above=5 in.txt
	assert_result 1 $'k\t5.000001' "$(text "fanout: in.txt:1: value 5 is not above 5" \
		"fanout: in.txt:3: value 5.0 is not above 5" \
		"fanout: 3 records read, 1 accepted, 2 rejected")"
}

@test "--below is exclusive: the bound itself is rejected as not below" {
	printf 'k:5\nk:4.9\nk:7\n' >in.txt
	run_fanout --below=5 in.txt
	assert_result 1 $'k\t4.9' "$(text "fanout: in.txt:1: value 5 is not below 5" \
		"fanout: in.txt:3: value 7 is not below 5" \
		"fanout: 3 records read, 1 accepted, 2 rejected")"
}

@test "negative and fractional bounds are printed as given" {
	printf 'k:-1\nk:-1.5\nk:+2.50\nk:2.5001\n' >in.txt
	run_fanout --min=-1.0 --max=+2.500 in.txt
	assert_result 1 $'k\t1.50' "$(text "fanout: in.txt:2: value -1.5 is below minimum -1.0" \
		"fanout: in.txt:4: value 2.5001 is above maximum +2.500" \
		"fanout: 4 records read, 2 accepted, 2 rejected")"
}

@test "the value in a bound message is the trimmed text as written" {
	printf 'k: \t+007.50 \n' >in.txt
	run_fanout --max=7 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: value +007.50 is above maximum 7" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "bounds are checked in the order min, max, above, below" {
	# With --max=3 --above=20 --below=12, 5 and 15 fail --max first.
	# With --min=2 --above=7, 1 fails both and --min is reported.
	# With --above=7 --below=12, 15 passes --above and fails --below.
	printf 'k:5\nk:15\nk:1\n' >in.txt
	run_fanout --below=12 --above=20 --max=3 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: value 5 is above maximum 3" \
		"fanout: in.txt:2: value 15 is above maximum 3" \
		"fanout: in.txt:3: value 1 is not above 20" \
		"fanout: no record accepted" \
		"fanout: 3 records read, 0 accepted, 3 rejected; 0 bytes of output written")"
	run_fanout --above=7 --min=2 in.txt
	assert_result 1 $'k\t15' "$(text "fanout: in.txt:1: value 5 is not above 7" \
		"fanout: in.txt:3: value 1 is below minimum 2" \
		"fanout: 3 records read, 1 accepted, 2 rejected")"
	run_fanout --below=12 --above=7 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: value 5 is not above 7" \
		"fanout: in.txt:2: value 15 is not below 12" \
		"fanout: in.txt:3: value 1 is not above 7" \
		"fanout: no record accepted" \
		"fanout: 3 records read, 0 accepted, 3 rejected; 0 bytes of output written")"
}

@test "a range of all four bounds together accepts only the values inside it" {
	"$GAWK" 'BEGIN { for (v = -20; v <= 20; v++) printf "k:%d\n", v }' >in.txt
	"$GAWK" -F: '{ v = $2 + 0; n++
		if (v < -10) printf "fanout: in.txt:%d: value %s is below minimum -10\n", n, $2
		else if (v > 10) printf "fanout: in.txt:%d: value %s is above maximum 10\n", n, $2
		else if (v <= -5) printf "fanout: in.txt:%d: value %s is not above -5\n", n, $2
		else if (v >= 8) printf "fanout: in.txt:%d: value %s is not below 8\n", n, $2
		else { s += v; c++ } }
		END { printf "fanout: %d records read, %d accepted, %d rejected\n", n, c, n - c
		      printf "k\t%d\n", s > "expected.out" }' in.txt >expected.err
	run_to_files --min=-10 --max=10 --above=-5 --below=8 in.txt
	[[ "$status" == 1 ]]
	expect_same_file expected.out out
	expect_same_file expected.err err
}

@test "bounds apply to count as well: kv values are always validated" {
	printf 'a:1\na:x\na:\na:50\n' >in.txt
	run_fanout --aggregate=count --max=10 in.txt
	assert_result 1 $'a\t1' "$(text "fanout: in.txt:2: invalid number 'x'" \
		"fanout: in.txt:3: missing value" "fanout: in.txt:4: value 50 is above maximum 10" \
		"fanout: 4 records read, 1 accepted, 3 rejected")"
}

@test "--key-match is an unanchored extended regular expression" {
	printf 'users:1\nsuperuser:2\nerrors:3\n' >in.txt
	run_fanout --key-match='user' in.txt
	assert_result 1 "$(text $'superuser\t2' $'users\t1')" \
		"$(text "fanout: in.txt:3: key 'errors' does not match 'user'" \
			"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "--key-match supports anchors, alternation and groups" {
	printf 'users:1\nsuperuser:2\nerrors:3\nabab:4\naba:5\n' >in.txt
	run_fanout -m '^(u|e)|^(ab)+$' in.txt
	assert_result 1 "$(text $'abab\t4' $'errors\t3' $'users\t1')" \
		"$(text "fanout: in.txt:2: key 'superuser' does not match '^(u|e)|^(ab)+\$'" \
			"fanout: in.txt:5: key 'aba' does not match '^(u|e)|^(ab)+\$'" \
			"fanout: 5 records read, 3 accepted, 2 rejected")"
}

@test "--key-match sees the key verbatim, including spaces" {
	printf 'a b:1\nab:2\n' >in.txt
	run_fanout --key-match='^a b$' in.txt
	assert_result 1 $'a b\t1' "$(text "fanout: in.txt:2: key 'ab' does not match '^a b\$'" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "a quoted excerpt of 64 bytes is shown whole" {
	local v
	v=$(repeat_char x 64)
	printf 'k:%s\n' "$v" >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: invalid number '$v'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "a quoted excerpt longer than 64 bytes is cut to 64 bytes followed by ..." {
	local v
	v=$(repeat_char y 64)
	printf 'k:%sZZZZ\n' "$v" >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: invalid number '$v...'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "a long run of digits is cut to 64 bytes in the too-many-digits message" {
	local v
	v=$(repeat_char 9 64)
	printf 'k:%s99999\n' "$v" >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: too many digits in number '$v...'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "a long key is cut to 64 bytes in the key-match message" {
	local k
	k=$(repeat_char K 100)
	printf '%s:1\n' "$k" >in.txt
	run_fanout --key-match='^a' in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: key '$(repeat_char K 64)...' does not match '^a'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "control bytes in an excerpt are written as lower-case \\xHH and a backslash as \\\\" {
	printf 'k:1\001\nk:1\t2\nk:\033[1m\nk:a\\b\nk:\177\nk:\037x\n' >in.txt
	run_to_files in.txt
	[[ "$status" == 2 ]]
	expect_file out ''
	expect_file err '%s\n' \
		"fanout: in.txt:1: invalid number '1\\x01'" \
		"fanout: in.txt:2: invalid number '1\\x092'" \
		"fanout: in.txt:3: invalid number '\\x1b[1m'" \
		"fanout: in.txt:4: invalid number 'a\\\\b'" \
		"fanout: in.txt:5: invalid number '\\x7f'" \
		"fanout: in.txt:6: invalid number '\\x1fx'" \
		"fanout: no record accepted" \
		"fanout: 6 records read, 0 accepted, 6 rejected; 0 bytes of output written"
}

@test "bytes from 0x80 up are written unchanged in an excerpt" {
	printf 'k:\303\251\n' >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: invalid number '"$'\303\251'"'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "a key with control bytes is escaped in the key-match message" {
	printf 'a\001b:1\n' >in.txt
	run_fanout --key-match='^ab$' in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: key 'a\\x01b' does not match '^ab\$'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "no summary line is printed when nothing is rejected" {
	printf 'a:1\n' >in.txt
	run_to_files --min=0 --key-match=a in.txt
	[[ "$status" == 0 ]]
	expect_file out 'a\t1\n'
	expect_file err ''
}

@test "the summary counts records read, accepted and rejected" {
	"$GAWK" 'BEGIN { for (i = 1; i <= 1000; i++) if (i % 7 == 0) print "bad" i; else printf "k:%d\n", i }' >in.txt
	"$GAWK" '/^bad/ { printf "fanout: in.txt:%d: missing delimiter '"':'"'\n", NR; r++; next }
		{ split($0, f, ":"); s += f[2] }
		END { printf "fanout: %d records read, %d accepted, %d rejected\n", NR, NR - r, r
		      printf "k\t%d\n", s > "expected.out" }' in.txt >expected.err
	run_to_files in.txt
	[[ "$status" == 1 ]]
	expect_same_file expected.out out
	expect_same_file expected.err err
}
