#!/usr/bin/env bats
# Determinism: stdout, stderr and the rejects file are byte-for-byte the same
# whatever --jobs, --queue-depth and --batch.  The --jobs=1 run is the
# reference; it is itself checked against an independent awk model of the
# specification over the same generated input.

load test_helper

# Options for the key-value runs: two bounds and a key pattern, so that every
# kind of rejection occurs in the generated input.
KV_OPTS=(--min=-950 --max=950 '--key-match=^k[0-9]')

# gen_kv SEED N CR_RATE: N key-value records; about 2.5% are rejected
# (missing delimiter, empty key, missing value, invalid number,
# too many digits, key not matching), about 5% of the rest are out of bounds.
gen_kv() {
	"$GAWK" -v seed="$1" -v n="$2" -v crrate="$3" 'BEGIN {
		srand(seed)
		for (i = 1; i <= n; i++) {
			key = "k" int(rand() * 60)
			v = int(rand() * 2001) - 1000
			if (rand() < 0.25)
				val = sprintf("%s%d.%02d", (v < 0 ? "-" : ""), (v < 0 ? -v : v), int(rand() * 100))
			else
				val = v
			r = rand()
			if (r < 0.004) line = key " " val
			else if (r < 0.005) line = ""
			else if (r < 0.008) line = ":" val
			else if (r < 0.009) line = key ":"
			else if (r < 0.010) line = key ": \t "
			else if (r < 0.013) line = key ":" val "x"
			else if (r < 0.014) line = key ":1234567890123456789012345678901234567890"
			else if (r < 0.016) line = "x" substr(key, 2) ":" val
			else if (r < 0.10) line = key ": " val "\t"
			else if (r < 0.11 && v >= 0) line = key ":+" val
			else line = key ":" val
			if (rand() < crrate) line = line "\r"
			print line
		}
	}'
}

# The awk model of key-value mode (tests/kv-model.awk) with the options
# the runs below use: --min=-950 --max=950 --key-match=^k[0-9]
# --aggregate=sum,count,min,max.
# kv_model INPUT PREFIX [awk -v assignments...]: run the model, sort .out.
kv_model() {
	local input=$1 prefix=$2
	shift 2
	"$GAWK" -v out="$prefix" -v name="$input" -v min=-950 -v max=950 "$@" \
		-f "$FANOUT_SOURCE_DIR/tests/kv-model.awk" "$input"
	sort "$prefix.unsorted" >"$prefix.out"
}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	gen_kv 20240601 200000 0.01 >big.txt
	gen_kv 777 5000 0.01 >small.txt
	gen_kv 4711 20000 0 | tr '\n' '\0' >nul.txt
	kv_model big.txt big-model
	kv_model small.txt small-model
	kv_model nul.txt nul-model -v nul=1
	kv_model big.txt big-stop-model -v maxerr=500
}

setup() {
	cd "$BATS_FILE_TMPDIR" || return 1
	T=$BATS_TEST_TMPDIR
}

# fan NAME ARGS...: run fanout ARGS --rejects=$T/NAME.rej with stdout, stderr
# and exit status in $T/NAME.out, .err, .status.
fan() {
	local name=$1 st=0
	shift
	"$FANOUT" "$@" --rejects="$T/$name.rej" >"$T/$name.out" 2>"$T/$name.err" || st=$?
	echo "$st" >"$T/$name.status"
}

# same_as REF NAME [EXTS...]: the run NAME produced the same files as REF.
same_as() {
	local ref=$1 name=$2 ext exts
	shift 2
	exts=${*:-status out err rej}
	for ext in $exts; do
		expect_same_file "$ref.$ext" "$T/$name.$ext"
	done
}

# model_matches MODEL NAME STATUS: the run NAME matches the awk model.
model_matches() {
	[[ $(cat "$T/$2.status") == "$3" ]] || fail "exit status $(cat "$T/$2.status"), expected $3" "$(head -5 "$T/$2.err")"
	expect_same_file "$1.out" "$T/$2.out"
	expect_same_file "$1.err" "$T/$2.err"
	expect_same_file "$1.rej" "$T/$2.rej"
}

