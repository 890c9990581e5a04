#!/usr/bin/env bash
# ex01.sh - end-to-end tests of exercise 01 (Monte Carlo pi), one case per run:
#   ex01.sh CASE STUDENT_PI REFERENCE_PI OPENMP(0|1) EXERCISE_JSON
# Exit 0 pass, 1 fail, 77 skip (meson). Under ASan (KIT_SANITIZED=1) the
# sample counts are 10x smaller. What each case checks is in its comment.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

case_=$1 student=$2 reference=$3 openmp=$4 manifest=$5
export OMP_WAIT_POLICY=passive KIT_QUIET=1
unset OMP_NUM_THREADS
small=2e6 big=2e7
if [ -n "${KIT_SANITIZED:-}" ]; then small=2e5 big=2e6; fi
par_codes "$openmp"

case $case_ in
solution-validate-1|solution-validate-2|solution-validate-3|solution-validate-8)
	# every reference kernel validates at this thread count
	t=${case_##*-}
	expect 0 OMP_NUM_THREADS="$t" -- "$reference" --kernel all -n "$small" --validate
	last_line_is "PASS:" ;;
solution-parallel)
	# the parallel kernels keep 2 threads busy (77 without OpenMP)
	for k in reduction streams same; do
		expect "$par_ok" OMP_NUM_THREADS=2 -- "$reference" -q --kernel "$k" -n "$small" --expect-parallel
	done ;;
solution-same-across)
	# step 4: bitwise the same count at 1, 2, 3 and 8 threads, as defined
	expect 0 -- "$reference" -q --kernel same -n "$big" --same-across 1,2,3,8
	last_line_is "PASS: the same"
	expect 0 -- "$reference" -q --kernel processes -n "$big" --same-across 1,2,3 ;;
solution-consistent)
	# step 3: repeatable at a fixed thread count
	for t in 2 3; do
		expect 0 OMP_NUM_THREADS="$t" -- "$reference" -q --kernel streams -n "$big" --consistent 5
	done ;;
solution-processes)
	# step 5: children did the work, none left behind, the count of step 4
	expect 0 OMP_NUM_THREADS=2 -- "$reference" -q --kernel processes -n "$big" --procs 2 --validate --expect-children
	expect 0 OMP_NUM_THREADS=2 -- "$reference" -q --kernel processes -n "$big" --procs 3 --validate --expect-children
	p=$("$reference" --kernel processes --procs 2 -n "$big" --json "$tmp/p.json" -q >/dev/null 2>&1; echo $?)
	[ "$p" = 0 ] || fail "timing the processes kernel: exit $p" ;;
solution-timing)
	# the timing mode: a sweep, a scaling table, JSON and CSV with the rates
	expect 0 -- "$reference" --kernel same -n "$small" --threads 1,2 --json "$tmp/r.json" --csv "$tmp/r.csv"
	grep -q '^scaling of same' "$tmp/out" || fail "no scaling table with two thread counts"
	for col in ns_per_sample samples_per_s median_s; do
		grep -q "$col" "$tmp/r.json" || fail "$col missing from the JSON"
		head -n 1 "$tmp/r.csv" | grep -q "$col" || fail "$col missing from the CSV header"
	done ;;
skeleton-validate)
	# the skeleton builds, runs and validates serially from day one
	expect 0 OMP_NUM_THREADS=2 -- "$student" --kernel all -n "$small" --validate
	last_line_is "PASS:"
	expect 0 -- "$student" -q --kernel all -n "$small" ;;
skeleton-fails)
	# the checks can fail: the skeleton is not parallel and not the same answer
	expect "$par_fail" OMP_NUM_THREADS=2 -- "$student" --kernel reduction -n "$small" --expect-parallel
	[ "$openmp" = 1 ] && last_line_is "FAIL: observed 1 busy thread"
	[ "$openmp" = 1 ] && { grep -q 'TODO(2)' "$tmp/out" || fail "the hint does not name TODO(2)"; }
	expect 1 -- "$student" --kernel same -n "$small" --same-across 1,2
	last_line_is "FAIL: observed"
	expect 1 -- "$student" --kernel processes -n "$small" --procs 2 --expect-children
	last_line_is "FAIL: observed no CPU time in child processes" ;;
bad-arguments)
	# each bad argument: exit 2 and one line on stderr that names it
	bad_arguments "$reference" <<-'EOF2'
	-n|-n 0
	-n|-n -5
	-n|-n abc
	-n|-n 1e3x
	--threads|--threads 0
	--threads|--threads 1,x
	--procs|--procs 0
	--kernel|--kernel fast
	--consistent|--consistent 1
	--same-across|--same-across 0
	--bogus|--bogus
	--seed|--seed
	EOF2
	expect 2 OMP_NUM_THREADS=abc -- "$reference" --validate
	grep -q OMP_NUM_THREADS "$tmp/err" || fail "OMP_NUM_THREADS=abc: not named"
	expect 0 -- "$reference" --help
	grep -q '^usage: pi' "$tmp/out" || fail "--help prints no usage" ;;
