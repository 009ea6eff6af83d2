#!/usr/bin/env bats
# Field mode finds fields a byte at a time, or on SSE2 or AVX2 masks,
# whichever the processor has; FANOUT_FIELD_SCAN forces one, for testing.
# Every variant must give the same bytes, and the right ones: each is
# compared with tests/fields-oracle.py on inputs made to put field ends at
# the edges of the 16- and 32-byte chunks the masks cover.

load test_helper

setup() {
	common_setup
}

# The variants this machine and build have, from the message that an
# unknown one gets.
variants() {
	FANOUT_FIELD_SCAN=none "$FANOUT" -k 1 -a count /dev/null 2>&1 >/dev/null |
		sed -n 's/.*; available: //p'
}

@test "FANOUT_FIELD_SCAN names a variant; one not here is an error listing those that are" {
	run_fanout -k 1 -a count /dev/null </dev/null
	assert_result 0 "" ""
	local expected="portable"
	if [[ $(uname -m) == x86_64 ]] && ! grep -q '^#define FANOUT_PORTABLE_SCAN' "$FANOUT_BUILD_DIR/config.h"; then
		expected="sse2 portable"
		if grep -qw avx2 /proc/cpuinfo; then
			expected="avx2 $expected"
		fi
	fi
	FANOUT_FIELD_SCAN=none run_fanout -k 1 -a count /dev/null </dev/null
	assert_result 2 "" "fanout: FANOUT_FIELD_SCAN=none is not available here; available: $expected"
	[[ $(variants) == "$expected" ]]
}

# check_variants SEPARATOR KEYS VALUE SEED: every variant, with one job and
# with small blocks on two, prints what the oracle computes, and the same
# messages on standard error as the portable loops.
check_variants() {
	local sep=$1 keys=$2 value=$3 seed=$4 v opts=()
	[[ $sep == blanks ]] || opts=(-t "$sep")
	python3 "$BATS_TEST_DIRNAME/fields-oracle.py" in.txt "$keys" "$value" "$sep" --gen "$seed" 3000 >expected.txt
	FANOUT_FIELD_SCAN=portable "$FANOUT" "${opts[@]}" -k "$keys" -v "$value" -a sum,count in.txt >reference.out 2>reference.err || true
	expect_same_file expected.txt reference.out
	[[ $(tail -n 1 reference.err) == "$(cat in.txt.summary)" ]]
	for v in $(variants); do
		for j in "-j1" "-j2 -b 4K"; do
			# shellcheck disable=SC2086 # $j is two options
			FANOUT_FIELD_SCAN=$v run_to_files "${opts[@]}" $j -k "$keys" -v "$value" -a sum,count in.txt
			[[ $status == 1 ]]
			expect_same_file expected.txt out
			expect_same_file reference.err err
		done
	done
}

@test "every variant splits at runs of blanks as the oracle does" {
	check_variants blanks 1 2 1
	check_variants blanks 3 1 2
	check_variants blanks 2,5 7 3
}

@test "every variant splits at each separator as the oracle does, empty fields included" {
	check_variants , 1 2 4
	check_variants $'\t' 4 3 5
	check_variants ';' 2,6 1 6
}

@test "every variant counts fields from the end as the oracle does" {
	check_variants blanks -1 -2 7
	check_variants blanks 1,-1 -3 8
	check_variants , -2 -1 9
	check_variants $'\t' -1,2 -4 10
}

@test "a field ending exactly at a chunk edge, and a record of whole chunks" {
	local v a16 a32
	a16=$(repeat_char a 15)
	a32=$(repeat_char b 31)
	# Field 1 of 15, 16, 31, 32 and 33 bytes, the value after one blank
	# or a run; records of exactly 16 and 32 bytes.
	{
		printf '%s 1\n' "$a16" "${a16}c" "$a32" "${a32}d" "${a32}dd"
		printf '%s    2\n' "$a16" "${a16}c" "$a32"
		printf '%s 3\n' "$(repeat_char e 14)" "$(repeat_char f 30)"
		printf '%s\t4\r\n' "$a16"
	} >in.txt
	"$GAWK" '{ sub(/\r$/, ""); s[$1] += $2 } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort >expected.txt
	"$GAWK" '{ sub(/\r$/, ""); s[$1] += $NF } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort >expected-last.txt
	for v in $(variants); do
		FANOUT_FIELD_SCAN=$v run_to_files -k 1 -v 2 in.txt
		[[ $status == 0 ]]
		expect_same_file expected.txt out
		FANOUT_FIELD_SCAN=$v run_to_files -k 1 -v -1 in.txt
		[[ $status == 0 ]]
		expect_same_file expected-last.txt out
		tr ' ' , <in.txt >comma.txt
		FANOUT_FIELD_SCAN=$v run_to_files -t , -k 1 -v -1 comma.txt
		[[ $status == 1 ]] # the line with a TAB is one field, no number
		sed -n '/\t/!p' comma.txt | "$GAWK" -F, '{ s[$1] += $NF } END { for (k in s) printf "%s\t%d\n", k, s[k] }' | sort >expected-comma.txt
		expect_same_file expected-comma.txt out
	done
}
