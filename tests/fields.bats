#!/usr/bin/env bats
# Field mode: --key, --value and --field-separator.

load test_helper

setup() {
	common_setup
}

@test "by default fields are separated by runs of blanks, ignoring leading and trailing blanks" {
	printf 'a 1\n   a\t \t2   \n\t b   3\t\nb    4\n' >in.txt
	run_fanout --key=1 --value=2 in.txt
	assert_result 0 "$(text $'a\t3' $'b\t7')" ""
}

@test "key and value may be any fields, value before key included" {
	printf 'x 5 y alpha\nz 7 w beta\nq 1 r alpha\n' >in.txt
	run_fanout -k 4 -v 2 in.txt
	assert_result 0 "$(text $'alpha\t6' $'beta\t7')" ""
}

@test "sums in field mode agree with awk on generated input" {
	"$GAWK" 'BEGIN { srand(11); for (i = 0; i < 2000; i++) printf "%s%d %d  c%d\t%d\n", (rand() < 0.5 ? "  " : ""), i, int(rand() * 100) - 50, int(rand() * 20), int(rand() * 1000) }' >in.txt
	"$GAWK" '{ s[$3] += $4 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort >expected.txt
	run_to_files --key=3 --value=4 in.txt
	[[ "$status" == 0 ]]
	expect_same_file expected.txt out
	expect_file err ''
}

@test "composite key 1,7 is printed as two columns before the result" {
	printf 'a 2 3 4 5 6 g 10\na x x x x x g 5\na x x x x x h 1\nb x x x x x g 2\n' >in.txt
	run_fanout --key=1,7 --value=8 -a sum,count in.txt
	assert_result 0 "$(text $'a\tg\t15\t2' $'a\th\t1\t1' $'b\tg\t2\t1')" ""
}

@test "composite keys are sorted field by field" {
	# Field by field, ("a","z") sorts before ("a\001","y") because "a" is a
	# prefix of "a\001"; comparing the TAB-joined strings would put it after.
	printf 'a\001,y,1\na,z,2\n' >in.txt
	run_to_files -t , --key=1,2 --value=3 in.txt
	[[ "$status" == 0 ]]
	expect_file out 'a\tz\t2\na\001\ty\t1\n'
	expect_file err ''
}

@test "composite key sums agree with awk on generated input" {
	"$GAWK" 'BEGIN { srand(12); for (i = 0; i < 3000; i++) printf "h%d %d x x x x m%d\n", int(rand() * 7), int(rand() * 50), int(rand() * 9) }' >in.txt
	"$GAWK" '{ s[$1 "\t" $7] += $2; c[$1 "\t" $7]++ } END { for (k in s) printf "%s\t%d\t%d\n", k, s[k], c[k] }' in.txt | sort >expected.txt
	run_to_files --key=1,7 --value=2 --aggregate=sum,count in.txt
	[[ "$status" == 0 ]]
	expect_same_file expected.txt out
	expect_file err ''
}

@test "--field-separator splits on each occurrence, so empty fields exist" {
	printf 'a,,5\nb,7,\n' >in.txt
	run_fanout -t , --key=1 --value=3 in.txt
	assert_result 1 $'a\t5' "$(text "fanout: in.txt:2: missing value" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "--field-separator keeps blanks inside fields, so keys may contain spaces" {
	printf 'my key,5\nmy key,6\nmykey,1\n' >in.txt
	run_fanout --field-separator=, --key=1 --value=2 in.txt
	assert_result 0 "$(text $'my key\t11' $'mykey\t1')" ""
}

@test "--field-separator='\\t' means TAB, and two TABs make an empty field" {
	printf 'a\t\t5\nb\t1\t2\n' >in.txt
	run_fanout --field-separator='\t' --key=1 --value=3 in.txt
	assert_result 0 "$(text $'a\t5' $'b\t2')" ""
}

@test "a literal TAB byte works as field separator too" {
	printf 'a b\t5\n' >in.txt
	run_fanout -t $'\t' --key=1 --value=2 in.txt
	assert_result 0 $'a b\t5' ""
}

@test "a missing field is reported with its number" {
	printf 'a,5\na\n' >in.txt
	run_fanout -t , --key=1 --value=3 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: missing field 3" "fanout: in.txt:2: missing field 3" \
		"fanout: no record accepted" \
		"fanout: 2 records read, 0 accepted, 2 rejected; 0 bytes of output written")"
}

