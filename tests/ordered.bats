#!/usr/bin/env bats
# --ordered and --unordered: accepted records pass through unchanged.

load test_helper

setup() {
	common_setup
}

@test "--ordered writes every accepted record unchanged, in input order" {
	printf 'b:2\na:1\n  spaced key :  3  \nbad\nb:2\n' >in.txt
	run_to_files --ordered in.txt
	[[ "$status" == 1 ]]
	expect_file out 'b:2\na:1\n  spaced key :  3  \nb:2\n'
	expect_file err '%s\n' "fanout: in.txt:4: missing delimiter ':'" "fanout: 5 records read, 4 accepted, 1 rejected"
}

@test "--ordered with nothing rejected exits 0 with an empty stderr" {
	printf 'a:1\nb:2\n' >in.txt
	run_to_files -o in.txt
	[[ "$status" == 0 ]]
	expect_file out 'a:1\nb:2\n'
	expect_file err ''
}

@test "--ordered keeps the CR of CRLF records" {
	printf 'a:1\r\nb:x\r\nc:3\r\n' >in.txt
	run_to_files --ordered in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a:1\r\nc:3\r\n'
	expect_file err '%s\n' "fanout: in.txt:2: invalid number 'x'" "fanout: 3 records read, 2 accepted, 1 rejected"
}

@test "--ordered adds a newline to a final record without one" {
	printf 'a:1\nb:2' >in.txt
	run_to_files --ordered in.txt
	[[ "$status" == 0 ]]
	expect_file out 'a:1\nb:2\n'
}

@test "--ordered keeps a final CR of an unterminated record and adds the newline" {
	printf 'a:1\nb:2\r' >in.txt
	run_to_files --ordered in.txt
	[[ "$status" == 0 ]]
	expect_file out 'a:1\nb:2\r\n'
}

@test "--ordered with --null-data writes NUL terminators" {
	printf 'a:1\0multi\nline:2\0bad\0c:3' >in.txt
	run_to_files --ordered -z in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a:1\0multi\nline:2\0c:3\0'
	expect_file err '%s\n' "fanout: in.txt:3: missing delimiter ':'" "fanout: 4 records read, 3 accepted, 1 rejected"
}

@test "--ordered applies bounds and --key-match" {
	printf 'a:5\nb:50\na:500\nc:7\n' >in.txt
	run_to_files --ordered --max=100 --key-match='^[ab]$' in.txt
	[[ "$status" == 1 ]]
	expect_file out 'a:5\nb:50\n'
	expect_file err '%s\n' "fanout: in.txt:3: value 500 is above maximum 100" \
		"fanout: in.txt:4: key 'c' does not match '^[ab]\$'" "fanout: 4 records read, 2 accepted, 2 rejected"
}

@test "--ordered in field mode passes the whole record through" {
	printf '  a   1  x\nb  y\nc\t2\n' >in.txt
	run_to_files --ordered --key=1 --value=2 in.txt
	[[ "$status" == 1 ]]
	expect_file out '  a   1  x\nc\t2\n'
	expect_file err '%s\n' "fanout: in.txt:2: invalid number 'y'" "fanout: 3 records read, 2 accepted, 1 rejected"
}

@test "--ordered with empty input writes nothing" {
	: >in.txt
	run_to_files --ordered in.txt
	[[ "$status" == 0 ]]
	expect_file out ''
	expect_file err ''
}

@test "--ordered keeps input order across many small blocks and threads (checked with awk)" {
	"$GAWK" 'BEGIN { srand(3); for (i = 1; i <= 5000; i++) { r = rand(); if (r < 0.05) print "noise" i; else printf "k%d:%d\n", int(rand() * 1000), i } }' >in.txt
	"$GAWK" '!/^noise/' in.txt >expected.out
	run_to_files --ordered --jobs=3 --batch=100 in.txt
	[[ "$status" == 1 ]]
	expect_same_file expected.out out
	"$GAWK" '/^noise/ { printf "fanout: in.txt:%d: missing delimiter '"':'"'\n", NR; r++ }
		END { printf "fanout: %d records read, %d accepted, %d rejected\n", NR, NR - r, r }' in.txt >expected.err
	expect_same_file expected.err err
}

@test "--unordered writes the same set of records as --ordered would" {
	"$GAWK" 'BEGIN { srand(4); for (i = 1; i <= 5000; i++) { r = rand(); if (r < 0.05) print "noise" i; else printf "k%d:%d\n", int(rand() * 1000), i } }' >in.txt
	"$GAWK" '!/^noise/' in.txt | sort >expected.out
	"$GAWK" '/^noise/ { printf "fanout: in.txt:%d: missing delimiter '"':'"'\n", NR; r++ }
		END { printf "fanout: %d records read, %d accepted, %d rejected\n", NR, NR - r, r }' in.txt >expected.err
	run_to_files --unordered --jobs=3 --batch=100 --rejects=rej.txt in.txt
	[[ "$status" == 1 ]]
	sort out >sorted.out
	expect_same_file expected.out sorted.out
	expect_same_file expected.err err
	"$GAWK" '/^noise/' in.txt >expected.rej
	expect_same_file expected.rej rej.txt
}

@test "--unordered on a small input writes each accepted record once" {
	printf 'a:1\nb\nc:2\r\nd:3' >in.txt
	run_to_files --unordered in.txt
	[[ "$status" == 1 ]]
	sort out >sorted.out
	expect_file sorted.out 'a:1\nc:2\r\nd:3\n'
	expect_file err '%s\n' "fanout: in.txt:2: missing delimiter ':'" "fanout: 4 records read, 3 accepted, 1 rejected"
}

@test "--unordered with --null-data writes NUL terminators" {
	printf 'a:1\0b:2' >in.txt
	run_to_files -u -z in.txt
	[[ "$status" == 0 ]]
	tr '\0' '\n' <out | sort >sorted.out
	expect_file sorted.out 'a:1\nb:2\n'
	[[ $(tr -cd '\0' <out | wc -c) == 2 ]]
	[[ $(wc -c <out) == 8 ]]
}

@test "--ordered passes a record much longer than the block size through unchanged" {
	local big
	big=$(repeat_char k 10240)
	printf 'a:1\n%s:5\nb:2\n' "$big" >in.txt
	run_to_files --ordered --batch=16 in.txt
	[[ "$status" == 0 ]]
	expect_same_file in.txt out
}
