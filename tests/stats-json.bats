#!/usr/bin/env bats
# The JSON record of a run: --stats=json ends every run, failed ones
# included, with one JSON line that says when (ISO 8601, UTC), over which
# inputs, with what exit status and which errors, besides the counts.
# With --quiet as well, standard error holds nothing but JSON Lines: the
# record replaces the text summary and carries the error messages, so a
# log that collects it stays machine-readable whatever happened.
#
# Every line is parsed with Python's json module, and the timestamp is
# checked against the clock read before and after the run.

load test_helper

setup() {
	common_setup
	# record ERR BEFORE AFTER [last]: checks that every line of ERR (with
	# "last", its last line) is one JSON object and that the last is the
	# final record, stamped between the times BEFORE and AFTER (seconds
	# since the epoch, whole seconds as the stamp is); prints its
	# run-level fields as NAME=VALUE lines.
	cat >record <<-'EOF'
		import calendar, json, re, sys, time
		text = open(sys.argv[1], "rb").read().decode("utf-8")
		assert text.endswith("\n"), "not newline-terminated: %r" % text
		lines = text.split("\n")[:-1]
		if sys.argv[4:] == ["last"]:
		    lines = lines[-1:]
		records = [json.loads(line) for line in lines]
		assert records and all(isinstance(r, dict) for r in records), text
		r = records[-1]
		assert r["final"] is True, r
		assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["time"]), r["time"]
		stamp = calendar.timegm(time.strptime(r["time"], "%Y-%m-%dT%H:%M:%SZ"))
		assert int(sys.argv[2]) <= stamp <= int(sys.argv[3]) + 1, (stamp, sys.argv[2:])
		print("lines=%d" % len(records))
		print("exit_status=%s" % json.dumps(r["exit_status"]))
		print("errors=%s" % json.dumps(r["errors"]))
		print("inputs=%s" % json.dumps(r["inputs"]))
		print("records=%d/%d/%d" % (r["records"]["read"], r["records"]["accepted"],
		                            r["records"]["rejected"]))
		print("bytes_written=%s" % json.dumps(r["bytes_written"]))
	EOF
}

# run_json ARGS...: runs fanout ARGS with stdout in out and stderr in err,
# then parses the record into the file fields; sets $status.  With
# $LAST set to "last", the lines before the record may be text.
run_json() {
	local before after
	before=$(date +%s)
	run_to_files "$@"
	after=$(date +%s)
	python3 record err "$before" "$after" ${LAST:-} >fields ||
		fail "standard error is not JSON Lines ending with the record:" "$(cat -v err)"
}

@test "-q --stats=json: standard error is one JSON record with time, inputs, exit status and no errors" {
	printf 'a:1\nb:x\na:2\n' >in.txt
	run_json -q --stats=json --jobs=2 in.txt - <<<'c:5'
	[[ $status == 1 ]] || fail "status $status"
	expect_file out 'a\t3\nc\t5\n'
	expect_file fields 'lines=1\nexit_status=1\nerrors=[]\ninputs=["in.txt", "-"]\nrecords=4/3/1\nbytes_written=8\n'
}

@test "-q --stats=json: a run where everything is accepted says exit status 0" {
	printf 'a:1\n' >in.txt
	run_json -q --stats=json in.txt
	[[ $status == 0 ]] || fail "status $status"
	expect_file fields 'lines=1\nexit_status=0\nerrors=[]\ninputs=["in.txt"]\nrecords=1/1/0\nbytes_written=4\n'
}

@test "-q --stats=json: an unreadable input gives a record with the error and status 2, and nothing else" {
	printf 'a:1\n' >in.txt
	mkdir dir
	run_json -q --stats=json in.txt missing.txt
	[[ $status == 2 ]] || fail "status $status"
	expect_file out ''
	expect_file fields 'lines=1\nexit_status=2\nerrors=["missing.txt: No such file or directory"]\ninputs=["in.txt", "missing.txt"]\nrecords=0/0/0\nbytes_written=0\n'
	run_json --stats=json -q dir
	[[ $status == 2 ]] || fail "status $status"
	expect_file fields 'lines=1\nexit_status=2\nerrors=["dir: Is a directory"]\ninputs=["dir"]\nrecords=0/0/0\nbytes_written=0\n'
}

