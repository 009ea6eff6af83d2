#!/usr/bin/env bash
# parallel-multihost.sh: one fanout run spread over several machines with
# GNU parallel, giving byte for byte the totals of a single run.
#
# Usage: parallel-multihost.sh [--local] FILE [FANOUT-OPTION]...
#        parallel-multihost.sh [--local] --files LIST [FANOUT-OPTION]...
#
#   parallel-multihost.sh big.log --above=0 -a sum,count,mean
#   ls /shared/logs/*.log >list && parallel-multihost.sh --files list --above=0
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
# --files LIST is for inputs the hosts can read themselves, such as logs
# on a file system they all share: LIST names them, one a line, and each
# is read whole by one "fanout --partial NAME" on one of the hosts
# (parallel -a LIST --workdir .), so nothing but the partials crosses the
# network.  A name must mean the same file on every host; a relative one
# is taken from this directory (under your home directory, from the same
# place under your home there).
#
# Environment:
#   HOSTS   the hosts, as for parallel -S (default host1,host2).  Every host
#           needs ssh access without a password and fanout (the same
#           version: partials are versioned).  ":" is this machine;
#           "2/host1" runs at most two pieces at a time on host1.  Each
#           fanout uses every processor of its host, so one or two pieces
#           per host are enough.  ssh options go in parallel's
#           PARALLEL_SSH, e.g. PARALLEL_SSH="ssh -F my_ssh_config".
#   BLOCK   block size (default 64M)
#   FANOUT  the fanout command (default fanout), on the hosts as here: an
#           absolute path if it is not in their PATH
#
# --local runs every piece on this machine (HOSTS=:), to try the command
# line without other hosts; tests/partial.bats runs it that way, and
# tests/multihost.bats runs it over ssh to a throwaway sshd on 127.0.0.1.
#
# Rejected records are reported on standard error by the piece that found
# them, each piece with its own summary line.  With --pipepart, as
# "fanout: -:LINE: REASON" with LINE counted from the start of the block:
# --pipepart gives a piece its block on standard input, not the file name
# or the offset.  With --files, as "fanout: NAME:LINE: REASON", as one
# fanout over the files would.  --max-errors, if given, also applies to
# each piece on its own.
#
# Completeness: --merge refuses input that is cut off (a missing trailer, a
# trailer that counts more key lines than arrived, a line without its
# newline) or made with other options.  What it cannot see is a piece that
# printed nothing at all: a fanout that stops with status 2 (an unreadable
# input, --max-errors exceeded, a sum overflow) or a host that goes away
# prints no partial.  So the status of every piece is checked: each piece
# turns "some records were rejected" (status 1) into success, parallel
# then exits non-zero only if a piece really failed (ssh's status 255 for
# a lost host), and the merged totals are printed only if it did not.
#
# Exit status: 0 with the totals on standard output; 2 if a piece or the
# merge failed, with nothing on standard output.  Unlike a single fanout
# run, rejected records do not make the status 1: they are in the messages.

set -u

usage() {
	echo "usage: ${0##*/} [--local] FILE [FANOUT-OPTION]..." >&2
	echo "       ${0##*/} [--local] --files LIST [FANOUT-OPTION]..." >&2
	exit 2
}

hosts=${HOSTS:-host1,host2}
if [ "${1:-}" = --local ]; then
	hosts=:
	shift
fi
files=
if [ "${1:-}" = --files ]; then
	files=yes
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
piece=(sh -c '"$0" --partial "$@"; s=$?; [ "$s" -le 1 ] || exit "$s"' "$fanout" "$@")
if [ -n "$files" ]; then
	# "--" and the name last: a name is never taken for an option.
	parallel --will-cite -q -S "$hosts" --workdir . -a "$file" \
		--halt soon,fail=1 "${piece[@]}" -- {}
else
	parallel --will-cite -q -S "$hosts" --pipepart --block "${BLOCK:-64M}" \
		-a "$file" --halt soon,fail=1 "${piece[@]}"
fi | "$fanout" --merge >"$result"
status=("${PIPESTATUS[@]}")

if [ "${status[0]}" -ne 0 ]; then
	echo "${0##*/}: a piece failed (parallel exit status ${status[0]}); no totals" >&2
	exit 2
fi
if [ "${status[1]}" -ne 0 ]; then
	exit 2
fi
cat "$result"
