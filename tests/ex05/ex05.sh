#!/usr/bin/env bash
# ex05.sh - end-to-end tests of exercise 05 (processes and IPC), one case a run:
#   ex05.sh CASE STUDENT_IPC REFERENCE_IPC IPC_DEMOS OPENMP(0|1) EXERCISE_JSON
# Exit 0 pass, 1 fail, 77 skip (meson). Under ASan (KIT_SANITIZED=1) the
# problems are smaller. What each case checks is in its comment.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

case_=$1 student=$2 reference=$3 demos=$4 openmp=$5 manifest=$6
export OMP_WAIT_POLICY=passive KIT_QUIET=1
unset OMP_NUM_THREADS
procs_kernels="pool shared partial fib-procs"
small=(-n 20000) count=(-n 2000000)
if [ -n "${KIT_SANITIZED:-}" ]; then small=(-n 5000) count=(-n 200000); fi
par_codes "$openmp"

# The names this run may leave in /dev/shm and /dev/mqueue (none, ever).
leftovers() {
	ls /dev/shm /dev/mqueue 2>/dev/null | grep -E "^ompkit-ipc-$1-" || true
}

case $case_ in
solution-validate)
	# every reference kernel gives the defined answer at 1, 2 and 3 threads
	# and 1, 2 and 3 worker processes
	for t in 1 2 3; do
		expect 0 OMP_NUM_THREADS=$t -- "$reference" --kernel all --procs $t --validate
		last_line_is "PASS:"
	done
	expect 0 -- "$reference" -q --kernel fib-threads --fib 20 -n 9 --same-across 1,2,3
	expect 0 -- "$reference" -q --kernel pool "${small[@]}" --size 10 --procs 2 --same-across 1,3 ;;
solution-children)
	# the process kernels ran in children, all reaped; fib-threads on 2 threads
	for k in $procs_kernels; do
		expect 0 -- "$reference" -q --kernel $k --procs 2 --validate --expect-children
		last_line_is "PASS:"
	done
	expect "$par_ok" OMP_NUM_THREADS=2 -- "$reference" -q --kernel fib-threads --fib 30 --expect-parallel ;;
emit-verify)
	# the grader's protocol: the reference passes its own outputs, fails the
	# skeleton's process kernels (no child did the work), a changed value, a
	# forged count and another seed's folder
	for k in serial pool shared partial fib-threads fib-procs; do
		mkdir -p "$tmp/r-$k" "$tmp/s-$k"
		expect 0 OMP_NUM_THREADS=2 -- "$reference" --kernel $k --procs 2 --seed 11 --emit "$tmp/r-$k"
		expect 0 -- "$reference" --kernel $k --procs 2 --seed 11 --verify "$tmp/r-$k,$tmp/r-$k"
		last_line_is "PASS:"
		expect 0 OMP_NUM_THREADS=2 -- "$student" --kernel $k --procs 2 --seed 11 --emit "$tmp/s-$k"
	done
	for k in $procs_kernels; do
		expect 1 -- "$reference" --kernel $k --procs 2 --seed 11 --verify "$tmp/s-$k"
		last_line_is "FAIL:"
		has out "the work ran in this process"
	done
	expect 0 -- "$reference" --kernel serial --procs 2 --seed 11 --verify "$tmp/s-serial"
	printf 'xxxxxxxx' | dd of="$tmp/r-pool/values.u64" bs=1 seek=80 conv=notrunc 2>/dev/null
	expect 1 -- "$reference" --kernel pool --procs 2 --seed 11 --verify "$tmp/r-pool"
	has out "task 10"
	sed -i 's/"count":[^,]*/"count": 5/' "$tmp/r-shared/result.json"
	expect 1 -- "$reference" --kernel shared --procs 2 --seed 11 --verify "$tmp/r-shared"
	has out "ripe items counted"
	sed -i 's/"count":[^,]*/"count": 0/' "$tmp/r-partial/result.json"
	expect 1 -- "$reference" --kernel partial --procs 2 --seed 11 --verify "$tmp/r-partial"
	has out "its own copy of the counter"
	expect 1 -- "$reference" --kernel partial --procs 2 --seed 12 --verify "$tmp/r-partial"
	: >"$tmp/r-fib-procs/values.u64"
	expect 1 -- "$reference" --kernel fib-procs --procs 2 --seed 11 --verify "$tmp/r-fib-procs"
	has out "values.u64 holds 0 bytes" ;;
