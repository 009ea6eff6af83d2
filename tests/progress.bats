#!/usr/bin/env bats
# Progress: --progress draws a status line on standard error (records and
# bytes so far, the rate, and for regular files the share done and the
# time left), redrawn in place with a carriage return a few times a
# second, only when standard error is a terminal unless
# --progress=always, which into a file writes whole lines instead (JSON
# ones with -q --stats=json).  It never touches standard output, a
# message printed while it is shown lands on a clean line, and the run
# leaves a clean line behind.
#
# Runs that need a terminal go through script(1) (util-linux), whose
# typescript holds the bytes the terminal received.  Inputs are fifos fed
# in stages; each stage waits for what the previous one must have caused
# (a line drawn, a message shown), never for a fixed time, and every
# wait is bounded.

load test_helper

# slow_in_terminal ARGS: runs fanout ARGS (shell words, redirections
# allowed) in a terminal made by script(1), its typescript in ts, with
# every read(2) and pread(2) slowed down by 20 ms by strace, so that a run
# over a few hundred reads lasts about a second whatever the machine.
# (LeakSanitizer cannot run under ptrace; in other builds this is moot.)
slow_in_terminal() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		script -qfec "strace -f -o /dev/null -e trace=read,pread64 -e inject=read,pread64:delay_exit=20000 $FANOUT $1" ts \
		</dev/null >/dev/null 2>&1 3>&-
}

setup() {
	common_setup
	# screen FILE: the final screen of a terminal that received the bytes
	# of FILE: carriage return, newline and ESC [ K (erase to the end of
	# the line) are obeyed, any other escape fails; trailing blanks, empty
	# lines and script's own header and trailer lines are left out.
	cat >screen <<-'EOF'
		import sys
		data = open(sys.argv[1], "rb").read()
		lines, col = [[]], 0
		i = 0
		while i < len(data):
		    if data.startswith(b"\033[K", i):
		        del lines[-1][col:]
		        i += 3
		        continue
		    c = data[i:i + 1]
		    i += 1
		    if c == b"\033":
		        sys.exit("unexpected escape sequence at byte %d" % (i - 1))
		    if c == b"\r":
		        col = 0
		    elif c == b"\n":
		        lines.append([])
		        col = 0
		    else:
		        line = lines[-1]
		        line.extend([b" "] * (col - len(line)))
		        if col < len(line):
		            line[col] = c
		        else:
		            line.append(c)
		        col += 1
		for line in lines:
		    text = b"".join(line).decode("latin-1").rstrip(" ")
		    if text and not text.startswith(("Script started", "Script done")):
		        print(text)
	EOF
}

teardown() {
	# A test that failed half way may leave a feeder or fanout behind.
	if [[ -n "${pids:-}" ]]; then
		kill $pids 2>/dev/null || true
	fi
	return 0
}

# frames FILE: every status line drawn in FILE, one a line, in order.
frames() {
	tr '\r\n' '\n\n' <"$1" | sed 's/\x1b\[K//g' | grep -a '^fanout: [0-9]* records, ' || true
}

# wait_for WHAT COMMAND...: wait (at most 10 s) until COMMAND, which may
# be a function of this file, succeeds.
wait_for() {
	local what=$1 deadline=$((SECONDS + 10))
	shift
	until "$@"; do
		if ((SECONDS >= deadline)); then
			fail "timed out waiting for $what"
			return 1
		fi
		sleep 0.05
	done
}

# has_frame FILE [PATTERN]: FILE holds a status line (matching PATTERN).
has_frame() {
	frames "$1" | grep -q -E -- "${2:-.}"
}

# stage N [BAD]: 3000 records of stage N (first a bad one if BAD), to
# stdout and appended to in.txt.
stage() {
	"$GAWK" -v s="$1" -v bad="${2:-}" 'BEGIN {
		if (bad) print "bad"
		for (i = 0; i < 3000; i++) printf "k%d:%d\n", i % 9, s * 10000 + i
	}' | tee -a in.txt
}

# A status line for an input of unknown size.
UNKNOWN='^fanout: [0-9]+ records, [0-9.]+ (B|KiB|MiB), [0-9.]+ (B|KiB|MiB)/s, [0-9]+:[0-9][0-9]$'

