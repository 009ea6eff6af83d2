#!/usr/bin/env bats
# A real nginx writes the log: it runs on 127.0.0.1 with a configuration,
# pid file, temporary paths and logs of its own in the test's directory,
# gets requests from curl and raw lines (a request line with blanks, an
# empty one, garbage, a TLS handshake sent to its plain HTTP port) from
# several client addresses, and has its log rotated as logrotate does
# (rename, nginx -s reopen, gzip).  fanout's counts over the rotated set,
# the compressed log and the current one as they lie, are checked against
# a strict combined-format regular expression in Python.  nginx (Debian:
# nginx-light), curl, gzip and python3 must be installed: without them
# the test fails, saying so.

load test_helper

setup() {
	common_setup
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	[[ -x $NGINX ]] || fail "nginx is not installed (Debian: apt-get install nginx-light)"
	command -v curl >/dev/null || fail "curl is not installed"
	command -v python3 >/dev/null || fail "python3 is not installed"
	command -v gzip >/dev/null || fail "gzip is not installed"
	NGINX_DIR=$BATS_TEST_TMPDIR/nginx
	NGINX_PID=
}

teardown() {
	stop_nginx TERM
}

# nginx_cmd ARGS...: nginx with this test's prefix, configuration and
# error log (without -e it would first open the system's).
nginx_cmd() {
	"$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" "$@"
}

# free_port: a TCP port on 127.0.0.1 no one listens on just now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# listening: whether nginx accepts connections on $PORT (a connection
# that sends nothing is not logged).
listening() {
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" 2>/dev/null
}

# start_nginx: writes the configuration and starts nginx in the
# foreground of a background job (daemon off), on a free port; tries
# other ports if one was taken in between.  Sets NGINX_PID and PORT.
start_nginx() {
	local attempt user=
	# As root, nginx's workers would run as nobody, who cannot reopen
	# logs in the test's private directory; as anyone else it keeps the
	# user it was started as and ignores the directive.
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
			    access_log $NGINX_DIR/access.log combined;
			    client_body_temp_path $NGINX_DIR/tmp/body;
			    proxy_temp_path $NGINX_DIR/tmp/proxy;
			    fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
			    uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
			    scgi_temp_path $NGINX_DIR/tmp/scgi;
			    client_header_timeout 10s;
			    server {
			        listen 127.0.0.1:$PORT;
			        location / { return 200 "page \$uri\n"; }
			        location /big { return 200 "$(repeat_char x 1000)\n"; }
			        location = /missing { return 404; }
			        location /fail { return 503 "down\n"; }
			    }
			}
		CONF
		# nginx itself, not a subshell, is the job, so that $! is its pid.
		"$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" \
			3>&- </dev/null >"$NGINX_DIR/stdout" 2>&1 &
		NGINX_PID=$!
		local i
		for ((i = 0; i < 300; i++)); do
			listening && return 0
			kill -0 "$NGINX_PID" 2>/dev/null || break
			sleep 0.1
		done
		stop_nginx TERM
	done
	fail "nginx did not start" "$(cat "$NGINX_DIR/stdout" "$NGINX_DIR/error.log" 2>/dev/null)"
}

