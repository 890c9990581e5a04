#!/usr/bin/env bash
# ex08.sh - end-to-end tests of exercise 08 (hybrid MPI + OpenMP pi), one case per run:
#   ex08.sh CASE STUDENT REFERENCE OPENMP(0|1) EXERCISE_JSON KIT_CLI SOURCE_ROOT BUILD_ROOT
# Exit 0 pass, 1 fail, 77 skip (meson). Programs run under Open MPI's mpirun
# (as root: with Open MPI's two root variables). Under ASan (KIT_SANITIZED=1)
# sizes are 10x smaller and LeakSanitizer is off: Open MPI keeps allocations
# of its own until the process ends, which LeakSanitizer reports as leaks.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

case_=$1 student=$2 reference=$3 openmp=$4 manifest=$5 kit_cli=$6 root=$7 build=$8
export OMP_WAIT_POLICY=passive KIT_QUIET=1 OMPI_MCA_mpi_yield_when_idle=1
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset OMP_NUM_THREADS
n=2e7
if [ -n "${KIT_SANITIZED:-}" ]; then
	n=2e6
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fi
mpirun=(mpirun --oversubscribe --bind-to none)

# The defined count for (n, seed): the reference, one process, one thread.
count_of() {
	OMP_NUM_THREADS=1 "$reference" -q --kernel hybrid -n "$1" --seed "$2" --validate |
		sed -n 's/^PASS: hybrid: \([0-9]*\) hits.*/\1/p'
}

case $case_ in
solution-ranks)
	# the one-process count at 1, 2, 3 ranks x 1, 2 threads
	for r in 1 2 3; do
		for t in 1 2; do
			expect 0 OMP_NUM_THREADS="$t" -- "${mpirun[@]}" -np "$r" "$reference" -q -n "$n" --validate
			last_line_is "PASS: hybrid: "
			has out "at $r rank" || fail "the PASS line does not say $r ranks"
		done
	done
	want=$(count_of "$n" 2026)
	[ -n "$want" ] && grep -q "^PASS: hybrid: $want hits" "$tmp/out" && pass "3 ranks x 2 threads: $want hits, as one process" ||
		fail "3 ranks x 2 threads did not give the one-process count ($want)" ;;
solution-timing)
	# the timing mode on 2 ranks: a sweep with the ranks column and a scaling table
	expect 0 -- "${mpirun[@]}" -np 2 "$reference" -n "$n" --threads 1,2 --json "$tmp/r.json"
	grep -q '^scaling of hybrid' "$tmp/out" || fail "no scaling table with two thread counts"
	grep -q '"ranks"' "$tmp/r.json" && pass "the JSON has a ranks column" || fail "no ranks column in the JSON" ;;
skeleton)
	# the skeleton runs at 1 rank from day one; at 2 ranks every rank counts
	# every sample and the check says so; with 2 threads MPI_THREAD_SINGLE fails
	expect 0 OMP_NUM_THREADS=1 -- "$student" -q -n "$n" --validate
	expect 1 OMP_NUM_THREADS=1 -- "${mpirun[@]}" -np 2 "$student" -q -n "$n" --validate
	has out "2.00 times it: ranks counted the same samples" || fail "the skeleton's 2-rank failure does not say why"
	has out "TODO(2)" || fail "the hint does not name TODO(2)"
	if [ "$openmp" = 1 ]; then	# without OpenMP there is 1 thread, and SINGLE is enough
		expect 1 OMP_NUM_THREADS=2 -- "$student" -q -n "$n" --validate
		has out "MPI_THREAD_SINGLE" || fail "the skeleton's thread level is not named"
	fi ;;
emit-verify)
	# --emit under mpirun writes one result.json (rank 0); --verify, without
	# MPI, passes it for its seed and fails it for another and when tampered
	mkdir -p "$tmp/e"
	expect 0 OMP_NUM_THREADS=2 -- "${mpirun[@]}" -np 3 "$reference" -n "$n" --seed 99 --emit "$tmp/e"
	[ "$(ls "$tmp/e")" = result.json ] && pass "one result.json, nothing else" || fail "emit wrote: $(ls "$tmp/e")"
	expect 0 -- "$reference" -n "$n" --seed 99 --verify "$tmp/e"
	last_line_is "PASS: hybrid: "
	expect 1 -- "$reference" -n "$n" --seed 98 --verify "$tmp/e"
	sed -i 's/"hits":\t\([0-9]*\)/"hits":\t1\1/' "$tmp/e/result.json"
	expect 1 -- "$reference" -n "$n" --seed 99 --verify "$tmp/e"
	has out "not the .* of one process" || fail "a tampered count is not named" ;;
