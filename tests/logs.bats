#!/usr/bin/env bats
# Web server access logs (--log-format) and blank-separated lines whose
# "quoted" and [bracketed] groups are single fields (--quoted-fields):
# fields stay in place whatever the request line holds, fields have
# names, and a line not in the format is rejected with its reason.  The
# expectations are worked out by hand in each test.

load test_helper

setup() {
	common_setup
}

# combined CLIENT REQUEST STATUS BYTES [REFERER] [AGENT]: one line of the
# combined format, as nginx writes it (REQUEST goes between the quotes
# as given).
combined() {
	printf '%s - - [27/Nov/2026:10:00:01 +0000] "%s" %s %s "%s" "%s"\n' \
		"$1" "$2" "$3" "$4" "${5:--}" "${6:-curl/8.5.0}"
}

# The request lines that moved the fields of a log split at blanks: blanks
# of their own, none at all, empty, and the bytes of a TLS handshake sent
# to a plain HTTP port as nginx escapes them.
odd_log() {
	combined 192.0.2.1 "GET /a HTTP/1.1" 200 100
	combined 192.0.2.1 "GET /a b HTTP/1.1" 404 153
	combined 192.0.2.2 "GARBAGE" 400 157
	combined 192.0.2.2 "" 400 0
	combined 192.0.2.3 '\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03' 400 157
	combined 192.0.2.3 "GET /a?x=1&y=2 HTTP/1.0" 200 20 "http://e.test/" "Mozilla/5.0 (X11; Linux x86_64)"
}

@test "--log-format=combined: status and bytes stay in place whatever the request line holds" {
	odd_log >access.log
	# Statuses: 200 twice, 404 once, 400 three times.
	run_fanout --log-format=combined -k status -a count access.log
	assert_result 0 "$(text $'200\t2' $'400\t3' $'404\t1')" ""
	# Field numbers count a quoted or bracketed group as one field.
	run_fanout --log-format=combined -k 6 -a count access.log
	assert_result 0 "$(text $'200\t2' $'400\t3' $'404\t1')" ""
	# Bytes per client: .1 100+153, .2 157+0, .3 157+20.
	run_fanout --log-format=combined -k remote_addr -v body_bytes_sent access.log
	assert_result 0 "$(text $'192.0.2.1\t253' $'192.0.2.2\t157' $'192.0.2.3\t177')" ""
	run_fanout --log-format=combined -k 1 -v 7 -j 3 -b 1 access.log
	assert_result 0 "$(text $'192.0.2.1\t253' $'192.0.2.2\t157' $'192.0.2.3\t177')" ""
}

@test "--log-format=combined: quoted fields come without their quotes, escapes as written" {
	{
		combined 192.0.2.1 "GET / HTTP/1.1" 200 1 "-" 'say \"hi\" [x]'
		combined 192.0.2.1 "GET / HTTP/1.1" 200 1 "-" 'nginx \x22quote\x22'
		combined 192.0.2.1 'GET /q\"t HTTP/1.1' 200 1 "-" "a b"
	} >access.log
	run_fanout --log-format=combined -k http_user_agent -a count access.log
	assert_result 0 "$(text $'a b\t1' $'nginx \\x22quote\\x22\t1' $'say \\"hi\\" [x]\t1')" ""
	run_fanout --log-format=combined -k time_local,request -a count access.log
	assert_result 0 "$(text $'27/Nov/2026:10:00:01 +0000\tGET / HTTP/1.1\t2' \
		$'27/Nov/2026:10:00:01 +0000\tGET /q\\"t HTTP/1.1\t1')" ""
}

