#!/usr/bin/env bats
# Determinism of issue 16's numbers and selection together: 38-digit and
# exponent values, --where filters and --na give the same bytes on
# standard output and standard error for every --jobs and --batch, and
# --partial pieces cut with split -n l/K merge to the bytes of one run.
# The one run is itself checked against Python's decimal module.

load test_helper

setup() {
	common_setup
	python3 - <<'PY' >in.txt
import random
random.seed(1616)
for i in range(6000):
    r = random.random()
    # Each kind of number under keys of its own, so that every key's sum
    # fits 38 digits at its scale.
    if r < 0.25:
        kind, v = "int", str(random.randrange(-10**37, 10**37) // 1000)
    elif r < 0.5:
        kind, v = "exp", "%.15ge%d" % (random.uniform(-1, 1), random.randrange(-12, 5))
    elif r < 0.75:
        kind, v = "dec", "%d.%04d" % (random.randrange(-10**25, 10**25), random.randrange(10**4))
    elif r < 0.85:
        kind, v = "na", random.choice(["NA", "-", "null"])
    elif r < 0.95:
        kind, v = "u64", str(random.choice([2**64 - 1, 2**63 - 4096, 2**63, 0]))
    else:
        kind, v = "bad", random.choice(["1e400", "0x1f", "inf", "1,5"])
    code = random.choice([200, 404, 500, 503])
    print("%s%d %d %s" % (kind, random.randrange(3), code, v))
PY
	OPTS=(-k 1 -v 3 --na -a count,sum,mean,min,max --where='2>=404' --where='1!~^dec2')
}

@test "the single-worker run equals Python's decimal over the records the filters keep" {
	python3 - <<'PY' >expected
from decimal import Decimal, getcontext, ROUND_HALF_EVEN
import re
getcontext().prec = 300
NA = {'', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '-'}
keys = {}
for line in open('in.txt'):
    f = line.rstrip('\n').split(' ')
    key, code, v = f[0], int(f[1]), f[2] if len(f) > 2 else ''
    if code < 404 or re.search('^dec2', key) or key.startswith('bad'):
        continue
    keys.setdefault(key, []).append(v)
def text(d, places):
    d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return format(abs(d) if d == 0 else d, 'f')
for key in sorted(keys):
    cells = keys[key]
    values = [Decimal(c) for c in cells if c not in NA]
    scale = max([max(-v.as_tuple().exponent, 0) for v in values], default=0)
    out = [key, str(len(cells))]
    if values:
        out += [text(sum(values), scale), text(sum(values) / len(values), max(scale, 6)),
                text(min(values), scale), text(max(values), scale)]
    else:
        out += [''] * 4
    print('\t'.join(out))
PY
	run_to_files -q -j 1 "${OPTS[@]}" in.txt
	[[ $status == 1 ]] || fail "status $status: $(cat err)"
	expect_same_file expected out
	# The bad values that pass the filters are the rejections.
	local bad
	bad=$("$GAWK" '$1 ~ /^bad/ && $2 >= 404' in.txt | wc -l)
	grep -q "records read, $((6000 - $("$GAWK" '$2 < 404 || $1 ~ /^dec2/' in.txt | wc -l) - bad)) accepted, $bad rejected" err ||
		fail "summary: $(cat err)"
}

@test "--jobs 1, 2, 3 and --batch 1 to 1M: the same stdout and stderr" {
	run_to_files -j 1 "${OPTS[@]}" in.txt
	[[ $status == 1 ]] || fail "status $status"
	mv out ref.out
	mv err ref.err
	local jobs batch
	for jobs in 1 2 3; do
		for batch in 1 100 4K 64K 1M; do
			run_to_files -j "$jobs" -b "$batch" "${OPTS[@]}" in.txt
			[[ $status == 1 ]] || fail "status $status with -j $jobs -b $batch"
			expect_same_file ref.out out
			expect_same_file ref.err err
		done
	done
}

@test "split -n l/K pieces (K = 1, 2, 4, 7) with --partial, then --merge: the bytes of one run, keyed and without a key" {
	local k f
	for keyed in yes no; do
		local opts=("${OPTS[@]}")
		# Without a key, only values whose total fits 38 digits at the
		# finest scale: the exponents and the missing ones.
		[[ $keyed == yes ]] || opts=(-v 3 --na -a count,sum,mean,min,max --where='2>=404' --where='1~^(exp|na|bad)')
		run_to_files -q "${opts[@]}" in.txt
		[[ $status == 1 ]] || fail "status $status"
		mv out ref.out
		for k in 1 2 4 7; do
			rm -f piece.*
			split -n l/$k in.txt piece.
			for f in piece.??; do
				"$FANOUT" -q --partial -j 2 -b 4K "${opts[@]}" "$f" >"$f.partial" || [[ $? == 1 ]] ||
					fail "partial of $f failed"
			done
			run_to_files --merge piece.*.partial
			[[ $status == 0 ]] || fail "merge status $status, K=$k, keyed $keyed: $(cat err)"
			expect_same_file ref.out out
		done
	done
}
