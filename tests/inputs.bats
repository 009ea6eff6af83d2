#!/usr/bin/env bats
# Inputs and outputs that are the same file, and inputs that are not what
# they were: an input that is the rejects file or standard output is
# refused before anything is written; a file that shrinks or is rewritten
# after it was opened is an error; named pipes are opened one at a time,
# when their turn comes; a closed standard input is an error; file names
# in messages are escaped; the share of the input read is never made up.
#
# Every background process is waited for with a bounded timeout and
# ended by teardown if a test fails first.

load test_helper

setup() {
	common_setup
	bg_pids=()
}

teardown() {
	local pid fifo fd
	for pid in "${bg_pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	# A writer still waiting to open a named pipe gets a reader that goes
	# away at once, and ends.
	for fifo in "$BATS_TEST_TMPDIR"/*; do
		if [[ -p $fifo ]]; then
			exec {fd}<>"$fifo"
			exec {fd}>&-
		fi
	done
	return 0
}

# start_bg IN COMMAND...: runs COMMAND in the background, with standard
# input from IN, standard output in out and standard error in err; its PID
# is $bg_pid.
start_bg() {
	local in=$1
	shift
	"$@" <"$in" >out 2>err 3>&- &
	bg_pid=$!
	bg_pids+=("$bg_pid")
}

# wait_bg: waits (at most 30 s) for the process start_bg started; its exit
# status is $status.
wait_bg() {
	timeout 30 tail -s 0.02 --pid="$bg_pid" -f /dev/null ||
		fail "process $bg_pid did not end within 30 s"
	status=0
	wait "$bg_pid" || status=$?
}

# has_open PID FILE: process PID holds FILE open.
has_open() {
	local fd target
	target=$(readlink -f "$2")
	for fd in /proc/"$1"/fd/*; do
		[[ $(readlink "$fd" 2>/dev/null) == "$target" ]] && return 0
	done
	return 1
}

# opening_fifo PID: a thread of process PID waits in open(2) for the other
# end of a named pipe.
opening_fifo() {
	grep -qx wait_for_partner /proc/"$1"/task/*/wchan 2>/dev/null
}

# --- inputs and outputs that are the same file

@test "--rejects naming an input by any path is refused, and the input is left as it was" {
	printf 'a:1\nbad\nb:2\n' >in.txt
	mkdir sub
	ln in.txt hard.txt
	ln -s in.txt soft.txt
	for path in in.txt ./in.txt sub/../in.txt hard.txt soft.txt "$PWD/in.txt"; do
		run_fanout --rejects="$path" in.txt
		assert_result 2 "" "fanout: in.txt: input file is the rejects file"
		expect_file in.txt 'a:1\nbad\nb:2\n'
	done
	# Every input is checked; the others are not the rejects file.
	printf 'c:3\n' >other.txt
	run_fanout -o -r soft.txt other.txt hard.txt - <in.txt
	assert_result 2 "" "$(text "fanout: hard.txt: input file is the rejects file" \
		"fanout: -: input file is the rejects file")"
	expect_file in.txt 'a:1\nbad\nb:2\n'
}

@test "an input that is standard output is refused at once, whether written or appended to" {
	# More than the output buffer holds, so that output is written while
	# the input is still read.
	"$GAWK" 'BEGIN { for (i = 0; i < 100000; i++) printf "k:%d\n", i }' >log
	cp log log.orig
	# Were it read, its own output would feed it for ever: the size limit
	# stops such a run at 4 MB rather than fill the disk.
	limited() { (ulimit -f 4096 && exec timeout 20 "$FANOUT" "$@") 2>err; }
	status=0
	limited -o log >>log || status=$?
	[[ $status == 2 ]] || fail "exit status $status: $(head -3 err)"
	expect_file err 'fanout: log: input file is standard output\n'
	expect_same_file log.orig log
	status=0
	limited log >>log || status=$?
	[[ $status == 2 ]] || fail "exit status $status: $(head -3 err)"
	expect_file err 'fanout: log: input file is standard output\n'
	status=0
	limited -u - <log 1<>log || status=$?
	[[ $status == 2 ]] || fail "exit status $status: $(head -3 err)"
	expect_file err 'fanout: -: input file is standard output\n'
	expect_same_file log.orig log
}