@test "--progress in a terminal: the line appears and updates, a message interrupts it cleanly, the screen ends clean" {
	mkfifo f
	: >in.txt
	script -qfec "$FANOUT --progress --batch=1K --jobs=2 -o f >out" ts \
		</dev/null >/dev/null 2>&1 3>&- &
	local script_pid=$!
	pids=$script_pid
	exec 8>f
	stage 1 >&8
	wait_for "a status line" has_frame ts
	stage 2 bad >&8
	# The message, and a status line drawn again after it.
	wait_for "the message and a line after it" bash -c \
		'grep -a -q "missing delimiter" ts && sed "1,/missing delimiter/d" ts | grep -a -q "records, "'
	stage 3 >&8
	exec 8>&-
	status=0
	wait "$script_pid" || status=$?
	pids=
	[[ $status == 1 ]] || fail "exit status $status, not 1" "$(cat -v ts)"

	# Standard output is that of a run without --progress.
	"$FANOUT" -o in.txt >out.plain 2>/dev/null || true
	expect_same_file out.plain out
	# Status lines of the expected form, redrawn with growing counts.
	frames ts >frames
	[[ $(sort -u frames | wc -l) -ge 2 ]] || fail "fewer than 2 different lines:" "$(cat frames)"
	grep -v -E "$UNKNOWN" frames && fail "status lines not of the expected form"
	"$GAWK" '{ n = $2 + 0; if (n < last) exit 1; last = n }' frames ||
		fail "record counts decrease:" "$(cat frames)"
	# The final screen holds the messages, each whole on its own line, and
	# nothing of the status line.
	python3 screen ts >screen.txt || fail "$(cat -v ts)"
	expect_file screen.txt "fanout: f:3001: missing delimiter ':'\nfanout: 9001 records read, 9000 accepted, 1 rejected\n"
}

@test "--progress in a terminal shows the share done and the time left for a regular file" {
	# About 200K read 4K at a time, each read slowed down.
	"$GAWK" 'BEGIN { for (i = 0; i < 20000; i++) printf "key%d:%d\n", i % 13, i }' >big.txt
	slow_in_terminal "--progress --batch=4K --jobs=2 -o big.txt >out"
	expect_same_file big.txt out
	local total
	total=$("$GAWK" -v n="$(stat -c %s big.txt)" 'BEGIN { printf "%.1f KiB", n / 1024 }')
	frames ts >frames
	grep -q . frames || fail "no status line:" "$(cat -v ts)"
	grep -v -E "^fanout: [0-9]+ records, [0-9.]+ (B|KiB) of $total \\([0-9]+%\\), [0-9.]+ (B|KiB|MiB)/s, [0-9]+:[0-9][0-9] left\$" frames &&
		fail "status lines not of the expected form"
	# Part way: a share below 100%, and the shares never go down.
	grep -q -E '\(([0-9]|[1-9][0-9])%\)' frames || fail "no share below 100%:" "$(cat frames)"
	sed -E 's/.*\(([0-9]+)%\).*/\1/' frames | "$GAWK" '$1 < last { exit 1 } { last = $1 }' ||
		fail "the share went down:" "$(cat frames)"
	python3 screen ts >screen.txt || fail "$(cat -v ts)"
	expect_file screen.txt ''
}

@test "--progress draws nothing when --ordered writes the records to the same terminal" {
	# A run of about a second, as above, writing to the terminal.
	"$GAWK" 'BEGIN { for (i = 0; i < 20000; i++) printf "key%d:%d\n", i % 13, i }' >big.txt
	slow_in_terminal "--progress --batch=4K -o big.txt"
	python3 screen ts >screen.txt || fail "$(cat -v ts)"
	expect_same_file big.txt screen.txt
	frames ts | grep -q . && fail "a status line:" "$(frames ts | head -3)"
	return 0
}

# run_fed MODE FANOUT-ARGS...: fanout ARGS reading the fifo f, fed two
# stages; between them, wait until standard error (the file err) shows a
# status line if MODE is "line" (a JSON one if "json"), or, if MODE is
# "none", until a report asked for by SIGUSR1 shows the first stage read,
# and half a second more
# (the line is due a quarter of a second after the start).  Sets $status.
run_fed() {
	local mode=$1
	shift
	mkfifo f
	: >in.txt
	"$FANOUT" "$@" f >out 2>err 3>&- &
	local pid=$!
	pids=$pid
	exec 8>f
	stage 1 bad >&8
	if [[ $mode == line ]]; then
		wait_for "a status line" has_frame err
	elif [[ $mode == json ]]; then
		wait_for "a JSON status line" grep -q '"progress":{' err
	else
		kill -USR1 "$pid"
		wait_for "a report" grep -q 'records read' err
		sleep 0.5
	fi
	stage 2 >&8
	exec 8>&-
	status=0
	wait "$pid" || status=$?
	pids=
}

@test "--progress draws nothing when standard error is not a terminal, and neither does --progress=never" {
	local when
	for when in --progress --progress=never "--progress=always --progress=never"; do
		rm -f f
		# shellcheck disable=SC2086
		run_fed none -o --batch=1K $when
		[[ $status == 1 ]] || fail "$when: status $status"
		frames err | grep -q . && fail "$when: a status line on standard error:" "$(cat -v err)"
		grep -q $'\r' err && fail "$when: a carriage return on standard error"
		"$FANOUT" -o in.txt >out.plain 2>/dev/null || true
		expect_same_file out.plain out
	done
	# The same in a terminal whose standard error is redirected to a file;
	# ./launch records fanout's PID for the probe.
	printf '#!/bin/sh\necho $$ >fanout.pid\nexec "$FANOUT" "$@"\n' >launch
	chmod +x launch
	rm -f f
	mkfifo f
	: >in.txt
	script -qfec "./launch --progress -o --batch=1K f >out 2>err" ts </dev/null >/dev/null 2>&1 3>&- &
	local script_pid=$!
	pids=$script_pid
	exec 8>f
	stage 1 >&8
	kill -USR1 "$(cat fanout.pid)"
	wait_for "a report" grep -q 'records read' err
	sleep 0.5
	stage 2 >&8
	exec 8>&-
	wait "$script_pid" || fail "status $?"
	pids=
	grep -q $'\r' err && fail "a carriage return on standard error:" "$(cat -v err)"
	grep -v '^fanout: stats: ' err && fail "more than the report on standard error"
	python3 screen ts >screen.txt
	expect_file screen.txt ''
}

