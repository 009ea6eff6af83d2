#!/usr/bin/env bats
# Statistics: --stats prints, after every other message on standard error,
# the accounting of the run (records read, accepted and rejected, the
# rejections by kind, bytes read, wall time, throughput, and the time each
# stage worked and waited, per worker), as text or as one line of JSON.
# The counts are checked exactly against an awk classification of the
# same generated input, for --jobs 1, 2 and 4, every output mode, files
# and standard input; times only for being there and not negative, since
# they depend on the machine.  --stats never changes standard output or
# the exit status, and neither does SIGUSR1, which prints the report so
# far while the run goes on.

load test_helper

setup() {
	common_setup
	# flatten: reads one --stats=json report from standard input, checks
	# that it is one line holding one valid JSON object whose times are
	# numbers >= 0, and prints its counts as sorted NAME=VALUE lines (the
	# per-worker counts summed), the same form text_counts prints.
	cat >flatten <<-'EOF'
		import json, sys
		text = sys.stdin.read()
		assert text.endswith("\n") and text.count("\n") == 1, "not one line"
		d = json.loads(text)
		out = {}
		for k, v in d["records"].items():
		    out["records." + k] = v
		for k, v in d["rejected"].items():
		    out["rejected." + k] = v
		out["bytes_read"] = d["bytes_read"]
		out["input_size"] = "unknown" if d["input_size"] is None else d["input_size"]
		out["reader.blocks"] = d["reader"]["blocks"]
		out["workers"] = len(d["workers"])
		out["workers.blocks"] = sum(w["blocks"] for w in d["workers"])
		out["workers.records"] = sum(w["records"] for w in d["workers"])
		times = [d["seconds"], d["reader"]["reading_seconds"],
		         d["reader"]["blocked_seconds"], d["output_seconds"],
		         d["tail_seconds"],
		         d["collector"]["writing_seconds"],
		         d["collector"]["waiting_seconds"]]
		for w in d["workers"]:
		    times += [w["working_seconds"], w["waiting_seconds"]]
		for t in times + [d["records_per_second"], d["bytes_per_second"]]:
		    assert isinstance(t, (int, float)) and not isinstance(t, bool) and t >= 0, t
		assert d["final"] is True
		for k in sorted(out):
		    print("%s=%s" % (k, out[k]))
	EOF
}

# The kinds of rejection, as the JSON report names them.
KINDS="missing_delimiter missing_field empty_key missing_value invalid_number
too_many_digits below_min above_max not_above not_below key_mismatch
too_long nul_byte bad_quote malformed invalid_time"

# make_input FILE N: N generated key:value records of every kind the
# options of check_counts can reject, in random proportions (fixed seed).
make_input() {
	"$GAWK" -v n="$2" 'BEGIN {
		srand(7)
		for (i = 1; i <= n; i++) {
			r = int(rand() * 20)
			if (r < 8)       printf "k%d:%d\n", i % 50, 10 + i % 990
			else if (r == 8)  printf "nodelim%d\n", i
			else if (r == 9)  printf ":%d\n", i
			else if (r == 10) printf "k%d:\n", i
			else if (r == 11) printf "k%d:x%d\n", i, i
			else if (r == 12) printf "k%d:1234567890123456789012345678901234567890%d\n", i, i % 10
			else if (r == 13) printf "k%d:%d\n", i, i % 10
			else if (r == 14) printf "k%d:%d\n", i, 1001 + i
			else if (r == 15) printf "bad-%d:50\n", i
			else if (r == 16) { printf "k%d:", i; for (j = 0; j < 120; j++) printf "5"; printf "\n" }
			else              printf "k%d:%d.5\n", i % 7, i % 900 + 20
		}
	}' >"$1"
}

# The options under which every kind above is rejected.
RULES=(--min=10 --max=1000 --max-record=100 --key-match='^k[0-9]+$')

