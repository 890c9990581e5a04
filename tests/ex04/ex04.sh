#!/usr/bin/env bash
# ex04.sh - end-to-end tests of exercise 04 (the audio ETL), one case per run:
#   ex04.sh CASE STUDENT_ETL REFERENCE_ETL OPENMP(0|1) EXERCISE_JSON KIT_CLI
# Exit 0 pass, 1 fail, 77 skip (meson). Under ASan (KIT_SANITIZED=1) the
# generated files are shorter. What each case checks is in its comment.
# Inputs are the kit's generated sets under data/cache/ (made on first use,
# atomically, so cases running side by side share them safely); every output
# goes to a scratch folder removed at the end.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

case_=$1 student=$2 reference=$3 openmp=$4 manifest=$5 cli=${6:-}
export OMP_WAIT_POLICY=passive KIT_QUIET=1
unset OMP_NUM_THREADS
small=(--files 8 --seconds 1)
if [ -n "${KIT_SANITIZED:-}" ]; then small=(--files 6 --seconds 0.5); fi
export TMPDIR=$tmp
root=$(cd "$(dirname "$0")/../.." && pwd)
par_codes "$openmp"

# A folder of N copies of the small generated set, for the job cases.
make_inputs() {
	"$reference" -q "${small[@]}" --kernel serial --dest "$tmp/warm" >/dev/null 2>&1
	mkdir -p "$tmp/in"
	cp "$root"/data/cache/audio-"${small[3]}"s/example[0-5].wav "$tmp/in/" || fail "no generated inputs"
}

case $case_ in
solution-validate)
	# every reference kernel writes valid outputs, at 1, 2 and 3 threads
	for t in 1 2 3; do
		expect 0 OMP_NUM_THREADS=$t -- "$reference" -q "${small[@]}" --kernel all --validate
		last_line_is "PASS:"
	done ;;
solution-checks)
	# threads busy, sf_open one at a time, processes in children (77 serially)
	expect "$par_ok" OMP_NUM_THREADS=2 -- "$reference" -q "${small[@]}" --kernel threads --expect-parallel --expect-serial-open
	expect "$par_ok" OMP_NUM_THREADS=2 -- "$reference" -q --kernel inner --expect-parallel
	expect 0 -- "$reference" -q "${small[@]}" --kernel processes --procs 2 --validate --expect-children
	last_line_is "PASS:" ;;
solution-same-across)
	# identical outputs from every kernel at 1, 2 and 3 threads or processes
	expect 0 -- "$reference" -q "${small[@]}" --kernel all --same-across 1,2,3
	last_line_is "PASS: identical outputs in 10 runs" ;;
