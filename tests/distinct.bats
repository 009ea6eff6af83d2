#!/usr/bin/env bats
# distinct in --aggregate: the number of distinct texts of a field per
# key, exact up to 1024 per key and field, then a HyperLogLog estimate.
# Expectations are hand-worked or come from tests/rank-oracle.py, which
# counts Python sets of the fields' texts.

load test_helper

ORACLE="$BATS_TEST_DIRNAME/rank-oracle.py"

setup() {
	common_setup
}

# texts_input SEED KEYS MOST: lines "KEY USER VALUE" for KEYS keys, key i
# with MOST * (i + 1) / KEYS records whose users are drawn from a pool
# that grows with the key, in shuffled order.
texts_input() {
	python3 - "$@" <<'PY'
import random, sys
seed, keys, most = (int(a) for a in sys.argv[1:])
r = random.Random(seed)
lines = []
for k in range(keys):
    pool = 1 + most * (k + 1) // (2 * keys)
    for i in range(most * (k + 1) // keys):
        user = r.choice(["u%d" % r.randrange(pool), "10.0.%d.%d" % (r.randrange(4), r.randrange(pool)),
                         "%d" % r.randrange(pool), "%d.0" % r.randrange(pool)])
        lines.append("k%02d %s %d" % (k, user, r.randrange(-50, 50)))
r.shuffle(lines)
print("\n".join(lines))
PY
}

@test "distinct counts texts, hand-worked: 1 and 1.0 are two values, repeats one, blanks around a value trimmed" {
	printf 'a:x\na:y\na:x\na: y \nb:1\nb:1.0\nb:01\nc:\n' >in.txt
	run_fanout -a count,distinct in.txt
	assert_result 0 "$(text $'a\t4\t2' $'b\t3\t3' $'c\t1\t1')" ""
}

@test "a field read only by distinct need not be a number; with a numeric operation too, the number rules apply" {
	printf 'a 10.0.0.1 5\na 10.0.0.2 x\nb 10.0.0.1 7\na 10.0.0.1 1\n' >in.txt
	run_fanout -k 1 -v 2 -a count,distinct in.txt
	assert_result 0 "$(text $'a\t3\t2' $'b\t1\t1')" ""
	run_fanout -k 1 -a count,distinct:2,sum:3 in.txt
	assert_result 1 "$(text $'a\t2\t1\t6' $'b\t1\t1\t7')" "$(text \
		"fanout: in.txt:2: invalid number 'x' in field 3" \
		"fanout: 4 records read, 3 accepted, 1 rejected")"
	# distinct and sum on one field: the field must be a number
	run_fanout -k 1 -a distinct:3,sum:3 in.txt
	assert_result 1 "$(text $'a\t2\t6' $'b\t1\t7')" "$(text \
		"fanout: in.txt:2: invalid number 'x' in field 3" \
		"fanout: 4 records read, 3 accepted, 1 rejected")"
	# key-value mode: the value is text when only distinct reads it
	printf 'a:GET\na:POST\nb:GET\na:GET\n' >kv.txt
	run_fanout -a distinct,count kv.txt
	assert_result 0 "$(text $'a\t2\t3' $'b\t1\t1')" ""
	run_fanout -a distinct,sum kv.txt
	[[ $status -eq 2 && $stderr == *"kv.txt:1: invalid number 'GET'"* ]] || fail "numbers" "$stderr"
}

@test "--na tokens are no values and are not counted" {
	printf 'a u1\na NA\na -\na u2\nb NA\n' >in.txt
	run_fanout -k 1 -v 2 --na -a count,distinct in.txt
	assert_result 0 "$(text $'a\t4\t2' $'b\t1\t0')" ""
	run_fanout -k 1 --na -a count,distinct:2 --format=json in.txt
	assert_result 0 "$(text '{"key":"a","count":4,"distinct:2":2}' '{"key":"b","count":1,"distinct:2":0}')" ""
}

@test "distinct counts of many keys agree with Python's sets, in TSV, CSV and JSON" {
	texts_input 3 30 1000 >in.txt
	python3 "$ORACLE" exact 1 value=2 count distinct distinct:3 <in.txt >expected.txt
	# every key under the threshold, so every count is exact
	awk -F '\t' '$3 > 1024 || $4 > 1024 { exit 1 }' expected.txt
	run_to_files -k 1 -v 2 -a count,distinct,distinct:3 in.txt
	assert_status 0
	expect_same_file expected.txt out
	tr '\t' ',' <expected.txt >expected.csv
	run_to_files -k 1 -v 2 -a count,distinct,distinct:3 --format=csv in.txt
	expect_same_file expected.csv out
	awk -F '\t' '{ printf "{\"key\":\"%s\",\"count\":%s,\"distinct\":%s,\"distinct:3\":%s}\n", $1, $2, $3, $4 }' \
		expected.txt >expected.json
	run_to_files -k 1 -v 2 -a count,distinct,distinct:3 --format=json in.txt
	expect_same_file expected.json out
	# OP:FIELD from the end, and without --value
	run_to_files -k 1 -a count,distinct:-2,distinct:-1 in.txt
	expect_same_file expected.txt out
}

@test "--header names distinct columns; --header-in names fields" {
	printf 'client\tpath\n1.2.3.4\t/a\n1.2.3.4\t/b\n5.6.7.8\t/a\n' >in.tsv
	run_fanout -t $'\t' --header-in -k path -v client -a count,distinct --header in.tsv
	assert_result 0 "$(text $'path\tcount\tdistinct(client)' $'/a\t2\t2' $'/b\t1\t1')" ""
	run_fanout -t $'\t' --header-in -k path -a distinct:client --header --format=csv in.tsv
	assert_result 0 "$(text 'path,distinct:client' '/a,2' '/b,1')" ""
}

@test "--sort=value and --top by distinct, largest first; --decimals leaves a count alone" {
	texts_input 7 20 1000 >in.txt
	python3 "$ORACLE" exact 1 value=2 distinct count <in.txt >exact.txt
	run_to_files -k 1 -v 2 --sort=value -a distinct,count in.txt
	assert_status 0
	python3 - <<'PY' >expected.txt
rows = [l.split("\t") for l in open("exact.txt").read().splitlines()]
rows.sort(key=lambda r: (-int(r[1]), r[0].encode()))
print("\n".join("\t".join(r) for r in rows))
PY
	expect_same_file expected.txt out
	head -n 3 expected.txt >top.txt
	run_to_files -k 1 -v 2 --sort=value --top=3 --decimals=2 -a distinct,count in.txt
	expect_same_file top.txt out
}

@test "without a key: distinct over all records; 0 over none" {
	texts_input 11 1 900 >in.txt
	python3 "$ORACLE" exact 1 value=2 count distinct <in.txt | cut -f 2- >expected.txt
	run_to_files -v 2 -a count,distinct in.txt
	assert_status 0
	expect_same_file expected.txt out
	run_fanout -v 2 -a count,distinct /dev/null
	assert_result 0 $'0\t0' ""
}

@test "a million values per key: distinct within 2% of Python's exact count, and --stats counts the estimates" {
	python3 - >in.txt <<'PY'
import random
r = random.Random(43)
out = []
for i in range(1000000):
    # a: about 630,000 distinct addresses; b: 200,000 ids; c: a few
    out.append("a 10.%d.%d.%d\nb id%d\n" % (r.randrange(16), r.randrange(256), r.randrange(256), r.randrange(200000)))
out.append("c x\nc y\nc x\n")
print("".join(out), end="")
PY
	run_to_files -k 1 -v 2 -a count,distinct --stats in.txt
	assert_status 0
	run python3 "$ORACLE" within 1 value=2 count distinct out <in.txt
	[[ $status -eq 0 ]] || fail "distinct outside 2%" "$output"
	[[ $output == "approximated 2" ]] || fail "oracle" "$output"
	grep -qx 'fanout: stats: approximated: 2 keys (0 percentile sketches, 2 distinct estimates)' err ||
		fail "--stats" "$(cat err)"
	grep -qx $'c\t3\t2' out || fail "exact key" "$(cat out)"
}

@test "--stats counts the keys past 1024 distinct values, as computed by awk" {
	# distinct values 1024, 1025 and 5000, with repeats: one value in
	# three repeated
	python3 - >in.txt <<'PY'
for k, n in (("a", 1024), ("b", 1025), ("c", 5000)):
    for i in range(n):
        print(k, "v%d" % i)
        if i % 3 == 0:
            print(k, "v%d" % i)
PY
	want=$(awk '!seen[$1 " " $2]++ { n[$1]++ } END { for (k in n) if (n[k] > 1024) c++; print c }' in.txt)
	run_to_files -k 1 -v 2 -a distinct --stats=json in.txt
	assert_status 0
	python3 - "$want" <<'PY'
import json, sys
got = json.load(open("err"))["approximated"]
want = int(sys.argv[1])
assert got == {"keys": want, "percentile_sketches": 0, "distinct_estimates": want}, got
PY
	grep -qx $'a\t1024' out || fail "a is exact" "$(cat out)"
}

@test "distinct and percentiles together: the same bytes for every --jobs, --batch, worker table size and split into partials" {
	texts_input 19 24 8000 >in.txt
	local ops=count,distinct,distinct:3,p99:3,median:3
	"$FANOUT" -j 1 -k 1 -v 2 -a "$ops" in.txt >ref.txt
	for jobs in 1 2 3; do
		for batch in 1K 64K 4M; do
			run_to_files -j "$jobs" --batch "$batch" -k 1 -v 2 -a "$ops" in.txt
			expect_same_file ref.txt out
			FANOUT_CACHE_KEYS=3 run_to_files -j "$jobs" --batch "$batch" -k 1 -v 2 -a "$ops" in.txt
			expect_same_file ref.txt out
		done
	done
	for k in 1 2 4 7; do
		rm -f piece.* ./*.partial
		split -n "l/$k" in.txt piece.
		for p in piece.*; do
			"$FANOUT" --partial -k 1 -v 2 -a "$ops" "$p" >"$p.partial"
		done
		run_to_files --merge piece.*.partial
		assert_status 0
		expect_same_file ref.txt out
	done
	run python3 "$ORACLE" within 1 value=2 count distinct distinct:3 p99:3 median:3 ref.txt <in.txt
	[[ $status -eq 0 ]] || fail "outside the bounds" "$output"
	[[ $output != "approximated 0" ]] || fail "no key past the threshold" "$output"
}

@test "a distinct state in a partial is a d part; one changed and resealed is refused, as are partials of version 5" {
	printf 'a:x\na:y\n' >in.txt
	"$FANOUT" --partial -a distinct in.txt >p.txt
	grep -q $'\td0:' p.txt || fail "no d part" "$(cat p.txt)"
	line=$(sed -n 2p p.txt | cut -f 1-11)
	bad=$(sed 's/\td0:\([^\t]*\)/\td0:\1:zz/' <<<"$line")
	python3 "$BATS_TEST_DIRNAME/partials.py" seal <<<"$bad" >badline.txt
	{ sed -n 1p p.txt; cat badline.txt; sed -n 3p p.txt; } >bad.txt
	run_fanout --merge bad.txt
	[[ $status -eq 2 && $stderr == *"bad.txt:2: malformed partial line: bad further state"* ]] ||
		fail "not refused" "$stderr"
	sed '1s/\t7\t/\t5\t/' p.txt >v5.txt
	run_fanout --merge v5.txt
	assert_result 2 "" "fanout: v5.txt:1: partial format version 5 is no longer read; make the partials again with this fanout"
	run_fanout --merge p.txt
	assert_result 0 $'a\t2' ""
}

@test "the hashes in a d part are distinct_hash as the source defines it, computed again in Python, for texts of every length to 40" {
	# Texts of lengths 1 to 40 (every tail length, short and long), bytes
	# outside ASCII included; one key, so one d part of sorted hashes.
	python3 - >in.txt <<'PY'
import random, sys
r = random.Random(11)
out = sys.stdout.buffer
for n in range(1, 41):
    for _ in range(3):
        text = bytes(r.choice(b"abcXYZ019._/-\xc3\xa9\xff\x80") for _ in range(n))
        out.write(b"k " + text + b"\n")
PY
	"$FANOUT" --partial -k1 -v2 -a distinct in.txt >p.txt
	python3 - in.txt p.txt <<'PY' || fail "hashes differ" "$(cat p.txt)"
import sys
M = (1 << 64) - 1
MIX1, MIX2, MIX3, MIX4 = (0x6a09e667f3bcc909, 0xbb67ae8584caa73b,
                          0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1)
def absorb(h, w):
    w = (w * MIX1) & M
    w ^= w >> 32
    h ^= w
    h = ((h << 27) | (h >> 37)) & M
    return (h * MIX2 + MIX3) & M
def finish(h):
    h ^= h >> 33; h = (h * MIX4) & M
    h ^= h >> 29; h = (h * MIX2) & M
    return h ^ (h >> 32)
def distinct_hash(text):
    h = absorb(MIX4, len(text))
    for i in range(0, len(text), 8):
        h = absorb(h, int.from_bytes(text[i:i + 8], "little"))
    return finish(h)
texts = {line.rstrip(b"\n").split(b" ", 1)[1] for line in open(sys.argv[1], "rb")}
want = "".join("%016x" % h for h in sorted(distinct_hash(t) for t in texts))
key_line = open(sys.argv[2]).read().split("\n")[1]
got = [f for f in key_line.split("\t") if f.startswith("d0:")][0].split(":")[2]
sys.exit(0 if got == want else 1)
PY
}
