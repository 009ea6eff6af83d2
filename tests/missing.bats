#!/usr/bin/env bats
# Records without a value, and runs without an accepted record:
#  --na[=LIST] tokens mean "no value": such a record is accepted and
#    counted, and sum, mean, min and max skip it, as SQL's count(*) and
#    sum(x) do; a key with no value at all prints an empty field in TSV
#    and CSV and null in JSON;
#  blank lines (empty, or only blanks) are skipped, never rejected or
#    written, and counted: read = accepted + rejected + skipped;
#  -a count in key-value mode without bounds reads no number;
#  a run that rejected records and accepted none ends with status 2.
# Expected values are hand-worked here, or come from awk or Python's
# decimal module over the same input.

load test_helper

setup() {
	common_setup
}

# The R export of python3-statsmodels with NA in a numeric column: a
# header, then rows "ROW",Weight,Feed,Time,Pig,Evit,Cu,Litter.
DIETOX=/usr/lib/python3/dist-packages/statsmodels/regression/tests/results/dietox.csv

# decimal_model KEYS VALUE OPS FILE: per key (fields KEYS, comma-separated,
# of the comma-separated FILE) count, sum, mean, min and max of
# field VALUE as fanout prints them: NA skipped but counted, the scale of
# a key the finest of its values, the mean rounded half to even to that
# scale or 6 places, whichever is more; no value printed as empty.
decimal_model() {
	python3 - "$1" "$2" "$3" "$4" <<-'EOF'
		import sys
		from decimal import Decimal, getcontext, ROUND_HALF_EVEN
		getcontext().prec = 80
		keys = [int(k) - 1 for k in sys.argv[1].split(",")]
		value = int(sys.argv[2]) - 1
		ops = sys.argv[3].split(",")
		data = {}
		for line in open(sys.argv[4]):
		    f = line.rstrip("\n").split(",")
		    k = "\t".join(f[i] for i in keys)
		    d = data.setdefault(k, [0, []])
		    d[0] += 1
		    if f[value] not in ("NA", ""):
		        d[1].append(Decimal(f[value]))
		def at(x, places):
		    return str(x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))
		for k in sorted(data, key=lambda s: s.encode()):
		    n, vals = data[k]
		    scale = max([max(0, -v.as_tuple().exponent) for v in vals] or [0])
		    row = [k]
		    for op in ops:
		        if op == "count":
		            row.append(str(n))
		        elif not vals:
		            row.append("")
		        elif op == "sum":
		            row.append(at(sum(vals), scale))
		        elif op == "mean":
		            row.append(at(sum(vals) / len(vals), max(scale, 6)))
		        elif op == "min":
		            row.append(at(min(vals), scale))
		        elif op == "max":
		            row.append(at(max(vals), scale))
		    print("\t".join(row))
	EOF
}

@test "--na: NA, empty and - values are counted, skipped by sum, mean, min and max (hand-worked)" {
	printf 'a:1\na:NA\na:3\nb:-\nb:\nc:2.5\nc:null\nd: N/A \n' >in.txt
	run_fanout --na -a count,sum,mean,min,max in.txt
	assert_result 0 "$(text $'a\t3\t4\t2.000000\t1\t3' \
		$'b\t2\t\t\t\t' \
		$'c\t2\t2.5\t2.500000\t2.5\t2.5' \
		$'d\t1\t\t\t\t')" ""
}

@test "--na: a key without values is an empty field in CSV and null in JSON" {
	printf 'a:1\na:NA\nb:NaN\n' >in.txt
	run_fanout --na -a count,sum,mean --format=csv --header in.txt
	assert_result 0 "$(text key,count,sum,mean a,2,1,1.000000 b,1,,)" ""
	run_fanout --na -a count,sum,mean,min,max --format=json in.txt
	assert_result 0 "$(text '{"key":"a","count":2,"sum":1,"mean":1.000000,"min":1,"max":1}' \
		'{"key":"b","count":1,"sum":null,"mean":null,"min":null,"max":null}')" ""
	python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows[1]["sum"] is None and rows[0]["mean"] == 1.0' run.stdout
}

