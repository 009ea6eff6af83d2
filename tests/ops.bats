#!/usr/bin/env bats
# OP:FIELD: an operation that names its own field, by number or by name
# (--header-in, --log-format), with its own exact totals per key.
# Expectations are hand-worked, computed with awk on small integers, or
# come from tests/ops-oracle.py (Python's fractions and decimal modules).

load test_helper

ORACLE="$BATS_TEST_DIRNAME/ops-oracle.py"

setup() {
	common_setup
}

@test "several fields per record: count, sums, extremes and means of fields 2, 3 and 4 agree with awk" {
	python3 - >in.txt <<'PY'
import random
random.seed(11)
for i in range(5000):
    print("k%d %d %d %d" % (random.randint(0, 30), random.randint(-50, 50),
                            random.randint(0, 999), random.randint(1, 9)))
PY
	"$GAWK" '{ n[$1]++; s2[$1] += $2; s3[$1] += $3; s4[$1] += $4
		if (!($1 in mx3) || $3 > mx3[$1]) mx3[$1] = $3
		if (!($1 in mn4) || $4 < mn4[$1]) mn4[$1] = $4 }
		END { for (k in n) printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", k, n[k], s2[k], s3[k], mx3[k], mn4[k], s4[k] }' \
		in.txt | LC_ALL=C sort >expected.txt
	run_to_files -k 1 -v 2 -a count,sum,sum:3,max:3,min:4,sum:4 in.txt
	assert_status 0
	expect_same_file expected.txt out
	# without --value, when every operation on values names its field
	cut -f 1,2,4- expected.txt >expected2.txt
	run_to_files -k 1 -a count,sum:3,max:3,min:4,sum:4 in.txt
	assert_status 0
	expect_same_file expected2.txt out
}

@test "OP:FIELD with decimals, means and spreads agrees with Python's decimal and fractions modules" {
	python3 - >in.txt <<'PY'
import random
random.seed(23)
for i in range(3000):
    print("%s %d.%02d %d.%d %d" % (random.choice("abcde"), random.randint(0, 99), random.randint(0, 99),
                                   random.randint(-9, 9), random.randint(0, 9), random.randint(0, 10**6)))
PY
	python3 "$ORACLE" 1 value=4 sum mean:2 sstdev:2 max:3 pvar:3 mean count <in.txt >expected.txt
	run_to_files -k 1 -v 4 -a sum,mean:2,sstdev:2,max:3,pvar:3,mean,count in.txt
	assert_status 0
	expect_same_file expected.txt out
}

@test "--na applies per field: a missing value hides the record only from that field's operations" {
	printf 'a 1 10\na NA 20\na 3 -\nb - -\n' >in.txt
	# a: field 2 has 1 and 3, field 3 has 10 and 20; b has neither
	run_fanout -k 1 -v 2 --na -a count,sum,mean,sum:3,min:3 in.txt
	assert_result 0 "$(text $'a\t3\t4\t2.000000\t30\t10' $'b\t1\t\t\t\t')" ""
	run_fanout -k 1 -v 2 --na -a sum:3 --format=json in.txt
	assert_result 0 "$(text '{"key":"a","sum:3":30}' '{"key":"b","sum:3":null}')" ""
}

@test "a value that is not a number in any field an operation needs rejects the record, naming the field" {
	printf 'a 1 10\na 2 x\na 3 30\nb y 1\nc 4\nd 5 \n' >in.txt
	run_fanout -k 1 -v 2 -a sum,sum:3 in.txt
	assert_result 1 "$(text $'a\t4\t40')" "$(text \
		"fanout: in.txt:2: invalid number 'x' in field 3" \
		"fanout: in.txt:4: invalid number 'y'" \
		"fanout: in.txt:5: missing field 3" \
		"fanout: in.txt:6: missing field 3" \
		"fanout: 6 records read, 2 accepted, 4 rejected")"
	printf 'a,1,\n' >c.csv
	run_fanout --csv -k 1 -v 2 -a sum,sum:3 c.csv
	assert_status 2
	assert_stdout ""
	[[ ${stderr_lines[0]} == "fanout: c.csv:1: missing value in field 3" ]] || fail "$stderr"
}