@test "--log-format: method, path, query and protocol from the request line; a part it lacks is a missing field" {
	odd_log >access.log
	run_fanout --log-format=combined -k method,path,query,protocol -a count access.log
	assert_result 1 "$(text $'GET\t/a\t\tHTTP/1.1\t1' $'GET\t/a\tx=1&y=2\tHTTP/1.0\t1' \
		$'GET\t/a b\t\tHTTP/1.1\t1')" "$(text \
		"fanout: access.log:3: missing field path" \
		"fanout: access.log:4: missing field path" \
		"fanout: access.log:5: missing field path" \
		"fanout: 6 records read, 3 accepted, 3 rejected")"
	# Requests per path, as a report would count them.
	run_fanout -q --log-format=combined -k path -a count access.log
	assert_result 1 $'/a\t2\n/a b\t1' "fanout: 6 records read, 3 accepted, 3 rejected"
	# The method of a request with no blank is all of it; an empty one is
	# an empty key.
	run_fanout --log-format=combined -k method -a count access.log
	assert_result 1 "$(text $'GARBAGE\t1' $'GET\t3' $'\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03\t1')" \
		"$(text "fanout: access.log:4: empty key" \
		"fanout: 6 records read, 5 accepted, 1 rejected")"
}

@test "--log-format: a line not in the format is rejected with the reason" {
	{
		combined 192.0.2.1 "GET / HTTP/1.1" 200 10
		echo 'just some words'
		echo '192.0.2.1 - - [27/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 10 "-" "a" extra'
		echo '192.0.2.1 - - 27/Nov/2026:10:00:01 "GET / HTTP/1.1" 200 10 "-" "a"'
		echo '192.0.2.1 - - [27/Nov/2026:10:00:01 +0000] GET 200 10 "-" "a"'
		echo '192.0.2.1 - - [27/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 2000 10 "-" "a"'
		echo '192.0.2.1 - - [27/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 ten "-" "a"'
		echo '192.0.2.1 - - [27/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 - "-" "a"'
		echo '192.0.2.1 - - [27/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1 200 10 "-" "a\"'
		echo '192.0.2.1 - - [27/Nov/2026:10:00:01 +0000 "GET / HTTP/1.1" 200 10 "-" "a"'
	} >access.log
	run_fanout --log-format=combined -k status -v body_bytes_sent access.log
	assert_result 1 $'200\t10' "$(text \
		"fanout: access.log:2: not a combined log line: 3 fields, not 9" \
		"fanout: access.log:3: not a combined log line: more than 9 fields" \
		"fanout: access.log:4: not a combined log line: field 4 is a bare word, not in brackets" \
		"fanout: access.log:5: not a combined log line: field 5 is a bare word, not in quotes" \
		"fanout: access.log:6: not a combined log line: status '2000' is not 3 digits" \
		"fanout: access.log:7: not a combined log line: body_bytes_sent 'ten' is not a count" \
		"fanout: access.log:8: invalid number '-'" \
		"fanout: access.log:9: unterminated quote" \
		"fanout: access.log:10: unterminated bracket" \
		"fanout: 10 records read, 1 accepted, 9 rejected")"
	run_fanout -q --stats=json --log-format=combined -k status -a count access.log
	assert_status 1
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])["rejected"]
assert r["malformed"] == 8 and r["missing_field"] == 0, r
' "$stderr" || fail "$stderr"
}

@test "--log-format=common: seven fields, the same names" {
	{
		echo '192.0.2.1 - frank [27/Nov/2026:10:00:01 +0000] "GET /x y HTTP/1.1" 200 2326'
		echo '192.0.2.2 - - [27/Nov/2026:10:00:02 +0000] "POST /x HTTP/1.1" 500 12'
		combined 192.0.2.3 "GET / HTTP/1.1" 200 5
	} >access.log
	run_fanout --log-format=common -k remote_user,status -v body_bytes_sent access.log
	assert_result 1 "$(text $'-\t500\t12' $'frank\t200\t2326')" "$(text \
		"fanout: access.log:3: not a common log line: more than 7 fields" \
		"fanout: 3 records read, 2 accepted, 1 rejected")"
}

