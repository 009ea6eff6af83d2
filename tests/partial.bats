#!/usr/bin/env bats
# Scale-out: --partial prints partial aggregates (format in src/partial.h),
# --merge adds partials up and prints byte for byte what one fanout run over
# the whole input prints; --merge --partial is a combiner.  Covers pieces
# run at the same time, lines in any order, the merge's completeness and
# format checks, GNU parallel and the two examples.
#
# The reference is one fanout run over the whole input, itself checked
# against an awk model of the specification over the same generated input
# (and hand-worked examples), so that a wrong total fails even if every
# path agrees.

load test_helper

PARTIALS_PY="$BATS_TEST_DIRNAME/partials.py"

# The settings in the header of a key-value partial made with the defaults,
# after the operations.
KV_SETTINGS=$'delimiter=:\tterminator=\\n\tmax-record=67108864'

# Aggregate lists the big comparisons run with.
OPS_LISTS=("sum" "count" "min,max" "mean,sum,count,min,max,mean" "max,min,sum")

# write_generators: the awk programs that make the inputs, into
# $BATS_FILE_TMPDIR.
write_generators() {
	# gen-kv.awk -v seed=S -v n=N: KEY:VALUE records.  Scales 0 to 3 mixed
	# within keys, negative values, keys with TAB, CR, backslash and leading
	# '#' (among them "#end" and "#fanout-partial"), keys whose values are
	# all integers, "rare" with a three-decimal value in only a few places,
	# "big" and "negbig" (always +-999999999999999999, so their totals pass
	# 64 bits in every piece), about 2% rejected records of six kinds, 2%
	# CRLF endings.
	cat >"$BATS_FILE_TMPDIR/gen-kv.awk" <<'AWK'
function number(s,   ip, fr, d, sign, v) {
	ip = int(rand() * (rand() < 0.5 ? 1000 : 1000000))
	fr = ""
	for (d = 0; d < s; d++) fr = fr int(rand() * 10)
	sign = rand() < 0.4 ? "-" : (rand() < 0.05 ? "+" : "")
	if (s > 0 && ip == 0 && rand() < 0.3) v = sign "." fr
	else if (s > 0) v = sign ip "." fr
	else if (rand() < 0.02) v = sign ip "."
	else v = sign ip
	if (rand() < 0.05) v = " " v "\t"
	return v
}
function value(   r) {
	r = rand()
	return number(r < 0.55 ? 0 : r < 0.70 ? 1 : r < 0.92 ? 2 : 3)
}
BEGIN {
	srand(seed)
	ns = split("tab\tkey|#hash|\\back|\\#both|#end|#fanout-partial|a b|x\\ty|cr\rmid|end\\|\\\\|#", special, "|")
	for (i = 1; i <= n; i++) {
		r = rand()
		if (r < 0.005) line = "big:999999999999999999"
		else if (r < 0.008) line = "negbig:-999999999999999999"
		else if (r < 0.010) line = "rare:" (rand() < 0.02 ? number(3) : number(0))
		else if (r < 0.06) line = special[1 + int(rand() * ns)] ":" value()
		else if (r < 0.20) line = "int" int(rand() * 5) ":" number(0)
		else line = "k" int(rand() * 30) ":" value()
		r = rand()
		if (r < 0.004) line = "garbage " i
		else if (r < 0.006) line = ""
		else if (r < 0.009) line = ":" int(rand() * 100)
		else if (r < 0.011) line = "k1:"
		else if (r < 0.013) line = "k2: \t"
		else if (r < 0.016) line = "k3:" int(rand() * 100) "x"
		else if (r < 0.018) line = "k4:1e"
		else if (r < 0.019) line = "k5:1234567890123456789012345678901234567890"
		else if (r < 0.020) line = "k6:0.1234567890123456789012345678901234567890"
		if (rand() < 0.02) line = line "\r"
		print line
	}
}
AWK
	# gen-fields.awk -v seed=S -v n=N: access-log-like lines for
	# --key=1,3 --value=2: blank runs of spaces and TABs, leading blanks,
	# key fields with '#' and backslashes, about 1.5% rejected (missing
	# fields, a value with a comma) and 1% blank lines, which are skipped.
	cat >"$BATS_FILE_TMPDIR/gen-fields.awk" <<'AWK'
BEGIN {
	srand(seed)
	nh = split("h0 h1 h2 h3 h4 h5 #h \\h h\\t", host, " ")
	nst = split("200 404 500 #1 \\0", st, " ")
	for (i = 1; i <= n; i++) {
		s = int(rand() * 4)
		v = int(rand() * 100000)
		if (rand() < 0.3) v = "-" v
		if (s > 0) { v = v "."; for (d = 0; d < s; d++) v = v int(rand() * 10) }
		sep = rand() < 0.8 ? " " : rand() < 0.5 ? "\t" : "  \t "
		line = (rand() < 0.05 ? " " : "") host[1 + int(rand() * nh)] sep v sep st[1 + int(rand() * nst)] " GET /x" i
		r = rand()
		if (r < 0.005) line = ""
		else if (r < 0.010) line = "   \t"
		else if (r < 0.015) line = "h1 " v
		else if (r < 0.020) line = "h2"
		else if (r < 0.025) line = "h3 12,5 200"
		if (rand() < 0.02) line = line "\r"
		print line
	}
}
AWK
}