skeleton-validate)
	# the skeleton builds, runs and gives the defined answers serially from day one
	expect 0 OMP_NUM_THREADS=2 -- "$student" --kernel all --procs 2 --validate
	last_line_is "PASS:"
	for k in serial pool fib-threads; do
		expect 0 -- "$student" -q --kernel $k --reps 1
	done ;;
skeleton-fails)
	# the checks can fail: the skeleton forks nothing and uses one thread
	for k in $procs_kernels; do
		expect 1 -- "$student" --kernel $k --procs 2 --expect-children
		last_line_is "FAIL: observed no CPU time in child processes"
		has out "TODO("
	done
	expect "$par_fail" OMP_NUM_THREADS=2 -- "$student" --kernel fib-threads --fib 30 --expect-parallel ;;
bad-arguments)
	# each bad argument: exit 2 and one line on stderr that names it
	bad_arguments "$reference" <<-'EOF2'
	-n|-n 0
	-n|-n abc
	--procs|--procs 0
	--procs|--procs 1000
	--kernel|--kernel fast
	--size|--size -1
	--fib|--fib 2
	--fib|--fib 60
	--bogus|--bogus
	--emit|--emit /nonexistent/folder --kernel pool
	-n|--kernel pool -n 20000000
	--expect-children|--kernel serial --expect-children
	EOF2
	bad_arguments "$demos" <<-'EOF2'
	--demo|--demo
	--procs|--demo pool --procs 0
	--kill-sender|--demo messages --kill-sender 0
	unknown demo|--demo nosuch
	EOF2
	;;
