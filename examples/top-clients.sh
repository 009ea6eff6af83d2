#!/usr/bin/env bash
# top-clients.sh: the client addresses that were sent the most bytes,
# from web server access logs in the combined (or common) format.
#
# Usage: top-clients.sh [-n N] [-f FORMAT] [LOG]...
#
#   top-clients.sh -n 5 /var/log/nginx/access.log
#   top-clients.sh /var/log/nginx/access.log /var/log/nginx/access.log.*.gz
#   top-clients.sh -f common /var/log/apache2/other_vhosts_access.log
#
# Prints at most N lines (default 10, N > 0), CLIENT<TAB>BYTES, the largest total
# first and equal totals in byte order of the address.  FORMAT is combined
# (the default) or common.  With no LOG it reads standard input.
#
# fanout reads the log in its own format (--log-format), so the client
# address (remote_addr) and the size of the response body
# (body_bytes_sent) are found by name, and stay in place whatever the
# quoted request line or user agent hold: blanks, nothing at all, or the
# bytes of a TLS handshake sent to a plain HTTP port.  A line that is not
# in the format is not summed, nor is one whose size is not a number
# (Apache writes "-" for an empty body): fanout counts such lines as
# rejected; -q makes that one summary line on standard error instead of a
# message per line, which a busy log would drown in.
#
# Environment: FANOUT  the fanout command (default fanout, from PATH)
#
# Exit status: 0; 1 if some lines were rejected (the list is complete over
# the others); 2 on trouble (an unreadable LOG, bad usage), with nothing on
# standard output.

set -u

me=${0##*/}
usage() {
	echo "usage: $me [-n N] [-f FORMAT] [LOG]..." >&2
	exit 2
}

n=10
format=combined
while getopts n:f: opt; do
	case $opt in
	n) n=$OPTARG ;;
	f) format=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $n in
'' | *[!0-9]* | 0*) usage ;;
esac
case $format in
combined | common) ;;
*) usage ;;
esac
fanout=${FANOUT:-fanout}

# --top ranks by the sum, largest first, and equal totals in byte order of
# the address; the aggregate is printed whole or not at all, so a run that
# fails prints nothing.
exec "$fanout" -q --log-format="$format" --key=remote_addr \
	--value=body_bytes_sent --top="$n" -- "$@"
