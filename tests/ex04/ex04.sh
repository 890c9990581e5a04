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
	cp "$root"/data/audio/*.wav "$root"/data/audio/lies/*.wav "$tmp/in/"
	nb=$(ls "$root"/data/audio/*.wav "$root"/data/audio/lies/*.wav | wc -l)
	expect 1 OMP_NUM_THREADS=2 -- "$reference" "$tmp/in" "$tmp/missing.wav" --dest "$tmp/out1"
	has out "etl took .*: $((nb + 7)) files, 6 written, 0 skipped (already done), $((nb + 1)) failed"
	for f in $(cd "$root/data/audio" && ls *.wav lies/*.wav | sed 's|^lies/||'); do
		f=${f%.wav}
		grep -q "^etl: error: cannot read '$tmp/in/$f.wav': " "$tmp/err" || fail "no error line for $f.wav"
		[ -e "$tmp/out1/$f-transformed.wav" ] && fail "$f.wav left an output"
	done
	has err "truncated: its header promises"
	has err "aiff-named.wav': not a WAV file"
	has err "empty.wav': it is empty (0 bytes)"
	has err "lying-size.wav': its data chunk claims 4294967040 bytes from byte 44; the file has 444"
	has err "missing.wav': No such file or directory"
	has err "$((nb + 1)) of $((nb + 7)) files failed"
	[ "$(ls "$tmp/out1" | grep -c -- '-transformed.wav$')" = 6 ] || fail "expected 6 outputs"
	expect 0 -- "$reference" "$tmp/in/example"?.wav --dest "$tmp/out1" --check-outputs
	last_line_is "PASS: 6 of 6 outputs valid"
	# the fixtures are what their script makes
	mkdir "$tmp/fx"
	"$root/data/audio/lies/make-fixtures.sh" "$tmp/fx" || fail "make-fixtures.sh failed"
	for f in "$tmp"/fx/*.wav; do
		cmp -s "$f" "$root/data/audio/lies/$(basename "$f")" || fail "data/audio/lies/$(basename "$f") differs from what make-fixtures.sh writes"
	done
	[ "$(ls "$tmp"/fx/*.wav | wc -l)" = "$(ls "$root"/data/audio/lies/*.wav | wc -l)" ] || fail "make-fixtures.sh does not make every file of data/audio/lies" ;;
bad-inputs)
	# inputs that are not regular files never hang; true messages; exit codes
	make_inputs
	mkfifo "$tmp/in/fifo.wav"
	mkdir "$tmp/in/sub.wav"
	cp "$tmp/in/example0.wav" "$tmp/in/new
line.wav"
	for k in serial threads processes; do
		expect 1 OMP_NUM_THREADS=2 -- timeout 30 "$reference" -q "$tmp/in" --kernel $k --procs 2 --dest "$tmp/o-$k" --force
		has err "fifo.wav': it is a FIFO (named pipe), not a file"
		has err "sub.wav': it is a folder, not a file"
	done
	has err "2 of 9 files failed"
	[ -e "$tmp/o-serial/new
line-transformed.wav" ] || fail "the file with a newline in its name was not done"
	expect 0 -- "$reference" "$tmp/in/new
line.wav" --dest "$tmp/o-nl" --force
	has out "new\\\\nline.wav completed in"
	grep -q "^line.wav" "$tmp/out" && fail "a newline in a file name broke its line"
	# planning never opens a FIFO named like an output either
	mkdir "$tmp/in2" && cp "$tmp/in/example1.wav" "$tmp/in2/" && mkfifo "$tmp/in2/example1-transformed.wav"
	expect 0 -- timeout 30 "$reference" -q "$tmp/in2"
	has err "redoing '$tmp/in2/example1-transformed.wav': it was there, but it cannot be read as a WAV: it is a FIFO"
	# exit 2: nothing could run (an empty folder, a missing folder, an output folder we cannot write)
	mkdir "$tmp/empty"
	expect 2 -- "$reference" "$tmp/empty"
	has err "folder '$tmp/empty' has no .wav file"
	has err "nothing to do"
	expect 2 -- "$reference" "$tmp/no-such-folder"
	has err "'$tmp/no-such-folder': no such file or folder"
	if unshare -m true 2>/dev/null; then
		mkdir "$tmp/ro"
		expect 2 -- unshare -m sh -c 'mount -t tmpfs -o ro tmpfs "$1" && exec "$2" "$3/in/example0.wav" --dest "$1"' sh "$tmp/ro" "$reference" "$tmp"
		has err "cannot write in folder '$tmp/ro' (making a file there: Read-only file system)"
	else
		echo "note: no mount namespace here; the read-only file system case is not run"
	fi
	# "already done" is verified: an all-zero output of the right length is redone
	mkdir "$tmp/in3" && cp "$tmp/in/example2.wav" "$tmp/in/example3.wav" "$tmp/in3/"
	expect 0 -- "$reference" -q "$tmp/in3"
	cp "$tmp/in3/example2.wav" "$tmp/in3/example2-transformed.wav"   # silent input: all zeros
	expect 0 -- "$reference" -q "$tmp/in3"
	has err "redoing '$tmp/in3/example2-transformed.wav': it was there, but it carries no record"
	has out "2 files, 1 written, 1 skipped"
	expect 0 -- "$reference" "$tmp/in3" --check-outputs
	last_line_is "PASS: 2 of 2 outputs valid"
	# another seed: redone, and said so
	expect 0 -- "$reference" -q "$tmp/in3" --seed 9
	has err "it was made with sigma 0.1, seed 2026 (this run: sigma 0.1, seed 9)"
	has out "2 written, 0 skipped" ;;
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
	expect 0 -- "$reference" "${big[@]}" --dest "$tmp/k" --check-outputs
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
grading)
	# the grader's protocol: --make-inputs, --emit by the student's program,
	# --verify by the reference; tampered outputs fail with numbers
	g=$tmp/g
	expect 0 -- "$reference" --make-inputs "$g/in" --seed 7 --count 9
	n=$(ls "$g/in" | grep -c '\.wav$')
	[ "$n" = 9 ] || fail "--make-inputs --count 9 wrote $n files"
	for kind in 1ch 2ch 3ch 6ch 8ch s16 s24 f32 8000hz 96000hz; do
		ls "$g/in" | grep -q -- "-$kind\|$kind-\|-$kind.wav" || fail "--make-inputs wrote no $kind file"
	done
	expect 0 -- "$reference" --make-inputs "$g/again" --seed 7 --count 9
	diff -r "$g/in" "$g/again" >/dev/null || fail "--make-inputs is not the same for the same seed"
	expect 0 -- "$reference" --make-inputs "$g/other" --seed 8 --count 9
	diff -r "$g/in" "$g/other" >/dev/null && fail "--make-inputs gave seeds 7 and 8 the same files"
	mkdir -p "$g/e1" "$g/e2" "$g/e3" "$g/e4"
	expect 0 OMP_NUM_THREADS=2 -- "$student" --kernel threads --input "$g/in" --seed 7 --emit "$g/e1"
	expect 0 OMP_NUM_THREADS=1 -- "$student" --kernel threads --input "$g/in" --seed 7 --emit "$g/e2"
	want_t=2; [ "$openmp" = 1 ] || want_t=1   # without OpenMP there is one thread
	grep -q "\"threads\":[[:space:]]*$want_t" "$g/e1/result.json" || fail "result.json does not record $want_t threads"
	expect 0 -- "$reference" --kernel threads --input "$g/in" --seed 7 --verify "$g/e1,$g/e2"
	last_line_is "PASS: kernel threads: the 9 outputs in each of 2 folders"
	expect 0 -- "$reference" --kernel processes --procs 2 --input "$g/in" --seed 7 --emit "$g/e3"
	expect 0 -- "$reference" --kernel processes --input "$g/in" --seed 7 --verify "$g/e3"
	last_line_is "PASS:"
	# another seed, another noise
	expect 1 -- "$reference" --kernel threads --input "$g/in" --seed 8 --verify "$g/e1"
	has out "^FAIL: '.*-transformed.wav': frame [0-9]*, channel [0-9]* is"
	# one flipped byte in the samples: named by frame and channel
	f=$(ls "$g/e2" | grep -- '-transformed.wav$' | tail -n 1)
	printf '\x55' | dd of="$g/e2/$f" bs=1 seek=300 conv=notrunc 2>/dev/null
	expect 1 -- "$reference" --kernel threads --input "$g/in" --seed 7 --verify "$g/e1,$g/e2"
	has out "^FAIL: '$g/e2/$f': frame [0-9]*, channel [0-9]* is .*; the reference writes"
	# missing, a link, a wrong length, another kernel's result.json
	rm "$g/e2/$f"
	expect 1 -- "$reference" --kernel threads --input "$g/in" --seed 7 --verify "$g/e2"
	last_line_is "FAIL: '$g/e2/$f' is missing"
	ln -s "$g/e1/$f" "$g/e2/$f"
	expect 1 -- "$reference" --kernel threads --input "$g/in" --seed 7 --verify "$g/e2"
	last_line_is "FAIL: '$g/e2/$f' is a symbolic link"
	rm "$g/e2/$f"; head -c 100 "$g/e1/$f" >"$g/e2/$f"
	expect 1 -- "$reference" --kernel threads --input "$g/in" --seed 7 --verify "$g/e2"
	last_line_is "FAIL: '$g/e2/$f' holds 100 bytes; the reference's output for the same input holds"
	expect 1 -- "$reference" --kernel serial --input "$g/in" --seed 7 --verify "$g/e1"
	last_line_is "FAIL: '$g/e1/result.json' holds the result of kernel 'threads', not serial"
	expect 1 -- "$reference" --kernel threads --input "$g/in" --seed 7 --verify "$g/e4"
	last_line_is "FAIL: '$g/e4/result.json' is missing"
	# usage
	expect 2 -- "$reference" --emit "$g/e1" --input "$g/in"
	has err "--emit needs one kernel"
	expect 2 -- "$reference" --kernel serial --emit "$g/no-such" --input "$g/in"
	has err "is not a folder"
	expect 2 -- "$reference" --kernel serial --emit "$g/e4" --input "$g/no-such"
	has err "no such folder" ;;
*)
	echo "ex04.sh: error: unknown case '$case_'" >&2
	exit 2 ;;
esac
exit $failed