@test "--na=LIST: only the tokens listed mean no value; an empty item is the empty value" {
	printf 'a:1\na:-999\na:NA\nb:\nb:0\n' >in.txt
	run_fanout --na=-999,,0 -a count,sum,max in.txt
	assert_result 1 "$(text $'a\t2\t1\t1' $'b\t2\t\t')" \
		"$(text "fanout: in.txt:3: invalid number 'NA'" \
			"fanout: 5 records read, 4 accepted, 1 rejected")"
	# A token of digits is no number, whichever path reads the record.
	for jobs in 1 2; do
		printf 'k:7\nk:5\nk:7\n' >digits.txt
		run_fanout --na=7 -j "$jobs" -b 16 -a count,sum digits.txt
		assert_result 0 $'k\t3\t5' ""
	done
}

@test "--na: bounds and --key-match still apply to keys, never to a missing value" {
	printf 'a:5\na:NA\nb:NA\nx:NA\n' >in.txt
	run_fanout --na --above=4 --key-match='^[ab]$' -a count,min in.txt
	assert_result 1 "$(text $'a\t2\t5' $'b\t1\t')" \
		"$(text "fanout: in.txt:4: key 'x' does not match '^[ab]\$'" \
			"fanout: 4 records read, 3 accepted, 1 rejected")"
}

@test "--na --ordered passes records without a value on; --sort=value puts keys without a value last" {
	printf 'a:1\nb:NA\nc:-2\n' >in.txt
	run_fanout --na --ordered in.txt
	assert_result 0 "$(text a:1 b:NA c:-2)" ""
	run_fanout --na --sort=value in.txt
	assert_result 0 "$(text $'a\t1' $'c\t-2' $'b\t')" ""
	run_fanout --na --top=2 in.txt
	assert_result 0 "$(text $'a\t1' $'c\t-2')" ""
}

@test "--na over an R export (statsmodels' dietox, Feed has NA): equals Python's decimal module" {
	[[ -r $DIETOX ]] || fail "$DIETOX is missing: install python3-statsmodels"
	tail -n +2 "$DIETOX" >dietox.csv
	[[ $(grep -c ',NA,' dietox.csv) -gt 50 ]] || fail "dietox.csv has no NA"
	decimal_model 6,7 3 count,sum,mean,min,max dietox.csv >expected
	for jobs in 1 3; do
		run_to_files -j "$jobs" -b 2K -t , -k 6,7 -v 3 --na \
			-a count,sum,mean,min,max dietox.csv
		assert_status 0
		expect_same_file expected out
		expect_same_file /dev/null err
	done
}

@test "--na --stats: missing values are counted, as text and as JSON" {
	printf 'a:1\na:NA\nb:\nc:x\n\n' >in.txt
	run_fanout --na --stats in.txt
	assert_status 1
	[[ ${stderr_lines[2]} == "fanout: stats: 5 records read, 3 accepted, 1 rejected, 1 skipped" ]] ||
		fail "stats line: ${stderr_lines[2]}"
	[[ ${stderr_lines[4]} == "fanout: stats: skipped: 1 blank" ]] ||
		fail "skipped line: ${stderr_lines[4]}"
	[[ ${stderr_lines[5]} == "fanout: stats: missing values: 2" ]] ||
		fail "missing line: ${stderr_lines[5]}"
	run_fanout --na -q --stats=json in.txt
	assert_status 1
	python3 -c 'import json, sys
d = json.loads(sys.argv[1])
r = d["records"]
assert r == {"read": 5, "accepted": 3, "rejected": 1, "skipped": 1, "missing_values": 2}, r
assert d["skipped"] == {"blank": 1, "filtered": 0}, d["skipped"]' "$stderr"
}

