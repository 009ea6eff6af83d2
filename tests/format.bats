#!/usr/bin/env bats
# Result formatting: --format=tsv|csv|json, --header, --sort=key|value|first
# and --top.  Expectations are hand-worked, or computed independently from
# the same input: awk for sums and first appearances, sort(1) for value
# order, Python's csv and json modules for what a consumer reads back.

load test_helper

setup() {
	common_setup
}

# --- TSV and --header ---------------------------------------------------------

@test "--format=tsv is the default output, byte for byte" {
	printf 'b:2\na:1.5\nb:-0.25\nc d:7\n' >in.txt
	run_to_files in.txt
	expect_file out 'a\t1.5\nb\t1.75\nc d\t7\n'
	run_to_files --format=tsv in.txt
	expect_file out 'a\t1.5\nb\t1.75\nc d\t7\n'
	run_to_files --format=tsv --sort=key -a count,sum in.txt
	expect_file out 'a\t1\t1.5\nb\t2\t1.75\nc d\t1\t7\n'
}

@test "--header names the key column and the operations in --aggregate order" {
	printf 'b:2\na:1\nb:3\n' >in.txt
	run_fanout --header -a max,count,sum,max in.txt
	assert_result 0 "$(text $'key\tmax\tcount\tsum\tmax' $'a\t1\t1\t1\t1' $'b\t3\t2\t5\t3')" ""
	run_fanout --header --format=csv -a mean in.txt
	assert_result 0 "$(text 'key,mean' 'a,1.000000' 'b,2.500000')" ""
	# No keys: the header alone.
	run_fanout --header --format=csv </dev/null
	assert_result 0 "key,sum" ""
}

@test "a composite key is one column per key field, named key1 to keyN" {
	printf 'h1 10 200\nh2 5 404\nh1 1 200\nh"3 2 500\n' >in.txt
	run_fanout -k 1,3 -v 2 --header in.txt
	assert_result 0 "$(text $'key1\tkey2\tsum' $'h"3\t500\t2' $'h1\t200\t11' $'h2\t404\t5')" ""
	run_fanout -k 3,1 -v 2 --header --format=csv -a sum,count in.txt
	assert_result 0 "$(text 'key1,key2,sum,count' '200,h1,11,2' '404,h2,5,1' '500,"h""3",2,1')" ""
	run_fanout -k 1,3 -v 2 --format=json -a count in.txt
	assert_result 0 "$(text '{"key":["h\"3","500"],"count":1}' \
		'{"key":["h1","200"],"count":2}' '{"key":["h2","404"],"count":1}')" ""
}

# --- CSV -------------------------------------------------------------------------

@test "CSV quotes a field holding a comma, a double quote, CR or LF, and doubles its quotes" {
	printf 'plain:1\0a,b:2\0say "hi":3\0cr\r:4\0two\nlines:5\0"q":6\0' >in.txt
	run_to_files -z --format=csv in.txt
	assert_status 0
	expect_file out '"""q""",6\n"a,b",2\n"cr\r",4\nplain,1\n"say ""hi""",3\n"two\nlines",5\n'
}

@test "CSV keys with commas, quotes, CR and LF round-trip through Python's csv reader" {
	# Random keys over an alphabet of troublesome bytes, NUL-terminated
	# records so that keys may hold LF.
	python3 - <<'PY'
import random
random.seed(7)
alphabet = ['a', 'b', ',', '"', '\r', '\n', ' ', 'x,y', '""', ';', "'"]
with open('in.txt', 'wb') as f:
    for i in range(3000):
        key = ''.join(random.choice(alphabet) for _ in range(random.randint(1, 6)))
        key = key.replace(':', '')
        f.write(('%s:%d\0' % (key, random.randint(-50, 1000))).encode())
PY
	run_to_files -z --format=csv --header -a sum,count in.txt
	assert_status 0
	python3 - <<'PY'
import csv, collections
sums, counts = collections.Counter(), collections.Counter()
for rec in open('in.txt', 'rb').read().split(b'\0')[:-1]:
    key, _, value = rec.decode().partition(':')
    sums[key] += int(value)
    counts[key] += 1
with open('out', newline='') as f:
    rows = list(csv.reader(f))
assert rows[0] == ['key', 'sum', 'count'], rows[0]
got = {r[0]: (int(r[1]), int(r[2])) for r in rows[1:]}
assert len(got) == len(rows) - 1, 'a key was written twice'
want = {k: (sums[k], counts[k]) for k in sums}
assert got == want, set(got.items()) ^ set(want.items())
keys = [r[0].encode() for r in rows[1:]]
assert keys == sorted(keys), 'keys not in byte order'
PY
}

