#!/usr/bin/env bats
# Input and output: files and standard input, line numbering, record
# terminators, long records, unreadable input and write errors.

load test_helper

setup() {
	common_setup
}

@test "the metrics example prints the documented totals, messages and exit status" {
	mkdir examples
	cp "$EXAMPLES_DIR/metrics.txt" examples/metrics.txt
	run_fanout --above=0 --below=1000000 examples/metrics.txt
	assert_result 1 "$(text $'errors\t4' $'latency\t239' $'users\t167')" "$(text \
		"fanout: examples/metrics.txt:2: value 0 is not above 0" \
		"fanout: examples/metrics.txt:9: missing delimiter ':'" \
		"fanout: examples/metrics.txt:10: value 99999999 is not below 1000000" \
		"fanout: 11 records read, 8 accepted, 3 rejected")"
}

@test "file names are printed as given on the command line" {
	local path="$EXAMPLES_DIR/metrics.txt"
	run_fanout --quiet "$path"
	assert_result 1 "$(text $'errors\t4' $'latency\t100000238' $'users\t167')" \
		"fanout: 11 records read, 10 accepted, 1 rejected"
	run_fanout --above=0 --below=1000000 -a count "$path"
	assert_result 1 "$(text $'errors\t2' $'latency\t2' $'users\t4')" "$(text \
		"fanout: $path:2: value 0 is not above 0" \
		"fanout: $path:9: missing delimiter ':'" \
		"fanout: $path:10: value 99999999 is not below 1000000" \
		"fanout: 11 records read, 8 accepted, 3 rejected")"
	mkdir sub
	printf 'x\n' >sub/in.txt
	run_fanout ./sub/../sub/in.txt
	assert_result 2 "" "$(text "fanout: ./sub/../sub/in.txt:1: missing delimiter ':'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "standard input is read when no file is given and is named -" {
	run_fanout < <(printf 'a:1\nb\n')
	assert_result 1 $'a\t1' "$(text "fanout: -:2: missing delimiter ':'" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "a FILE of - reads standard input between other files" {
	printf 'a:1\nbad\n' >one.txt
	printf 'x\na:10\n' >two.txt
	run_fanout one.txt - two.txt < <(printf 'a:100\nc\nb:5\n')
	assert_result 1 "$(text $'a\t111' $'b\t5')" "$(text \
		"fanout: one.txt:2: missing delimiter ':'" \
		"fanout: -:2: missing delimiter ':'" \
		"fanout: two.txt:1: missing delimiter ':'" \
		"fanout: 7 records read, 4 accepted, 3 rejected")"
}

@test "line numbers start again at 1 in each file" {
	printf 'a:1\na:2\nbad\n' >one.txt
	printf 'bad\na:3\n' >two.txt
	printf 'a:4\n' >three.txt
	run_fanout one.txt two.txt three.txt one.txt
	assert_result 1 $'a\t13' "$(text \
		"fanout: one.txt:3: missing delimiter ':'" \
		"fanout: two.txt:1: missing delimiter ':'" \
		"fanout: one.txt:3: missing delimiter ':'" \
		"fanout: 9 records read, 6 accepted, 3 rejected")"
}

@test "a file without a final newline does not join its last record to the next file" {
	printf 'a:1\na:2' >one.txt
	printf 'a:3\n' >two.txt
	run_fanout one.txt two.txt
	assert_result 0 $'a\t6' ""
}

@test "an empty file among others contributes nothing" {
	printf 'a:1\n' >one.txt
	: >empty.txt
	printf 'bad\n' >two.txt
	run_fanout one.txt empty.txt two.txt
	assert_result 1 $'a\t1' "$(text "fanout: two.txt:1: missing delimiter ':'" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "empty standard input prints nothing and exits 0" {
	run_fanout </dev/null
	assert_result 0 "" ""
}

@test "a single empty line is one record, skipped as blank" {
	run_fanout --stats < <(printf '\n')
	assert_status 0
	assert_stdout ""
	[[ ${stderr_lines[0]} == "fanout: stats: 1 records read, 0 accepted, 0 rejected, 1 skipped" ]] ||
		fail "stderr: $stderr"
}

@test "a final record without a newline counts" {
	printf 'a:1\nb:2' >in.txt
	run_fanout -a count in.txt
	assert_result 0 "$(text $'a\t1' $'b\t1')" ""
	printf 'a:1\nbad' >in.txt
	run_fanout in.txt
	assert_result 1 $'a\t1' "$(text "fanout: in.txt:2: missing delimiter ':'" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "a missing file is reported and nothing is read or written" {
	printf 'a:1\nbad\n' >good.txt
	run_fanout good.txt nope.txt
	assert_result 2 "" "fanout: nope.txt: No such file or directory"
}

@test "standard input is not read when a later file cannot be opened" {
	run_fanout - nope.txt < <(printf 'bad\na:1\n')
	assert_result 2 "" "fanout: nope.txt: No such file or directory"
}

@test "every file that cannot be opened is reported" {
	printf 'a:1\n' >good.txt
	run_fanout nope1.txt good.txt nope2.txt
	assert_result 2 "" "$(text "fanout: nope1.txt: No such file or directory" \
		"fanout: nope2.txt: No such file or directory")"
}

@test "a missing file in ordered mode writes nothing to stdout" {
	printf 'a:1\nb:2\n' >good.txt
	run_fanout --ordered good.txt nope.txt
	assert_result 2 "" "fanout: nope.txt: No such file or directory"
}

@test "a directory as input is an error" {
	mkdir dir
	run_fanout dir
	assert_result 2 "" "fanout: dir: Is a directory"
}

@test "a directory after a good file is an error and no totals are printed" {
	mkdir dir
	printf 'a:1\n' >good.txt
	run_fanout good.txt dir
	assert_result 2 "" "fanout: dir: Is a directory"
}

@test "a write error on stdout is reported: fanout: write error: No space left on device" {
	printf 'a:1\nb:2\n' >in.txt
	to_full() { "$FANOUT" "$@" >/dev/full; }
	run_exact to_full in.txt
	assert_result 2 "" "$(text "fanout: write error: No space left on device" \
		"fanout: 2 records read, 2 accepted, 0 rejected; 0 bytes of output written")"
}

@test "a write error in ordered mode is reported" {
	"$GAWK" 'BEGIN { for (i = 0; i < 100000; i++) printf "k%d:%d\n", i % 10, i }' >in.txt
	to_full() { "$FANOUT" "$@" >/dev/full; }
	run_exact to_full --ordered in.txt
	[[ "$status" == 2 ]]
	[[ "${stderr_lines[0]}" == "fanout: write error: No space left on device" ]]
	# The ordered writer stops at the first failed write, so the summary
	# counts some records but reports that no output was written.
	[[ "${stderr_lines[1]}" =~ ^fanout:\ ([0-9]+)\ records\ read,\ ([0-9]+)\ accepted,\ 0\ rejected\;\ 0\ bytes\ of\ output\ written$ ]]
	[[ "${BASH_REMATCH[1]}" == "${BASH_REMATCH[2]}" ]]
	[[ "${#stderr_lines[@]}" == 2 ]]
}

@test "CRLF input: the CR is not part of the value" {
	printf 'a:1\r\na:2.5\r\nb: 3 \r\nb:4\r' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'a\t3.5' $'b\t7')" ""
}