@test "bounds check the --value field only, not the fields operations name" {
	printf 'a 5 1000\na 50 1\na 7 -3\n' >in.txt
	run_fanout -k 1 -v 2 --below=10 -a sum,sum:3,min:3 in.txt
	assert_result 1 $'a\t12\t997\t-3' "$(text "fanout: in.txt:2: value 50 is not below 10" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "names with --header-in: OP:NAME, columns named OP:NAME in TSV, CSV and JSON" {
	printf 'region,price,units\nnorth,1.50,2\nsouth,2,1\nnorth,2.50,4\n' >sales.csv
	run_fanout --header-in --csv -k region -a count,sum:units,mean:price --header sales.csv
	assert_result 0 "$(text $'region\tcount\tsum:units\tmean:price' \
		$'north\t2\t6\t2.000000' $'south\t1\t1\t2.000000')" ""
	run_fanout --header-in --csv -k region -v units -a sum,max:price,sum:3 --header --format=csv sales.csv
	assert_result 0 "$(text 'region,sum(units),max:price,sum:units' \
		'north,6,2.50,6' 'south,1,2,1')" ""
	run_fanout --header-in --csv -k region -a sum:units,sum:3,max:price --format=json sales.csv
	assert_result 0 "$(text '{"key":"north","sum:units":6,"max:price":2.50}' \
		'{"key":"south","sum:units":1,"max:price":2}')" ""
	# a later input whose header puts the named field elsewhere
	tr , '\t' <sales.csv >sales.tsv
	printf 'region\tunits\tprice\nwest\t3\t1\n' >more.tsv
	run_fanout --header-in -t '\t' -k region -a sum:units sales.tsv more.tsv
	assert_status 2
	[[ $stderr == *"more.tsv: header has no field 'units' in column 3"* ]] || fail "$stderr"
	expect_usage_error "invalid --aggregate value 'sum:cost': the fields of sales.csv are 'region', 'price', 'units'" \
		--header-in --csv -k region -a sum:cost sales.csv
}

@test "names with --log-format: requests, bytes and the largest status per path" {
	python3 - >access.log <<'PY'
import random
random.seed(2)
for i in range(2000):
    path = random.choice(["/", "/a", "/b c"])
    print('192.0.2.%d - - [06/Dec/2026:05:08:%02d +0000] "GET %s HTTP/1.1" %d %d "-" "curl/8"'
          % (random.randint(1, 9), i % 60, path, random.choice([200, 404, 500]), random.randint(0, 5000)))
PY
	python3 - access.log >expected.txt <<'PY'
import re, sys
stats = {}
for line in open(sys.argv[1]):
    m = re.match(r'(\S+) \S+ \S+ \[[^]]*\] "GET (.*) HTTP/1.1" (\d+) (\d+)', line)
    s = stats.setdefault(m.group(2), [0, 0, 0])
    s[0] += 1; s[1] += int(m.group(4)); s[2] = max(s[2], int(m.group(3)))
for k in sorted(stats):
    print("%s\t%d\t%d\t%d" % (k, *stats[k]))
PY
	run_to_files --log-format=combined -k path -a count,sum:body_bytes_sent,max:status access.log
	assert_status 0
	expect_same_file expected.txt out
	run_fanout --log-format=combined -k path -a sum:body_bytes_sent,max:7 --header access.log
	[[ ${lines[0]} == $'path\tsum:body_bytes_sent\tmax:body_bytes_sent' ]] || fail "${lines[0]}"
}

@test "usage errors: OP:FIELD in key-value mode, count:FIELD, an empty field, an operation without a field and no --value" {
	expect_usage_error "invalid --aggregate value 'sum:2': an operation names a field only in field mode (--key or --value); in key-value mode the value is the only field" \
		-a count,sum:2
	expect_usage_error "invalid --aggregate value 'count:2': count takes no field" -k 1 -a count:2
	expect_usage_error "invalid --aggregate value 'sum:': no field after ':'" -k 1 -v 2 -a sum:
	expect_usage_error "invalid --aggregate value 'sum:0': 0 is no field (the first is 1, the last -1)" -k 1 -a sum:0
	expect_usage_error "invalid --aggregate operation 'total' (known: sum, count, min, max, mean, sstdev, pstdev, svar, pvar, median, q1, q3, pN, distinct)" \
		-k 1 -a total:2
	expect_usage_error "--aggregate=mean requires --value in field mode" -k 1 -a sum:2,mean
}

