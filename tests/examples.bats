#!/usr/bin/env bats
# The recipes in examples/: each runs on small generated or hand-written
# inputs, from a directory of its own, and its results are checked against
# numbers worked out by hand or computed independently with awk (and, for
# the SQLite recipe, read back with the real sqlite3).

load test_helper

setup() {
	common_setup
}

# access_line CLIENT REQUEST STATUS BYTES: one line of the combined format.
access_line() {
	printf '%s - - [27/Nov/2026:10:00:01 +0000] "%s" %s %s "-" "Mozilla/5.0 (X11; Linux x86_64)"\n' \
		"$1" "$2" "$3" "$4"
}

# gen_access_log SEED LINES: a combined-format log with 40 clients, a dozen
# endpoints (some with query strings) and a mix of statuses.
gen_access_log() {
	"$GAWK" -v seed="$1" -v n="$2" 'BEGIN {
		srand(seed)
		split("/ /login /logout /api/users /api/orders /api/items /static/app.js /static/a.css /health /search /cart /checkout", paths, " ")
		split("200 200 200 200 201 204 301 304 400 404 500 502 503 504", codes, " ")
		split("GET GET GET POST PUT DELETE", methods, " ")
		for (i = 1; i <= n; i++) {
			client = sprintf("10.%d.%d.%d", int(rand() * 3), int(rand() * 2), int(rand() * 7))
			path = paths[1 + int(rand() * 12)]
			if (rand() < 0.3)
				path = path "?q=" int(rand() * 100)
			printf "%s - - [27/Nov/2026:10:%02d:%02d +0000] \"%s %s HTTP/1.1\" %s %d \"-\" \"agent %d\"\n",
				client, i % 60, i % 60, methods[1 + int(rand() * 6)], path,
				codes[1 + int(rand() * 14)], int(rand() * 100000), i % 5
		}
	}'
}

