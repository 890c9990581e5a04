#!/usr/bin/env bash
# test_sweep.sh - ./kit sweep end to end (meson test --suite proc).
# usage: test_sweep.sh KIT_CLI OMP_PROBE SOURCE_ROOT OPENMP(1|0)
# Sweeps OMP_NUM_THREADS over omp_probe (tests/proc/omp_probe.c) and checks
# that each setting really reached its process, the tables, CSV, JSON and
# PNGs; then bad input, each of which must fail with one error line and leave
# no file behind, not even a temporary one. Exit status is the verdict
# (0 pass, 1 fail, 77 skip).
set -u
. "$(dirname "$0")/../lib.sh"
KIT=$1
PROBE=$2
KIT_ROOT=$3
OPENMP=${4:-1}	# 0: a serial build, whose probe always runs 1 thread
export KIT_ROOT OPENMP
unset OMP_NUM_THREADS KIT_RESULTS_JSON
KIT_QUIET=1
export KIT_QUIET

command -v python3 >/dev/null 2>&1 || skip "python3 is needed to read the JSON"
T=$tmp
mkdir "$T/tmp"
TMPDIR=$T/tmp
export TMPDIR

# --- A real sweep: 1 and 2 threads, 2 rounds, every output -----------------
have_gnuplot=1
command -v gnuplot >/dev/null 2>&1 || have_gnuplot=0
set -- --env OMP_NUM_THREADS=1,2 --rounds 2 --json "$T/s.json" --csv "$T/s.csv"
[ $have_gnuplot = 1 ] && set -- "$@" --png "$T/p" --chart
"$KIT" sweep "$@" -- "$PROBE" -n 2e5 >"$T/out" 2>"$T/err"
rc=$?
check "sweep exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || { echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"; }

python3 - "$T/s.json" <<'PY' >"$T/py" 2>&1
import json, os, sys
d = json.load(open(sys.argv[1]))
# what the probe's runtime uses: the setting, or 1 in a build without OpenMP
used = (lambda v: v) if os.environ["OPENMP"] == "1" else (lambda v: 1)
assert d["schema"] == "ompkit-sweep/1", d["schema"]
assert d["name"] == "OMP_NUM_THREADS" and d["values"] == [1, 2] and d["rounds"] == 2
runs = d["runs"]
assert len(runs) == 4, "4 runs, not %d" % len(runs)
# interleaved: round 1 starts with 1, round 2 with 2
assert [(r["round"], r["value"]) for r in runs] == [(1, 1), (1, 2), (2, 2), (2, 1)], runs
for r in runs:
    assert r["source"] == "results", "time taken from the probe's own results"
    assert r["runtime_threads"] == used(r["value"]), "OMP_NUM_THREADS=%s reached the runtime as %s" % (r["value"], r["runtime_threads"])
    assert r["seconds"] > 0 and r["exit"] == 0
s = d["summary"]
assert [x["value"] for x in s] == [1, 2] and all(x["runs"] == 2 for x in s)
assert all(x["runtime_threads"] == used(x["value"]) for x in s)
sc = d["scaling"]
assert [x["p"] for x in sc["rows"]] == [1, 2] and abs(sc["rows"][0]["speedup"] - 1) < 1e-9
assert "openmp" in d["env"]
print("json ok")
PY
check "JSON: one result per setting, interleaved, runtime threads equal the setting" grep -q "json ok" "$T/py"
grep -q "json ok" "$T/py" || cat "$T/py"
check "CSV: a header and one line per run" [ "$(wc -l <"$T/s.csv")" -eq 5 ]
check "CSV: the first run is OMP_NUM_THREADS=1 in round 1" \
	grep -q "^OMP_NUM_THREADS,1,1," "$T/s.csv"
t2=2; [ "$OPENMP" = 1 ] || t2=1
check "table: one line per setting with its runtime threads" \
	sh -c "grep -Eq '^1 +2 .* 1\$' '$T/out' && grep -Eq '^2 +2 .* $t2\$' '$T/out'"
check "scaling table printed" sh -c "grep -q speed-up '$T/out' && grep -q 'Amdahl fit' '$T/out'"
if [ $have_gnuplot = 1 ]; then
	for f in "$T/p-speedup.png" "$T/p-time.png"; do
		check "PNG written: $(basename "$f")" \
			sh -c "head -c 8 '$f' | od -An -tx1 | tr -d ' \n' | grep -q '^89504e470d0a1a0a\$'"
	done
else
	pass "# SKIP PNG and chart: gnuplot is not installed"
fi
check "no temporary file left after a sweep" [ -z "$(ls -A "$T/tmp")" ]

# --- Any environment variable, timed by wall clock ---------------------------
"$KIT" sweep --env KIT_SWEEP_X=red,green --rounds 1 --json "$T/w.json" \
	-- sh -c 'test -n "$KIT_SWEEP_X" && sleep 0.05' >"$T/out" 2>"$T/err"
