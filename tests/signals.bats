#!/usr/bin/env bats
# Signals: SIGINT, SIGTERM and SIGHUP stop fanout with a message and the
# trouble summary, and fanout dies by the signal (status 128+n), whether it
# is waiting for input, busy, or blocked on a stalled reader; a signal the
# parent ignored stays ignored; a reader that goes away ends fanout quietly
# by SIGPIPE.
#
# fanout runs in the background through ./launch-fanout, which records its
# PID in fanout.pid, its standard error in err and its exit status in
# fanout.status.  Every wait is bounded with timeout(1), so a fanout that
# does not stop fails the test instead of hanging it.

load test_helper

setup() {
	common_setup
	# Background jobs of a non-interactive shell start with SIGINT ignored,
	# and the tests themselves may run under nohup (SIGHUP ignored), both
	# of which fanout would (rightly) keep ignoring, so the launcher
	# restores the default for the signals listed in $DEFAULT_SIGNALS
	# (SIGINT, SIGTERM and SIGHUP unless the test says otherwise).
	cat >launch-fanout <<-'EOF'
		#!/bin/bash
		# launch-fanout ARGS: run fanout ARGS with standard error in err;
		# its PID goes to fanout.pid and its exit status to fanout.status.
		# (The shell's own notes, such as "Hangup", go to launcher.err.)
		exec 2>>launcher.err
		(
			echo "$BASHPID" >fanout.pid.tmp
			mv fanout.pid.tmp fanout.pid
			exec env ${DEFAULT_SIGNALS:+--default-signal=$DEFAULT_SIGNALS} \
				"$FANOUT" "$@" 2>err
		)
		echo $? >fanout.status.tmp
		mv fanout.status.tmp fanout.status
	EOF
	# hold: an input that never ends and never writes (its PID is kept so
	# that teardown can end it).
	cat >hold <<-'EOF'
		#!/bin/sh
		echo $$ >>held.pids
		exec sleep 100
	EOF
	# stalled-reader: reads nothing until the file go exists, then copies
	# everything to recv.
	cat >stalled-reader <<-'EOF'
		#!/bin/sh
		while [ ! -e go ]; do sleep 0.02; done
		exec cat >recv
	EOF
	chmod +x launch-fanout hold stalled-reader
	export DEFAULT_SIGNALS=INT,TERM,HUP
}

teardown() {
	local pid
	# Let a stalled reader drain, end the never-ending inputs, and make sure
	# no fanout of this test outlives it (only if the test failed).
	: >go
	if [[ -s fanout.pid ]] && [[ ! -e fanout.status ]]; then
		pid=$(<fanout.pid)
		[[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$FANOUT")"* ]] &&
			kill -KILL "$pid" 2>/dev/null
	fi
	if [[ -s held.pids ]]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null || true
		done <held.pids
	fi
	if [[ -n "${bg_pid:-}" ]]; then
		timeout 10 tail -s 0.02 --pid="$bg_pid" -f /dev/null || true
	fi
	return 0
}

# start_bg SCRIPT: run the bash SCRIPT in the background in the test
# directory, then wait until fanout (started in it by ./launch-fanout) is
# running and has had time to settle.
start_bg() {
	bash -c "$1" 2>bg.err 3>&- &
	bg_pid=$!
	local exe
	exe=$(readlink -f "$FANOUT")
	timeout 10 bash -c 'until [[ -s fanout.pid ]] &&
		[[ $(readlink "/proc/$(<fanout.pid)/exe") == "$1"* ]]; do sleep 0.02; done' _ "$exe" ||
		fail "fanout did not start"
	fanout_pid=$(<fanout.pid)
	# Time to get going, even in a slow sanitizer build.
	sleep 1
}

# stop_with SIG: send SIG to fanout and wait (at most 10 s) until it has
# ended; $status is its exit status.  fanout notices a signal within about
# 0.1 s; more than 2 s (a generous allowance for a loaded machine) fails.
stop_with() {
	local rc=0 start=$EPOCHREALTIME
	kill -s "$1" "$fanout_pid"
	timeout 10 bash -c 'until [[ -e fanout.status ]]; do sleep 0.02; done' || rc=$?
	[[ $rc != 124 ]] || fail "fanout did not end within 10 s of SIG$1"
	local ms=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000))
	((ms < 2000)) || fail "fanout took $ms ms to stop after SIG$1"
	status=$(<fanout.status)
}

