#!/usr/bin/env bats
# Resource failures: every allocation and every thread start of a small run
# is made to fail in turn (a build with fault injection, src/fanout-faults),
# and each time fanout must stop with status 2 and its one message, never
# crash, hang or print totals.

load test_helper

setup() {
	common_setup
	FAULTY=$FANOUT_FAULTS
	printf 'b:2\nbad\na:1.5\nb:-7\nc:x\na:3\n' >in.txt
}

# walk_allocations EXPECTED_STATUS EXPECTED_STDOUT ARGS...: fails the 1st,
# 2nd, ... allocation of `fanout ARGS` until a run needs fewer allocations
# than that; every failed run must say "memory exhausted", with status
# 2 and nothing on stdout (with --ordered, a prefix of the complete output:
# the records of blocks already through, written out while the run waited
# for the next), and the first complete run must give the expected result.
# Sets WALKED to the number of allocations failed.
walk_allocations() {
	local want_status=$1 want_out=$2 n
	shift 2
	local allowed=0
	[[ " $* " == *" --ordered "* ]] && allowed=$((${#want_out} + 1))
	printf '%s\n' "$want_out" >complete
	for ((n = 1; n < 2000; n++)); do
		status=0
		timeout 20 env FANOUT_FAIL_ALLOC=$n "$FAULTY" "$@" <in.txt >out 2>err || status=$?
		if [[ "$status" != 2 ]]; then
			break
		fi
		# Reports of records already checked may come first, or even
		# just after, when the collector hands them on while a worker
		# runs out of memory.
		if [[ "$(grep -c '^fanout: memory exhausted$' err)" != 1 ]] \
			|| (($(stat -c %s out) > allowed)) \
			|| ! cmp -s out <(head -c "$(stat -c %s out)" complete) \
			|| grep -v -e '^fanout: -:[0-9]*: ' -e '^fanout: memory exhausted$' err >/dev/null; then
			echo "allocation $n: stdout $(od -c out | head -3), stderr: $(cat err)" >&2
			return 1
		fi
	done
	WALKED=$((n - 1))
	[[ "$status" == "$want_status" ]] || { echo "complete run: status $status" >&2; return 1; }
	[[ "$(cat out)" == "$want_out" ]] || { echo "complete run: stdout $(cat out)" >&2; return 1; }
}

@test "every allocation of an aggregate run can fail: status 2, 'memory exhausted', no totals" {
	walk_allocations 1 "$(text $'a\t4.5' $'b\t-5')" --jobs=1 -a sum -
	((WALKED > 10))
}

@test "every allocation of a two-worker ordered run with a rejects file can fail cleanly" {
	walk_allocations 1 "$(text b:2 a:1.5 b:-7 a:3)" --jobs=2 --batch=4 --ordered --rejects=rej.txt -
	((WALKED > 10))
	expect_file rej.txt 'bad\nc:x\n'
}

@test "every allocation of a field-mode run with a key pattern can fail cleanly" {
	printf 'x 1 p\ny 2 q\nx 3 p\n' >in.txt
	walk_allocations 0 "$(text $'x\tp\t4' $'y\tq\t2')" --jobs=2 --key=1,3 --value=2 --key-match='^[xy]' -
	((WALKED > 10))
}

@test "a thread that cannot be started stops the run: status 2, 'cannot create thread', no output" {
	local n
	# --jobs=2 starts three threads: the producer and two workers.
	for n in 1 2 3; do
		run_exact env FANOUT_FAIL_THREAD=$n "$FAULTY" --jobs=2 in.txt
		assert_result 2 "" "fanout: cannot create thread: Resource temporarily unavailable"
	done
	run_exact env FANOUT_FAIL_THREAD=4 "$FAULTY" --jobs=2 in.txt
	assert_status 1
	assert_stdout "$(text $'a\t4.5' $'b\t-5')"
}

@test "every allocation of a run whose worker tables spill into the partitions can fail cleanly" {
	export FANOUT_CACHE_KEYS=1
	walk_allocations 1 "$(text $'a\t4.5' $'b\t-5')" --jobs=2 --batch=4 -a sum -
	((WALKED > 10))
}

@test "a thread that cannot be started at the end stops the run: status 2, no totals" {
	# Enough keys for --jobs=2 to sort, merge and format on two threads:
	# after the producer and the two workers, the fourth thread sorts,
	# the fifth merges and the sixth formats the first 32,768 rows; the
	# other 7,232 are formatted on one thread.
	"$GAWK" 'BEGIN { for (i = 0; i < 40000; i++) print "k" i ":1" }' >many.txt
	for n in 4 5 6; do
		run_exact env FANOUT_FAIL_THREAD=$n "$FAULTY" --jobs=2 many.txt
		assert_result 2 "" "fanout: cannot create thread: Resource temporarily unavailable"
	done
	run_exact env FANOUT_FAIL_THREAD=7 "$FAULTY" --jobs=2 many.txt
	assert_status 0
	[[ ${#lines[@]} == 40000 ]] || fail "${#lines[@]} rows"
}