bad-arguments)
	# a bad option: one line, exit 2, and mpirun ends every rank
	expect 2 -- "$reference" --kernel nope
	has err "error: .*--kernel" || fail "no error line naming --kernel"
	capture timeout 60 "${mpirun[@]}" -np 2 "$reference" -n 0
	[ "$rc" != 0 ] && [ "$rc" != 124 ] && pass "-n 0 under mpirun: exit $rc, no hang" || fail "-n 0 under mpirun: exit $rc"
	# mpirun reaps its ranks as it ends; a zombie being reaped is not a rank left running
	for _ in $(seq 25); do
		left=$(ps -C hybrid -o stat=,pid=,args= | awk '$1 !~ /^Z/')
		[ -z "$left" ] && break
		sleep 0.2
	done
	[ -z "$left" ] && pass "no rank left running" || fail "ranks left running: $left" ;;
demos)
	# binding: 4 rows; pinned to one core, 2 threads are no faster than 1 (where
	# mpirun could bind here). ranks-threads: the grid's heat maps as text and
	# PNG, a row per cell, the Python count beside it.
	demos=$build/demos/08-hybrid-mpi/hybrid-demos
	expect 0 -- "$demos" --demo binding --quick -n "$n"
	rows=$(grep -cE '^(1 thread|2 threads), ' "$tmp/out")
	[ "$rows" = 4 ] && pass "binding: 4 rows" || fail "binding: $rows rows, not 4"
	sp=$(sed -n 's/^2 threads, --bind-to core (the default) .* \([0-9.]*\)x  bound to .*/\1/p' "$tmp/out")
	if [ -n "$sp" ]; then
		awk -v s="$sp" 'BEGIN { exit !(s < 1.5) }' && pass "2 threads pinned to one core: ${sp}x, no faster than 1" ||
			fail "2 threads pinned to one core ran ${sp}x faster than 1: not pinned?"
	else
		has out "could not run here"
	fi
	expect 0 -- "$demos" --demo ranks-threads --quick -n "$n" --out "$tmp/rt"
	has out "seconds for the pi count (median; lower is better)"
	has out "threads . ranks"
	has out "the C count"
	cells=$(grep -cE '^ +[12] +[12] +[0-9]+ +[0-9.]+ +[0-9.]+x' "$tmp/out")
	[ "$cells" = 4 ] && pass "ranks-threads: 4 cells" || fail "ranks-threads: $cells cells, not 4"
	for f in sweep.csv sweep-time.png sweep-speedup.png; do
		[ -s "$tmp/rt/$f" ] && pass "ranks-threads wrote $f" || fail "ranks-threads: no $f"
	done
	expect 2 -- "$demos" --demo nothing
	has err "pingpong, ranks-threads or binding" ;;
manifest)
	have_py || skip "no python3"
	demos=$(python3 -c 'import json,sys; print(",".join(d["name"] for d in json.load(open(sys.argv[1]))["demos"]))' "$manifest")
	expect 0 -- python3 "$root/tests/check_manifest.py" "$manifest" hybrid "$demos" --every-step --hint-prefix "Look at TODO(" ;;
grader)
	# ./kit grade: the solution gets full marks, the skeleton none, and a
	# solution with each bug of grader/*.patch fails the item it should
	have_py || skip "no python3"
	[ -n "${KIT_SANITIZED:-}" ] && skip "the grader's MPI items run in the release build (minutes under ASan)"
	[ "$openmp" = 1 ] || skip "without OpenMP the threads of step 3 cannot be seen"
	python3 "$(dirname "$0")/grader_test.py" "$kit_cli" "$root" "$build"; exit $? ;;
cluster)
	bash "$(dirname "$0")/cluster_test.sh" "$reference" "$root"; exit $? ;;
*)
	echo "unknown case $case_" >&2; exit 2 ;;
esac
exit $failed
