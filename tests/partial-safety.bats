#!/usr/bin/env bats
# Partials that are repeated, damaged or foreign: --merge refuses them with
# status 2, a message naming what and where, and nothing on standard
# output, or prints exactly the true totals; never a wrong total.
#
# Partials are made by fanout --partial, or written by tests/partials.py,
# which implements format version 7 (src/partial.h) on its own, checks and
# all, for lines no real partial can hold.  True totals come from Python's
# decimal module (partials.py model).

load test_helper

PARTIALS_PY="$BATS_TEST_DIRNAME/partials.py"

setup() {
	common_setup
	printf 'b:2\na:1.5\n#x:-3\nb:-0.25\ntab\tkey:7\na:-10\nc\\d:0.125\n' >kv.txt
	printf 'h1 5 200\nh2 -1.5 404\nh1 2.25 200\n#h 7 500\nh2 1e 404\n' >fields.txt
	sed '$d' fields.txt >fields-valid.txt
}

# craft SETTING... <KEYLINES: a partial with these key lines, sealed.
craft() {
	python3 "$PARTIALS_PY" craft "$@"
}

@test "the same partial given twice, as two files or in one stream, is refused" {
	printf 'a:1\nb:2\n' | "$FANOUT" --partial >p.txt
	run_fanout --merge p.txt p.txt
	assert_result 2 "" "fanout: p.txt:1: repeated partial, already read at p.txt:1"
	cp p.txt q.txt
	run_fanout --merge p.txt q.txt
	assert_result 2 "" "fanout: q.txt:1: repeated partial, already read at p.txt:1"
	run_fanout --merge < <(cat p.txt p.txt)
	assert_result 2 "" "fanout: -:5: repeated partial, already read at -:1"
	# Its trailer alone, repeated.
	tail -n 1 p.txt >trailer.txt
	run_fanout --merge p.txt trailer.txt
	assert_result 2 "" "fanout: trailer.txt:1: repeated partial trailer, already read at p.txt:4"
	# Two partials made of the same records are two pieces, not one twice.
	printf 'a:1\nb:2\n' | "$FANOUT" --partial >again.txt
	run_fanout --merge p.txt again.txt
	assert_result 0 "$(text $'a\t2' $'b\t4')" ""
}

@test "partials made with other input or validation options are refused" {
	printf 'a x 1\nb y 2\n' >in.txt
	"$FANOUT" --partial in.txt -k 1 -v 3 >base.txt
	local other
	for other in "-k 1 -v 3 --above=0" "-k 1 -v 3 --key-match=a" \
		"-k 2 -v 3" "-k 3 -v 3" "-k 1 -v 3 -a count" \
		"-k 1 -v 3 --na" "-k 1 -v 3 --na=x" \
		"-k 1 -v 3 --max-record=1K"; do
		# shellcheck disable=SC2086
		"$FANOUT" --partial $other in.txt >other.txt 2>/dev/null || true
		run_fanout --merge base.txt other.txt
		assert_result 2 "" "fanout: other.txt:1: partials made with different options cannot be merged (first partial at base.txt:1)" \
			|| fail "with $other"
	done
	# A separator of one space, not runs of blanks, cuts these lines
	# alike, and so does -z the same records ended by NUL.
	"$FANOUT" --partial -k 1 -v 3 -t ' ' in.txt >other.txt
	run_fanout --merge base.txt other.txt
	assert_result 2 "" "fanout: other.txt:1: partials made with different options cannot be merged (first partial at base.txt:1)"
	tr '\n' '\0' <in.txt | "$FANOUT" --partial -k 1 -v 3 -z >other.txt
	run_fanout --merge base.txt other.txt
	assert_result 2 "" "fanout: other.txt:1: partials made with different options cannot be merged (first partial at base.txt:1)"
	printf 'a:1\n' | "$FANOUT" --partial >kv.partial
	printf 'a;1\n' | "$FANOUT" --partial -d ';' >semicolon.partial
	run_fanout --merge kv.partial semicolon.partial
	assert_result 2 "" "fanout: semicolon.partial:1: partials made with different options cannot be merged (first partial at kv.partial:1)"
	# The same options written differently are the same options.
	printf 'a:1\nb:2\n' | "$FANOUT" --partial --above=1.50 --key-match='^[ab]$' >one.txt 2>/dev/null || true
	printf 'a:3\n' | "$FANOUT" --partial --above=+1.5 --key-match='^[ab]$' >two.txt
	run_fanout --merge one.txt two.txt
	assert_result 0 "$(text $'a\t3' $'b\t2')" ""
	# The settings, between the identity and the check, in canonical form.
	local want=$'aggregate=sum\tdelimiter=:\tterminator=\\n\tmax-record=67108864\tabove=1.5\tkey-match=^[ab]$'
	[[ $(head -n 1 one.txt | cut -f 4-9) == "$want" ]]
	[[ $(head -n 1 two.txt | cut -f 4-9) == "$want" ]]
}