@test "a rejects file that is standard output is refused before anything is written" {
	printf 'a:1\nbad\nb:2\n' >in.txt
	printf 'old\n' >out.txt
	status=0
	"$FANOUT" -o -r out.txt in.txt >>out.txt 2>err || status=$?
	[[ $status == 2 ]] || fail "exit status $status: $(cat err)"
	expect_file err 'fanout: out.txt: rejects file is standard output\n'
	expect_file out.txt 'old\n'
}

@test "--rejects=- is a usage error, and ./- names a file called -" {
	printf 'a:1\nbad\n' >in.txt
	expect_usage_error "invalid --rejects value '-': use ./- for a file named -" --rejects=- in.txt
	expect_usage_error "invalid --rejects value '-': use ./- for a file named -" -r - in.txt
	run_fanout -r ./- in.txt
	assert_result 1 $'a\t1' "$(text "fanout: in.txt:2: missing delimiter ':'" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
	expect_file ./- 'bad\n'
}

# --- files that change after they were opened

@test "a file that shrinks after it was opened, before it is read, is an error" {
	"$GAWK" 'BEGIN { for (i = 0; i < 1000; i++) print "k:1" }' >b.txt
	mkfifo gate
	# fanout opens b.txt at once, then waits for standard input.
	start_bg gate "$FANOUT" - b.txt
	exec {gate_fd}>gate
	wait_for "b.txt to be opened" has_open "$bg_pid" b.txt
	truncate -s 400 b.txt
	printf 'a:1\n' >&"$gate_fd"
	exec {gate_fd}>&-
	wait_bg
	[[ $status == 2 ]] || fail "exit status $status: $(cat err)"
	expect_file out ''
	expect_file err '%s\n' "fanout: b.txt: read error: the file shrank while it was read" \
		"fanout: 1 records read, 1 accepted, 0 rejected; 0 bytes of output written"
}

@test "a large file that shrinks before it is read stops at a whole record, whatever --jobs" {
	"$GAWK" 'BEGIN { for (i = 0; i < 20000; i++) printf "k%d:%d\n", i % 5, i }' >b.txt
	for jobs in 1 3; do
		cp b.txt c.txt
		mkfifo gate
		start_bg gate "$FANOUT" --ordered --batch=1K --jobs=$jobs - c.txt
		exec {gate_fd}>gate
		wait_for "c.txt to be opened" has_open "$bg_pid" c.txt
		truncate -s 50000 c.txt
		exec {gate_fd}>&-
		wait_bg
		rm gate
		[[ $status == 2 ]] || fail "--jobs=$jobs: exit status $status: $(cat err)"
		local size lines
		size=$(stat -c %s out)
		lines=$(wc -l <out)
		((size <= 50000)) || fail "--jobs=$jobs: $size bytes written"
		cmp -s out <(head -c "$size" b.txt) || fail "--jobs=$jobs: output is not a prefix of the input"
		expect_file err '%s\n' "fanout: c.txt: read error: the file shrank while it was read" \
			"fanout: $lines records read, $lines accepted, 0 rejected; $size bytes of output written"
	done
}

