#!/usr/bin/env bash
# ex02.sh - end-to-end tests of exercise 02 (BLAS under OMP_NUM_THREADS), one
# case per run:
#   ex02.sh CASE STUDENT_GEMM REFERENCE_GEMM OPENMP(0|1) EXERCISE_JSON KIT_CLI
# Exit 0 pass, 1 fail, 77 skip (meson). Under ASan (KIT_SANITIZED=1) the
# matrices are smaller. What each case checks is in its comment.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

case_=$1 student=$2 reference=$3 openmp=$4 manifest=$5 cli=$6
export OMP_WAIT_POLICY=passive KIT_QUIET=1
unset OMP_NUM_THREADS OPENBLAS_NUM_THREADS OPENBLAS_CORETYPE KIT_RESULTS_JSON
n=256
if [ -n "${KIT_SANITIZED:-}" ]; then n=96; fi
par_codes "$openmp"

case $case_ in
solution-validate-1|solution-validate-2)
	# every reference kernel is within |C - AB| <= 3 eps n |A||B| at this thread count
	t=${case_##*-}
	expect 0 OMP_NUM_THREADS="$t" -- "$reference" --kernel all --validate
	last_line_is "PASS:"
	grep -q "threads   $t (omp_get_max_threads; OMP_NUM_THREADS=$t)\|threads   1 (built without OpenMP)" "$tmp/out" ||
		fail "the configuration does not show the requested threads"
	grep -q "^OpenBLAS .* variant, core .*, $t thread" "$tmp/out" ||
		fail "the configuration does not show OpenBLAS's variant, core and $t threads"
	# a size above the full check: the spot check of rows and columns
	expect 0 OMP_NUM_THREADS="$t" -- "$reference" -q --kernel blas -n 700 --validate
	last_line_is "PASS: blas: |C - AB| <= 3 eps n |A||B| at n = 700 (4 rows and 4 columns)" ;;
solution-parallel)
	# the library keeps 2 threads busy even without OpenMP in this program;
	# the hand-written loops only with it (77 in the serial build)
	expect 0 OMP_NUM_THREADS=2 -- "$reference" -q --kernel blas --expect-parallel
	expect "$par_ok" OMP_NUM_THREADS=2 -- "$reference" -q --kernel loops --expect-parallel
	expect 0 OMP_NUM_THREADS=2 -- "$reference" -q --kernel batch --expect-parallel ;;
solution-variant)
	# the linked OpenBLAS is the OpenMP variant (DESIGN section 6)
	have_py || skip "no /usr/bin/python3 to read the JSON"
	expect 0 OMP_NUM_THREADS=1 -- "$reference" -q --kernel blas -n 64 --json "$tmp/r.json"
	[ "$(json "$tmp/r.json" 'j["env"]["blas"]["variant"]')" = openmp ] ||
		fail "OpenBLAS is not the OpenMP variant: $(json "$tmp/r.json" 'j["env"]["blas"]')"
	expect 0 -- "$reference" --kernel blas -n 64 --validate
	grep -q '^OpenBLAS .* OpenMP variant' "$tmp/out" || fail "the configuration does not say 'OpenMP variant'" ;;
solution-sweep)
	# OMP_NUM_THREADS reaches openblas_get_num_threads (a fresh process each);
	# OPENBLAS_NUM_THREADS does not (the OpenMP build ignores it)
	expect 0 -- "$reference" --check-sweep 1,2 -n 64
	last_line_is "PASS: OMP_NUM_THREADS reached OpenBLAS"
	grep -q "1 -> 1, 2 -> 2" "$tmp/out" || fail "the verdict does not list 1 -> 1, 2 -> 2"
	have_py || exit $failed
	expect 0 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2 -- "$reference" --kernel blas -n 128 --json "$tmp/r.json"
	[ "$(json "$tmp/r.json" 'j["rows"][0]["columns"]["blas_threads"]')" = 1 ] ||
		fail "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2: blas_threads is not 1"
	grep -q "^note .*OPENBLAS_NUM_THREADS=2 has no effect" "$tmp/out" ||
		fail "no note that OPENBLAS_NUM_THREADS has no effect" ;;
solution-timing)
	# the timing mode: rates, scaling, JSON and CSV; KIT_RESULTS_JSON (./kit sweep) without --json
	expect 0 -- "$reference" --kernel blas -n "$n" --threads 1,2 --json "$tmp/r.json" --csv "$tmp/r.csv"
	grep -q '^scaling of blas' "$tmp/out" || fail "no scaling table with two thread counts"
	for col in gflops median_s blas_threads err_bound; do
		grep -q "\"$col\"" "$tmp/r.json" || fail "$col missing from the JSON"
		head -n 1 "$tmp/r.csv" | grep -q "$col" || fail "$col missing from the CSV header"
	done
	expect 0 KIT_RESULTS_JSON="$tmp/sweep.json" -- "$reference" -q --kernel blas -n 64
	[ -s "$tmp/sweep.json" ] || fail "no results written to KIT_RESULTS_JSON"
	expect 0 -- "$reference" -q --kernel all -n 64 --count 8 ;;
skeleton-validate)
	# the skeleton builds, runs and validates from day one
	for t in 1 2; do
		expect 0 OMP_NUM_THREADS=$t -- "$student" --kernel all --validate
		last_line_is "PASS:"
	done
	expect 0 -- "$student" -q --kernel all -n 64 --count 8 ;;