bad-inputs)
	# odd and broken inputs, one case each: a folder to --verify that is
	# missing or a file; in it a missing, empty, huge, folder or FIFO
	# result.json or values.u64, or a number out of range (exit 1, FAIL
	# naming the file: the program's output judged, as the grader needs it,
	# never a hang); OMP_NUM_THREADS=abc; output paths that
	# cannot be written, refused before any work (exit 2); a full disk
	# leaves no half-written file.
	v=("$reference" --kernel pool --procs 2 -n 2000 --seed 1)
	ns=(unshare -m sh -c 'mount -t tmpfs -o "$1" tmpfs "$2" && shift 2 && exec "$@"' sh)
	mkdir "$tmp/good"
	expect 0 -- "$reference" --kernel pool --procs 2 -n 2000 --seed 1 --emit "$tmp/good"
	expect 1 -- "${v[@]}" --verify "$tmp/none"
	last_line_is "FAIL: $tmp/none: result.json is missing from $tmp/none"
	expect 1 -- "${v[@]}" --verify "$tmp/good,$tmp/good/result.json"
	last_line_is "FAIL: $tmp/good/result.json: cannot read result.json in $tmp/good/result.json: Not a directory"
	bad() {	# bad NAME WHAT MESSAGE: a copy of good/ whose NAME is WHAT; FAIL naming it
		local d=$tmp/bad-$1-$2
		mkdir "$d" && cp "$tmp/good/"* "$d/" && rm "$d/$1"
		case $2 in
		missing) ;;
		empty) : >"$d/$1" ;;
		folder) mkdir "$d/$1" ;;
		fifo) mkfifo "$d/$1" ;;
		huge) truncate -s 10G "$d/$1" ;;
		esac
		expect 1 -- timeout 30 "$reference" --kernel pool --procs 2 -n 2000 --seed 1 --verify "$d"
		last_line_is "FAIL:"
		has out "$3"
	}
	bad values.u64 missing "values.u64 is missing from"
	bad values.u64 empty "values.u64 holds 0 bytes; expected 16000"
	bad values.u64 folder "values.u64 in .* is not a regular file"
	bad values.u64 fifo "values.u64 in .* is not a regular file"
	bad values.u64 huge "values.u64 holds 10737418240 bytes; expected 16000"
	bad result.json missing "result.json is missing from"
	bad result.json empty "result.json is not valid JSON"
	bad result.json folder "result.json in .* is not a regular file"
	bad result.json fifo "result.json in .* is not a regular file"
	bad result.json huge "result.json holds 10737418240 bytes, more than the"
	mkdir "$tmp/big" && cp "$tmp/good/"* "$tmp/big/"
	sed -i 's/"children":[^,]*/"children": 1e300/' "$tmp/big/result.json"
	expect 1 -- "${v[@]}" --verify "$tmp/big"
	last_line_is "FAIL: $tmp/big: result.json's \"children\" is 1e+300, not a whole number"
	# bad numbers and environment: exit 2, one line naming it
	bad_arguments "$reference" <<-'EOF2'
	-n|--kernel pool -n 1e30
	-n|--kernel pool -n 2.5
	-n|--kernel shared -n 1e12
	--seed|--kernel pool --seed -1
	--size|--kernel pool --size 99999999999
	--procs|--kernel pool --procs abc
	--json|--kernel pool --json /
	EOF2
	for t in abc 0 99999999999; do
		expect 2 OMP_NUM_THREADS=$t -- "$reference" --kernel pool --procs 2
		has err "OMP_NUM_THREADS='$t' is not a thread count; set a whole number from 1 up"
	done
	# output paths: refused before any work (nothing on stdout)
	expect 2 -- "$reference" --kernel pool --json "$tmp/good"
	has err "--json '$tmp/good' is a folder, not a file name"
	expect 2 -- "$reference" --kernel pool --csv "$tmp/nodir/x.csv"
	has err "--csv '$tmp/nodir/x.csv': the folder '$tmp/nodir' does not exist"
	[ -s "$tmp/out" ] && fail "--csv into a missing folder: the work ran first"
	if unshare -m true 2>/dev/null; then
		mkdir "$tmp/ro" "$tmp/full"
		expect 2 -- "${ns[@]}" ro "$tmp/ro" "$reference" --kernel pool --procs 2 --emit "$tmp/ro"
		has err "--emit '$tmp/ro': cannot write in this folder (Read-only file system)"
		[ -s "$tmp/out" ] && fail "--emit to a read-only folder: the work ran first"
		expect 2 -- "${ns[@]}" ro "$tmp/ro" "$reference" --kernel pool --json "$tmp/ro/x.json"
		has err "cannot write in the folder '$tmp/ro' (Read-only file system)"
		[ -s "$tmp/out" ] && fail "--json to a read-only folder: the work ran first"
		# a full disk: an error naming the file, and no file half-written
		expect 2 -- "${ns[@]}" size=64k "$tmp/full" sh -c '"$1" --kernel pool --procs 2 -n 200000 --seed 1 --emit "$2"; rc=$?; echo "LEFT:$(ls -A "$2" | tr "\n" " ")" >&2; exit $rc' sh "$reference" "$tmp/full"
		has err "cannot write '$tmp/full/values.u64': No space left on device; nothing was written there"
		has err "^LEFT:$"
	else
		echo "note: no mount namespace here; the read-only and full-disk cases are not run"
	fi
	# an output name taken by a folder: an error, the other file whole or absent
	mkdir -p "$tmp/taken/result.json"
	expect 2 -- "$reference" --kernel pool --procs 2 -n 2000 --seed 1 --emit "$tmp/taken"
	has err "cannot write '$tmp/taken/result.json': Is a directory; nothing was written there"
	[ "$(ls -A "$tmp/taken" | sort | tr '\n' ' ')" = "result.json values.u64 " ] ||
		fail "a temporary file was left in $tmp/taken: $(ls -A "$tmp/taken")"
	cmp -s "$tmp/taken/values.u64" "$tmp/good/values.u64" || fail "values.u64 in $tmp/taken is not whole" ;;