@test "OP:FIELD is byte-identical for every --jobs and --batch, and for partials of any split merged" {
	python3 - >in.txt <<'PY'
import random
random.seed(8)
for i in range(30000):
    print("u%d,%d,%s,%d" % (random.randint(0, 500), random.randint(0, 100),
                           random.choice(["NA", "1.5", "-2", "7", "0.25"]), random.randint(-9, 9)))
PY
	local args=(--csv -k 1 -v 2 --na -a count,sum,mean:3,sum:3,max:4,svar:4)
	run_to_files "${args[@]}" --jobs=1 in.txt
	assert_status 0
	cp out expected.txt
	sed 's/,/ /g' in.txt | python3 "$ORACLE" --na 1 value=2 count sum mean:3 sum:3 max:4 svar:4 >oracle.txt
	expect_same_file oracle.txt expected.txt
	local j b k p
	for j in 2 3; do
		for b in 1K 4M; do
			run_to_files "${args[@]}" --jobs="$j" --batch="$b" in.txt
			expect_same_file expected.txt out
		done
	done
	for k in 1 2 4 7; do
		rm -f piece.* part.*
		split -n "l/$k" in.txt piece.
		for p in piece.*; do
			"$FANOUT" "${args[@]}" --partial "$p" >"part.${p#piece.}"
		done
		run_to_files --merge part.*
		assert_status 0
		expect_same_file expected.txt out
	done
	# the header names each operation's field by number
	head -1 part.aa | grep -q $'\taggregate=count,sum,mean:3,sum:3,max:4,svar:4\t' || fail "$(head -1 part.aa)"
}

@test "OP:FIELD counted from the end, without a key and per time bucket agrees with awk, and partials of a split merge to the same" {
	python3 - >in.txt <<'PY'
import random
random.seed(17)
for i in range(3000):
    extra = " x" * random.randint(0, 3)
    print("2026-12-06T05:%02d:%02dZ k%d%s %d %d" % (i // 60 % 60, i % 60,
          random.randint(0, 9), extra, random.randint(-50, 50),
          random.randint(0, 999)))
PY
	# Fields from the end: $NF and $(NF-1), whatever the record's length.
	"$GAWK" '{ n[$2]++; a[$2] += $(NF-1); b[$2] += $NF
		if (!($2 in m) || $NF > m[$2]) m[$2] = $NF }
		END { for (k in n) printf "%s\t%d\t%d\t%d\t%d\n", k, n[k], a[k], b[k], m[k] }' \
		in.txt | LC_ALL=C sort >expected.txt
	run_to_files -k 2 -v -2 -a count,sum,sum:-1,max:-1 in.txt
	assert_status 0
	expect_same_file expected.txt out

	"$GAWK" '{ n++; a += $(NF-1); b += $NF } END { printf "%d\t%d\t%d\n", n, a, b }' \
		in.txt >expected.txt
	run_to_files -v -2 -a count,sum,sum:-1 in.txt
	assert_status 0
	expect_same_file expected.txt out

	"$GAWK" '{ m = substr($1, 1, 17) "00Z"; n[m]++; b[m] += $NF }
		END { for (k in n) printf "%s\t%d\t%d\n", k, n[k], b[k] }' \
		in.txt | LC_ALL=C sort >expected.txt
	run_to_files --time 1 --bucket 1m -a count,sum:-1 in.txt
	assert_status 0
	expect_same_file expected.txt out

	split -n l/3 in.txt part.
	for p in part.a?; do
		"$FANOUT" --partial --time 1 --bucket 1m -a count,sum:-1 "$p" >"$p.partial" ||
			fail "--partial $p"
	done
	run_to_files --merge part.a?.partial
	assert_status 0
	expect_same_file expected.txt out
}