broken)
	# each broken file its own clear error, the others processed, exit 1, summary
	expect 0 -- "$reference" -q "${small[@]}" --kernel threads --check-broken
	expect 0 -- "$reference" -q "${small[@]}" --kernel processes --procs 2 --check-broken
	make_inputs
	cp "$root"/data/audio/*.wav "$tmp/in/"
	expect 1 OMP_NUM_THREADS=2 -- "$reference" "$tmp/in" "$tmp/missing.wav" --dest "$tmp/out1"
	has out "etl took .*: 12 files, 6 written, 0 skipped (already done), 6 failed"
	for f in truncated text empty unsupported-codec aiff-named; do
		grep -q "^etl: error: cannot read '$tmp/in/$f.wav': " "$tmp/err" || fail "no error line for $f.wav"
		[ -e "$tmp/out1/$f-transformed.wav" ] && fail "$f.wav left an output"
	done
	has err "truncated: its header promises"
	has err "aiff-named.wav': not a WAV file"
	has err "missing.wav': System error"
	has err "6 of 12 files failed"
	[ "$(ls "$tmp/out1" | grep -c -- '-transformed.wav$')" = 6 ] || fail "expected 6 outputs"
	expect 0 -- "$reference" "$tmp/in/example"?.wav --dest "$tmp/out1" --verify
	last_line_is "PASS: 6 of 6 outputs valid" ;;
kill)
	# killed midway (SIGKILL): no partial output; the re-run skips and finishes
	expect 0 OMP_NUM_THREADS=2 -- "$reference" -q --kernel threads --check-kill
	last_line_is "PASS: threads: killed after"
	expect 0 -- "$reference" -q --kernel processes --procs 2 --check-kill
	last_line_is "PASS: processes: killed after"
	# the same from outside: start a job on 20 s files, kill it partway
	big=(--files 8 --seconds 20)
	[ -n "${KIT_SANITIZED:-}" ] && big=(--files 8 --seconds 10)
	"$reference" -q "${big[@]}" --dest "$tmp/warm20" --kernel serial >/dev/null 2>&1  # generate
	OMP_NUM_THREADS=2 "$reference" -q "${big[@]}" --dest "$tmp/k" --kernel threads >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 400); do
		n=$(ls "$tmp/k" 2>/dev/null | grep -c -- '-transformed.wav$')
		[ "$n" -ge 1 ] && break
		sleep 0.01
	done
	kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
	n=$(ls "$tmp/k" | grep -c -- '-transformed.wav$')
	[ "$n" -lt 8 ] || echo "note: the run finished before the kill"
	# every output there is whole and right; temporaries are not outputs
	expect 0 -- "$reference" "${big[@]}" --dest "$tmp/k" --verify
	last_line_is "PASS: $n of 8 outputs valid, 0 wrong"
	expect 0 -- "$reference" "${big[@]}" --dest "$tmp/k" --kernel threads
	has out "8 files, $((8 - n)) written, $n skipped"
	ls "$tmp/k" | grep -q '\.tmp\.' && fail "temporary files left after the re-run"
	expect 0 -- "$reference" "${big[@]}" --dest "$tmp/k" --verify
	last_line_is "PASS: 8 of 8 outputs valid" ;;
skip-force)
	# a re-run skips what is done; --force redoes it; outputs keep their bytes
	make_inputs
	expect 0 -- "$reference" "$tmp/in" --kernel serial
	has out "6 written, 0 skipped"
	[ -e "$tmp/in/example0-transformed.wav" ] || fail "no output beside its input (as the seed)"
	cp "$tmp/in/example0-transformed.wav" "$tmp/first.wav"
	expect 0 -- "$reference" "$tmp/in" --kernel threads
	has out "0 written, 6 skipped (already done)"
	expect 0 -- "$reference" "$tmp/in" --kernel processes --force
	has out "6 written, 0 skipped"
	cmp -s "$tmp/first.wav" "$tmp/in/example0-transformed.wav" || fail "--force changed the output's bytes"
	# a stale temporary of a killed run is removed and never taken for output
	: >"$tmp/in/example1-transformed.wav.tmp.AbC123"
	rm "$tmp/in/example1-transformed.wav"
	expect 0 -- "$reference" "$tmp/in"
	has err "removed 1 temporary file"
	has out "1 written, 5 skipped" ;;
refuse)
	# never overwrite an input; refuse inputs named like outputs
	make_inputs
	cp "$tmp/in/example0.wav" "$tmp/in/example0-transformed.wav"
	sum=$(md5sum <"$tmp/in/example0-transformed.wav")
	expect 1 -- "$reference" "$tmp/in/example0.wav" "$tmp/in/example0-transformed.wav" "$tmp/in/example1.wav"
	has err "refused '$tmp/in/example0.wav': its output '$tmp/in/example0-transformed.wav' would overwrite the input"
	has err "refused '$tmp/in/example0-transformed.wav': it is named like an output"
	has out "3 files, 1 written, 0 skipped (already done), 2 failed"
	[ "$(md5sum <"$tmp/in/example0-transformed.wav")" = "$sum" ] || fail "an input was overwritten"
	# a folder leaves outputs out of its inputs
	expect 0 -- "$reference" "$tmp/in" --dest "$tmp/o2" -q
	has out "6 files"
	# an unwritable output folder: one clear error, nothing touched
	expect 2 -- "$reference" "$tmp/in" --dest /proc/no-such-folder
	has err "cannot make folder '/proc/no-such-folder'"
	expect 2 -- "$reference" "$tmp/in/example1.wav" --dest /proc/self
	has err "cannot write in folder '/proc/self'" ;;
skeleton)
	# the skeleton builds, runs and validates serially; its checks can fail
	expect 0 OMP_NUM_THREADS=2 -- "$student" -q "${small[@]}" --kernel all --validate
	last_line_is "PASS:"
	expect 0 -- "$student" -q "${small[@]}" --kernel serial --check-broken
	expect "$par_fail" OMP_NUM_THREADS=2 -- "$student" "${small[@]}" --kernel threads --expect-parallel
	[ "$openmp" = 1 ] && { last_line_is "FAIL: observed 1 thread of 2 open every file"; has out "TODO(2)"; }
	expect 1 -- "$student" "${small[@]}" --kernel processes --expect-children
	last_line_is "FAIL: observed" ;;
bad-arguments)
	# each bad argument: exit 2 and one line on stderr that names it
	bad_arguments "$reference" <<-'EOF2'
	--kernel|--kernel fast
	--kernel|--kernel all
	--threads|--threads 0
	--threads|--threads 1,2
	--procs|--procs 0
	--seconds|--seconds 0
	--files|--files 0
	--sigma|--sigma -1
	--seed|--seed
	--same-across|--same-across 0
	--expect-children|--kernel threads --expect-children
	--expect-serial-open|--kernel inner --expect-serial-open
	--bogus|--bogus
	--force|--force=1
	EOF2
	expect 2 OMP_NUM_THREADS=abc -- "$reference" --validate
	grep -q OMP_NUM_THREADS "$tmp/err" || fail "OMP_NUM_THREADS=abc: not named"
	expect 0 -- "$reference" --help
	grep -q '^usage: etl' "$tmp/out" || fail "--help prints no usage" ;;
timing)
	# --time: a table per kernel with MB/s, the copy, the verdict, JSON and CSV
	expect 0 -- "$reference" "${small[@]}" --kernel all --time --threads 1,2 --json "$tmp/r.json" --csv "$tmp/r.csv"
	has out "verdict: \(CPU\|I/O\)-bound here"
	has out "^copy "
	for col in MB_per_s transform_s median_s; do
		grep -q "$col" "$tmp/r.json" || fail "$col missing from the JSON"
		head -n 1 "$tmp/r.csv" | grep -q "$col" || fail "$col missing from the CSV header"
	done ;;
manifest)
	py=/usr/bin/python3
	[ -x "$py" ] || skip "no /usr/bin/python3"
	"$py" "$(dirname "$0")/../check_manifest.py" "$manifest" etl etl \
		--hint-prefix "Look at TODO" --hint-prefix etl_ || failed=1
	;;
demo)
	# the demo and the benchmark run at test size and write their files
	expect 0 -- "$reference" --demo etl --quick --out "$tmp/demo"
	has out "etl took .*s total"
	for f in etl.csv etl.json; do [ -s "$tmp/demo/$f" ] || fail "demo wrote no $f"; done
	if command -v gnuplot >/dev/null; then [ -s "$tmp/demo/etl.png" ] || fail "demo wrote no etl.png"; fi
	expect 0 -- "$reference" --bench --quick --out "$tmp/bench"
	has out "copy-cold"
	[ -s "$tmp/bench/etl.json" ] || fail "bench wrote no etl.json" ;;
*)
	echo "ex04.sh: error: unknown case '$case_'" >&2
	exit 2 ;;
esac
exit $failed