manifest)
	# exercise.json: every step has an item; the items' kinds, fields, hints
	have_py || skip "no /usr/bin/python3"
	/usr/bin/python3 - "$manifest" <<-'PY' && pass "exercise.json" || fail "exercise.json (above)"
	import json, sys
	m = json.load(open(sys.argv[1]))
	assert m["program"] == "ipc" and m["edit"] == ["ipc.c"]
	assert [d["name"] for d in m["demos"]] == ["pool", "messages", "fork-memory", "counter", "fib"]
	ids = set()
	for it in m["items"]:
	    for k in ("id", "step", "points", "kind", "name", "args", "threads", "hint"):
	        assert k in it, (it.get("id"), k)
	    assert it["id"] not in ids and it["kind"] in ("correct", "tsan", "speed", "speedup")
	    ids.add(it["id"])
	    assert str(it["step"]) in m["steps"] and it["points"] > 0
	    assert it["hint"].startswith("Look at TODO(%d) in ipc.c" % it["step"]) or it["step"] == 1
	    if "--procs" in it["args"] and it["kind"] == "correct":
	        assert it.get("procs", 0) >= 2, it["id"]
	assert {str(i["step"]) for i in m["items"]} == set(m["steps"]), "a step without an item"
	PY
	;;
sender-dies)
	# a sender killed after 300 messages: every receiver (pipe, queue, ring)
	# notices at once, says how far it got, and nothing is left behind
	expect 0 -- timeout 60 "$demos" --demo messages --kill-sender 300 --out "$tmp/d"
	grep -c "noticed after" "$tmp/out" | grep -q '^[23]$' || fail "not every receiver noticed"
	grep -q "MISSED" "$tmp/out" && fail "a receiver missed the death"
	grep -q "300 messages received" "$tmp/out" || fail "no receiver said how far it got" ;;
no-leftovers)
	# nothing in /dev/shm or /dev/mqueue, and no child left, after SIGINT in
	# the middle of a run, after a failure (a sender that dies), and after
	# SIGINT to the exercise's own program. A background job of a script
	# ignores SIGINT: env --default-signal gives it back.
	interrupt() {	# interrupt SECONDS PROGRAM ARGS...: SIGINT after SECONDS
		local secs=$1; shift
		env --default-signal=INT "$@" >"$tmp/log" 2>&1 &
		pid=$!
		sleep "$secs"
		kids=$(pgrep -P $pid | tr '\n' ' ')
		kill -INT $pid
		wait $pid
		rc=$?
		[ $rc = 130 ] || fail "$2 $3: exit $rc after SIGINT, expected 130 (death by SIGINT)"
		sleep 0.5
		for k in $kids; do
			# a zombie (Z) is dead, waiting for its new parent to reap it
			st=$(awk '{print $3}' "/proc/$k/stat" 2>/dev/null)
			[ -n "$st" ] && [ "$st" != Z ] && fail "$2 $3: process $k ($st) outlived the interrupted run"
		done
		[ -z "$(leftovers $pid)" ] || fail "$2 $3: left in /dev/shm or /dev/mqueue: $(leftovers $pid)"
	}
	interrupt 1.5 "$demos" --demo messages --out "$tmp/d" -q
	[ $nfail = 0 ] && pass "messages demo interrupted: nothing left behind"
	interrupt 1 "$reference" --kernel shared --procs 2 -n 1e10
	[ -n "$kids" ] || fail "the interrupted run of ipc had no workers to look at"
	interrupt 1 "$reference" --kernel pool --procs 2 -n 1e7 --size 100000
	[ $nfail = 0 ] && pass "ipc interrupted: its workers are gone"
	"$demos" --demo messages --kill-sender 50 --out "$tmp/d" >/dev/null 2>&1 &
	pid=$!
	wait $pid
	[ -z "$(leftovers $pid)" ] && pass "nothing left after a sender died" || fail "left: $(leftovers $pid)" ;;