emit-verify)
	# the protocol the grader uses: the program writes, the reference judges
	v() { expect "$1" -- "$reference" "${@:2}"; }
	for d in a b c e f g; do mkdir -p "$tmp/$d"; done
	expect 0 OMP_NUM_THREADS=1 -- "$reference" --kernel same -n "$small" --emit "$tmp/a"
	expect 0 OMP_NUM_THREADS=3 -- "$reference" --kernel same -n "$small" --emit "$tmp/b"
	[ -s "$tmp/a/result.json" ] || fail "--emit wrote no result.json"
	[ -s "$tmp/out" ] && fail "--emit printed on stdout"
	v 0 --kernel same -n "$small" --verify "$tmp/a,$tmp/b"
	last_line_is "PASS: same:"
	[ "$(wc -l <"$tmp/out")" = 1 ] || fail "--verify printed more than one line"
	# the skeleton's step 4 is not the defined count
	expect 0 OMP_NUM_THREADS=2 -- "$student" --kernel same -n "$small" --emit "$tmp/c"
	v 1 --kernel same -n "$small" --verify "$tmp/c"
	last_line_is "FAIL: $tmp/c:"
	grep -q 'TODO(4)' "$tmp/out" || fail "the verdict does not name TODO(4)"
	# a count off by one, and another run's n
	sed 's/"hits":[^,]*/"hits": 1/' "$tmp/a/result.json" >"$tmp/e/result.json"
	v 1 --kernel same -n "$small" --verify "$tmp/e"
	v 1 --kernel same -n 1000 --verify "$tmp/a"
	# step 3: the same count at one thread count, not across them
	expect 0 OMP_NUM_THREADS=2 -- "$reference" --kernel streams -n "$small" --emit "$tmp/f"
	expect 0 OMP_NUM_THREADS=2 -- "$reference" --kernel streams -n "$small" --emit "$tmp/g"
	expect 0 OMP_NUM_THREADS=3 -- "$reference" --kernel streams -n "$small" --emit "$tmp/c"
	v 0 --kernel streams -n "$small" --verify "$tmp/f,$tmp/g,$tmp/c"
	sed 's/"hits":\t*\([0-9]*\)[0-9]/"hits": \14/' "$tmp/f/result.json" >"$tmp/g/result.json"
	cmp -s "$tmp/f/result.json" "$tmp/g/result.json" &&
		sed -i 's/"hits":\t*\([0-9]*\)[0-9]/"hits": \15/' "$tmp/g/result.json"
	v 1 --kernel streams -n "$small" --verify "$tmp/f,$tmp/g"
	grep -q 'promises the same result at a fixed thread count' "$tmp/out" ||
		fail "two different counts at 2 threads: not reported as such"
	# step 5 in processes; step 1 within 5 standard errors
	expect 0 OMP_NUM_THREADS=2 -- "$reference" --kernel processes --procs 3 -n "$small" --emit "$tmp/e"
	v 0 --kernel processes -n "$small" --verify "$tmp/e"
	expect 0 -- "$reference" --kernel serial -n "$small" --emit "$tmp/e"
	v 0 --kernel serial -n "$small" --verify "$tmp/e"
	# untrusted folders: missing, not JSON, too large, a FIFO (no hang), a link
	v 1 --kernel same -n "$small" --verify "$tmp/none"
	echo '{"exercise": ' >"$tmp/e/result.json"
	v 1 --kernel same -n "$small" --verify "$tmp/e"
	head -c 2000000 /dev/zero | tr '\0' ' ' >"$tmp/e/result.json"
	v 1 --kernel same -n "$small" --verify "$tmp/e"
	grep -q 'more than the' "$tmp/out" || fail "a 2 MB result.json: not refused for its size"
	rm -f "$tmp/e/result.json"; mkfifo "$tmp/e/result.json"
	timeout 10 "$reference" --kernel same -n "$small" --verify "$tmp/e" >"$tmp/out" 2>&1
	[ $? = 1 ] || fail "a FIFO result.json: not a plain FAIL (hang or crash?)"
	rm -f "$tmp/e/result.json"; ln -s "$tmp/a/result.json" "$tmp/e/result.json"
	v 1 --kernel same -n "$small" --verify "$tmp/e"
	# usage: one kernel, a folder that exists
	v 2 --kernel all --verify "$tmp/a"
	v 2 --kernel same --emit "$tmp/none" ;;
manifest)
	# exercise.json has the shape conventions.md section 3 defines
	py=/usr/bin/python3
	[ -x "$py" ] || skip "no /usr/bin/python3"
	"$py" "$(dirname "$0")/../check_manifest.py" "$manifest" pi pi,race,rand,gil,false-sharing \
		--hint-prefix "Look at TODO" --hint-prefix pi_serial || failed=1
	;;
*)
	echo "ex01.sh: error: unknown case '$case_'" >&2
	exit 2 ;;
esac
exit $failed