@test "--partial with --na merges to one run's result; partials with and without --na do not merge" {
	"$GAWK" 'BEGIN { srand(3); for (i = 0; i < 3000; i++) {
		r = rand(); v = int(rand() * 2000) - 1000
		print "k" int(rand() * 40) ":" (r < 0.2 ? "NA" : r < 0.25 ? "" : r < 0.3 ? "-" : v)
		if (r > 0.95) print "" } }' >in.txt
	run_to_files --na -a count,sum,mean,min,max in.txt
	assert_status 0
	cp out one.out
	split -n l/3 -d in.txt piece.
	for p in piece.0?; do
		"$FANOUT" --partial --na -a count,sum,mean,min,max "$p" >"$p.partial" ||
			fail "fanout --partial --na $p failed"
	done
	run_to_files --merge piece.0?.partial
	assert_status 0
	expect_same_file one.out out
	expect_same_file /dev/null err
	# The model: awk over the same lines.
	"$GAWK" -F: 'NF > 1 { n[$1]++; if ($2 != "NA" && $2 != "" && $2 != "-") { s[$1] += $2; c[$1]++ } }
		END { for (k in n) printf "%s\t%d\t%d\n", k, n[k], s[k] }' in.txt | sort >expected
	cut -f1-3 one.out >actual
	expect_same_file expected actual
	run_exact "$FANOUT" --partial -q -a count,sum,mean,min,max piece.00
	assert_status 1
	cp run.stdout plain.partial
	run_fanout --merge piece.01.partial plain.partial
	assert_status 2
	[[ $stderr == *"partials made with different options cannot be merged"* ]] ||
		fail "stderr: $stderr"
}

@test "blank lines are skipped, not rejected: sums equal awk's, status 0" {
	printf 'a:1\n\nb:2\n  \t \n\r\na:3\n \r\n' >in.txt
	run_fanout in.txt
	assert_result 0 "$(text $'a\t4' $'b\t2')" ""
	printf 'a:1\0\0 \0b:2\0' >nul.txt
	run_fanout -z -a count nul.txt
	assert_result 0 "$(text $'a\t1' $'b\t1')" ""
	run_fanout -k 1 -a count in.txt
	assert_result 0 "$(text $'a:1\t1' $'a:3\t1' $'b:2\t1')" ""
}

@test "blank lines: --ordered and --unordered do not write them, nor --rejects; the summary counts them as skipped" {
	printf 'a:1\n\nbad\n   \nb:2\n\n' >in.txt
	for mode in --ordered --unordered; do
		run_fanout "$mode" --rejects=rej.txt -b 4 -j 2 in.txt
		assert_status 1
		assert_stderr "$(text "fanout: in.txt:3: missing delimiter ':'" \
			"fanout: 6 records read, 2 accepted, 1 rejected, 3 skipped")"
		# --unordered keeps no order across blocks.
		[[ $(printf "%s" "$output" | sort) == "$(text a:1 b:2)" ]] || fail "stdout: $output"
		expect_file rej.txt 'bad\n'
	done
	run_fanout --ordered -b 4 -j 2 in.txt
	assert_stdout "$(text a:1 b:2)"
}