# stop_nginx SIGNAL: stops nginx (QUIT: gracefully) and waits for it,
# for at most 30 seconds, then kills it.
stop_nginx() {
	[[ -n $NGINX_PID ]] || return 0
	local pid=$NGINX_PID i
	NGINX_PID=
	kill -"$1" "$pid" 2>/dev/null || true
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

# raw CLIENT BYTES-AS-PYTHON: sends the bytes from CLIENT's address and
# reads the answer until nginx closes; counts a line of the log.
raw() {
	REQUESTS=$((REQUESTS + 1))
	python3 - "$PORT" "$1" "$2" <<-'PY'
		import socket, sys
		s = socket.socket()
		s.bind((sys.argv[2], 0))
		s.settimeout(20)
		s.connect(("127.0.0.1", int(sys.argv[1])))
		s.sendall(eval(sys.argv[3]))
		s.shutdown(socket.SHUT_WR)
		while s.recv(4096):
		    pass
		s.close()
	PY
}

# get CLIENT PATH [CURL-ARGS...]: a request with curl from CLIENT's
# address (all of 127.0.0.0/8 is the loopback); counts a line of the log.
get() {
	local client=$1 path=$2
	REQUESTS=$((REQUESTS + 1))
	shift 2
	curl -s -o /dev/null --interface "$client" "$@" "http://127.0.0.1:$PORT$path"
}

# requests ROUND: a mix of requests; sets REQUESTS to how many it made,
# each one line of the log.
requests() {
	local round=$1 i
	REQUESTS=0
	for ((i = 0; i < 4; i++)); do
		get 127.0.0.2 "/index.html?round=$round&i=$i"
		get 127.0.0.3 "/big"
	done
	get 127.0.0.2 /missing -A "Mozilla/5.0 (X11; Linux x86_64) \"quoted\""
	get 127.0.0.3 /fail/now -e 'http://example.test/"ref" [x]'
	get 127.0.0.4 /api/items -X POST -d 'a=1'
	raw 127.0.0.4 'b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"'
	raw 127.0.0.5 'b"\r\n"'
	raw 127.0.0.5 'b"GARBAGE\r\n\r\n"'
	raw 127.0.0.6 'bytes.fromhex("16030100a5010000a10303") + bytes(range(64))'
}

# oracle FILE...: per status, bytes per client and requests per path, as
# fanout prints them (TAB-separated, keys in byte order), from lines that
# a strict regular expression for nginx's combined format reads; fails if
# a line does not match.  The path is the request's target up to '?',
# when the request has a method, a target and an HTTP/ protocol word.
oracle() {
	python3 - "$@" <<-'PY'
		import re, sys
		q = r'"((?:[^"\\]|\\.)*)"'
		line_re = re.compile(r'^(\S+) - (\S+) \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
		                     + q + r' (\d{3}) (\d+) ' + q + ' ' + q + '$')
		status, by_client, by_path = {}, {}, {}
		no_path = 0
		for name in sys.argv[1:]:
		    for line in open(name, encoding="latin-1"):
		        m = line_re.match(line.rstrip("\n"))
		        assert m, "not a combined line: %r" % line
		        client, request, code, size = m.group(1), m.group(4), m.group(5), int(m.group(6))
		        status[code] = status.get(code, 0) + 1
		        by_client[client] = by_client.get(client, 0) + size
		        words = request.split(" ")
		        if len(words) >= 3 and words[-1].startswith("HTTP/") and len(words[-1]) > 5:
		            path = " ".join(words[1:-1]).split("?")[0]
		            by_path[path] = by_path.get(path, 0) + 1
		        elif len(words) == 2:
		            path = words[1].split("?")[0]
		            by_path[path] = by_path.get(path, 0) + 1
		        else:
		            no_path += 1
		def show(name, d):
		    with open(name, "w") as f:
		        for k in sorted(d, key=lambda k: k.encode("latin-1")):
		            f.write("%s\t%d\n" % (k, d[k]))
		show("status.expected", status)
		show("clients.expected", by_client)
		show("paths.expected", by_path)
		print(no_path)
	PY
}

@test "a real nginx's rotated logs: counts per status, bytes per client and requests per path agree with a strict parser" {
	start_nginx
	requests 1
	local first=$REQUESTS
	wait_for "$first lines in the log" lines_in "$NGINX_DIR/access.log" "$first" ||
		fail "$(cat "$NGINX_DIR/error.log" 2>/dev/null)"

	# Rotate as logrotate does: rename, reopen, and compress the old log
	# once nginx writes the new one.
	mv "$NGINX_DIR/access.log" "$NGINX_DIR/access.log.1"
	nginx_cmd -s reopen
	wait_for "the reopened log" test -f "$NGINX_DIR/access.log" ||
		fail "$(cat "$NGINX_DIR/error.log" 2>/dev/null)"
	requests 2
	wait_for "$REQUESTS lines in the new log" lines_in "$NGINX_DIR/access.log" "$REQUESTS"
	stop_nginx QUIT
	gzip "$NGINX_DIR/access.log.1"
	zcat "$NGINX_DIR/access.log.1.gz" >old.log
	cp "$NGINX_DIR/access.log" new.log
	[[ $(cat old.log new.log | wc -l) == $((first + REQUESTS)) ]] || fail "lines lost" "$(cat old.log new.log)"
	grep -q '"GET /a b HTTP/1.1" 400 ' old.log || fail "no request line with blanks" "$(cat old.log)"
	grep -q '"GARBAGE" 400 ' old.log || fail "no garbage line" "$(cat old.log)"
	grep -q '"" 400 0 ' old.log || fail "no empty request" "$(cat old.log)"
	grep -q '"\\x16\\x03\\x01' old.log || fail "no TLS handshake" "$(cat old.log)"

	local no_path
	no_path=$(oracle old.log new.log)

	# The rotated set as it lies: the compressed log, then the current one.
	run_to_files --log-format=combined -k status -a count \
		"$NGINX_DIR/access.log.1.gz" "$NGINX_DIR/access.log" </dev/null
	[[ $status == 0 ]] || fail "status $status" "$(cat err)"
	expect_same_file status.expected out
	expect_file err ''

	run_to_files --log-format=combined -k remote_addr -v body_bytes_sent -j 3 -b 100 \
		"$NGINX_DIR/access.log.1.gz" "$NGINX_DIR/access.log" </dev/null
	[[ $status == 0 ]] || fail "status $status" "$(cat err)"
	expect_same_file clients.expected out
	expect_file err ''

	run_to_files -q --log-format=combined -k path -a count \
		"$NGINX_DIR/access.log.1.gz" "$NGINX_DIR/access.log" </dev/null
	[[ $status == 1 ]] || fail "status $status" "$(cat err)"
	expect_same_file paths.expected out
	local total=$((first + REQUESTS))
	expect_file err 'fanout: %d records read, %d accepted, %d rejected\n' \
		"$total" $((total - no_path)) "$no_path"
}