@test "top-clients.sh: bytes per client, largest first, equal totals in byte order (hand-worked)" {
	{
		access_line 192.0.2.10 "GET / HTTP/1.1" 200 5120
		access_line 198.51.100.7 "GET /a.css HTTP/1.1" 304 0
		access_line 192.0.2.10 "GET /b.png HTTP/1.1" 200 2048
		access_line 203.0.113.5 "GET /big HTTP/1.1" 200 7168
		access_line 10.0.0.1 "GET /small HTTP/1.1" 200 100
		access_line 198.51.100.7 "GET /big HTTP/1.1" 200 7168
		access_line 10.0.0.2 "GET /tiny HTTP/1.1" 200 7
	} >access.log
	# 192.0.2.10: 5120 + 2048 = 7168; 198.51.100.7: 0 + 7168 = 7168;
	# 203.0.113.5: 7168; 10.0.0.1: 100; 10.0.0.2: 7.
	run_exact "$EXAMPLES_DIR/top-clients.sh" -n 4 access.log
	assert_result 0 "$(text $'192.0.2.10\t7168' $'198.51.100.7\t7168' $'203.0.113.5\t7168' \
		$'10.0.0.1\t100')" ""
	run_exact "$EXAMPLES_DIR/top-clients.sh" -n 1 access.log
	assert_result 0 $'192.0.2.10\t7168' ""
	# The default is ten lines, here all five.
	run_exact "$EXAMPLES_DIR/top-clients.sh" access.log
	assert_status 0
	[[ ${#lines[@]} == 5 && ${lines[4]} == $'10.0.0.2\t7' ]] || fail "default -n" "$output"
}

@test "top-clients.sh: a size of - is counted as rejected, status 1, the rest still ranked" {
	{
		access_line 192.0.2.10 "GET / HTTP/1.1" 200 300
		access_line 198.51.100.7 "GET /a.css HTTP/1.1" 304 -
		access_line 198.51.100.7 "GET / HTTP/1.1" 200 200
	} >access.log
	run_exact "$EXAMPLES_DIR/top-clients.sh" access.log
	assert_result 1 "$(text $'192.0.2.10\t300' $'198.51.100.7\t200')" \
		"fanout: 3 records read, 2 accepted, 1 rejected"
}

@test "top-clients.sh: the top 10 of a generated log equal awk's sums ranked by awk, from a file or a pipe" {
	gen_access_log 11 3000 >access.log
	# The ten largest totals by selection, ties by the smaller address.
	"$GAWK" '{ s[$1] += $10 }
		END {
			for (i = 1; i <= 10; i++) {
				best = ""
				for (k in s)
					if (!(k in done) && (best == "" || s[k] > s[best] || (s[k] == s[best] && k < best)))
						best = k
				if (best == "")
					break
				done[best] = 1
				printf "%s\t%d\n", best, s[best]
			}
		}' access.log >expected.txt
	[[ $(wc -l <expected.txt) == 10 ]] || fail "generator: fewer than 10 clients"
	mkdir elsewhere && cd elsewhere
	run_exact "$EXAMPLES_DIR/top-clients.sh" -n 10 ../access.log
	assert_status 0
	assert_stdout "$(cat ../expected.txt)"
	run_exact "$EXAMPLES_DIR/top-clients.sh" -n 3 <../access.log
	assert_result 0 "$(head -n 3 ../expected.txt)" ""
}

@test "top-clients.sh: an unreadable log or a bad -n is status 2 with nothing on stdout" {
	run_exact "$EXAMPLES_DIR/top-clients.sh" missing.log
	assert_result 2 "" "fanout: missing.log: No such file or directory"
	run_exact "$EXAMPLES_DIR/top-clients.sh" -n x </dev/null
	assert_status 2
	assert_stdout ""
}

@test "error-rate.sh: requests, server errors and rate per endpoint (hand-worked)" {
	{
		access_line 192.0.2.1 "GET /api/users?id=1 HTTP/1.1" 200 10
		access_line 192.0.2.1 "GET /api/users?id=2 HTTP/1.1" 500 10
		access_line 192.0.2.2 "GET /api/users HTTP/1.1" 200 10
		access_line 192.0.2.2 "DELETE /api/users HTTP/1.1" 503 0
		access_line 192.0.2.3 "GET /login HTTP/1.1" 200 10
		access_line 192.0.2.3 "POST /login HTTP/1.1" 502 0
		access_line 192.0.2.3 "GET /login HTTP/1.1" 404 0
		access_line 192.0.2.4 "GET / HTTP/1.1" 499 10
	} >access.log
	# /: 1 request, 0 errors (499 is below 500); /api/users: 4 requests,
	# 2 errors, 2/4; /login: 3 requests, 1 error, 1/3 = 0.333333.
	run_exact "$EXAMPLES_DIR/error-rate.sh" access.log
	assert_result 0 "$(text $'/\t1\t0\t0.000000' $'/api/users\t4\t2\t0.500000' \
		$'/login\t3\t1\t0.333333')" ""
}

@test "error-rate.sh: a line not in the format, or a request without a path, is reported with its line number, status 1" {
	{
		access_line 192.0.2.1 "GET /a HTTP/1.1" 200 10
		printf 'truncated line\twith a tab\n'
		access_line 192.0.2.1 "GET /a HTTP/1.1" 504 10
		access_line 192.0.2.1 "-" 400 0
	} >access.log
	run_exact "$EXAMPLES_DIR/error-rate.sh" access.log
	assert_result 1 $'/a\t2\t1\t0.500000' "$(text \
		"fanout: access.log:2: not a combined log line: 5 fields, not 9" \
		"fanout: access.log:4: missing field path" \
		"fanout: 4 records read, 2 accepted, 2 rejected")"
}

@test "error-rate.sh: a generated log over two files equals awk's exact counts and rates" {
	gen_access_log 5 1500 >a.log
	gen_access_log 6 1700 >b.log
	# The rate to six places, rounded half to even, in integer arithmetic.
	cat a.log b.log | "$GAWK" '{
			path = $7; sub(/\?.*/, "", path)
			n[path]++; e[path] += ($9 >= 500)
		}
		END {
			for (p in n) {
				q = int(e[p] * 1000000 / n[p]); r = e[p] * 1000000 - q * n[p]
				if (2 * r > n[p] || (2 * r == n[p] && q % 2 == 1))
					q++
				printf "%s\t%d\t%d\t%d.%06d\n", p, n[p], e[p], int(q / 1000000), q % 1000000
			}
		}' | sort >expected.txt
	[[ $(wc -l <expected.txt) == 12 ]] || fail "generator: not 12 endpoints"
	run_exact "$EXAMPLES_DIR/error-rate.sh" a.log b.log
	assert_status 0
	assert_stdout "$(cat expected.txt)"
}

@test "error-rate.sh: an unreadable log is status 2 with nothing on stdout" {
	access_line 192.0.2.1 "GET /a HTTP/1.1" 200 10 >a.log
	run_exact "$EXAMPLES_DIR/error-rate.sh" a.log missing.log
	assert_status 2
	assert_stdout ""
}

# gen_metrics SEED LINES: KEY:VALUE lines, some of them unclean: keys with
# capitals or starting with a digit, values out of range or not numbers,
# lines without a colon.
gen_metrics() {
	"$GAWK" -v seed="$1" -v n="$2" 'BEGIN {
		srand(seed)
		split("cpu mem disk.io net_rx Cpu 9lives load.1", keys, " ")
		for (i = 1; i <= n; i++) {
			k = keys[1 + int(rand() * 7)]
			r = rand()
			if (r < 0.03) print "no colon here " i
			else if (r < 0.06) print k ":x" i
			else if (r < 0.09) print k ":0"
			else if (r < 0.12) print k ":1000000"
			else print k ":" 1 + int(rand() * 999998)
		}
	}'
}

# The rules clean-lines.sh applies, in awk: prints the clean lines, or
# with -v want=rejects the others.
clean_rule='{
	i = index($0, ":"); k = substr($0, 1, i - 1); v = substr($0, i + 1)
	ok = i > 0 && k ~ /^[a-z][a-z0-9_.]*$/ && v ~ /^[0-9]+$/ && v + 0 > 0 && v + 0 < 1000000
	if (ok == (want != "rejects")) print
}'