# FANOUT_CHANGE_AT=N (the fault-injection build): the workers read every
# input as if a byte had been inserted at byte N after the producer cut
# it, so each block that ends after N no longer ends where its cut found
# a newline.
@test "a file rewritten while it is read is an error at the first block cut before the change" {
	"$GAWK" 'BEGIN { for (i = 1; i <= 300000; i++) printf "k%d:%d\n", i % 7, i }' >big.txt
	for n in 1 63000 131000 1000000; do
		for jobs in 1 2; do
			status=0
			env FANOUT_CHANGE_AT=$n "$FANOUT_FAULTS" --ordered --batch=64K --jobs=$jobs big.txt >out 2>err || status=$?
			[[ $status == 2 ]] || fail "N=$n --jobs=$jobs: exit status $status: $(head -3 err)"
			local size lines
			size=$(stat -c %s out)
			lines=$(wc -l <out)
			((size <= n)) || fail "N=$n: $size bytes written"
			cmp -s out <(head -c "$size" big.txt) || fail "N=$n: output is not a prefix of the input"
			expect_file err '%s\n' "fanout: big.txt: read error: the file changed while it was read" \
				"fanout: $lines records read, $lines accepted, 0 rejected; $size bytes of output written"
		done
	done
	# Totals: none, rather than sums of torn records.
	status=0
	env FANOUT_CHANGE_AT=100000 "$FANOUT_FAULTS" --batch=64K big.txt >out 2>err || status=$?
	[[ $status == 2 ]] || fail "aggregate: exit status $status: $(head -3 err)"
	expect_file out ''
	[[ $(head -1 err) == "fanout: big.txt: read error: the file changed while it was read" ]] ||
		fail "$(cat err)"
}

# --- named pipes

# read_pipes_in_turn A B [OPTION]...: fanout OPTIONs reads the named
# pipes a and b, into which the files A and B are written one after the
# other, and prints expected.txt.  A holds more than a pipe does, so its
# writer ends, and b's starts, only once fanout has read a.
read_pipes_in_turn() {
	local first=$1 second=$2
	shift 2
	[[ $(wc -c <"$first") -gt 1048576 ]] || fail "$first is smaller than a pipe holds"
	mkfifo a b
	(cat "$first" >a && cat "$second" >b) 3>&- &
	bg_pids+=($!)
	status=0
	timeout 30 "$FANOUT" "$@" a b >out 2>err || status=$?
	[[ $status == 0 ]] || fail "exit status $status: $(cat err)"
	expect_same_file expected.txt out
	expect_file err ''
}

@test "named pipes written one after another are read one after another" {
	"$GAWK" 'BEGIN { for (i = 0; i < 800000; i++) printf "a%d:%d\n", i % 3, i % 10 }' >a.txt
	printf 'b:2\nb:5\n' >b.txt
	"$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' a.txt b.txt |
		LC_ALL=C sort >expected.txt
	read_pipes_in_turn a.txt b.txt
}

@test "a missing input or a directory after a named pipe is reported at once" {
	mkfifo f
	mkdir dir
	run_exact timeout 30 "$FANOUT" f missing.txt dir
	assert_result 2 "" "$(text "fanout: missing.txt: No such file or directory" \
		"fanout: dir: Is a directory")"
	run_exact timeout 30 "$FANOUT" f missing.txt --rejects=rej.txt
	assert_result 2 "" "fanout: missing.txt: No such file or directory"
	[[ ! -e rej.txt ]] || fail "the rejects file was created"
}

# signalled_while_opening NAME STATUS: fanout waits to open a named pipe
# that no one writes, and signal NAME stops it.
signalled_while_opening() {
	mkfifo f
	start_bg /dev/null env --default-signal="$1" "$FANOUT" f
	wait_for "fanout to open f" opening_fifo "$bg_pid"
	kill -s "$1" "$bg_pid"
	wait_bg
	[[ $status == "$2" ]] || fail "exit status: expected $2, got $status: $(cat err)"
	expect_file out ''
	expect_file err '%s\n' "fanout: stopped by SIG$1" \
		"fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written"
}

@test "SIGTERM while a named pipe is being opened: stopped by SIGTERM, status 143" {
	signalled_while_opening TERM 143
}

@test "SIGINT while a named pipe is being opened: stopped by SIGINT, status 130" {
	signalled_while_opening INT 130
}

