#!/usr/bin/env bats
# Trouble at the edges of the run: standard output closed, full or
# non-blocking, writes interrupted, an input that fails in the middle, an
# input that cannot be read at all.

load test_helper

setup() {
	common_setup
}

# A generated input: 300,000 records, 2,888,895 bytes, so that it spans
# several reads and several blocks.
make_big_input() {
	"$GAWK" 'BEGIN { for (i = 1; i <= 300000; i++) printf "k%d:%d\n", i % 7, i }' >big.txt
}

# --- standard output closed

@test "standard output closed with totals to write: write error, trouble summary, status 2" {
	printf 'a:1\nb:2\n' >in.txt
	closed() { "$FANOUT" "$@" >&-; }
	run_exact closed in.txt
	assert_result 2 "" "$(text "fanout: write error: Bad file descriptor" \
		"fanout: 2 records read, 2 accepted, 0 rejected; 0 bytes of output written")"
}

@test "standard output closed with records to write in ordered mode: write error, status 2" {
	printf 'a:1\nbad\nb:2\n' >in.txt
	closed() { "$FANOUT" "$@" >&-; }
	run_exact closed --ordered in.txt
	assert_result 2 "" "$(text "fanout: in.txt:2: missing delimiter ':'" \
		"fanout: write error: Bad file descriptor" \
		"fanout: 3 records read, 2 accepted, 1 rejected; 0 bytes of output written")"
}

@test "standard output closed with nothing to write is not an error" {
	closed() { "$FANOUT" "$@" >&-; }
	run_exact closed </dev/null
	assert_result 0 "" ""
	run_exact closed --ordered </dev/null
	assert_result 0 "" ""
	printf 'x\ny:z\n' >in.txt
	run_exact closed --ordered in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: missing delimiter ':'" \
		"fanout: in.txt:2: invalid number 'z'" \
		"fanout: no record accepted" \
		"fanout: 2 records read, 0 accepted, 2 rejected; 0 bytes of output written")"
	run_exact closed in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: missing delimiter ':'" \
		"fanout: in.txt:2: invalid number 'z'" \
		"fanout: no record accepted" \
		"fanout: 2 records read, 0 accepted, 2 rejected; 0 bytes of output written")"
}

@test "--help and --version with standard output closed: write error, status 2" {
	closed() { "$FANOUT" "$@" >&-; }
	for opt in --help --version; do
		echo "fanout $opt >&-" # shown if the test fails
		run_exact closed $opt
		assert_result 2 "" "fanout: write error: Bad file descriptor"
	done
}

# --- standard output full

@test "--help and --version into /dev/full: write error, status 2" {
	to_full() { "$FANOUT" "$@" >/dev/full; }
	for opt in --help --version -h -V; do
		echo "fanout $opt >/dev/full" # shown if the test fails
		run_exact to_full $opt
		assert_result 2 "" "fanout: write error: No space left on device"
	done
}

# --- writes that do not complete at once

@test "non-blocking standard output behind a slow reader: output complete" {
	make_big_input
	nonblocking() {
		perl -e 'use Fcntl; my $f = fcntl(STDOUT, F_GETFL, 0) or die;
			fcntl(STDOUT, F_SETFL, $f | O_NONBLOCK) or die; exec @ARGV or die' \
			"$FANOUT" --ordered big.txt 2>err | (
			sleep 0.5
			cat
		) >recv
		echo "${PIPESTATUS[0]}" >fanout.status
	}
	run_exact nonblocking
	[[ "$(<fanout.status)" == 0 ]] || fail "fanout status $(<fanout.status): $(cat err)"
	expect_file err ''
	expect_same_file big.txt recv
}

@test "writes interrupted by EINTR are retried: output complete" {
	make_big_input
	"$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' big.txt | sort >expected.txt
	# Every other write of each thread fails with EINTR before writing.
	# LeakSanitizer cannot run under ptrace; in other builds this is moot.
	eintr() {
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			strace -f -o /dev/null -e trace=write -e inject=write:error=EINTR:when=1+2 "$FANOUT" "$@"
	}
	status=0
	eintr --ordered --batch=64K big.txt >out 2>err || status=$?
	[[ "$status" == 0 ]] || fail "--ordered: exit status $status: $(cat err)"
	expect_file err ''
	expect_same_file big.txt out
	status=0
	eintr big.txt >out 2>err || status=$?
	[[ "$status" == 0 ]] || fail "aggregate: exit status $status: $(cat err)"
	expect_file err ''
	expect_same_file expected.txt out
}