@test "clean-lines.sh: clean lines in order to OUT, the others to REJECTS, status 1 (checked with awk)" {
	mkdir work && cd work
	gen_metrics 3 2000 >in.txt
	"$GAWK" "$clean_rule" in.txt >expected.clean
	"$GAWK" -v want=rejects "$clean_rule" in.txt >expected.rejects
	nrej=$(wc -l <expected.rejects)
	[[ $nrej -gt 100 && $(wc -l <expected.clean) -gt 1000 ]] || fail "generator: too few of each kind"
	run_exact "$EXAMPLES_DIR/clean-lines.sh" in.txt out.txt rejects.txt --quiet
	assert_status 1
	expect_same_file expected.clean out.txt
	expect_same_file expected.rejects rejects.txt
	assert_stderr "$(text "fanout: 2000 records read, $((2000 - nrej)) accepted, $nrej rejected" \
		"clean-lines.sh: $nrej rejected lines of in.txt are in rejects.txt")"
	# Nothing but the three files is left behind.
	[[ $(ls | sort | tr '\n' ' ') == "expected.clean expected.rejects in.txt out.txt rejects.txt " ]] ||
		fail "files left: $(ls)"
}

@test "clean-lines.sh: a clean input is copied whole, status 0; each rejection is reported with its line" {
	printf 'cpu:5\nmem:7.5\ndisk.io:999999\n' >in.txt
	run_exact "$EXAMPLES_DIR/clean-lines.sh" in.txt out.txt rejects.txt
	assert_result 0 "" ""
	expect_same_file in.txt out.txt
	expect_file rejects.txt ''
	printf 'cpu:5\nCPU:1\nmem:0\n' >in.txt
	run_exact "$EXAMPLES_DIR/clean-lines.sh" in.txt out.txt rejects.txt
	assert_result 1 "" "$(text \
		"fanout: in.txt:2: key 'CPU' does not match '^[a-z][a-z0-9_.]*\$'" \
		"fanout: in.txt:3: value 0 is not above 0" \
		"fanout: 3 records read, 1 accepted, 2 rejected" \
		"clean-lines.sh: 2 rejected lines of in.txt are in rejects.txt")"
	expect_file out.txt 'cpu:5\n'
	expect_file rejects.txt 'CPU:1\nmem:0\n'
}

@test "clean-lines.sh: on trouble (status 2) the previous OUT stays and no temporary file is left" {
	printf 'old\n' >out.txt
	printf 'cpu:5\nbad\nmem:3\n' >in.txt
	run_exact "$EXAMPLES_DIR/clean-lines.sh" in.txt out.txt rejects.txt --max-errors=0
	assert_status 2
	[[ ${stderr_lines[-1]} == "clean-lines.sh: in.txt was not processed completely (fanout exit status 2); out.txt left as it was" ]] ||
		fail "last message: ${stderr_lines[-1]}"
	expect_file out.txt 'old\n'
	run_exact "$EXAMPLES_DIR/clean-lines.sh" missing.txt out.txt rejects.txt
	assert_status 2
	expect_file out.txt 'old\n'
	[[ $(ls out.txt.* 2>/dev/null) == "" ]] || fail "temporary files left: $(ls out.txt.*)"
}

