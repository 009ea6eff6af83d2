#!/usr/bin/env bash
# daily-totals-sqlite.sh: one day's per-key totals of a KEY:VALUE log,
# stored in an SQLite database; made to run from cron.
#
# Usage: daily-totals-sqlite.sh [-d DAY] DB LOG [FANOUT-OPTION]...
#
# Keeps in DB (created if needed) the table
#
#   totals(day TEXT, key TEXT, count INTEGER, sum INTEGER,
#          PRIMARY KEY (day, key))
#
# with one row per key of LOG: how many of its records were accepted and
# their exact sum.  DAY (YYYY-MM-DD, default yesterday) labels the rows;
# LOG is that day's log.  FANOUT-OPTIONs choose the records and the key
# (--above=0, -m REGEX, or field mode: -k 1 -v 10, whose composite keys
# are stored with a TAB between the fields).  Sums of decimal values are
# stored as REAL by SQLite, and sums beyond 64 bits as well: keep to
# whole numbers of modest size if the table must stay exact.
#
# Run again for the same DAY, it replaces that day's rows, so a re-run
# after a log was mended, or a second run by mistake, leaves one set of
# totals.  The rows of a day are deleted and inserted in one transaction:
# a reader sees the old totals or the new ones, never a mixture, and a run
# that fails changes nothing.  Concurrent runs queue on a lock file,
# DB.lock, for up to LOCK_WAIT seconds.
#
# For cron, with the log rotated daily just after midnight (logrotate's
# "dateext" off, so yesterday's log is metrics.log.1):
#
#   15 0 * * *  /usr/local/bin/daily-totals-sqlite.sh /var/lib/metrics/totals.db /var/log/app/metrics.log.1 --above=0 2>>/var/log/app/daily-totals.log
#
# Messages go to standard error, each with a time stamp: one line per run
# on success, and fanout's summary when records were rejected.
#
# Environment:
#   FANOUT      the fanout command (default fanout, from PATH)
#   SQLITE3     the sqlite3 command (default sqlite3)
#   MAX_ERRORS  fanout --max-errors: beyond this many rejected records (or
#               percentage, with %) the log is not trusted and nothing is
#               stored (default 1%)
#   LOCK_WAIT   seconds to wait for another run to finish (default 600)
#
# Exit status: 0 stored; 1 stored, but some records were rejected; 2
# nothing stored (bad usage, LOG unreadable, too many rejected records,
# the lock not obtained, a database error).

set -euo pipefail

me=${0##*/}
log() {
	printf '%s %s: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$me" "$*" >&2
}
usage() {
	echo "usage: $me [-d DAY] DB LOG [FANOUT-OPTION]..." >&2
	exit 2
}
# Any other failure is trouble too, never the status 1 of a stored run.
trap 'log "failed at line $LINENO; nothing stored"; exit 2' ERR

day=
while getopts d: opt; do
	case $opt in
	d) day=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
db=$1 logfile=$2
shift 2
[ -n "$day" ] || day=$(date -d yesterday +%Y-%m-%d)
if ! [[ $day =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
	log "invalid day '$day': use YYYY-MM-DD"
	exit 2
fi
fanout=${FANOUT:-fanout}
sqlite3=${SQLITE3:-sqlite3}

exec 9>>"$db.lock" || {
	log "cannot open the lock file $db.lock; nothing stored for $day"
	exit 2
}
if ! flock -w "${LOCK_WAIT:-600}" 9; then
	log "another run still holds $db.lock; nothing stored for $day"
	exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The aggregate options come last, so that they win over any given before.
status=0
"$fanout" -q --max-errors="${MAX_ERRORS:-1%}" "$@" --aggregate=count,sum \
	-- "$logfile" >"$work/totals" 2>"$work/messages" || status=$?
if [ "$status" -gt 1 ]; then
	cat "$work/messages" >&2
	log "fanout failed (exit status $status); nothing stored for $day"
	exit 2
fi

# The SQL is generated, not pasted together by the shell: every key goes
# in as a string literal with its quotes doubled, whatever bytes it holds;
# count and sum are checked to be numbers.  A key is all the columns but
# the last two, TABs included.
awk -v day="$day" '
	function literal(s) { gsub(/\047/, "\047\047", s); return "\047" s "\047" }
	BEGIN {
		FS = "\t"
		print "CREATE TABLE IF NOT EXISTS totals (day TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL, sum INTEGER NOT NULL, PRIMARY KEY (day, key));"
		print "BEGIN IMMEDIATE;"
		print "DELETE FROM totals WHERE day = " literal(day) ";"
	}
	{
		if (NF < 3 || $(NF - 1) !~ /^[0-9]+$/ || $NF !~ /^-?[0-9]+(\.[0-9]+)?$/) {
			print "fanout printed an unexpected line " NR > "/dev/stderr"
			exit 1
		}
		key = $0
		sub(/\t[^\t]*\t[^\t]*$/, "", key)
		print "INSERT INTO totals (day, key, count, sum) VALUES (" \
			literal(day) ", " literal(key) ", " $(NF - 1) ", " $NF ");"
	}
	END { print "COMMIT;" }
' "$work/totals" >"$work/load.sql" || {
	log "nothing stored for $day"
	exit 2
}

# -bail stops at the first error; the open transaction is then rolled back.
if ! "$sqlite3" -batch -bail -cmd '.timeout 10000' "$db" <"$work/load.sql" >"$work/sqlite.out" 2>&1; then
	cat "$work/sqlite.out" >&2
	log "could not store the totals in $db; nothing stored for $day"
	exit 2
fi

if [ "$status" -eq 1 ]; then
	cat "$work/messages" >&2
fi
log "$day: $(wc -l <"$work/totals") keys stored in $db"
exit "$status"
