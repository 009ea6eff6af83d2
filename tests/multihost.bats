#!/usr/bin/env bats
# examples/parallel-multihost.sh over real ssh: a throwaway sshd on
# 127.0.0.1, on a free port, with its own host key and a user key in the
# test's directory, and two logins to it, "h1" and "h2", as the two hosts
# GNU parallel's -S spreads the pieces over.  Nothing reaches beyond
# 127.0.0.1, and every process the test starts is stopped by its end.
#
# sshd runs as the user running the tests and lets in only that user.
# Run by root it needs its privilege separation directory, /run/sshd,
# which the ssh service creates at boot and this test creates if it is
# missing.  Run by anyone else (make distcheck runs the suite as nobody,
# whose login shell refuses every command) the login's shell and home
# come from a passwd file of the test's own, through nss_wrapper.

load test_helper

# Debian's multiarch directory for this machine's libraries.
NSS_WRAPPER_LIB=$(compgen -G '/usr/lib/*/libnss_wrapper.so' | head -n 1)

setup() {
	common_setup
	command -v parallel >/dev/null || fail "GNU parallel is not installed (Debian package 'parallel')"
	[[ -x /usr/sbin/sshd ]] || fail "sshd is not installed (Debian package 'openssh-server')"
	command -v ssh >/dev/null || fail "ssh is not installed (Debian package 'openssh-client')"
	mkdir ssh
	ssh-keygen -q -t ed25519 -N '' -C host -f ssh/host_key
	ssh-keygen -q -t ed25519 -N '' -C user -f ssh/user_key
	cp ssh/user_key.pub ssh/authorized_keys
	start_sshd
	write_ssh_config
	# parallel's ssh, and its own state (the cores it found on each host)
	# kept in the test's directory.
	export PARALLEL_SSH="ssh -F $BATS_TEST_TMPDIR/ssh/config"
	export PARALLEL_HOME="$BATS_TEST_TMPDIR/parallel-home"
	write_fanout_wrapper
	make_input
}

teardown() {
	stop_piece
	stop_sshd
}