# --- an input that fails in the middle

# The fault-injecting build fails with EIO the read that would return byte
# 2,000,000 of the 2.9 MB input (FANOUT_FAIL_READ_AT), whichever thread
# reads it.  (strace's read injection would count the reads of the dynamic
# loader and of a sanitizer's runtime too, and could not tell the threads
# apart.)
@test "a read error in the middle: message, no totals, trouble summary with 0 bytes written" {
	make_big_input
	for jobs in 1 2 3; do
		run_exact env FANOUT_FAIL_READ_AT=2000000 "$FANOUT_FAULTS" --jobs=$jobs big.txt
		assert_status 2
		assert_stdout ""
		[[ "${#stderr_lines[@]}" == 2 ]] || fail "stderr: $stderr"
		[[ "${stderr_lines[0]}" == "fanout: big.txt: read error: Input/output error" ]] || fail "stderr: $stderr"
		[[ "${stderr_lines[1]}" =~ ^fanout:\ ([0-9]+)\ records\ read,\ ([0-9]+)\ accepted,\ 0\ rejected\;\ 0\ bytes\ of\ output\ written$ ]] ||
			fail "summary: ${stderr_lines[1]}"
		[[ "${BASH_REMATCH[1]}" == "${BASH_REMATCH[2]}" ]]
		# The records read are all whole and all before byte 2,000,000.
		local before
		before=$(head -c 2000000 big.txt | wc -l)
		((BASH_REMATCH[1] > 0 && BASH_REMATCH[1] <= before)) ||
			fail "--jobs=$jobs: ${BASH_REMATCH[1]} records read, $before before the error"
	done
}

@test "a read error in the middle in ordered mode: a prefix of whole records, counted exactly" {
	make_big_input
	run_failing_read() {
		env FANOUT_FAIL_READ_AT=2000000 "$FANOUT_FAULTS" --ordered big.txt >out 2>err
	}
	status=0
	run_failing_read || status=$?
	[[ "$status" == 2 ]] || fail "exit status $status"
	local size lines
	size=$(stat -c %s out)
	lines=$(wc -l <out)
	((size > 0 && size <= 2000000)) || fail "output of $size bytes"
	cmp -s out <(head -c "$size" big.txt) || fail "output is not a prefix of the input"
	[[ "$(tail -c 1 out | od -An -c | tr -d ' ')" == '\n' ]] || fail "output ends inside a record"
	expect_file err '%s\n' "fanout: big.txt: read error: Input/output error" \
		"fanout: $lines records read, $lines accepted, 0 rejected; $size bytes of output written"
}

# --- an input that cannot be read at all

# Tests run as root, which may read anything, so fanout runs as nobody.
# The test directory is reachable by nobody through its relative names only
# (the run directory above it is private), so every name is relative.
@test "an unreadable file: Permission denied, status 2, and no input is read at all" {
	printf 'a:1\nbad\n' >in.txt
	printf 'a:2\n' >secret.txt
	chmod 000 secret.txt
	printf 'a:3\nb:4\n' >stdin.txt
	chmod 644 in.txt stdin.txt
	# Root reads the file anyway, so root runs fanout as nobody; anyone
	# else is refused as it is.
	as_nobody() {
		if [[ $EUID == 0 ]]; then
			setpriv --reuid=65534 --regid=65534 --clear-groups "$FANOUT" "$@" || return
		else
			"$FANOUT" "$@" || return
		fi
	}
	# Standard input is an open file shared with the `cat` that follows:
	# if fanout had read any of it, cat would not see all of it.
	unread() {
		local rc=0
		as_nobody "$@" || rc=$?
		cat >rest.txt
		return $rc
	}
	run_exact unread in.txt - secret.txt <stdin.txt
	assert_result 2 "" "fanout: secret.txt: Permission denied"
	expect_same_file stdin.txt rest.txt
	# The same file is readable by root, so the message was about nobody.
	if [[ $EUID == 0 ]]; then
		run_fanout secret.txt
		assert_result 0 $'a\t2' ""
	fi
}
