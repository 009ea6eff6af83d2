#!/usr/bin/env bash
# parallel-multihost.sh: one fanout run spread over several machines with
# GNU parallel, giving byte for byte the totals of a single run.
#
# Usage: parallel-multihost.sh [--local] FILE [FANOUT-OPTION]...
#
#   parallel-multihost.sh big.log --above=0 -a sum,count,mean
#
# The heart of it is one command line:
#
#   parallel -S host1,host2 --pipepart --block 64M -a big.log \
#       fanout --partial --above=0 | fanout --merge
#
# --pipepart cuts FILE into blocks of about 64M, each ending at a newline,
# and pipes every block over ssh to "fanout --partial" on one of the hosts.
# Each of those validates and aggregates its block and prints partial
# aggregates (exact totals, counts, scale, extremes per key, between a
# header and a trailer that counts the key lines, every line with a
# checksum).  "fanout --merge", here, checks them, adds them up and prints
# what one fanout over the whole file would print.
#
# Environment:
#   HOSTS   the hosts, as for parallel -S (default host1,host2).  Every host
#           needs ssh access without a password and fanout in its PATH (the
#           same version: partials are versioned).  ":" is this machine;
#           "2/host1" runs at most two pieces at a time on host1.  Each
#           fanout uses every processor of its host, so one or two pieces
#           per host are enough.
#   BLOCK   block size (default 64M)
#   FANOUT  the fanout command (default fanout)
#
# --local runs every piece on this machine (HOSTS=:), to try the command
# line without other hosts; tests/partial.bats runs it that way.
#
# Rejected records are reported on standard error by the piece that found
# them, as "fanout: -:LINE: REASON" with LINE counted from the start of the
# block, each piece with its own summary line: --pipepart gives a piece its
# block on standard input, not the file name or the offset.  --max-errors,
# if given, also applies to each piece on its own.
#
# Completeness: --merge refuses input that is cut off (a missing trailer, a
# trailer that counts more key lines than arrived, a line without its
# newline) or made with other options.  What it cannot see is a piece that
# printed nothing at all: a fanout that stops with status 2 (an unreadable
# input, --max-errors exceeded, a sum overflow) prints no partial.  So the
# status of every piece is checked: each piece turns "some records were
# rejected" (status 1) into success, parallel then exits non-zero only if a
# piece really failed, and the merged totals are printed only if it did not.
#
# Exit status: 0 with the totals on standard output; 2 if a piece or the
# merge failed, with nothing on standard output.  Unlike a single fanout
# run, rejected records do not make the status 1: they are in the messages.

set -u

usage() {
	echo "usage: ${0##*/} [--local] FILE [FANOUT-OPTION]..." >&2
	exit 2
}

hosts=${HOSTS:-host1,host2}
if [ "${1:-}" = --local ]; then
	hosts=:
	shift
fi
[ $# -ge 1 ] || usage
file=$1
shift
[ -f "$file" ] || { echo "${0##*/}: $file: not a regular file" >&2; exit 2; }
fanout=${FANOUT:-fanout}
command -v parallel >/dev/null || {
	echo "${0##*/}: GNU parallel is not installed (Debian package 'parallel')" >&2
	exit 2
}

result=$(mktemp) || exit 2
trap 'rm -f "$result"' EXIT

# sh -c runs on the remote host: fanout, then its status 1 (records were
# rejected, the partial is complete) counts as success.  -q quotes every
# word, so the options reach fanout unchanged whatever they contain.
# --halt soon,fail=1 starts no new piece once one has failed.
# shellcheck disable=SC2016 # $0, $@ and $s are for that remote sh
parallel --will-cite -q -S "$hosts" --pipepart --block "${BLOCK:-64M}" \
	-a "$file" --halt soon,fail=1 \
	sh -c '"$0" --partial "$@"; s=$?; [ "$s" -le 1 ] || exit "$s"' \
	"$fanout" "$@" \
	| "$fanout" --merge >"$result"
status=("${PIPESTATUS[@]}")

if [ "${status[0]}" -ne 0 ]; then
	echo "${0##*/}: a piece failed (parallel exit status ${status[0]}); no totals" >&2
	exit 2
fi
if [ "${status[1]}" -ne 0 ]; then
	exit 2
fi
cat "$result"