@test "the --jobs=1 run matches the awk model: sums, counts, min, max, messages and rejects" {
	# the input really is large and has rejections of every kind
	[[ $(wc -l <big.txt) == 200000 ]]
	local kind
	for kind in "missing delimiter" "empty key" "missing value" "invalid number" "too many digits" \
		"is below minimum" "is above maximum" "does not match"; do
		[[ $(grep -c "$kind" big-model.err) -gt 20 ]] || fail "too few '$kind' rejections in the model"
	done
	[[ $(grep -c $'\r' big-model.rej) -gt 20 ]] || fail "too few CRLF rejected records"
	fan j1 --jobs=1 "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	model_matches big-model j1 1
}

@test "--jobs 2, 3 and 8 give the same stdout, stderr and rejects file as --jobs 1" {
	fan j1 --jobs=1 "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	model_matches big-model j1 1
	for j in 2 3 8; do
		fan "j$j" --jobs=$j "${KV_OPTS[@]}" -a sum,count,min,max big.txt
		same_as "$T/j1" "j$j"
	done
}

@test "--batch 64, 4K, 64K and 4M give the same results as the single-worker run" {
	fan j1 --jobs=1 "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	model_matches big-model j1 1
	for b in 64 4K 64K 4M; do
		fan "b$b" --jobs=3 --batch=$b "${KV_OPTS[@]}" -a sum,count,min,max big.txt
		same_as "$T/j1" "b$b"
	done
	fan j8b4K --jobs=8 --batch=4K "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	same_as "$T/j1" j8b4K
}

@test "--queue-depth 1 and 64 give the same results as the single-worker run" {
	fan j1 --jobs=1 "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	model_matches big-model j1 1
	for q in 1 64; do
		fan "q$q" --jobs=8 --queue-depth=$q --batch=16K "${KV_OPTS[@]}" -a sum,count,min,max big.txt
		same_as "$T/j1" "q$q"
	done
}

@test "--batch 1 gives the same results for 1 and 4 jobs (5,000 records)" {
	fan j1 --jobs=1 "${KV_OPTS[@]}" -a sum,count,min,max small.txt
	model_matches small-model j1 1
	fan j1b1 --jobs=1 --batch=1 "${KV_OPTS[@]}" -a sum,count,min,max small.txt
	same_as "$T/j1" j1b1
	fan j4b1 --jobs=4 --batch=1 "${KV_OPTS[@]}" -a sum,count,min,max small.txt
	same_as "$T/j1" j4b1
}

@test "--batch 1 on the 200,000-record input gives the same results as the single-worker run" {
	fan j1 --jobs=1 "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	model_matches big-model j1 1
	fan j2b1 --jobs=2 --batch=1 "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	same_as "$T/j1" j2b1
}

@test "--ordered output is the same for every --jobs and --batch and matches the awk model" {
	fan j1 --jobs=1 --ordered "${KV_OPTS[@]}" big.txt
	[[ $(cat "$T/j1.status") == 1 ]]
	expect_same_file big-model.ord "$T/j1.out"
	expect_same_file big-model.err "$T/j1.err"
	expect_same_file big-model.rej "$T/j1.rej"
	fan j8 --jobs=8 --ordered "${KV_OPTS[@]}" big.txt
	same_as "$T/j1" j8
	fan j3b64 --jobs=3 --batch=64 --ordered "${KV_OPTS[@]}" big.txt
	same_as "$T/j1" j3b64
	fan j8b4K --jobs=8 --batch=4K --queue-depth=3 --ordered "${KV_OPTS[@]}" big.txt
	same_as "$T/j1" j8b4K
}