# expected_counts FILE: what --stats must count for FILE under RULES, as
# sorted NAME=VALUE lines, from an awk classification that follows the
# order of the checks in the manual.
expected_counts() {
	"$GAWK" -v kinds="$KINDS" -v size="$(stat -c %s "$1")" -v known="$2" '
	function kind(   d, key, val, digits) {
		if (length($0) > 100) return "too_long"
		if ($0 ~ /^[ \t]*$/) return "blank"
		d = index($0, ":")
		if (d == 0) return "missing_delimiter"
		key = substr($0, 1, d - 1); val = substr($0, d + 1)
		if (key == "") return "empty_key"
		if (val == "") return "missing_value"
		if (val !~ /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/) return "invalid_number"
		digits = val; gsub(/[^0-9]/, "", digits); sub(/^0+/, "", digits)
		if (length(digits) > 38) return "too_many_digits"
		if (val + 0 < 10) return "below_min"
		if (val + 0 > 1000) return "above_max"
		if (key !~ /^k[0-9]+$/) return "key_mismatch"
		return ""
	}
	{ k = kind(); read++; if (k == "") accepted++; else if (k == "blank") skipped++; else { rejected++; n[k]++ } }
	END {
		split(kinds, all, /[ \n]+/)
		for (i in all) if (all[i] != "") printf "rejected.%s=%d\n", all[i], n[all[i]]
		printf "records.read=%d\nrecords.accepted=%d\nrecords.rejected=%d\n", read, accepted, rejected
		printf "records.skipped=%d\nrecords.missing_values=0\n", skipped
		printf "bytes_read=%d\ninput_size=%s\n", size, known == "file" ? size : "unknown"
	}' "$1" | LC_ALL=C sort
}

# text_counts FILE: the counts of the --stats text report in FILE (the
# lines starting "fanout: stats: "), in the form flatten prints; fails if
# a line is missing or a time is not a number.
text_counts() {
	"$GAWK" -v kinds="$KINDS" -v out="$1.parsed" '
	BEGIN {
		split(kinds, all, /[ \n]+/)
		for (i in all) if (all[i] != "") { k = all[i]; n[k] = 0; w = k; gsub(/_/, " ", w); word[w] = k }
		word["below minimum"] = "below_min"; word["above maximum"] = "above_max"
		word["NUL byte"] = "nul_byte"
		t = "[0-9]+\\.[0-9][0-9][0-9] s \\([0-9]+%\\)"
	}
	!/^fanout: stats: / { next }
	{ line = substr($0, 16) }
	line ~ /^[0-9]+ records read, [0-9]+ accepted, [0-9]+ rejected(, [0-9]+ skipped)?$/ {
		split(line, f, /[ ,]+/); read = f[1]; acc = f[4]; rej = f[6]; skipped = f[8]; seen["records"]++; next }
	line ~ /^skipped: [0-9]+ blank$/ { next }
	line ~ /^missing values: [0-9]+$/ { split(line, f, " "); missing = f[3]; next }
	line ~ /^rejected: / {
		m = split(substr(line, 11), parts, /, /)
		for (i = 1; i <= m; i++) { c = parts[i]; sub(/ .*/, "", c); w = parts[i]; sub(/^[0-9]+ /, "", w)
			if (!(w in word)) { print "unknown kind: " w; bad = 1 } else n[word[w]] = c }
		next }
	line ~ /^[0-9]+ bytes read of [0-9]+ \([0-9]+\.[0-9]%\)$/ { split(line, f, " "); bytes = f[1]; size = f[5]; seen["bytes"]++; next }
	line ~ /^[0-9]+ bytes read$/ { split(line, f, " "); bytes = f[1]; size = "unknown"; seen["bytes"]++; next }
	line ~ /^[0-9]+\.[0-9][0-9][0-9] s, [0-9]+ records\/s, [0-9]+ bytes\/s$/ { seen["time"]++; next }
	line ~ "^reader: [0-9]+ blocks, reading " t ", blocked " t "$" { split(line, f, " "); blocks = f[2]; seen["reader"]++; next }
	line ~ "^worker [0-9]+: [0-9]+ blocks, [0-9]+ records, working " t ", waiting " t "$" {
		split(line, f, /[ ,:]+/); workers++; wblocks += f[3]; wrecords += f[5]; next }
	line ~ "^collector: writing " t ", waiting " t "$" { seen["collector"]++; next }
	line ~ "^output: " t "$" { seen["output"]++; next }
	line ~ "^tail: " t "$" { seen["tail"]++; next }
	{ print "unexpected: " $0; bad = 1 }
	END {
		for (s in seen) if (seen[s] != 1) { print "line " s " seen " seen[s] " times"; bad = 1 }
		if (length(seen) != 7) { print "lines missing: " length(seen) " kinds seen"; bad = 1 }
		for (k in n) printf "rejected.%s=%d\n", k, n[k] >out
		printf "records.read=%d\nrecords.accepted=%d\nrecords.rejected=%d\n", read, acc, rej >out
		printf "records.skipped=%d\nrecords.missing_values=%d\n", skipped, missing >out
		printf "bytes_read=%d\ninput_size=%s\n", bytes, size >out
		printf "reader.blocks=%d\nworkers=%d\nworkers.blocks=%d\nworkers.records=%d\n", blocks, workers, wblocks, wrecords >out
		exit bad
	}' "$1" || return 1
	LC_ALL=C sort "$1.parsed"
}