# --- JSON Lines ------------------------------------------------------------------

@test "JSON Lines: one object per key, results as exact JSON numbers" {
	printf 'b:2\na:1.5\nb:-0.25\n' >in.txt
	run_fanout --format=json -a sum,count,min,max,mean in.txt
	assert_result 0 "$(text \
		'{"key":"a","sum":1.5,"count":1,"min":1.5,"max":1.5,"mean":1.500000}' \
		'{"key":"b","sum":1.75,"count":2,"min":-0.25,"max":2.00,"mean":0.875000}')" ""
	# An operation asked for twice is one member: names are unique.
	run_fanout --format=json -a sum,count,sum in.txt
	assert_result 0 "$(text '{"key":"a","sum":1.5,"count":1}' '{"key":"b","sum":1.75,"count":2}')" ""
}

@test "JSON sums beyond 2^53 and 2^64 are printed exactly" {
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		printf 'big:999999999999999999\nneg:-99999999999999999.5\n'
	done >in.txt
	run_fanout --format=json in.txt
	assert_result 0 "$(text '{"key":"big","sum":19999999999999999980}' \
		'{"key":"neg","sum":-1999999999999999990.0}')" ""
	printf '%s' "$output" | python3 -c '
import json, sys, decimal
rows = [json.loads(l, parse_float=decimal.Decimal) for l in sys.stdin]
assert rows[0]["sum"] == 20 * 999999999999999999, rows[0]
assert rows[1]["sum"] == decimal.Decimal("-99999999999999999.5") * 20, rows[1]
'
}

@test "JSON escapes quotes, backslashes and control bytes, hand-worked" {
	printf 'q"b\\s:1\nt\tc\001d\037e\177:2\n' >in.txt
	run_fanout --format=json in.txt
	assert_result 0 "$(text '{"key":"q\"b\\s","sum":1}' \
		'{"key":"t\tc\u0001d\u001fe\u007f","sum":2}')" ""
	printf 'cr\r:1\0nl\nx\bb\ff:2\0' >z.txt
	run_fanout -z --format=json z.txt
	assert_result 0 "$(text '{"key":"cr\r","sum":1}' '{"key":"nl\nx\bb\ff","sum":2}')" ""
}

@test "JSON keys with invalid UTF-8 become U+FFFD per maximal subpart; valid UTF-8 passes unchanged" {
	# Keys come in byte order of the raw keys.  \xff: not a lead byte.
	# \xc0\x80: overlong.  \xed\xa0\x80: a surrogate.  \xe2\x82 then 'z': a sequence cut short (one U+FFFD).
	# \xf4\x90\x80\x80: past U+10FFFF.
	printf 'a\377b:1\n\300\200:2\n\355\240\200:3\nc\342\202z:4\n\364\220\200\200:5\n\303\251\342\202\254\360\237\230\200:6\n' >in.txt
	run_fanout --format=json in.txt
	assert_result 0 "$(text \
		'{"key":"a\ufffdb","sum":1}' \
		'{"key":"c\ufffdz","sum":4}' \
		'{"key":"\ufffd\ufffd","sum":2}' \
		'{"key":"é€😀","sum":6}' \
		'{"key":"\ufffd\ufffd\ufffd","sum":3}' \
		'{"key":"\ufffd\ufffd\ufffd\ufffd","sum":5}')" ""
}