# stop_piece: the piece held on h2, if any, goes on and ends, or is
# killed.
stop_piece() {
	local i
	[[ -e piece.pid ]] || return 0
	touch go
	for ((i = 0; i < 100; i++)); do
		kill -0 "$(cat piece.pid)" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$(cat piece.pid)" 2>/dev/null
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on just now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_sshd: sshd listening on 127.0.0.1:$SSHD_PORT, its pid in
# $SSHD_PID, its login's home directory in $LOGIN_HOME; another program
# may take the free port first, so a few ports are tried.
start_sshd() {
	local try i dir=$BATS_TEST_TMPDIR/ssh
	local -a env=()
	# The recipe runs with the login's home as its HOME, as on hosts that
	# share it, so that parallel's --workdir . finds the same directory
	# there.
	if [[ $(id -u) == 0 ]]; then
		[[ -d /run/sshd ]] || mkdir -m 755 /run/sshd
		LOGIN_HOME=$(getent passwd 0 | cut -d: -f6)
	else
		[[ -n $NSS_WRAPPER_LIB ]] || fail "nss_wrapper is not installed (Debian package 'libnss-wrapper')"
		LOGIN_HOME=$BATS_TEST_TMPDIR/home
		mkdir "$LOGIN_HOME"
		printf '%s:x:%s:%s:test login:%s:/bin/sh\n' "$(id -un)" "$(id -u)" "$(id -g)" "$LOGIN_HOME" >"$dir/passwd"
		printf '%s:x:%s:\n' "$(id -gn)" "$(id -g)" >"$dir/group"
		env=(env LD_PRELOAD="$NSS_WRAPPER_LIB" NSS_WRAPPER_PASSWD="$dir/passwd" NSS_WRAPPER_GROUP="$dir/group")
	fi
	for try in 1 2 3 4 5; do
		SSHD_PORT=$(free_port)
		cat >"$dir/sshd_config" <<-EOF
			ListenAddress 127.0.0.1
			Port $SSHD_PORT
			HostKey $dir/host_key
			AuthorizedKeysFile $dir/authorized_keys
			StrictModes no
			UsePAM no
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			PermitRootLogin prohibit-password
			PidFile $dir/sshd.pid
			AcceptEnv LC_ALL ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS LSAN_OPTIONS
			# parallel opens several logins at once, and on a busy machine
			# more may be starting than the default 10 before refusals
			# begin, which parallel reports as a warning on standard error.
			MaxStartups 100
			MaxSessions 100
		EOF
		"${env[@]}" /usr/sbin/sshd -D -e -f "$dir/sshd_config" >"$dir/sshd.log" 2>&1 3>&- &
		SSHD_PID=$!
		# Listening once the log says so; gone if the port was taken.
		for ((i = 0; i < 300; i++)); do
			grep -q '^Server listening on 127.0.0.1 port' "$dir/sshd.log" && return 0
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.1
		done
		stop_sshd
		grep -q 'Address already in use' "$dir/sshd.log" || break
	done
	cat "$dir/sshd.log" >&2
	fail "sshd did not start"
}

# stop_sshd: sshd stops listening and is gone; the sessions it served
# ended with the recipe, or with the kill.
stop_sshd() {
	[[ -n ${SSHD_PID:-} ]] || return 0
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}

# write_ssh_config: the client's view: every host name, h1 and h2 among
# them, is this sshd on 127.0.0.1, whose host key is known in advance, and
# nothing asks for a password.
write_ssh_config() {
	local dir=$BATS_TEST_TMPDIR/ssh
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$dir/known_hosts"
	cat >"$dir/config" <<-EOF
		Host *
		  HostName 127.0.0.1
		  Port $SSHD_PORT
		  User $(id -un)
		  IdentityFile $dir/user_key
		  IdentitiesOnly yes
		  UserKnownHostsFile $dir/known_hosts
		  GlobalKnownHostsFile /dev/null
		  StrictHostKeyChecking yes
		  BatchMode yes
		  ConnectTimeout 20
		  SendEnv LC_ALL ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS LSAN_OPTIONS
	EOF
}

# write_fanout_wrapper: bin/fanout, the fanout the pieces run: it notes
# in pieces.log the host of each piece ($PARALLEL_SSHHOST, which parallel
# sets) and runs $FANOUT.  The first piece on the host named in kill-host
# first writes its own pid to piece.pid and that of the sshd process that
# serves its session to session.pid, and waits for the file go, so that
# the test can end that session in the middle of a piece.
write_fanout_wrapper() {
	mkdir bin
	cat >bin/fanout <<-EOF
		#!/bin/sh
		dir='$BATS_TEST_TMPDIR'
		fanout='$FANOUT'
	EOF
	cat >>bin/fanout <<-'EOF'
		if [ -n "${PARALLEL_SSHHOST:-}" ]; then
		    echo "$PARALLEL_SSHHOST" >>"$dir/pieces.log"
		    if [ "$PARALLEL_SSHHOST" = "$(cat "$dir/kill-host" 2>/dev/null)" ] &&
		        mkdir "$dir/held" 2>/dev/null; then
		        # The nearest sshd above this piece serves its session.
		        p=$$
		        while [ "$p" -gt 1 ] && [ "$(cat /proc/$p/comm)" != sshd ]; do
		            p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status)
		        done
		        echo $$ >"$dir/piece.pid"
		        [ "$p" -gt 1 ] || p=none
		        echo "$p" >"$dir/session.pid.tmp" && mv "$dir/session.pid.tmp" "$dir/session.pid"
		        i=0
		        while [ ! -e "$dir/go" ] && [ $i -lt 600 ]; do
		            sleep 0.1
		            i=$((i + 1))
		        done
		    fi
		fi
		exec "$fanout" "$@"
	EOF
	chmod +x bin/fanout
}

# make_input: kv.txt, KEY:VALUE lines over 7 keys with a rejected line
# every so often, and the same lines cut into parts part0 to part2.
make_input() {
	"$GAWK" 'BEGIN {
		for (i = 1; i <= 30000; i++) {
			if (i % 997 == 0) print "no delimiter " i
			else if (i % 1009 == 0) print "k" (i % 7) ":-" i
			else print "k" (i % 7) ":" (i * 37 % 1000)
		}
	}' >kv.txt
	split -n l/3 -d -a 1 kv.txt part
}

# expected_totals: the per-key count and sum of kv.txt's accepted lines
# (a delimiter, a value above 0), by awk, sorted by key as fanout sorts.
expected_totals() {
	"$GAWK" -F: 'NF == 2 && $2 > 0 { n[$1]++; s[$1] += $2 }
		END { for (k in n) printf "%s\t%d\t%d\n", k, n[k], s[k] }' kv.txt | sort
}

# expected_rejections: how many lines of kv.txt are rejected.
expected_rejections() {
	"$GAWK" -F: '!(NF == 2 && $2 > 0) { r++ } END { print r + 0 }' kv.txt
}