# wait_bg: wait (at most 10 s) for the whole background script to end.
wait_bg() {
	local rc=0
	timeout 10 tail -s 0.02 --pid="$bg_pid" -f /dev/null || rc=$?
	[[ $rc != 124 ]] || fail "the pipeline did not end within 10 s"
	wait "$bg_pid" || true
	bg_pid=
}

# expect_stopped NAME: fanout's standard error (the file err) is exactly
# "fanout: stopped by SIGNAME" then the trouble summary, whose counts add up
# (read = accepted + rejected); sets $summary_read and $summary_bytes.
expect_stopped() {
	local -a e
	mapfile -t e <err
	[[ ${#e[@]} == 2 ]] || fail "expected 2 lines on stderr, got ${#e[@]}:" "${e[@]}"
	[[ "${e[0]}" == "fanout: stopped by SIG$1" ]] || fail "first stderr line: ${e[0]}"
	[[ "${e[1]}" =~ ^fanout:\ ([0-9]+)\ records\ read,\ ([0-9]+)\ accepted,\ ([0-9]+)\ rejected\;\ ([0-9]+)\ bytes\ of\ output\ written$ ]] ||
		fail "not a trouble summary: ${e[1]}"
	((BASH_REMATCH[1] == BASH_REMATCH[2] + BASH_REMATCH[3])) ||
		fail "read != accepted + rejected: ${e[1]}"
	[[ $(tail -c 1 err) == "" ]] || fail "stderr does not end with a newline"
	summary_read=${BASH_REMATCH[1]}
	summary_bytes=${BASH_REMATCH[4]}
}

# expect_prefix_of_yes FILE: FILE is a byte prefix of what `yes k:1` writes,
# that is, of the output of an uninterrupted `fanout -o` over it.
expect_prefix_of_yes() {
	local size
	size=$(stat -c %s "$1")
	cmp -s "$1" <(yes k:1 | head -c "$size") ||
		fail "$1 ($size bytes) is not a prefix of the uninterrupted output"
}

# --- waiting for input that never comes

# stopped_while_reading NAME STATUS [OPTION]: `hold | fanout OPTION`, then
# signal NAME: nothing was read, nothing written.
stopped_while_reading() {
	start_bg "./hold | ./launch-fanout $3 >out"
	stop_with "$1"
	[[ "$status" == "$2" ]] || fail "exit status: expected $2, got $status"
	expect_stopped "$1"
	[[ "$(sed -n 2p err)" == "fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written" ]]
	expect_file out ''
}

@test "SIGINT while waiting for input: status 130, stopped by SIGINT, summary" {
	stopped_while_reading INT 130
}

@test "SIGTERM while waiting for input: status 143, stopped by SIGTERM, summary" {
	stopped_while_reading TERM 143
}

@test "SIGHUP while waiting for input: status 129, stopped by SIGHUP, summary" {
	stopped_while_reading HUP 129
}

@test "SIGTERM while waiting for input in ordered mode: nothing written" {
	stopped_while_reading TERM 143 --ordered
}

# --- busy workers, aggregate mode

# stopped_while_busy NAME STATUS: `yes k:1 | fanout` (never ends), then
# signal NAME: no totals on stdout, 0 bytes written, some records read.
stopped_while_busy() {
	start_bg "yes k:1 | ./launch-fanout --jobs=2 --batch=16K >out"
	stop_with "$1"
	[[ "$status" == "$2" ]] || fail "exit status: expected $2, got $status"
	expect_stopped "$1"
	[[ "$summary_bytes" == 0 ]]
	((summary_read > 0)) || fail "no records read in 1 s of busy input"
	[[ "$(sed -n 2p err)" == "fanout: $summary_read records read, $summary_read accepted, 0 rejected; 0 bytes of output written" ]]
	expect_file out ''
	wait_bg
}

@test "SIGINT while workers are busy: status 130, no totals on stdout" {
	stopped_while_busy INT 130
}

@test "SIGTERM while workers are busy: status 143, no totals on stdout" {
	stopped_while_busy TERM 143
}

@test "SIGHUP while workers are busy: status 129, no totals on stdout" {
	stopped_while_busy HUP 129
}

# --- busy, ordered mode into a consumer that keeps up

# stopped_while_writing NAME STATUS: `yes k:1 | fanout -o | cat >recv`,
# then signal NAME: recv is a prefix of the full output and the summary
# counts exactly the bytes cat received.
stopped_while_writing() {
	start_bg "yes k:1 | ./launch-fanout --ordered --jobs=2 --batch=16K | cat >recv"
	stop_with "$1"
	wait_bg
	[[ "$status" == "$2" ]] || fail "exit status: expected $2, got $status"
	expect_stopped "$1"
	local size
	size=$(stat -c %s recv)
	((size > 0)) || fail "nothing reached the consumer in 1 s"
	[[ "$summary_bytes" == "$size" ]] || fail "summary says $summary_bytes bytes written, the consumer got $size"
	expect_prefix_of_yes recv
}

@test "SIGINT in ordered mode: output is a prefix and the byte count is what the reader got" {
	stopped_while_writing INT 130
}

@test "SIGTERM in ordered mode: output is a prefix and the byte count is what the reader got" {
	stopped_while_writing TERM 143
}

@test "SIGHUP in ordered mode: output is a prefix and the byte count is what the reader got" {
	stopped_while_writing HUP 129
}

# --- ordered mode blocked on a stalled reader

# stopped_while_blocked NAME STATUS: `yes k:1 | fanout -o | stalled-reader`:
# fanout fills the pipe and blocks; signal NAME stops it; only then does the
# reader drain the pipe, which must hold a prefix of the full output of
# exactly the size the summary gives.
stopped_while_blocked() {
	start_bg "yes k:1 | ./launch-fanout --ordered --jobs=2 --batch=16K | ./stalled-reader"
	stop_with "$1"
	: >go
	wait_bg
	[[ "$status" == "$2" ]] || fail "exit status: expected $2, got $status"
	expect_stopped "$1"
	local size
	size=$(stat -c %s recv)
	((size > 0)) || fail "nothing was written into the pipe"
	[[ "$summary_bytes" == "$size" ]] || fail "summary says $summary_bytes bytes written, the pipe held $size"
	expect_prefix_of_yes recv
}

@test "SIGINT while blocked on a stalled reader: status 130, bytes written counted exactly" {
	stopped_while_blocked INT 130
}

@test "SIGTERM while blocked on a stalled reader: status 143, bytes written counted exactly" {
	stopped_while_blocked TERM 143
}

@test "SIGHUP while blocked on a stalled reader: status 129, bytes written counted exactly" {
	stopped_while_blocked HUP 129
}

# --- signals ignored by the parent

# ignored_signal_stays_ignored NAME: with NAME ignored by the parent (as
# nohup does), NAME does not stop fanout, which finishes normally when its
# input ends.
ignored_signal_stays_ignored() {
	export DEFAULT_SIGNALS=
	start_bg "trap '' $1; { printf 'a:1\nb:2\n'; until [[ -e go ]]; do sleep 0.02; done; printf 'a:5\n'; } |
		./launch-fanout >out"
	kill -s "$1" "$fanout_pid"
	sleep 0.3
	[[ ! -e fanout.status ]] || fail "fanout ended on an ignored SIG$1 (status $(<fanout.status))"
	: >go
	wait_bg
	[[ "$(<fanout.status)" == 0 ]] || fail "exit status: expected 0, got $(<fanout.status)"
	expect_file out 'a\t6\nb\t2\n'
	expect_file err ''
}

@test "a SIGHUP ignored by the parent (nohup) stays ignored" {
	ignored_signal_stays_ignored HUP
}

@test "a SIGTERM ignored by the parent stays ignored" {
	ignored_signal_stays_ignored TERM
}

@test "a SIGINT ignored by the parent stays ignored" {
	ignored_signal_stays_ignored INT
}

# --- the reader goes away

# Runs `fanout -o` between `yes k:1 | head -n 100000` (400,000 bytes, far
# more than a pipe holds) and `head -1`; fanout's status and stderr (in
# fanout.err) are captured through PIPESTATUS.  $1 is run first in the
# subshell (e.g. trap '' PIPE).
run_into_head() {
	run_exact bash -c "$1"'
		yes k:1 2>/dev/null | head -n 100000 | "$FANOUT" --ordered 2>fanout.err | head -1
		echo "${PIPESTATUS[2]}" >fanout.status'
}

@test "a reader that goes away ends fanout by SIGPIPE, without a message" {
	run_into_head ''
	[[ "$(<fanout.status)" == 141 ]] || fail "fanout status: expected 141, got $(<fanout.status)"
	expect_file fanout.err ''
	[[ "$output" == $'k:1\n' ]]
}

@test "with SIGPIPE ignored by the parent, a reader that goes away still ends fanout by SIGPIPE, quietly" {
	run_into_head "trap '' PIPE;"
	[[ "$(<fanout.status)" == 141 ]] || fail "fanout status: expected 141, got $(<fanout.status)"
	expect_file fanout.err ''
	[[ "$output" == $'k:1\n' ]]
}
