#!/usr/bin/env bats
# Documentation: the man page is lint-clean and has the usual sections; the
# options the program accepts (read from the option table in
# src/options.c, so a new option counts at once), the options --help lists
# and the options the man page documents are the same set; the README's
# tour names every recipe in examples/, every option group of --help and
# the exit statuses of the man page; every tests/*.bats file is run by make
# check.

load test_helper

setup() {
	common_setup
	MAN="$FANOUT_SOURCE_DIR/man/fanout.1"
	README="$FANOUT_SOURCE_DIR/README.md"
	OPTIONS_C="$FANOUT_SOURCE_DIR/src/options.c"
}

# accepted_long: the long names in src/options.c's option table, one per
# line, with their leading "--".  Rows look like
#     [OPT_NAME] = { "name", 'x', required_argument, ...
accepted_long() {
	sed -n 's/^[[:space:]]*\[OPT_[A-Z_]*\] *= *{ *"\([^"]*\)".*/--\1/p' "$OPTIONS_C" | sort -u
}

# accepted_short: the short letters of that table, as -x.
accepted_short() {
	sed -n "s/^[[:space:]]*\\[OPT_[A-Z_]*\\] *= *{ *\"[^\"]*\", *'\\(.\\)'.*/-\\1/p" "$OPTIONS_C" | sort -u
}

# help_long / help_short: the options --help lists in its option column.
help_long() {
	"$FANOUT" --help | sed -nE 's/^( {2}-[[:alnum:]], | {6})(--[[:alnum:]][-[:alnum:]]*).*/\2/p' | sort -u
}
help_short() {
	"$FANOUT" --help | sed -nE 's/^ {2}(-[[:alnum:]]),.*/\1/p' | sort -u
}

