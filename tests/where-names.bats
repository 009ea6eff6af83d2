#!/usr/bin/env bats
# --where FIELD by name: the names of --header-in (each input's header)
# and of --log-format (nginx's variable names), resolved to field numbers
# as --key and --value are.  Expected results come from Python's csv
# module, from the generator of the log (which knows every field), or
# are worked by hand.

load test_helper

setup() {
	common_setup
}

# A CSV export with a header: name, status, ms; quoted names hold commas.
make_csv() {
	python3 - "$1" "$2" <<'PY'
import csv, random, sys
random.seed(int(sys.argv[1]))
w = csv.writer(open(sys.argv[2], "w", newline=""), lineterminator="\n")
w.writerow(["name", "status", "ms"])
for i in range(2000):
    w.writerow([random.choice(["api", "web", "a,b", 'say "hi"']),
                random.choice([200, 301, 404, 500, 502, 503]),
                "%d.%02d" % (random.randrange(0, 3000), random.randrange(100))])
PY
}

# csv_model COLUMN OP VALUE FILE...: count and sum of ms per name (or,
# with COLUMN -, of all rows) over the rows whose status satisfies
# OP VALUE, numerically, read with Python's csv module and decimal.
csv_model() {
	python3 - "$@" <<'PY'
import csv, operator, sys
from decimal import Decimal
key, op, limit, files = sys.argv[1], sys.argv[2], Decimal(sys.argv[3]), sys.argv[4:]
test = {">=": operator.ge, "<": operator.lt, "=": operator.eq}[op]
sums = {}
for path in files:
    with open(path, newline="") as f:
        rows = csv.DictReader(f)
        for row in rows:
            if test(Decimal(row["status"]), limit):
                k = row[key] if key != "-" else ""
                n, s = sums.get(k, (0, Decimal(0)))
                sums[k] = (n + 1, s + Decimal(row["ms"]))
for k in sorted(sums, key=lambda k: k.encode()):
    n, s = sums[k]
    print(("%s\t" % k if key != "-" else "") + "%d\t%s" % (n, s))
PY
}

@test "--header-in --csv: --where by a header name counts only the rows Python's csv module keeps" {
	make_csv 1 a.csv
	csv_model name '>=' 500 a.csv >expected
	run_to_files --csv --header-in -k name -v ms -a count,sum --where='status>=500' a.csv
	[[ $status == 0 ]] || fail "status $status: $(cat err)"
	expect_same_file expected out
	# Without a key: one row.
	csv_model - '<' 400 a.csv >expected
	run_to_files --csv --header-in -v ms -a count,sum --where='status<400' a.csv
	[[ $status == 0 ]] || fail "status $status: $(cat err)"
	expect_same_file expected out
	# By name and by number, the same.
	run_to_files --csv --header-in -v 3 -a count,sum --where='2<400' a.csv
	expect_same_file expected out
}

@test "--header-in --csv over several inputs: names resolved once, later headers checked for the --where field" {
	make_csv 2 a.csv
	make_csv 3 b.csv
	csv_model name '=' 503 a.csv b.csv >expected
	run_to_files --csv --header-in -k name -v ms -a count,sum --where='status=503' a.csv b.csv
	[[ $status == 0 ]] || fail "status $status: $(cat err)"
	expect_same_file expected out
	# A later input whose status column moved cannot be read by the name.
	printf 'status,name,ms\n500,x,1\n' >c.csv
	run_fanout --csv --header-in -v ms --where='status>=500' a.csv c.csv
	assert_status 2
	[[ ${stderr_lines[0]} == "fanout: c.csv: header has no field 'status' in column 2, where the first input's has it" ]] ||
		fail "$stderr"
	# Given by number, the column is not checked by name.
	run_fanout --csv --header-in -v ms -a count --where='2>=500' a.csv c.csv
	assert_status 0
}

@test "--header-in: a name that looks like a number means its column; an unknown name lists the names" {
	# Columns: id, 2020 and 2021; --where=2020>5 reads column 2, not field 2020.
	printf 'id,2020,2021\na,4,10\nb,6,20\nc,9,30\n' >years.csv
	run_fanout -t , --header-in -v 2021 -a count,sum --where='2020>5' years.csv
	assert_result 0 $'2\t50' ""
	run_fanout -t , --header-in -v 2021 --where='year>5' years.csv
	assert_result 2 "" "$(text \
		"fanout: invalid --where value 'year>5': the fields of years.csv are 'id', '2020', '2021'" \
		"$TRY")"
}

# A combined-format access log; fields.txt gets, per line, the fields
# the tests need: status, bytes and method, independently of fanout.
make_access_log() {
	python3 - <<'PY'
import random
random.seed(500)
log = open("access.log", "w")
fields = open("fields.txt", "w")
for i in range(3000):
    ip = "192.0.2.%d" % random.randrange(1, 20)
    method = random.choice(["GET", "POST", "HEAD"])
    path = random.choice(["/", "/api/users", "/login?next=/a b"])
    status = random.choice([200, 200, 304, 404, 500, 502])
    size = random.randrange(0, 100000)
    agent = random.choice(["curl/8.0", "Mozilla/5.0 (X11; Linux x86_64)"])
    log.write('%s - - [27/Nov/2026:10:00:%02d +0000] "%s %s HTTP/1.1" %d %d "-" "%s"\n'
              % (ip, i % 60, method, path, status, size, agent))
    fields.write("%s %d %d %s\n" % (ip, status, size, method))
PY
}

@test "--log-format: --where takes the format's names, derived ones too (status, method)" {
	make_access_log
	local expected
	expected=$("$GAWK" '$2 >= 500 { n++; s += $3 } END { print n "\t" s }' fields.txt)
	run_fanout --log-format=combined -v body_bytes_sent -a count,sum --where='status>=500' access.log
	assert_result 0 "$expected" ""
	"$GAWK" '$4 == "POST" && $2 != 200 { n[$1]++ } END { for (k in n) print k "\t" n[k] }' \
		fields.txt | sort >expected
	run_to_files --log-format=combined -k remote_addr -a count --where='method=POST' \
		--where='status!=200' -j 3 -b 8K access.log
	[[ $status == 0 ]] || fail "status $status: $(cat err)"
	expect_same_file expected out
}

@test "--log-format: an unknown --where name is a usage error listing the format's names" {
	expect_usage_error "invalid --where value 'request_time>1': the fields of the combined format are remote_addr, remote_user, time_local, request, status, body_bytes_sent, http_referer, http_user_agent, method, path, query, protocol" \
		--log-format=combined -k 1 -a count --where='request_time>1'
	expect_usage_error "invalid --where value '12>1': a common log line has 7 fields" \
		--log-format=common -k 1 -a count --where='12>1'
	# Without names to resolve, as before: a field number.
	expect_usage_error "invalid --where value 'status>1': no field 'status' (a field number)" \
		-k 1 -a count --where='status>1'
}
