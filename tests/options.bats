#!/usr/bin/env bats
# Command-line options: --help, --version, option values, usage errors and
# conflicts.

load test_helper

setup() {
	common_setup
}

@test "--help prints usage naming every option on stdout and exits 0" {
	local opt
	for h in --help -h; do
		run_fanout "$h" </dev/null
		assert_status 0
		assert_stderr ""
		[[ "$output" == *"fanout [OPTION]... [FILE]..."* ]] || fail "$h: no usage line" "$output"
		for opt in --delimiter --key --value --field-separator --null-data --min --max --above --below \
			--key-match --rejects --max-errors --quiet --aggregate --ordered --unordered --jobs \
			--queue-depth --batch --help --version; do
			[[ "$output" == *"$opt"* ]] || fail "$h does not mention $opt" "$output"
		done
	done
}

@test "--version prints fanout 1.0.0 first on stdout and exits 0" {
	for v in --version -V; do
		run_fanout "$v" </dev/null
		assert_status 0
		assert_stderr ""
		[[ "${lines[0]}" == "fanout 1.0.0" ]] || fail "$v: first line is '${lines[0]}'"
	done
}

@test "-- ends the options, so a file may be named -x" {
	printf 'a:1\nbad\n' >-x
	run_fanout -- -x
	assert_result 1 $'a\t1' "$(text "fanout: -x:2: missing delimiter ':'" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "-- lets a file be named like a long option" {
	printf 'a:7\n' >--ordered
	run_fanout -- --ordered
	assert_result 0 $'a\t7' ""
}

@test "without --, -x is an unknown option: getopt's message then the Try line" {
	printf 'a:1\n' >-x
	run_exact bash -c 'exec -a fanout "$FANOUT" -x </dev/null'
	assert_result 2 "" "$(text "fanout: invalid option -- 'x'" "$TRY")"
}

@test "an unknown long option is a usage error" {
	run_exact bash -c 'exec -a fanout "$FANOUT" --bogus </dev/null'
	assert_result 2 "" "$(text "fanout: unrecognized option '--bogus'" "$TRY")"
}

@test "an option missing its argument is a usage error" {
	run_exact bash -c 'exec -a fanout "$FANOUT" --jobs </dev/null'
	assert_result 2 "" "$(text "fanout: option '--jobs' requires an argument" "$TRY")"
	run_exact bash -c 'exec -a fanout "$FANOUT" -j </dev/null'
	assert_result 2 "" "$(text "fanout: option requires an argument -- 'j'" "$TRY")"
}

@test "options take their argument as --opt=V, --opt V, -oV and -o V" {
	printf 'k:1\nk:2\nj:5\n' >in.txt
	for args in "--jobs=2 --batch=4K" "--jobs 2 --batch 4K" "-j2 -b4K" "-j 2 -b 4K"; do
		# shellcheck disable=SC2086
		run_fanout $args --aggregate count in.txt
		assert_result 0 "$(text $'j\t1' $'k\t2')" ""
	done
}

@test "--jobs accepts 1 and 1024" {
	"$GAWK" 'BEGIN { for (i = 0; i < 3000; i++) printf "k%d:%d\n", i % 3, i }' >in.txt
	"$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort >expected.txt
	for j in 1 1024; do
		run_to_files --jobs=$j --batch=1K in.txt
		[[ "$status" == 0 ]] || fail "--jobs=$j: exit $status"
		expect_same_file expected.txt out
		expect_file err ''
	done
}

@test "--queue-depth accepts 1 and 4096" {
	"$GAWK" 'BEGIN { for (i = 0; i < 3000; i++) printf "k%d:%d\n", i % 3, i }' >in.txt
	"$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort >expected.txt
	for q in 1 4096; do
		run_to_files --queue-depth=$q --jobs=2 --batch=1K in.txt
		[[ "$status" == 0 ]] || fail "--queue-depth=$q: exit $status"
		expect_same_file expected.txt out
		expect_file err ''
	done
}

