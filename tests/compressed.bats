#!/usr/bin/env bats
# Compressed input: gzip (one member or several, as gzip, pigz and
# logrotate write it) and zstd (one frame or several) are recognised by
# their first bytes on every input, standard input included, and decoded;
# damaged streams are errors naming the file and the decoded line reached;
# bzip2, xz and lz4 are refused.  The inputs are made with the gzip, pigz,
# zstd, bzip2, xz and lz4 programs, and every expectation comes from awk
# or cat over the plain text, or is worked out by hand in the test.

load test_helper

setup() {
	common_setup
	local tool
	for tool in gzip pigz zstd bzip2 xz lz4 python3; do
		command -v "$tool" >/dev/null \
			|| fail "compressed.bats needs the program $tool (Debian: see the README's quick start)"
	done
}

# lines N SEED: N key:value records over 7 keys.
lines() {
	"$GAWK" -v n="$1" -v seed="$2" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++)
			printf "k%d:%d\n", int(rand() * 7), int(rand() * 1000)
	}'
}

# totals FILE...: what fanout prints for the key:value lines of FILEs.
totals() {
	cat "$@" | "$GAWK" -F: '{ s[$1] += $2 } END { for (k in s) print k "\t" s[k] }' | sort
}

# expect_totals EXPECTED_FILE ARGS...: fanout ARGS prints EXPECTED_FILE's
# lines, nothing on standard error, status 0, for several --jobs and
# --batch values.
expect_totals() {
	local expected=$1 jobs batch
	shift
	for jobs in 1 2 4; do
		for batch in 100 64K; do
			run_to_files --jobs="$jobs" --batch="$batch" "$@"
			[[ $status -eq 0 ]] || fail "status $status with --jobs=$jobs --batch=$batch: $(cat err)"
			expect_same_file "$expected" out
			expect_file err ''
		done
	done
}

@test "gzip and zstd files, one member or frame and several, give the totals of their decoded lines" {
	lines 3000 1 >a.txt
	lines 2000 2 >b.txt
	totals a.txt >a.sum
	totals a.txt b.txt >ab.sum
	gzip -c a.txt >a.gz
	gzip -c a.txt >ab.gz && gzip -c b.txt >>ab.gz
	pigz -c a.txt >a.pigz
	pigz -c a.txt >ab.pigz && pigz -c b.txt >>ab.pigz
	zstd -q -c a.txt >a.zst
	zstd -q -c a.txt >ab.zst && zstd -q -c b.txt >>ab.zst
	expect_totals a.sum a.gz
	expect_totals ab.sum ab.gz
	expect_totals a.sum a.pigz
	expect_totals ab.sum ab.pigz
	expect_totals a.sum a.zst
	expect_totals ab.sum ab.zst
}

@test "compressed standard input is decoded, from a file or a pipe" {
	lines 3000 3 >a.txt
	lines 100 4 >b.txt
	totals a.txt b.txt >ab.sum
	{ gzip -c a.txt; gzip -c b.txt; } >ab.gz
	{ zstd -q -c a.txt; zstd -q -c b.txt; } >ab.zst
	run_to_files <ab.gz
	assert_status 0
	expect_same_file ab.sum out
	run_to_files - <ab.zst
	assert_status 0
	expect_same_file ab.sum out
	status=0
	cat ab.gz | "$FANOUT" --jobs=2 --batch=1k >out 2>err || status=$?
	assert_status 0
	expect_same_file ab.sum out
	expect_file err ''
	status=0
	cat ab.zst | "$FANOUT" -o >out 2>err || status=$?
	assert_status 0
	cat a.txt b.txt >ab.txt
	expect_same_file ab.txt out
}

