#!/usr/bin/env bash
# ex00.sh - end-to-end tests of exercise 00 (threads and data sharing), one
# case per run:
#   ex00.sh CASE STUDENT REFERENCE DEMOS OPENMP(0|1) EXERCISE_JSON
# Exit 0 pass, 1 fail, 77 skip (meson). Under ASan (KIT_SANITIZED=1) the work
# sizes are 10x smaller. What each case checks is in its comment.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

case_=$1
if [ "$case_" = broken ]; then	# broken PROGRAM REFERENCE KERNEL OPENMP THREADS REGEX
	student=$2 reference=$3 kernel=$4 openmp=$5 threads=$6 says=$7
else
	student=$2 reference=$3 demos=$4 openmp=$5 manifest=$6
fi
export OMP_WAIT_POLICY=passive KIT_QUIET=1
unset OMP_NUM_THREADS
kernels="team filter compact insert handoff"
# n per kernel: big enough that a missing clause shows, small enough for CI
declare -A n=([team]=2e7 [filter]=1e6 [compact]=1e6 [insert]=1e6 [handoff]=5e3)
if [ -n "${KIT_SANITIZED:-}" ]; then n=([team]=2e6 [filter]=1e5 [compact]=1e5 [insert]=1e5 [handoff]=1e3); fi
par_codes "$openmp"

# emit PROGRAM KERNEL THREADS SEED DIR: PROGRAM --emit DIR, which must exit 0
emit() {
	mkdir -p "$5"
	expect 0 OMP_NUM_THREADS="$3" -- "$1" --kernel "$2" -n "${n[$2]}" --seed "$4" --emit "$5"
}
# verify KERNEL SEED STATUS DIRS: the reference's --verify exits STATUS with one line
verify() {
	expect "$3" -- "$reference" --kernel "$1" -n "${n[$1]}" --seed "$2" --verify "$4"
	[ "$(wc -l <"$tmp/out")" = 1 ] || fail "--verify printed $(wc -l <"$tmp/out") lines, not one"
	case $3 in 0) last_line_is "PASS: $1" ;; 1) last_line_is "FAIL: " ;; esac
}

case $case_ in
solution-validate-1|solution-validate-2|solution-validate-3)
	# every reference kernel validates (exactly) at this thread count
	t=${case_##*-}
	for k in $kernels; do
		expect 0 OMP_NUM_THREADS="$t" -- "$reference" --kernel "$k" -n "${n[$k]}" --validate
		last_line_is "PASS: $k"
	done ;;
solution-emit-verify)
	# the grader's path: emits at 1, 2 and 3 threads with a fresh seed pass
	# --verify one by one and together (the same answer at any thread count)
	seed=$RANDOM$RANDOM
	for k in $kernels; do
		for t in 1 2 3; do
			emit "$reference" "$k" "$t" "$seed" "$tmp/$k-$t"
			verify "$k" "$seed" 0 "$tmp/$k-$t"
		done
		verify "$k" "$seed" 0 "$tmp/$k-1,$tmp/$k-2,$tmp/$k-3"
	done
	grep -q "handed from thread 0 to thread $openmp" "$tmp/out" ||
		fail "handoff: not thread $openmp that consumed: $(cat "$tmp/out")" ;;
solution-parallel)
	# the parallel kernels keep 2 threads busy (77 without OpenMP)
	for k in team filter compact insert; do
		expect "$par_ok" OMP_NUM_THREADS=2 -- "$reference" -q --kernel "$k" -n "${n[$k]}" --expect-parallel
	done ;;
solution-timing)
	# the timing mode: a sweep with a scaling table and the JSON the speed items read
	expect 0 -- "$reference" --kernel filter -n "${n[filter]}" --threads 1,2 --json "$tmp/r.json"
	grep -q '^scaling of filter' "$tmp/out" || fail "no scaling table with two thread counts"
	grep -q median_s "$tmp/r.json" || fail "median_s missing from the JSON" ;;
skeleton-validate)
	# the skeleton builds, runs and validates serially from day one
	for k in $kernels; do
		expect 0 OMP_NUM_THREADS=1 -- "$student" --kernel "$k" -n "${n[$k]}" --validate
	done ;;
skeleton-fails)
	# every TODO item fails at 2 threads: steps 1 and 5 by their answer (a team
	# of one; the wrong thread consumed), steps 1-4 by the threads that worked
	[ "$openmp" = 1 ] || skip "without OpenMP the skeleton is the serial answer"
	seed=$RANDOM
	for k in team handoff; do
		emit "$student" "$k" 2 "$seed" "$tmp/$k"
		verify "$k" "$seed" 1 "$tmp/$k"
	done
	grep -q "thread 1 of a team of two" "$tmp/out" || fail "handoff: $(cat "$tmp/out")"
	for k in team filter compact insert; do
		expect 1 OMP_NUM_THREADS=2 -- "$student" --kernel "$k" -n "${n[$k]}" --expect-parallel
		last_line_is "FAIL: observed"
		grep -q "TODO(" "$tmp/out" || fail "$k: the hint names no TODO block"
	done ;;
