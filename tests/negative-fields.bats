#!/usr/bin/env bats
# Fields counted from the end: -1 is the last field, -2 the one before it,
# in --key, --value and --where, as awk's $NF and $(NF-1).

load test_helper

setup() {
	common_setup
}

# Lines of 1 to 7 blank-separated fields: a word, then numbers.
make_lines() {
	"$GAWK" 'BEGIN { srand(5); for (i = 0; i < 3000; i++) { n = 1 + int(rand() * 7); printf "k%d", int(rand() * 9); for (j = 2; j <= n; j++) printf "%s%d", (rand() < 0.2 ? "   " : " "), int(rand() * 1000); printf "\n" } }' >in.txt
}

@test "-v -1 and -v -2 are awk's \$NF and \$(NF-1); shorter records are rejected" {
	make_lines
	"$GAWK" 'NF >= 2 { s[$1] += $NF; c[$1]++ } END { for (k in s) printf "%s\t%d\t%d\n", k, s[k], c[k] }' in.txt | sort >expected.txt
	run_to_files -q -k 1 -v -1 -a sum,count in.txt
	[[ $status == 1 ]] # a record of one field has its word as the value
	expect_same_file expected.txt out
	"$GAWK" 'NF >= 3 { s[$1] += $(NF-1); c[$1]++ } END { for (k in s) printf "%s\t%d\t%d\n", k, s[k], c[k] }' in.txt | sort >expected.txt
	run_to_files -q -k 1 -v -2 -a sum,count in.txt
	[[ $status == 1 ]]
	expect_same_file expected.txt out
	read -r short < <("$GAWK" 'NF < 2 { n++ } END { print n }' in.txt)
	run_to_files -k 1 -v -2 -a count in.txt
	[[ $(tail -n 1 err) == "fanout: 3000 records read, $((3000 - short - $("$GAWK" 'NF == 2 { n++ } END { print n + 0 }' in.txt))) accepted, $((short + $("$GAWK" 'NF == 2 { n++ } END { print n + 0 }' in.txt))) rejected" ]]
}

@test "a key may mix fields from the start and the end, and -t fields count empty ones" {
	printf 'a,1,,x,7\nb,2,y\na,,x,5\nc\n' >in.txt
	"$GAWK" -F, 'NF >= 2 && $NF ~ /^[0-9]+$/ { s[$1 "\t" $(NF-1)] += $NF } END { for (k in s) printf "%s\t%d\n", k, s[k] }' in.txt | sort >expected.txt
	run_to_files -t , -k 1,-2 -v -1 in.txt
	[[ $status == 1 ]]
	expect_same_file expected.txt out
	expect_file err 'fanout: in.txt:2: invalid number %s\nfanout: in.txt:4: missing field -2\nfanout: 4 records read, 2 accepted, 2 rejected\n' "'y'"
}

@test "a record too short is rejected as missing the field nearest the end it lacks" {
	printf 'a b c\na b\na\n' >in.txt
	run_fanout -k 1,-3 -a count in.txt
	assert_result 1 "a	a	1" "fanout: in.txt:2: missing field -3
fanout: in.txt:3: missing field -3
fanout: 3 records read, 1 accepted, 2 rejected"
	# A field counted from the start is named first.
	run_fanout -k 2,-3 -a count in.txt
	assert_result 1 "b	a	1" "fanout: in.txt:2: missing field -3
fanout: in.txt:3: missing field 2
fanout: 3 records read, 1 accepted, 2 rejected"
}

@test "--where -1 tests the last field" {
	make_lines
	# A last field that is no number is compared byte by byte: "k3" > "500".
	"$GAWK" '($NF ~ /^[0-9]+$/ ? $NF + 0 > 500 : $NF > "500") { c[$1]++ } END { for (k in c) printf "%s\t%d\n", k, c[k] }' in.txt | sort >expected.txt
	run_to_files -q -k 1 -a count --where='-1>500' in.txt
	expect_same_file expected.txt out
	run_fanout -k 1 -a count '--where=-0=1' in.txt </dev/null
	assert_result 2 "" "fanout: invalid --where value '-0=1': no field '-0' (a field number)
$TRY"
}

@test "--csv counts quoted fields from the end as Python's csv module does" {
	python3 -c '
import csv, random, sys
r = random.Random(3)
with open("in.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    for i in range(2000):
        n = r.randint(2, 6)
        row = [r.choice(["a", "b,c", "d \"q\""]) for _ in range(n - 1)] + [str(r.randint(0, 99))]
        w.writerow(row)
s = {}
for row in csv.reader(open("in.csv", newline="")):
    k = (row[0], row[-2])
    s[k] = s.get(k, 0) + int(row[-1])
for k in sorted(s, key=lambda k: (k[0].encode(), k[1].encode())):
    print("%s\t%s\t%d" % (k[0], k[1], s[k]))
' >expected.txt
	run_to_files --csv -k 1,-2 -v -1 in.csv
	[[ $status == 0 ]]
	expect_same_file expected.txt out
}

@test "with --log-format -1 is the format's last field, with --header-in the header's last column" {
	printf '%s\n' '192.0.2.1 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.0"' \
		'192.0.2.2 - - [10/Oct/2023:13:55:37 +0000] "GET /a b HTTP/1.1" 404 7 "-" "Mozilla/5.0 (X11)"' >access.log
	run_fanout --log-format=combined -k -1 -v -3 --header access.log
	assert_result 0 "$(text $'http_user_agent\tsum(body_bytes_sent)' $'Mozilla/5.0 (X11)\t7' $'curl/8.0\t5')" ""
	run_fanout --log-format=combined -k -10 access.log </dev/null
	assert_result 2 "" "fanout: invalid --key value '-10': a combined log line has 9 fields
$TRY"
	printf 'name,x,amount\na,1,5\nb,2,6\na,3,7\n' >h.csv
	run_fanout --header-in --csv -k 1 -v -1 --header h.csv
	assert_result 0 "$(text $'name\tsum(amount)' $'a\t12' $'b\t6')" ""
	run_fanout --header-in --csv -k -4 -a count h.csv </dev/null
	assert_result 2 "" "fanout: invalid --key value '-4': the header of h.csv has 3 fields
$TRY"
}

@test "fields from the end: the same bytes for any --jobs and --batch, and --partial pieces merged" {
	make_lines
	run_to_files -k -1,1 -v -2 -a sum,count,min,max -j1 in.txt
	cp out reference.txt
	cp err reference.err
	local j b
	for j in 1 2 4; do
		for b in 1K 7K 1M; do
			run_to_files -k -1,1 -v -2 -a sum,count,min,max -j "$j" -b "$b" in.txt
			expect_same_file reference.txt out
			expect_same_file reference.err err
		done
	done
	split -n l/3 in.txt piece.
	for p in piece.*; do
		"$FANOUT" -q --partial -k -1,1 -v -2 -a sum,count,min,max "$p" >"$p.partial" || true
	done
	"$FANOUT" --merge piece.*.partial >merged.txt
	expect_same_file reference.txt merged.txt
}

@test "partials with -k -1 and with -k 3 are not merged together" {
	printf 'a b c\n' >in.txt
	"$FANOUT" --partial -k -1 -a count in.txt >last.partial
	"$FANOUT" --partial -k 3 -a count in.txt >third.partial
	grep -q $'\tkey=-1\t' last.partial
	grep -q $'\tkey=3\t' third.partial
	run_fanout --merge last.partial third.partial </dev/null
	assert_result 2 "" "fanout: third.partial:1: partials made with different options cannot be merged (first partial at last.partial:1)"
}
