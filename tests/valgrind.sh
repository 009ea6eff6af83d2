#!/usr/bin/env bash
# Memory checks: representative fanout runs under valgrind's memcheck
# (--leak-check=full), for a plain build.  Each run must end with the exit
# status fanout documents for it and with no memcheck error: no invalid
# read or write, no use of uninitialised memory, no leak (definite,
# indirect or possible), on the normal path and on every early exit.
#
# Usage: tests/valgrind.sh [FANOUT [SRCDIR]]
#   FANOUT  the program to test (default: src/fanout)
#   SRCDIR  the source tree, for examples/ (default: this script's ../)
#
# Prints one "PASS: ..." or "FAIL: ..." line per run and exits 1 if any
# failed.
set -u
export LC_ALL=C

FANOUT=${1:-src/fanout}
case $FANOUT in /*) ;; *) FANOUT=$PWD/$FANOUT ;; esac
SRCDIR=$(cd "${2:-$(dirname "$0")/..}" && pwd)
GAWK=$(command -v gawk || echo awk)
# Memcheck's status for its own findings, apart from fanout's 0, 1 and 2.
VG_STATUS=99
VALGRIND=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
	--error-exitcode=$VG_STATUS --track-origins=yes)

# shellcheck source=tests/tally.sh
. "$(dirname "$0")/tally.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1


if ! command -v valgrind >/dev/null; then
	tally_fail "valgrind is not installed (Debian package 'valgrind')"
	exit 1
fi
if [ ! -x "$FANOUT" ]; then
	tally_fail "valgrind: $FANOUT is not an executable"
	exit 1
fi

cp "$SRCDIR/examples/metrics.txt" metrics.txt
# 3,000 key-value records, some rejected, some with a CR.
"$GAWK" 'BEGIN {
	srand(7)
	for (i = 1; i <= 3000; i++) {
		k = "k" int(rand() * 30); v = int(rand() * 2001) - 1000
		r = rand()
		if (r < 0.02) print k
		else if (r < 0.04) print k ":" v "x"
		else if (r < 0.06) printf "%s:%d.%02d\r\n", k, v, int(rand() * 100)
		else print k ":" v
	}
}' >kv.txt
tr '\n' '\0' <kv.txt >kv0.txt
# Field-mode records: host, value, method; some fields missing.
"$GAWK" 'BEGIN {
	srand(11)
	for (i = 1; i <= 2000; i++) {
		h = "h" int(rand() * 8); m = (rand() < 0.5 ? "GET" : "PUT")
		if (rand() < 0.03) print h
		else print h "  " int(rand() * 500) "\t" m " extra"
	}
}' >fields.txt

# check NAME STATUS STDOUT ARGS...: fanout ARGS, with standard output to
# the file STDOUT and standard input from $IN (default /dev/null), exits
# with STATUS and memcheck finds nothing.
check() {
	local name=$1 want=$2 out=$3 st=0
	shift 3
	"${VALGRIND[@]}" --log-file="vg.log" "$FANOUT" "$@" >"$out" 2>err.txt <"${IN:-/dev/null}" || st=$?
	if [ "$st" -eq "$want" ] && grep -q 'ERROR SUMMARY: 0 errors' vg.log; then
		tally_pass "valgrind: $name"
	else
		echo "  exit status $st, expected $want ($VG_STATUS: memcheck found errors)"
		grep -v '^==[0-9]*== *$' vg.log | head -n 40 | sed 's/^/  | /'
		tail -n 3 err.txt | sed 's/^/  fanout: /'
		tally_fail "valgrind: $name"
	fi
}

check "aggregate: the README example with every operation" 1 out.txt \
	--above=0 --below=1000000 -a sum,count,min,max,mean metrics.txt
check "aggregate: 3 jobs, 1K blocks, bounds with a fraction" 1 out.txt \
	-j3 -b 1K --min=-500.5 --max=900 -a sum,mean kv.txt
check "ordered: 4 jobs, 256-byte blocks, rejects file" 1 out.txt \
	--ordered -j4 -b 256 --min=-500 --rejects=rejected.txt kv.txt
if [ -s rejected.txt ]; then
	tally_pass "valgrind: the rejects file was written"
else
	tally_fail "valgrind: the rejects file was written"
fi
check "unordered: NUL-terminated records" 1 out.txt \
	-z --unordered -j2 -b 512 kv0.txt
check "field mode: composite key, key pattern, count and sum" 1 out.txt \
	-k 1,3 -v 2 -m '^h[0-5]' -a count,sum -j2 -b 2K fields.txt
IN=kv.txt check "standard input, --quiet" 1 out.txt --quiet -
check "a missing input file" 2 out.txt kv.txt no-such-file.txt
check "--max-errors exceeded" 2 out.txt -e 5 -j2 -b 300 kv.txt
check "write error: standard output is /dev/full" 2 /dev/full \
	--ordered -j2 kv.txt
check "JSON Lines by value, top 5, 3 jobs, 512-byte blocks" 1 out.txt \
	--format=json --top=5 -a mean,min,max,sum -j3 -b 512 kv.txt
check "CSV with a header, composite key, in order of first appearance" 1 out.txt \
	--format=csv --header --sort=first -k 1,3 -v 2 -j2 -b 1K fields.txt
"$FANOUT" --partial -a sum,max kv.txt >kv.partial 2>/dev/null
"$FANOUT" --partial -a sum,max kv.txt >kv2.partial 2>/dev/null
check "merge of partials in order of first appearance, as JSON" 0 out.txt \
	--merge --sort=first --format=json kv.partial kv2.partial
check "combiner over partials" 0 out.txt --merge --partial kv.partial kv2.partial
check "the same partial twice" 2 out.txt --merge kv.partial kv.partial
check "usage error" 2 out.txt --jobs=0 kv.txt
check "--help" 0 out.txt --help

echo "valgrind: $passed runs passed, $failed failed"
[ "$failed" -eq 0 ]
