#!/usr/bin/env bash
# clean-lines.sh: check a KEY:VALUE log and hand only its clean lines on,
# in their original order, keeping the rejected ones for a closer look.
#
# Usage: clean-lines.sh IN OUT REJECTS [FANOUT-OPTION]...
#
#   clean-lines.sh metrics.log metrics.clean metrics.rejects --max-errors=1%
#
# A clean line has a key of lower-case letters, digits, '_' and '.'
# starting with a letter, and a value above 0 and below 1000000; the
# FANOUT-OPTIONs add rules (--key-match, --min, ... given again replace
# these).  OUT receives the clean lines of IN, REJECTS the others, both in
# input order; each rejection is reported on standard error with its line
# number.
#
# fanout's exit status says how far to trust the result:
#   0  every line was clean: OUT is all of IN;
#   1  some lines were rejected, and are in REJECTS; OUT is complete
#      without them;
#   2  trouble (IN unreadable, REJECTS not writable, --max-errors
#      exceeded, a full disk): OUT holds only a prefix of the clean lines,
#      so it is thrown away and the previous OUT, if any, stays.
# This script exits with the same status.
#
# Environment: FANOUT  the fanout command (default fanout, from PATH)

set -u

me=${0##*/}
if [ $# -lt 3 ]; then
	echo "usage: $me IN OUT REJECTS [FANOUT-OPTION]..." >&2
	exit 2
fi
in=$1 out=$2 rejects=$3
shift 3
fanout=${FANOUT:-fanout}

# Written beside OUT and renamed over it only when fanout finished, so a
# reader of OUT never sees half a file.  mktemp makes the file private;
# OUT gets the permissions a plain redirection would give it.
tmp=$(mktemp "$out.XXXXXX") || exit 2
trap 'rm -f "$tmp"' EXIT
chmod "$(printf '%o' $((0666 & ~$(umask))))" "$tmp"

status=0
"$fanout" --ordered --key-match='^[a-z][a-z0-9_.]*$' --above=0 --below=1000000 \
	--rejects="$rejects" "$@" -- "$in" >"$tmp" || status=$?

case $status in
0)
	mv -f "$tmp" "$out" || exit 2
	;;
1)
	mv -f "$tmp" "$out" || exit 2
	echo "$me: $(wc -l <"$rejects") rejected lines of $in are in $rejects" >&2
	;;
*)
	echo "$me: $in was not processed completely (fanout exit status $status); $out left as it was" >&2
	exit 2
	;;
esac
exit "$status"