# write_model: model.awk, what fanout prints for the generated inputs,
# computed from the man page.  -v mode=kv (KEY:VALUE) or mode=fields (--key=1,3
# --value=2, blank-separated); -v ops=LIST the --aggregate list; -v name=
# the file name in messages; -v out=PREFIX writes PREFIX.out (stdout) and
# PREFIX.err (stderr).  Values are integers in thousandths (the inputs have
# at most three decimals), exact in doubles; "big" and "negbig" only ever
# hold +-999999999999999999, and their totals are written out digit by
# digit.
write_model() {
	cat >"$BATS_FILE_TMPDIR/model.awk" <<'AWK'
function reject(reason) {
	printf "fanout: %s:%d: %s\n", name, NR, reason > (out ".err")
	rejected++
}
function pow10(e,   p) { p = 1; while (e-- > 0) p *= 10; return p }
# fmt(U, S): U thousandths with S decimals.
function fmt(u, s,   a, sign, q) {
	sign = u < 0 ? "-" : ""
	a = (u < 0 ? -u : u) / pow10(3 - s)
	if (s == 0) return sign a
	q = pow10(s)
	return sign int(a / q) "." sprintf("%0" s "d", a % q)
}
# mean(U, C): U thousandths over C values, rounded half to even to 6 places.
function mean(u, c,   a, m, r) {
	a = (u < 0 ? -u : u) * 1000
	m = int(a / c)
	r = a - m * c
	while (r < 0) { m--; r += c }
	while (r >= c) { m++; r -= c }
	if (2 * r > c || (2 * r == c && m % 2 == 1)) m++
	return (u < 0 && m > 0 ? "-" : "") int(m / 1000000) "." sprintf("%06d", m % 1000000)
}
# big(C, SIGN): SIGN C x 999999999999999999 = (C - 1) x 10^18 + (10^18 - C).
function big(c, sign) {
	if (c >= 10000) { print "model: too many big values" > "/dev/stderr"; exit 3 }
	return sign (c > 1 ? (c - 1) "99999999999999" sprintf("%04d", 10000 - c) : "999999999999999999")
}
function add(key, v,   sign, ip, fr, s, u, dot) {
	sign = 1
	if (v ~ /^[+-]/) { sign = substr(v, 1, 1) == "-" ? -1 : 1; v = substr(v, 2) }
	dot = index(v, ".")
	ip = dot ? substr(v, 1, dot - 1) : v
	fr = dot ? substr(v, dot + 1) : ""
	s = length(fr)
	if (key == "big" || key == "negbig") {
		if (v != "999999999999999999") { print "model: unexpected value " v > "/dev/stderr"; exit 3 }
		count[key]++
		return
	}
	if (s > 3) { print "model: scale above 3: " v > "/dev/stderr"; exit 3 }
	u = sign * ((ip + 0) * 1000 + substr(fr "000", 1, 3))
	if (!(key in count)) { mn[key] = u; mx[key] = u; scale[key] = 0 }
	count[key]++
	sum[key] += u
	if (s > scale[key]) scale[key] = s
	if (u < mn[key]) mn[key] = u
	if (u > mx[key]) mx[key] = u
}
BEGIN {
	nops = split(ops, op, ",")
	# Counting alone in key-value mode reads no value.
	valueless = mode == "kv"
	for (i = 1; i <= nops; i++)
		if (op[i] != "count")
			valueless = 0
	printf "" > (out ".err")
	printf "" > (out ".out")
}
{
	rec = $0
	sub(/\r$/, "", rec)
	if (rec ~ /^[ \t]*$/) { skipped++; next }
	if (mode == "kv") {
		p = index(rec, ":")
		if (!p) { reject("missing delimiter ':'"); next }
		key = substr(rec, 1, p - 1)
		v = substr(rec, p + 1)
		if (key == "") { reject("empty key"); next }
		if (valueless) { count[key]++; next }
	} else {
		nf = split(rec, f, /[ \t]+/)
		if (nf > 0 && f[1] == "") { for (i = 1; i < nf; i++) f[i] = f[i + 1]; nf-- }
		if (nf > 0 && f[nf] == "") nf--
		if (nf < 3) { reject("missing field " (nf + 1)); next }
		key = f[1] "\t" f[3]
		v = f[2]
	}
	gsub(/^[ \t]+|[ \t]+$/, "", v)
	if (v == "") { reject("missing value"); next }
	if (v !~ /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/) { reject("invalid number '" v "'"); next }
	digits = v
	gsub(/[^0-9.]/, "", digits)
	sub(/^0+/, "", digits)
	frac = index(digits, ".") ? substr(digits, index(digits, ".") + 1) : ""
	sub(/\./, "", digits)
	if (length(digits) > 38 || length(frac) > 38) { reject("too many digits in number '" v "'"); next }
	add(key, v)
}
END {
	# Keys never hold bytes below TAB, so sorting the joined key fields
	# sorts field by field.
	PROCINFO["sorted_in"] = "@ind_str_asc"
	for (key in count) {
		line = key
		for (i = 1; i <= nops; i++) {
			if (key == "big" || key == "negbig") {
				sign = key == "big" ? "" : "-"
				if (op[i] == "count") r = count[key]
				else if (op[i] == "sum") r = big(count[key], sign)
				else if (op[i] == "mean") r = sign "999999999999999999.000000"
				else r = sign "999999999999999999"
			} else if (op[i] == "sum") r = fmt(sum[key], scale[key])
			else if (op[i] == "count") r = count[key]
			else if (op[i] == "min") r = fmt(mn[key], scale[key])
			else if (op[i] == "max") r = fmt(mx[key], scale[key])
			else r = mean(sum[key], count[key])
			line = line "\t" r
		}
		print line > (out ".out")
	}
	if (rejected)
		printf "fanout: %d records read, %d accepted, %d rejected%s\n", NR, NR - rejected - skipped, rejected, skipped ? ", " skipped " skipped" : "" > (out ".err")
}
AWK
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	write_generators
	write_model
	"$GAWK" -v seed=5 -v n=60000 -f gen-kv.awk >kv.txt
	"$GAWK" -v seed=9 -v n=20000 -f gen-fields.awk >fields.txt
}

setup() {
	common_setup
	cp "$BATS_FILE_TMPDIR/kv.txt" "$BATS_FILE_TMPDIR/fields.txt" .
}

# model MODE OPS INPUT PREFIX: the awk model's stdout and stderr for
# fanout -a OPS INPUT, in PREFIX.out and PREFIX.err.
model() {
	"$GAWK" -v mode="$1" -v ops="$2" -v name="$3" -v out="$4" \
		-f "$BATS_FILE_TMPDIR/model.awk" "$3"
}

# single PREFIX ARGS...: one fanout run, stdout in PREFIX.out and stderr in
# PREFIX.err; its status must be 1 (the generated inputs have rejections).
single() {
	local prefix=$1
	shift
	local s=0
	"$FANOUT" "$@" >"$prefix.out" 2>"$prefix.err" || s=$?
	[[ $s == 1 ]] || fail "fanout $* exited with $s, not 1"
}

