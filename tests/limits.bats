#!/usr/bin/env bats
# Limits: --max-record, bounded memory (an endless record, a slow reader),
# --max-errors as a percentage, extreme --jobs values, and sum overflow
# whatever --jobs and --batch.

load test_helper

setup() {
	common_setup
}

# --- --max-record

# Lines of 8 bytes pass --max-record=8, lines of 9 or more do not, whatever
# the block size, also when a block is smaller than the record.
@test "--max-record: a longer record is rejected with SIZE in bytes, counted, and the stream goes on" {
	printf 'a:123456\nb:1234567\nbad\nc:3\nkkkkkkkkkkkkkkkkkkkkkkkk:1\na:1\n' >in.txt
	for b in 1 3 8 9 10 64 1K; do
		run_to_files --max-record=8 --batch=$b --jobs=2 --rejects=rej.txt in.txt
		[[ "$status" == 1 ]] || fail "--batch=$b: exit $status"
		expect_file out 'a\t123457\nc\t3\n'
		expect_file err '%s\n' "fanout: in.txt:2: record longer than 8 bytes" \
			"fanout: in.txt:3: missing delimiter ':'" \
			"fanout: in.txt:5: record longer than 8 bytes" \
			"fanout: 6 records read, 3 accepted, 3 rejected"
		# Only the ordinary rejection is in the rejects file.
		expect_file rej.txt 'bad\n'
	done
}

@test "--max-record: long records are left out of --ordered output and later records still come through" {
	printf 'a:1\n%s:2\nb:2\n%s\nc:3' "$(repeat_char x 100)" "$(repeat_char y 5000)" >in.txt
	for b in 16 4K; do
		run_to_files --ordered --max-record=99 --batch=$b in.txt
		[[ "$status" == 1 ]] || fail "--batch=$b: exit $status"
		expect_file out 'a:1\nb:2\nc:3\n'
		expect_file err '%s\n' "fanout: in.txt:2: record longer than 99 bytes" \
			"fanout: in.txt:4: record longer than 99 bytes" \
			"fanout: 5 records read, 3 accepted, 2 rejected"
	done
}

@test "--max-record: a final unterminated record and --null-data records are measured the same way" {
	printf 'a:1\nb:123456789' >in.txt
	run_fanout --max-record=10 in.txt
	assert_result 1 $'a\t1' "$(text "fanout: in.txt:2: record longer than 10 bytes" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
	printf 'a:12345678\0b:123456789\0c:1\n2\0' >in.txt
	run_to_files -z --max-record=10 in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a\t12345678\n'
	expect_file err '%s\n' "fanout: in.txt:2: record longer than 10 bytes" \
		"fanout: in.txt:3: invalid number '1\\x0a2'" \
		"fanout: 3 records read, 1 accepted, 2 rejected"
}

@test "--max-record accepts K and M suffixes and prints the limit in bytes" {
	# 1022 + 2 = 1024 bytes pass --max-record=1K, 1023 + 2 do not.
	{ repeat_char k 1022; printf ':1\n'; repeat_char k 1023; printf ':1\n'; } >in.txt
	run_to_files --max-record=1K --batch=100 in.txt
	[[ "$status" == 1 ]]
	expect_file out '%s\t1\n' "$(repeat_char k 1022)"
	expect_file err '%s\n' "fanout: in.txt:2: record longer than 1024 bytes" \
		"fanout: 2 records read, 1 accepted, 1 rejected"
	local mkey
	mkey=$(head -c $((1024 * 1024 - 2)) /dev/zero | tr '\0' m)
	printf '%s:1\n%sm:1\nz:9\n' "$mkey" "$mkey" >in.txt
	run_to_files --max-record=1M --batch=64K in.txt
	[[ "$status" == 1 ]]
	expect_file out '%s\t1\nz\t9\n' "$mkey"
	expect_file err '%s\n' "fanout: in.txt:2: record longer than 1048576 bytes" \
		"fanout: 3 records read, 2 accepted, 1 rejected"
}