@test "-q --stats=json: a write error gives a record with the error and status 2, and nothing else" {
	[[ -w /dev/full ]] || fail "no /dev/full"
	printf 'a:1\nb:2\n' >in.txt
	before=$(date +%s)
	status=0
	"$FANOUT" -q --stats=json in.txt >/dev/full 2>err || status=$?
	after=$(date +%s)
	[[ $status == 2 ]] || fail "status $status"
	python3 record err "$before" "$after" >fields || fail "$(cat -v err)"
	expect_file fields 'lines=1\nexit_status=2\nerrors=["write error: No space left on device"]\ninputs=["in.txt"]\nrecords=2/2/0\nbytes_written=0\n'
}

@test "-q --stats=json: a rejects file that cannot be opened, and --max-errors exceeded, are errors of the record" {
	printf 'a:1\nb\nc\nd:4\n' >in.txt
	run_json -q --stats=json --rejects=nodir/rejects.txt in.txt
	[[ $status == 2 ]] || fail "status $status"
	expect_file fields 'lines=1\nexit_status=2\nerrors=["nodir/rejects.txt: No such file or directory"]\ninputs=["in.txt"]\nrecords=0/0/0\nbytes_written=0\n'
	run_json -q --stats=json --max-errors=1 --jobs=1 in.txt
	[[ $status == 2 ]] || fail "status $status"
	expect_file out ''
	expect_file fields 'lines=1\nexit_status=2\nerrors=["more than 1 rejected records; stopping"]\ninputs=["in.txt"]\nrecords=3/1/2\nbytes_written=0\n'
}

@test "--stats=json without -q: the messages and the summary as text, then the record, which carries the errors too" {
	printf 'a:1\nb\n' >in.txt
	LAST=last
	run_json --stats=json in.txt missing.txt
	[[ $status == 2 ]] || fail "status $status"
	[[ "$(head -n 1 err)" == "fanout: missing.txt: No such file or directory" ]] || fail "$(cat err)"
	[[ $(wc -l <err) == 2 ]] || fail "$(cat err)"
	expect_file fields 'lines=1\nexit_status=2\nerrors=["missing.txt: No such file or directory"]\ninputs=["in.txt", "missing.txt"]\nrecords=0/0/0\nbytes_written=0\n'
	run_json --stats=json --jobs=1 in.txt
	[[ $status == 1 ]] || fail "status $status"
	expect_file fields 'lines=1\nexit_status=1\nerrors=[]\ninputs=["in.txt"]\nrecords=2/1/1\nbytes_written=4\n'
	head -n 2 err >messages
	expect_file messages "fanout: in.txt:2: missing delimiter ':'\nfanout: 2 records read, 1 accepted, 1 rejected\n"
}

@test "-q --stats=json: input names are JSON strings whatever bytes they hold" {
	local name=$'q"b\\s\tx\xff.txt'
	printf 'a:1\n' >"$name"
	run_json -q --stats=json "$name"
	[[ $status == 0 ]] || fail "status $status"
	expect_file fields 'lines=1\nexit_status=0\nerrors=[]\ninputs=["q\\"b\\\\s\\tx\\ufffd.txt"]\nrecords=1/1/0\nbytes_written=4\n'
}