@test "a changed digit of a total, a scale or a byte of a key is refused at its line: checksum mismatch" {
	printf 'a:15\nb:2\n' | "$FANOUT" --partial -a sum,max >p.txt
	# Line 2 is a's: a\t1\t0\t15\t0\t15\t15\t1\t0\tCHECK.
	[[ $(sed -n 2p p.txt | cut -f 1-9) == $'a\t1\t0\t15\t0\t15\t15\t1\t0' ]]
	sed '2s/^a\t1\t0\t15/a\t1\t0\t16/' p.txt >digit.txt
	run_fanout --merge digit.txt
	assert_result 2 "" "fanout: digit.txt:2: checksum mismatch"
	sed '2s/^a\t1\t0\t/a\t1\t1\t/' p.txt >scale.txt
	run_fanout --merge scale.txt
	assert_result 2 "" "fanout: scale.txt:2: checksum mismatch"
	sed '3s/^b/c/' p.txt >key.txt
	run_fanout --merge key.txt
	assert_result 2 "" "fanout: key.txt:3: checksum mismatch"
	# The header's operations and the trailer's count are sealed too.
	sed '1s/sum,max/max,max/' p.txt >ops.txt
	run_fanout --merge ops.txt
	assert_result 2 "" "fanout: ops.txt:1: checksum mismatch"
	# A key line of another partial in place of one of this one: each line
	# is sound, the set is not.
	printf 'a:15\nb:3\n' | "$FANOUT" --partial -a sum,max >other.txt
	{ head -n 2 p.txt; sed -n 3p other.txt; tail -n 1 p.txt; } >spliced.txt
	run_fanout --merge spliced.txt
	assert_result 2 "" "fanout: incomplete partial input: the key lines read do not match the trailers' checksums"
}

@test "a combiner's output carries a checksum of what it wrote, and merges again" {
	printf 'a:1\nb:2\n' | "$FANOUT" --partial >p1.txt
	printf 'a:0.5\nc:4\n' | "$FANOUT" --partial >p2.txt
	printf 'b:-1\n' | "$FANOUT" --partial >p3.txt
	"$FANOUT" --merge --partial p1.txt p2.txt >c.txt
	# Two headers, three key lines, two trailers and the fold line.
	[[ $(wc -l <c.txt) == 8 && $(tail -n 1 c.txt) == "#fold"$'\t'* ]]
	run_fanout --merge c.txt p3.txt
	assert_result 0 "$(text $'a\t1.5' $'b\t1' $'c\t4')" ""
	sed '3s/\t1\t/\t2\t/' c.txt >bad.txt
	run_fanout --merge bad.txt p3.txt
	assert_result 2 "" "fanout: bad.txt:3: checksum mismatch"
	# Its fold line lost: the lines it folded no longer add up.
	sed '$d' c.txt >nofold.txt
	run_fanout --merge nofold.txt p3.txt
	assert_result 2 "" "fanout: incomplete partial input: the key lines read do not match the trailers' checksums"
	# Combined again, with a sorted spill of lines, as Hadoop does.
	cat c.txt p3.txt | LC_ALL=C sort | "$FANOUT" --merge --partial >cc.txt
	run_fanout --merge cc.txt
	assert_result 0 "$(text $'a\t1.5' $'b\t1' $'c\t4')" ""
}

@test "counts that add past 2^64 in a merge: count overflow, status 2, with --merge and a combiner" {
	# 2^64 - 1 = 18446744073709551615 values in each of two partials.
	printf 'k\t18446744073709551615\t0\t0\t0\t-\t-\t1\t0\t0\n' | craft aggregate=count key=1 >p1.txt
	printf 'k\t1\t0\t0\t0\t-\t-\t1\t0\t0\n' | craft aggregate=count key=1 >p2.txt
	run_fanout --merge p1.txt
	assert_result 0 $'k\t18446744073709551615' ""
	run_fanout --merge p1.txt p2.txt
	assert_result 2 "" "fanout: count overflow for key 'k'"
	run_fanout --merge --partial p1.txt p2.txt
	assert_result 2 "" "fanout: count overflow for key 'k'"
	printf 'k\t18446744073709551615\t0\t5\t0\t-\t-\t1\t0\t0\n' | craft aggregate=mean key=1 >m1.txt
	printf 'k\t1\t0\t5\t0\t-\t-\t1\t0\t0\n' | craft aggregate=mean key=1 >m2.txt
	run_fanout --merge m1.txt m2.txt
	assert_result 2 "" "fanout: count overflow for key 'k'"
	# Records without a value (--na) count too.
	printf 'k\t0\t0\t0\t0\t-\t-\t1\t0\t1\n' | craft aggregate=count key=1 na=NA >n1.txt
	printf 'k\t18446744073709551615\t0\t0\t0\t-\t-\t1\t0\t0\n' | craft aggregate=count key=1 na=NA >n2.txt
	run_fanout --merge n1.txt
	assert_result 0 $'k\t1' ""
	run_fanout --merge n1.txt n2.txt
	assert_result 2 "" "fanout: count overflow for key 'k'"
}