@test "--max-record defaults to 64M" {
	{ head -c $((64 * 1024 * 1024 + 1)) /dev/zero | tr '\0' k; printf '\na:1\n'; } >in.txt
	run_fanout in.txt
	assert_result 1 $'a\t1' "$(text "fanout: in.txt:1: record longer than 67108864 bytes" \
		"fanout: 2 records read, 1 accepted, 1 rejected")"
}

@test "--max-record is checked before anything else in a record" {
	printf 'k:1\0xxxxxxxxx\nno delimiter here\nk:\0\n' >in.txt
	run_fanout --max-record=10 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: record longer than 10 bytes" \
		"fanout: in.txt:2: record longer than 10 bytes" \
		"fanout: in.txt:3: NUL byte in record" \
		"fanout: no record accepted" \
		"fanout: 3 records read, 0 accepted, 3 rejected; 0 bytes of output written")"
}

@test "bad --max-record values are usage errors" {
	local not_size='not a size (a whole number, then K, M or G if wanted)'
	expect_usage_error "invalid --max-record value '0': less than 1" --max-record=0
	for v in -1 1x abc '' 1.5K 1T; do
		expect_usage_error "invalid --max-record value '$v': $not_size" --max-record="$v"
	done
	for v in 2G 1025M; do
		expect_usage_error "invalid --max-record value '$v': more than 1G" --max-record="$v"
	done
	run_fanout --max-record=1G </dev/null
	assert_result 0 "" ""
}

# --- bounded memory

# Peak memory is measured as the largest resident set (GNU time's %M, in
# KB) rather than capped with ulimit -v, which sanitizer builds cannot run
# under; the limits leave room for a sanitizer's overhead and are still far
# below what keeping the input would take.

@test "an endless record (/dev/zero) is read in bounded memory until SIGINT" {
	endless() {
		timeout --preserve-status -k 5 -s INT 3 env --default-signal=INT \
			/usr/bin/time -f %M -o rss "$FANOUT" </dev/zero
	}
	run_exact endless
	assert_result 130 "" "$(text "fanout: stopped by SIGINT" \
		"fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written")"
	# In three seconds fanout reads gigabytes of zeros; it keeps at most one
	# --max-record (64 MB) of them.
	(($(tail -n 1 rss) < 600000)) || fail "peak RSS $(tail -n 1 rss) KB"
}

# 250 records of 4 MB (1000 MB) through --jobs=2 --queue-depth=2 into a
# reader that sleeps first.  The documented bound is about (queue-depth +
# jobs) blocks, each at most twice the longest record: 4 x 8 MB, plus
# thread stacks; a buffer of the pending input would need 1000 MB.
@test "memory stays bounded behind a slow reader: 1000 MB of 4 MB records in well under 1000 MB" {
	head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' r >rec
	slow_pipeline() {
		for i in $(seq 250); do
			cat rec
			printf ':%d\n' "$i"
		done | /usr/bin/time -f %M -o rss \
			"$FANOUT" --ordered --jobs=2 --queue-depth=2 2>err | (
			sleep 1
			wc -c
		)
		echo "${PIPESTATUS[1]}" >fanout.status
	}
	run_exact slow_pipeline
	[[ "$(<fanout.status)" == 0 ]] || fail "fanout status $(<fanout.status): $(cat err)"
	expect_file err ''
	[[ "$output" == "$((250 * (4 * 1024 * 1024 + 1) + 9 * 2 + 90 * 3 + 151 * 4))"$'\n' ]] ||
		fail "the reader got $output bytes"
	(($(tail -n 1 rss) < 400000)) || fail "peak RSS $(tail -n 1 rss) KB"
}

# --- --max-errors=P%

@test "--max-errors=P%: a rejection rate exactly at P is allowed" {
	printf 'a:1\nb:2\nx\nc:3\n' >in.txt
	for p in 25% 25.0% 025.000%; do
		run_fanout --max-errors=$p in.txt
		assert_result 1 "$(text $'a\t1' $'b\t2' $'c\t3')" "$(text "fanout: in.txt:3: missing delimiter ':'" \
			"fanout: 4 records read, 3 accepted, 1 rejected")"
	done
}