@test "JSON is valid for any key bytes: Python reads every line back as decoding with 'replace' does" {
	python3 - <<'PY'
import random
random.seed(11)
pieces = [b'a', b'"', b'\\', b'\t', b'\r', b'\x01', b'\x1f', b'\x7f', b'\xff',
          b'\xc3', b'\xa9', b'\xc3\xa9', b'\xe2\x82\xac', b'\xe2\x82',
          b'\xed\xa0\x80', b'\xf0\x9f\x98\x80', b'\xf0\x9f', b'\xc0\xaf',
          b'\xf8\x88\x80\x80\x80', b'/', b'u', b'{', b'}', b' ']
with open('in.txt', 'wb') as f:
    for i in range(5000):
        key = b''.join(random.choice(pieces) for _ in range(random.randint(1, 7)))
        f.write(key.replace(b':', b'') + b':%d\n' % random.randint(0, 999))
PY
	run_to_files --format=json -a count,sum in.txt
	assert_status 0
	python3 - <<'PY'
import json, collections
want = collections.defaultdict(lambda: [0, 0])
for rec in open('in.txt', 'rb').read().split(b'\n')[:-1]:
    key, _, value = rec.partition(b':')
    want[key][0] += 1
    want[key][1] += int(value)
got = collections.Counter()
lines = open('out', 'rb').read().split(b'\n')
assert lines[-1] == b'', 'no final newline'
rows = [json.loads(l) for l in lines[:-1]]
assert len(rows) == len(want), (len(rows), len(want))
# Keys come in byte order of the raw keys.
for row, raw in zip(rows, sorted(want)):
    assert list(row) == ['key', 'count', 'sum'], row
    assert row['key'] == raw.decode('utf-8', 'replace'), (row, raw)
    assert [row['count'], row['sum']] == want[raw], (row, want[raw])
PY
	# The validity check a consumer would run.
	python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <out
}

# --- --sort and --top --------------------------------------------------------------

# gen_keys SEED N: N KEY:VALUE lines over many keys, about 10% rejected in
# ways that hit a key's first record too (no delimiter, bad number, over
# --below=900, empty key), into in.txt.
gen_keys() {
	"$GAWK" -v seed="$1" -v n="$2" 'BEGIN {
		srand(seed)
		for (i = 1; i <= n; i++) {
			k = "k" int(rand() * rand() * 2000)
			v = int(rand() * 1000) - 100
			r = rand()
			if (r < 0.03) print k
			else if (r < 0.06) print k ":" v "x"
			else if (r < 0.08) print ":" v
			else print k ":" v
		}
	}' >in.txt
}

# model_first: the accepted keys of in.txt in order of first accepted
# record, with their sums: what --sort=first --below=900 prints.
model_first() {
	"$GAWK" '{
		i = index($0, ":")
		if (i < 2) next
		k = substr($0, 1, i - 1); v = substr($0, i + 1)
		if (v !~ /^-?[0-9]+$/ || v + 0 >= 900) next
		if (!(k in sum)) order[++n] = k
		sum[k] += v
	} END { for (i = 1; i <= n; i++) printf "%s\t%d\n", order[i], sum[order[i]] }' in.txt
}

@test "--sort=first: the order of first accepted appearance, as an awk model computes it, hand-worked" {
	printf 'b:5\nx:999\na:1\nbad\nx:1\nb:2\n:3\nc:x\nc:4\n' >in.txt
	run_to_files -q --below=900 --sort=first in.txt
	assert_status 1
	expect_file out 'b\t7\na\t1\nx\t1\nc\t4\n'
	expect_file err 'fanout: 9 records read, 5 accepted, 4 rejected\n'
	# The model used below agrees with the hand-worked answer.
	model_first >model.out
	expect_same_file model.out out
}