@test "extremes and totals no real partial can hold, and more lines than values, are malformed lines" {
	# At scale 0 a value has at most 38 digits; at any scale, a mantissa
	# fits in an i128.
	printf 'k\t1\t0\t5\t0\t%s\t%s\t1\t0\t0\n' 99999999999999999999999999999999999999 99999999999999999999999999999999999999 | craft aggregate=max key=1 >ok.txt
	run_fanout --merge ok.txt
	assert_result 0 $'k\t99999999999999999999999999999999999999' ""
	printf 'k\t1\t0\t5\t0\t100000000000000000000000000000000000000\t100000000000000000000000000000000000000\t1\t0\t0\n' | craft aggregate=max key=1 >big.txt
	run_fanout --merge big.txt
	assert_result 2 "" "fanout: big.txt:2: malformed partial line: bad minimum or maximum"
	printf 'k\t1\t0\t5\t0\t-100000000000000000000000000000000000000\t5\t1\t0\t0\n' | craft aggregate=min key=1 >neg.txt
	run_fanout --merge neg.txt
	assert_result 2 "" "fanout: neg.txt:2: malformed partial line: bad minimum or maximum"
	# Merged with a key at scale 18, a maximum near 10^37 is rescaled past
	# 2^127: an overflow, as for the values themselves.
	printf 'k\t1\t18\t5\t0\t5\t5\t1\t0\t0\n' | craft aggregate=max key=1 >fine.txt
	printf 'k\t1\t1\t5\t0\t9000000000000000000000000000000000000\t9000000000000000000000000000000000000\t1\t0\t0\n' | craft aggregate=max key=1 >huge.txt
	run_fanout --merge fine.txt huge.txt
	assert_result 2 "" "fanout: sum overflow for key 'k'"
	# Nor can totals beyond COUNT such values.
	printf 'k\t2\t0\t199999999999999999999999999999999999998\t0\t-\t-\t1\t0\t0\n' | craft aggregate=sum key=1 >most.txt
	run_fanout --merge most.txt
	assert_result 0 $'k\t199999999999999999999999999999999999998' ""
	printf 'k\t2\t0\t0\t199999999999999999999999999999999999999\t-\t-\t1\t0\t0\n' | craft aggregate=sum key=1 >total.txt
	run_fanout --merge total.txt
	assert_result 2 "" "fanout: total.txt:2: malformed partial line: bad total"
	printf 'k\t2\t0\t5\t0\t-\t-\t3\t0\t0\n' | craft aggregate=sum key=1 >lines.txt
	run_fanout --merge lines.txt
	assert_result 2 "" "fanout: lines.txt:2: malformed partial line: bad line count"
}

@test "a key line whose number of key fields differs from its header is malformed" {
	printf 'a\\0b\t1\t0\t5\t0\t-\t-\t1\t0\t0\n' | craft aggregate=sum key=1 >kv.txt
	run_fanout --merge kv.txt
	assert_result 2 "" "fanout: kv.txt:2: malformed partial line: wrong number of key fields"
	printf 'a\t1\t0\t5\t0\t-\t-\t1\t0\t0\n' | craft aggregate=sum key=1,3 value=2 >one.txt
	run_fanout --merge one.txt
	assert_result 2 "" "fanout: one.txt:2: malformed partial line: wrong number of key fields"
	printf 'a\\0b\\0c\t1\t0\t5\t0\t-\t-\t1\t0\t0\n' | craft aggregate=sum key=1,3 value=2 >three.txt
	run_fanout --merge three.txt
	assert_result 2 "" "fanout: three.txt:2: malformed partial line: wrong number of key fields"
	printf 'a\\0\t1\t0\t5\t0\t-\t-\t1\t0\t0\n' | craft aggregate=sum key=1,3 value=2 >two.txt
	run_fanout --merge --format=csv two.txt
	assert_result 0 "a,,5" ""
}