@test "--merge reads named pipes written one after another, one after another" {
	"$GAWK" 'BEGIN { for (i = 0; i < 40000; i++) printf "a%d:%d\n", i, i % 10 }' >a.txt
	printf 'b:2\nb:5\n' >b.txt
	"$FANOUT" --partial a.txt >a.partial
	"$FANOUT" --partial b.txt >b.partial
	"$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' a.txt b.txt |
		LC_ALL=C sort >expected.txt
	read_pipes_in_turn a.partial b.partial --merge
}

@test "SIGTERM while --merge waits to open a named pipe: stopped by SIGTERM, status 143" {
	printf 'a:1\n' | "$FANOUT" --partial >p.partial
	mkfifo f
	start_bg /dev/null env --default-signal=TERM "$FANOUT" --merge p.partial f
	wait_for "fanout to open f" opening_fifo "$bg_pid"
	kill -s TERM "$bg_pid"
	wait_bg
	[[ $status == 143 ]] || fail "exit status: expected 143, got $status: $(cat err)"
	expect_file out ''
	expect_file err '%s\n' "fanout: stopped by SIGTERM"
}

# --- standard input

@test "a closed standard input is a bad descriptor, not an empty input" {
	printf 'a:1\n' >in.txt
	run_exact "$FANOUT" <&-
	assert_result 2 "" "fanout: -: Bad file descriptor"
	run_exact "$FANOUT" -o in.txt - <&-
	assert_result 2 "" "fanout: -: Bad file descriptor"
	run_exact "$FANOUT" --merge <&-
	assert_result 2 "" "fanout: -: Bad file descriptor"
	# Not read, not missed.
	run_exact "$FANOUT" in.txt <&-
	assert_result 0 $'a\t1' ""
}

# --- names in messages

@test "file names in messages are escaped like excerpts, so that none can forge a line" {
	local evil=$'x\nfanout: all good' shown='x\x0afanout: all good'
	printf 'bad\n' >"$evil"
	run_fanout "$evil"
	assert_result 2 "" "$(text "fanout: $shown:1: missing delimiter ':'" \
		"fanout: no record accepted" \
		"fanout: 1 records read, 0 accepted, 1 rejected; 0 bytes of output written")"
	run_fanout "$evil" $'no\tsuch\\file'
	assert_result 2 "" 'fanout: no\x09such\\file: No such file or directory'
	run_fanout -r $'nodir\e[2J/rej.txt' "$evil"
	assert_result 2 "" 'fanout: nodir\x1b[2J/rej.txt: No such file or directory'
	run_fanout -r "$evil" "$evil"
	assert_result 2 "" "fanout: $shown: input file is the rejects file"
	run_fanout --merge "$evil"
	assert_result 2 "" "fanout: $shown:1: malformed partial line: no checksum"
	env FANOUT_FAIL_READ_AT=0 "$FANOUT_FAULTS" "$evil" >out 2>err && fail "a read error went unnoticed"
	expect_file err '%s\n' "fanout: $shown: read error: Input/output error" \
		"fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written"
}

# --- the share of the input read

@test "--stats counts standard input given twice once, and knows no size for /proc files" {
	printf 'a:1\nb:2\n' >in.txt
	run_fanout --stats - - <in.txt
	assert_status 0
	[[ "${stderr_lines[1]}" == "fanout: stats: 8 bytes read of 8 (100.0%)" ]] || fail "$stderr"
	run_fanout --stats in.txt - in.txt <in.txt
	[[ "${stderr_lines[1]}" == "fanout: stats: 24 bytes read of 24 (100.0%)" ]] || fail "$stderr"
	# /proc/version says it holds 0 bytes, and does not.
	local size
	size=$(wc -c </proc/version)
	((size > 0))
	run_fanout --stats -q /proc/version
	[[ $'\n'$stderr == *$'\n'"fanout: stats: $size bytes read"$'\n'* ]] || fail "$stderr"
	run_fanout --stats -q in.txt /proc/version
	[[ $'\n'$stderr == *$'\n'"fanout: stats: $((size + 8)) bytes read"$'\n'* ]] || fail "$stderr"
}