@test "-q --stats=json: a usage error, wherever it stands, is a record with status 2 and nothing else" {
	run_json --jobs=0 -q --stats=json in.txt
	[[ $status == 2 ]] || fail "status $status"
	expect_file fields "lines=1\nexit_status=2\nerrors=[\"invalid --jobs value '0': less than 1\"]\ninputs=[]\nrecords=0/0/0\nbytes_written=0\n"
	run_json -q --stats=json --ordered --unordered
	[[ $status == 2 ]] || fail "status $status"
	expect_file fields 'lines=1\nexit_status=2\nerrors=["--ordered and --unordered are mutually exclusive"]\ninputs=[]\nrecords=0/0/0\nbytes_written=0\n'
	run_json -q --bogus --stats=json
	[[ $status == 2 ]] || fail "status $status"
	expect_file fields "lines=1\nexit_status=2\nerrors=[\"unrecognized option '--bogus'\"]\ninputs=[]\nrecords=0/0/0\nbytes_written=0\n"
	run_json -q --stats=json --jobs
	[[ $status == 2 ]] || fail "status $status"
	expect_file fields "lines=1\nexit_status=2\nerrors=[\"option '--jobs' requires an argument\"]\ninputs=[]\nrecords=0/0/0\nbytes_written=0\n"
	run_json -qx --stats=json
	[[ $status == 2 ]] || fail "status $status"
	expect_file fields "lines=1\nexit_status=2\nerrors=[\"invalid option -- 'x'\"]\ninputs=[]\nrecords=0/0/0\nbytes_written=0\n"
	# Without -q, the usage error as text, then the record.
	LAST=last
	run_json --stats=json --jobs=0
	[[ $status == 2 ]] || fail "status $status"
	head -n 2 err >messages
	expect_file messages "fanout: invalid --jobs value '0': less than 1\n$TRY\n"
	expect_file fields "lines=1\nexit_status=2\nerrors=[\"invalid --jobs value '0': less than 1\"]\ninputs=[]\nrecords=0/0/0\nbytes_written=0\n"
}

# short_record ERR MESSAGE: ERR is one line, the short JSON record of a
# process that had to end at once with MESSAGE.
short_record() {
	python3 -c '
import json, re, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n") and text.count("\n") == 1, text
r = json.loads(text)
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.pop("time")), r
assert r == {"final": True, "exit_status": 2, "errors": [sys.argv[2]]}, r
' "$1" "$2" || fail "$(cat -v "$1")"
}

@test "-q --stats=json: a thread that cannot start, or memory that runs out, still leaves a JSON record" {
	printf 'a:1\nb:x\n' >in.txt
	# ThreadSanitizer's own report of the threads left at _exit is not
	# fanout's output.
	export TSAN_OPTIONS=${TSAN_OPTIONS:+$TSAN_OPTIONS:}report_thread_leaks=0
	status=0
	FANOUT_FAIL_THREAD=2 "$FANOUT_FAULTS" -q --stats=json --jobs=2 in.txt >out 2>err || status=$?
	[[ $status == 2 ]] || fail "status $status"
	expect_file out ''
	short_record err "cannot create thread: Resource temporarily unavailable"
	local n
	for n in 1 5 20; do
		status=0
		FANOUT_FAIL_ALLOC=$n "$FANOUT_FAULTS" -q --stats=json --jobs=2 in.txt >out 2>err || status=$?
		[[ $status == 2 ]] || fail "allocation $n: status $status"
		expect_file out ''
		short_record err "memory exhausted"
	done
}

teardown() {
	if [[ -n "${pid:-}" ]]; then
		kill "$pid" 2>/dev/null || true
	fi
	return 0
}

@test "-q --stats=json: a run stopped by SIGTERM writes its record with status 143, then dies by the signal" {
	mkfifo f
	local before after
	before=$(date +%s)
	"$FANOUT" -q --stats=json --jobs=1 f >out 2>err 3>&- &
	pid=$!
	exec 8>f
	printf 'a:1\nb:2\n' >&8
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	pid=
	exec 8>&-
	after=$(date +%s)
	[[ $status == 143 ]] || fail "status $status, not 143" "$(cat err)"
	python3 record err "$before" "$after" >fields || fail "$(cat -v err)"
	grep -qx 'exit_status=143' fields || fail "$(cat fields)"
	grep -qx 'errors=\["stopped by SIGTERM"\]' fields || fail "$(cat fields)"
	grep -qx 'lines=1' fields || fail "$(cat fields)"
}
