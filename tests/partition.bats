#!/usr/bin/env bats
# Partitioned aggregation: each worker keeps a small table of its own and
# moves it into the shared hash partitions whenever it fills.
# FANOUT_CACHE_KEYS (for testing) makes that table tiny, so that a small
# input moves keys over and over, in the middle of blocks and between
# them; the results must still be what awk computes, for every --jobs,
# --batch and order, and the memory for keys must not grow with --jobs.

load test_helper

# gen SEED N K: N key:value records over about K keys, in random order,
# a third of the keys longer than sixteen bytes (compared past their
# heads), values integers from -50 to 99.
gen() {
	"$GAWK" -v seed="$1" -v n="$2" -v k="$3" 'BEGIN {
		srand(seed)
		for (i = 1; i <= n; i++) {
			j = int(rand() * k)
			key = (j % 3 == 0 ? "a-rather-long-key-name-" j : "k" j)
			print key ":" (int(rand() * 150) - 50)
		}
	}'
}

# model FILE: per key, in byte order of keys, TAB-separated: key, sum,
# count, min, max; the keys' order of first appearance goes to first.txt.
model() {
	"$GAWK" -F: '
		!($1 in n) { order[++keys] = $1; min[$1] = $2; max[$1] = $2 }
		{ s[$1] += $2; n[$1]++; if ($2 < min[$1]) min[$1] = $2; if ($2 > max[$1]) max[$1] = $2 }
		END {
			for (i = 1; i <= keys; i++) print order[i] >"first.txt"
			for (k in n) printf "%s\t%d\t%d\t%d\t%d\n", k, s[k], n[k], min[k], max[k]
		}' "$1" | LC_ALL=C sort -t "$(printf '\t')" -k1,1
}

# output_is FILE CONTEXT: the last run's stdout is FILE, byte for byte.
output_is() {
	printf '%s' "$output" >got.out
	cmp -s "$1" got.out || fail "$2: stdout differs from $1" "$(diff "$1" got.out | head)"
}

setup() {
	common_setup
	gen 18 6000 1500 >in.txt
	model in.txt >model.txt
	cut -f1,2 model.txt >sums.txt
}

@test "moving keys into the partitions keeps sums, counts, minima and maxima exact, for every --jobs, --batch and table size" {
	for cache in 1 7 4000; do
		for j in 1 2 3 4; do
			for b in 512 1M; do
				FANOUT_CACHE_KEYS=$cache run_fanout --jobs=$j --batch=$b -a sum,count,min,max in.txt
				assert_status 0
				output_is model.txt "cache $cache, jobs $j, batch $b"
			done
		done
	done
}

@test "--sort=first lists keys in order of first appearance however often tables spill" {
	for cache in 1 5 4000; do
		for j in 1 2 3 4; do
			for b in 256 1M; do
				FANOUT_CACHE_KEYS=$cache run_fanout --jobs=$j --batch=$b --sort=first -a count in.txt
				assert_status 0
				cut -f1 <<<"${output%$'\n'}" >got.txt
				cmp -s got.txt first.txt || fail "cache $cache, jobs $j, batch $b: order differs" "$(diff got.txt first.txt | head)"
			done
		done
	done
}

@test "--sort=value and --top take the largest sums across partitions" {
	LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1 sums.txt >by-value.txt
	head -n 7 by-value.txt >top.txt
	for cache in 3 4000; do
		for j in 1 2 4; do
			FANOUT_CACHE_KEYS=$cache run_fanout --jobs=$j --batch=512 --sort=value in.txt
			assert_status 0
			output_is by-value.txt "--sort=value, cache $cache, jobs $j"
			FANOUT_CACHE_KEYS=$cache run_fanout --jobs=$j --batch=512 --top=7 in.txt
			assert_status 0
			output_is top.txt "--top=7, cache $cache, jobs $j"
			FANOUT_CACHE_KEYS=$cache run_fanout --jobs=$j --batch=512 --sort=key --top=7 in.txt
			assert_status 0
			head -n 7 sums.txt >first-keys.txt
			output_is first-keys.txt "--sort=key --top=7, cache $cache, jobs $j"
		done
	done
}