# check_pieces_accounted: the pieces' summary lines in $stderr add up to
# every line of kv.txt, read once, accepted or rejected, and as many
# rejection messages as rejected lines precede them.
check_pieces_accounted() {
	local sums
	sums=$("$GAWK" '
		/^fanout: [0-9]+ records read, [0-9]+ accepted, [0-9]+ rejected$/ {
			r += $2; a += $5; j += $7; next }
		/^fanout: [^ ]+:[0-9]+: / { m++ }
		END { print r + 0, a + 0, j + 0, m + 0 }' <<<"$stderr")
	local total rejected
	total=$(wc -l <kv.txt)
	rejected=$(expected_rejections)
	[[ $sums == "$total $((total - rejected)) $rejected $rejected" ]] ||
		fail "pieces' accounting (read accepted rejected messages): $sums" \
			"expected: $total $((total - rejected)) $rejected $rejected" "$stderr"
}

# check_both_hosts: pieces ran on h1 and on h2.
check_both_hosts() {
	grep -qx h1 pieces.log && grep -qx h2 pieces.log ||
		fail "pieces did not run on both hosts:" "$(sort pieces.log | uniq -c)"
}

# run_recipe ARGS...: examples/parallel-multihost.sh ARGS over h1 and h2,
# two pieces at a time on each, blocks of 20k, the pieces running the
# wrapper in bin (which runs $FANOUT); the final merge runs it too.
run_recipe() {
	HOME=$LOGIN_HOME HOSTS=2/h1,2/h2 BLOCK=20k FANOUT="$BATS_TEST_TMPDIR/bin/fanout" \
		run_exact "$EXAMPLES_DIR/parallel-multihost.sh" "$@" </dev/null
}

@test "multihost: --pipepart over two ssh hosts equals one run, every record accounted for" {
	run_fanout --above=0 -a count,sum kv.txt
	assert_status 1
	assert_stdout "$(expected_totals)"
	cp run.stdout single.out
	run_recipe kv.txt --above=0 -a count,sum
	assert_status 0
	expect_same_file single.out run.stdout
	check_pieces_accounted
	check_both_hosts
}

@test "multihost: a list of files over two ssh hosts equals one run, messages name the files" {
	run_fanout --above=0 -a count,sum,mean kv.txt
	assert_status 1
	cp run.stdout single.out
	# The same rejections, by file and line, as one run over the parts.
	run_fanout --above=0 part0 part1 part2
	grep -v ' records read, ' run.stderr | sort >single.messages
	[[ -s single.messages ]]
	printf '%s\n' "$BATS_TEST_TMPDIR/part0" part1 "$BATS_TEST_TMPDIR/part2" >list
	run_recipe --files list --above=0 -a count,sum,mean
	assert_status 0
	expect_same_file single.out run.stdout
	grep -v ' records read, ' run.stderr | sed "s|$BATS_TEST_TMPDIR/||" | sort >pieces.messages
	diff single.messages pieces.messages >&2 || fail "the pieces' messages differ from one run's"
	check_pieces_accounted
	check_both_hosts
}

# kill_session_test ARGS...: the recipe with ARGS, while the ssh session
# of a piece on h2 is killed in the middle of it: the failure is
# reported, and no totals are printed.
kill_session_test() {
	local pid i session
	echo h2 >kill-host
	HOME=$LOGIN_HOME HOSTS=2/h1,2/h2 BLOCK=20k FANOUT="$BATS_TEST_TMPDIR/bin/fanout" \
		"$EXAMPLES_DIR/parallel-multihost.sh" "$@" </dev/null >out 2>err 3>&- &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		[[ -e session.pid ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ ! -e session.pid ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" || true
		fail "no piece reached h2:" "$(cat err)"
	fi
	session=$(cat session.pid)
	[[ $session =~ ^[0-9]+$ && $(cat "/proc/$session/comm") == sshd ]] ||
		fail "the piece on h2 found no sshd above it"
	kill -KILL "$session"
	touch go
	status=0
	wait "$pid" || status=$?
	assert_status 2
	[[ ! -s out ]] || fail "totals printed:" "$(cat out)"
	# ssh's status for a lost connection, passed on by parallel.
	[[ $(tail -n 1 err) == "parallel-multihost.sh: a piece failed (parallel exit status 255); no totals" ]] ||
		fail "no report of the failed piece:" "$(cat err)"
	# (ssh ends its line with CR LF.)
	grep -q '^Connection to 127.0.0.1 closed by remote host\.' err ||
		fail "ssh did not report the lost session:" "$(cat err)"
}

@test "multihost: a host whose session dies mid-piece (--pipepart) is reported, no totals" {
	kill_session_test kv.txt --above=0 -a count,sum
}

@test "multihost: a host whose session dies mid-piece (a list of files) is reported, no totals" {
	printf '%s\n' part0 part1 part2 >list
	kill_session_test --files list --above=0 -a count,sum
}