@test "CRLF input: messages do not show the final CR, but an inner CR is part of the value" {
	printf 'a:x\r\nb:\r\nc:5\r5\r\nnodelim\r\n' >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: invalid number 'x'" \
		"fanout: in.txt:2: missing value" \
		"fanout: in.txt:3: invalid number '5\\x0d5'" \
		"fanout: in.txt:4: missing delimiter ':'" \
		"fanout: no record accepted" \
		"fanout: 4 records read, 0 accepted, 4 rejected; 0 bytes of output written")"
}

@test "--null-data: records end at NUL and newlines are ordinary bytes" {
	printf 'a:1\0b:2\0a:3\0x\ny:4\0' >in.txt
	run_to_files --null-data in.txt
	[[ "$status" == 0 ]]
	expect_file out 'a\t4\nb\t2\nx\ny\t4\n'
	expect_file err ''
}

@test "--null-data: a CR is part of the record and line numbers count NUL-terminated records" {
	printf 'a:1\0a:2\r\0\r\0b:3' >in.txt
	run_fanout -z in.txt
	assert_result 1 "$(text $'a\t1' $'b\t3')" "$(text "fanout: in.txt:2: invalid number '2\\x0d'" \
		"fanout: in.txt:3: missing delimiter ':'" \
		"fanout: 4 records read, 2 accepted, 2 rejected")"
}

