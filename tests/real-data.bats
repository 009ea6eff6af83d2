#!/usr/bin/env bats
# Real data, as users feed it: R's CSV exports shipped with
# python3-statsmodels (exponents such as 3.93104930508059e-05, NA) read
# with --csv --header-in --na, and the 19- and 20-digit counters of
# /proc/sys and /sys on the test machine.  Expected values come from
# Python's csv and decimal modules (Decimal reads exponents exactly) and
# Python's integers.

load test_helper

setup() {
	common_setup
	R_RESULTS=/usr/lib/python3/dist-packages/statsmodels/tsa/statespace/tests/results
}

# r_model FILE COLUMN [KEY]: count, sum, mean, min and max of COLUMN of the
# CSV file FILE (per KEY column, or for all rows without one) as fanout
# prints them with --na: NA and empty cells are counted but not summed;
# a scale is a value's digits after the point, a mean has at least 6
# places, rounded half to even; no values leave the results empty.
r_model() {
	python3 - "$@" <<'PY'
import csv, sys
from decimal import Decimal, getcontext, ROUND_HALF_EVEN
getcontext().prec = 300
path, column = sys.argv[1], sys.argv[2]
key = sys.argv[3] if len(sys.argv) > 3 else None
NA = {'', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '-'}
groups = {}
with open(path, newline='') as f:
    for row in csv.DictReader(f):
        cell = row[column].strip(' \t')
        cells = groups.setdefault(row[key] if key else '', [])
        cells.append(cell)
def text(d, places):
    d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return format(abs(d) if d == 0 else d, 'f')
for k in sorted(groups, key=lambda k: k.encode()):
    cells = groups[k]
    values = [Decimal(c) for c in cells if c not in NA]
    scale = max([max(-v.as_tuple().exponent, 0) for v in values], default=0)
    out = [k] if key else []
    out.append(str(len(cells)))
    if values:
        out += [text(sum(values), scale),
                text(sum(values) / len(values), max(scale, 6)),
                text(min(values), scale), text(max(values), scale)]
    else:
        out += [''] * 4
    print('\t'.join(out))
PY
}

@test "R exports with exponents and NA (statsmodels): count, sum, mean, min, max by column name equal Python's decimal" {
	local file column checked=0
	for spec in results_exact_initial_var1_missing_R.csv:V_3 \
		results_exact_initial_var1_missing_R.csv:N0_1 \
		results_exact_initial_local_level_R.csv:epshat_1 \
		results_smoothing_R.csv:r1 results_smoothing_R.csv:detN \
		results_exact_initial_local_level_R.csv:v_1 \
		results_exact_initial_var1_missing_R.csv:Ptt_4; do
		file=$R_RESULTS/${spec%%:*}
		column=${spec#*:}
		[[ -r $file ]] || fail "$file is missing: install python3-statsmodels"
		# The column holds what the test is about: R's exponents, and the
		# file NA.
		python3 - "$file" "$column" <<'PY' || fail "$spec: no exponent in the column or no NA in the file"
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert any(re.fullmatch(r'-?[0-9.]+e-?[0-9]+', r[sys.argv[2]]) for r in rows)
assert any('NA' in r.values() for r in rows)
PY
		r_model "$file" "$column" >expected
		run_to_files --csv --header-in --na -v "$column" -a count,sum,mean,min,max "$file"
		[[ $status == 0 ]] || fail "$spec: status $status: $(cat err)"
		expect_same_file expected out
		expect_same_file /dev/null err
		checked=$((checked + 1))
	done
	((checked == 7))
}

@test "an R export whose values need more than 38 digits: too many digits, naming the value, the others still summed" {
	local file=$R_RESULTS/results_exact_initial_var1_missing_R.csv
	[[ -r $file ]] || fail "$file is missing: install python3-statsmodels"
	# V_2 holds -6.16297582203915e-33 beside values of magnitude 0.1: at a
	# common scale of 47 places that is more than 38 digits.
	grep -q -- '-6.16297582203915e-33' "$file"
	run_fanout -q --csv --header-in --na -v V_2 -a count "$file"
	assert_status 1
	assert_stdout "$(python3 -c '
import csv, sys
print(sum(1 for r in csv.DictReader(open(sys.argv[1])) if r["V_2"] != "-6.16297582203915e-33"))' "$file")"
	run_fanout --csv --header-in --na -v V_2 "$file"
	[[ ${stderr_lines[0]} == "fanout: $file:15: too many digits in number '-6.16297582203915e-33'" ]] ||
		fail "$stderr"
}

@test "R export per key, with --where on a column by name: equals Python's decimal over the rows kept" {
	local file=$R_RESULTS/results_smoothing_R.csv
	[[ -r $file ]] || fail "$file is missing: install python3-statsmodels"
	# A key column of our own (r1's sign), so that a key has many rows; the
	# filter keeps the rows whose detN is below 0.04.
	python3 - "$file" <<'PY' >smooth.csv
import csv, sys
from decimal import Decimal
rows = csv.reader(open(sys.argv[1], newline=''))
w = csv.writer(sys.stdout, lineterminator='\n')
names = next(rows)
w.writerow(['sign'] + names)
for row in rows:
    w.writerow(['neg' if row[0].startswith('-') else 'pos'] + row)
PY
	python3 - <<'PY' >kept.csv
import csv
from decimal import Decimal
rows = csv.reader(open('smooth.csv', newline=''))
w = csv.writer(open('kept.csv', 'w', newline=''), lineterminator='\n')
w.writerow(next(rows))
for row in rows:
    if Decimal(row[4]) < Decimal('0.04'):
        w.writerow(row)
PY
	r_model kept.csv v2 sign >expected
	run_to_files --csv --header-in --na -k sign -v v2 -a count,sum,mean,min,max \
		--where='detN<0.04' smooth.csv
	[[ $status == 0 ]] || fail "status $status: $(cat err)"
	expect_same_file expected out
}

@test "19- and 20-digit values of /proc/sys and /sys, one per line, total without a key as Python's integers" {
	local f v found=0
	: >values.txt
	for f in /proc/sys/kernel/shmmax /proc/sys/kernel/shmall \
		/sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max \
		/sys/fs/cgroup/memory/memory.limit_in_bytes \
		/sys/fs/cgroup/memory/memory.soft_limit_in_bytes \
		/proc/sys/fs/file-max /proc/sys/fs/nr_open /proc/sys/kernel/threads-max \
		/proc/sys/kernel/pid_max; do
		v=$(head -c 64 "$f" 2>/dev/null) || continue
		[[ "$v" =~ ^[0-9]+$ ]] || continue
		((${#v} >= 19)) && found=$((found + 1))
		printf '%s %s\n' "$f" "$v" "$f" "$v" >>values.txt
	done
	((found > 0)) || fail "no 19- or 20-digit value in any of the files read"
	local expected
	expected=$(python3 -c '
vals = [int(line.split()[1]) for line in open("values.txt")]
print("%d\t%d\t%d\t%d" % (len(vals), sum(vals), min(vals), max(vals)))')
	run_fanout -v 2 -a count,sum,min,max values.txt
	assert_result 0 "$expected" ""
	run_fanout -v 2 -a count,sum,min,max -j 2 -b 1 values.txt
	assert_result 0 "$expected" ""
}