@test "plain and compressed inputs mixed: records in input order, line numbers count decoded lines per file" {
	printf 'a:1\nbad\na:2\n' >one.txt
	printf 'b:1\nb:2\nworse\nb:3\n' >two.txt
	printf 'c:1\nc:2\nc:3\nc:4\nc:x\n' >three.txt
	lines 5000 5 >four.txt
	gzip -c two.txt >two.gz
	zstd -q -c three.txt >three.zst
	pigz -c four.txt >four.gz
	grep -h ':[0-9]*$' one.txt two.txt three.txt four.txt >accepted
	local jobs batch
	for jobs in 1 2 3; do
		for batch in 10 1M; do
			run_to_files -o --jobs="$jobs" --batch="$batch" one.txt two.gz three.zst four.gz one.txt
			assert_status 1
			cat accepted one.txt | grep ':[0-9]*$' >expected
			expect_same_file expected out
			expect_file err '%s\n' \
				"fanout: one.txt:2: missing delimiter ':'" \
				"fanout: two.gz:3: missing delimiter ':'" \
				"fanout: three.zst:5: invalid number 'x'" \
				"fanout: one.txt:2: missing delimiter ':'" \
				"fanout: 5015 records read, 5011 accepted, 4 rejected"
		done
	done
}

@test "the format is told by the first bytes, not by the name" {
	printf 'a:1\na:2\n' >plain.gz
	printf 'b:5\n' | gzip >gzip.txt
	printf 'c:7\n' | zstd -q >zstd.log
	run_fanout plain.gz gzip.txt zstd.log
	assert_result 0 $'a\t3\nb\t5\nc\t7' ''
}

# damage FILE HOW: rewrites FILE: "cut N" drops its last N bytes, "flip N"
# inverts its byte N from the end, "append TEXT" adds TEXT.
damage() {
	python3 - "$@" <<'PY'
import sys
path, how, arg = sys.argv[1:4]
data = bytearray(open(path, "rb").read())
if how == "cut":
    data = data[:-int(arg)]
elif how == "flip":
    data[-int(arg)] ^= 0xFF
else:
    data += arg.encode()
open(path, "wb").write(bytes(data))
PY
}

@test "a truncated gzip or zstd stream is an error naming the file and the line reached, status 2, no totals" {
	# Three whole lines, then the end of the stream is missing: the
	# gzip trailer (CRC and length, 8 bytes) is cut in half, the zstd
	# frame loses half of its 4-byte checksum.
	printf 'a:1\na:2\na:3\n' >three.txt
	gzip -c three.txt >t.gz && damage t.gz cut 4
	zstd -q -c three.txt >t.zst && damage t.zst cut 2
	local summary="fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written"
	run_fanout t.gz
	assert_result 2 '' "fanout: t.gz: gzip input is truncated at line 4
$summary"
	run_fanout t.zst
	assert_result 2 '' "fanout: t.zst: zstd input is truncated at line 4
$summary"
	run_fanout - <t.gz
	assert_result 2 '' "fanout: -: gzip input is truncated at line 4
$summary"
	# The second of two members loses half of its trailer too: its
	# lines count on from the first's.
	{ gzip -c three.txt; gzip -c three.txt | head -c -4; } >two.gz
	run_fanout two.gz
	assert_result 2 '' "fanout: two.gz: gzip input is truncated at line 7
$summary"
}

@test "a CRC or checksum mismatch is an error naming the file and the line reached, status 2, no totals" {
	printf 'a:1\na:2\na:3\n' >three.txt
	printf 'b:1\nb:2\n' >two.txt
	# The gzip trailer's CRC is its 8th to 5th bytes from the end.
	gzip -c three.txt >crc.gz && damage crc.gz flip 8
	# zstd checks a frame's checksum, its last 4 bytes, before it hands
	# out the frame's last block: the second frame's lines are lost.
	{ zstd -q -c three.txt; zstd -q -c two.txt; } >crc.zst && damage crc.zst flip 1
	local summary="fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written"
	run_fanout crc.gz
	assert_result 2 '' "fanout: crc.gz: gzip input is corrupt (CRC mismatch) at line 4
$summary"
	run_fanout crc.zst
	assert_result 2 '' "fanout: crc.zst: zstd input is corrupt (checksum mismatch) at line 4
$summary"
}

