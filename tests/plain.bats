#!/usr/bin/env bats
# The fast path for plain KEY:DIGITS records (src/plain.c) in each of its
# forms, against an awk model of the general rules: a record it takes must
# have exactly the effect the general path would give it.  Once a worker's
# table holds 32,768 keys (table_is_large), the table updates of plain
# records are deferred and prefetched in batches; the inputs here are big
# enough for one worker to get there.

load test_helper

setup() {
	common_setup
}

# gen_plain SEED KEYS ROUNDS: ROUNDS shuffled rounds over KEYS keys of 2
# to 8, 9 to 16 and more than 16 bytes, into in.txt.  Most values are
# plain digits; among them are values over --below=900000, decimals
# ending in .5, negative numbers, records without a delimiter and with an
# empty key, so that runs of plain records end in every way, new keys
# included, and the general path takes turns with the deferred one.
gen_plain() {
	"$GAWK" -v seed="$1" -v keys="$2" -v rounds="$3" 'BEGIN {
		srand(seed)
		for (i = 0; i < keys; i++) {
			if (i % 3 == 0) name[i] = "k" i
			else if (i % 3 == 1) name[i] = "medium" i
			else name[i] = "a-rather-longer-key-" i
			order[i] = i
		}
		for (r = 0; r < rounds; r++) {
			for (i = keys - 1; i > 0; i--) {
				j = int(rand() * (i + 1))
				t = order[i]; order[i] = order[j]; order[j] = t
			}
			for (i = 0; i < keys; i++) {
				k = name[order[i]]
				x = rand()
				if (x < 0.01) print k
				else if (x < 0.02) print ":" int(rand() * 100)
				else if (x < 0.06) print k ":" int(rand() * 1000) ".5"
				else if (x < 0.08) print k ":-" int(rand() * 1000)
				else print k ":" int(rand() * 1000000)
			}
		}
	}' >in.txt
}

# model_plain: what fanout --below=900000 -a sum,count,min,max prints for
# in.txt, in order of first accepted record, unsorted (model.first), and
# its summary line (model.err).  Values are exact in awk's doubles: at
# most one decimal, .5, and sums far below 2^53.
model_plain() {
	"$GAWK" '
	function show(v, s) { return s ? sprintf("%.1f", v) : sprintf("%d", v) }
	{
		i = index($0, ":")
		if (i < 2) { rejected++; next }
		k = substr($0, 1, i - 1); v = substr($0, i + 1)
		if (v !~ /^-?[0-9]+(\.5)?$/ || v + 0 >= 900000) { rejected++; next }
		if (!(k in count)) order[++n] = k
		if (v ~ /\./) scale[k] = 1
		sum[k] += v
		if (!(k in count) || v + 0 < lo[k]) lo[k] = v + 0
		if (!(k in count) || v + 0 > hi[k]) hi[k] = v + 0
		count[k]++
	}
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]; s = scale[k]
			printf "%s\t%s\t%d\t%s\t%s\n", k, show(sum[k], s), count[k],
				show(lo[k], s), show(hi[k], s) > "model.first"
		}
		printf "fanout: %d records read, %d accepted, %d rejected\n",
			NR, NR - rejected, rejected > "model.err"
	}' in.txt
	sort -t "$(printf '\t')" -k1,1 model.first >model.out
}

@test "model: the awk model agrees with a hand-worked example" {
	printf 'b:5\nbad\nk:3\nk:1.5\n:7\nb:900000\nb:-2\nk:899999\n' >in.txt
	model_plain
	expect_file model.out 'b\t3\t2\t-2\t5\nk\t900003.5\t3\t1.5\t899999.0\n'
	expect_file model.first 'b\t3\t2\t-2\t5\nk\t900003.5\t3\t1.5\t899999.0\n'
	expect_file model.err 'fanout: 8 records read, 5 accepted, 3 rejected\n'
	run_to_files -q --below=900000 -a sum,count,min,max in.txt
	assert_status 1
	expect_same_file model.out out
	expect_same_file model.err err
}

@test "deferred updates: whole rows of sum, count, min and max equal the awk model past 32,768 keys in one worker" {
	gen_plain 5 50000 3
	model_plain
	[[ $(wc -l <model.out) -gt 40000 ]] || fail "the model has $(wc -l <model.out) keys"
	local j b
	for j in 1 2; do
		for b in 64K 1M; do
			run_to_files -q --below=900000 -a sum,count,min,max -j "$j" -b "$b" in.txt
			assert_status 1
			expect_same_file model.out out || fail "differs with -j $j -b $b"
			expect_same_file model.err err || fail "stderr differs with -j $j -b $b"
		done
	done
}

@test "deferred updates without min and max: whole rows of sums equal the awk model" {
	gen_plain 6 50000 3
	model_plain
	cut -f1,2 model.out >sums.out
	local j
	for j in 1 2; do
		run_to_files -q --below=900000 -a sum -j "$j" -b 64K in.txt
		assert_status 1
		expect_same_file sums.out out || fail "differs with -j $j"
		expect_same_file model.err err || fail "stderr differs with -j $j"
	done
}

@test "deferred updates: --sort=first gives whole rows in the awk model's order of first accepted record" {
	gen_plain 7 50000 2
	model_plain
	local j
	for j in 1 2; do
		run_to_files -q --below=900000 -a sum,count,min,max --sort=first -j "$j" -b 64K in.txt
		assert_status 1
		expect_same_file model.first out || fail "differs with -j $j"
		expect_same_file model.err err || fail "stderr differs with -j $j"
	done
}
