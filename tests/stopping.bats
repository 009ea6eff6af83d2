#!/usr/bin/env bats
# Stopping and live input: a signal that arrives while the totals are
# written still ends in "stopped by SIGNAL" and death by the signal, with
# standard output a prefix of the totals of the length the summary gives;
# --unordered --max-errors=N writes exactly the records the summary
# accounts for, whatever --jobs and --batch; timed waits do not follow the
# wall clock; and records from a pipe that has gone quiet come out at once
# rather than when a whole block has arrived, and are not lost to a
# signal.
#
# Runs that need a process on the other end of a pipe are driven by small
# Python programs, which wait for conditions (bounded, generous) rather
# than for fixed times, and kill what they started if anything goes wrong.

load test_helper

setup() {
	common_setup
}

# --- a signal while the totals are written

# totals_stopped_by NAME: 50,000 keys whose totals (650 KB, far more than a
# pipe and fanout's buffer hold) go into a pipe; as soon as the first byte
# arrives, fanout is writing the totals, and the reader sends signal NAME,
# then reads the rest.  The driver prints fanout's exit status as Python
# gives it (minus the signal number for a death by signal).
totals_stopped_by() {
	awk 'BEGIN { for (i = 0; i < 50000; i++) printf "k%05d:%d\n", i, i }' >in
	awk 'BEGIN { for (i = 0; i < 50000; i++) printf "k%05d\t%d\n", i, i }' >expected
	cat >drive.py <<-'EOF'
		import os, signal, subprocess, sys
		p = subprocess.Popen([os.environ["FANOUT"], "in"], stdin=subprocess.DEVNULL,
		                     stdout=subprocess.PIPE, stderr=open("err", "wb"))
		try:
		    first = p.stdout.read(1)
		    p.send_signal(getattr(signal, "SIG" + sys.argv[1]))
		    rest = p.stdout.read()
		    print(p.wait(timeout=60))
		finally:
		    if p.poll() is None:
		        p.kill()
		        p.wait()
		open("out", "wb").write(first + rest)
	EOF
	run_exact python3 drive.py "$1"
	[[ ${output%$'\n'} == "-$2" ]] || fail "fanout's status: expected death by signal $2, got '$output'" "$(cat err)"
	local size
	size=$(stat -c %s out)
	((size > 0)) || fail "no totals reached the pipe"
	cmp -s out <(head -c "$size" expected) || fail "out ($size bytes) is not a prefix of the totals"
	expect_file err 'fanout: stopped by SIG%s\nfanout: 50000 records read, 50000 accepted, 0 rejected; %s bytes of output written\n' "$1" "$size"
}

@test "SIGTERM while the totals are written: stopped by SIGTERM, dies by it, output a counted prefix" {
	totals_stopped_by TERM 15
}

@test "SIGHUP while the totals are written: stopped by SIGHUP, dies by it, output a counted prefix" {
	totals_stopped_by HUP 1
}

# --- --unordered --max-errors=N

# 400 records, every 50th one without a delimiter: with --max-errors=3 the
# run stops at the fourth rejection, line 200, having read 200 records and
# accepted the 196 good ones before it, which are all that may be written.
@test "--unordered --max-errors=3 writes exactly the records the summary accounts for, for any --jobs and --batch" {
	awk 'BEGIN { for (i = 1; i <= 400; i++) if (i % 50 == 0) print "bad"; else printf "k%d:%d\n", i, i }' >in
	awk 'NR < 200 && NR % 50 != 0' in | sort >expected
	local bytes
	bytes=$(wc -c <expected)
	local jobs batch
	for jobs in 1 2 4; do
		for batch in 16 100 4K 1M; do
			run_fanout --unordered --max-errors=3 --jobs=$jobs --batch=$batch in
			assert_status 2
			assert_stderr "$(text \
				"fanout: in:50: missing delimiter ':'" \
				"fanout: in:100: missing delimiter ':'" \
				"fanout: in:150: missing delimiter ':'" \
				"fanout: in:200: missing delimiter ':'" \
				"fanout: more than 3 rejected records; stopping" \
				"fanout: 200 records read, 196 accepted, 4 rejected; $bytes bytes of output written")" ||
				fail "with --jobs=$jobs --batch=$batch"
			printf '%s' "$output" | sort >got
			expect_same_file expected got || fail "with --jobs=$jobs --batch=$batch"
		done
	done
}

# --- timed waits