@test "--progress=always into a file writes newline-terminated lines, no carriage return or blanking" {
	run_fed line -o --batch=1K --progress=always
	[[ $status == 1 ]] || fail "status $status"
	grep -q $'\e' err && fail "an escape sequence where standard error is not a terminal"
	grep -q $'\r' err && fail "a carriage return in a file:" "$(cat -v err | head -5)"
	[[ $(tail -c 1 err | od -An -c | tr -d ' ') == '\n' ]] || fail "the file does not end with a newline"
	# Every line is a whole status line or one of the run's messages.
	grep -E "$UNKNOWN" err >frames
	[[ -s frames ]] || fail "no status line:" "$(cat err)"
	grep -v -E "$UNKNOWN" err >messages
	expect_file messages "fanout: f:1: missing delimiter ':'\nfanout: 6001 records read, 6000 accepted, 1 rejected\n"
	"$GAWK" '{ n = $2 + 0; if (n < last) exit 1; last = n }' frames ||
		fail "record counts decrease:" "$(cat frames)"
	"$FANOUT" -o in.txt >out.plain 2>/dev/null || true
	expect_same_file out.plain out
}

@test "a report asked for by SIGUSR1 while the line is shown lands on clean lines" {
	mkfifo f
	: >in.txt
	"$FANOUT" -o --batch=1K --jobs=1 --progress=always f >out 2>err 3>&- &
	local pid=$!
	pids=$pid
	exec 8>f
	stage 1 >&8
	wait_for "a status line" has_frame err
	kill -USR1 "$pid"
	wait_for "the report" grep -q 'fanout: stats: output: ' err
	stage 2 bad >&8
	exec 8>&-
	status=0
	wait "$pid" || status=$?
	pids=
	[[ $status == 1 ]] || fail "status $status" "$(cat -v err)"
	python3 screen err >screen.txt || fail "$(cat -v err)"
	# The report's eight lines, whole, then the run's own messages.
	grep -E -q '^fanout: stats: [0-9]+ records read, [0-9]+ accepted, 0 rejected$' screen.txt ||
		fail "no whole first line of the report:" "$(cat screen.txt)"
	[[ $(grep -c '^fanout: stats: ' screen.txt) == 8 ]] || fail "not a whole report:" "$(cat screen.txt)"
	grep -v -e '^fanout: stats: ' -e '^fanout: [0-9]* records, ' screen.txt >messages
	expect_file messages "fanout: f:3001: missing delimiter ':'\nfanout: 6001 records read, 6000 accepted, 1 rejected\n"
	"$FANOUT" -o in.txt >out.plain 2>/dev/null || true
	expect_same_file out.plain out
}

@test "--progress with a bad WHEN or with --merge is a usage error" {
	expect_usage_error "invalid --progress value 'sometimes' (known: never, auto, always)" --progress=sometimes
	expect_usage_error "--progress cannot be used with --merge" --merge --progress
}

@test "-q --stats=json --progress=always into a file: progress lines are JSON too, then the record" {
	local before after
	before=$(date +%s)
	run_fed json -o --batch=1K -q --stats=json --progress=always
	after=$(date +%s)
	[[ $status == 1 ]] || fail "status $status"
	python3 -c '
import calendar, json, sys, time
text = open("err").read()
assert text.endswith("\n") and "\r" not in text, repr(text[:200])
records = [json.loads(line) for line in text.split("\n")[:-1]]
progress, final = records[:-1], records[-1]
assert progress, "no progress line"
last = 0
for p in progress:
    assert set(p) == {"time", "progress"}, p
    q = p["progress"]
    assert set(q) == {"records", "bytes_read", "input_size", "seconds"}, q
    assert q["input_size"] is None and q["seconds"] >= 0, q
    assert last <= q["records"] <= 6001, q
    last = q["records"]
for r in records:
    stamp = calendar.timegm(time.strptime(r["time"], "%Y-%m-%dT%H:%M:%SZ"))
    assert int(sys.argv[1]) <= stamp <= int(sys.argv[2]) + 1, r["time"]
assert final["final"] is True and final["exit_status"] == 1, final
assert final["records"] == {"read": 6001, "accepted": 6000, "rejected": 1,
                            "skipped": 0, "missing_values": 0}, final
assert final["errors"] == [], final
' "$before" "$after" || fail "$(cat -v err | head -5)"
}
