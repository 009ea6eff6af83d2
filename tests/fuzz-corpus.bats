#!/usr/bin/env bats
# Fuzz corpus replay: every committed input of each fuzz target (fuzz/corpus)
# runs through the target's invariant checks, without libFuzzer.  Inputs
# that once broke an invariant are added to the corpus, so this is also the
# regression suite for what fuzzing finds.

load test_helper

setup() {
	common_setup
	REPLAY_DIR="$FANOUT_BUILD_DIR/fuzz"
	CORPUS_DIR="$FANOUT_SOURCE_DIR/fuzz/corpus"
}

# replay TARGET: run fuzz/replay_TARGET over fuzz/corpus/TARGET; every input
# is replayed and none breaks an invariant.
replay() {
	local files
	files=$(find "$CORPUS_DIR/$1" -type f ! -name '.*' | wc -l)
	[[ $files -ge 20 ]] || fail "only $files inputs in fuzz/corpus/$1"
	run_exact "$REPLAY_DIR/replay_$1" "$CORPUS_DIR/$1" </dev/null
	if [[ $status != 0 ]]; then
		printf 'replay_%s exited with status %s on the input %s\n' "$1" "$status" \
			"$(printf '%s' "$output" | tail -n 1)" >&2
		printf '%s' "$stderr" >&2
		return 1
	fi
	[[ "${lines[-1]}" == "$files inputs replayed" ]] \
		|| fail "expected '$files inputs replayed', got '${lines[-1]}'"
	[[ -z "$stderr" ]] || fail "replay_$1 wrote to stderr:" "$stderr"
}

@test "number corpus: number_parse agrees with the grammar and printing round-trips" {
	replay number
}

@test "record corpus: record counts, rejections and tables are consistent, with and without the one-pass path" {
	replay record
}

@test "deferred corpus: the same checks with a large table, whose plain records' updates are deferred" {
	replay deferred
}
