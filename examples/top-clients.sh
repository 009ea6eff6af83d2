#!/usr/bin/env bash
# top-clients.sh: the client addresses that were sent the most bytes,
# from web server access logs in the combined (or common) format.
#
# Usage: top-clients.sh [-n N] [LOG]...
#
#   top-clients.sh -n 5 /var/log/nginx/access.log
#   zcat /var/log/nginx/access.log.*.gz | top-clients.sh
#
# Prints at most N lines (default 10, N > 0), CLIENT<TAB>BYTES, the largest total
# first and equal totals in byte order of the address.  With no LOG it
# reads standard input.
#
# Split at blanks, a combined-format line has the client address in field
# 1 and the size of the response body in field 10 (the request line in
# quotes holds exactly three words).  A line whose field 10 is not a
# number is not summed: Apache writes "-" for an empty body, and a request
# line with blanks of its own shifts the fields.  fanout counts such lines
# as rejected; -q makes that one summary line on standard error instead of
# a message per line, which a busy log would drown in.
#
# Environment: FANOUT  the fanout command (default fanout, from PATH)
#
# Exit status: 0; 1 if some lines were rejected (the list is complete over
# the others); 2 on trouble (an unreadable LOG, bad usage), with nothing on
# standard output.

set -u

me=${0##*/}
usage() {
	echo "usage: $me [-n N] [LOG]..." >&2
	exit 2
}

n=10
while getopts n: opt; do
	case $opt in
	n) n=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $n in
'' | *[!0-9]* | 0*) usage ;;
esac
fanout=${FANOUT:-fanout}

# --top ranks by the sum, largest first, and equal totals in byte order of
# the address; the aggregate is printed whole or not at all, so a run that
# fails prints nothing.
exec "$fanout" -q --key=1 --value=10 --top="$n" -- "$@"