@test "--batch accepts K, M and G suffixes in either case, up to 1G" {
	"$GAWK" 'BEGIN { for (i = 0; i < 3000; i++) printf "k%d:%d\n", i % 3, i }' >in.txt
	"$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort >expected.txt
	for b in 1 100 1k 1K 2m 2M 1g 1G 1073741824 1048576K 1024M; do
		run_to_files --batch=$b --jobs=1 --queue-depth=1 in.txt
		[[ "$status" == 0 ]] || fail "--batch=$b: exit $status"
		expect_same_file expected.txt out
		expect_file err ''
	done
}

# expect_bad OPTION [EXTRA-ARG]... -- VALUE REASON [VALUE REASON]...: each
# --OPTION=VALUE (with the EXTRA-ARGs) is the usage error "invalid
# --OPTION value 'VALUE': REASON".
expect_bad() {
	local option=$1 extra=()
	shift
	while [[ $1 != -- ]]; do
		extra+=("$1")
		shift
	done
	shift
	while (($# >= 2)); do
		expect_usage_error "invalid --$option value '$1': $2" "${extra[@]}" --"$option=$1"
		shift 2
	done
}

@test "bad --jobs values are usage errors that say what is wrong" {
	expect_bad jobs -- 0 'less than 1' -1 'not a whole number' abc 'not a whole number' \
		99999999999 'more than 1024' 1025 'more than 1024' '' 'not a whole number' \
		2x 'not a whole number' 1.5 'not a whole number' 18446744073709551617 'more than 1024'
	expect_usage_error "invalid --jobs value '-1': not a whole number" -j -1
}

@test "bad --queue-depth values are usage errors that say what is wrong" {
	expect_bad queue-depth -- 0 'less than 1' -1 'not a whole number' abc 'not a whole number' \
		99999999999 'more than 4096' 4097 'more than 4096' '' 'not a whole number' \
		8q 'not a whole number'
}

@test "bad --batch values are usage errors that say what is wrong" {
	local not_size='not a size (a whole number, then K, M or G if wanted)'
	expect_bad batch -- 0 'less than 1' -1 "$not_size" abc "$not_size" \
		99999999999 'more than 1G' '' "$not_size" 2G 'more than 1G' 1025M 'more than 1G' \
		1048577K 'more than 1G' 1073741825 'more than 1G' 4X "$not_size" K "$not_size" \
		0K 'less than 1' 1KB "$not_size" 1.5M "$not_size" 17179869184G 'more than 1G'
	expect_usage_error "invalid --batch value '0': less than 1" -b 0
}

@test "bad --max-errors values are usage errors that say what is wrong" {
	expect_bad max-errors -- -1 'not a whole number' abc 'not a whole number' \
		'' 'not a whole number' 1x 'not a whole number'
}

@test "bad --value values are usage errors that say what is wrong" {
	local none='0 is no field (the first is 1, the last -1)'
	expect_bad value --key=1 -- 0 "$none" -0 "$none" --1 'not a whole number' \
		- 'not a whole number' -x 'not a whole number' 100001 'more than 100000' \
		-100001 'less than -100000' 1- 'not a whole number' \
		abc 'not a whole number' '' 'not a whole number' 2x 'not a whole number'
}

@test "bad --key lists are usage errors that say what is wrong" {
	local v not_list='not a list of field numbers from 1 to 100000 or -1 to -100000, such as 1 or 1,-1'
	for v in 0 '' -0 --1 - a '1,' ',1' '1,0' '1,-0' '1,,2' '1;2' '1,-' 100001 -100001; do
		expect_bad key --aggregate=count -- "$v" "$not_list"
	done
	expect_bad key --aggregate=count -- "$(seq -s, 65)" 'more than 64 fields'
}

@test "bad bounds are usage errors that say what is wrong with the number" {
	local opt v
	for opt in min max above below; do
		for v in x '' 1e inf 0x10 '1,5' . -; do
			expect_bad "$opt" -- "$v" 'not a number'
		done
		# 39 significant digits, and an exponent no exact value fits.
		expect_bad "$opt" -- 123456789012345678901234567890123456789 'too many digits' \
			1e400 'too many digits'
	done
}

@test "a delimiter or field separator that is not one byte is a usage error" {
	local v why='not one byte (or \t for TAB)'
	for v in '::' '' ab; do
		expect_bad delimiter -- "$v" "$why"
		expect_bad field-separator --key=1 --value=2 -- "$v" "$why"
	done
}

@test "an unknown aggregate is a usage error that lists the known operations" {
	local known='sum, count, min, max, mean, sstdev, pstdev, svar, pvar, median, q1, q3, pN, distinct'
	expect_usage_error "invalid --aggregate operation 'mode' (known: $known)" --aggregate=mode
	expect_usage_error "invalid --aggregate operation '' (known: $known)" --aggregate=
	expect_usage_error "invalid --aggregate operation 'unique' (known: $known)" --aggregate=sum,unique,count
	expect_usage_error "invalid --aggregate operation 'pN' (known: $known)" --aggregate=pN
	expect_usage_error "invalid --aggregate value '$(seq -s, 65 | sed 's/[0-9]\+/sum/g')': more than 64 operations" \
		--aggregate="$(seq -s, 65 | sed 's/[0-9]\+/sum/g')"
}

@test "a bad --key-match regular expression is a usage error showing regerror's text" {
	run_fanout --key-match='(' </dev/null
	assert_status 2
	assert_stdout ""
	[[ "${#stderr_lines[@]}" == 2 ]] || fail "expected 2 lines on stderr" "$stderr"
	[[ "${stderr_lines[0]}" == "fanout: invalid --key-match value '(': "?* ]] || fail "$stderr"
	[[ "${stderr_lines[1]}" == "$TRY" ]] || fail "$stderr"
}

@test "--ordered and --unordered are mutually exclusive" {
	expect_usage_error "--ordered and --unordered are mutually exclusive" --ordered --unordered
	expect_usage_error "--ordered and --unordered are mutually exclusive" -u -o
}

@test "--aggregate cannot be combined with --ordered or --unordered" {
	expect_usage_error "--aggregate cannot be used with --ordered or --unordered" --aggregate=sum --ordered
	expect_usage_error "--aggregate cannot be used with --ordered or --unordered" --unordered -a count
}

@test "--field-separator requires --key or --value" {
	expect_usage_error "--field-separator requires --key or --value" --field-separator=,
}

@test "--delimiter cannot be used with --key" {
	expect_usage_error "--delimiter cannot be used with --key" --delimiter=, --key=1 --value=2
}

@test "field mode needs --value for every aggregate except count, naming the first one" {
	expect_usage_error "--aggregate=sum requires --value in field mode" --key=1
	expect_usage_error "--aggregate=sum requires --value in field mode" --key=1 --aggregate=sum
	expect_usage_error "--aggregate=mean requires --value in field mode" --key=1 --aggregate=count,mean,sum
	expect_usage_error "--aggregate=max requires --value in field mode" --key=1,2 -a count,max,min
	expect_usage_error "--aggregate=min requires --value in field mode" --key=1 -a min
}

@test "field mode needs --value for bounds, naming the first of min, max, above, below" {
	expect_usage_error "--min requires --value in field mode" --key=1 --aggregate=count --below=5 --min=1
	expect_usage_error "--max requires --value in field mode" --key=1 --aggregate=count --below=5 --max=9
	expect_usage_error "--above requires --value in field mode" --key=1 --aggregate=count --below=5 --above=1
	expect_usage_error "--below requires --value in field mode" --key=1 --aggregate=count --below=5
}