# pieces K INPUT ARGS...: split INPUT into K pieces piece.00, piece.01, ...
# without cutting lines (split -n l/K) and run fanout --partial ARGS on all
# of them at the same time: piece.NN.partial and piece.NN.err.  Every piece
# of the generated inputs has rejected records, so each must exit 1.
pieces() {
	local k=$1 input=$2
	shift 2
	rm -f piece.*
	split -n "l/$k" -d -a 2 "$input" piece.
	local p pids=() names=()
	for p in piece.??; do
		"$FANOUT" --partial "$@" "$p" >"$p.partial" 2>"$p.err" &
		pids+=("$!")
		names+=("$p")
	done
	[[ ${#pids[@]} == "$k" ]] || fail "split made ${#pids[@]} pieces, not $k"
	local i s bad=0
	for i in "${!pids[@]}"; do
		s=0
		wait "${pids[$i]}" || s=$?
		if [[ $s != 1 ]]; then
			echo "fanout --partial $* ${names[$i]} exited with $s, not 1" >&2
			cat "${names[$i]}.err" >&2
			bad=1
		fi
	done
	return "$bad"
}

# merge_pieces EXPECTED [ARGS...]: fanout --merge ARGS of the pieces'
# partials prints exactly the file EXPECTED, nothing on stderr, status 0.
merge_pieces() {
	local expected=$1
	shift
	run_to_files --merge "$@" piece.??.partial
	assert_status 0
	expect_same_file "$expected" out
	expect_same_file /dev/null err
}

# pieces_messages INPUT: the pieces' rejection messages, renamed to INPUT
# and renumbered by the lines of the pieces before them, then one summary
# line with the pieces' counts added up: what one run over INPUT reports.
pieces_messages() {
	local input=$1 p offset=0
	rm -f counts
	for p in piece.??; do
		"$GAWK" -v piece="$p" -v name="$input" -v offset="$offset" '
			index($0, "fanout: " piece ":") == 1 {
				rest = substr($0, length("fanout: " piece ":") + 1)
				colon = index(rest, ":")
				printf "fanout: %s:%d:%s\n", name, substr(rest, 1, colon - 1) + offset, substr(rest, colon + 1)
				next
			}
			/^fanout: [0-9]+ records read, [0-9]+ accepted, [0-9]+ rejected(, [0-9]+ skipped)?$/ {
				print $2, $5, $7, $9 + 0 >>"counts"
				next
			}
			{ print "unexpected: " $0 }' "$p.err"
		offset=$((offset + $(wc -l <"$p")))
	done
	"$GAWK" '{ r += $1; a += $2; j += $3; s += $4 }
		END { printf "fanout: %d records read, %d accepted, %d rejected%s\n", r, a, j, s ? ", " s " skipped" : "" }' counts
	rm -f counts
}

# require_gnu_parallel: GNU parallel is installed (not moreutils' parallel).
require_gnu_parallel() {
	command -v parallel >/dev/null \
		|| fail "GNU parallel is not installed: apt-get install -y parallel (the README's quick start installs it)"
	parallel --version 2>/dev/null | head -n 1 | grep -q '^GNU parallel' \
		|| fail "'parallel' in PATH is not GNU parallel (moreutils?): apt-get install -y parallel"
}

# run_partial ARGS...: run_fanout --partial ARGS; then $output holds the
# partial opened by partials.py (every check, the identities and the
# trailer's sum found right, and shown without the checks, as ID and as
# SUM), $status and $stderr are fanout's.
run_partial() {
	run_fanout --partial "$@"
	printf '%s' "$output" >run.partial
	python3 "$PARTIALS_PY" open run.partial >run.opened || return 1
	output=$(cat run.opened && printf .)
	output=${output%.}
}

# --- the format, hand-worked ---------------------------------------------

@test "a partial is a header, one line per key in key order with escapes, and a trailer counting them" {
	printf 'b:2\na:1.5\n#x:-3\nb:-0.25\ntab\tkey:7\n\\k:1\nx#y:2\n' >in.txt
	run_partial in.txt
	assert_result 0 "$(text \
		$'#fanout-partial\t7\tID\taggregate=sum\t'"$KV_SETTINGS" \
		$'\\#x\t1\t0\t0\t3\t-\t-\t1\t2\t0' \
		$'\\\\k\t1\t0\t1\t0\t-\t-\t1\t4\t0' \
		$'a\t1\t1\t15\t0\t-\t-\t1\t1\t0' \
		$'b\t2\t2\t200\t25\t-\t-\t1\t0\t0' \
		$'tab\\tkey\t1\t0\t7\t0\t-\t-\t1\t3\t0' \
		$'x#y\t1\t0\t2\t0\t-\t-\t1\t5\t0' \
		$'#end\tID\t6\tSUM')" ""
	# min and max, in units of the key's scale, only when asked for.
	run_partial -a count,max,mean in.txt
	assert_result 0 "$(text \
		$'#fanout-partial\t7\tID\taggregate=count,max,mean\t'"$KV_SETTINGS" \
		$'\\#x\t1\t0\t0\t3\t-3\t-3\t1\t2\t0' \
		$'\\\\k\t1\t0\t1\t0\t1\t1\t1\t4\t0' \
		$'a\t1\t1\t15\t0\t15\t15\t1\t1\t0' \
		$'b\t2\t2\t200\t25\t-25\t200\t1\t0\t0' \
		$'tab\\tkey\t1\t0\t7\t0\t7\t7\t1\t3\t0' \
		$'x#y\t1\t0\t2\t0\t2\t2\t1\t5\t0' \
		$'#end\tID\t6\tSUM')" ""
	run_fanout --merge < <("$FANOUT" --partial -a count,max,mean in.txt)
	assert_result 0 "$(text \
		$'#x\t1\t-3\t-3.000000' \
		$'\\k\t1\t1\t1.000000' \
		$'a\t1\t1.5\t1.500000' \
		$'b\t2\t2.00\t0.875000' \
		$'tab\tkey\t1\t7\t7.000000' \
		$'x#y\t1\t2\t2.000000')" ""
}

@test "composite keys are joined by \\0, and keys with newlines (-z) by \\n, in a partial" {
	printf 'a x 1\nb\\ y 2.5\na x 3\n#c z -1\n' >in.txt
	run_partial -k 1,2 -v 3 in.txt
	assert_result 0 "$(text \
		$'#fanout-partial\t7\tID\taggregate=sum\tkey=1,2\tvalue=3\tseparator=blanks\tterminator=\\n\tmax-record=67108864' \
		$'\\#c\\0z\t1\t0\t0\t1\t-\t-\t1\t2\t0' \
		$'a\\0x\t2\t0\t4\t0\t-\t-\t1\t0\t0' \
		$'b\\\\\\0y\t1\t1\t25\t0\t-\t-\t1\t1\t0' \
		$'#end\tID\t3\tSUM')" ""
	"$FANOUT" --partial -k 1,2 -v 3 in.txt >p.txt
	run_fanout --merge p.txt
	assert_result 0 "$(text $'#c\tz\t-1' $'a\tx\t4' $'b\\\ty\t2.5')" ""

	printf 'a\nb:1\0c\r:2\0a\nb:3\0' >z.txt
	run_partial -z z.txt
	assert_result 0 "$(text \
		$'#fanout-partial\t7\tID\taggregate=sum\tdelimiter=:\tterminator=\\0\tmax-record=67108864' \
		$'a\\nb\t2\t0\t4\t0\t-\t-\t1\t0\t0' \
		$'c\\r\t1\t0\t2\t0\t-\t-\t1\t1\t0' \
		$'#end\tID\t2\tSUM')" ""
	"$FANOUT" --partial -z z.txt >zp.txt
	"$FANOUT" -z z.txt >single.out
	expect_file single.out 'a\nb\t4\nc\r\t2\n'
	run_to_files --merge zp.txt
	assert_status 0
	expect_same_file single.out out
}

@test "an empty input gives just the header and a trailer of zero keys, and merges to nothing" {
	run_partial </dev/null
	assert_result 0 "$(text $'#fanout-partial\t7\tID\taggregate=sum\t'"$KV_SETTINGS" $'#end\tID\t0\tSUM')" ""
	run_partial -k 2,1 -v 3 -a min,count </dev/null
	assert_result 0 "$(text \
		$'#fanout-partial\t7\tID\taggregate=min,count\tkey=2,1\tvalue=3\tseparator=blanks\tterminator=\\n\tmax-record=67108864' \
		$'#end\tID\t0\tSUM')" ""
	run_fanout --merge < <("$FANOUT" --partial </dev/null)
	assert_result 0 "" ""
	# An empty piece among others changes nothing.
	printf 'a:1\n' >in.txt
	"$FANOUT" --partial in.txt >p1.txt
	"$FANOUT" --partial </dev/null >p2.txt
	"$FANOUT" --partial </dev/null >p3.txt
	run_fanout --merge p2.txt p1.txt p3.txt
	assert_result 0 $'a\t1' ""
}

@test "a partial run reports rejections like a plain run, writes the rejects file, and exits 1" {
	printf 'a:1\nbad\nb:x\na:2\n:3\nb:4\n' >in.txt
	run_partial --rejects=rej.txt --above=1 in.txt
	assert_result 1 "$(text \
		$'#fanout-partial\t7\tID\taggregate=sum\t'"$KV_SETTINGS"$'\tabove=1' \
		$'a\t1\t0\t2\t0\t-\t-\t1\t0\t0' \
		$'b\t1\t0\t4\t0\t-\t-\t1\t1\t0' \
		$'#end\tID\t2\tSUM')" "$(text \
		"fanout: in.txt:1: value 1 is not above 1" \
		"fanout: in.txt:2: missing delimiter ':'" \
		"fanout: in.txt:3: invalid number 'x'" \
		"fanout: in.txt:5: empty key" \
		"fanout: 6 records read, 2 accepted, 4 rejected")"
	expect_file rej.txt 'a:1\nbad\nb:x\n:3\n'
	# All rejected: a piece of a run, not the run, so still a partial (of
	# no keys) and status 1; the merge of all the pieces has the say.
	printf 'x\ny\n' >bad.txt
	run_partial --quiet bad.txt
	assert_result 1 "$(text \
		$'#fanout-partial\t7\tID\taggregate=sum\t'"$KV_SETTINGS" \
		$'#end\tID\t0\tSUM')" "fanout: 2 records read, 0 accepted, 2 rejected"
}

@test "a partial run stopped by --max-errors prints no partial and exits 2" {
	printf 'a:1\nbad\nworse\na:2\n' >in.txt
	run_fanout --partial --max-errors=1 in.txt
	assert_result 2 "" "$(text \
		"fanout: in.txt:2: missing delimiter ':'" \
		"fanout: in.txt:3: missing delimiter ':'" \
		"fanout: more than 1 rejected records; stopping" \
		"fanout: 3 records read, 1 accepted, 2 rejected; 0 bytes of output written")"
}

@test "hand-worked merge: mixed scales, negative values, totals beyond 64 bits" {
	printf 'a:1\nb:-2\nc:999999999999999999\nc:999999999999999999\n' >one.txt
	printf 'a:0.25\nb:-0.5\nc:999999999999999999\nd:-.5\n' >two.txt
	local expected
	expected=$(text \
		$'a\t1.25\t2\t0.25\t1.00\t0.625000' \
		$'b\t-2.5\t2\t-2.0\t-0.5\t-1.250000' \
		$'c\t2999999999999999997\t3\t999999999999999999\t999999999999999999\t999999999999999999.000000' \
		$'d\t-0.5\t1\t-0.5\t-0.5\t-0.500000')
	run_fanout -a sum,count,min,max,mean one.txt two.txt
	assert_result 0 "$expected" ""
	"$FANOUT" --partial -a sum,count,min,max,mean one.txt >p1.txt
	"$FANOUT" --partial -a sum,count,min,max,mean two.txt >p2.txt
	run_fanout --merge p1.txt p2.txt
	assert_result 0 "$expected" ""
	run_fanout --merge p2.txt p1.txt
	assert_result 0 "$expected" ""
	# 20 x 999999999999999999 in four partials of five.
	local i
	for i in 1 2 3 4; do
		printf 'k:999999999999999999\n%.0s' 1 2 3 4 5 | "$FANOUT" --partial >"big$i.txt"
	done
	run_fanout --merge big1.txt big2.txt big3.txt big4.txt
	assert_result 0 $'k\t19999999999999999980' ""
}

@test "a sum overflow found only when merging: exit 2, the message, no totals" {
	# 400 x 999999999999999999 at scale 18 is 3.99...e38 units, beyond
	# 2^128 = 3.40e38; alone, at scale 0, it is far below.
	local i
	for i in $(seq 400); do echo "k:999999999999999999"; done >one.txt
	printf 'k:0.000000000000000001\nj:1\n' >two.txt
	run_fanout one.txt two.txt
	assert_status 2
	assert_stdout ""
	[[ ${stderr_lines[0]} == "fanout: sum overflow for key 'k'" ]] || fail "stderr: $stderr"
	"$FANOUT" --partial one.txt >p1.txt
	"$FANOUT" --partial two.txt >p2.txt
	run_fanout --merge p1.txt p2.txt
	assert_result 2 "" "fanout: sum overflow for key 'k'"
	run_fanout --merge --partial p1.txt p2.txt
	assert_result 2 "" "fanout: sum overflow for key 'k'"
}

# --- generated inputs: the model, pieces, any order --------------------------

@test "the awk model agrees with one fanout run over the generated inputs" {
	local ops
	for ops in "${OPS_LISTS[@]}"; do
		model kv "$ops" kv.txt model
		single single -a "$ops" kv.txt
		expect_same_file model.out single.out
		expect_same_file model.err single.err
		model fields "$ops" fields.txt model
		single single -k 1,3 -v 2 -a "$ops" fields.txt
		expect_same_file model.out single.out
		expect_same_file model.err single.err
	done
	# The inputs hold what they are meant to: keys that need escaping,
	# totals beyond 64 bits, rejections.
	single kvsum kv.txt
	grep -q $'^tab\tkey\t' kvsum.out
	grep -q $'^#end\t' kvsum.out
	grep -q $'^#fanout-partial\t' kvsum.out
	grep -q $'^\\\\back\t' kvsum.out
	grep -Eq $'^big\t[0-9]{21}$' kvsum.out
	grep -Eq $'^negbig\t-[0-9]{21}$' kvsum.out
	[[ $(wc -l <kvsum.err) -gt 1000 && $(wc -l <single.err) -gt 250 ]]
}

@test "merged partials of 1, 2, 4 and 7 pieces run at the same time equal one run (key-value mode)" {
	local ops k
	for ops in "${OPS_LISTS[@]}"; do
		single single -a "$ops" kv.txt
		for k in 1 2 4 7; do
			pieces "$k" kv.txt -a "$ops"
			merge_pieces single.out
			# The pieces report every rejection of the single run.
			pieces_messages kv.txt >pieces.err
			expect_same_file single.err pieces.err
		done
	done
	# The mixed scales really differ between pieces: "rare" has a
	# three-decimal value in some pieces only.
	[[ $(cat piece.??.partial | grep -c $'^rare\t[0-9]*\t0\t') -ge 1 ]]
	[[ $(cat piece.??.partial | grep -c $'^rare\t[0-9]*\t3\t') -ge 1 ]]
}

@test "merged partials of 1, 2, 4 and 7 pieces equal one run (field mode, composite key)" {
	local ops k
	for ops in "${OPS_LISTS[@]}"; do
		single single -k 1,3 -v 2 -a "$ops" fields.txt
		for k in 1 2 4 7; do
			pieces "$k" fields.txt -k 1,3 -v 2 -a "$ops"
			merge_pieces single.out
		done
	done
	pieces_messages fields.txt >pieces.err
	expect_same_file single.err pieces.err
	# Count without a value field.
	"$FANOUT" -k 3,1 -a count fields.txt >single.out 2>/dev/null || true
	[[ -s single.out ]]
	pieces 4 fields.txt -k 3,1 -a count
	merge_pieces single.out
}

# first_order INPUT ARGS...: the keys of one run in order of their first
# accepted record, computed by awk from the accepted records in input order
# (--ordered), one key per line, composite fields joined by TAB.
first_order() {
	local input=$1
	shift
	"$FANOUT" --ordered -q "$@" "$input" 2>/dev/null | "$GAWK" -v kv="$KV" '
		{
			sub(/\r$/, "")
			if (kv) key = substr($0, 1, index($0, ":") - 1)
			else key = $1 "\t" $3
			if (!(key in seen)) { seen[key] = 1; print key }
		}' || true
}

# keys_of FILE: the keys of TSV results of one operation, in their order.
keys_of() {
	"$GAWK" '{ sub(/\t[^\t]*$/, ""); print }' "$1"
}

@test "one run's --sort=first is the order of first accepted records (awk over --ordered output)" {
	KV=1 first_order kv.txt >want
	"$FANOUT" -q --sort=first -a count kv.txt >got.out 2>/dev/null || true
	keys_of got.out >got
	expect_same_file want got
	[[ $(wc -l <want) -gt 30 ]]
	KV= first_order fields.txt -k 1,3 >want
	"$FANOUT" -q --sort=first -k 1,3 -a count fields.txt >got.out 2>/dev/null || true
	keys_of got.out >got
	expect_same_file want got
	# Not simply key order.
	! LC_ALL=C sort -c want 2>/dev/null
}

@test "merged pieces equal one run for every --format, --sort and --top" {
	local mode k format order top args
	for mode in kv fields; do
		if [[ $mode == kv ]]; then
			args=(-a sum,count,min,max,mean)
			input=kv.txt
		else
			args=(-k 1,3 -v 2 -a mean,max,count)
			input=fields.txt
		fi
		for k in 1 3 7; do
			pieces "$k" "$input" "${args[@]}"
			for format in tsv csv json; do
				for order in key value first; do
					for top in "" --top=5; do
						local opts=(--format="$format" --sort="$order" $top)
						[[ $format == json ]] || opts+=(--header)
						single single "${opts[@]}" "${args[@]}" "$input"
						merge_pieces single.out "${opts[@]}" \
							|| fail "$mode, $k pieces: ${opts[*]}"
					done
				done
			done
			# --top alone is --sort=value.
			single single --top=3 "${args[@]}" "$input"
			merge_pieces single.out --top=3
		done
	done
}

@test "combiners over consecutive pieces, merged in order, keep --sort=first" {
	single single --sort=first -a sum,max kv.txt
	pieces 7 kv.txt -a sum,max
	"$FANOUT" --merge --partial piece.0[0-2].partial >c1.txt
	"$FANOUT" --merge --partial piece.0[3-4].partial >c2.txt
	run_to_files --merge --sort=first c1.txt c2.txt piece.05.partial piece.06.partial
	assert_status 0
	expect_same_file single.out out
	# Pieces given out of order are ordered as given: the first appearance
	# of a key is then its first in the pieces' order.
	run_to_files --merge --sort=first piece.06.partial piece.0[0-5].partial
	cat piece.06 piece.0[0-5] >reordered.txt
	"$FANOUT" -q --sort=first -a sum,max reordered.txt >want 2>/dev/null || true
	expect_same_file want out
}

@test "partials concatenated on standard input in any line order merge to the same result" {
	single single -a mean,min,count,max,sum kv.txt
	pieces 7 kv.txt -a mean,min,count,max,sum
	cat piece.??.partial | shuf --random-source=<(yes 1) >shuffled.txt
	# Really shuffled: the first line is not a header.
	[[ $(head -n 1 shuffled.txt) != "#fanout-partial"* ]]
	run_to_files --merge <shuffled.txt
	assert_status 0
	expect_same_file single.out out
	expect_same_file /dev/null err
	# Sorted, as a framework would: the trailers first, then the headers,
	# then the key lines.
	run_to_files --merge < <(cat piece.??.partial | sort)
	assert_status 0
	expect_same_file single.out out
	# Files and standard input together.
	run_to_files --merge piece.00.partial - piece.06.partial < <(cat piece.0[1-5].partial | sort -r)
	assert_status 0
	expect_same_file single.out out
}

@test "the combiner --merge --partial folds key lines and passes headers and trailers through" {
	single single -a sum,max,mean -k 1,3 -v 2 fields.txt
	pieces 7 fields.txt -a sum,max,mean -k 1,3 -v 2
	local s=0
	"$FANOUT" --merge --partial piece.0[0-2].partial >c1.txt || s=$?
	[[ $s == 0 ]]
	cat piece.0[3-6].partial | shuf --random-source=<(yes 2) | "$FANOUT" --merge --partial >c2.txt
	# Three headers and three trailers, as read, and one fold line; one
	# line per key whose eighth field counts the key lines it stands for.
	grep $'^#fanout-partial\t' piece.0[0-2].partial | cut -d: -f2 | sort >want-headers
	grep $'^#fanout-partial\t' c1.txt | sort >got-headers
	expect_same_file want-headers got-headers
	[[ $(wc -l <got-headers) == 3 ]]
	grep $'^#end\t' piece.0[0-2].partial | cut -d: -f2 | sort >want-trailers
	grep $'^#end\t' c1.txt | sort >got-trailers
	expect_same_file want-trailers got-trailers
	[[ $(grep -c $'^#fold\t' c1.txt) == 1 ]]
	local keys lines
	keys=$("$FANOUT" --merge c1.txt | wc -l)
	[[ $(grep -vc '^#' c1.txt) == "$keys" ]]
	lines=$(cat piece.0[0-2].partial | grep -vc '^#')
	[[ $(grep -v '^#' c1.txt | "$GAWK" -F'\t' '{ n += $8 } END { print n }') == "$lines" ]]
	run_to_files --merge c1.txt c2.txt
	assert_status 0
	expect_same_file single.out out
	# Combined partials combine again, mixed with plain ones.
	"$FANOUT" --merge --partial c2.txt piece.00.partial >c3.txt
	run_to_files --merge c3.txt piece.01.partial piece.02.partial
	assert_status 0
	expect_same_file single.out out
	# Combining everything and merging that one partial.
	"$FANOUT" --merge --partial piece.??.partial | "$FANOUT" --merge >out
	expect_same_file single.out out
}

@test "a combiner given any part of the sorted lines (as Hadoop's spills) keeps the final merge exact and checked" {
	single single -a sum,count,min -k 1,3 -v 2 fields.txt
	pieces 4 fields.txt -a sum,count,min -k 1,3 -v 2
	cat piece.??.partial | sort >all.sorted
	split -n l/3 all.sorted spill.
	local f
	for f in spill.a?; do
		"$FANOUT" --merge --partial "$f" >"$f.combined"
	done
	sort spill.a?.combined >reduce.in
	run_to_files --merge reduce.in
	assert_status 0
	expect_same_file single.out out
	# Losing one spill's combined lines is still caught by the final merge.
	sort spill.aa.combined spill.ab.combined >short.in
	run_to_files --merge short.in
	assert_status 2
	expect_file out ''
	grep -q '^fanout: incomplete partial input: ' err
}

@test "--merge with -j, -b, --queue-depth and -q gives the same result" {
	single single -a count,sum kv.txt
	pieces 4 kv.txt -a count,sum
	run_to_files --merge -j 1 -b 1K --queue-depth=1 -q piece.??.partial
	assert_status 0
	expect_same_file single.out out
	expect_same_file /dev/null err
}

# --- --merge errors --------------------------------------------------------

@test "a partial cut in the middle of a line: truncated partial line (no newline)" {
	printf 'a:1\nb:2\nc:3\n' >in.txt
	"$FANOUT" --partial in.txt >p.txt
	head -c $(($(head -n 1 p.txt | wc -c) + 5)) p.txt >cut.txt
	[[ $(wc -l <cut.txt) == 1 ]]
	run_fanout --merge cut.txt
	assert_result 2 "" "fanout: cut.txt:2: truncated partial line (no newline)"
	printf 'a:1\n' | "$FANOUT" --partial >q.txt
	run_fanout --merge q.txt - <cut.txt
	assert_result 2 "" "fanout: -:2: truncated partial line (no newline)"
	# Cut inside the trailer.
	head -c -1 p.txt >cut.txt
	run_fanout --merge cut.txt
	assert_result 2 "" "fanout: cut.txt:5: truncated partial line (no newline)"
}

@test "a partial cut at a line boundary before its trailer: the partial has no trailer" {
	printf 'a:1\nb:2\nc:3\n' >in.txt
	"$FANOUT" --partial in.txt >p.txt
	"$FANOUT" --partial in.txt >q.txt
	head -n 3 p.txt >cut.txt
	run_fanout --merge cut.txt
	assert_result 2 "" "fanout: incomplete partial input: the partial at cut.txt:1 has no trailer"
	head -n 3 q.txt >cut.txt
	run_fanout --merge p.txt cut.txt
	assert_result 2 "" "fanout: incomplete partial input: the partial at cut.txt:1 has no trailer"
	# Only the header left.
	head -n 1 q.txt >cut.txt
	run_fanout --merge p.txt cut.txt
	assert_result 2 "" "fanout: incomplete partial input: the partial at cut.txt:1 has no trailer"
	# Only the trailer left.
	tail -n 1 q.txt >cut.txt
	run_fanout --merge p.txt cut.txt
	assert_result 2 "" "fanout: incomplete partial input: the trailer at cut.txt:1 has no header"
}

@test "key lines lost or added while the trailers remain: the trailers count N key lines, but M were read" {
	printf 'a:1\nb:2\nc:3\n' >in.txt
	"$FANOUT" --partial in.txt >p.txt
	"$FANOUT" --partial in.txt >q.txt
	sed 3d p.txt >lost.txt
	run_fanout --merge lost.txt
	assert_result 2 "" "fanout: incomplete partial input: the trailers count 3 key lines, but 2 were read"
	sed 3d q.txt >lost.txt
	run_fanout --merge p.txt lost.txt
	assert_result 2 "" "fanout: incomplete partial input: the trailers count 6 key lines, but 5 were read"
	sed 2p p.txt >added.txt
	run_fanout --merge added.txt
	assert_result 2 "" "fanout: incomplete partial input: the trailers count 3 key lines, but 4 were read"
	# A whole partial missing cannot be seen: the headers and trailers of
	# the others still agree.  That is why the status of every piece must
	# be checked (the examples do).
	printf 'a:10\n' | "$FANOUT" --partial >lost-piece.txt
	run_fanout --merge p.txt
	assert_result 0 "$(text $'a\t1' $'b\t2' $'c\t3')" ""
}

@test "an unknown partial format version" {
	printf 'a:1\n' | "$FANOUT" --partial >p.txt
	sed '1s/\t7\t/\t8\t/' p.txt >v8.txt
	run_fanout --merge v8.txt
	assert_result 2 "" "fanout: v8.txt:1: unknown partial format version '8'"
	# Versions 1 and 2 had no identities or checks, version 3 no count
	# of records without a value, version 4 no further per-key state,
	# version 5 no percentile or distinct-count state and version 6 an
	# accumulator for a field only percentiles read; they are refused by
	# name.
	sed '1s/\t7\t/\t6\t/' p.txt >v6.txt
	run_fanout --merge v6.txt
	assert_result 2 "" "fanout: v6.txt:1: partial format version 6 is no longer read; make the partials again with this fanout"
	sed '1s/\t7\t/\t5\t/' p.txt >v5.txt
	run_fanout --merge v5.txt
	assert_result 2 "" "fanout: v5.txt:1: partial format version 5 is no longer read; make the partials again with this fanout"
	sed '1s/\t7\t/\t4\t/' p.txt >v4.txt
	run_fanout --merge v4.txt
	assert_result 2 "" "fanout: v4.txt:1: partial format version 4 is no longer read; make the partials again with this fanout"
	sed '1s/\t7\t/\t3\t/' p.txt >v3.txt
	run_fanout --merge v3.txt
	assert_result 2 "" "fanout: v3.txt:1: partial format version 3 is no longer read; make the partials again with this fanout"
	printf '#fanout-partial\t1\tsum\t1\na\t1\t0\t1\t0\t-\t-\t1\n#end\t1\n' >v1.txt
	run_fanout --merge v1.txt
	assert_result 2 "" "fanout: v1.txt:1: partial format version 1 is no longer read; make the partials again with this fanout"
	printf '#fanout-partial\t2\tsum\t1\na\t1\t0\t1\t0\t-\t-\t1\t0\n#end\t1\n' >v2.txt
	run_fanout --merge p.txt v2.txt
	assert_result 2 "" "fanout: v2.txt:1: partial format version 2 is no longer read; make the partials again with this fanout"
	sed '1s/\t7\t/\tv1.0\t/' p.txt >v.txt
	run_fanout --merge p.txt v.txt
	assert_result 2 "" "fanout: v.txt:1: unknown partial format version 'v1.0'"
}

@test "corrupted key lines: malformed partial line with what is wrong" {
	printf 'a:1\nb:-2.5\n' | "$FANOUT" --partial -a min,max >p.txt
	run_exact python3 "$PARTIALS_PY" open p.txt
	assert_stdout "$(text \
		$'#fanout-partial\t7\tID\taggregate=min,max\t'"$KV_SETTINGS" \
		$'a\t1\t0\t1\t0\t1\t1\t1\t0\t0' \
		$'b\t1\t1\t0\t25\t-25\t-25\t1\t1\t0' \
		$'#end\tID\t2\tSUM')"
	# corrupt LINE MESSAGE: bad.txt is a partial whose only key line is
	# LINE, written by partials.py with a right check; merging it prints
	# "malformed partial line: MESSAGE".
	corrupt() {
		printf '%s\n' "$1" | python3 "$PARTIALS_PY" craft aggregate=min,max delimiter=: 'terminator=\n' max-record=67108864 >bad.txt
		run_fanout --merge p.txt bad.txt
		assert_result 2 "" "fanout: bad.txt:2: malformed partial line: $2"
	}
	corrupt $'a\tx\t0\t1\t0\t1\t1\t1\t0\t0' "bad count"
	corrupt $'a\t0\t0\t1\t0\t1\t1\t1\t0\t0' "bad count"
	corrupt $'a\t-1\t0\t1\t0\t1\t1\t1\t0\t0' "bad count"
	corrupt $'a\t1\t39\t1\t0\t1\t1\t1\t0\t0' "bad scale"
	corrupt $'a\t1\t\t1\t0\t1\t1\t1\t0\t0' "bad scale"
	corrupt $'a\t1\t0\t1.0\t0\t1\t1\t1\t0\t0' "bad total"
	corrupt $'a\t1\t0\t1\t-1\t1\t1\t1\t0\t0' "bad total"
	corrupt $'a\t1\t0\t340282366920938463463374607431768211456\t0\t1\t1\t1\t0\t0' "bad total"
	corrupt $'a\t1\t0\t1\t0\t1\tx\t1\t0\t0' "bad minimum or maximum"
	corrupt $'a\t1\t0\t1\t0\t2\t1\t1\t0\t0' "bad minimum or maximum"
	corrupt $'a\\q\t1\t0\t1\t0\t1\t1\t1\t0\t0' "bad key"
	corrupt $'a\\\t1\t0\t1\t0\t1\t1\t1\t0\t0' "bad key"
	corrupt $'x\\#a\t1\t0\t1\t0\t1\t1\t1\t0\t0' "bad key"
	corrupt $'\t1\t0\t1\t0\t1\t1\t1\t0\t0' "bad key"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t0\t0\t0' "bad line count"
	corrupt $'a\t1\t0\t1\t0\t1\t1\tx\t0\t0' "bad line count"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t2\t0\t0' "bad line count"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t1\tx\t0' "bad first position"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t1\t-1\t0' "bad first position"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t1\t4294967295\t0' "bad first position"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t1\t\t0' "bad first position"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t1\t0\tx' "bad missing count"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t1\t0\t-1' "bad missing count"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t1\t0\t' "bad missing count"
	corrupt $'a\t1\t0\t1\t0\t1\t1\t1\t0\t18446744073709551616' "bad missing count"
	# A key whose records all lacked a value (--na) has no total.
	corrupt $'a\t0\t0\t1\t0\t0\t0\t1\t0\t2' "bad total"
	corrupt $'a\t0\t0\t0\t0\t0\t0\t3\t0\t2' "bad line count"
	# The number of fields, and the check itself.
	corrupt_sealed() {
		{ head -n 1 p.txt; printf '%s\n' "$1"; tail -n 2 p.txt; } >bad.txt
		run_fanout --merge bad.txt
		assert_result 2 "" "fanout: bad.txt:2: $2"
	}
	corrupt_sealed $'a\t1\t0\t1\t0\t1\t1\t1\t0\t0\t0000000000000000' "checksum mismatch"
	corrupt_sealed $'a\t1\t0\t1\t0\t1\t1\t1\t0\t0' "malformed partial line: no checksum"
	corrupt_sealed $'a\t1\t0\t1\t0\t1\t1\t1\t0\t0\t0123456789ABCDEF' "malformed partial line: no checksum"
	corrupt_sealed "$(printf 'a\t1\t0\t1\t0\t1\t1\t1\t0\n' | python3 "$PARTIALS_PY" seal)" "malformed partial line: expected 11 fields"
	# A key line without extremes in a partial made with min or max.
	printf 'a\t1\t0\t1\t0\t-\t-\t1\t0\t0\n' | python3 "$PARTIALS_PY" craft aggregate=min,max delimiter=: 'terminator=\n' max-record=67108864 >bad.txt
	run_fanout --merge bad.txt
	assert_result 2 "" "fanout: malformed partial input: minimum and maximum do not match the operations"
}

@test "partials made with different options cannot be merged" {
	printf 'a b 1\n' >in.txt
	"$FANOUT" --partial -k 1 -v 3 in.txt >sum.txt
	"$FANOUT" --partial -k 1 -v 3 in.txt >sum2.txt
	"$FANOUT" --partial -k 1 -v 3 -a count in.txt >count.txt
	"$FANOUT" --partial -k 1 -v 3 -a sum,count in.txt >sumcount.txt
	"$FANOUT" --partial -k 1 -v 3 -a count,sum in.txt >countsum.txt
	"$FANOUT" --partial -k 1,2 -v 3 in.txt >twokeys.txt
	run_fanout --merge sum.txt count.txt
	assert_result 2 "" "fanout: count.txt:1: partials made with different options cannot be merged (first partial at sum.txt:1)"
	run_fanout --merge sumcount.txt countsum.txt
	assert_result 2 "" "fanout: countsum.txt:1: partials made with different options cannot be merged (first partial at sumcount.txt:1)"
	run_fanout --merge sum.txt twokeys.txt
	assert_result 2 "" "fanout: twokeys.txt:1: partials made with different options cannot be merged (first partial at sum.txt:1)"
	run_fanout --merge < <(cat sum.txt sum2.txt count.txt)
	assert_result 2 "" "fanout: -:7: partials made with different options cannot be merged (first partial at -:1)"
	# A key-value partial and a one-field field-mode partial count
	# different things.
	printf 'a:2\n' | "$FANOUT" --partial >kv.txt
	run_fanout --merge sum.txt kv.txt
	assert_result 2 "" "fanout: kv.txt:1: partials made with different options cannot be merged (first partial at sum.txt:1)"
}

@test "input without any partial header: no partial aggregates in the input" {
	run_fanout --merge </dev/null
	assert_result 2 "" "fanout: no partial aggregates in the input"
	: >empty.txt
	run_fanout --merge empty.txt empty.txt
	assert_result 2 "" "fanout: no partial aggregates in the input"
	printf 'a:1\n' | "$FANOUT" --partial | sed 1d >headless.txt
	run_fanout --merge headless.txt
	assert_result 2 "" "fanout: no partial aggregates in the input"
	# Plain results are not partials.
	printf 'a:1\n' | "$FANOUT" >result.txt
	run_fanout --merge result.txt
	assert_result 2 "" "fanout: result.txt:1: malformed partial line: no checksum"
}

@test "--merge reports a missing partial file and prints nothing" {
	printf 'a:1\n' | "$FANOUT" --partial >p.txt
	run_fanout --merge p.txt nope.txt
	assert_result 2 "" "fanout: nope.txt: No such file or directory"
}

@test "options that make no sense with --merge are usage errors" {
	expect_usage_error "--aggregate cannot be used with --merge" --merge -a sum
	expect_usage_error "--aggregate cannot be used with --merge" --merge --aggregate=count
	expect_usage_error "--above cannot be used with --merge" --merge --above=0
	expect_usage_error "--below cannot be used with --merge" --merge --below=0
	expect_usage_error "--min cannot be used with --merge" --merge --min=0
	expect_usage_error "--max cannot be used with --merge" --merge --max=0
	expect_usage_error "--key cannot be used with --merge" --merge -k 1
	expect_usage_error "--value cannot be used with --merge" --merge -v 2
	expect_usage_error "--field-separator cannot be used with --merge" --merge -t ,
	expect_usage_error "--delimiter cannot be used with --merge" --merge -d ,
	expect_usage_error "--null-data cannot be used with --merge" --merge -z
	expect_usage_error "--key-match cannot be used with --merge" --merge -m a
	expect_usage_error "--rejects cannot be used with --merge" --merge --rejects=r.txt
	expect_usage_error "--max-errors cannot be used with --merge" --merge -e 1
	expect_usage_error "--max-record cannot be used with --merge" --merge --max-record=1K
	expect_usage_error "--ordered cannot be used with --merge" --merge --ordered
	expect_usage_error "--unordered cannot be used with --merge" --merge -u
	expect_usage_error "--aggregate cannot be used with --merge" -a sum --merge
	[[ ! -e r.txt ]]
}

@test "--partial cannot be used with --ordered or --unordered" {
	expect_usage_error "--partial cannot be used with --ordered or --unordered" --partial --ordered
	expect_usage_error "--partial cannot be used with --ordered or --unordered" -u --partial
}

# --- GNU parallel and the examples -------------------------------------------

@test "GNU parallel --pipepart: pieces of 100k merge to one run's result" {
	require_gnu_parallel
	single single -a sum,count,min,max,mean kv.txt
	local s=0
	parallel --will-cite -q --pipepart --block 100k -a kv.txt \
		"$FANOUT" --partial -a sum,count,min,max,mean >partials.txt 2>parallel.err || s=$?
	# parallel exits with the number of pieces that failed: here all, with
	# status 1, since every piece has rejected records.
	local n
	n=$(grep -c '^#fanout-partial' partials.txt)
	[[ $n -ge 5 && $s == "$n" ]] || fail "$n pieces, parallel status $s"
	[[ $(grep -c '^fanout: -:[0-9]*: ' parallel.err) == $(($(wc -l <single.err) - 1)) ]]
	run_to_files --merge partials.txt
	assert_status 0
	expect_same_file single.out out
	expect_same_file /dev/null err
	# And as one pipeline.
	parallel --will-cite -q --pipepart --block 100k -a kv.txt \
		"$FANOUT" --partial -a sum,count,min,max,mean 2>/dev/null | "$FANOUT" --merge >out || true
	expect_same_file single.out out
}

@test "GNU parallel -j 4 --block -1 and small blocks: several pieces, same result" {
	require_gnu_parallel
	single single -k 1,3 -v 2 -a max,mean fields.txt
	parallel --will-cite -q -j 4 --block -1 --pipepart -a fields.txt \
		"$FANOUT" --partial -k 1,3 -v 2 -a max,mean >partials.txt 2>/dev/null || true
	[[ $(grep -c '^#fanout-partial' partials.txt) -ge 4 ]]
	run_to_files --merge partials.txt
	assert_status 0
	expect_same_file single.out out
	parallel --will-cite -q -j 3 --block 20k --pipepart -a fields.txt \
		"$FANOUT" --partial -k 1,3 -v 2 -a max,mean 2>/dev/null >partials.txt || true
	[[ $(grep -c '^#fanout-partial' partials.txt) -ge 10 ]]
	run_to_files --merge partials.txt
	assert_status 0
	expect_same_file single.out out
}

@test "examples/parallel-multihost.sh --local equals one run, and fails when a piece fails" {
	require_gnu_parallel
	single single -a sum,mean kv.txt
	FANOUT=$FANOUT BLOCK=100k run_exact "$EXAMPLES_DIR/parallel-multihost.sh" --local kv.txt -a sum,mean
	assert_status 0
	assert_stdout "$(cat single.out)"
	# Every rejection is reported, by its piece.
	[[ $(grep -c '^fanout: -:[0-9]*: ' <<<"$stderr") == $(($(wc -l <single.err) - 1)) ]]
	# Options with shell metacharacters reach fanout unchanged.
	"$FANOUT" '--key-match=^(k1|a b)$' -a count kv.txt >single.out 2>/dev/null || true
	FANOUT=$FANOUT BLOCK=100k run_exact "$EXAMPLES_DIR/parallel-multihost.sh" --local kv.txt '--key-match=^(k1|a b)$' -a count
	assert_status 0
	assert_stdout "$(cat single.out)"
	[[ ${#lines[@]} == 2 ]]
	# A piece that stops (status 2) prints no partial: no totals at all.
	FANOUT=$FANOUT BLOCK=100k run_exact "$EXAMPLES_DIR/parallel-multihost.sh" --local kv.txt --max-errors=0
	assert_status 2
	assert_stdout ""
	[[ ${stderr_lines[-1]} == "parallel-multihost.sh: a piece failed"* ]]
}

@test "examples/hadoop-streaming.sh simulate equals one run" {
	single single -a min,sum,count kv.txt
	FANOUT=$FANOUT MAPS=4 run_exact "$EXAMPLES_DIR/hadoop-streaming.sh" simulate kv.txt -a min,sum,count
	assert_status 0
	assert_stdout "$(cat single.out)"
	[[ $(grep -Ec 'rejected(, [0-9]+ skipped)?$' <<<"$stderr") == 4 ]]
	single single -k 1,3 -v 2 -a mean fields.txt
	FANOUT=$FANOUT MAPS=7 run_exact "$EXAMPLES_DIR/hadoop-streaming.sh" simulate fields.txt -k 1,3 -v 2 -a mean
	assert_status 0
	assert_stdout "$(cat single.out)"
	# A map task that fails fails the job.
	FANOUT=$FANOUT run_exact "$EXAMPLES_DIR/hadoop-streaming.sh" simulate kv.txt -e 0
	assert_status 2
	assert_stdout ""
	[[ ${stderr_lines[-1]} == "hadoop-streaming.sh: a map task failed; no result" ]]
}

@test "examples/hadoop-streaming.sh run: the job's command line works on a stand-in for hadoop" {
	# A stand-in for "hadoop jar": runs a streaming job's commands on three
	# splits of a local -input, in a task directory holding the -files,
	# splitting command strings at blanks as Hadoop does.
	mkdir bin
	cat >bin/hadoop <<'SH'
#!/usr/bin/env bash
set -eu -o pipefail
[ "$1" = jar ] && [ -f "$2" ]
shift 2
while [ $# -gt 0 ]; do
	case $1 in
	-D) ;;
	-files) files=$2 ;;
	-numReduceTasks) reduces=$2 ;;
	-input) input=$2 ;;
	-output) output=$2 ;;
	-mapper) read -ra mapper <<<"$2" ;;
	-combiner) read -ra combiner <<<"$2" ;;
	-reducer) read -ra reducer <<<"$2" ;;
	*) echo "hadoop stand-in: unexpected $1" >&2; exit 9 ;;
	esac
	shift 2