skeleton-fails)
	# the checks can fail: step 2's skeleton is serial, step 1's is no library
	expect "$par_fail" OMP_NUM_THREADS=2 -- "$student" --kernel loops --expect-parallel
	[ "$openmp" = 1 ] && last_line_is "FAIL: observed 1 busy thread"
	[ "$openmp" = 1 ] && { grep -q 'TODO(2)' "$tmp/out" || fail "the hint does not name TODO(2)"; }
	expect 1 OMP_NUM_THREADS=2 -- "$student" --kernel blas --expect-parallel
	last_line_is "FAIL: observed 1 busy thread"
	grep -q 'TODO(1)' "$tmp/out" || fail "the hint does not name TODO(1)" ;;
bad-arguments)
	# each bad argument: exit 2 and one line on stderr that names it, no crash
	bad_arguments "$reference" <<-'EOF'
	-n|-n 0
	-n|-n -5
	-n|-n abc
	-n|-n 1e3x
	needs|-q -n 200000
	needs|-q --kernel batch -n 20000 --count 1000
	--count|--count 0
	--threads|--threads 0
	--kernel|--kernel fast
	--check-sweep|--check-sweep 0
	--check-sweep|--kernel loops --check-sweep 1,2
	--reps|--reps 0
	--bogus|--bogus
	--seed|--seed
	EOF
	# too large to allocate, in a check: the verdict line, exit 2
	expect 2 -- "$reference" -q --kernel blas -n 200000 --validate
	last_line_is "FAIL: observed no run: the problem for n = 200000 could not be made"
	expect 2 OMP_NUM_THREADS=abc -- "$reference" --validate
	grep -q OMP_NUM_THREADS "$tmp/err" || fail "OMP_NUM_THREADS=abc: not named"
	expect 0 -- "$reference" --help
	grep -q '^usage: gemm' "$tmp/out" || fail "--help prints no usage" ;;
demo-blas|demo-batch|bench)
	# the demos and the benchmark at test size: exit 0, CSV + JSON (+ PNG with gnuplot)
	name=${case_#demo-}
	if [ "$case_" = bench ]; then
		expect 0 -- "$reference" --bench --quick --out "$tmp/o"
		name=blas
	else
		expect 0 -- "$reference" --demo "$name" --quick --out "$tmp/o"
	fi
	for f in "$name.csv" "$name.json"; do
		[ -s "$tmp/o/$f" ] || fail "$case_ wrote no $f"
	done
	if have_py; then
		json "$tmp/o/$name.json" 'j["schema"]' | grep -q ompkit-results/1 || fail "$name.json: not ompkit-results/1"
	fi
	if command -v gnuplot >/dev/null; then
		for f in "$tmp"/o/*.png; do
			[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "$f is not a PNG"
		done
	fi
	[ "$case_" = bench ] && { grep -q '^Targets' "$tmp/out" || fail "the benchmark prints no targets"; }
	[ "$case_" = demo-blas ] && { grep -q 'openblas_get_num_threads() followed OMP_NUM_THREADS' "$tmp/out" ||
		fail "the demo did not see OpenBLAS follow OMP_NUM_THREADS"; }
	expect 2 -- "$reference" --demo nosuch --out "$tmp/o"
	;;
emit-verify)
	# the protocol the grader uses: C as raw doubles, checked by the reference
	mkdir -p "$tmp/a" "$tmp/b" "$tmp/c"
	expect 0 OMP_NUM_THREADS=2 -- "$reference" --kernel blas -n 96 --emit "$tmp/a"
	[ "$(stat -c %s "$tmp/a/C.f64")" = $((96 * 96 * 8)) ] || fail "C.f64 is not 96 x 96 doubles"
	expect 0 -- "$reference" --kernel blas -n 96 --verify "$tmp/a"
	last_line_is "PASS: blas: |C - AB| <= 3 eps n |A||B| at n = 96"
	expect 0 OMP_NUM_THREADS=2 -- "$student" --kernel loops -n 96 --emit "$tmp/b"
	expect 0 -- "$reference" --kernel loops -n 96 --verify "$tmp/b"
	expect 0 -- "$reference" --kernel batch -n 32 --count 5 --emit "$tmp/c"
	expect 0 -- "$reference" --kernel batch -n 32 --count 5 --verify "$tmp/c"
	expect 1 -- "$reference" --kernel batch -n 32 --count 6 --verify "$tmp/c"
	# one element changed, a short file, a NaN
	cp "$tmp/a/result.json" "$tmp/b/"
	cp "$tmp/a/C.f64" "$tmp/b/C.f64"
	printf '\x00\x00\x00\x00\x00\x00\xf0\x3f' | dd of="$tmp/b/C.f64" bs=8 seek=100 conv=notrunc 2>/dev/null
	expect 1 -- "$reference" --kernel blas -n 96 --verify "$tmp/b"
	last_line_is "FAIL:"
	head -c 800 "$tmp/a/C.f64" >"$tmp/b/C.f64"
	expect 1 -- "$reference" --kernel blas -n 96 --verify "$tmp/b"
	grep -q 'C.f64 holds 800 bytes; expected 73728' "$tmp/out" || fail "a short C.f64: not named with its size"
	cp "$tmp/a/C.f64" "$tmp/b/C.f64"
	printf '\x00\x00\x00\x00\x00\x00\xf8\x7f' | dd of="$tmp/b/C.f64" bs=8 seek=5 conv=notrunc 2>/dev/null
	expect 1 -- "$reference" --kernel blas -n 96 --verify "$tmp/b" ;;
manifest)
	# exercise.json has the shape conventions.md section 3 defines, and every
	# item's arguments are accepted by the program (--help-free dry check: 2 = usage)
	have_py || skip "no /usr/bin/python3"
	/usr/bin/python3 "$(dirname "$0")/../check_manifest.py" "$manifest" gemm blas,batch \
		--every-step --print-args || failed=1
	;;
*)
	echo "ex02.sh: error: unknown case '$case_'" >&2
	exit 2 ;;
esac
exit $failed
