#!/usr/bin/env bash
# error-rate.sh: requests and server errors per endpoint, from web server
# access logs in the combined (or common) format.
#
# Usage: error-rate.sh [LOG]...
#
#   error-rate.sh /var/log/nginx/access.log
#
# Prints one line per endpoint (the request path without its query
# string), sorted by endpoint:
#
#   ENDPOINT<TAB>REQUESTS<TAB>ERRORS<TAB>RATE
#
# where ERRORS counts responses with status 500 or more and RATE is
# ERRORS / REQUESTS to six decimal places, rounded half to even (0.250000
# for 1 in 4).  With no LOG it reads standard input.
#
# fanout reads the log in the combined format (--log-format=combined),
# whose request line it splits into method, path, query and protocol, and
# counts the requests per path and status; awk adds those counts up per
# path, and works out the rate in integer arithmetic, exact for fewer than
# 2^53 / 10^6 (about nine thousand million) requests per path.  A line
# that is not in the format, or whose request has no path (garbage, an
# empty request, a TLS handshake sent to a plain HTTP port), is rejected
# and reported by fanout ("fanout: LOG:LINE: REASON").
#
# Environment: FANOUT  the fanout command (default fanout, from PATH)
#
# Exit status: 0; 1 if some lines were rejected (the rates are complete
# over the others); 2 on trouble (an unreadable LOG), with nothing on
# standard output.

set -u

fanout=${FANOUT:-fanout}

counts=$(mktemp) || exit 2
trap 'rm -f "$counts"' EXIT

# PATH<TAB>STATUS<TAB>COUNT, sorted by path, then status.
"$fanout" --log-format=combined --key=path,status --aggregate=count -- "$@" >"$counts"
status=$?
[ "$status" -le 1 ] || exit 2

awk -F '\t' '
	function flush() {
		if (!started)
			return
		q = int(e * 1000000 / n); r = e * 1000000 - q * n
		if (2 * r > n || (2 * r == n && q % 2 == 1))
			q++
		printf "%s\t%d\t%d\t%d.%06d\n", path, n, e, int(q / 1000000), q % 1000000
	}
	!started || $1 != path { flush(); started = 1; path = $1; n = 0; e = 0 }
	{ n += $3; if ($2 >= 500) e += $3 }
	END { flush() }
' "$counts" || exit 2
exit "$status"