@test "--max-errors=P%: a rate below P is allowed" {
	printf 'a:1\nb:2\nx\nc:3\n' >in.txt
	for p in 25.1% 30% 100%; do
		run_fanout --max-errors=$p in.txt
		assert_result 1 "$(text $'a\t1' $'b\t2' $'c\t3')" "$(text "fanout: in.txt:3: missing delimiter ':'" \
			"fanout: 4 records read, 3 accepted, 1 rejected")"
	done
}

@test "--max-errors=P%: a rate above P fails with status 2, the message and no totals" {
	printf 'a:1\nb:2\nx\nc:3\n' >in.txt
	for p in 24.9% 24% 0% 07.50%; do
		run_fanout --max-errors=$p in.txt
		assert_result 2 "" "$(text "fanout: in.txt:3: missing delimiter ':'" \
			"fanout: more than $p of records rejected" \
			"fanout: 4 records read, 3 accepted, 1 rejected; 0 bytes of output written")"
	done
}

@test "--max-errors=P%: the rate is judged on the whole input, not as it goes" {
	# The first record alone is a 100% rejection rate; over all 10 it is 10%.
	{ printf 'bad\n'; for i in 1 2 3 4 5 6 7 8 9; do printf 'k:%d\n' "$i"; done; } >in.txt
	run_fanout --max-errors=10% --batch=1 --jobs=2 in.txt
	assert_result 1 $'k\t45' "$(text "fanout: in.txt:1: missing delimiter ':'" \
		"fanout: 10 records read, 9 accepted, 1 rejected")"
	run_fanout --max-errors=9.99% --batch=1 --jobs=2 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: missing delimiter ':'" \
		"fanout: more than 9.99% of records rejected" \
		"fanout: 10 records read, 9 accepted, 1 rejected; 0 bytes of output written")"
}

@test "--max-errors=P%: the comparison is exact (1 of 3 rejected against 33.33...%)" {
	printf 'a:1\nbad\na:2\n' >in.txt
	run_fanout -q --max-errors=33.3333333333333333% in.txt
	assert_result 2 "" "$(text "fanout: more than 33.3333333333333333% of records rejected" \
		"fanout: 3 records read, 2 accepted, 1 rejected; 0 bytes of output written")"
	run_fanout -q --max-errors=33.3333333333333334% in.txt
	assert_result 1 $'a\t3' "fanout: 3 records read, 2 accepted, 1 rejected"
}

@test "--max-errors=P%: a large input at the limit (checked with awk)" {
	"$GAWK" 'BEGIN { srand(11); for (i = 1; i <= 20000; i++) if (i % 50 == 7) print "bad" i; else printf "k%d:%d\n", i % 4, int(rand() * 100) }' >in.txt
	"$GAWK" -F: '/^bad/ { r++; next } { s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k]; printf "%d\n", r > "rejected.txt" }' in.txt | sort >expected.txt
	[[ "$(<rejected.txt)" == 400 ]] # 2% of 20000
	run_to_files -q --max-errors=2% --batch=1K --jobs=3 in.txt
	[[ "$status" == 1 ]]
	expect_same_file expected.txt out
	expect_file err 'fanout: 20000 records read, 19600 accepted, 400 rejected\n'
	run_to_files -q --max-errors=1.999% --batch=1K --jobs=3 in.txt
	[[ "$status" == 2 ]]
	expect_file out ''
	expect_file err '%s\n' "fanout: more than 1.999% of records rejected" \
		"fanout: 20000 records read, 19600 accepted, 400 rejected; 0 bytes of output written"
}

@test "--max-errors=P% in ordered mode: every accepted record is written, then the failure" {
	printf 'a:1\nx\nb:2\ny\n' >in.txt
	run_fanout --ordered --max-errors=49% in.txt
	assert_result 2 "$(text a:1 b:2)" "$(text "fanout: in.txt:2: missing delimiter ':'" \
		"fanout: in.txt:4: missing delimiter ':'" \
		"fanout: more than 49% of records rejected" \
		"fanout: 4 records read, 2 accepted, 2 rejected; 8 bytes of output written")"
}

@test "--max-errors=P% with nothing rejected, or no input, succeeds" {
	printf 'a:1\n' >in.txt
	run_fanout --max-errors=0% in.txt
	assert_result 0 $'a\t1' ""
	run_fanout --max-errors=0% </dev/null
	assert_result 0 "" ""
}

