#!/usr/bin/env bats
# Time: --time, --time-format, --bucket, --since and --until.  Every
# expected bucket comes from Python's datetime (tests/time-oracle.py):
# from a log written by a real nginx, parsed again with strptime; from
# lines written by hand in several UTC offsets and across a new year;
# and from generated lines in every format fanout reads, each with the
# time datetime gives it.  nginx (Debian: nginx-light), curl and python3
# must be installed: without them the tests fail, saying so.

load test_helper

ORACLE="$FANOUT_SOURCE_DIR/tests/time-oracle.py"

setup() {
	common_setup
	command -v python3 >/dev/null || fail "python3 is not installed"
	NGINX_PID=
}

teardown() {
	stop_nginx
}

# oracle ARGS...: tests/time-oracle.py ARGS...
oracle() {
	python3 "$ORACLE" "$@"
}

# free_port: a TCP port on 127.0.0.1 no one listens on just now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# listening: whether nginx accepts connections on $PORT.
listening() {
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" 2>/dev/null
}

# start_nginx: nginx in the foreground of a background job, on a free
# port, with its configuration, logs and temporary paths under
# $NGINX_DIR; it writes the combined log and the same requests with
# $time_iso8601.  Sets NGINX_PID and PORT.
start_nginx() {
	local attempt user= i
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	[[ -x $NGINX ]] || fail "nginx is not installed (Debian: apt-get install nginx-light)"
	command -v curl >/dev/null || fail "curl is not installed"
	NGINX_DIR=$BATS_TEST_TMPDIR/nginx
	((EUID == 0)) && user='user root;'
	mkdir -p "$NGINX_DIR/tmp"
	for ((attempt = 0; attempt < 5; attempt++)); do
		PORT=$(free_port)
		cat >"$NGINX_DIR/nginx.conf" <<-CONF
			daemon off;
			$user
			worker_processes 1;
			pid $NGINX_DIR/nginx.pid;
			error_log $NGINX_DIR/error.log;
			events { worker_connections 64; }
			http {
			    log_format iso '\$remote_addr \$time_iso8601 \$status \$body_bytes_sent';
			    access_log $NGINX_DIR/access.log combined;
			    access_log $NGINX_DIR/iso.log iso;
			    client_body_temp_path $NGINX_DIR/tmp/body;
			    proxy_temp_path $NGINX_DIR/tmp/proxy;
			    fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
			    uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
			    scgi_temp_path $NGINX_DIR/tmp/scgi;
			    server {
			        listen 127.0.0.1:$PORT;
			        location / { return 200 "page \$uri\n"; }
			        location = /missing { return 404; }
			    }
			}
		CONF
		"$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" \
			3>&- </dev/null >"$NGINX_DIR/stdout" 2>&1 &
		NGINX_PID=$!
		for ((i = 0; i < 300; i++)); do
			listening && return 0
			kill -0 "$NGINX_PID" 2>/dev/null || break
			sleep 0.1
		done
		stop_nginx
	done
	fail "nginx did not start" "$(cat "$NGINX_DIR/stdout" "$NGINX_DIR/error.log" 2>/dev/null)"
}

