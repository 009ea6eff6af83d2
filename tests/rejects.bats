#!/usr/bin/env bats
# What happens to rejected records: --rejects, --max-errors, --quiet.

load test_helper

setup() {
	common_setup
}

@test "--rejects writes each rejected record verbatim, in input order, with its newline" {
	printf 'a:1\nbad one\n:2\na:2\n  b : x \n' >in.txt
	run_to_files --rejects=rej.txt in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a\t3\n'
	expect_file rej.txt 'bad one\n:2\n  b : x \n'
	expect_file err '%s\n' "fanout: in.txt:2: missing delimiter ':'" "fanout: in.txt:3: empty key" \
		"fanout: in.txt:5: invalid number 'x'" "fanout: 5 records read, 2 accepted, 3 rejected"
}

@test "the rejects file keeps a CR before the newline" {
	printf 'a:1\r\nb:x\r\nc\r\n' >in.txt
	run_to_files -r rej.txt in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a\t1\n'
	expect_file rej.txt 'b:x\r\nc\r\n'
	expect_file err '%s\n' "fanout: in.txt:2: invalid number 'x'" "fanout: in.txt:3: missing delimiter ':'" \
		"fanout: 3 records read, 1 accepted, 2 rejected"
}

@test "a rejected final record without newline gets one in the rejects file" {
	printf 'a:1\nb:x' >in.txt
	run_to_files --rejects=rej.txt in.txt
	[[ "$status" == 1 ]]
	expect_file rej.txt 'b:x\n'
	expect_file out 'a\t1\n'
	expect_file err '%s\n' "fanout: in.txt:2: invalid number 'x'" "fanout: 2 records read, 1 accepted, 1 rejected"
}

@test "a rejected final record ending in CR without newline keeps the CR" {
	printf 'a:1\nb:x\r' >in.txt
	run_to_files --rejects=rej.txt in.txt
	[[ "$status" == 1 ]]
	expect_file rej.txt 'b:x\r\n'
	expect_file err '%s\n' "fanout: in.txt:2: invalid number 'x'" "fanout: 2 records read, 1 accepted, 1 rejected"
}

@test "with --null-data the rejects file uses NUL terminators" {
	printf 'a:1\0b:x\0c\nd\0e:2' >in.txt
	run_to_files -z --rejects=rej.txt in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a\t1\ne\t2\n'
	expect_file rej.txt 'b:x\0c\nd\0'
	expect_file err '%s\n' "fanout: in.txt:2: invalid number 'x'" "fanout: in.txt:3: missing delimiter ':'" \
		"fanout: 4 records read, 2 accepted, 2 rejected"
}

@test "the rejects file is created empty when nothing is rejected" {
	printf 'a:1\n' >in.txt
	run_to_files --rejects=rej.txt in.txt
	[[ "$status" == 0 ]]
	expect_file rej.txt ''
	expect_file out 'a\t1\n'
	expect_file err ''
}

@test "an existing rejects file is truncated" {
	printf 'old contents that must go\n' >rej.txt
	printf 'a:1\nb\n' >in.txt
	run_to_files --rejects=rej.txt in.txt
	[[ "$status" == 1 ]]
	expect_file rej.txt 'b\n'
	expect_file out 'a\t1\n'
	expect_file err '%s\n' "fanout: in.txt:2: missing delimiter ':'" "fanout: 2 records read, 1 accepted, 1 rejected"
}

@test "the rejects file is created (empty) for empty input" {
	: >in.txt
	run_to_files --rejects=rej.txt in.txt
	[[ "$status" == 0 ]]
	expect_file rej.txt ''
	expect_file out ''
}

@test "rejected records from several files keep input order" {
	printf 'x\na:1\ny\n' >one.txt
	printf 'a:2\nz\n' >two.txt
	run_to_files --rejects=rej.txt one.txt two.txt
	[[ "$status" == 1 ]]
	expect_file rej.txt 'x\ny\nz\n'
	expect_file err '%s\n' "fanout: one.txt:1: missing delimiter ':'" "fanout: one.txt:3: missing delimiter ':'" \
		"fanout: two.txt:2: missing delimiter ':'" "fanout: 5 records read, 2 accepted, 3 rejected"
}