@test "--sort=first equals the awk model for --jobs 1, 2, 3, 8 and --batch 1, 64, 4K" {
	gen_keys 3 20000
	model_first >model.out
	[[ $(wc -l <model.out) -gt 1000 ]]
	local j b
	for j in 1 2 3 8; do
		for b in 1 64 4K; do
			run_to_files -q --below=900 --sort=first -j "$j" -b "$b" in.txt
			assert_status 1
			expect_same_file model.out out || fail "differs with -j $j -b $b"
		done
	done
	run_to_files -q --below=900 --sort=first -j 3 -b 64 --queue-depth=1 in.txt
	expect_same_file model.out out
}

@test "--sort=first keeps input order when new keys alternate between plain and decimal values in a table of 50,000 keys" {
	# Past tens of thousands of keys the workers defer the table updates
	# of plain KEY:DIGITS records; a decimal value takes another path, and
	# its new key must still not overtake the plain ones before it.
	"$GAWK" 'BEGIN { for (i = 1; i <= 50000; i++)
		printf "k%d:%s\n", i, (i % 3 ? i : i ".5") }' >in.txt
	"$GAWK" -F: '!($1 in seen) { seen[$1]; print $1 }' in.txt >model.out
	local j
	for j in 1 2; do
		run_to_files -q --sort=first -j "$j" -b 64K in.txt
		assert_status 0
		cut -f1 out >keys.out
		expect_same_file model.out keys.out || fail "differs with -j $j"
	done
}

@test "--sort=first orders keys first seen in a record rejected for another reason by their first accepted one" {
	# In field mode too, with a composite key and --key-match rejections.
	printf 'a x 1\nb y 2\nc z 3\nb y 4\na x 5\n' >in.txt
	run_fanout -q -k 1,2 -v 3 -m '^[bc]' --sort=first in.txt
	assert_result 1 "$(text $'b\ty\t6' $'c\tz\t3')" \
		"fanout: 5 records read, 3 accepted, 2 rejected"
	run_fanout -q -k 1,2 -v 3 --sort=first in.txt
	assert_result 0 "$(text $'a\tx\t6' $'b\ty\t6' $'c\tz\t3')" ""
}

@test "--sort=value: largest first by the first operation, ties in key order, exact across scales and signs" {
	printf 'a:-1.5\nb:-1.25\nc:0\nd:2.10\ne:10\nf:9.999\ng:2.1\nh:-0\ni:10.000\nj:-10\n' >in.txt
	run_fanout --sort=value in.txt
	assert_result 0 "$(text $'e\t10' $'i\t10.000' $'f\t9.999' $'d\t2.10' $'g\t2.1' \
		$'c\t0' $'h\t0' $'b\t-1.25' $'a\t-1.5' $'j\t-10')" ""
	# By count when count comes first, whatever follows.
	printf 'x:1\ny:5\ny:5\nz:100\nx:2\nw:1\n' >in.txt
	run_fanout --sort=value -a count,sum in.txt
	assert_result 0 "$(text $'x\t2\t3' $'y\t2\t10' $'w\t1\t1' $'z\t1\t100')" ""
	run_fanout --sort=value -a mean in.txt
	assert_result 0 "$(text $'z\t100.000000' $'y\t5.000000' $'x\t1.500000' $'w\t1.000000')" ""
}

@test "--sort=value orders values alike in their first fourteen digits or more, hand-worked" {
	printf '%s\n' a:123456789012345678 b:123456789012345677 c:-123456789012345678 \
		d:-123456789012345677 e:12345678901234.5 f:12345678901234.25 g:0.000000000000001 \
		h:0.0000000000000011 i:-0.000000000000001 j:123456789012345678 >in.txt
	run_fanout --sort=value in.txt
	assert_result 0 "$(text $'a\t123456789012345678' $'j\t123456789012345678' \
		$'b\t123456789012345677' $'e\t12345678901234.5' $'f\t12345678901234.25' \
		$'h\t0.0000000000000011' $'g\t0.000000000000001' $'i\t-0.000000000000001' \
		$'d\t-123456789012345677' $'c\t-123456789012345678')" ""
}