@test "trailing garbage after a gzip member or a zstd frame is an error, status 2, no totals" {
	printf 'a:1\na:2\na:3\n' >three.txt
	gzip -c three.txt >g.gz && damage g.gz append $'a:100\n'
	zstd -q -c three.txt >g.zst && damage g.zst append $'a:100\n'
	local summary="fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written"
	run_fanout g.gz
	assert_result 2 '' "fanout: g.gz: gzip input has trailing garbage at line 4
$summary"
	run_fanout < <(cat g.zst)
	assert_result 2 '' "fanout: -: zstd input has trailing garbage at line 4
$summary"
}

@test "bzip2, xz and lz4 input is refused, as a file before anything is read, or on standard input" {
	printf 'a:1\n' >one.txt
	bzip2 -c one.txt >one.bz2
	xz -c one.txt >one.xz
	lz4 -q -c one.txt >one.lz4
	run_fanout one.txt one.bz2 one.xz one.lz4
	assert_result 2 '' "fanout: one.bz2: bzip2-compressed input is not supported; use bzcat
fanout: one.xz: xz-compressed input is not supported; use xzcat
fanout: one.lz4: lz4-compressed input is not supported; use lz4cat"
	local summary="fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written"
	run_fanout -o < <(cat one.bz2)
	assert_result 2 '' "fanout: -: bzip2-compressed input is not supported; use bzcat
$summary"
	run_fanout -o one.txt - <one.xz
	assert_result 2 'a:1' "fanout: -: xz-compressed input is not supported; use xzcat
fanout: 1 records read, 1 accepted, 0 rejected; 4 bytes of output written"
}

@test "--stats shows the compressed bytes read and what they decoded into" {
	lines 4000 6 >a.txt
	gzip -c a.txt >a.gz
	printf 'b:1\n' >b.txt
	local compressed plain total
	compressed=$(wc -c <a.gz)
	plain=$(wc -c <a.txt)
	total=$((compressed + 4))
	run_fanout --stats a.gz b.txt
	assert_status 0
	grep -qxF "fanout: stats: $total bytes read of $total (100.0%)" <<<"$stderr" \
		|| fail "no line for $total bytes read" "$stderr"
	grep -qxF "fanout: stats: $compressed compressed bytes read, decoded into $plain bytes" <<<"$stderr" \
		|| fail "no line for $compressed compressed bytes into $plain" "$stderr"
	run_fanout --stats=json -q a.gz b.txt
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["bytes_read"] == int(sys.argv[2]) and r["input_size"] == int(sys.argv[2]), r
assert r["compressed_bytes_read"] == int(sys.argv[3]), r
assert r["decoded_bytes"] == int(sys.argv[4]), r
' "$stderr" "$total" "$compressed" "$plain"
}

@test "several compressed inputs decoded at once keep their order, for any --jobs and --batch" {
	local i files=()
	for i in 1 2 3 4 5 6; do
		lines $((i * 700)) "$i" >"p$i.txt"
	done
	gzip -c p1.txt >c1.gz
	zstd -q -c p2.txt >c2.zst
	pigz -c p3.txt >c3.gz
	{ gzip -c p4.txt; gzip -c p1.txt; } >c4.gz
	zstd -q -c p5.txt >c5.zst
	gzip -c p6.txt >c6.gz
	cat p1.txt p2.txt p3.txt p4.txt p1.txt p5.txt p6.txt >expected
	local jobs batch
	for jobs in 1 2 4; do
		for batch in 1 4K 1M; do
			run_to_files -o --jobs="$jobs" --batch="$batch" c1.gz c2.zst c3.gz c4.gz c5.zst c6.gz
			assert_status 0
			expect_same_file expected out
			expect_file err ''
		done
	done
}