# check_report FORMAT ACTUAL EXPECTED JOBS: the counts of the report ACTUAL
# (NAME=VALUE lines) are those of EXPECTED, with JOBS workers whose
# records add up to the records read and whose blocks add up to the
# blocks read.
check_report() {
	local read blocks
	read=$(sed -n 's/^records.read=//p' "$2")
	blocks=$(sed -n 's/^reader.blocks=//p' "$2")
	grep -v -e '^reader.blocks=' -e '^workers' "$2" >"$2.counts"
	diff "$3" "$2.counts" >&2 || fail "$1 report: counts differ from awk's (< awk, > fanout)"
	grep -qx "workers=$4" "$2" || fail "$1 report: not $4 workers"
	grep -qx "workers.records=$read" "$2" || fail "$1 report: worker records do not add up to $read"
	[[ "$blocks" -ge 1 ]] || fail "$1 report: no blocks read"
	grep -qx "workers.blocks=$blocks" "$2" || fail "$1 report: worker blocks do not add up to $blocks"
}

# check_counts MODE_OPTION...: for --jobs 1, 2 and 4, from a file and from
# standard input, fanout with the options given, RULES and --stats (text
# and JSON) prints the report whose counts agree with awk's; standard
# output (its lines, with --unordered), the exit status and the messages
# before the report are those of the same run without --stats.
check_counts() {
	make_input in.txt 20000
	expected_counts in.txt file >expected.file
	expected_counts in.txt stdin >expected.stdin
	local jobs source args status_plain
	for jobs in 1 2 4; do
		for source in file stdin; do
			args=("$@" "${RULES[@]}" --jobs="$jobs" --batch=4K)
			if [[ $source == file ]]; then
				run_to_files "${args[@]}" in.txt
			else
				run_to_files "${args[@]}" < <(cat in.txt)
			fi
			status_plain=$status
			mv out out.plain
			mv err err.plain
			[[ $status_plain == 1 ]] || fail "status $status_plain without --stats"

			for format in text json; do
				if [[ $source == file ]]; then
					run_to_files "${args[@]}" --stats="$format" in.txt
				else
					run_to_files "${args[@]}" --stats="$format" < <(cat in.txt)
				fi
				[[ $status == "$status_plain" ]] || fail "--stats=$format: status $status, not $status_plain"
				if [[ " $* " == *" --unordered "* ]]; then
					# Blocks come out in the order they finish.
					LC_ALL=C sort out >out.sorted
					LC_ALL=C sort out.plain >out.plain.sorted
					expect_same_file out.plain.sorted out.sorted
				else
					expect_same_file out.plain out
				fi
				local plain_lines
				plain_lines=$(wc -l <err.plain)
				head -n "$plain_lines" err >err.head
				expect_same_file err.plain err.head
				tail -n +"$((plain_lines + 1))" err >report
				if [[ $format == json ]]; then
					python3 flatten <report >counts || fail "not a valid JSON report: $(cat report)"
				else
					text_counts report >counts || fail "bad text report: $(cat report)" "$(cat counts)"
				fi
				check_report "$format ($source, --jobs=$jobs)" counts "expected.$source" "$jobs"
			done
		done
	done
}

