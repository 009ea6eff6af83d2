#!/usr/bin/env bats
# --csv: RFC 4180 input (quoted separators, doubled quotes, quoted line
# breaks, CRLF), and byte-order marks at the start of any input.  Results
# are hand-worked here or computed by tests/csv-oracle.py with Python's
# csv module and decimal.Decimal.

load test_helper

setup() {
	common_setup
}

ORACLE="$FANOUT_SOURCE_DIR/tests/csv-oracle.py"

# need_python: the oracle's interpreter is there, or the test fails saying so.
need_python() {
	command -v python3 >/dev/null \
		|| fail "python3 is needed (Debian package python3)"
}

# statsmodels_data: the directory of Debian's python3-statsmodels, whose
# data sets are CSV files, as dpkg lists it.
statsmodels_data() {
	local init
	init=$(dpkg -L python3-statsmodels 2>/dev/null | grep -m 1 '/statsmodels/__init__\.py$')
	[[ -n "$init" && -d "${init%/__init__.py}/datasets" ]] \
		|| fail "statsmodels' data sets are needed (Debian package python3-statsmodels)" \
		|| return 1
	need_python || return 1
	printf '%s\n' "${init%/__init__.py}"
}

# check_against_oracle FILE KEY VALUE [ARGS...]: fanout --csv -k KEY -v VALUE
# -a sum,count ARGS on FILE prints what the oracle computes, rejects the
# records it names, by the lines they start on, and exits accordingly.
check_against_oracle() {
	local file=$1 key=$2 value=$3
	shift 3
	python3 "$ORACLE" "$file" "$key" "$value" >expected.txt \
		|| fail "the oracle failed on $file"
	cp "$file" in.csv
	run_to_files --csv -k "$key" -v "$value" -a sum,count "$@" in.csv
	expect_same_file expected.txt out
	sed -n 's/^fanout: in\.csv:\([0-9]*\): .*/\1/p' err >lines.txt
	expect_same_file "$file.rejected" lines.txt
	local rejected
	rejected=$(wc -l <"$file.rejected")
	if ((rejected > 0)) && [[ ! -s expected.txt ]]; then
		# Nothing accepted of what was read: trouble, not a result.
		[[ "$status" == 2 ]] || fail "status $status, not 2"
		tail -n 2 err | head -n 1 | grep -qx "fanout: no record accepted" \
			|| fail "no 'no record accepted' before the summary"
		tail -n 1 err | grep -qx "fanout: $rejected records read, 0 accepted, $rejected rejected; 0 bytes of output written" \
			|| fail "summary: $(tail -n 1 err)"
		return
	elif ((rejected > 0)); then
		[[ "$status" == 1 ]] || fail "status $status, not 1"
	else
		[[ "$status" == 0 ]] || fail "status $status, not 0"
	fi
	tail -n 1 err | grep -qx "fanout: [0-9]* records read, [0-9]* accepted, $rejected rejected" \
		|| fail "summary: $(tail -n 1 err)"
}

@test "a quoted separator does not shift the columns, and quoted numbers are numbers" {
	printf 'year,make,price\r\n2019,"alfa-romero","13495"\r\n2019,"Smith, J",3\r\n"2020","say ""hi""",16500\r\n2020,plain,"1.5"\r\n' >in.csv
	run_fanout --csv -k 1 -v 3 in.csv
	assert_result 1 "$(text $'2019\t13498' $'2020\t16501.5')" \
		"$(text "fanout: in.csv:1: invalid number 'price'" \
			'fanout: 5 records read, 4 accepted, 1 rejected')"
}

@test "quotes are removed from keys, doubled quotes are one quote" {
	printf '"alfa-romero",1\n"Smith, J",2\n"say ""hi""",3\nalfa-romero,4\n"",5\n' >in.csv
	run_fanout --csv -k 1 -v 2 in.csv
	assert_result 1 "$(text $'Smith, J\t2' $'alfa-romero\t5' $'say "hi"\t3')" \
		"$(text 'fanout: in.csv:5: empty key' \
			'fanout: 5 records read, 4 accepted, 1 rejected')"
}

@test "-t sets the separator of --csv" {
	printf 'a;"1;5";"2,5"\nb;3;"4"\n' >in.csv
	run_fanout --csv -t ';' -k 2 -a count in.csv
	assert_result 0 "$(text $'1;5\t1' $'3\t1')" ""
}

@test "a record spanning lines is reported by the line it starts on, later ones by theirs" {
	printf 'k,v\na,1\n"b\nc\r\nd",x\ne,y\n"f\n\n",2\ng,z\n' >in.csv
	run_fanout --csv -k 1 -v 2 in.csv
	assert_result 1 $'a\t1\nf\n\n\t2' \
		"$(text "fanout: in.csv:1: invalid number 'v'" \
			"fanout: in.csv:3: invalid number 'x'" \
			"fanout: in.csv:6: invalid number 'y'" \
			"fanout: in.csv:10: invalid number 'z'" \
			'fanout: 6 records read, 2 accepted, 4 rejected')"
}

