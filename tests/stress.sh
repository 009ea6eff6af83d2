#!/usr/bin/env bash
# Stress: the determinism check of tests/determinism.bats, repeated with
# random --jobs (1..8), --queue-depth (1..16) and --batch (1 byte..64K),
# in aggregate mode (by key and by first appearance), ordered and
# unordered mode, meant for a ThreadSanitizer build.  Every run must
# produce the same exit status, stdout, stderr and rejects file as the
# --jobs=1 run, and the same as an independent awk computation over the
# input.
#
# Usage: tests/stress.sh [FANOUT [RUNS]]
#   FANOUT  the program to test (default: src/fanout)
#   RUNS    random runs (default: 40)
# STRESS_SEED sets the random seed (default: from the clock); it is printed
# first, so a failure can be repeated.
#
# Prints one "PASS: ..." or "FAIL: ..." line per comparison and exits 1 if
# any failed.
set -u
export LC_ALL=C

FANOUT=${1:-src/fanout}
here=$(cd "$(dirname "$0")" && pwd)
case $FANOUT in /*) ;; *) FANOUT=$PWD/$FANOUT ;; esac
RUNS=${2:-40}
SEED=${STRESS_SEED:-$(date +%s)}
GAWK=$(command -v gawk || echo awk)
RANDOM=$SEED
echo "stress: seed $SEED, $RUNS runs of $FANOUT"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=tests/tally.sh
. "$here/tally.sh"

if [ ! -x "$FANOUT" ]; then
	tally_fail "stress: $FANOUT is not an executable"
	exit 1
fi

# 60,000 key-value records over 40 keys, values with 0 to 2 decimals; about
# 3% are rejected (no delimiter, empty key, missing value, invalid number,
# key not matching), about 5% of the rest are out of bounds, 1% end in CR.
"$GAWK" -v seed="$SEED" 'BEGIN {
	srand(seed)
	for (i = 1; i <= 60000; i++) {
		key = "k" int(rand() * 40)
		v = int(rand() * 2001) - 1000
		r = rand()
		if (r < 0.2)
			val = sprintf("%s%d.%02d", v < 0 ? "-" : "", v < 0 ? -v : v, int(rand() * 100))
		else if (r < 0.3)
			val = sprintf("%s%d.%d", v < 0 ? "-" : "", v < 0 ? -v : v, int(rand() * 10))
		else
			val = v
		r = rand()
		if (r < 0.005) line = key " " val
		else if (r < 0.010) line = ":" val
		else if (r < 0.015) line = key ":"
		else if (r < 0.020) line = key ":" val "x"
		else if (r < 0.025) line = "x" substr(key, 2) ":" val
		else if (r < 0.030) line = ""
		else if (r < 0.10) line = key ": " val "\t"
		else line = key ":" val
		if (rand() < 0.01) line = line "\r"
		print line
	}
}' >"$work/in.txt"

OPTS=(--min=-950 --max=950.5 '--key-match=^k[0-9]')

# The model of fanout with OPTS (tests/kv-model.awk) writes model.unsorted
# (sum, count, min, max per key), .ord (--ordered output), .err and .rej.
(cd "$work" && "$GAWK" -v out=model -v name=in.txt -v min=-950 -v max=950.5 \
	-f "$here/kv-model.awk" in.txt) || { tally_fail "awk model"; exit 1; }
sort "$work/model.unsorted" >"$work/model.out"
if [ "$(grep -c . "$work/model.rej")" -lt 1000 ] || [ "$(grep -c . "$work/model.out")" -ne 40 ]; then
	tally_fail "the generated input has too few rejections or keys"
fi

# The four output modes and what each compares: aggregate output is
# sorted by key, "first" aggregate output by first appearance (the model's
# lines in the order their keys first occur in the accepted records),
# --unordered output is compared as a sorted set.
"$GAWK" -F'\t' 'NR == FNR { line[$1] = $0; next }
	{ key = substr($0, 1, index($0, ":") - 1) }
	!(key in seen) { seen[key] = 1; print line[key] }' \
	"$work/model.out" "$work/model.ord" >"$work/model.first"
mode_args() {
	case $1 in
	aggregate) echo "-a sum,count,min,max" ;;
	first) echo "-a sum,count,min,max --sort=first" ;;
	ordered) echo "--ordered" ;;
	unordered) echo "--unordered" ;;
	esac
}

# run NAME MODE ARGS...: fanout over in.txt (run in $work, so messages
# name in.txt) with stdout, stderr, rejects and status in $work/NAME.*;
# --unordered output is sorted.
run() {
	local name=$1 mode=$2 st=0
	shift 2
	# shellcheck disable=SC2046
	(cd "$work" && "$FANOUT" "$@" "${OPTS[@]}" $(mode_args "$mode") \
		--rejects="$name.rej" in.txt >"$name.out" 2>"$name.err") || st=$?
	echo "$st" >"$work/$name.status"
	if [ "$mode" = unordered ]; then
		sort "$work/$name.out" >"$work/$name.tmp" && mv "$work/$name.tmp" "$work/$name.out"
	fi
}

# same NAME REF: NAME's status, stdout, stderr and rejects equal REF's.
same() {
	local ext
	for ext in status out err rej; do
		cmp -s "$work/$1.$ext" "$work/$2.$ext" || { echo "  $1.$ext differs from $2.$ext"; return 1; }
	done
}

# like_model NAME MODE: NAME's results are the awk model's.
like_model() {
	local want_out=model.out
	case $2 in
	ordered) want_out=model.ord ;;
	first) want_out=model.first ;;
	unordered) sort "$work/model.ord" >"$work/model.uno"; want_out=model.uno ;;
	esac
	[ "$(cat "$work/$1.status")" = 1 ] || { echo "  exit status $(cat "$work/$1.status"), expected 1"; return 1; }
	cmp -s "$work/$want_out" "$work/$1.out" || { echo "  stdout differs from the model"; return 1; }
	cmp -s "$work/model.err" "$work/$1.err" || { echo "  stderr differs from the model"; return 1; }
	cmp -s "$work/model.rej" "$work/$1.rej" || { echo "  rejects differ from the model"; return 1; }
}

# show NAME: a failed run's sanitizer report, or the end of its stderr.
show() {
	{ grep -A 30 -m 1 -E 'Sanitizer|runtime error:' "$work/$1.err" \
		|| tail -n 5 "$work/$1.err"; } | sed 's/^/  | /'
}

modes=(aggregate first ordered unordered)
for mode in "${modes[@]}"; do
	run "ref-$mode" "$mode" --jobs=1
	if like_model "ref-$mode" "$mode"; then
		tally_pass "stress: --jobs=1 $mode run matches the awk model"
	else
		show "ref-$mode"
		tally_fail "stress: --jobs=1 $mode run matches the awk model"
	fi
done

for ((i = 1; i <= RUNS; i++)); do
	mode=${modes[RANDOM % 4]}
	jobs=$((RANDOM % 8 + 1))
	depth=$((RANDOM % 16 + 1))
	# batch sizes spread evenly over the powers of two from 1 to 64K
	span=$((1 << (RANDOM % 17)))
	batch=$(((RANDOM * 32768 + RANDOM) % span + 1))
	batch=$((batch > 65536 ? 65536 : batch))
	args=(--jobs=$jobs --queue-depth=$depth --batch=$batch)
	what="stress run $i: $mode ${args[*]}"
	run "run$i" "$mode" "${args[@]}"
	if same "run$i" "ref-$mode"; then
		tally_pass "$what: same as --jobs=1"
	else
		show "run$i"
		tally_fail "$what: same as --jobs=1"
	fi
	if like_model "run$i" "$mode"; then
		tally_pass "$what: matches the awk model"
	else
		tally_fail "$what: matches the awk model"
	fi
	rm -f "$work/run$i".*
done

echo "stress: $passed comparisons passed, $failed failed (seed $SEED)"
[ "$failed" -eq 0 ]