@test "--null-data: a newline inside a value makes it invalid" {
	printf 'a:1\n2\0' >in.txt
	run_fanout -z in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: invalid number '1\\x0a2'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
}

@test "a 10 KB key with --batch=16 is aggregated whole" {
	local big
	big=$(repeat_char k 10240)
	printf 'a:1\n%s:5\nb:2\n%s:1\nz:3' "$big" "$big" >in.txt
	run_to_files --batch=16 in.txt
	[[ "$status" == 0 ]]
	expect_file out 'a\t1\nb\t2\n%s\t6\nz\t3\n' "$big"
	expect_file err ''
}

@test "a rejected 10 KB record with --batch=16 is reported once and written whole to the rejects file" {
	local big
	big=$(repeat_char r 10240)
	printf 'a:1\n%s\na:2\n' "$big" >in.txt
	run_to_files --batch=16 --jobs=2 --rejects=rej.txt in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a\t3\n'
	expect_file rej.txt '%s\n' "$big"
	expect_file err '%s\n' "fanout: in.txt:2: missing delimiter ':'" "fanout: 3 records read, 2 accepted, 1 rejected"
}

@test "records spanning block boundaries are not split, whatever --batch (checked with awk)" {
	"$GAWK" 'BEGIN { srand(9); for (i = 1; i <= 300; i++) { k = ""; n = int(rand() * 40); for (j = 0; j < n; j++) k = k "x"; printf "%s%d:%d\n", k, i % 5, i } }' >in.txt
	"$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort >expected.txt
	for b in 1 2 3 7 16 100 1K; do
		run_to_files --batch=$b --jobs=2 in.txt
		[[ "$status" == 0 ]] || fail "--batch=$b: exit $status"
		expect_same_file expected.txt out
		expect_file err ''
	done
}

@test "a 3 MB line with the default block size is aggregated whole" {
	"$GAWK" 'BEGIN { s = "m"; while (length(s) < 3145728) s = s s; s = substr(s, 1, 3145728); printf "a:1\n%s:7\nb:2\n", s; printf "%s:-2\n", s }' >in.txt
	"$GAWK" 'BEGIN { s = "m"; while (length(s) < 3145728) s = s s; s = substr(s, 1, 3145728); printf "a\t1\nb\t2\n%s\t5\n", s }' >expected.txt
	run_to_files in.txt
	[[ "$status" == 0 ]]
	expect_same_file expected.txt out
	expect_file err ''
}

@test "a 3 MB line passes through --ordered unchanged" {
	"$GAWK" 'BEGIN { s = "m"; while (length(s) < 3145728) s = s s; s = substr(s, 1, 3145728); printf "a:1\n%s:7\nb:2\n", s }' >in.txt
	run_to_files --ordered in.txt
	[[ "$status" == 0 ]]
	expect_same_file in.txt out
	expect_file err ''
}

@test "aggregate lines end with a newline even with --null-data" {
	printf 'k:1\0k:2' >in.txt
	run_to_files -z in.txt
	[[ "$status" == 0 ]]
	expect_file out 'k\t3\n'
}

# --- regular files cut into blocks by the producer and read by the workers

# Lines of 1 byte to 20 KB, some longer than the 4 KiB in which the end of
# a cut block is looked for, so that cutting gives way to reading in order.
make_mixed_lengths() {
	"$GAWK" 'BEGIN {
		srand(17)
		for (i = 1; i <= 3000; i++) {
			r = rand()
			n = r < 0.02 ? 4000 + int(rand() * 16000) : int(rand() * 60)
			k = sprintf("%*s", n, ""); gsub(/ /, "q", k)
			if (rand() < 0.05) printf "%s\n", k        # rejected: no value
			else printf "%s%d:%d\n", k, i % 13, i
		}
	}' >in.txt
}

@test "cut files: records of any length across block ends, checked with awk and cmp" {
	make_mixed_lengths
	"$GAWK" -F: 'NF == 2 { s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt |
		LC_ALL=C sort >expected.txt
	grep ':' in.txt >expected-ordered.txt
	for b in 1 100 4K 5000 16K 64K 1M; do
		for jobs in 1 2 3; do
			run_to_files --quiet --batch=$b --jobs=$jobs in.txt
			[[ "$status" == 1 ]] || fail "--batch=$b --jobs=$jobs: exit $status: $(cat err)"
			expect_same_file expected.txt out
			run_to_files --quiet --ordered --batch=$b --jobs=$jobs in.txt
			expect_same_file expected-ordered.txt out
		done
	done
}

