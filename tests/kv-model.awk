# kv-model.awk: an awk model of fanout in key-value mode with
# --min=MIN --max=MAX --key-match=^k[0-9] --aggregate=sum,count,min,max,
# for the generated inputs of tests/determinism.bats and tests/stress.sh:
# values with at most 2 decimals, kept in hundredths.
#
#   gawk -v out=PREFIX -v name=FILE -v min=MIN -v max=MAX
#        [-v maxerr=N] [-v nul=1] -f kv-model.awk FILE
#
# writes PREFIX.unsorted (aggregate lines, unsorted), .err, .rej and .ord
# (the --ordered output).  Blank records are skipped: neither accepted
# nor rejected.  MIN and MAX have at most 2 decimals and are
# printed as given; maxerr=N models --max-errors=N, nul=1 --null-data.
function reject(reason) {
	printf "fanout: %s:%d: %s\n", name, n, reason > (out ".err")
	printf "%s%s", rec, term > (out ".rej")
	r++
	if (maxerr != "" && r > maxerr + 0) {
		printf "fanout: more than %d rejected records; stopping\n", maxerr > (out ".err")
		stopped = 1
		exit
	}
}
function fmt(c, s,   a, sign) {
	sign = c < 0 ? "-" : ""
	a = c < 0 ? -c : c
	if (s == 0) return sign int(a / 100)
	if (s == 1) return sign int(a / 100) "." int((a % 100) / 10)
	return sign int(a / 100) "." sprintf("%02d", a % 100)
}
BEGIN {
	mincents = min * 100
	maxcents = max * 100
	term = nul ? "\0" : "\n"
	if (nul) RS = "\0"
	printf "" > (out ".err"); printf "" > (out ".rej"); printf "" > (out ".ord")
	printf "" > (out ".unsorted")
}
{
	rec = $0
	n++
	body = rec
	if (!nul) sub(/\r$/, "", body)
	if (body ~ /^[ \t]*$/) { skipped++; next }
	p = index(body, ":")
	if (!p) { reject("missing delimiter ':'"); next }
	key = substr(body, 1, p - 1)
	val = substr(body, p + 1)
	gsub(/^[ \t]+|[ \t]+$/, "", val)
	if (key == "") { reject("empty key"); next }
	if (val == "") { reject("missing value"); next }
	if (val !~ /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/) { reject("invalid number '" val "'"); next }
	num = val
	sign = 1
	if (num ~ /^[+-]/) { if (substr(num, 1, 1) == "-") sign = -1; num = substr(num, 2) }
	ip = num; fp = ""
	if ((d = index(num, "."))) { ip = substr(num, 1, d - 1); fp = substr(num, d + 1) }
	sig = ip
	sub(/^0+/, "", sig)
	if (length(sig) + length(fp) > 38 || length(fp) > 38) { reject("too many digits in number '" val "'"); next }
	if (length(fp) > 2) { print "model: unexpected scale in " val > "/dev/stderr"; exit 3 }
	cents = sign * ((ip + 0) * 100 + substr(fp "00", 1, 2))
	if (cents < mincents) { reject("value " val " is below minimum " min); next }
	if (cents > maxcents) { reject("value " val " is above maximum " max); next }
	if (key !~ /^k[0-9]/) { reject("key '" key "' does not match '^k[0-9]'"); next }
	a++
	printf "%s%s", rec, term > (out ".ord")
	if (!(key in cnt) || cents < mn[key]) mn[key] = cents
	if (!(key in cnt) || cents > mx[key]) mx[key] = cents
	sum[key] += cents
	cnt[key]++
	if (length(fp) > sc[key]) sc[key] = length(fp)
}
END {
	# A run stopped by --max-errors is trouble: its summary also says how
	# much output was written, nothing in aggregate mode.
	if (r) printf "fanout: %d records read, %d accepted, %d rejected%s%s\n", n, a, r, skipped ? ", " skipped " skipped" : "", stopped ? "; 0 bytes of output written" : "" > (out ".err")
	if (!stopped)
		for (k in cnt)
			printf "%s\t%s\t%d\t%s\t%s\n", k, fmt(sum[k], sc[k]), cnt[k], fmt(mn[k], sc[k]), fmt(mx[k], sc[k]) > (out ".unsorted")
}