@test "--quoted-fields: any blank-separated log keeps quoted and bracketed groups whole" {
	{
		echo 'app1 [2026-11-27 10:00:01] "disk full on /var" 3'
		echo 'app2 [2026-11-27 10:00:02] "ok" 1'
		echo 'app1 [2026-11-27 10:00:03] "disk full on /var" 4'
		echo 'app1 [2026-11-27 10:00:04] "open quote 4'
	} >app.log
	run_fanout --quoted-fields -k 3 -v 4 app.log
	assert_result 1 "$(text $'disk full on /var\t7' $'ok\t1')" "$(text \
		"fanout: app.log:4: unterminated quote" \
		"fanout: 4 records read, 3 accepted, 1 rejected")"
	run_fanout --quoted-fields -k 1 -v 4 -o app.log
	assert_result 1 "$(head -3 app.log)" "$(text \
		"fanout: app.log:4: unterminated quote" \
		"fanout: 4 records read, 3 accepted, 1 rejected")"
}

@test "--header names the columns after the fields: the key's names, sum(NAME)" {
	odd_log >access.log
	run_fanout --log-format=combined -k remote_addr,status -v body_bytes_sent \
		-a count,sum,max --header --format=csv access.log
	assert_result 0 "$(text "remote_addr,status,count,sum(body_bytes_sent),max(body_bytes_sent)" \
		"192.0.2.1,200,1,100,100" "192.0.2.1,404,1,153,153" \
		"192.0.2.2,400,2,157,157" "192.0.2.3,200,1,20,20" "192.0.2.3,400,1,157,157")" ""
	run_fanout --log-format=combined -k 1 -v 7 --header access.log
	assert_result 0 "$(text $'remote_addr\tsum(body_bytes_sent)' \
		$'192.0.2.1\t253' $'192.0.2.2\t157' $'192.0.2.3\t177')" ""
	# The ident field has no name.
	run_fanout --log-format=combined -k 2 -a count --header access.log
	assert_result 0 "$(text $'key\tcount' $'-\t6')" ""
}

@test "--log-format and --quoted-fields: usage errors" {
	local names="remote_addr, remote_user, time_local, request, status, body_bytes_sent, http_referer, http_user_agent, method, path, query, protocol"
	expect_usage_error "invalid --key value 'remote_addr,agent': the fields of the combined format are $names" \
		--log-format=combined -k remote_addr,agent
	expect_usage_error "invalid --value value 'bytes': the fields of the combined format are $names" \
		--log-format=combined -k 1 -v bytes
	expect_usage_error "invalid --key value '10': a combined log line has 9 fields" \
		--log-format=combined -k 10
	expect_usage_error "invalid --key value '8': a common log line has 7 fields" \
		--log-format=common -k 8
	expect_usage_error "invalid --key value 'status': not a list of field numbers from 1 to 100000 or -1 to -100000, such as 1 or 1,-1" \
		-k status
	expect_usage_error "invalid --value value 'bytes': not a whole number" -k 1 -v bytes
	expect_usage_error "invalid --log-format value 'apache' (known: combined, common)" \
		--log-format=apache -k 1
	expect_usage_error "--log-format cannot be used with --csv" --log-format=combined --csv -k 1
	expect_usage_error "--quoted-fields cannot be used with --csv" --quoted-fields --csv -k 1
	expect_usage_error "--log-format requires --key or --value" --log-format=combined
	expect_usage_error "--quoted-fields requires --key or --value" --quoted-fields
	expect_usage_error "--log-format cannot be used with --field-separator" \
		--log-format=combined -t , -k 1
	expect_usage_error "--quoted-fields cannot be used with --field-separator" \
		--quoted-fields -t , -k 1
}

@test "--partial records --log-format and --quoted-fields: partials made without them are not merged with them" {
	odd_log >access.log
	"$FANOUT" --partial --log-format=combined -k 1 -v 7 access.log >a.part
	"$FANOUT" --partial --quoted-fields -k 1 -v 7 access.log >b.part
	run_fanout --merge a.part
	assert_result 0 "$(text $'192.0.2.1\t253' $'192.0.2.2\t157' $'192.0.2.3\t177')" ""
	run_fanout --merge a.part b.part
	assert_result 2 "" \
		"fanout: b.part:1: partials made with different options cannot be merged (first partial at a.part:1)"
}