@test "cut files: line numbers of rejections are those awk counts, whatever --batch" {
	make_mixed_lengths
	"$GAWK" '!/:/ && !/^$/ { printf "fanout: in.txt:%d: missing delimiter '"':'"'\n", NR }' in.txt >expected.txt
	for b in 100 5000 64K; do
		run_to_files --batch=$b --jobs=2 in.txt
		grep -v 'records read' err >messages.txt
		expect_same_file expected.txt messages.txt
	done
}

@test "cut files: standard input already partly read starts where it was left" {
	make_mixed_lengths
	# The shell's read leaves standard input just after the first line.
	partly_read() { { read -r _ && "$FANOUT" --ordered --quiet --batch=4K --jobs=2 ; } <in.txt; }
	status=0
	partly_read >out 2>err || status=$?
	[[ "$status" == 1 ]] || fail "exit $status: $(cat err)"
	tail -n +2 in.txt | grep ':' >expected.txt
	expect_same_file expected.txt out
}

# A read error or a file cut short at byte N, wherever N falls: in the
# part of a block the producer looks at, in a block a worker reads, in
# the end of the file (the last block and a little more) read in order,
# or in a pipe.  Every time the output
# is a prefix of whole records ending before byte N, and the summary
# counts exactly those.
expect_stops_before() {
	local n=$1 message=$2 size lines
	[[ "$status" == 2 ]] || fail "N=$n: exit status $status: $(cat err)"
	size=$(stat -c %s out)
	lines=$(wc -l <out)
	((size <= n)) || fail "N=$n: $size bytes written"
	cmp -s out <(head -c "$size" big.txt) || fail "N=$n: output is not a prefix of the input"
	[[ $size == 0 || "$(tail -c 1 out | od -An -c | tr -d ' ')" == '\n' ]] || fail "N=$n: output ends inside a record"
	expect_file err '%s\n' "fanout: $3: read error: $message" \
		"fanout: $lines records read, $lines accepted, 0 rejected; $size bytes of output written"
}

@test "cut files: a read error anywhere stops at a whole record before it, for any --jobs" {
	"$GAWK" 'BEGIN { for (i = 1; i <= 300000; i++) printf "k%d:%d\n", i % 7, i }' >big.txt
	for n in 0 63000 131000 1000000 $(($(stat -c %s big.txt) - 1000)); do
		for jobs in 1 2 3; do
			status=0
			env FANOUT_FAIL_READ_AT=$n "$FANOUT_FAULTS" --ordered --batch=64K --jobs=$jobs big.txt >out 2>err || status=$?
			expect_stops_before $n "Input/output error" big.txt
			status=0
			env FANOUT_FAIL_READ_AT=$n "$FANOUT_FAULTS" --ordered --batch=64K --jobs=$jobs - <big.txt >out 2>err || status=$?
			expect_stops_before $n "Input/output error" -
		done
	done
	status=0
	cat big.txt | env FANOUT_FAIL_READ_AT=1000000 "$FANOUT_FAULTS" --ordered --batch=64K >out 2>err || status=$?
	expect_stops_before 1000000 "Input/output error" -
}

@test "cut files: a file that shrinks while it is read is an error, not a shorter input" {
	"$GAWK" 'BEGIN { for (i = 1; i <= 300000; i++) printf "k%d:%d\n", i % 7, i }' >big.txt
	for n in 0 63000 131000 1000000 $(($(stat -c %s big.txt) - 1000)); do
		for jobs in 1 2; do
			status=0
			env FANOUT_SHRINK_AT=$n "$FANOUT_FAULTS" --ordered --batch=64K --jobs=$jobs big.txt >out 2>err || status=$?
			expect_stops_before $n "the file shrank while it was read" big.txt
		done
	done
	# Cut short where it ends anyway, or past that, nothing is missing.
	for n in $(stat -c %s big.txt) 9999999999; do
		status=0
		env FANOUT_SHRINK_AT=$n "$FANOUT_FAULTS" --ordered --batch=64K big.txt >out 2>err || status=$?
		[[ "$status" == 0 ]] || fail "N=$n: exit status $status: $(cat err)"
		expect_same_file big.txt out
		expect_file err ''
	done
}
