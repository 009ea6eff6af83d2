#!/usr/bin/env bats
# --where=EXPR keeps the records for which FIELD OP VALUE holds and drops
# the others silently: a dropped record is filtered, not rejected, so it
# has no message and no say in the exit status, and --stats counts it
# as skipped.  The oracles are awk on small integers, Python's decimal
# module for exact comparisons, and hand-worked examples.

load test_helper

setup() {
	common_setup
	# client status bytes: small integers awk sums exactly.
	local i
	for ((i = 0; i < 300; i++)); do
		printf 'c%d %d %d\n' $((i % 7)) $((200 + (i * 37 % 4) * 100)) $((i * 13 % 101))
	done >log.txt
}

@test "--where with a field number keeps the records awk keeps, and says nothing of the others" {
	"$GAWK" '$2 >= 400 { s[$1] += $3 } END { for (k in s) print k "\t" s[k] }' \
		log.txt | LC_ALL=C sort >expected
	run_fanout -k 1 -v 3 --where='2>=400' log.txt
	assert_status 0
	printf '%s' "$output" >actual
	expect_same_file expected actual
	assert_stderr ""
}

@test "every --where must hold, and ~ and !~ take extended regular expressions" {
	"$GAWK" '$2 != 200 && $1 ~ /^c[0-3]$/ && $3 !~ /7/ && $3 < 90 { s[$1] += $3; n[$1]++ }
		END { for (k in s) print k "\t" n[k] "\t" s[k] }' log.txt | LC_ALL=C sort >expected
	run_fanout -k 1 -v 3 -a count,sum --where='2!=200' --where='1~^c[0-3]$' \
		--where='3!~7' --where='3<90' log.txt
	assert_status 0
	printf '%s' "$output" >actual
	expect_same_file expected actual
	assert_stderr ""
}

@test "key-value mode: --where names the key and the value" {
	printf '%s\n' users:42 errors:0 users:18 latency:150 users:7 errors:3 \
		latency:89 users:100 >m.txt
	run_fanout --where='key!=latency' --where='value>=7' m.txt
	assert_status 0
	assert_stdout $'users\t167'
	assert_stderr ""
	run_fanout --where='key~^(u|e)' --where='value<=18' -a count,sum m.txt
	assert_status 0
	assert_stdout $'errors\t2\t3\nusers\t2\t25'
}

@test "numbers are compared exactly, at 38 digits and with exponents; other text byte by byte" {
	# Python's decimal module says which values exceed the limit.
	printf '%s\n' 'a:99999999999999999999999999999999999999' \
		'a:99999999999999999999999999999999999998' 'b:1.5e3' 'b:1500.0000001' \
		'c:1E-30' 'c:0.000000000000000000000000000001' 'd:-2e1' 'd:abc' >n.txt
	local limit=99999999999999999999999999999999999998
	python3 -c '
import sys
from decimal import Decimal, InvalidOperation
limit = Decimal(sys.argv[1])
for line in open(sys.argv[2]):
    key, value = line.rstrip("\n").split(":", 1)
    try:
        if Decimal(value) >= limit:
            print(line, end="")
    except InvalidOperation:
        pass
' "$limit" n.txt >expected
	# 'abc' is not a number, so it is compared as text, and 'a' comes
	# after '9': it passes the filter and is rejected after it.
	run_fanout -o --where="value>=$limit" n.txt
	assert_status 1
	printf '%s' "$output" >actual
	expect_same_file expected actual
	assert_stderr $'fanout: n.txt:8: invalid number \'abc\'\nfanout: 8 records read, 2 accepted, 1 rejected, 5 skipped'
	# Equal as numbers though not as text.
	run_fanout -o --where='value=1500' --where='value!=abc' n.txt
	assert_status 0
	assert_stdout 'b:1.5e3'
	run_fanout -o --where='value=1e-30' n.txt
	assert_stdout $'c:1E-30\nc:0.000000000000000000000000000001'
	# Nothing accepted and something rejected is trouble, filtered or not.
	run_fanout -o --where='value=abc' n.txt
	assert_status 2
	assert_stdout ''
	assert_stderr $'fanout: n.txt:8: invalid number \'abc\'\nfanout: no record accepted\nfanout: 8 records read, 0 accepted, 1 rejected, 7 skipped; 0 bytes of output written'
	run_fanout -o --where='value<-1.99E1' n.txt
	assert_stdout 'd:-2e1'
}

@test "filtered records are not rejections: no message, status from the rejections alone, counted as skipped" {
	printf '%s\n' a:1 b:2 bad a:x c:3 a:4 >f.txt
	run_fanout --where='key!=b' --where='key!=c' --stats f.txt
	assert_status 1
	assert_stdout $'a\t5'
	[[ ${stderr_lines[0]} == "fanout: f.txt:3: missing delimiter ':'" ]] ||
		fail "first message: ${stderr_lines[0]}"
	[[ ${stderr_lines[1]} == "fanout: f.txt:4: invalid number 'x'" ]] ||
		fail "second message: ${stderr_lines[1]}"
	[[ ${stderr_lines[2]} == "fanout: 6 records read, 2 accepted, 2 rejected, 2 skipped" ]] ||
		fail "summary: ${stderr_lines[2]}"
	[[ ${stderr_lines[3]} == "fanout: stats: 6 records read, 2 accepted, 2 rejected, 2 skipped" ]] ||
		fail "stats: ${stderr_lines[3]}"
	[[ ${stderr_lines[5]} == "fanout: stats: skipped: 2 filtered" ]] ||
		fail "skipped line: ${stderr_lines[5]}"
	# Filtered alone: status 0 and nothing said without --stats.
	run_fanout --where='key=b' f.txt
	assert_status 1
	printf '%s\n' a:1 b:2 a:x a:4 >g.txt
	run_fanout --where='key=a' --where='value!=x' g.txt
	assert_status 0
	assert_stdout $'a\t5'
	assert_stderr ""
	run_fanout -q --stats=json --where='key=a' --where='value!=x' f.txt
	assert_status 1
	printf '%s' "$stderr" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
assert r["records"] == {"read": 6, "accepted": 2, "rejected": 1, "skipped": 3,
                        "missing_values": 0}, r["records"]
assert r["skipped"] == {"blank": 0, "filtered": 3}, r["skipped"]
assert r["rejected"]["missing_delimiter"] == 1
'
}

