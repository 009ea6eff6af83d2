#!/usr/bin/env bats
# Decoding compressed input, beyond recognising it: gzip is decoded by
# ISA-L's igzip or by zlib, whichever the build has, and both describe a
# damaged member in the same words; a compressed stream on a pipe that
# goes quiet hands on the records decoded so far, as a plain pipe does;
# --progress counts a compressed file's share in its compressed bytes.
# Inputs are written by Python's gzip and zlib modules, and every
# expectation is worked out by hand or from the input's own bytes.

load test_helper

setup() {
	common_setup
	local tool
	for tool in python3 strace; do
		command -v "$tool" >/dev/null \
			|| fail "decoding.bats needs the program $tool (Debian: see the README's quick start)"
	done
}

# damaged WHAT FILE: writes to FILE a gzip member of the three records
# a:1 b:2 c:3 whose trailer's CRC (WHAT crc) or length (WHAT length) is
# off by one bit.
damaged() {
	python3 - "$1" "$2" <<-'EOF'
		import gzip, sys
		member = bytearray(gzip.compress(b"a:1\nb:2\nc:3\n", mtime=0))
		member[-8 if sys.argv[1] == "crc" else -4] ^= 1
		open(sys.argv[2], "wb").write(member)
	EOF
}

@test "a gzip member whose CRC or length is wrong is corrupt in zlib's words, whichever decoder the build has" {
	damaged crc crc.gz
	run_fanout crc.gz
	assert_result 2 '' "fanout: crc.gz: gzip input is corrupt (CRC mismatch) at line 4
fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written"
	damaged length len.gz
	run_fanout len.gz
	assert_result 2 '' "fanout: len.gz: gzip input is corrupt (length mismatch) at line 4
fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written"
}