@test "a rejects file that cannot be opened is an error before reading" {
	printf 'a:1\nbad\n' >in.txt
	run_fanout --rejects=no/such/dir/rej.txt in.txt
	assert_result 2 "" "fanout: no/such/dir/rej.txt: No such file or directory"
}

@test "a directory as rejects file is an error" {
	mkdir rejdir
	printf 'a:1\n' >in.txt
	run_fanout --rejects=rejdir in.txt
	assert_result 2 "" "fanout: rejdir: Is a directory"
}

@test "--quiet drops the per-record lines but keeps the summary" {
	printf 'a:1\nb\nc:x\n' >in.txt
	run_fanout --quiet in.txt
	assert_result 1 $'a\t1' "fanout: 3 records read, 1 accepted, 2 rejected"
}

@test "--quiet still writes the rejects file" {
	printf 'a:1\nb\nc:x\n' >in.txt
	run_to_files -q -r rej.txt in.txt
	[[ "$status" == 1 ]]
	expect_file rej.txt 'b\nc:x\n'
	expect_file err 'fanout: 3 records read, 1 accepted, 2 rejected\n'
}

@test "--quiet with nothing rejected prints nothing on stderr" {
	printf 'a:1\n' >in.txt
	run_fanout -q in.txt
	assert_result 0 $'a\t1' ""
}

@test "--max-errors=0 stops at the first rejection: exit 2, no aggregate output" {
	printf 'a:1\na:2\nbad\na:3\nworse\n' >in.txt
	run_fanout --max-errors=0 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:3: missing delimiter ':'" \
		"fanout: more than 0 rejected records; stopping" \
		"fanout: 3 records read, 2 accepted, 1 rejected; 0 bytes of output written")"
}

@test "--max-errors=0 with nothing rejected finishes normally" {
	printf 'a:1\na:2\n' >in.txt
	run_fanout -e 0 in.txt
	assert_result 0 $'a\t3' ""
}

@test "--max-errors=N allows exactly N rejections" {
	printf 'a:1\nx\na:2\ny\na:3\n' >in.txt
	run_fanout --max-errors=2 in.txt
	assert_result 1 $'a\t6' "$(text "fanout: in.txt:2: missing delimiter ':'" \
		"fanout: in.txt:4: missing delimiter ':'" \
		"fanout: 5 records read, 3 accepted, 2 rejected")"
}

@test "--max-errors=N stops after rejection N+1, with the counts so far" {
	printf 'a:1\nx\na:2\ny\na:3\nz\na:4\nw\n' >in.txt
	run_fanout --max-errors=2 in.txt
	assert_result 2 "" "$(text "fanout: in.txt:2: missing delimiter ':'" \
		"fanout: in.txt:4: missing delimiter ':'" \
		"fanout: in.txt:6: missing delimiter ':'" \
		"fanout: more than 2 rejected records; stopping" \
		"fanout: 6 records read, 3 accepted, 3 rejected; 0 bytes of output written")"
}

@test "--max-errors counts rejections across files" {
	printf 'a:1\nx\n' >one.txt
	printf 'y\na:2\n' >two.txt
	run_fanout -e 1 one.txt two.txt
	assert_result 2 "" "$(text "fanout: one.txt:2: missing delimiter ':'" \
		"fanout: two.txt:1: missing delimiter ':'" \
		"fanout: more than 1 rejected records; stopping" \
		"fanout: 3 records read, 1 accepted, 2 rejected; 0 bytes of output written")"
}

