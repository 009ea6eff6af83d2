#!/usr/bin/env bats
# --key-match follows the locale as grep -E does: in a UTF-8 locale '.'
# and a bracket expression match one character, however many bytes it
# takes, and never a byte that is not valid UTF-8; in the C locale they
# match one byte.  GNU grep -E, run in the same locale on each key, is
# the oracle.

load test_helper

setup() {
	common_setup
	# Keys of one to four bytes per character, a combining accent, a
	# lone continuation byte and a byte that starts nothing.
	printf '%s:1\n' a ab $'\xc3\xa9' $'\xc3\xa9x' $'\xe6\x97\xa5' \
		$'\xf0\x9f\x98\x80' $'e\xcc\x81' $'\xff' $'\x80' $'a\xffb' \
		$'\xe6\x97\xa5\xe6\x9c\xac' >in.txt
}

# expect_like_grep REGEX ENV...: fanout -o --key-match=REGEX, run under
# env ENV, passes on exactly the records whose key grep -E (under the
# same ENV) matches, and rejects the others with status 1.
expect_like_grep() {
	local regex=$1 line key matched=0 total=0
	shift
	: >expected
	while IFS= read -r line; do
		key=${line%%:*}
		total=$((total + 1))
		if printf '%s\n' "$key" | env "$@" grep -a -q -E -- "$regex"; then
			printf '%s\n' "$line" >>expected
			matched=$((matched + 1))
		fi
	done <in.txt
	((matched > 0 && matched < total)) || fail "$regex under $*: grep matches $matched of $total keys; not a test"
	status=0
	env "$@" "$FANOUT" -o -q --key-match="$regex" in.txt >out 2>err || status=$?
	[[ $status == 1 ]] || fail "$regex under $*: status $status" "$(cat err)"
	expect_same_file expected out || fail "$regex under $*: not the keys grep -E matches"
}

@test "--key-match in a UTF-8 locale: '.' and brackets match one character, as grep -E does" {
	local regex
	for regex in '^.$' '^..$' '^.{2}$' '^[é日]' '^[^a]$' 'é.' '^.+$'; do
		expect_like_grep "$regex" LC_ALL=C.UTF-8
	done
	# One character each, by hand: a, é, 日, 😀 (but not e + accent, two).
	expect_like_grep '^.$' LC_ALL=C.UTF-8
	expect_file out 'a:1\n\xc3\xa9:1\n\xe6\x97\xa5:1\n\xf0\x9f\x98\x80:1\n'
}

@test "--key-match follows LC_CTYPE and LANG as well as LC_ALL" {
	expect_like_grep '^.$' -u LC_ALL LC_CTYPE=C.UTF-8
	expect_file out 'a:1\n\xc3\xa9:1\n\xe6\x97\xa5:1\n\xf0\x9f\x98\x80:1\n'
	expect_like_grep '^.$' -u LC_ALL -u LC_CTYPE LANG=C.UTF-8
	expect_file out 'a:1\n\xc3\xa9:1\n\xe6\x97\xa5:1\n\xf0\x9f\x98\x80:1\n'
}

@test "--key-match in the C locale matches bytes, as grep -E does" {
	local regex
	for regex in '^.$' '^..$' '^.{3}$' '^[^a]$' 'é.'; do
		expect_like_grep "$regex" LC_ALL=C
	done
	# One byte each, by hand: a, \xff, \x80.
	expect_like_grep '^.$' LC_ALL=C
	expect_file out 'a:1\n\xff:1\n\x80:1\n'
}

@test "a UTF-8 locale changes nothing but the key pattern: numbers, messages and output stay the same" {
	printf 'k\xc3\xa9:1.50\nx:2e\nk\xc3\xa9:-0.25\n\xff:7\n' >num.txt
	local locale
	for locale in C C.UTF-8; do
		run_exact env LC_ALL=$locale "$FANOUT" -a sum,mean,count --format=json num.txt
		assert_status 1
		assert_stdout "$(text '{"key":"ké","sum":1.25,"mean":0.625000,"count":2}' '{"key":"\ufffd","sum":7,"mean":7.000000,"count":1}')"
		assert_stderr "$(text "fanout: num.txt:2: invalid number '2e'" 'fanout: 4 records read, 3 accepted, 1 rejected')"
	done
}