@test "a CRC or length mismatch is found whichever read of 128 KiB the member's trailer straddles" {
	# Stored (level 0) members whose eight trailer bytes start at each
	# offset from 131056 to 131080 of the file, across the end of the
	# decoder's first read.
	python3 - <<-'EOF'
		import gzip
		def member(size):
		    lines = 0
		    for n in range(size - 200, size):
		        text = b"k:1\n" * (n // 4) + b"k:" + b"1" * (n % 4 + 1) + b"\n"
		        data = gzip.compress(text, 0, mtime=0)
		        if len(data) == size:
		            return bytearray(data), text.count(b"\n")
		    raise SystemExit("no member of %d bytes" % size)
		with open("expected", "w") as expected:
		    for start in range(131056, 131081):
		        data, lines = member(start + 8)
		        for what, at in (("CRC", -8), ("length", -4)):
		            damaged = bytearray(data)
		            damaged[at] ^= 1
		            name = "%s-%d.gz" % (what, start)
		            open(name, "wb").write(damaged)
		            expected.write("fanout: %s: gzip input is corrupt (%s mismatch) at line %d\n"
		                           % (name, what, lines + 1))
	EOF
	local f
	: >got
	for f in CRC-*.gz length-*.gz; do
		run_fanout "$f"
		assert_status 2
		[[ -z $output && ${#stderr_lines[@]} == 2 ]] || fail "$f: not one message and the summary:" "$output$stderr"
		printf '%s\n' "${stderr_lines[0]}" >>got
	done
	sort expected >want
	sort got >got.sorted
	expect_same_file want got.sorted
}

# live_gzip ARGS: fanout ARGS reads a pipe into which live.py writes a
# gzip stream, one record at a time, each flushed with Z_SYNC_FLUSH so
# that every byte of it can be decoded at once.  After each record, it
# waits (up to 30 s) until out holds the records written so far, then
# writes the next; after the last it ends the stream and the pipe and
# prints fanout's status.  Fails if a record does not come out while the
# stream is still open.
live_gzip() {
	cat >live.py <<-'EOF'
		import os, subprocess, sys, time, zlib
		records = [b"a:1\n", b"b:2\n", b"c:3\n"]
		p = subprocess.Popen([os.environ["FANOUT"]] + sys.argv[1:], stdin=subprocess.PIPE,
		                     stdout=open("out", "wb"), stderr=open("err", "wb"))
		try:
		    z = zlib.compressobj(6, zlib.DEFLATED, 31)
		    for n in range(1, len(records) + 1):
		        p.stdin.write(z.compress(records[n - 1]) + z.flush(zlib.Z_SYNC_FLUSH))
		        p.stdin.flush()
		        want = b"".join(records[:n])
		        deadline = time.monotonic() + 30
		        while open("out", "rb").read() != want:
		            if time.monotonic() > deadline or p.poll() is not None:
		                sys.exit("record %d not out while the stream was open: %r"
		                         % (n, open("out", "rb").read()))
		            time.sleep(0.02)
		    p.stdin.write(z.flush(zlib.Z_FINISH))
		    p.stdin.close()
		    print(p.wait(timeout=30))
		finally:
		    if p.poll() is None:
		        p.kill()
		        p.wait()
	EOF
	run_exact python3 live.py "$@"
}

@test "--ordered: records of a gzip stream on a pipe that went quiet come out at once" {
	live_gzip --ordered
	[[ $status == 0 ]] || fail "live.py: $stderr"
	[[ ${output%$'\n'} == 0 ]] || fail "fanout's status: expected 0, got '$output'" "$(cat err)"
	expect_file out 'a:1\nb:2\nc:3\n'
	expect_file err ''
}

@test "--unordered --jobs=2: records of a gzip stream on a pipe that went quiet come out at once" {
	live_gzip --unordered --jobs=2 --batch=64K
	[[ $status == 0 ]] || fail "live.py: $stderr"
	[[ ${output%$'\n'} == 0 ]] || fail "fanout's status: expected 0, got '$output'" "$(cat err)"
	expect_file out 'a:1\nb:2\nc:3\n'
	expect_file err ''
}

# mib BYTES: BYTES as --progress shows a size of a MiB or more.
mib() {
	"$GAWK" -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'
}

@test "--progress=always on a .gz file: the share done is of its compressed bytes, in newline-terminated lines" {
	# Records that compress poorly, so that the file has many reads'
	# worth of compressed bytes: 1.25 MiB or more.
	python3 -c '
import gzip, random
random.seed(7)
text = "".join("k%d:%d\n" % (random.randrange(1000), random.randrange(10**9)) for _ in range(200000))
open("in.txt", "w").write(text)
open("in.gz", "wb").write(gzip.compress(text.encode(), 1, mtime=0))'
	local size
	size=$(wc -c <in.gz)
	((size > 1310720)) || fail "in.gz has only $size bytes"
	# Every read slowed down by 100 ms: a dozen reads of 128 KiB make the
	# run last a second or more, and the line is drawn every 250 ms.
	status=0
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -o /dev/null -e trace=read -e inject=read:delay_exit=100000 \
		"$FANOUT" -o --progress=always in.gz >out 2>err || status=$?
	assert_status 0
	grep -q $'\r' err && fail "a carriage return in a file:" "$(cat -v err | head -5)"
	[[ $(tail -c 1 err | od -An -c | tr -d ' ') == '\n' ]] || fail "err does not end with a newline"
	# Every line is a status line whose whole is the compressed size.
	local total
	total=$(mib "$size")
	"$GAWK" -v total="$total" '
		!/^fanout: [0-9]+ records, [0-9.]+ (B|KiB|MiB) of [0-9.]+ MiB \([0-9]+%\), [0-9.]+ (B|KiB|MiB)\/s, [0-9?:]+ left$/ {
			print "not a status line: " $0; bad = 1; next }
		{
			match($0, / of [0-9.]+ MiB/)
			if (substr($0, RSTART + 4, RLENGTH - 4) != total) { print "whole is not " total ": " $0; bad = 1 }
			match($0, /\([0-9]+%\)/)
			share = substr($0, RSTART + 1, RLENGTH - 3) + 0
			if (share < last || share > 100) { print "share out of order: " $0; bad = 1 }
			last = share; n++
			if (share < 100) part = 1
		}
		END {
			if (n < 1) { print "no status line"; bad = 1 }
			if (!part) { print "no status line shows a share under 100%"; bad = 1 }
			exit bad
		}' err || fail "$(cat err)"
	cp in.txt want
	expect_same_file want out
}