@test "--unordered writes the same set of records, with stderr and rejects identical to --jobs 1" {
	fan j1 --jobs=1 --unordered "${KV_OPTS[@]}" big.txt
	sort big-model.ord >"$T/model.sorted"
	sort "$T/j1.out" >"$T/j1.sorted"
	expect_same_file "$T/model.sorted" "$T/j1.sorted"
	expect_same_file big-model.err "$T/j1.err"
	expect_same_file big-model.rej "$T/j1.rej"
	for run in "--jobs=8 --batch=4K" "--jobs=3 --batch=64K"; do
		# shellcheck disable=SC2086
		fan u $run --unordered "${KV_OPTS[@]}" big.txt
		same_as "$T/j1" u "status err rej"
		sort "$T/u.out" >"$T/u.sorted"
		expect_same_file "$T/j1.sorted" "$T/u.sorted"
	done
}

@test "--max-errors stops at the same record whatever --jobs and --batch (checked with awk)" {
	fan j1 --jobs=1 --max-errors=500 "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	model_matches big-stop-model j1 2
	[[ ! -s "$T/j1.out" ]]
	for run in "--jobs=2" "--jobs=8 --batch=4K" "--jobs=3 --batch=64"; do
		# shellcheck disable=SC2086
		fan s $run --max-errors=500 "${KV_OPTS[@]}" -a sum,count,min,max big.txt
		same_as "$T/j1" s
	done
}

@test "--max-errors in ordered mode writes the same prefix whatever --jobs and --batch" {
	fan j1 --jobs=1 --ordered --max-errors=500 "${KV_OPTS[@]}" big.txt
	[[ $(cat "$T/j1.status") == 2 ]]
	expect_same_file big-stop-model.ord "$T/j1.out"
	# In ordered mode the summary counts the bytes of the model's prefix.
	{
		head -n -1 big-stop-model.err
		tail -n 1 big-stop-model.err | sed "s/; 0 bytes/; $(wc -c <big-stop-model.ord) bytes/"
	} >"$T/ordered-stop.err"
	expect_same_file "$T/ordered-stop.err" "$T/j1.err"
	expect_same_file big-stop-model.rej "$T/j1.rej"
	for run in "--jobs=8 --batch=4K" "--jobs=3 --batch=64"; do
		# shellcheck disable=SC2086
		fan s $run --ordered --max-errors=500 "${KV_OPTS[@]}" big.txt
		same_as "$T/j1" s
	done
}

@test "--quiet gives the same summary whatever --jobs and --batch" {
	fan j1 --jobs=1 --quiet "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	[[ $(cat "$T/j1.status") == 1 ]]
	expect_same_file big-model.out "$T/j1.out"
	tail -n 1 big-model.err >"$T/summary"
	expect_same_file "$T/summary" "$T/j1.err"
	fan j8 --jobs=8 --batch=8K --quiet "${KV_OPTS[@]}" -a sum,count,min,max big.txt
	same_as "$T/j1" j8
}

@test "--null-data input gives the same results for every --jobs and --batch (checked with awk)" {
	fan j1 --jobs=1 -z "${KV_OPTS[@]}" -a sum,count,min,max nul.txt
	model_matches nul-model j1 1
	for run in "--jobs=4 --batch=1K" "--jobs=2 --batch=7"; do
		# shellcheck disable=SC2086
		fan z $run -z "${KV_OPTS[@]}" -a sum,count,min,max nul.txt
		same_as "$T/j1" z
	done
}