# stop_nginx: stops nginx, if running, and waits for it.
stop_nginx() {
	[[ -n $NGINX_PID ]] || return 0
	local pid=$NGINX_PID i
	NGINX_PID=
	kill -QUIT "$pid" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# lines_in FILE N: FILE holds N lines.
lines_in() {
	[[ -f $1 && $(wc -l <"$1") -eq $2 ]]
}

# same_output EXPECTED-FILE ARGS...: fanout ARGS prints EXPECTED-FILE's
# bytes, exits 0 and says nothing.
same_output() {
	local expected=$1
	shift
	run_to_files "$@"
	[[ $status -eq 0 ]] || fail "status $status" "$(cat err)"
	[[ ! -s err ]] || fail "stderr: $(cat err)"
	expect_same_file "$expected" out
}

@test "a real nginx's log, per minute and per second, per client: Python's datetime has the same buckets" {
	start_nginx
	local n=0 round client
	# Three rounds a second or more apart, so that there are several
	# buckets of a second, and perhaps of a minute.
	for round in 1 2 3; do
		for client in 127.0.0.2 127.0.0.3 127.0.0.4; do
			curl -s -o /dev/null --interface "$client" "http://127.0.0.1:$PORT/r$round"
			curl -s -o /dev/null --interface "$client" "http://127.0.0.1:$PORT/missing"
			n=$((n + 2))
		done
		sleep 1.1
	done
	wait_for "nginx's log" lines_in "$NGINX_DIR/access.log" "$n"
	wait_for "nginx's second log" lines_in "$NGINX_DIR/iso.log" "$n"
	stop_nginx
	cp "$NGINX_DIR/access.log" "$NGINX_DIR/iso.log" .
	local width
	for width in 1 60; do
		oracle nginx "$width" access.log keyed >expected
		same_output expected --log-format=combined --time=time_local \
			--bucket="${width}s" -k remote_addr -a count,sum -v body_bytes_sent access.log
		((width > 1 || $(cut -f1 expected | sort -u | wc -l) >= 3)) \
			|| fail "fewer than 3 buckets of a second" "$(cat expected)"
		# Without --key the bucket alone is the key.
		oracle nginx "$width" access.log >expected
		same_output expected --log-format=combined --time=time_local \
			--bucket="${width}s" -a count,sum -v body_bytes_sent access.log
		# The same requests, logged with $time_iso8601 in nginx's own
		# offset: the same buckets, clients and bytes.
		oracle nginx "$width" access.log keyed >expected-keyed
		same_output expected-keyed --time=2 --bucket="${width}s" -k 1 -v 4 -a count,sum iso.log
	done
}

@test "lines in offsets from -12:00 to +14:00 across a new year: buckets of a minute, an hour and a day" {
	oracle combined 17 3000 >across.log
	grep -q '31/Dec/2026' across.log && grep -q '01/Jan/2027' across.log \
		|| fail "the log does not span the new year"
	grep -q ' +0530\]' across.log && grep -q ' -0800\]' across.log \
		|| fail "the log lacks +0530 or -0800"
	local width
	for width in 60 3600 86400; do
		oracle nginx "$width" across.log keyed >expected
		same_output expected --log-format=combined --time=time_local \
			--bucket="${width}s" -k remote_addr -a count,sum -v body_bytes_sent across.log
	done
	# The day buckets are the UTC days on both sides of midnight.
	"$FANOUT" --log-format=combined --time=time_local --bucket=1d -a count across.log | cut -f1 >days
	expect_file days '2026-12-31T00:00:00Z\n2027-01-01T00:00:00Z\n'
}

@test "hand-worked: one instant written in four offsets is one bucket; TZ and the locale change nothing" {
	cat >in.log <<-'EOF'
		a - - [01/Jan/2027:05:29:30 +0530] "GET / HTTP/1.1" 200 1 "-" "x"
		a - - [31/Dec/2026:15:59:30 -0800] "GET / HTTP/1.1" 200 2 "-" "x"
		a - - [31/Dec/2026:23:59:30 +0000] "GET / HTTP/1.1" 200 4 "-" "x"
		a - - [01/Jan/2027:13:44:30 +1345] "GET / HTTP/1.1" 200 8 "-" "x"
		a - - [01/Jan/2027:00:00:00 +0000] "GET / HTTP/1.1" 200 16 "-" "x"
	EOF
	local tz
	for tz in UTC America/Los_Angeles Asia/Kolkata; do
		TZ=$tz LC_ALL=C.UTF-8 run_fanout --log-format=combined --time=time_local \
			--bucket=1m -v body_bytes_sent -a count,sum in.log
		assert_result 0 "$(text '2026-12-31T23:59:00Z	4	15' '2027-01-01T00:00:00Z	1	16')" ""
	done
}

@test "ISO 8601 variants, CLF with and without brackets, syslog and epoch seconds are read by default" {
	oracle gen auto 5 4000 >in.tsv
	local width
	for width in 1 60 86400; do
		oracle expect "$width" in.tsv >expected
		same_output expected -t '\t' -k 1 --time=2 --bucket="${width}s" -a count in.tsv
	done
	# Each named format reads its own lines the same way.
	local kind format
	for kind in isoz:iso8601 iso_frac:iso8601 date:iso8601 clf:clf clf_brackets:clf \
		syslog:syslog epoch_frac:epoch epoch_negative:epoch; do
		format=${kind#*:}
		grep "^${kind%%:*}	" in.tsv >part.tsv
		oracle expect 1 part.tsv >expected
		same_output expected -t '\t' -k 1 --time=2 --time-format="$format" --bucket=1s -a count part.tsv
	done
}

@test "epoch milliseconds with --time-format=epoch-ms" {
	oracle gen epoch-ms 3 2000 >in.tsv
	oracle expect 1 in.tsv >expected
	same_output expected -t '\t' -k 1 --time=2 --time-format=epoch-ms --bucket=1s -a count in.tsv
	# Read as seconds, 13 digits are past the year 9999: rejected.
	grep -E '	[0-9]{13}	' in.tsv >long.tsv
	run_fanout -t '\t' -k 1 --time=2 --bucket=1s -a count -q long.tsv
	assert_result 2 "" "fanout: no record accepted
fanout: $(wc -l <long.tsv) records read, 0 accepted, $(wc -l <long.tsv) rejected; 0 bytes of output written"
}

@test "--time-format patterns: every directive, read as Python writes them" {
	local pattern
	for pattern in '%d.%m.%Y %H:%M:%S %z' '%Y%m%d%H%M%S' '%Y-%j %T' '%b %e %y %H:%M' \
		'%F %T%z' '@%s' '%% %h/%d/%Y' '%Y-%m-%dT%H:%M:%S'; do
		oracle gen "pattern:$pattern" 11 600 >in.tsv
		oracle expect 1 in.tsv >expected
		same_output expected -t '\t' -k 1 --time=2 --time-format="$pattern" --bucket=1s -a count in.tsv \
			|| fail "pattern $pattern"
	done
}

@test "syslog times take this year in UTC, or last year when that is over 31 days ahead" {
	# Python writes times relative to now, far from the 31-day line.
	python3 - >in.tsv <<-'PY'
		import datetime as dt
		now = dt.datetime.now(dt.timezone.utc)
		M = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
		for days in (-300, -100, -10, 0, 5, 20, 45, 100, 250):
		    d = (now + dt.timedelta(days=days)).replace(microsecond=0)
		    if d.month == 2 and d.day == 29:
		        continue
		    c = d.replace(year=now.year)
		    if c > now + dt.timedelta(days=31):
		        c = c.replace(year=now.year - 1)
		    print("%s\t%s %2d %02d:%02d:%02d\t%s" % (days, M[d.month - 1], d.day,
		          d.hour, d.minute, d.second, c.strftime("%Y-%m-%dT%H:%M:%SZ")))
	PY
	awk -F '\t' '{ print $3 "\t" $1 "\t1" }' in.tsv | LC_ALL=C sort >expected
	same_output expected -t '\t' -k 1 --time=2 --time-format=syslog --bucket=1s -a count in.tsv
}

@test "--since and --until, absolute: records in [since, until) count, the others are filtered" {
	oracle gen auto 9 3000 >in.tsv
	local since until s u
	since=2026-12-20T06:30:00Z until='2027-01-10 12:00:00+05:30'
	s=$(python3 -c 'import datetime as d; print(int(d.datetime.fromisoformat("2026-12-20T06:30:00+00:00").timestamp() * 1000))')
	u=$(python3 -c 'import datetime as d; print(int(d.datetime.fromisoformat("2027-01-10T12:00:00+05:30").timestamp() * 1000))')
	oracle expect 60 in.tsv "$s" "$u" >expected
	same_output expected -t '\t' -k 1 --time=2 --bucket=1m --since="$since" --until="$until" -a count in.tsv
	# --ordered writes just those records, unchanged; the summary counts
	# the others as skipped.
	awk -F '\t' -v s="$s" -v u="$u" '$3 >= s && $3 < u' in.tsv >kept
	run_to_files -t '\t' --time=2 --since="$since" --until="$until" --ordered --stats=json -q in.tsv
	[[ $status -eq 0 ]] || fail "status $status"
	expect_same_file kept out
	python3 - err "$(wc -l <kept)" "$(wc -l <in.tsv)" <<-'PY'
		import json, sys
		r = json.loads(open(sys.argv[1]).read())["records"]
		kept, total = int(sys.argv[2]), int(sys.argv[3])
		assert r["read"] == total and r["accepted"] == kept, r
		assert r["skipped"] == total - kept and r["rejected"] == 0, r
	PY
	# Only since, only until; a date alone is its midnight in UTC.
	s=$(python3 -c 'import datetime as d; print(int(d.datetime(2027, 1, 1, tzinfo=d.timezone.utc).timestamp() * 1000))')
	oracle expect 3600 in.tsv "$s" - >expected
	same_output expected -t '\t' -k 1 --time=2 --bucket=1h --since=2027-01-01 -a count in.tsv
	oracle expect 3600 in.tsv - "$s" >expected
	same_output expected -t '\t' -k 1 --time=2 --bucket=1h --until=2027-01-01 -a count in.tsv
}

@test "--since and --until relative to now, and the partial header holds them resolved" {
	# Records at times before now that Python computes, each at least
	# four minutes from an edge.
	python3 - >in.tsv <<-'PY'
		import time
		now = int(time.time() * 1000)
		for minutes in (200, 130, 50, 40, 20, 10, 9, 1, -5):
		    print("k%d\t%d.%03d\t%d" % (minutes, (now - minutes * 60000) // 1000,
		                               (now - minutes * 60000) % 1000, now - minutes * 60000))
	PY
	run_fanout -t '\t' -k 1 --time=2 --since=-1h --until=-15m -a count in.tsv
	assert_result 0 "$(text 'k20	1' 'k40	1' 'k50	1')" ""
	run_fanout -t '\t' -k 1 --time=2 --since=-3h -a count in.tsv
	assert_result 0 "$(text 'k-5	1' 'k1	1' 'k10	1' 'k130	1' 'k20	1' 'k40	1' 'k50	1' 'k9	1')" ""
	run_fanout -t '\t' -k 1 --time=2 --since=-1d --until=-2h -a count in.tsv
	assert_result 0 "$(text 'k130	1' 'k200	1')" ""
	# A partial records the bounds as milliseconds, as resolved at its
	# start: within the run's time of what Python computes.
	local before after since
	before=$(oracle relative -15m)
	"$FANOUT" -t '\t' -k 1 --time=2 --since=-15m -a count --partial in.tsv >p
	after=$(oracle relative -15m)
	since=$(head -1 p | tr '\t' '\n' | sed -n 's/^since=//p')
	[[ -n $since && $since -ge $before && $since -le $after ]] \
		|| fail "since=$since not in [$before, $after]" "$(head -1 p)"
}

@test "unreadable and missing times are rejected with the reason, counted as invalid_time" {
	printf '%s\n' \
		'a	2026-12-06T05:08:05Z' \
		'b	2026-13-06T05:08:05Z' \
		'c	2026-02-29' \
		'd	06/Dec/2026:05:08:05' \
		'e	yesterday' \
		'f	2026-12-06T05:08:05Z trailing' \
		'g	Dec 32 05:08:05' \
		'h	' \
		'i' \
		'j	0999-12-31' \
		'k	2026-12-06T24:00:00Z' \
		'l	2026-12-06T05:08:05+2400' >in.tsv
	run_fanout -t '\t' -k 1 --time=2 --bucket=1h -a count --stats=json in.tsv
	assert_status 1
	assert_stdout "2026-12-06T05:00:00Z	a	1"
	local expected
	expected=$(text \
		"fanout: in.tsv:2: invalid time '2026-13-06T05:08:05Z' in field 2: month out of range" \
		"fanout: in.tsv:3: invalid time '2026-02-29' in field 2: day out of range" \
		"fanout: in.tsv:4: invalid time '06/Dec/2026:05:08:05' in field 2: no UTC offset such as +0000" \
		"fanout: in.tsv:5: invalid time 'yesterday' in field 2: not a time in a known format (CLF, ISO 8601, syslog, epoch seconds)" \
		"fanout: in.tsv:6: invalid time '2026-12-06T05:08:05Z trailing' in field 2: text after the time" \
		"fanout: in.tsv:7: invalid time 'Dec 32 05:08:05' in field 2: day out of range" \
		"fanout: in.tsv:8: invalid time '' in field 2: empty" \
		"fanout: in.tsv:9: missing field 2" \
		"fanout: in.tsv:10: invalid time '0999-12-31' in field 2: year out of range (1000 to 9999)" \
		"fanout: in.tsv:11: invalid time '2026-12-06T24:00:00Z' in field 2: time of day out of range" \
		"fanout: in.tsv:12: invalid time '2026-12-06T05:08:05+2400' in field 2: no UTC offset such as Z or +01:00" \
		"fanout: 12 records read, 1 accepted, 11 rejected")
	[[ ${stderr%%$'\n'\{*} == "$expected" ]] || show_diff stderr "$expected" "${stderr%%$'\n'\{*}"
	printf '%s' "${stderr_lines[-1]}" >report.json
	python3 - report.json <<-'PY' || fail "$stderr"
		import json, sys
		r = json.load(open(sys.argv[1]))
		assert r["rejected"]["invalid_time"] == 10 and r["rejected"]["missing_field"] == 1, r
		assert r["records"] == {"read": 12, "accepted": 1, "rejected": 11, "skipped": 0,
		                        "missing_values": 0}, r
	PY
	# The name of the field when it has one.
	printf '%s\n' '1.2.3.4 - - [06/Dec/2026:05:08:05 0000] "GET / HTTP/1.1" 200 5 "-" "x"' >bad.log
	run_fanout --log-format=combined --time=time_local --bucket=1m -a count --stats bad.log
	assert_status 2
	[[ ${stderr_lines[0]} == "fanout: bad.log:1: invalid time '06/Dec/2026:05:08:05 0000' in field time_local: no UTC offset such as +0000" ]] \
		|| fail "$stderr"
	[[ $stderr == *"invalid time: 1"* || $stderr == *"1 invalid time"* ]] || fail "--stats: $stderr"
	# With --ordered the rejected records are left out, the rest written.
	run_fanout -t '\t' --time=2 --ordered -q in.tsv
	assert_result 1 "a	2026-12-06T05:08:05Z" "fanout: 12 records read, 1 accepted, 11 rejected"
}

@test "CSV, --header-in names, JSON, --sort=value, --top and --decimals with buckets" {
	python3 - >in.csv <<-'PY'
		import random
		r = random.Random(4)
		print("when,host,ms")
		for i in range(400):
		    print('"2026-12-06 05:%02d:%02d+01:00","h%d",%d.%d' % (r.randrange(60), r.randrange(60),
		          r.randrange(3), r.randrange(1000), r.randrange(10)))
	PY
	python3 - in.csv >expected <<-'PY'
		import csv, sys, datetime as dt
		from decimal import Decimal
		tot = {}
		with open(sys.argv[1], newline="") as f:
		    for row in csv.DictReader(f):
		        t = dt.datetime.fromisoformat(row["when"]).astimezone(dt.timezone.utc)
		        b = t.replace(minute=t.minute // 15 * 15, second=0).strftime("%Y-%m-%dT%H:%M:%SZ")
		        tot.setdefault((b, row["host"]), []).append(Decimal(row["ms"]))
		print("time,host,count,sum(ms)")
		for k in sorted(tot):
		    print("%s,%s,%d,%s" % (k[0], k[1], len(tot[k]), (sum(tot[k])).quantize(Decimal("0.01"))))
	PY
	same_output expected --csv --header-in --time=when --bucket=15m -k host -v ms -a count,sum \
		--header --format=csv --decimals=2 in.csv
	# JSON: the key is an array, bucket first; --sort=value --top=2 the
	# two largest counts.
	run_fanout --csv --header-in --time=when --bucket=15m -k host -a count --format=json \
		--sort=value --top=2 in.csv
	assert_status 0
	printf '%s' "$output" >rows.json
	python3 - expected rows.json <<-'PY' || fail "$output"
		import json, sys
		rows = [json.loads(l) for l in open(sys.argv[2])]
		exp = [l.split(",") for l in open(sys.argv[1]).read().split("\n")[1:] if l]
		exp.sort(key=lambda r: (-int(r[2]), r[0], r[1]))
		assert [(r["key"], r["count"]) for r in rows] == [([e[0], e[1]], int(e[2])) for e in exp[:2]], rows
	PY
	# A later input must have the named time field in the same column.
	printf 'when\thost\n2026-12-06T05:00:00Z\th1\n' >first.tsv
	printf 'stamp\thost\n2026-12-06T05:00:00Z\th1\n' >second.tsv
	run_fanout -t '\t' --header-in --time=when --bucket=15m -k host -a count first.tsv first.tsv
	assert_result 0 "2026-12-06T05:00:00Z	h1	2" ""
	run_fanout -t '\t' --header-in --time=when --bucket=15m -k host -a count first.tsv second.tsv
	assert_status 2
	[[ ${stderr_lines[0]} == "fanout: second.tsv: header has no field 'when' in column 1, where the first input's has it" ]] \
		|| fail "$stderr"
	# --header without --key: the one key column is time.
	run_fanout --csv --header-in --time=1 --bucket=1h -a count --header in.csv
	assert_result 0 "$(text 'time	count' '2026-12-06T04:00:00Z	400')" ""
}

@test "the same buckets for every --jobs and --batch" {
	oracle combined 29 20000 >big.log
	oracle nginx 60 big.log keyed >expected
	local jobs batch
	for jobs in 1 2 3; do
		for batch in 1 7 100 1K 64K 4M; do
			same_output expected --log-format=combined --time=time_local --bucket=1m -k 1 \
				-v body_bytes_sent -a count,sum --jobs="$jobs" --batch="$batch" big.log \
				|| fail "--jobs=$jobs --batch=$batch"
		done
	done
}

@test "partials of split -n l/K pieces merge to one run's bytes; other time settings are refused" {
	oracle combined 31 5000 >big.log
	printf 'bad line\n' >>big.log
	run_to_files --log-format=combined --time=time_local --bucket=5m -k 1 -v body_bytes_sent \
		-a count,sum,min,max,mean --sort=first big.log
	[[ $status -eq 1 ]] || fail "status $status"
	mv out one-run
	local k i
	for k in 1 2 4 7; do
		rm -f piece.* part.*
		for ((i = 1; i <= k; i++)); do
			split -n "l/$i/$k" big.log >"piece.$i"
			"$FANOUT" --partial -q --log-format=combined --time=time_local --bucket=5m -k 1 \
				-v body_bytes_sent -a count,sum,min,max,mean "piece.$i" >"part.$i" || [[ $? -eq 1 ]]
		done
		same_output one-run --merge --sort=first $(for ((i = 1; i <= k; i++)); do echo "part.$i"; done) \
			|| fail "K=$k"
	done
	# Without --key too.
	"$FANOUT" --log-format=combined --time=time_local --bucket=1h -a count big.log >one-run 2>/dev/null || true
	split -n l/1/2 big.log >a
	split -n l/2/2 big.log >b
	"$FANOUT" --partial --log-format=combined --time=time_local --bucket=1h -a count a >pa
	"$FANOUT" --partial --log-format=combined --time=time_local --bucket=1h -a count b >pb 2>/dev/null || true
	same_output one-run --merge pa pb
	# A bucket, a field or a bound of its own: not the same settings.
	local other
	for other in "--bucket=30m" "--bucket=1h --since=2026-01-01" "--bucket=1h --time-format=clf"; do
		# shellcheck disable=SC2086
		"$FANOUT" --partial --log-format=combined --time=time_local $other -a count b >pc 2>/dev/null || true
		run_fanout --merge pa pc
		assert_status 2
		[[ $stderr == *"settings differ"* || $stderr == *"differ"* ]] || fail "$other: $stderr"
	done
}

@test "usage errors: the time options need --time, values are checked" {
	expect_usage_error "--bucket requires --time" -k 1 -a count --bucket=1m
	expect_usage_error "--since requires --time" -k 1 -a count --since=-1h
	expect_usage_error "--until requires --time" --until=2026-01-01
	expect_usage_error "--time-format requires --time" -k 1 -a count --time-format=clf
	expect_usage_error "--time without --key requires --bucket" --time=1 -a count
	expect_usage_error "invalid --bucket value '5x': not a duration such as 30s, 5m, 1h or 1d" \
		--time=1 --bucket=5x -a count
	expect_usage_error "invalid --bucket value '0s': not from 1s to 3660d" --time=1 --bucket=0s -a count
	expect_usage_error "invalid --since value 'yesterday': not an ISO 8601 time such as 2026-12-06T05:08:05Z, nor a time ago such as -15m" \
		--time=1 -k 2 --since=yesterday -a count
	expect_usage_error "invalid --time-format value 'iso' (known: auto, clf, iso8601, syslog, epoch, epoch-ms, or a pattern such as '%d.%m.%Y %H:%M')" \
		--time=1 -k 2 --time-format=iso -a count
	expect_usage_error "invalid --time-format value '%Y-%Q': unknown directive (known: %Y %y %m %d %e %j %H %M %S %b %h %z %T %F %s %%)" \
		--time=1 -k 2 --time-format=%Y-%Q -a count
	expect_usage_error "invalid --time value 'when': not a whole number" --time=when -k 2 -a count
	expect_usage_error "--time cannot be used with --merge" --merge --time=1
}