@test "--partial pieces made with spilling tables merge into the single run, byte for byte" {
	head -n 2000 in.txt >p1.txt
	sed -n '2001,4500p' in.txt >p2.txt
	tail -n +4501 in.txt >p3.txt
	FANOUT_CACHE_KEYS=2 "$FANOUT" --jobs=3 --batch=256 --partial -a sum,count,min,max p1.txt >1.part
	FANOUT_CACHE_KEYS=9 "$FANOUT" --jobs=2 --batch=1M --partial -a sum,count,min,max p2.txt >2.part
	"$FANOUT" --jobs=1 --partial -a sum,count,min,max p3.txt >3.part
	for order in key first; do
		"$FANOUT" --jobs=1 --sort=$order -a sum,count,min,max in.txt >single.txt
		for j in 1 4; do
			run_fanout --jobs=$j --merge --sort=$order 1.part 2.part 3.part
			assert_status 0
			output_is single.txt "merge, --sort=$order, jobs $j"
		done
	done
	"$FANOUT" --jobs=1 -a sum,count,min,max in.txt >single.txt
	cmp -s single.txt model.txt || fail "the single run differs from awk's"
	# A whole partial does not depend on --jobs or on the table size.
	"$FANOUT" --jobs=1 --partial -a sum in.txt | grep -v '^#' >ref.part
	for cache in 1 4000; do
		for j in 2 4; do
			FANOUT_CACHE_KEYS=$cache "$FANOUT" --jobs=$j --batch=512 --partial -a sum in.txt | grep -v '^#' >got.part
			cmp -s got.part ref.part || fail "partial key lines differ: cache $cache, jobs $j"
		done
	done
}

