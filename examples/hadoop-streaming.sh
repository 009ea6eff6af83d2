#!/usr/bin/env bash
# hadoop-streaming.sh: fanout as a Hadoop Streaming job, giving byte for
# byte the totals of a single fanout run over the whole input.
#
# Usage: hadoop-streaming.sh run INPUT OUTPUT [FANOUT-OPTION]...
#        hadoop-streaming.sh simulate FILE [FANOUT-OPTION]...
#
#   hadoop-streaming.sh run /logs/2024-05 /reports/2024-05 --above=0 -a sum,count
#   hdfs dfs -cat /reports/2024-05/part-00000
#
# run submits the job: INPUT and OUTPUT are HDFS paths; fanout must be
# installed, in the PATH, on every node.  simulate does the same work on
# this machine without Hadoop, with pipes and sort(1) in place of the
# framework, and prints the result; tests/partial.bats runs it that way.
#
# The three stages:
#
#   mapper    fanout --partial OPTIONS   one map task per input split: it
#             validates and aggregates its lines and prints partial
#             aggregates, a header line, one line per key and a trailer
#             that counts the key lines.  Rejected records go to the task's
#             stderr log, numbered from the start of the split ("-:LINE").
#             Status 1 (some records rejected) is turned into 0, or Hadoop
#             would fail the task; status 2 fails it.
#   combiner  fanout --merge --partial   folds the key lines of whatever part
#             of a map's output it is given, passing headers and trailers
#             through, with a "#fold" line that accounts for the checksums
#             of the lines it folded.
#   reducer   fanout --merge             adds up every partial and prints
#             the final lines, into OUTPUT/part-00000.
#
# Hadoop sorts the lines of the maps by their first column; --merge accepts
# partial lines in any order and mixed together, and checks that what it
# got is complete and sound: every line matches its checksum, every header
# has its trailer and none comes twice, and the key lines are as many as
# the trailers count and add up to their checksums.
#
# Why -numReduceTasks 1: Hadoop sends each line to the reducer that the hash
# of its first column picks.  With several reducers the key lines would be
# spread over all of them, but every header ("#fanout-partial") and every
# trailer ("#end") would go to one reducer only: the others would have no
# header at all, and that one could not account for the key lines its
# trailers count, so every reducer would fail.  One reducer receives one
# line per key per map, which is small.  (-numReduceTasks 0 also works: the
# job then writes the maps' partials, and
# "hdfs dfs -cat OUTPUT/part-* | fanout --merge" adds them up.)
#
# About the combiner: a map's output already holds one line per key, so the
# combiner saves little, but it is safe.  Hadoop runs it on each spill of
# the map-side sort buffer, so it may see a header without its trailer or
# key lines without either; as a combiner (--partial) --merge does not
# demand a complete input, folds what it gets, and records in each key
# line how many first-hand key lines it stands for, and in a "#fold" line
# how the checksums of the lines it wrote differ from those it read, so
# the reducer's --merge still checks that nothing was lost or changed.
# (A task attempt that Hadoop runs twice, speculatively, is not a worry:
# only one attempt's output is kept.)
#
# Environment:
#   FANOUT               the fanout command (default fanout)
#   HADOOP_STREAMING_JAR the streaming jar (default: the one under
#                        $HADOOP_HOME/share/hadoop/tools/lib)
#   MAPS                 simulate: the number of map tasks (default 3)

set -u

me=${0##*/}
usage() {
	echo "usage: $me run INPUT OUTPUT [FANOUT-OPTION]..." >&2
	echo "       $me simulate FILE [FANOUT-OPTION]..." >&2
	exit 2
}

fanout=${FANOUT:-fanout}
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT

# quote WORD: WORD quoted for sh.
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# write_mapper OPTION...: the map task, as a script to ship with -files.
write_mapper() {
	local words word
	words=$(quote "$fanout")
	for word in --partial "$@"; do
		words="$words $(quote "$word")"
	done
	cat >"$work/fanout-map.sh" <<EOF
#!/bin/sh
# The map task written by $me: partial aggregates of this split.
$words
s=\$?
# 1: records were rejected (see stderr); the partial is complete.
[ "\$s" -le 1 ] || exit "\$s"
EOF
}

run() {
	[ $# -ge 2 ] || usage
	local input=$1 output=$2 jar
	shift 2
	jar=${HADOOP_STREAMING_JAR:-}
	if [ -z "$jar" ]; then
		for jar in "${HADOOP_HOME:-/opt/hadoop}"/share/hadoop/tools/lib/hadoop-streaming-*.jar; do
			break
		done
	fi
	[ -f "$jar" ] || { echo "$me: no streaming jar; set HADOOP_STREAMING_JAR" >&2; exit 2; }
	write_mapper "$@"
	hadoop jar "$jar" \
		-D mapreduce.job.name="fanout $input" \
		-files "$work/fanout-map.sh" \
		-numReduceTasks 1 \
		-input "$input" \
		-output "$output" \
		-mapper "sh fanout-map.sh" \
		-combiner "$fanout --merge --partial" \
		-reducer "$fanout --merge"
}

# Emulates the job: each map task's output is sorted by its first column
# (Hadoop's sort of a spill) and combined; all map outputs are sorted
# together (the shuffle) and reduced.
simulate() {
	[ $# -ge 1 ] || usage
	local file=$1 maps=${MAPS:-3} split pids=() pid failed=0
	shift
	[ -f "$file" ] || { echo "$me: $file: not a regular file" >&2; exit 2; }
	write_mapper "$@"
	split -n "l/$maps" "$file" "$work/split."
	for split in "$work"/split.*; do
		(
			set -o pipefail
			sh "$work/fanout-map.sh" <"$split" \
				| LC_ALL=C sort -t "$(printf '\t')" -k 1,1 \
				| "$fanout" --merge --partial >"$split.map"
		) &
		pids+=("$!")
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || failed=1
	done
	if [ "$failed" -ne 0 ]; then
		echo "$me: a map task failed; no result" >&2
		exit 2
	fi
	cat "$work"/split.*.map \
		| LC_ALL=C sort -t "$(printf '\t')" -k 1,1 \
		| "$fanout" --merge
}

case "${1:-}" in
run)      shift; run "$@" ;;
simulate) shift; simulate "$@" ;;
*)        usage ;;
esac