@test "an unterminated quote at the end of an input is a rejection, not a shifted row" {
	printf 'a,1\n"b,2\nc,3\n' >one.csv
	printf 'd,4\n' >two.csv
	run_fanout --csv -k 1 -v 2 one.csv two.csv
	assert_result 1 "$(text $'a\t1' $'d\t4')" \
		"$(text 'fanout: one.csv:2: unterminated quoted field 1' \
			'fanout: 3 records read, 2 accepted, 1 rejected')"
}

@test "a quote inside an unquoted field, or text after a closing quote, is a rejection" {
	printf 'a,1\nb"c,2\nd,"3"4\n"e" ,5\nf,"6"\n' >in.csv
	run_fanout --csv -k 1 -v 2 in.csv
	assert_result 1 "$(text $'a\t1' $'f\t6')" \
		"$(text 'fanout: in.csv:2: quote inside unquoted field 1' \
			'fanout: in.csv:3: text after the closing quote of field 2' \
			'fanout: in.csv:4: text after the closing quote of field 1' \
			'fanout: 5 records read, 2 accepted, 3 rejected')"
}

@test "a bad quote in a field that is not used still rejects the record" {
	printf 'a,1,x"y\nb,2,"z"\n' >in.csv
	run_fanout --csv -k 1 -v 2 in.csv
	assert_result 1 $'b\t2' \
		"$(text 'fanout: in.csv:1: quote inside unquoted field 3' \
			'fanout: 2 records read, 1 accepted, 1 rejected')"
}

@test "--ordered and --rejects keep CSV records verbatim, quotes and line ends included" {
	printf 'k,v\r\n"a,b","1"\r\n"c\r\nd",x\r\n"e""f",2\n"g,3\n' >in.csv
	run_to_files --csv -k 1 -v 2 --ordered --rejects=bad.csv in.csv
	[[ "$status" == 1 ]] || fail "status $status"
	expect_file out '"a,b","1"\r\n"e""f",2\n'
	expect_file bad.csv 'k,v\r\n"c\r\nd",x\r\n"g,3\n'
	expect_file err "fanout: in.csv:1: invalid number 'v'\nfanout: in.csv:3: invalid number 'x'\nfanout: in.csv:6: unterminated quoted field 1\nfanout: 5 records read, 2 accepted, 3 rejected\n"
}

@test "generated CSV with quoted line breaks: the oracle's totals at every --batch and --jobs" {
	need_python
	python3 "$ORACLE" gen.csv 1 2 --gen 7 3000 >expected.txt
	[[ $(wc -l <expected.txt) -ge 5 ]] || fail "too few keys accepted by the oracle"
	cp gen.csv.rejected expected-lines.txt
	grep -q '"[^"]*$' gen.csv || fail "no quoted line break was generated"
	for batch in 1 7 100 64K; do
		for jobs in 1 2 3; do
			run_to_files --csv -k 1 -v 2 -a sum,count --batch=$batch --jobs=$jobs gen.csv
			[[ "$status" == 1 ]] || fail "--batch=$batch --jobs=$jobs: status $status"
			expect_same_file expected.txt out
			sed -n 's/^fanout: gen\.csv:\([0-9]*\): .*/\1/p' err >lines.txt
			expect_same_file expected-lines.txt lines.txt
			mv err "err.$batch.$jobs"
			cmp -s err.1.1 "err.$batch.$jobs" || fail "--batch=$batch --jobs=$jobs: messages differ"
		done
		# From a pipe, whose blocks the producer cuts as it reads.
		"$FANOUT" --csv -k 1 -v 2 -a sum,count --batch=$batch --jobs=2 <gen.csv >pipe.out 2>/dev/null || true
		expect_same_file expected.txt pipe.out
		# --ordered passes exactly the accepted records, verbatim.
		"$FANOUT" --csv -k 1 -v 2 --ordered --rejects=bad.csv --batch=$batch --jobs=3 gen.csv >good.csv 2>/dev/null || true
		# The oracle finds the same totals in what was passed, and
		# rejects every record of what was not.
		python3 "$ORACLE" good.csv 1 2 >good.txt
		expect_same_file expected.txt good.txt
		expect_file good.csv.rejected ''
		python3 "$ORACLE" bad.csv 1 2 >bad.txt
		expect_file bad.txt ''
		[[ $(wc -l <bad.csv.rejected) == $(wc -l <expected-lines.txt) ]] \
			|| fail "--batch=$batch: bad.csv holds other records"
	done
}