# 2^128 / 10^18 = 340282366920938463463.37...: 341 values of
# 999999999999999999 at scale 18 overflow, 340 do not (as in limits.bats),
# here spread over many blocks and spills among other keys.
@test "a total that overflows in one key fails the run naming that key, for every --jobs and table size" {
	"$GAWK" 'BEGIN { for (i = 1; i <= 341; i++) { print "big:999999999999999999"; print "k" i % 97 ":1" }
		print "big:0.000000000000000001" }' >over.txt
	"$GAWK" 'BEGIN { for (i = 1; i <= 340; i++) { print "big:999999999999999999"; print "k" i % 97 ":1" }
		print "big:0.000000000000000001" }' >fits.txt
	for cache in 1 3 4000; do
		for j in 1 2 3 4; do
			FANOUT_CACHE_KEYS=$cache run_fanout --jobs=$j --batch=64 over.txt
			assert_result 2 "" "$(text "fanout: sum overflow for key 'big'" \
				"fanout: 683 records read, 683 accepted, 0 rejected; 0 bytes of output written")"
			FANOUT_CACHE_KEYS=$cache run_fanout --jobs=$j --batch=64 fits.txt
			assert_status 0
			[[ ${lines[0]} == $'big\t339999999999999999660.000000000000000001' ]] || fail "cache $cache, jobs $j: ${lines[0]}"
			[[ ${#lines[@]} == 98 ]] || fail "cache $cache, jobs $j: ${#lines[@]} rows"
		done
	done
}

@test "FANOUT_CACHE_KEYS must be a number of keys" {
	for bad in 0 x -3 1073741825 ''; do
		FANOUT_CACHE_KEYS=$bad run_fanout in.txt
		assert_result 2 "" "fanout: invalid FANOUT_CACHE_KEYS value '$bad': a number of keys from 1 to 1073741824"
	done
}

@test "FANOUT_CACHE_BYTES must be a number of bytes" {
	for bad in 0 x -3 1099511627777 ''; do
		FANOUT_CACHE_BYTES=$bad run_fanout in.txt
		assert_result 2 "" "fanout: invalid FANOUT_CACHE_BYTES value '$bad': a number of bytes from 1 to 1099511627776"
	done
}

# A worker's table also spills once its keys' percentile and distinct
# states take FANOUT_CACHE_BYTES (32 MiB unless set), as counted when
# the buffer of additions waiting to be grouped by key is applied: with
# a byte, it spills at each new key after the buffer first filled (at
# 8,192 records), new keys keep coming to the end, and each spill finds
# records waiting in the buffer.  Every state must arrive whole, as
# Python's sorted lists and sets have it.
@test "keys whose percentile and distinct states outgrow FANOUT_CACHE_BYTES spill by it, exactly" {
	"$GAWK" 'BEGIN { srand(31)
		for (i = 0; i < 70000; i++) {
			k = int(rand() * (i / 40 + 20))
			printf "key%d %d path/%d\n", k, int(rand() * 5000) - 100, int(rand() * 900)
		} }' >states.txt
	python3 "$BATS_TEST_DIRNAME/rank-oracle.py" exact 1 value=2 count median p90 distinct:3 <states.txt >expected.txt
	for bytes in 1 3000 33554432; do
		for j in 1 2 3; do
			FANOUT_CACHE_BYTES=$bytes FANOUT_CACHE_KEYS=100000 run_fanout --jobs=$j --batch=4096 -k 1 -v 2 -a count,median,p90,distinct:3 states.txt
			assert_status 0
			output_is expected.txt "FANOUT_CACHE_BYTES $bytes, jobs $j"
		done
	done
}

# peak_kib JOBS KEYS: fanout's peak RSS (KiB) over KEYS distinct keys,
# each seen twice, with JOBS workers.
peak_kib() {
	"$GAWK" -v k="$2" 'BEGIN { for (r = 0; r < 2; r++) for (i = 0; i < k; i++) print "key" (i * 7919) % k ":" r + 1 }' >wide.txt
	/usr/bin/time -f %M -o rss "$FANOUT" --jobs="$1" wide.txt >out
	[[ $(wc -l <out) == "$2" ]] || fail "$(wc -l <out) keys for $2"
	[[ $(cut -f2 out | sort -u) == 3 ]] || fail "sums: $(cut -f2 out | sort -u | head -3)"
	tail -n1 rss
}

# With a table per worker, the memory that four workers take beyond one
# grew with the keys (three more copies of them); now it must stay what
# the threads and their small tables cost, whatever the number of keys.
# Comparing growths, not sizes, leaves out what a sanitizer adds per
# thread.
@test "the memory that more --jobs take does not grow with the number of keys" {
	local one_small four_small one_big four_big
	one_small=$(peak_kib 1 100000) four_small=$(peak_kib 4 100000)
	one_big=$(peak_kib 1 200000) four_big=$(peak_kib 4 200000)
	local extra_small=$((four_small - one_small)) extra_big=$((four_big - one_big))
	local keys_cost=$((one_big - one_small))
	((keys_cost > 0)) || fail "100,000 more keys took no memory: $one_small, $one_big KiB"
	# The extra of four workers may grow by half of what the keys cost
	# (allocators grow in steps, and AddressSanitizer holds freed memory
	# for a while); three more copies of the keys grew it by more than
	# they cost.
	((2 * (extra_big - extra_small) <= keys_cost)) ||
		fail "--jobs=4 beyond --jobs=1: $extra_small KiB with 100,000 keys, $extra_big KiB with 200,000 (the keys: $keys_cost KiB)"
}

@test "keys with further state (OP:FIELD, a variance) take it along into the partitions, however often tables spill" {
	tr ':' ' ' <in.txt | "$GAWK" '{ print $1, $2, $2 * 3 - 7 }' >fields.txt
	"$GAWK" '{ n[$1]++; s[$1] += $2; t[$1] += $3 }
		END { for (k in n) printf "%s\t%d\t%d\t%d\n", k, n[k], s[k], t[k] }' fields.txt |
		LC_ALL=C sort >sums3.txt
	# The variance from one table that never spills, the other path.
	FANOUT_CACHE_KEYS=4000 "$FANOUT" --jobs=1 -k 1 -v 2 -a count,sum,sum:3,pvar:3 fields.txt >whole.txt ||
		fail "the run without spills failed"
	cut -f1-4 whole.txt >got.txt
	cmp -s sums3.txt got.txt || fail "sums differ from awk" "$(diff sums3.txt got.txt | head)"
	for cache in 1 7; do
		for j in 1 2 3; do
			FANOUT_CACHE_KEYS=$cache run_fanout --jobs=$j --batch=512 -k 1 -v 2 -a count,sum,sum:3,pvar:3 fields.txt
			assert_status 0
			output_is whole.txt "cache $cache, jobs $j"
		done
	done
}

@test "tens of thousands of rows, sorted, merged and formatted on several threads, are those of awk in every format" {
	gen 19 120000 70000 >many.txt
	model many.txt >many-model.txt
	cp first.txt many-first.txt
	keys=$(wc -l <many-model.txt)
	((keys > 40000)) || fail "only $keys keys"
	"$GAWK" -F'\t' '{ printf "%s,%s,%s,%s,%s\n", $1, $2, $3, $4, $5 }' many-model.txt >many-model.csv
	for j in 1 2 3 5; do
		run_fanout --jobs=$j -a sum,count,min,max many.txt
		assert_status 0
		output_is many-model.txt "jobs $j"
		run_fanout --jobs=$j -a sum,count,min,max --format=csv many.txt
		assert_status 0
		output_is many-model.csv "jobs $j, CSV"
		run_fanout --jobs=$j --sort=first -a count many.txt
		assert_status 0
		printf '%s' "$output" | cut -f1 >got-first.txt
		cmp -s many-first.txt got-first.txt || fail "jobs $j: order of first appearance differs"
		run_fanout --jobs=$j --format=json -a sum many.txt
		assert_status 0
		printf '%s' "$output" | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin]
for r in rows:
    print("%s\t%d" % (r["key"], r["sum"]))' >got-json.txt
		cut -f1,2 many-model.txt >many-sums.txt
		cmp -s many-sums.txt got-json.txt || fail "jobs $j: JSON rows differ"
	done
}