worker-killed)
	# a worker killed in the middle of the run: kit_pool_map (pool, fib-procs)
	# gives its chunk to the other worker and the answer is still right;
	# kit_pool_run (shared) reports the worker and the check fails; no hang
	killed() {	# killed EXIT PROGRAM ARGS...: SIGKILL to a worker (a grandchild
			# of this script: timeout, the program, its workers)
		local want=$1; shift
		"$@" >"$tmp/out" 2>"$tmp/err" &
		local pid=$! w="" prog
		for _ in $(seq 1 40); do
			sleep 0.1
			prog=$(pgrep -P $pid | head -n 1)
			[ -n "$prog" ] && w=$(pgrep -P "$prog" | head -n 1)
			[ -n "$w" ] && break
		done
		sleep 0.3
		# the worker seen may have finished its tasks meanwhile: kill one
		# that is alive now (a fast machine, or a busy one, either way)
		local hit=""
		for _ in $(seq 1 40); do
			[ -n "$prog" ] && w=$(pgrep -P "$prog" | head -n 1)
			[ -n "$w" ] && kill -KILL "$w" 2>/dev/null && { hit=1; break; }
			sleep 0.05
		done
		[ -n "$hit" ] || w=""
		wait $pid
		local rc=$?
		[ -n "$w" ] || fail "$4 $5: no worker seen to kill"
		[ $rc = "$want" ] && pass "$4 $5: exit $rc with a worker killed" ||
			{ fail "$4 $5: exit $rc, expected $want"; sed 's/^/  | /' "$tmp/out" "$tmp/err" >&2; }
		grep -q "was killed by signal 9" "$tmp/err" ||
			{ fail "$4 $5: the killed worker was not reported"; sed 's/^/  | /' "$tmp/err" >&2; }
	}
	killed 0 timeout 120 "$reference" --kernel pool --procs 2 -n 200 --size 10000000 --validate
	last_line_is "PASS:"
	has err "given to another worker"
	# long enough (8 tasks of about a second) that the worker is busy when killed
	killed 0 timeout 120 "$reference" --kernel fib-procs --procs 2 --fib 43 -n 8 --validate
	last_line_is "PASS:"
	killed 1 timeout 120 "$reference" --kernel shared --procs 2 -n 6e8 --validate
	last_line_is "FAIL:" ;;
demos)
	# each demo at test size: exit 0, its CSV and JSON written
	for d in pool messages fork-memory counter fib; do
		expect 0 -- timeout 240 "$demos" --demo $d --quick -q --out "$tmp/d"
		[ -s "$tmp/d/$d.csv" ] && [ -s "$tmp/d/$d.json" ] || fail "$d: no CSV or JSON"
	done
	grep -q "parent (pid [0-9]*): answer = 1, shared = 42" "$tmp/out" 2>/dev/null ||
		expect 0 -- "$demos" --demo fork-memory --quick -q --out "$tmp/d"
	has out "answer = 1, shared = 42" ;;
bench)
	# the benchmark at test size: C rates, Python's beside them, the targets
	expect 0 -- timeout 280 "$demos" --bench --quick --out "$tmp/b"
	[ -s "$tmp/b/ipc.csv" ] && [ -s "$tmp/b/ipc.json" ] || fail "no ipc.csv or ipc.json"
	has out "Targets"
	if have_py; then has out "C pipe / Python Pipe"; fi ;;
*)
	echo "ex05.sh: unknown case $case_" >&2
	exit 2 ;;
esac
exit $failed