@test "field mode with a composite key gives the same results for every --jobs and --batch (checked with awk)" {
	"$GAWK" 'BEGIN {
		srand(99)
		for (i = 1; i <= 100000; i++) {
			r = rand()
			k1 = "h" int(rand() * 12); k3 = "m" int(rand() * 7); v = int(rand() * 201) - 100
			if (r < 0.005) print ""
			else if (r < 0.01) print k1
			else if (r < 0.015) print "  " k1 " " v
			else if (r < 0.025) print k1 " abc " k3
			else if (r < 0.5) print k1 "\t" v " " k3
			else print "  " k1 "   " v "\t\t" k3 "  x y"
		}
	}' >fields.txt
	"$GAWK" -v out="$T/fmodel" '
		{ n++ }
		NF < 1 { b++; next }
		NF < 2 { printf "fanout: fields.txt:%d: missing field 2\n", n > (out ".err"); r++; print > (out ".rej"); next }
		NF < 3 { printf "fanout: fields.txt:%d: missing field 3\n", n > (out ".err"); r++; print > (out ".rej"); next }
		$2 !~ /^[+-]?[0-9]+$/ { printf "fanout: fields.txt:%d: invalid number '"'"'%s'"'"'\n", n, $2 > (out ".err"); r++; print > (out ".rej"); next }
		{ s[$1 "\t" $3] += $2; c[$1 "\t" $3]++ }
		END {
			printf "fanout: %d records read, %d accepted, %d rejected, %d skipped\n", n, n - r - b, r, b > (out ".err")
			for (k in s) printf "%s\t%d\t%d\n", k, s[k], c[k] > (out ".unsorted")
		}' fields.txt
	sort "$T/fmodel.unsorted" >"$T/fmodel.out"
	fan j1 --jobs=1 --key=1,3 --value=2 -a sum,count fields.txt
	model_matches "$T/fmodel" j1 1
	for run in "--jobs=8 --batch=64K" "--jobs=3 --batch=1K" "--jobs=2 --batch=50"; do
		# shellcheck disable=SC2086
		fan f $run --key=1,3 --value=2 -a sum,count fields.txt
		same_as "$T/j1" f
	done
}

@test "--na and blank lines give the same results for every --jobs and --batch (checked with awk)" {
	"$GAWK" 'BEGIN {
		srand(31)
		for (i = 1; i <= 30000; i++) {
			r = rand(); k = "k" int(rand() * 50); v = int(rand() * 2001) - 1000
			if (r < 0.05) print ""
			else if (r < 0.07) print "  \t"
			else if (r < 0.15) print k ":NA"
			else if (r < 0.18) print k ":"
			else if (r < 0.20) print k ": - \r"
			else if (r < 0.21) print "bad" i
			else if (r < 0.215) print "none" int(rand() * 3) ":NA"
			else print k ":" v
		}
	}' >na.txt
	# The model: blank lines skipped, lines without ':' rejected, NA, -
	# and empty values counted but not summed; a key without values has
	# empty fields.
	"$GAWK" -v out="$T/na-model" '
		{ n++; line = $0; sub(/\r$/, "", line) }
		line ~ /^[ \t]*$/ { skipped++; next }
		index(line, ":") == 0 { printf "fanout: na.txt:%d: missing delimiter '"':'"'\n", n > (out ".err"); print > (out ".rej"); r++; next }
		{
			print > (out ".ord")
			p = index(line, ":"); key = substr(line, 1, p - 1); v = substr(line, p + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", v)
			cnt[key]++
			if (v == "NA" || v == "-" || v == "") next
			if (!(key in vals) || v + 0 < mn[key]) mn[key] = v + 0
			if (!(key in vals) || v + 0 > mx[key]) mx[key] = v + 0
			vals[key]++; sum[key] += v
		}
		END {
			printf "fanout: %d records read, %d accepted, %d rejected, %d skipped\n", n, n - r - skipped, r, skipped > (out ".err")
			for (k in cnt)
				if (k in vals) printf "%s\t%d\t%d\t%d\t%d\n", k, cnt[k], sum[k], mn[k], mx[k] > (out ".unsorted")
				else printf "%s\t%d\t\t\t\n", k, cnt[k] > (out ".unsorted")
		}' na.txt
	LC_ALL=C sort "$T/na-model.unsorted" >"$T/na-model.out"
	fan j1 --jobs=1 --na -a count,sum,min,max na.txt
	model_matches "$T/na-model" j1 1
	for run in "--jobs=2 --batch=64" "--jobs=4 --batch=4K" "--jobs=3 --batch=1"; do
		# shellcheck disable=SC2086
		fan na $run --na -a count,sum,min,max na.txt
		same_as "$T/j1" na
	done
	fan o1 --jobs=1 --na --ordered na.txt
	expect_same_file "$T/na-model.ord" "$T/o1.out"
	fan o4 --jobs=4 --batch=100 --na --ordered na.txt
	same_as "$T/o1" o4
}