@test "blank lines: --stats says read = accepted + rejected + skipped, as text and JSON" {
	"$GAWK" 'BEGIN { srand(11); for (i = 0; i < 5000; i++) {
		r = rand(); print (r < 0.1 ? "" : r < 0.15 ? "  " : r < 0.2 ? "bad" : "k" int(r * 9) ":" int(r * 100)) } }' >in.txt
	read -r blank bad good < <("$GAWK" '/^[ \t]*$/ { b++; next } /:/ { g++; next } { r++ }
		END { print b, r, g }' in.txt)
	run_fanout -q --stats in.txt
	assert_status 1
	[[ ${stderr_lines[0]} == "fanout: 5000 records read, $good accepted, $bad rejected, $blank skipped" ]] ||
		fail "summary: ${stderr_lines[0]}"
	[[ ${stderr_lines[1]} == "fanout: stats: 5000 records read, $good accepted, $bad rejected, $blank skipped" ]] ||
		fail "stats: ${stderr_lines[1]}"
	[[ ${stderr_lines[3]} == "fanout: stats: skipped: $blank blank" ]] ||
		fail "skipped: ${stderr_lines[3]}"
	run_fanout -q --stats=json -j 3 -b 1K in.txt
	python3 -c 'import json, sys
d = json.loads(sys.argv[1]); r = d["records"]
assert r["read"] == 5000 and r["accepted"] == int(sys.argv[2]) and r["rejected"] == int(sys.argv[3]), r
assert r["skipped"] == int(sys.argv[4]) == d["skipped"]["blank"], r
assert r["read"] == r["accepted"] + r["rejected"] + r["skipped"]' "$stderr" "$good" "$bad" "$blank"
}

@test "-a count in key-value mode reads no number: apt's history.log lines are counted" {
	cat >history.log <<-'EOF'
		Start-Date: 2024-05-02  10:01:12
		Commandline: apt-get install -y bats
		Install: bats:amd64 (1.10.0-1)
		End-Date: 2024-05-02  10:01:14

		Start-Date: 2024-05-03  08:00:00
		Commandline: apt-get upgrade
		End-Date: 2024-05-03  08:02:30
	EOF
	"$GAWK" -F: 'NF > 1 { n[$1]++ } END { for (k in n) printf "%s\t%d\n", k, n[k] }' history.log |
		sort >expected
	run_to_files -a count history.log
	assert_status 0
	expect_same_file expected out
	expect_same_file /dev/null err
	# A bound, or another operation, needs the number again.
	run_fanout -a count --min=0 history.log
	assert_status 2
	run_fanout -a count,sum history.log
	assert_status 2
}

@test "no record accepted: 'fanout: no record accepted' and status 2" {
	printf 'a b\nc d\n' >in.txt
	run_fanout in.txt
	assert_result 2 "" "$(text "fanout: in.txt:1: missing delimiter ':'" \
		"fanout: in.txt:2: missing delimiter ':'" \
		"fanout: no record accepted" \
		"fanout: 2 records read, 0 accepted, 2 rejected; 0 bytes of output written")"
	# A wrong --key in field mode.
	run_fanout -q -k 3 -a count in.txt
	assert_result 2 "" "$(text "fanout: no record accepted" \
		"fanout: 2 records read, 0 accepted, 2 rejected; 0 bytes of output written")"
	run_fanout -q --ordered in.txt
	assert_status 2
	run_fanout -q --stats=json in.txt
	assert_status 2
	[[ $stderr == *'"exit_status":2,"errors":["no record accepted"]'* ]] || fail "$stderr"
}

@test "a --partial piece that accepts nothing is not a failed run: its partial merges with the others" {
	printf 'a b\nc d\n' >bad.txt
	printf 'k:2\nk:3\n' >good.txt
	run_fanout -q --partial bad.txt
	assert_status 1
	assert_stderr "fanout: 2 records read, 0 accepted, 2 rejected"
	cp run.stdout bad.partial
	"$FANOUT" --partial good.txt >good.partial
	run_fanout --merge bad.partial good.partial
	assert_result 0 $'k\t5' ""
}

@test "nothing accepted but nothing rejected is status 0: empty, all blank, all missing" {
	: >empty.txt
	run_fanout empty.txt
	assert_result 0 "" ""
	printf '\n  \n' >blank.txt
	run_fanout blank.txt
	assert_result 0 "" ""
	printf 'a:NA\n\n' >na.txt
	run_fanout --na -a sum,count na.txt
	assert_result 0 $'a\t\t1' ""
}