# man_section NAME: the roff source of the man page's section NAME, up to
# the next .SH.
man_section() {
	awk -v name="$1" '
		/^\.SH / { s = $0; sub(/^\.SH +/, "", s); gsub(/"/, "", s); on = (s == name); next }
		on' "$MAN"
}

# man_tags: the tag lines (the line after each .TP) of the OPTIONS section.
man_tags() {
	man_section OPTIONS | awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }'
}

# man_long / man_short: the options the OPTIONS section documents (its
# tags), with roff's \- made plain.
man_long() {
	man_tags | grep -oE '\\-\\-[[:alnum:]]+(\\-[[:alnum:]]+)*' | sed 's/\\-/-/g' | sort -u
}
man_short() {
	man_tags | grep -oE '(^|[^-])\\-[[:alnum:]](\\f|,|$| )' |
		grep -oE '\\-[[:alnum:]]' | sed 's/\\-/-/g' | sort -u
}

# same_sets WHAT A B: the sorted lists A and B are equal; otherwise says
# which entries only one of them has.
same_sets() {
	local only_a only_b
	only_a=$(comm -23 <(printf '%s\n' "$2") <(printf '%s\n' "$3"))
	only_b=$(comm -13 <(printf '%s\n' "$2") <(printf '%s\n' "$3"))
	[[ -z $only_a && -z $only_b ]] ||
		fail "$1" "only in the first: ${only_a:-none}" "only in the second: ${only_b:-none}"
}

@test "the option lists are read from the sources, --help and the man page (sanity)" {
	local list
	for list in accepted_long help_long man_long; do
		run_exact "$list"
		[[ ${#lines[@]} -ge 20 ]] || fail "$list found only ${#lines[@]} options" "$output"
		for opt in --aggregate --key-match --max-errors --help; do
			[[ $'\n'$output == *$'\n'"$opt"$'\n'* ]] || fail "$list misses $opt" "$output"
		done
	done
	for list in accepted_short help_short man_short; do
		run_exact "$list"
		[[ ${#lines[@]} -ge 10 ]] || fail "$list found only ${#lines[@]} options" "$output"
		for opt in -a -d -V; do
			[[ $'\n'$output == *$'\n'"$opt"$'\n'* ]] || fail "$list misses $opt" "$output"
		done
	done
}

@test "every long option the program accepts is in --help, and --help lists no other" {
	same_sets "accepted (src/options.c) versus --help" "$(accepted_long)" "$(help_long)"
}

@test "every long option the program accepts is documented in the man page's OPTIONS, and no other" {
	same_sets "accepted (src/options.c) versus man page OPTIONS" "$(accepted_long)" "$(man_long)"
}

@test "every short option the program accepts is in --help and the man page, and no other" {
	same_sets "accepted (src/options.c) versus --help" "$(accepted_short)" "$(help_short)"
	same_sets "accepted (src/options.c) versus man page OPTIONS" "$(accepted_short)" "$(man_short)"
}

@test "the man page has NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS and EXAMPLES" {
	local section
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES; do
		grep -qE "^\\.SH \"?$section\"?\$" "$MAN" || fail "no $section section"
		[[ -n $(man_section "$section") ]] || fail "the $section section is empty"
	done
}

@test "the man page is clean for groff -man -ww" {
	run_exact groff -man -ww -z "$MAN"
	assert_result 0 "" ""
}

@test "the man page is clean for mandoc -T lint" {
	run_exact mandoc -T lint "$MAN"
	# Whether the pages of SEE ALSO are installed depends on the machine,
	# not on this page.
	local messages
	messages=$(printf '%s' "$stderr$output" | grep -v 'STYLE: referenced manual not found' || true)
	[[ -z $messages ]] || fail "mandoc -T lint:" "$messages"
	[[ $status == 0 || ($status == 1 && -n $stderr$output) ]] || fail "mandoc exit status $status"
}

@test "the README tour names every recipe in examples/, and each is executable" {
	local script n=0
	for script in "$FANOUT_SOURCE_DIR"/examples/*.sh; do
		n=$((n + 1))
		[[ -x $script ]] || fail "$script is not executable"
		grep -qF "examples/${script##*/}" "$README" || fail "README does not mention examples/${script##*/}"
	done
	[[ $n -ge 6 ]] || fail "only $n recipes"
}

@test "the README names every option group of --help" {
	local group n=0
	while read -r group; do
		n=$((n + 1))
		grep -qF "**$group:**" "$README" || fail "README has no option group '$group:'"
	done < <("$FANOUT" --help | sed -n 's/^\([A-Z][a-z]*\):$/\1/p')
	[[ $n -ge 5 ]] || fail "only $n groups in --help"
}

@test "the README's exit status table has the statuses of the man page's EXIT STATUS" {
	local readme man
	# README rows look like "| 0 | ..." between "## Exit status" and the
	# next heading; the man page's tags are ".B 0" or ".RI 128+ n".
	readme=$(sed -n '/^## Exit status/,/^## /p' "$README" | sed -nE 's/^\| *`?([0-9]([0-9+n ]*[0-9n])?)`? *\|.*/\1/p' | tr -d ' ')
	man=$(man_section "EXIT STATUS" | awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' |
		sed -E 's/^\.(B|RI|BR) *//; s/[" ]//g')
	[[ -n $readme ]] || fail "no exit status table in README"
	same_sets "README versus man page exit statuses" "$(sort <<<"$readme")" "$(sort <<<"$man")"
}

@test "every tests/*.bats file is listed in Makefile.am's TESTS, and TESTS names no other" {
	local on_disk listed
	on_disk=$(cd "$FANOUT_SOURCE_DIR" && ls tests/*.bats | sort)
	listed=$(awk '/^TESTS *=/ { on = 1 } on { print; if (!/\\$/) exit }' \
		"$FANOUT_SOURCE_DIR/Makefile.am" | grep -oE 'tests/[[:alnum:]_.-]+\.bats' | sort)
	[[ -n $listed ]] || fail "no TESTS list found in Makefile.am"
	same_sets "tests/*.bats versus TESTS" "$on_disk" "$listed"
}