@test "--ordered and --unordered do not write filtered records, and --rejects does not get them" {
	printf '%s\n' a:1 b:2 bad a:3 c:-1 a:4 >f.txt
	run_fanout -o --where='key=a' --rejects=rej.txt f.txt
	assert_status 1
	assert_stdout $'a:1\na:3\na:4'
	assert_stderr $'fanout: f.txt:3: missing delimiter \':\'\nfanout: 6 records read, 3 accepted, 1 rejected, 2 skipped'
	expect_file rej.txt 'bad\n'
	run_fanout -u -b 1 -j 3 --where='value>1' f.txt
	assert_status 1
	printf '%s' "$output" | LC_ALL=C sort >actual
	printf 'a:3\na:4\nb:2\n' >expected
	expect_same_file expected actual
}

@test "--key-match still rejects, beside --where" {
	printf '%s\n' a:1 b:2 ab:3 >f.txt
	run_fanout --where='value!=2' --key-match='^a$' f.txt
	assert_status 1
	assert_stdout $'a\t1'
	assert_stderr $'fanout: f.txt:3: key \'ab\' does not match \'^a$\'\nfanout: 3 records read, 1 accepted, 1 rejected, 1 skipped'
}

@test "a record without the field --where names is rejected as missing it" {
	printf '%s\n' 'a 1 x' 'b 2' 'a 3 y' >f.txt
	run_fanout -k 1 -v 2 --where='3!=y' f.txt
	assert_status 1
	assert_stdout $'a\t1'
	assert_stderr $'fanout: f.txt:2: missing field 3\nfanout: 3 records read, 1 accepted, 1 rejected, 1 skipped'
}

@test "--where usage errors say what is wrong" {
	run_fanout --where='key' </dev/null
	assert_status 2
	assert_stderr $'fanout: invalid --where value \'key\': not FIELD OP VALUE, OP one of = != < <= > >= ~ !~\nTry \'fanout --help\' for more information.'
	run_fanout --where='name=x' </dev/null
	assert_status 2
	assert_stderr $'fanout: invalid --where value \'name=x\': no field \'name\' (a field number, key or value)\nTry \'fanout --help\' for more information.'
	run_fanout -k 1 -a count --where='key=x' </dev/null
	assert_status 2
	assert_stderr $'fanout: invalid --where value \'key=x\': no field \'key\' (a field number)\nTry \'fanout --help\' for more information.'
	run_fanout --where='key~(' </dev/null
	assert_status 2
	[[ $stderr == "fanout: invalid --where value 'key~(': "*$'\nTry \'fanout --help\' for more information.\n' ]] ||
		fail "stderr: $stderr"
	run_fanout --merge --where='key=a' </dev/null
	assert_status 2
	assert_stderr $'fanout: --where cannot be used with --merge\nTry \'fanout --help\' for more information.'
}

@test "--where: the same bytes for every --jobs and --batch, and --partial pieces merge to one run's result" {
	"$GAWK" '$2 < 500 && $1 !~ /c3/ { s[$1] += $3; n[$1]++ }
		END { for (k in s) print k "\t" n[k] "\t" s[k] }' log.txt | LC_ALL=C sort >expected
	local jobs batch
	for jobs in 1 3; do
		for batch in 1 7 100 64K; do
			run_to_files -j "$jobs" -b "$batch" -k 1 -v 3 -a count,sum \
				--where='2<500' --where='1!~c3' log.txt
			[[ $status == 0 ]] || fail "status $status with -j $jobs -b $batch"
			expect_same_file expected "$BATS_TEST_TMPDIR/out"
		done
	done
	split -n l/3 log.txt piece.
	for f in piece.*; do
		"$FANOUT" --partial -k 1 -v 3 -a count,sum --where='2<500' \
			--where='1!~c3' "$f" >"$f.partial"
	done
	run_to_files --merge piece.*.partial
	[[ $status == 0 ]] || fail "merge status $status"
	expect_same_file expected "$BATS_TEST_TMPDIR/out"
	# A partial made without the filter is not mixed with them.
	"$FANOUT" --partial -k 1 -v 3 -a count,sum piece.aa >other.partial
	run_to_files --merge piece.ab.partial other.partial
	[[ $status == 2 ]] || fail "mixed merge status $status"
}

@test "blank lines and filtered records are skipped apart, and --stats counts each kind" {
	printf '%s\n' a:1 '' b:2 '  ' a:3 >f.txt
	run_fanout --where='key=a' --stats f.txt
	assert_status 0
	assert_stdout $'a\t4'
	[[ ${stderr_lines[0]} == "fanout: stats: 5 records read, 2 accepted, 0 rejected, 3 skipped" ]] ||
		fail "stats: ${stderr_lines[0]}"
	[[ ${stderr_lines[1]} == "fanout: stats: skipped: 2 blank, 1 filtered" ]] ||
		fail "skipped line: ${stderr_lines[1]}"
}