done
[ "$reduces" = 1 ] || { echo "hadoop stand-in: $reduces reducers" >&2; exit 9; }
[ ! -e "$output" ] || { echo "hadoop stand-in: $output exists" >&2; exit 9; }
mkdir "$output" task
IFS=, read -ra shipped <<<"$files"
cp "${shipped[@]}" task/
split -n l/3 "$input" task/split.
cd task
for s in split.*; do
	"${mapper[@]}" <"$s" | LC_ALL=C sort -t "$(printf '\t')" -k 1,1 | "${combiner[@]}" >"$s.map"
done
cat split.*.map | LC_ALL=C sort | "${reducer[@]}" >"../$output/part-00000"
SH
	chmod +x bin/hadoop
	touch streaming.jar
	single single -a sum,max kv.txt
	PATH=$PWD/bin:$PATH FANOUT=$FANOUT HADOOP_STREAMING_JAR=$PWD/streaming.jar \
		run_exact "$EXAMPLES_DIR/hadoop-streaming.sh" run kv.txt result -a sum,max
	assert_status 0
	expect_same_file single.out result/part-00000
}

@test "--na and blank lines: merged partials of 1, 3 and 5 pieces equal one run, in every format" {
	"$GAWK" 'BEGIN {
		srand(41)
		for (i = 1; i <= 20000; i++) {
			r = rand(); k = "k" int(rand() * 40); v = int(rand() * 2001) - 1000
			if (r < 0.05) print ""
			else if (r < 0.15) print k ":NA"
			else if (r < 0.18) print k ":" (rand() < 0.5 ? "" : "-")
			else if (r < 0.19) print "bad" i
			else if (r < 0.195) print "none" int(rand() * 3) ":NA"
			else print k ":" v "." int(rand() * 10)
		}
	}' >na.txt
	local k format
	for format in tsv csv json; do
		single "one-$format" --na -a count,sum,mean,min,max --format="$format" na.txt
	done
	# A key with records but no value: empty fields, or null.
	grep -q $'^none0\t[0-9]*\t\t\t\t$' one-tsv.out
	grep -q '"key":"none0","count":[0-9]*,"sum":null,"mean":null' one-json.out
	for k in 1 3 5; do
		pieces "$k" na.txt --na -a count,sum,mean,min,max
		for format in tsv csv json; do
			merge_pieces "one-$format.out" --format="$format"
		done
		pieces_messages na.txt >pieces.err
		expect_same_file one-tsv.err pieces.err
	done
	# The counts and sums against awk, NA, - and empty left out.
	"$GAWK" -F: 'NF > 1 { n[$1]++; if ($2 != "NA" && $2 != "-" && $2 != "") { s[$1] += $2 * 10; c[$1]++ } }
		END { for (k in n) printf "%s\t%d\t%s\n", k, n[k], c[k] ? sprintf("%.1f", s[k] / 10) : "" }' na.txt |
		LC_ALL=C sort >expected
	cut -f 1-3 one-tsv.out >actual
	expect_same_file expected actual
}