verify-untrusted)
	# --verify reads the emitted folder as untrusted data: each broken one is a
	# FAIL naming what is wrong (exit 1), never a crash or a pass
	seed=7
	emit "$reference" insert 2 "$seed" "$tmp/ok"
	bad() {	# bad NAME KERNEL REGEX: make $tmp/NAME from $tmp/ok (the caller changes it)
		verify "$2" "$seed" 1 "$tmp/$1"
		grep -Eq -- "$3" "$tmp/out" || fail "$1: the FAIL line does not say /$3/: $(cat "$tmp/out")"
	}
	cp -r "$tmp/ok" "$tmp/short" && truncate -s -4 "$tmp/short/next.i32"
	bad short insert "next.i32"
	cp -r "$tmp/ok" "$tmp/gone" && rm "$tmp/gone/buckets.i32"
	bad gone insert "buckets.i32"
	cp -r "$tmp/ok" "$tmp/link" && rm "$tmp/link/next.i32" && ln -s /dev/zero "$tmp/link/next.i32"
	bad link insert "next.i32"
	cp -r "$tmp/ok" "$tmp/loop" && printf '\0\0\0\0' | dd of="$tmp/loop/next.i32" conv=notrunc status=none
	bad loop insert "twice|belongs|count|no list"
	cp -r "$tmp/ok" "$tmp/json" && echo '{"exercise": 1' >"$tmp/json/result.json"
	bad json insert "result.json"
	cp -r "$tmp/ok" "$tmp/kernel" && sed -i 's/"insert"/"filter"/' "$tmp/kernel/result.json"
	bad kernel insert "kernel insert"
	emit "$reference" compact 2 "$seed" "$tmp/c"
	sed -i -E 's/"a":[[:space:]]*[0-9]+/"a": 99999999999/' "$tmp/c/result.json"
	bad c compact "readings kept"
	emit "$reference" team 2 "$seed" "$tmp/t"
	sed -i -E 's/"b":[[:space:]]*"[0-9]+"/"b": "12x"/' "$tmp/t/result.json"
	bad t team "whole number" ;;
demo)
	# the hand-off demo: the seq_cst row is right; its CSV is written (77 without OpenMP)
	expect "$par_ok" -- "$demos" --demo handoff --quick --out "$tmp/d"
	if [ "$openmp" = 1 ]; then
		grep -Eq '^seq_cst .*(right|SLOW)' "$tmp/out" || fail "no seq_cst row: $(cat "$tmp/out")"
		grep_in "$tmp/d/handoff.csv" '^seq_cst,omp atomic seq_cst,(right|slow),' "the CSV's seq_cst row"
	fi
	expect 2 -- "$demos" --demo nothing
	has err handoff ;;
broken)
	# a broken version of the reference: its emitted answer fails --verify,
	# saying what is wrong, in every one of 3 runs
	[ "$openmp" = 1 ] || skip "without OpenMP the pragma that holds the bug is ignored"
	for run in 1 2 3; do
		emit "$student" "$kernel" "$threads" "$run" "$tmp/$run"
		verify "$kernel" "$run" 1 "$tmp/$run"
		grep -Eq -- "$says" "$tmp/out" || fail "run $run: the FAIL line does not say /$says/: $(cat "$tmp/out")"
	done ;;
bad-arguments)
	# each bad argument: exit 2 and one line on stderr that names it
	bad_arguments "$reference" <<-'EOF2'
	-n|-n 0
	-n|-n abc
	-n|--kernel filter -n 3e8
	--kernel|--kernel fast
	--threads|--threads 0
	--same-across|--same-across 0
	--bogus|--bogus
	--seed|--seed
	--emit|--kernel team --emit /nonexistent/folder
	EOF2
	expect 2 OMP_NUM_THREADS=abc -- "$reference" --validate
	grep -q OMP_NUM_THREADS "$tmp/err" || fail "OMP_NUM_THREADS=abc: not named"
	expect 0 -- "$reference" --help
	grep -q '^usage: sharing' "$tmp/out" || fail "--help prints no usage" ;;
manifest)
	# exercise.json: every step has a correct and a tsan item whose hint names
	# its TODO block; kinds, thread tokens and kernels are ones that exist
	have_py || skip "no /usr/bin/python3"
	/usr/bin/python3 - "$manifest" <<-'EOF2' || fail "exercise.json"
	import json, sys
	m = json.load(open(sys.argv[1]))
	for key in ("exercise", "title", "program", "edit", "steps", "demos", "items"):
	    assert key in m, "missing " + key
	assert m["program"] == "sharing" and m["edit"] == ["sharing.c"]
	kernels = {"1": "team", "2": "filter", "3": "compact", "4": "insert", "5": "handoff"}
	assert set(m["steps"]) == set(kernels), m["steps"]
	ids, kinds = set(), {}
	for it in m["items"]:
	    for key in ("id", "step", "points", "kind", "name", "args", "threads", "hint"):
	        assert key in it, (it.get("id"), key)
	    assert it["id"] not in ids, it["id"]
	    ids.add(it["id"])
	    s = str(it["step"])
	    assert it["kind"] in ("correct", "tsan", "speed", "speedup"), it["kind"]
	    assert it["points"] > 0, it["id"]
	    assert it["hint"].startswith("Look at TODO(%s) in sharing.c" % s), it["id"]
	    assert it["args"][:2] == ["--kernel", kernels[s]], it["id"]
	    for t in it["threads"]:
	        assert t.isdigit() or t in ("cores", "cpus", "cpus+1"), t
	    kinds.setdefault(s, set()).add(it["kind"])
	for s in kernels:
	    assert {"correct", "tsan"} <= kinds.get(s, set()), "step %s lacks an item" % s
	print("ok: %d items, %d points" % (len(m["items"]), sum(i["points"] for i in m["items"])))
	EOF2
	;;
*)
	echo "ex00.sh: error: unknown case '$case_'" >&2
	exit 2 ;;
esac
exit $failed