@test "the lowest-numbered needed field that is absent is reported" {
	printf 'a b\na b c d e f\n\n   \n- - 3\n' >in.txt
	run_fanout --key=1,7 --value=3 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: missing field 3" "fanout: in.txt:2: missing field 7" \
		"fanout: in.txt:5: missing field 7" \
		"fanout: no record accepted" \
		"fanout: 5 records read, 0 accepted, 3 rejected, 2 skipped; 0 bytes of output written")"
}

@test "an empty key field is an empty key; a composite key is empty only when all its fields are" {
	printf ',5\n,,6\n,b,7\na,,8\n' >in.txt
	run_fanout -t , --key=1,2 --value=3 in.txt
	assert_result 1 "$(text $'\tb\t7' $'a\t\t8')" \
		"$(text "fanout: in.txt:1: missing field 3" "fanout: in.txt:2: empty key" \
			"fanout: 4 records read, 2 accepted, 2 rejected")"
}

@test "a single empty key field is an empty key" {
	printf ',5\n' >in.txt
	run_fanout -t , --key=1 --value=2 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: empty key" "fanout: no record accepted" \
	"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "the value field is validated like a key-value value" {
	printf 'a 1.5\na x\na 1e\na 1234567890123456789012345678901234567890\na 99\n' >in.txt
	run_fanout --key=1 --value=2 --max=50 in.txt
	assert_result 1 $'a\t1.5' "$(text "fanout: in.txt:2: invalid number 'x'" \
		"fanout: in.txt:3: invalid number '1e'" \
		"fanout: in.txt:4: too many digits in number '1234567890123456789012345678901234567890'" \
		"fanout: in.txt:5: value 99 is above maximum 50" \
		"fanout: 5 records read, 1 accepted, 4 rejected")"
}

@test "count without --value needs only the key fields" {
	printf 'a\nb whatever\na not-a-number\n\n' >in.txt
	run_fanout --key=1 --aggregate=count in.txt
	assert_result 0 "$(text $'a\t2' $'b\t1')" ""
	run_fanout --key=2 --aggregate=count in.txt
	assert_result 1 "$(text $'not-a-number\t1' $'whatever\t1')" \
		"$(text "fanout: in.txt:1: missing field 2" \
			"fanout: 4 records read, 2 accepted, 1 rejected, 1 skipped")"
}

@test "count-only with a composite key counts each pair" {
	printf 'a x\na y\na x\n' >in.txt
	run_fanout --key=1,2 --aggregate=count in.txt
	assert_result 0 "$(text $'a\tx\t2' $'a\ty\t1')" ""
}

@test "--key-match in field mode sees the key fields joined by TAB" {
	printf 'a b 1\na c 2\nx b 3\n' >in.txt
	run_fanout --key=1,2 --value=3 --key-match=$'^a\tb$' in.txt
	assert_status 1
	assert_stdout $'a\tb\t1'
	# How the TAB inside the pattern is shown is not specified; the key's is.
	[[ "${#stderr_lines[@]}" == 3 ]] || fail "expected 3 stderr lines" "$stderr"
	[[ "${stderr_lines[0]}" == "fanout: in.txt:2: key 'a\x09c' does not match '"* ]] || fail "$stderr"
	[[ "${stderr_lines[1]}" == "fanout: in.txt:3: key 'x\x09b' does not match '"* ]] || fail "$stderr"
	[[ "${stderr_lines[2]}" == "fanout: 3 records read, 1 accepted, 2 rejected" ]] || fail "$stderr"
}

@test "--key-match in field mode with a plain pattern" {
	printf 'a b 1\na c 2\n' >in.txt
	run_fanout --key=1,2 --value=3 --key-match='^a.b$' in.txt
	assert_result 1 $'a\tb\t1' \
		"$(text "fanout: in.txt:2: key 'a\\x09c' does not match '^a.b\$'" \
			"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "a CR before the newline is not part of the last field" {
	printf 'a 5\r\nb,x 6\r\nc 7\r' >in.txt
	run_fanout --key=1 --value=2 in.txt
	assert_result 0 "$(text $'a\t5' $'b,x\t6' $'c\t7')" ""
}

@test "a CR before the newline is not part of the last field with --field-separator" {
	printf 'a,5\r\nb,\r\n' >in.txt
	run_fanout -t , --key=1 --value=2 in.txt
	assert_result 1 $'a\t5' "$(text "fanout: in.txt:2: missing value" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}