@test "clean-lines.sh: OUT gets the permissions the umask gives, not mktemp's" {
	printf 'cpu:5\n' >in.txt
	(umask 022 && "$EXAMPLES_DIR/clean-lines.sh" in.txt out.txt rejects.txt)
	[[ $(stat -c %a out.txt) == 644 ]] || fail "mode $(stat -c %a out.txt)"
}

# gen_day_log SEED LINES: KEY:VALUE lines whose keys hold quotes, SQL,
# blanks, a TAB and non-ASCII bytes, with three lines that are rejected.
gen_day_log() {
	"$GAWK" -v seed="$1" -v n="$2" 'BEGIN {
		srand(seed)
		nk = split("users|it\047s|say \"hi\"|Robert\047); DROP TABLE totals;--|a b|tab\there|na\303\257ve|back\\slash|--x", keys, "|")
		for (i = 1; i <= n; i++) {
			if (i % 400 == 17)
				print "no colon " i
			else
				printf "%s:%d\n", keys[1 + int(rand() * nk)], int(rand() * 2000) - 100
		}
	}'
}

# day_sums FILE: KEY<TAB>COUNT<TAB>SUM of FILE's valid lines, sorted.
day_sums() {
	"$GAWK" '{
			i = index($0, ":")
			if (i == 0) next
			k = substr($0, 1, i - 1); n[k]++; s[k] += substr($0, i + 1)
		}
		END { for (k in n) printf "%s\t%d\t%d\n", k, n[k], s[k] }' "$1" | sort
}

# day_rows DB DAY: the rows stored for DAY, as KEY<TAB>COUNT<TAB>SUM, sorted.
day_rows() {
	sqlite3 -batch -separator $'\t' "$1" \
		"SELECT key, count, sum FROM totals WHERE day = '$2';" | sort
}

@test "daily-totals-sqlite.sh: a day's totals land in SQLite, keys with quotes intact, equal to awk's sums" {
	gen_day_log 1 1200 >day.log
	day_sums day.log >expected.txt
	[[ $(wc -l <expected.txt) == 9 ]] || fail "generator: not 9 keys"
	mkdir run && cd run
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 ../totals.db ../day.log
	assert_status 1
	[[ ${stderr_lines[0]} == "fanout: 1200 records read, 1197 accepted, 3 rejected" ]] ||
		fail "stderr: $stderr"
	[[ ${stderr_lines[1]} =~ ^[0-9-]{10}\ [0-9:]{8}\ daily-totals-sqlite.sh:\ 2026-11-27:\ 9\ keys\ stored\ in\ ../totals.db$ ]] ||
		fail "stderr: $stderr"
	cd ..
	run_exact day_rows totals.db 2026-11-27
	assert_stdout "$(cat expected.txt)"
	run_exact sqlite3 totals.db "SELECT count(*), typeof(sum), typeof(count) FROM totals GROUP BY 2, 3;"
	assert_stdout "9|integer|integer"
}

@test "daily-totals-sqlite.sh: a re-run for the same day replaces its rows, other days stay" {
	gen_day_log 1 1200 >day1.log
	gen_day_log 2 800 >day2.log
	printf 'users:5\nusers:6\nonly today:1\n' >small.log
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-26 totals.db day1.log
	assert_status 1
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 totals.db day2.log
	assert_status 1
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 totals.db day2.log
	assert_status 1
	run_exact day_rows totals.db 2026-11-27
	assert_stdout "$(day_sums day2.log)"
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 totals.db small.log
	assert_status 0
	run_exact day_rows totals.db 2026-11-27
	assert_stdout "$(text $'only today\t1\t1' $'users\t2\t11')"
	run_exact day_rows totals.db 2026-11-26
	assert_stdout "$(day_sums day1.log)"
	run_exact sqlite3 totals.db "SELECT count(*) FROM totals;"
	assert_stdout 11
}

@test "daily-totals-sqlite.sh: too many rejects, an unreadable log or a bad day store nothing, status 2" {
	printf 'users:5\nit'\''s:6\n' >good.log
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 totals.db good.log
	assert_status 0
	sqlite3 totals.db .dump >before.sql
	printf 'users:1\nbad\n' >bad.log
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 totals.db bad.log
	assert_status 2
	[[ ${stderr_lines[-1]} == *"fanout failed (exit status 2); nothing stored for 2026-11-27" ]] || fail "stderr: $stderr"
	MAX_ERRORS=0 run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 totals.db bad.log
	assert_status 2
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 totals.db missing.log
	assert_status 2
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 27/11/2026 totals.db good.log
	assert_status 2
	# A file that is not a database: sqlite3 fails, and says so.
	printf 'not a database, but long enough to look at its header\n' >junk.db
	run_exact "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 junk.db good.log
	assert_status 2
	[[ $stderr == *"file is not a database"* &&
		${stderr_lines[-1]} == *"could not store the totals in junk.db; nothing stored for 2026-11-27" ]] ||
		fail "stderr: $stderr"
	sqlite3 totals.db .dump >after.sql
	expect_same_file before.sql after.sql
}

