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
# ERRORS / REQUESTS to six decimal places (0.250000 for 1 in 4).  With no
# LOG it reads standard input.
#
# awk reduces each line to ENDPOINT<TAB>1 for a server error or
# ENDPOINT<TAB>0 otherwise, so that fanout's count is the requests, its
# sum the errors and its mean the rate, computed exactly.  A line awk
# cannot read is passed on without a TAB: fanout rejects and reports it
# ("fanout: -:LINE: missing delimiter"), LINE counting the lines of all
# LOGs together.
#
# Environment: FANOUT  the fanout command (default fanout, from PATH)
#
# Exit status: 0; 1 if some lines could not be read (the rates are
# complete over the others); 2 on trouble (an unreadable LOG), with nothing
# on standard output.

set -u -o pipefail

fanout=${FANOUT:-fanout}

result=$(mktemp) || exit 2
trap 'rm -f "$result"' EXIT

# Fields at blanks: 6 is the quoted method, 7 the path, 9 the status.
awk '
	NF >= 9 && $6 ~ /^"[A-Z]+$/ && $9 ~ /^[0-9][0-9][0-9]$/ {
		path = $7
		sub(/\?.*/, "", path)
		print path "\t" ($9 >= 500 ? 1 : 0)
		next
	}
	{ gsub(/\t/, " "); print }
' "$@" | "$fanout" --delimiter='\t' --aggregate=count,sum,mean >"$result"
status=$?

# With pipefail an awk that failed (an unreadable LOG) gives the status,
# and the totals it fed fanout are incomplete.
[ "$status" -le 1 ] || exit 2
cat "$result"
exit "$status"