# run_limited ARGS...: fanout ARGS with allocations beyond a few MiB
# failing: under ulimit -v in a plain build, or, in a sanitizer build
# (which cannot start under ulimit -v), through the sanitizer's own
# allocation limit.
run_limited() {
	if (ulimit -v 409600 && "$FANOUT" --version) >/dev/null 2>&1; then
		run_exact bash -c 'ulimit -v 16384 && exec "$@"' _ "$FANOUT" "$@"
	else
		# The sanitizer's warning that it refused goes to a file of its own.
		local limit=allocator_may_return_null=1:max_allocation_size_mb=8:log_path=$BATS_TEST_TMPDIR/sanitizer
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}$limit \
			TSAN_OPTIONS=${TSAN_OPTIONS:+$TSAN_OPTIONS:}$limit \
			run_exact "$FANOUT" "$@"
		if cat "$BATS_TEST_TMPDIR"/sanitizer.* 2>/dev/null | grep -v 'failed to allocate' | grep .; then
			fail "a sanitizer report besides the refused allocation"
		fi
	fi
}

@test "a partial line too long for the memory left: memory exhausted, status 2, not the end of the input" {
	# A record whose key is 24 MiB long, then another partial.
	{ head -c $((24 << 20)) /dev/zero | tr '\0' k; printf ':1\n'; } >long.txt
	"$FANOUT" --partial --max-record=25M long.txt >long.partial
	printf 'a:1\n' | "$FANOUT" --partial --max-record=25M >short.partial
	cat long.partial short.partial >both.partial
	rm long.txt
	run_limited --merge --partial both.partial </dev/null
	assert_result 2 "" "fanout: memory exhausted"
	run_limited --merge short.partial long.partial </dev/null
	assert_result 2 "" "fanout: memory exhausted"
}

@test "a signal during --merge: stopped by SIGTERM, and death by it" {
	printf 'a:1\n' | "$FANOUT" --partial >p.txt
	mkfifo in.fifo
	"$FANOUT" --merge p.txt in.fifo >out 2>err </dev/null &
	local pid=$! i
	# Opening the FIFO waits for fanout to open it; half a line follows,
	# and fanout waits for the rest.
	local w
	exec {w}>in.fifo
	head -c 20 p.txt >&"$w"
	# Until fanout has taken the bytes from the pipe.
	for ((i = 0; i < 500; i++)); do
		[[ $(python3 -c 'import array, fcntl, sys, termios
a = array.array("i", [0]); fcntl.ioctl(int(sys.argv[1]), termios.FIONREAD, a); print(a[0])' "$w") == 0 ]] && break
		sleep 0.02
	done
	kill -TERM "$pid"
	for ((i = 0; i < 500; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	exec {w}>&-
	local s=0
	wait "$pid" || s=$?
	[[ $s == 143 ]] || fail "status $s, stderr: $(cat err)"
	expect_file out ''
	expect_file err 'fanout: stopped by SIGTERM\n'
}

# mutate EXPECTED TARGET [OTHER]...: every damage of TARGET is refused, or
# merged with the OTHER partials prints exactly EXPECTED.
mutate() {
	run python3 "$PARTIALS_PY" mutate "$FANOUT" "$@"
	printf '%s\n' "$output" >&2
	[[ $status == 0 ]]
}

@test "real partials damaged one byte or line at a time: refused, or the true totals" {
	python3 "$PARTIALS_PY" model kv sum,count,min,max,mean kv.txt >kv.want
	run_to_files -a sum,count,min,max,mean kv.txt
	expect_same_file kv.want out
	head -n 4 kv.txt | "$FANOUT" --partial -a sum,count,min,max,mean >kv1.partial
	tail -n +5 kv.txt | "$FANOUT" --partial -a sum,count,min,max,mean >kv2.partial
	mutate kv.want kv1.partial kv2.partial

	python3 "$PARTIALS_PY" model fields mean,min fields-valid.txt >fields.want
	run_to_files -k 1,3 -v 2 -a mean,min fields.txt
	expect_same_file fields.want out
	head -n 2 fields.txt | "$FANOUT" --partial -k 1,3 -v 2 -a mean,min >f1.partial
	tail -n +3 fields.txt | "$FANOUT" --partial -k 1,3 -v 2 -a mean,min >f2.partial 2>/dev/null || true
	"$FANOUT" --merge --partial f1.partial f2.partial >f.combined
	mutate fields.want f.combined

	head -n 3 kv.txt >kv3.txt
	python3 "$PARTIALS_PY" model kv count kv3.txt >count.want
	"$FANOUT" --partial -a count kv3.txt >count.partial
	mutate count.want count.partial
}