@test "--stats counts every record and rejection by kind in aggregate mode" {
	check_counts
}

@test "--stats counts every record and rejection by kind with --ordered" {
	check_counts --ordered
}

@test "--stats counts every record and rejection by kind with --unordered" {
	check_counts --unordered
}

@test "--stats counts NUL bytes and missing fields, and bounds in field mode" {
	printf 'a 5\nb\0c 6\nd\ne 0\nf 99\n' >in.txt
	run_fanout -k 1 -v 2 --above=0 --below=10 --stats=json in.txt
	assert_status 1
	assert_stdout "$(text a$'\t'5)"
	[[ ${#stderr_lines[@]} == 6 ]] || fail "expected 6 lines on stderr" "$stderr"
	printf '%s\n' "${stderr_lines[5]}" | python3 flatten >counts
	grep -qx 'rejected.nul_byte=1' counts || fail "$(cat counts)"
	grep -qx 'rejected.missing_field=1' counts || fail "$(cat counts)"
	grep -qx 'rejected.not_above=1' counts || fail "$(cat counts)"
	grep -qx 'rejected.not_below=1' counts || fail "$(cat counts)"
	grep -qx 'records.read=5' counts || fail "$(cat counts)"
	grep -qx 'records.rejected=4' counts || fail "$(cat counts)"
	grep -qx "bytes_read=$(wc -c <in.txt)" counts || fail "$(cat counts)"
}

@test "--stats reports an empty input and a run with nothing rejected" {
	: >empty.txt
	run_fanout --jobs=1 --stats empty.txt
	assert_status 0
	assert_stdout ""
	[[ "${stderr_lines[0]}" == "fanout: stats: 0 records read, 0 accepted, 0 rejected" ]] || fail "$stderr"
	[[ "${stderr_lines[1]}" == "fanout: stats: 0 bytes read of 0 (100.0%)" ]] || fail "$stderr"
	[[ ${#stderr_lines[@]} == 8 ]] || fail "expected 8 lines" "$stderr"
	run_fanout --jobs=1 --stats < <(printf 'a:1\nb:2\n')
	assert_status 0
	assert_stdout "$(text a$'\t'1 b$'\t'2)"
	[[ "${stderr_lines[0]}" == "fanout: stats: 2 records read, 2 accepted, 0 rejected" ]] || fail "$stderr"
	[[ "${stderr_lines[1]}" == "fanout: stats: 8 bytes read" ]] || fail "$stderr"
	[[ "${stderr_lines[4]}" =~ ^fanout:\ stats:\ worker\ 1:\ 1\ blocks,\ 2\ records, ]] || fail "$stderr"
}

@test "--stats counts the bytes of several inputs and of a record skipped as too long" {
	make_input a.txt 500
	"$GAWK" 'BEGIN { printf "k:"; for (i = 0; i < 5000; i++) printf "7"; printf "\nk:1\n" }' >b.txt
	run_fanout --max-record=1K --stats=json -q a.txt b.txt
	assert_status 1
	printf '%s\n' "${stderr_lines[-1]}" | python3 flatten >counts
	local total
	total=$(cat a.txt b.txt | wc -c)
	grep -qx "bytes_read=$total" counts || fail "not $total bytes" "$(cat counts)"
	grep -qx "input_size=$total" counts || fail "not $total bytes" "$(cat counts)"
	grep -qx "records.read=$(cat a.txt b.txt | wc -l)" counts || fail "$(cat counts)"
}

@test "--stats after a stop by --max-errors still accounts for what was read" {
	make_input in.txt 2000
	run_fanout "${RULES[@]}" --max-errors=10 --stats=json -q --jobs=2 in.txt
	assert_status 2
	printf '%s\n' "${stderr_lines[-1]}" | python3 flatten >counts
	grep -qx 'records.rejected=11' counts || fail "$(cat counts)"
	# With -q the report is all there is, and it carries the message.
	[[ ${#stderr_lines[@]} == 1 ]] || fail "$stderr"
	printf '%s\n' "${stderr_lines[0]}" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["errors"] == ["more than 10 rejected records; stopping"], r["errors"]
assert r["exit_status"] == 2, r["exit_status"]' || fail "$stderr"
}

@test "--stats with a bad format or with --merge is a usage error" {
	expect_usage_error "invalid --stats value 'xml' (known: text, json)" --stats=xml
	expect_usage_error "invalid --stats value '' (known: text, json)" --stats=
	expect_usage_error "--stats cannot be used with --merge" --merge --stats
}

# --- SIGUSR1: the statistics so far, and the run goes on

# usr1_run OPTION...: fanout -o --batch=1K OPTION... reads the fifo f in
# the background (stdout in out, stderr in err), fed in three stages of
# 3000 records (the second starts with a bad one, the stages are also
# written to in.txt); after each stage SIGUSR1 is sent every 0.1 s until a
# report counts at least the records of the stages so far less 200 (what a
# 1K block can hold back).  Then the fifo is closed; sets $status to
# fanout's exit status and $reports to the number of reports asked for.
usr1_run() {
	mkfifo f
	: >in.txt
	"$FANOUT" -o --batch=1K "$@" f >out 2>err 3>&- &
	local pid=$! stage written=0
	exec 8>f
	for stage in 1 2 3; do
		"$GAWK" -v s="$stage" 'BEGIN {
			if (s == 2) print "bad"
			for (i = 0; i < 3000; i++) printf "k%d:%d\n", i % 9, s * 10000 + i
		}' | tee -a in.txt >&8
		written=$(wc -l <in.txt)
		timeout 10 bash -c '
			until "$GAWK" -v want="$1" "/records read|\"read\":/ {
				n = \$0; sub(/.*stats: /, \"\", n); sub(/.*\"read\":/, \"\", n); n += 0
				if (n >= want) found = 1 } END { exit !found }" err; do
				kill -USR1 "$2"; sleep 0.1
			done' _ "$((written - 200))" "$pid" ||
			fail "no report counted $((written - 200)) records within 10 s" "$(cat err)"
	done
	exec 8>&-
	status=0
	wait "$pid" || status=$?
}

@test "SIGUSR1 prints the statistics so far; the output and the end of the run are unchanged" {
	usr1_run --jobs=2
	[[ $status == 1 ]] || fail "exit status $status, not 1" "$(cat err)"
	local plain_status=0
	"$FANOUT" -o --jobs=2 in.txt >out.plain 2>/dev/null || plain_status=$?
	[[ $plain_status == 1 ]] || fail "status $plain_status without the signal"
	expect_same_file out.plain out
	# Apart from the reports, standard error holds the run's own messages.
	grep -v '^fanout: stats: ' err >messages
	expect_file messages "fanout: f:3001: missing delimiter ':'\nfanout: 9001 records read, 9000 accepted, 1 rejected\n"
	# The reports are whole, and their counts never decrease and never
	# exceed the totals.
	"$GAWK" '/^fanout: stats: [0-9]+ records read/ {
		n = $3 + 0; if (n < last) { print "decreasing: " n " after " last; bad = 1 }
		if (n > 9001) { print "more than were read: " n; bad = 1 }
		last = n; reports++ }
	/^fanout: stats: worker/ { workers++ }
	/^fanout: stats: collector/ { collectors++ }
	END { if (reports < 3 || workers != 2 * reports || collectors != reports) {
			print reports " reports, " workers " worker lines, " collectors " collector lines"; bad = 1 }
		exit bad }' err || fail "$(cat err)"
}

@test "SIGUSR1 with --stats=json prints JSON reports so far, then the final one" {
	usr1_run --jobs=4 --stats=json
	[[ $status == 1 ]] || fail "exit status $status, not 1" "$(cat err)"
	expect_same_file <("$FANOUT" -o in.txt 2>/dev/null) out
	grep '^{' err >reports
	python3 -c '
import json, sys
reports = [json.loads(line) for line in open("reports")]
assert len(reports) >= 4, len(reports)
assert [r["final"] for r in reports] == [False] * (len(reports) - 1) + [True]
last = reports[-1]
assert last["records"]["read"] == 9001 and last["rejected"]["missing_delimiter"] == 1
assert sum(w["records"] for w in last["workers"]) == 9001
assert last["bytes_read"] == int(sys.argv[1]) and last["input_size"] is None
for a, b in zip(reports, reports[1:]):
    for key in ("read", "rejected"):
        assert a["records"][key] <= b["records"][key], (a, b)
    assert a["bytes_read"] <= b["bytes_read"]
    assert all(len(r["workers"]) == 4 for r in (a, b))
' "$(wc -c <in.txt)" || fail "$(cat err)"
}

@test "SIGUSR1 to a run still waiting for its first input reports zeros and changes nothing" {
	mkfifo f
	"$FANOUT" --jobs=1 f >out 2>err 3>&- &
	local pid=$!
	exec 8>f
	kill -USR1 "$pid"
	timeout 10 bash -c 'until grep -q "records read" err; do sleep 0.05; done' ||
		fail "no report within 10 s"
	printf 'a:1\na:2\n' >&8
	exec 8>&-
	status=0
	wait "$pid" || status=$?
	[[ $status == 0 ]] || fail "status $status" "$(cat err)"
	expect_file out 'a\t3\n'
	[[ "$(head -n 1 err)" == "fanout: stats: 0 records read, 0 accepted, 0 rejected" ]] || fail "$(cat err)"
	[[ "$(sed -n 2p err)" == "fanout: stats: 0 bytes read" ]] || fail "$(cat err)"
	[[ $(wc -l <err) == 8 ]] || fail "$(cat err)"
}

@test "a run stopped by SIGTERM prints its statistics after the summary, then dies by the signal" {
	mkfifo f
	"$FANOUT" --stats --jobs=1 f >out 2>err 3>&- &
	local pid=$!
	exec 8>f
	printf 'a:1\nb:2\n' >&8
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	exec 8>&-
	[[ $status == 143 ]] || fail "status $status, not 143 (SIGTERM)" "$(cat err)"
	expect_file out ''
	[[ "$(sed -n 1p err)" == "fanout: stopped by SIGTERM" ]] || fail "$(cat err)"
	[[ "$(sed -n 2p err)" =~ ^fanout:\ ([0-9]+)\ records\ read,\ .*\ bytes\ of\ output\ written$ ]] || fail "$(cat err)"
	local read=${BASH_REMATCH[1]}
	[[ "$(sed -n 3p err)" == "fanout: stats: $read records read, $read accepted, 0 rejected" ]] || fail "$(cat err)"
	[[ $(grep -c '^fanout: stats: ' err) == 8 ]] || fail "not a whole report" "$(cat err)"
	[[ $(wc -l <err) == 10 ]] || fail "$(cat err)"
}
