#!/usr/bin/env bats
# Hostile input: number grammar corner cases, NUL bytes, invalid UTF-8 and
# control characters in keys and in messages, huge keys, empty and blank
# lines.  Every expectation is hand-worked from the man page.

load test_helper

setup() {
	common_setup
}

# Each case: the value (printf %b escapes allowed) after "k:" in a one-record
# input, then the outcome: "= SUM" (accepted, the key's total is SUM) or
# "! REASON" (rejected with exactly that reason).
NUMBER_CASES=(
	'+5' '= 5'
	' 5' '= 5'
	'5 ' '= 5'
	'\t5\t' '= 5'
	'-0' '= 0'
	'-0.00' '= 0.00'
	'007' '= 7'
	'+007.50' '= 7.50'
	'5.' '= 5'
	'.5' '= 0.5'
	'123456789012345678' '= 123456789012345678'
	'0000000000000000000000001' '= 1'
	'0.000000000000000001' '= 0.000000000000000001'
	'1e3' '= 1000'
	'1e' "! invalid number '1e'"
	'0x10' "! invalid number '0x10'"
	'inf' "! invalid number 'inf'"
	'-inf' "! invalid number '-inf'"
	'nan' "! invalid number 'nan'"
	'NaN' "! invalid number 'NaN'"
	'1,5' "! invalid number '1,5'"
	'1_000' "! invalid number '1_000'"
	'1 000' "! invalid number '1 000'"
	'\357\274\225' "! invalid number '"$'\357\274\225'"'"
	'\331\241' "! invalid number '"$'\331\241'"'"
	'+-5' "! invalid number '+-5'"
	'-' "! invalid number '-'"
	'.' "! invalid number '.'"
	'1.2.3' "! invalid number '1.2.3'"
	'1234567890123456789012345678901234567890' "! too many digits in number '1234567890123456789012345678901234567890'"
	'0.12345678901234567890' '= 0.12345678901234567890'
	'1234567890123456789' '= 1234567890123456789'
	'0.1234567890123456789' '= 0.1234567890123456789'
	'123456789012345678901234567890123456789' "! too many digits in number '123456789012345678901234567890123456789'"
	'0.123456789012345678901234567890123456789' "! too many digits in number '0.123456789012345678901234567890123456789'"
	'' '! missing value'
	' \t ' '! missing value'
)

