# tally.sh: the count of results that .ci/run, tests/stress.sh and
# tests/valgrind.sh keep, sourced by each.  tally_pass and tally_fail
# count one result and print it as a "PASS: " or "FAIL: " line, which .ci/run
# adds up; unlike test_helper.bash's fail, tally_fail does not end anything.
# shellcheck shell=bash

passed=0
failed=0

# tally_pass WHAT...: counts a result that held.
tally_pass() {
	passed=$((passed + 1))
	echo "PASS: $*"
}

# tally_fail WHAT...: counts a result that did not, and goes on.
tally_fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}
