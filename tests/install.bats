#!/usr/bin/env bats
# Installation and the bash completion: make install honours the configured
# prefix and DESTDIR and installs the program, the man page and the
# completion file; the completion completes options, their fixed values
# and file names, in a bash without the bash-completion package.

load test_helper

setup() {
	common_setup
	COMPLETION="$FANOUT_SOURCE_DIR/bash-completion/fanout"
}

# build_make ARGS...: make in the build tree, as a separate make: the
# variables of a make check that runs this test are not passed on.
build_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make -s --no-print-directory -C "$FANOUT_BUILD_DIR" "$@"
}

# make_var NAME [VAR=VALUE]...: the value of NAME in the build tree's
# Makefile, expanded, with the VARs given to make.  It is the last line: a
# Makefile older than Makefile.am is remade first, and that says so on
# standard output.
make_var() {
	local name=$1
	shift
	build_make -f Makefile -f - print-var VAR="$name" "$@" <<'EOF' | tail -n 1
print-var:
	@echo '$($(VAR))'
EOF
}

# check_install VAR=VALUE...: make install VAR=VALUE... DESTDIR=$dest puts
# the program, the man page and the completion file under DESTDIR and the
# prefix, and nothing else; the installed program runs; make uninstall
# removes all three.
check_install() {
	local prefix bindir man1dir compdir dest=$BATS_TEST_TMPDIR/stage
	prefix=$(make_var prefix "$@")
	bindir=$(make_var bindir "$@")
	man1dir=$(make_var man1dir "$@")
	compdir=$(make_var bashcompletiondir "$@")
	[[ $prefix == /* ]] || fail "prefix '$prefix'"
	for dir in "$bindir" "$man1dir"; do
		[[ $dir == "$prefix"/* ]] || fail "'$dir' is not under the prefix '$prefix'"
	done
	# Unless configure was told otherwise, the completion goes where the
	# bash-completion package looks, under the prefix.
	if ! grep -q -e '--with-bash-completion-dir' "$FANOUT_BUILD_DIR/config.status"; then
		[[ $compdir == "$(make_var datadir "$@")/bash-completion/completions" ]] ||
			fail "completion directory '$compdir'"
		[[ $compdir == "$prefix"/* ]] || fail "'$compdir' is not under the prefix '$prefix'"
	fi

	rm -rf "$dest"
	build_make install "$@" DESTDIR="$dest" >make.out 2>&1 || fail "make install failed" "$(cat make.out)"
	[[ -x $dest$bindir/fanout ]] || fail "no $dest$bindir/fanout"
	expect_same_file "$FANOUT_SOURCE_DIR/man/fanout.1" "$dest$man1dir/fanout.1"
	expect_same_file "$COMPLETION" "$dest$compdir/fanout"
	run_exact "$dest$bindir/fanout" --version
	assert_status 0
	[[ ${lines[0]} == "fanout 1.0.0" ]] || fail "installed --version: ${lines[0]}"
	# Those three files are all that was installed.
	run_exact bash -c 'cd "$1" && find . -type f | sort' - "$dest"
	assert_stdout "$(printf '.%s\n' "$bindir/fanout" "$compdir/fanout" "$man1dir/fanout.1" | sort)"

	build_make uninstall "$@" DESTDIR="$dest" >make.out 2>&1 || fail "make uninstall failed" "$(cat make.out)"
	run_exact find "$dest" -type f
	assert_stdout ""
}

@test "make install DESTDIR=... puts the program, man page and completion under the configured prefix" {
	check_install
}

@test "make install prefix=... DESTDIR=... follows a prefix given to make" {
	check_install prefix=/opt/fanout-test
	[[ $(make_var bindir prefix=/opt/fanout-test) == /opt/fanout-test/bin ]] || fail "bindir"
}

# run_completion WORD...: runs the completion function in a fresh bash (no
# startup files, no bash-completion package) for the command line
# "fanout WORD...", the last word being the one completed, split as bash
# splits it (at "=", which is in COMP_WORDBREAKS); prints COMPREPLY, one
# entry per line.
run_completion() {
	bash --norc --noprofile -c '
		source "$1" || exit 1
		shift
		COMP_WORDS=(fanout "$@")
		COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_fanout fanout "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
		((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}"
	' - "$COMPLETION" "$@"
}

# expect_completion EXPECTED WORD...: run_completion WORD... prints EXPECTED
# (lines joined by newlines) and nothing on stderr.
expect_completion() {
	local expected=$1
	shift
	run_exact run_completion "$@"
	assert_status 0
	assert_stderr ""
	[[ $output == "$expected"$'\n' ]] || show_diff "completion of '$*'" "$expected"$'\n' "$output"
}

@test "completion: sourcing the file registers _fanout for fanout, with nothing else needed" {
	run_exact bash --norc --noprofile -c 'source "$1" && complete -p fanout' - "$COMPLETION"
	assert_result 0 "complete -F _fanout fanout" ""
}

@test "completion: --agg completes to --aggregate= and --aggregate=su to sum" {
	expect_completion --aggregate= --agg
	expect_completion sum --aggregate = su
	expect_completion "$(text sum count min max mean sstdev pstdev svar pvar median q1 q3 distinct)" --aggregate =
	expect_completion "$(text min max mean median)" -a m
	expect_completion sum --aggregate su
	# Without "=" in COMP_WORDBREAKS the word is whole, and so is the reply.
	expect_completion --aggregate=sum --aggregate=su
}

@test "completion: --aggregate lists go on after a comma, without repeating an operation" {
	expect_completion sum,count --aggregate = sum,c
	expect_completion "$(text sum,count,min sum,count,max sum,count,mean sum,count,median)" --aggregate = sum,count,m
	expect_completion "$(text count,sum count,min count,max count,mean count,sstdev count,pstdev count,svar count,pvar count,median count,q1 count,q3 count,distinct)" -a count,
}

@test "completion: the fixed values of --format, --sort, --stats and --progress" {
	expect_completion "$(text tsv csv json)" --format =
	expect_completion csv --format = c
	expect_completion "$(text key value first)" --sort =
	expect_completion value --sort = v
	expect_completion "$(text text json)" --stats =
	expect_completion json --stats = j
	expect_completion "$(text --stats --stats=)" --stats
	expect_completion "$(text auto always never)" --progress =
	expect_completion "$(text auto always)" --progress = a
	expect_completion "$(text --progress --progress=)" --progress
}

@test "completion: long options by prefix, with = only for those that take a value" {
	expect_completion "$(text --quoted-fields --quiet --queue-depth=)" --qu
	expect_completion --ordered --ord
	expect_completion "$(text --key= --key-match=)" --key
	expect_completion "$(text --max-record= --max= --max-errors=)" --max
}

@test "completion: short options after a lone -, file names otherwise and after --" {
	run_exact run_completion -
	assert_status 0
	for opt in -d -k -v -t -z -m -r -e -q -a -o -u -j -b -h -V; do
		[[ $'\n'$output == *$'\n'"$opt"$'\n'* ]] || fail "- does not offer $opt" "$output"
	done
	mkdir logs && touch logs/access.log logs/access.log.1 logs/error.log
	# File names come in directory order; bash sorts them for display.
	for words in "logs/acc" "--rejects = logs/acc" "-r logs/acc"; do
		# shellcheck disable=SC2086
		run_exact run_completion $words
		assert_status 0
		[[ $(printf "%s" "$output" | sort) == "$(text logs/access.log logs/access.log.1)" ]] ||
			fail "completion of '$words'" "$output"
	done
	touch -- --agg-file
	expect_completion --agg-file -- --agg
	# An option that takes a number has nothing to offer.
	run_exact run_completion --jobs =
	assert_result 0 "" ""
}

# help_options: the options fanout --help lists, as the completion file
# writes them: --name, --name= (takes a value) or --name[=] (an optional
# one).  --help is built from the option table of src/options.c.
help_options() {
	"$FANOUT" --help | sed -nE 's/^( {2}-[[:alnum:]], | {6})(--[[:alnum:]][-[:alnum:]]*)(\[?=)?.*/\2\3/p' |
		sed 's/\[=$/[=]/' | sort
}

# help_values: "OPTION WORD" for every fixed value --help lists under a
# long option (the value tables of the sources: operations, formats,
# orders, --stats and --progress words).
help_values() {
	"$FANOUT" --help | awk '
		/^(  -[[:alnum:]], |      )--/ { sub(/^ *(-[[:alnum:]], )?/, ""); sub(/[=[ ].*/, ""); option = $0; next }
		/^ {29}[a-z][-a-z0-9]* / && option != "" { print option, $1; next }
		/^ {0,26}[^ ]/ { option = "" }' | sort
}

# completion_eval CODE: CODE run in a bash that has sourced the completion.
completion_eval() {
	bash --norc --noprofile -c 'source "$1" && eval "$2"' - "$COMPLETION" "$1"
}

@test "the completion's options are the option table's, as --help lists them, with = where they take a value" {
	local want got
	want=$(help_options)
	[[ $(wc -l <<<"$want") -ge 25 ]] || fail "too few options in --help" "$want"
	got=$(completion_eval 'printf "%s\n" $_fanout_long_options' | sort)
	[[ $got == "$want" ]] || show_diff "long options" "$want" "$got"
	want=$("$FANOUT" --help | sed -nE 's/^ {2}(-[[:alnum:]]),.*/\1/p' | sort)
	got=$(completion_eval 'printf "%s\n" $_fanout_short_options' | sort)
	[[ $got == "$want" ]] || show_diff "short options" "$want" "$got"
	want=$("$FANOUT" --help | sed -nE 's/^ {2}(-[[:alnum:]]), --[-[:alnum:]]+=.*/\1/p' | sort)
	got=$(completion_eval 'printf "%s\n" $_fanout_short_with_value' | sort)
	[[ $got == "$want" ]] || show_diff "short options that take a value" "$want" "$got"
}

@test "the completion's value lists are the C tables' operations, formats, orders, --stats and --progress words" {
	local want got option
	want=$(help_values)
	for option in --aggregate --format --sort --stats --progress; do
		[[ $want == *"$option "* ]] || fail "--help lists no values for $option" "$want"
	done
	got=$(for option in $(help_options | sed 's/=.*//; s/\[.*//'); do
		completion_eval "for w in \$(_fanout_values $option); do echo $option \$w; done"
	done | sort)
	[[ $got == "$want" ]] || show_diff "values per option" "$want" "$got"
}