@test "number grammar: each corner case has its decided outcome" {
	local i value outcome
	for ((i = 0; i < ${#NUMBER_CASES[@]}; i += 2)); do
		value=${NUMBER_CASES[i]}
		outcome=${NUMBER_CASES[i + 1]}
		printf 'k:%b\n' "$value" >in.txt
		echo "case 'k:$value'" # shown if the test fails
		run_fanout in.txt
		if [[ "$outcome" == "= "* ]]; then
			assert_result 0 "k"$'\t'"${outcome#= }" ""
		else
			assert_result 2 "" "$(text "fanout: in.txt:1: ${outcome#! }" \
				"fanout: no record accepted" \
				"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
		fi
	done
}

@test "number grammar: all corner cases in one input keep their line numbers and sum exactly" {
	local i value outcome n=0 expected_err=()
	: >in.txt
	for ((i = 0; i < ${#NUMBER_CASES[@]}; i += 2)); do
		value=${NUMBER_CASES[i]}
		outcome=${NUMBER_CASES[i + 1]}
		printf 'k:%b\n' "$value" >>in.txt
		n=$((n + 1))
		[[ "$outcome" == "! "* ]] && expected_err+=("fanout: in.txt:$n: ${outcome#! }")
	done
	# Accepted: 5+5+5+5+0+0+7+7.50+5+0.5+123456789012345678+1+0.000000000000000001
	# +1e3+1234567890123456789+0.1234567890123456789
	# +0.12345678901234567890 (Python's decimal)
	run_to_files --batch=7 --jobs=2 in.txt
	[[ "$status" == 1 ]]
	expect_file out 'k\t%s\n' '1358024679135803508.24691357802469135880'
	expect_file err '%s\n' "${expected_err[@]}" "fanout: $n records read, 17 accepted, $((n - 17)) rejected"
}

@test "a NUL byte inside a record is rejected first, and later line numbers stay right" {
	printf 'a:1\nb:\0002\nc:3\nx\0y\nd\n\0\n:\0\na:2\0\n' >in.txt
	run_to_files --rejects=rej.txt in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a\t1\nc\t3\n'
	expect_file err '%s\n' "fanout: in.txt:2: NUL byte in record" \
		"fanout: in.txt:4: NUL byte in record" \
		"fanout: in.txt:5: missing delimiter ':'" \
		"fanout: in.txt:6: NUL byte in record" \
		"fanout: in.txt:7: NUL byte in record" \
		"fanout: in.txt:8: NUL byte in record" \
		"fanout: 8 records read, 2 accepted, 6 rejected"
	expect_file rej.txt 'b:\0002\nx\0y\nd\n\0\n:\0\na:2\0\n'
}

@test "a NUL byte inside a record is left out of --ordered output, whatever --batch" {
	printf 'a:1\nb:\0002\nc:3\n' >in.txt
	for b in 1 3 1K; do
		run_to_files --ordered --batch=$b in.txt
		[[ "$status" == 1 ]]
		expect_file out 'a:1\nc:3\n'
		expect_file err '%s\n' "fanout: in.txt:2: NUL byte in record" \
			"fanout: 3 records read, 2 accepted, 1 rejected"
	done
}

@test "keys with invalid UTF-8 and control characters are aggregated and printed as bytes" {
	printf '\377:1\n\300\257:2\nk\001:3\nk\177:4\n\302\205:5\n\355\240\200:6\n\303\251:7\n\033[31m:8\n' >in.txt
	printf '\377:10\n\300\257:20\nk\001:30\nk\177:40\n\302\205:50\n\355\240\200:60\n\303\251:70\n\033[31m:80\n' >>in.txt
	run_to_files --jobs=2 --batch=5 in.txt
	[[ "$status" == 0 ]]
	# Sorted bytewise: 1b 6b01 6b7f c0af c285 c3a9 eda080 ff.
	expect_file out '\033[31m\t88\nk\001\t33\nk\177\t44\n\300\257\t22\n\302\205\t55\n\303\251\t77\n\355\240\200\t66\n\377\t11\n'
	expect_file err ''
	od -An -tx1 out >out.hex
	grep -q '1b 5b 33 31 6d 09 38 38 0a 6b 01 09 33 33' out.hex || fail "od: $(cat out.hex)"
}

# Each case: the value (printf %b escapes) of a rejected "k:VALUE" record,
# then how its excerpt is written in the message.
EXCERPT_CASES=(
	'a\001b' 'a\x01b'
	'\037\033' '\x1f\x1b'
	'\177' '\x7f'
	'a\\b' 'a\\b'
	'\302\205' '\xc2\x85'
	'\302\200x\302\237' '\xc2\x80x\xc2\x9f'
	'\302\240' $'\302\240'
	'\377' '\xff'
	'a\377b' 'a\xffb'
	'\342\202' '\xe2\x82'
	'\342\202x' '\xe2\x82x'
	'\360\235\204' '\xf0\x9d\x84'
	'\300\257' '\xc0\xaf'
	'\340\200\257' '\xe0\x80\xaf'
	'\355\240\200' '\xed\xa0\x80'
	'\364\220\200\200' '\xf4\x90\x80\x80'
	'\200' '\x80'
	'\303\251' $'\303\251'
	'\342\202\254' $'\342\202\254'
	'\360\235\204\236' $'\360\235\204\236'
	'\303\251\342\202\254\360\235\204\236!' $'\303\251\342\202\254\360\235\204\236!'
)

@test "message excerpts escape C0, DEL, C1 and invalid UTF-8, and keep valid UTF-8" {
	local i
	for ((i = 0; i < ${#EXCERPT_CASES[@]}; i += 2)); do
		printf 'k:%b\n' "${EXCERPT_CASES[i]}" >in.txt
		echo "case 'k:${EXCERPT_CASES[i]}'" # shown if the test fails
		run_fanout in.txt
		assert_result 2 "" "$(text "fanout: in.txt:1: invalid number '${EXCERPT_CASES[i + 1]}'" \
			"fanout: no record accepted" \
			"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
	done
}

@test "key excerpts in --key-match messages are escaped the same way" {
	printf '\377\001:1\nk\177:2\n\300\257:3\nk:4\n\302\205\303\251:5\n' >in.txt
	run_fanout -m '^k$' in.txt
	assert_result 1 $'k\t4' "$(text "fanout: in.txt:1: key '\\xff\\x01' does not match '^k\$'" \
		"fanout: in.txt:2: key 'k\\x7f' does not match '^k\$'" \
		"fanout: in.txt:3: key '\\xc0\\xaf' does not match '^k\$'" \
		"fanout: in.txt:5: key '\\xc2\\x85"$'\303\251'"' does not match '^k\$'" \
		"fanout: 5 records read, 1 accepted, 4 rejected")"
}

@test "excerpts are cut at 64 input bytes; a UTF-8 sequence cut in the middle is escaped" {
	local z62 z63 z64
	z62=$(repeat_char 0 62)
	z63=$(repeat_char 0 63)
	z64=$(repeat_char 0 64)
	printf 'k:%s\303\251\nk:%s\303\251\nk:%s\303\251\n' "$z62" "$z63" "$z64" >in.txt
	{ printf 'k:'; for i in $(seq 64); do printf '\001'; done; printf '\nk:'; for i in $(seq 65); do printf '\001'; done; printf '\n'; } >>in.txt
	local e64
	e64=$(for i in $(seq 64); do printf '\\x01'; done)
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: invalid number '$z62"$'\303\251'"'" \
		"fanout: in.txt:2: invalid number '$z63\\xc3...'" \
		"fanout: in.txt:3: invalid number '$z64...'" \
		"fanout: in.txt:4: invalid number '$e64'" \
		"fanout: in.txt:5: invalid number '$e64...'" \
		"fanout: no record accepted" \
		"fanout: 5 records read, 0 accepted, 5 rejected; 0 bytes of output written")"
}

@test "a 1 MB key is aggregated whole, and shown cut to 64 bytes in messages" {
	local key
	key=$(head -c 1048576 /dev/zero | tr '\0' K)
	printf '%s:5\na:1\n%s:-2\n%s:x\n' "$key" "$key" "$key" >in.txt
	run_to_files --batch=4K --jobs=2 in.txt
	[[ "$status" == 1 ]]
	expect_file out '%s\t3\na\t1\n' "$key"
	expect_file err '%s\n' "fanout: in.txt:4: invalid number 'x'" \
		"fanout: 4 records read, 3 accepted, 1 rejected"
	run_to_files -m '^a' in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a\t1\n'
	expect_file err '%s\n' "fanout: in.txt:1: key '$(repeat_char K 64)...' does not match '^a'" \
		"fanout: in.txt:3: key '$(repeat_char K 64)...' does not match '^a'" \
		"fanout: in.txt:4: invalid number 'x'" \
		"fanout: 4 records read, 1 accepted, 3 rejected"
}

@test "empty and whitespace-only lines in key-value mode are skipped as blank" {
	printf 'a:1\n\n   \n\t \t\na:2\n \t:3\n' >in.txt
	run_to_files in.txt
	[[ "$status" == 0 ]]
	# " \t" before the delimiter is a key like any other.
	expect_file out ' \t\t3\na\t3\n'
	expect_file err ''
}

@test "a whitespace-only line is blank even when its blank is the delimiter; a key before it has an empty value" {
	printf 'a\t1\n \t \n\t\nk\t \n' >in.txt
	run_fanout -d '\t' in.txt
	assert_result 1 $'a\t1' "$(text "fanout: in.txt:4: missing value" \
		"fanout: 4 records read, 1 accepted, 1 rejected, 2 skipped")"
}

@test "empty and whitespace-only lines in field mode are skipped as blank" {
	printf 'a 1\n\n \t \na 2\n' >in.txt
	run_fanout -k 1 -v 2 in.txt
	assert_result 0 $'a\t3' ""
	run_fanout -k 2 -a count in.txt
	assert_result 0 "$(text $'1\t1' $'2\t1')" ""
	printf 'a,1\n\nb\n' >in.txt
	run_fanout -t , -k 1 -v 2 in.txt
	assert_result 1 $'a\t1' "$(text "fanout: in.txt:3: missing field 2" \
		"fanout: 3 records read, 1 accepted, 1 rejected, 1 skipped")"
}