@test "--max-errors: the rejects file holds the rejections up to the stopping point" {
	printf 'a:1\nx\na:2\ny\na:3\nz\na:4\nw\n' >in.txt
	run_to_files --max-errors=1 --rejects=rej.txt in.txt
	[[ "$status" == 2 ]]
	expect_file out ''
	expect_file rej.txt 'x\ny\n'
	expect_file err '%s\n' "fanout: in.txt:2: missing delimiter ':'" "fanout: in.txt:4: missing delimiter ':'" \
		"fanout: more than 1 rejected records; stopping" "fanout: 4 records read, 2 accepted, 2 rejected; 0 bytes of output written"
}

@test "--max-errors in ordered mode writes exactly the accepted records before the stopping point" {
	printf 'ok1:1\nbad1\nok2:2\nbad2\nok3:3\nbad3\nok4:4\nbad4\n' >in.txt
	run_to_files --ordered --max-errors=2 in.txt
	[[ "$status" == 2 ]]
	expect_file out 'ok1:1\nok2:2\nok3:3\n'
	expect_file err '%s\n' "fanout: in.txt:2: missing delimiter ':'" "fanout: in.txt:4: missing delimiter ':'" \
		"fanout: in.txt:6: missing delimiter ':'" "fanout: more than 2 rejected records; stopping" \
		"fanout: 6 records read, 3 accepted, 3 rejected; 18 bytes of output written"
}

@test "--max-errors with --quiet keeps the stopping message and the summary" {
	printf 'x\ny\na:1\n' >in.txt
	run_fanout --quiet --max-errors=1 in.txt
	assert_result 2 "" "$(text "fanout: more than 1 rejected records; stopping" \
		"fanout: 2 records read, 0 accepted, 2 rejected; 0 bytes of output written")"
}

@test "--max-errors stops at the same record in a large input (checked with awk)" {
	"$GAWK" 'BEGIN { srand(5); for (i = 1; i <= 20000; i++) if (rand() < 0.01) print "bad" i; else printf "k%d:%d\n", i % 3, i % 100 }' >in.txt
	"$GAWK" '/^bad/ { printf "fanout: in.txt:%d: missing delimiter '"':'"'\n", NR; if (++r > 50) {
			print "fanout: more than 50 rejected records; stopping"
			printf "fanout: %d records read, %d accepted, %d rejected; 0 bytes of output written\n", NR, NR - r, r; exit } }' in.txt >expected.err
	run_to_files --max-errors=50 --batch=1K --jobs=3 in.txt
	[[ "$status" == 2 ]]
	expect_file out ''
	expect_same_file expected.err err
}

@test "runs sharing one standard error never cut each other's messages" {
	# Two runs at once, each with 200,000 rejections (about 7 MB of
	# messages, hundreds of buffers' worth, so that their writes overlap),
	# onto one file: every line must be one whole message, each record
	# reported exactly once.
	for f in a b; do
		"$GAWK" -v f="$f" 'BEGIN { for (i = 1; i <= 200000; i++) printf "%s-bad-record-%d\n", f, i }' >"$f.txt"
	done
	{
		"$FANOUT" a.txt >/dev/null &
		"$FANOUT" b.txt >/dev/null &
		wait
	} 2>err
	"$GAWK" '
		/^fanout: [ab]\.txt:[0-9]+: missing delimiter .:.$/ {
			split($2, p, ":"); if (seen[p[1], p[2]]++) bad = bad "\ntwice: " $0
			n[p[1]]++; next
		}
		/^fanout: no record accepted$/ { nothing++; next }
		/^fanout: 200000 records read, 0 accepted, 200000 rejected; 0 bytes of output written$/ { summaries++; next }
		{ bad = bad "\nnot a whole message: " $0 }
		END {
			if (n["a.txt"] != 200000 || n["b.txt"] != 200000 || summaries != 2 || nothing != 2)
				bad = bad "\ncounts: " n["a.txt"] " " n["b.txt"] " " summaries
			if (bad != "") { print substr(bad, 2) > "/dev/stderr"; exit 1 }
		}' err
}