@test "the recipes find fanout in PATH when FANOUT is not set" {
	mkdir bin && ln -s "$FANOUT" bin/fanout
	access_line 192.0.2.1 "GET /a HTTP/1.1" 500 10 >access.log
	printf 'cpu:5\n' >in.txt
	PATH="$PWD/bin:$PATH" run_exact env -u FANOUT "$EXAMPLES_DIR/top-clients.sh" access.log
	assert_result 0 $'192.0.2.1\t10' ""
	PATH="$PWD/bin:$PATH" run_exact env -u FANOUT "$EXAMPLES_DIR/error-rate.sh" access.log
	assert_result 0 $'/a\t1\t1\t1.000000' ""
	PATH="$PWD/bin:$PATH" run_exact env -u FANOUT "$EXAMPLES_DIR/clean-lines.sh" in.txt out.txt rej.txt
	assert_result 0 "" ""
	PATH="$PWD/bin:$PATH" run_exact env -u FANOUT "$EXAMPLES_DIR/daily-totals-sqlite.sh" -d 2026-11-27 t.db in.txt
	assert_status 0
	run_exact sqlite3 t.db "SELECT day, key, count, sum FROM totals;"
	assert_stdout "2026-11-27|cpu|1|5"
}

@test "the recipes and the completion file are shellcheck-clean" {
	run_exact shellcheck "$EXAMPLES_DIR"/*.sh
	assert_result 0 "" ""
	run_exact shellcheck -s bash "$FANOUT_SOURCE_DIR/bash-completion/fanout"
	assert_result 0 "" ""
}

# odd_requests: lines whose request splits into other than three words at
# blanks, and a user agent with blanks, between ordinary ones.
odd_requests() {
	access_line 192.0.2.1 "GET /a HTTP/1.1" 200 1000
	access_line 192.0.2.2 "GET /a b HTTP/1.1" 400 157
	access_line 192.0.2.2 "GARBAGE" 400 157
	access_line 192.0.2.3 "" 400 0
	access_line 192.0.2.3 '\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03' 400 157
	access_line 192.0.2.1 "GET /a?x=1 HTTP/1.1" 503 20
	access_line 192.0.2.4 "GET /b HTTP/1.1" 500 30
}

@test "top-clients.sh: request lines with blanks, none, or a TLS handshake leave the sizes in place" {
	odd_requests >access.log
	# 192.0.2.1: 1000 + 20; .2: 157 + 157; .3: 0 + 157; .4: 30.
	run_exact "$EXAMPLES_DIR/top-clients.sh" access.log
	assert_result 0 "$(text $'192.0.2.1\t1020' $'192.0.2.2\t314' $'192.0.2.3\t157' \
		$'192.0.2.4\t30')" ""
	# The common format, with -f.
	cut -d '"' -f 1-3 access.log | sed 's/ $//' >common.log
	run_exact "$EXAMPLES_DIR/top-clients.sh" -f common -n 2 common.log
	assert_result 0 "$(text $'192.0.2.1\t1020' $'192.0.2.2\t314')" ""
	run_exact "$EXAMPLES_DIR/top-clients.sh" -f apache common.log
	assert_result 2 "" "usage: top-clients.sh [-n N] [-f FORMAT] [LOG]..."
}

@test "error-rate.sh: a request line with blanks is one path; requests without a path are rejected" {
	odd_requests >access.log
	# /a: 2 requests, 1 error; "/a b": 1, none; /b: 1, 1.
	run_exact "$EXAMPLES_DIR/error-rate.sh" access.log
	assert_result 1 "$(text $'/a\t2\t1\t0.500000' $'/a b\t1\t0\t0.000000' \
		$'/b\t1\t1\t1.000000')" "$(text \
		"fanout: access.log:3: missing field path" \
		"fanout: access.log:4: missing field path" \
		"fanout: access.log:5: missing field path" \
		"fanout: 7 records read, 4 accepted, 3 rejected")"
}
