#!/usr/bin/env bash
# check_demo.sh - one demo (or the benchmark) of exercise 01 at test size.
#
# usage: check_demo.sh NAME PROGRAM OPENMP
#   NAME     pi | race | rand | gil | false-sharing: `PROGRAM --demo NAME`
#            bench: `PROGRAM --bench`; unknown: a demo that does not exist
#   PROGRAM  the demo program of exercise 01 (build/demos/01-monte-carlo-pi/pi-demos)
#   OPENMP   1 when the build has OpenMP, 0 for -Dopenmp=disabled
# Runs it with --quick --out TMP and checks: exit status 0; NAME.csv (header
# and one row at least) and NAME.json (parses; schema ompkit-results/1; every
# C row valid but the race's unsynchronised ones) in TMP; at least one PNG, each
# with the PNG signature (when gnuplot is installed; without it, none is
# required). Exit status is the verdict; 77 when PROGRAM is missing.
set -u
name=$1 prog=$2 openmp=${3:-1}
[[ -x $prog ]] || { echo "check_demo.sh: $prog is not built; skipping"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $name: $*"; exit 1; }

case $name in
unknown)
	"$prog" --demo no-such-demo --quick --out "$tmp/x" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[[ $rc == 2 ]] || fail "an unknown demo exited $rc, expected 2"
	for d in pi race rand gil false-sharing; do
		grep -qw -- "$d" "$tmp/err" || fail "an unknown demo's message does not list '$d'"
	done
	echo "PASS: an unknown demo exits 2 and lists the demos"
	exit 0 ;;
bench)
	base=pi
	cmd=("$prog" --bench --quick --out "$tmp/out") ;;
*)
	base=$name
	cmd=("$prog" --demo "$name" --quick --out "$tmp/out") ;;
esac

start=$(date +%s.%N)
"${cmd[@]}" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
cat "$tmp/stdout"
cat "$tmp/stderr" >&2
[[ $rc == 0 ]] || fail "${cmd[*]} exited $rc, expected 0"

csv=$tmp/out/$base.csv json=$tmp/out/$base.json
[[ -s $csv ]] || fail "no $base.csv in --out"
(( $(wc -l <"$csv") >= 2 )) || fail "$base.csv has no rows"
[[ -s $json ]] || fail "no $base.json in --out"

# The JSON: parses, has the schema and the rows; every row that must be valid is.
py=/usr/bin/python3
[[ -x $py ]] || py=$(command -v python3 || true)
if [[ -n $py ]]; then
	"$py" - "$json" "$name" "$openmp" <<'PY' || fail "$base.json: see above"
import json, sys
path, name, openmp = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with open(path) as f:
    doc = json.load(f)
text = json.dumps(doc)
assert "ompkit-results/1" in text, "no schema ompkit-results/1"
rows = doc.get("rows") or doc.get("results")
assert isinstance(rows, list) and rows, "no rows"
def valid(r):
    v = r.get("valid", r.get("check", True))
    return v is True or v == "ok" or (isinstance(v, dict) and v.get("valid", True))
def label(r):
    return str(r.get("label", ""))
for r in rows:
    if name == "race" and label(r).startswith("no sync"):
        continue
    if label(r).startswith("Python"):
        continue
    assert valid(r), "row %r is not valid: %r" % (label(r), r)
if name == "race" and openmp:
    nosync = [r for r in rows if label(r).startswith("no sync, run")]
    assert len(nosync) == 3, "expected three unsynchronised runs, got %d" % len(nosync)
print("json ok: %d rows" % len(rows))
PY
fi

# PNGs: when gnuplot is here, at least one, each with the signature.
pngs=("$tmp/out"/*.png)
if command -v gnuplot >/dev/null; then
	[[ -e ${pngs[0]} ]] || fail "no PNG in --out"
	for p in "${pngs[@]}"; do
		sig=$(head -c 8 "$p" | od -An -tx1 | tr -d ' \n')
		[[ $sig == 89504e470d0a1a0a ]] || fail "$(basename "$p") is not a PNG (starts $sig)"
	done
fi
echo "PASS: $name ran to completion in ${secs} s and wrote $(ls "$tmp/out" | tr '\n' ' ')"
