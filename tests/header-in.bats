#!/usr/bin/env bats
# --header-in: the first line of each input names its fields and is not a
# record; --key and --value take the names, a number that is a name means
# that column, any other number a position.  Expectations are worked out
# by hand in each test.

load test_helper

setup() {
	common_setup
}

# world_bank: a header whose names are years, as the World Bank's CSV
# files have, and three rows.
world_bank() {
	printf 'country,1960,1961,invest\n'
	printf 'A,1,2,10\n'
	printf 'B,3,4,20\n'
	printf 'A,5,x,30\n'
}

@test "--header-in -t ,: a header of years is not summed; a name that is a number means its column" {
	world_bank >wb.csv
	# 1960 is column 2: A 1 + 5, B 3; the header's own 1960 is no record.
	run_fanout --header-in -t , -k country -v 1960 wb.csv
	assert_result 0 "$(text $'A\t6' $'B\t3')" ""
	# 1961 is column 3; line 4 (the header is line 1) holds x.
	run_fanout --header-in -t , -k 1 -v 1961 wb.csv
	assert_result 1 "$(text $'A\t2' $'B\t4')" "$(text \
		"fanout: wb.csv:4: invalid number 'x'" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
	# 4 is no name, so it is a position: invest.
	run_fanout --header-in -t , -k 1 -v 4 -j 3 -b 1 wb.csv
	assert_result 0 "$(text $'A\t40' $'B\t20')" ""
	# And -k 1960 groups by column 2.
	run_fanout --header-in -t , -k 1960 -a count wb.csv
	assert_result 0 "$(text $'1\t1' $'3\t1' $'5\t1')" ""
}

@test "--header-in with blank separation, from standard input, and passed-through records" {
	printf 'name   score  team\nann 3 red\nbob 4 blue\nann 5 blue\n' >in.txt
	run_fanout --header-in -k team,name -v score <in.txt
	assert_result 0 "$(text $'blue\tann\t5' $'blue\tbob\t4' $'red\tann\t3')" ""
	run_fanout --header-in -k name -v score --min=4 -o in.txt
	assert_result 1 "$(text 'bob 4 blue' 'ann 5 blue')" "$(text \
		"fanout: in.txt:2: value 3 is below minimum 4" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "--header-in over several inputs: each one's header is skipped, lines counted per input, --stats counts the headers" {
	world_bank >a.csv
	printf 'country,1960,1961,invest\nC,7,8,1\nA,x,0,2\n' >b.csv
	run_fanout --header-in -t , -k country -v invest --stats a.csv b.csv
	assert_status 0
	assert_stdout "$(text $'A\t42' $'B\t20' $'C\t1')"
	[[ ${stderr_lines[0]} == "fanout: stats: 5 records read, 5 accepted, 0 rejected" &&
		${stderr_lines[1]} == "fanout: stats: 2 header lines read" ]] || fail "$stderr"
	run_fanout --header-in -t , -k country -v 1960 a.csv b.csv
	assert_result 1 "$(text $'A\t6' $'B\t3' $'C\t7')" "$(text \
		"fanout: b.csv:3: invalid number 'x'" \
		"fanout: 5 records read, 4 accepted, 1 rejected")"
	run_fanout -q --stats=json --header-in -t , -k 1 -a count a.csv b.csv
	assert_status 0
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["headers_read"] == 2 and d["records"]["read"] == 5, d' \
		"$stderr" || fail "$stderr"
}

@test "--header-in: an input whose header lacks a named field is an error, status 2" {
	world_bank >a.csv
	printf 'country,invest,1960\nC,7,8\n' >b.csv
	run_fanout --header-in -t , -k country -v invest a.csv b.csv
	assert_result 2 "" "$(text \
		"fanout: b.csv: header has no field 'invest' in column 4, where the first input's has it" \
		"fanout: 3 records read, 3 accepted, 0 rejected; 0 bytes of output written")"
	# Given as a position, a field is not checked by name.
	run_fanout --header-in -t , -k 1 -v 2 a.csv b.csv
	assert_result 0 "$(text $'A\t6' $'B\t3' $'C\t7')" ""
}

@test "--header-in: an unknown name is a usage error listing the names found" {
	world_bank >wb.csv
	expect_usage_error "invalid --value value 'gdp': the fields of wb.csv are 'country', '1960', '1961', 'invest'" \
		--header-in -t , -k country -v gdp wb.csv
	expect_usage_error "invalid --key value 'country,region': the fields of wb.csv are 'country', '1960', '1961', 'invest'" \
		--header-in -t , -k country,region -a count wb.csv
	: >empty.csv
	expect_usage_error "invalid --key value 'country': empty.csv has no header" \
		--header-in -t , -k country -a count empty.csv
	expect_usage_error "--header-in cannot be used with --log-format" \
		--header-in --log-format=combined -k 1
}

@test "--header-in --header: columns are named after the input's fields, sum(NAME)" {
	world_bank >wb.csv
	run_fanout --header-in -t , -k country -v invest -a count,sum,max --header --format=csv wb.csv
	assert_result 0 "$(text "country,count,sum(invest),max(invest)" "A,2,40,30" "B,1,20,20")" ""
	run_fanout --header-in -t , -k country,1960 -v 4 --header wb.csv
	assert_result 0 "$(text $'country\t1960\tsum(invest)' $'A\t1\t10' $'A\t5\t30' $'B\t3\t20')" ""
}

@test "--header-in in key-value mode: the first line is skipped" {
	printf 'name:score\nann:3\nbob:4\n' >in.txt
	run_fanout --header-in in.txt
	assert_result 0 "$(text $'ann\t3' $'bob\t4')" ""
}

@test "--header-in over compressed inputs: the header is the first decoded line" {
	world_bank >a.csv
	gzip a.csv
	printf 'country,1960,1961,invest\nC,7,8,1\n' | gzip >b.csv.gz
	run_fanout --header-in -t , -k country -v invest a.csv.gz b.csv.gz
	assert_result 0 "$(text $'A\t40' $'B\t20' $'C\t1')" ""
	run_fanout --header-in -t , -k country -v 1961 <a.csv.gz
	assert_result 1 "$(text $'A\t2' $'B\t4')" "$(text \
		"fanout: -:4: invalid number 'x'" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "--header-in --csv: a header of years with quoted names, quoted fields holding separators" {
	{
		printf '\xEF\xBB\xBF"Country Name","Country Code","1960","1961"\r\n'
		printf '"Korea, Rep.",KOR,"1,5",2\r\n'
		printf '"Korea, Rep.",KOR,3,"4"\r\n'
		printf 'Chile,CHL,7,8\r\n'
	} >wb.csv
	# 1961 is column 4: Korea 2 + 4, Chile 8; the header is no record and
	# its byte-order mark no part of the first name.
	run_fanout --header-in --csv -k "Country Name" -v 1961 --header --format=csv wb.csv
	assert_result 0 "$(text "Country Name,sum(1961)" "Chile,8" '"Korea, Rep.",6')" ""
	# 1960 is column 3; "1,5" is no number, on line 2.
	run_fanout --header-in --csv -k 2 -v 1960 wb.csv
	assert_result 1 "$(text $'CHL\t7' $'KOR\t3')" "$(text \
		"fanout: wb.csv:2: invalid number '1,5'" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
	expect_usage_error "invalid --key value 'Country': the fields of wb.csv are 'Country Name', 'Country Code', '1960', '1961'" \
		--header-in --csv -k Country -a count wb.csv
}