@test "--sort=value equals sort(1) over awk's sums and counts" {
	gen_keys 5 20000
	"$GAWK" '{
		i = index($0, ":")
		if (i < 2) next
		k = substr($0, 1, i - 1); v = substr($0, i + 1)
		if (v !~ /^-?[0-9]+$/ || v + 0 >= 900) next
		sum[k] += v; count[k]++
	} END { for (k in sum) printf "%s\t%d\t%d\n", k, sum[k], count[k] }' in.txt >sums
	LC_ALL=C sort -t $'\t' -k2,2nr -k1,1 sums | cut -f1,2 >want-sum
	LC_ALL=C sort -t $'\t' -k3,3nr -k1,1 sums | "$GAWK" -F'\t' '{ print $1 "\t" $3 "\t" $2 }' >want-count
	run_to_files -q --below=900 --sort=value -j 3 -b 4K in.txt
	assert_status 1
	expect_same_file want-sum out
	run_to_files -q --below=900 --sort=value -a count,sum -j 2 in.txt
	expect_same_file want-count out
}

@test "--top=N is the first N rows of the full sorted output, and --top alone means --sort=value" {
	gen_keys 9 5000
	local order n
	for order in key value first; do
		"$FANOUT" -q --below=900 --sort="$order" -a sum,count in.txt >full || true
		for n in 1 7 100 100000; do
			run_to_files -q --below=900 --sort="$order" --top="$n" -a sum,count in.txt
			assert_status 1
			head -n "$n" full >want
			expect_same_file want out || fail "--sort=$order --top=$n"
		done
	done
	# Top talkers: the awk sums, largest first, ties by key, the first 10.
	"$GAWK" '{
		i = index($0, ":")
		if (i < 2) next
		k = substr($0, 1, i - 1); v = substr($0, i + 1)
		if (v !~ /^-?[0-9]+$/ || v + 0 >= 900) next
		sum[k] += v
	} END { for (k in sum) printf "%s\t%d\n", k, sum[k] }' in.txt \
		| LC_ALL=C sort -t $'\t' -k2,2nr -k1,1 | head -n 10 >want
	run_to_files -q --below=900 --top=10 in.txt
	expect_same_file want out
	# --top with the first appearances: the awk model's first 10.
	model_first | head -n 10 >want
	run_to_files -q --below=900 --top=10 --sort=first -j 4 -b 1 in.txt
	expect_same_file want out
}

@test "--top counts rows, not the header, in every format" {
	printf 'a:1\nb:3\nc:2\n' >in.txt
	run_fanout --top=2 --header in.txt
	assert_result 0 "$(text $'key\tsum' $'b\t3' $'c\t2')" ""
	run_fanout --top=1 --header --format=csv --sort=key in.txt
	assert_result 0 "$(text 'key,sum' 'a,1')" ""
	run_fanout --top=2 --format=json --sort=first in.txt
	assert_result 0 "$(text '{"key":"a","sum":1}' '{"key":"b","sum":3}')" ""
}

@test "replaces sort | uniq -c | sort -rn | head for counting" {
	"$GAWK" 'BEGIN { srand(4); for (i = 0; i < 3000; i++) print "u" int(rand() * rand() * 300) " x" }' >log.txt
	# Ties in uniq -c's counts are broken here by key, as fanout does.
	cut -d' ' -f1 log.txt | LC_ALL=C sort | uniq -c \
		| "$GAWK" '{ print $2 "\t" $1 }' | LC_ALL=C sort -t $'\t' -k2,2nr -k1,1 | head -n 5 >want
	run_to_files -k 1 -a count --top=5 log.txt
	assert_status 0
	expect_same_file want out
}

# --- usage errors ------------------------------------------------------------------