# A run whose collector waits for input (timed waits, to notice signals)
# and then stops early on --max-errors while the producer is still blocked
# reading (a timed join): strace shows every futex wait with a deadline,
# and none may be measured on the real-time clock, which a clock step
# would move.  (LeakSanitizer cannot run under ptrace.)
@test "timed waits use the monotonic clock, not the real-time one" {
	mkfifo feed
	{
		printf 'a:1\n'
		sleep 0.5
		printf 'bad\n'
		exec sleep 3
	} >feed &
	local feeder=$!
	status=0
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -o trace -e trace=futex "$FANOUT" --max-errors=0 feed >out 2>err || status=$?
	kill "$feeder" 2>/dev/null || true
	wait "$feeder" || true
	assert_status 2
	expect_file err "fanout: feed:2: missing delimiter ':'\nfanout: more than 0 rejected records; stopping\nfanout: 2 records read, 1 accepted, 1 rejected; 0 bytes of output written\n"
	grep -q 'FUTEX_WAIT_BITSET.*{tv_sec=' trace || fail "no timed wait was traced"
	if grep 'FUTEX_CLOCK_REALTIME.*{tv_sec=' trace >realtime; then
		fail "timed waits on the real-time clock:" "$(head -5 realtime)"
	fi
}

# --- live pipes

# live_run ARGS: fanout ARGS reads a pipe into which live.py writes the
# lines of the file feed and then nothing more, keeping the pipe open;
# once out, err (and rej, when named by the test) hold what the file
# want.out, want.err (and want.rej) give, the driver sends SIGTERM and
# prints fanout's status.  If that does not happen within 30 s, it fails.
live_run() {
	cat >live.py <<-'EOF'
		import os, signal, subprocess, sys, time
		files = [f for f in ("out", "err", "rej") if os.path.exists("want." + f)]
		want = {f: open("want." + f, "rb").read() for f in files}
		p = subprocess.Popen([os.environ["FANOUT"]] + sys.argv[1:], stdin=subprocess.PIPE,
		                     stdout=open("out", "wb"), stderr=open("err", "wb"))
		try:
		    p.stdin.write(open("feed", "rb").read())
		    p.stdin.flush()
		    deadline = time.monotonic() + 30
		    def have(f):
		        try:
		            return open(f, "rb").read() == want[f]
		        except FileNotFoundError:
		            return False
		    while not all(have(f) for f in files):
		        if time.monotonic() > deadline or p.poll() is not None:
		            sys.exit("not there while the input was still open: "
		                     + ", ".join(f for f in files if not have(f)))
		        time.sleep(0.02)
		    p.send_signal(signal.SIGTERM)
		    print(p.wait(timeout=30))
		finally:
		    if p.poll() is None:
		        p.kill()
		        p.wait()
		    p.stdin.close()
	EOF
	run_exact python3 live.py "$@"
}

@test "--ordered: records from a pipe that went quiet come out at once, and stay out after SIGTERM" {
	printf 'a:1\nb:0\nc:3\n' >feed
	printf 'a:1\nc:3\n' >want.out
	printf "fanout: -:2: value 0 is not above 0\n" >want.err
	printf 'b:0\n' >want.rej
	live_run --ordered --above=0 --rejects=rej
	[[ ${output%$'\n'} == -15 ]] || fail "fanout's status: expected death by SIGTERM, got '$output'" "$stderr"
	expect_file out 'a:1\nc:3\n'
	expect_file rej 'b:0\n'
	expect_file err "fanout: -:2: value 0 is not above 0\nfanout: stopped by SIGTERM\nfanout: 3 records read, 2 accepted, 1 rejected; 8 bytes of output written\n"
}

@test "--unordered: records from a pipe that went quiet come out at once, and stay out after SIGTERM" {
	printf 'a:1\nb:0\nc:3\n' >feed
	printf 'a:1\nc:3\n' >want.out
	printf "fanout: -:2: value 0 is not above 0\n" >want.err
	live_run --unordered --above=0 --jobs=2 --batch=64K
	[[ ${output%$'\n'} == -15 ]] || fail "fanout's status: expected death by SIGTERM, got '$output'" "$stderr"
	expect_file out 'a:1\nc:3\n'
	expect_file err "fanout: -:2: value 0 is not above 0\nfanout: stopped by SIGTERM\nfanout: 3 records read, 2 accepted, 1 rejected; 8 bytes of output written\n"
}

@test "aggregate mode: a rejection in a pipe that went quiet is reported at once; SIGTERM prints no totals" {
	printf 'a:1\nb:0\nc:3\n' >feed
	: >want.out
	printf "fanout: -:2: value 0 is not above 0\n" >want.err
	live_run --above=0
	[[ ${output%$'\n'} == -15 ]] || fail "fanout's status: expected death by SIGTERM, got '$output'" "$stderr"
	expect_file out ''
	expect_file err "fanout: -:2: value 0 is not above 0\nfanout: stopped by SIGTERM\nfanout: 3 records read, 2 accepted, 1 rejected; 0 bytes of output written\n"
}

@test "a quiet pipe's last record without its newline waits for the rest of it" {
	printf 'a:1\nb:2\nc:' >feed
	printf 'a:1\nb:2\n' >want.out
	live_run --ordered
	[[ ${output%$'\n'} == -15 ]] || fail "fanout's status: expected death by SIGTERM, got '$output'" "$stderr"
	expect_file out 'a:1\nb:2\n'
	expect_file err "fanout: stopped by SIGTERM\nfanout: 2 records read, 2 accepted, 0 rejected; 8 bytes of output written\n"
}
