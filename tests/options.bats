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

@test "bad --jobs values are usage errors" {
	for v in 0 -1 abc 99999999999 1025 '' 2x 1.5 18446744073709551617; do
		expect_usage_error "invalid --jobs value '$v'" --jobs="$v"
	done
	expect_usage_error "invalid --jobs value '-1'" -j -1
}

@test "bad --queue-depth values are usage errors" {
	for v in 0 -1 abc 99999999999 4097 '' 8q; do
		expect_usage_error "invalid --queue-depth value '$v'" --queue-depth="$v"
	done
}

@test "bad --batch values are usage errors" {
	for v in 0 -1 abc 99999999999 '' 2G 1025M 1048577K 1073741825 4X K 0K 1KB 1.5M 17179869184G; do
		expect_usage_error "invalid --batch value '$v'" --batch="$v"
	done
	expect_usage_error "invalid --batch value '0'" -b 0
}

@test "bad --max-errors values are usage errors" {
	for v in -1 abc '' 1x; do
		expect_usage_error "invalid --max-errors value '$v'" --max-errors="$v"
	done
}

@test "bad --value values are usage errors" {
	for v in 0 -1 abc '' 2x; do
		expect_usage_error "invalid --value value '$v'" --key=1 --value="$v"
	done
}

@test "bad --key lists are usage errors" {
	for v in 0 '' -1 a '1,' ',1' '1,0' '1,,2' '1;2'; do
		expect_usage_error "invalid --key value '$v'" --key="$v" --aggregate=count
	done
}

@test "bad bounds are usage errors" {
	local opt v
	for opt in min max above below; do
		for v in x '' 1e inf 0x10 '1,5' . -; do
			expect_usage_error "invalid --$opt value '$v'" --$opt="$v"
		done
	done
}

@test "a delimiter or field separator that is not one byte is a usage error" {
	for v in '::' '' ab; do
		expect_usage_error "invalid --delimiter value '$v'" --delimiter="$v"
		expect_usage_error "invalid --field-separator value '$v'" --key=1 --value=2 --field-separator="$v"
	done
}

@test "an unknown aggregate is a usage error" {
	expect_usage_error "invalid --aggregate value 'median'" --aggregate=median
	expect_usage_error "invalid --aggregate value ''" --aggregate=
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

@test "--value and --field-separator require --key" {
	expect_usage_error "--value requires --key" --value=2
	expect_usage_error "--field-separator requires --key" --field-separator=,
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