check "a non-numeric sweep runs, timed by wall clock" sh -c \
	"grep -q '^red ' '$T/out' && grep -q '^green ' '$T/out' && grep -q '\"source\":[[:space:]]*\"wall\"' '$T/w.json'"

# --- A program that overrides the setting is caught -------------------------
"$KIT" sweep --env OMP_NUM_THREADS=1,2 --rounds 1 \
	-- sh -c 'OMP_NUM_THREADS=1 exec "$0" -n 1e5' "$PROBE" >"$T/out" 2>"$T/err"
rc=$?
if [ "$OPENMP" = 1 ]; then
	check "a setting that does not reach the runtime is warned about" sh -c \
		"[ $rc -eq 0 ] && grep -q 'warning: OMP_NUM_THREADS=2 but the program.s runtime used 1 threads' '$T/err'"
else
	check "a program built without OpenMP is warned about as such" sh -c \
		"[ $rc -eq 0 ] && grep -q \"warning: 'sh' was built without OpenMP: every run used 1 thread\" '$T/err'"
fi

# --- Bad input: non-zero exit, one error line, no file -----------------------
# bad NAME PATTERN ARGS...: ./kit sweep ARGS, with --json and --csv, must fail
# with exactly one error line (the kit's own) matching PATTERN and leave no file.
bad() {
	name=$1 pattern=$2; shift 2
	"$KIT" sweep --json "$T/bad.json" --csv "$T/bad.csv" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	errs=$(grep -c "^[^ ]*: error:" "$T/err")
	left=$(ls -A "$T/tmp"; ls "$T" | grep '^bad')
	if [ $rc -ne 0 ] && [ "$errs" -eq 1 ] && grep "^[^ ]*: error:" "$T/err" | grep -q -- "$pattern" &&
	   [ -z "$left" ]; then
		pass "$name"
	else
		fail "$name"
		echo "# exit $rc, $errs error lines, left: '$left'"; sed 's/^/# /' "$T/err"
	fi
}
bad "unknown option" "unknown option '--bogus'" --bogus --env OMP_NUM_THREADS=1 -- "$PROBE"
bad "OMP_NUM_THREADS=abc" "OMP_NUM_THREADS must be .*not 'abc'" --env OMP_NUM_THREADS=abc -- "$PROBE"
bad "OMP_NUM_THREADS=0" "not '0'" --env OMP_NUM_THREADS=0 -- "$PROBE"
bad "OMP_NUM_THREADS=1,0" "not '1,0'" --env OMP_NUM_THREADS=1,0 -- "$PROBE"
bad "no --env" "no --env" -- "$PROBE"
bad "no command" "no command" --env OMP_NUM_THREADS=1
bad "--rounds 0" "rounds must be" --rounds 0 --env OMP_NUM_THREADS=1 -- "$PROBE"
bad "a value given twice" "given twice" --env OMP_NUM_THREADS=1,1 -- "$PROBE"
bad "--png with words" "needs whole-number" --png "$T/bad" --env X=a,b -- true
bad "a command that does not exist" "'nosuch-ompkit-cmd' not found" \
	--env OMP_NUM_THREADS=1 -- nosuch-ompkit-cmd
bad "a path that does not exist" "does not exist" --env OMP_NUM_THREADS=1 -- "$T/nope"
bad "a command that crashes" "OMP_NUM_THREADS=1 (round 1 of 3): 'sh' failed: killed by SIGSEGV (segmentation fault)" \
	--env OMP_NUM_THREADS=1,2 -- sh -c 'kill -SEGV $$'
bad "a command that fails" "OMP_NUM_THREADS=2 (round 1 of 1): 'sh' failed: exit 3" --rounds 1 \
	--env OMP_NUM_THREADS=1,2 -- sh -c 'echo "probe: error: it broke" >&2; [ $OMP_NUM_THREADS = 1 ] || exit 3'
check "a failed run's stderr is shown before the error" grep -q "| probe: error: it broke" "$T/err"
start=$(date +%s)
bad "a time-out" "timed out after 0.3 s" --timeout 0.3 --env OMP_NUM_THREADS=1 -- sleep 60
check "the time-out stopped the run long before the command's 60 s" [ $(($(date +%s) - start)) -lt 20 ]

# An unwritable --json: a folder that does not exist; nothing runs.
"$KIT" sweep --json "$T/no/such/dir/s.json" --env OMP_NUM_THREADS=1 -- "$PROBE" >"$T/out" 2>"$T/err"
rc=$?
check "an unwritable --json path fails before running, with one line" sh -c \
	"[ $rc -ne 0 ] && [ \$(grep -c error: '$T/err') -eq 1 ] && grep -q \"cannot write '$T/no/such/dir/s.json'\" '$T/err' && [ ! -s '$T/out' ] && [ -z \"\$(ls -A '$T/tmp')\" ]"

"$KIT" sweep --help >"$T/out" 2>&1
check "--help prints usage and examples, exit 0" sh -c "[ $? -eq 0 ] && grep -q '^usage:' '$T/out' && grep -q 'examples:' '$T/out'"

echo "1..$nchecks"
exit $failed