@test "bad --max-errors percentages are usage errors" {
	for v in 101% 100.1% -1% +5% % abc% 1e% 5%% ' 5%' 5.5.5% 0x10%; do
		expect_usage_error "invalid --max-errors value '$v': not a count, nor a percentage from 0 to 100" \
			--max-errors="$v"
	done
}

# --- extreme --jobs

@test "--jobs larger than the number of records gives the same output" {
	printf 'a:1\nb:2\nbad\na:3\n' >in.txt
	for j in 1 2 8 1024; do
		run_fanout --jobs=$j --batch=1 in.txt
		assert_result 1 "$(text $'a\t4' $'b\t2')" "$(text "fanout: in.txt:3: missing delimiter ':'" \
			"fanout: 4 records read, 3 accepted, 1 rejected")"
	done
	for j in 1 1024; do
		run_fanout --jobs=$j </dev/null
		assert_result 0 "" ""
	done
}

@test "--jobs=1 and --jobs=1024 match an awk computation" {
	"$GAWK" 'BEGIN { srand(3); for (i = 1; i <= 30000; i++) if (i % 97 == 0) print "bad" i; else printf "k%d:%d\n", int(rand() * 50), int(rand() * 2000) - 1000 }' >in.txt
	"$GAWK" -F: '/^bad/ { next } { s[$1] += $2; c[$1]++ } END { for (k in s) printf "%s\t%d\t%d\n", k, s[k], c[k] }' in.txt | sort >expected.out
	"$GAWK" '/^bad/ { printf "fanout: in.txt:%d: missing delimiter '"':'"'\n", NR; r++ } END { printf "fanout: %d records read, %d accepted, %d rejected\n", NR, NR - r, r }' in.txt >expected.err
	for j in 1 1024; do
		for b in 1K 1M; do
			run_to_files --jobs=$j --batch=$b -a sum,count in.txt
			[[ "$status" == 1 ]] || fail "--jobs=$j --batch=$b: exit $status"
			expect_same_file expected.out out
			expect_same_file expected.err err
		done
	done
}

# --- sum overflow

# 2^128 = 340282366920938463463374607431768211456.  A value with 18 decimals
# puts the key's scale at 18, so n x 999999999999999999 must stay below
# 2^128 / 10^18 = 340282366920938463463.37...: n = 340 fits, n = 341 does not.
@test "sum overflow: the same outcome for every --jobs and --batch" {
	{ yes k:999999999999999999 | head -n 341; printf 'k:0.000000000000000001\na:1\n'; } >over.txt
	{ yes k:999999999999999999 | head -n 340; printf 'k:0.000000000000000001\na:1\n'; } >fits.txt
	for j in 1 2 8; do
		for b in 64 1M; do
			run_fanout --jobs=$j --batch=$b over.txt
			assert_result 2 "" "$(text "fanout: sum overflow for key 'k'" \
				"fanout: 343 records read, 343 accepted, 0 rejected; 0 bytes of output written")"
			run_fanout --jobs=$j --batch=$b fits.txt
			assert_result 0 "$(text $'a\t1' $'k\t339999999999999999660.000000000000000001')" ""
		done
	done
}

@test "sum overflow: positive and negative totals are limited separately" {
	{
		yes k:999999999999999999 | head -n 341
		yes k:-999999999999999999 | head -n 341
		printf 'k:0.000000000000000001\n'
	} >in.txt
	for j in 1 8; do
		for b in 64 1M; do
			run_fanout --jobs=$j --batch=$b in.txt
			assert_result 2 "" "$(text "fanout: sum overflow for key 'k'" \
				"fanout: 683 records read, 683 accepted, 0 rejected; 0 bytes of output written")"
		done
	done
	{ yes k:-999999999999999999 | head -n 341; printf 'k:-0.000000000000000001\n'; } >neg.txt
	run_fanout --batch=64 neg.txt
	assert_result 2 "" "$(text "fanout: sum overflow for key 'k'" \
		"fanout: 342 records read, 342 accepted, 0 rejected; 0 bytes of output written")"
}