@test "bad --format, --sort and --top values are usage errors" {
	expect_usage_error "invalid --format value 'xml' (known: tsv, csv, json)" --format=xml
	expect_usage_error "invalid --format value 'TSV' (known: tsv, csv, json)" --format=TSV
	expect_usage_error "invalid --format value '' (known: tsv, csv, json)" --format=
	expect_usage_error "invalid --sort value 'values' (known: key, value, first)" --sort=values
	expect_usage_error "invalid --sort value '' (known: key, value, first)" --sort=
	local n
	expect_usage_error "invalid --top value '0': less than 1" --top=0
	for n in -1 +3 1x x '' ' 2' 1.5; do
		expect_usage_error "invalid --top value '$n': not a whole number" --top="$n"
	done
	expect_usage_error "invalid --top value '18446744073709551616': more than 18446744073709551615" \
		--top=18446744073709551616
	printf 'a:1\n' >in.txt
	run_fanout --top=18446744073709551615 in.txt
	assert_result 0 $'a\t1' ""
}

@test "--header with --format=json is a usage error" {
	expect_usage_error "--header cannot be used with --format=json" --header --format=json
	expect_usage_error "--header cannot be used with --format=json" --format=json --header --merge
}

@test "--format, --header, --sort and --top cannot be used with --ordered or --unordered" {
	local mode opt
	for mode in --ordered -o --unordered -u; do
		for opt in --format=csv --header --sort=first --top=3; do
			expect_usage_error "$(printf -- '%s cannot be used with --ordered or --unordered' "${opt%%=*}")" "$mode" "$opt"
			expect_usage_error "$(printf -- '%s cannot be used with --ordered or --unordered' "${opt%%=*}")" "$opt" "$mode"
		done
	done
}

@test "--format, --header, --sort and --top cannot be used with --partial: they belong to the merge" {
	local opt
	for opt in --format=json --header --sort=value --top=3; do
		expect_usage_error "$(printf -- '%s cannot be used with --partial' "${opt%%=*}")" --partial "$opt"
		expect_usage_error "$(printf -- '%s cannot be used with --partial' "${opt%%=*}")" "$opt" --merge --partial
	done
}

@test "--help describes the output options and their values" {
	run_fanout --help </dev/null
	assert_status 0
	local word
	for word in --format=FORMAT --header --sort=ORDER --top=N tsv csv json key value first; do
		[[ "$output" == *"$word"* ]] || fail "--help does not mention $word"
	done
}

# --- locale ------------------------------------------------------------------------

@test "numbers print the same in a locale with a decimal comma and digit grouping" {
	# Compile de_DE.UTF-8 here, so the test needs only localedef and the
	# locale sources (Debian: the locales package), not a configured system.
	mkdir loc
	localedef -i de_DE -f UTF-8 loc/de_DE.UTF-8 2>localedef.err \
		|| fail "cannot compile de_DE.UTF-8 (apt-get install -y locales):" "$(cat localedef.err)"
	export LOCPATH=$PWD/loc
	# The locale is really in effect: printf(1) groups thousands with '.'.
	[[ $(LC_ALL=de_DE.UTF-8 /usr/bin/printf "%'d" 1234567) == 1.234.567 ]] \
		|| fail "de_DE.UTF-8 is not in effect"
	printf 'a:1234567.5\na:0.25\nb:-1000000\nb:3\n' >in.txt
	local want
	want=$(text $'a\t2\t1234567.75\t617283.875000\t1234567.50' $'b\t2\t-999997\t-499998.500000\t3')
	for lc in LC_ALL LC_NUMERIC LANG; do
		run_exact env -u LC_ALL "$lc=de_DE.UTF-8" "$FANOUT" -a count,sum,mean,max in.txt
		assert_result 0 "$want" ""
		run_exact env -u LC_ALL "$lc=de_DE.UTF-8" "$FANOUT" --format=json -a sum,mean in.txt
		assert_result 0 "$(text '{"key":"a","sum":1234567.75,"mean":617283.875000}' \
			'{"key":"b","sum":-999997,"mean":-499998.500000}')" ""
		run_exact env -u LC_ALL "$lc=de_DE.UTF-8" "$FANOUT" --format=csv --sort=value in.txt
		assert_result 0 "$(text 'a,1234567.75' 'b,-999997')" ""
	done
}