@test "statsmodels fertility.csv: quoted commas and empty fields, against Python's csv and Decimal" {
	local dir
	dir=$(statsmodels_data)
	cp "$dir/datasets/fertility/fertility.csv" fertility.csv
	grep -q '"Korea, Rep\."' fertility.csv || fail "fertility.csv has no quoted comma"
	check_against_oracle fertility.csv 3 50
	check_against_oracle fertility.csv 1 30 --batch=1K --jobs=3
	check_against_oracle fertility.csv 4 59 --batch=1
}

@test "statsmodels R exports: quoted keys and quoted numbers, against Python's csv and Decimal" {
	local dir
	dir=$(statsmodels_data)
	cp "$dir/stats/tests/results/framing.csv" framing.csv
	cp "$dir/genmod/tests/results/epil.csv" epil.csv
	cp "$dir/regression/tests/results/pastes.csv" pastes.csv
	check_against_oracle framing.csv 3 2
	check_against_oracle framing.csv 5 7 --batch=100
	check_against_oracle epil.csv 3 2
	check_against_oracle pastes.csv 3 2 --batch=7 --jobs=2
}

@test "statsmodels danish data.csv starts with a UTF-8 byte-order mark, which is not part of the first key" {
	local dir
	dir=$(statsmodels_data)
	cp "$dir/datasets/danish_data/data.csv" data.csv
	[[ $(head -c 3 data.csv | od -An -tx1) == ' ef bb bf' ]] || fail "no byte-order mark"
	check_against_oracle data.csv 1 2
	run_fanout --csv -k 1 -a count --top=1 --sort=key data.csv
	assert_result 0 $'1974Q1\t1' ""
	run_fanout --csv -k 1 -a count data.csv
	assert_status 0
	grep -qx $'period\t1' <<<"$output" || fail "no key 'period': $output"
	! grep -q $'\357' <<<"$output" || fail "a key holds the mark: $output"
}

@test "a UTF-8 byte-order mark is not part of the first record, in every mode" {
	printf '\357\273\277users:1\nusers:2\n' >in.txt
	run_fanout in.txt
	assert_result 0 $'users\t3' ""
	printf '\357\273\277"a\nb",1\n"a\nb",2\n' >in.csv
	run_fanout --csv -k 1 -v 2 in.csv
	assert_result 0 $'a\nb\t3' ""
	printf '\357\273\277a 1\na 2\n' >in.txt
	run_fanout -k 1 -v 2 --batch=1 in.txt
	assert_result 0 $'a\t3' ""
}

@test "--ordered and --rejects keep a UTF-8 byte-order mark where it was" {
	printf '\357\273\277x:1\ny:2\n' >in.txt
	run_to_files --ordered in.txt
	[[ "$status" == 0 ]] || fail "status $status"
	expect_file out '\357\273\277x:1\ny:2\n'
	printf '\357\273\277x:bad\ny:2\n' >in.txt
	run_to_files --ordered --rejects=bad.txt in.txt
	[[ "$status" == 1 ]] || fail "status $status"
	expect_file out 'y:2\n'
	expect_file bad.txt '\357\273\277x:bad\n'
	expect_file err "fanout: in.txt:1: invalid number 'bad'\nfanout: 2 records read, 1 accepted, 1 rejected\n"
}

@test "a byte-order mark is only one at the start of an input" {
	printf 'a:1\n\357\273\277a:2\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'a\t1' $'\357\273\277a\t2')" ""
}

@test "UTF-16 and UTF-32 input is refused with status 2" {
	printf 'a:1\n' >first.txt
	printf '\377\376a\000:\0001\000\n\000' >le16.txt
	printf '\376\377\000a\000:\0001\000\n' >be16.txt
	printf '\377\376\000\000a\000\000\000\n\000\000\000' >le32.txt
	printf '\000\000\376\377\000\000\000a\000\000\000\n' >be32.txt
	for f in le16 be16; do
		run_fanout first.txt $f.txt
		assert_result 2 "" \
			"$(text "fanout: $f.txt: UTF-16 input is not supported; convert it with iconv" \
				'fanout: 1 records read, 1 accepted, 0 rejected; 0 bytes of output written')"
	done
	for f in le32 be32; do
		run_fanout --ordered $f.txt
		assert_result 2 "" \
			"$(text "fanout: $f.txt: UTF-32 input is not supported; convert it with iconv" \
				'fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written')"
	done
	run_fanout --batch=1 <le16.txt
	assert_status 2
	[[ "${stderr_lines[0]}" == "fanout: -: UTF-16 input is not supported; convert it with iconv" ]] \
		|| fail "$stderr"
}

@test "--csv needs field mode" {
	expect_usage_error "--csv requires --key or --value" --csv
}
