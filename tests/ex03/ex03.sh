#!/usr/bin/env bash
# ex03.sh - end-to-end tests of exercise 03 (processes x threads over a set of
# images), one case per run:
#   ex03.sh CASE STUDENT REFERENCE OPENMP(0|1) EXERCISE_JSON KIT_CLI
# Exit 0 pass, 1 fail, 77 skip (meson). Images are small (256x192, 160x120
# for Python) so the suite stays short under ASan and in the serial build.
# What each case checks is in its comment.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

case_=$1 student=$2 reference=$3 openmp=$4 manifest=$5 kit_cli=${6:-}
export OMP_WAIT_POLICY=passive KIT_QUIET=1
unset OMP_NUM_THREADS
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
broken=$root/data/images/broken
size=256x192
par_codes "$openmp"

case $case_ in
solution-same-signatures)
	# the exact signatures at several (P, T), each image once in a worker with
	# T threads, no worker left
	expect 0 -- "$reference" --size "$size" --procs 1,2,3 --threads 1,2,3 \
		--validate --expect-children
	last_line_is "PASS:"
	grep_in "$tmp/out" "P=3 T=3: 12 signatures right" "every cell checked" ;;
solution-parallel)
	# step 1: the median loop keeps 2 threads busy (77 without OpenMP)
	expect "$par_ok" OMP_NUM_THREADS=2 -- "$reference" -q --size "$size" --expect-parallel ;;
python-agreement)
	# the C signatures equal (within 1) the seed's numpy computation
	/usr/bin/python3 -c 'import numpy' 2>/dev/null || skip "/usr/bin/python3 has no numpy"
	expect 0 -- "$reference" -q --size 160x120 --procs 2 --threads 2 --signatures
	cp "$tmp/out" "$tmp/c.txt"
	"$reference" -q --size 160x120 --signatures --procs 1 --threads 1 >/dev/null 2>&1
	files=$(ls "$root"/data/cache/images-160x120/img-*.png)
	# shellcheck disable=SC2086
	/usr/bin/python3 "$here/signature.py" $files "$broken"/*.png >"$tmp/py.txt" || fail "signature.py failed"
	expect 0 -- "$reference" -q --images "$broken" --procs 2 --threads 1 --signatures
	cat "$tmp/out" >>"$tmp/c.txt"
	python3 - "$tmp/c.txt" "$tmp/py.txt" <<'PY' || failed=1
import sys
c = dict(l.split(None, 1) for l in open(sys.argv[1]) if l.strip())
p = dict(l.split(None, 1) for l in open(sys.argv[2]) if l.strip())
bad = 0
for name, v in sorted(p.items()):
    a, b = c.get(name, "missing").split()[0], v.split()[0]
    if a == "error" or b == "error":
        ok = a == b
    else:
        ok = abs(int(a) - int(b)) <= 1
    print(("ok" if ok else "MISMATCH"), name, "C:", c.get(name, "missing").strip(), "numpy:", v.strip())
    bad += not ok
print(len(p), "files compared")
sys.exit(1 if bad or len(p) < 18 else 0)
PY
	;;
kill-midway)
	# a worker killed midway: its image is named lost, the sweep ends
	# cleanly (exit 1, no process left), the other cells are kept, and a
	# second run resumes with only the failed cell
	res=$tmp/kill-sweep.json
	expect 1 -- "$reference" --size "$size" --procs 1,2 --threads 1,2 --repeat 1 \
		--results "$res" --kill-after 20
	last_line_is "FAIL:"
	grep_in "$tmp/err" "killed by signal 9" "the dead worker is reported"
	grep_in "$tmp/err" "1 image lost, no worker reported it: [0-9]+" "the lost image is named"
	no_strays "$res"
	n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['cells']))" "$res")
	[ "$n" = 3 ] || fail "the results file keeps $n cells, expected 3"
	expect 0 -- "$reference" --size "$size" --procs 1,2 --threads 1,2 --repeat 1 --results "$res"
	grep_in "$tmp/out" "3 of 4 cells already measured" "the second run resumes"
	[ "$(grep -c '^P=' "$tmp/out")" = 1 ] || fail "the second run measured more than the missing cell"
	no_strays "$res" ;;
kill-check)
	# the same in a check run: FAIL names the lost image, no zombie
	expect 1 -- "$reference" --size "$size" --procs 2 --threads 1 --validate --kill-after 3
	last_line_is "FAIL:"
	grep_in "$tmp/out" "1 of 12 images not reported" "the verdict counts the lost image" ;;
fixtures)
	# the corrupt fixtures: one clear error each, the others (2 colour, 1
	# gray = -1) still run; the sweep lists what failed and exits 1
	expect 0 -- "$reference" --images "$broken" --procs 2 --threads 1,2 --validate --expect-children
	last_line_is "PASS:"
	grep_in "$tmp/err" "empty.png': empty file" "empty file"
	grep_in "$tmp/err" "not-a-png.png': not a PNG file" "not a PNG"
	grep_in "$tmp/err" "truncated.png': truncated" "truncated"
	expect 0 -- "$reference" -q --images "$broken" --signatures --procs 2 --threads 1
	grep_in "$tmp/out" "^gray.png -1$" "gray image: -1"
	grep_in "$tmp/out" "^colour-a.png [0-9]+$" "colour image"
	expect 1 -- "$reference" --images "$broken" --procs 1,2 --threads 1 --repeat 1 \
		--results "$tmp/broken.json"
	grep_in "$tmp/out" "3 of 6 files could not be read, the other 3 ran: empty.png" "summary"
	[ -s "$tmp/broken.json" ] || fail "no results file: the good images' results were lost"
	no_strays "$tmp/broken.json" ;;
skeleton)
	# the skeleton builds, runs and validates serially; the pool check fails
	# with the hint; its median is serial
	expect 0 OMP_NUM_THREADS=2 -- "$student" --size "$size" --procs 2 --validate
	last_line_is "PASS:"
	expect 1 OMP_NUM_THREADS=2 -- "$student" --size "$size" --procs 2 --expect-children
	last_line_is "FAIL:"
	grep_in "$tmp/out" "ran in the parent process.*TODO\(2\)" "the hint names TODO(2)"
	expect "$par_fail" OMP_NUM_THREADS=2 -- "$student" -q --size "$size" --expect-parallel
	[ "$openmp" = 1 ] && grep_in "$tmp/out" "TODO\(1\)" "the hint names TODO(1)"
	expect 0 -- "$student" -q --size "$size" --procs 1,2 --threads 1 --repeat 1 --no-results ;;
bad-arguments)
	# usage errors: exit 2 and a one-line message naming the problem
	expect 2 -- "$reference" --size 12
	grep_in "$tmp/err" "size must be WIDTHxHEIGHT" "--size"
	expect 2 -- "$reference" --procs 0
	grep_in "$tmp/err" "procs" "--procs 0"
	expect 2 -- "$reference" --threads abc
	expect 2 -- "$reference" --repeat 0
	expect 2 -- "$reference" --images "$tmp/nowhere"
	grep_in "$tmp/err" "cannot read the folder" "--images missing"
	mkdir "$tmp/empty"
	expect 2 -- "$reference" --images "$tmp/empty"
	grep_in "$tmp/err" "no \*.png file" "--images empty"
	expect 2 -- "$reference" --demo nosuch
	expect 2 -- "$reference" --frobnicate
	expect 2 -- "$reference" --quick
	expect 2 -- "$reference" --size 64x48 --images "$broken"
	expect 2 OMP_NUM_THREADS=abc -- "$reference" --validate
	echo '{"schema": "ompkit-image-sweep/1", "images": {"fingerprint": "0", "source": "x"}, "cells": []}' >"$tmp/other.json"
	expect 2 -- "$reference" --size "$size" --procs 1 --threads 1 --results "$tmp/other.json"
	grep_in "$tmp/err" "other images.*--force" "results of other images"
	expect 0 -- "$reference" --help
	grep_in "$tmp/out" "^usage: images" "--help" ;;
demo-quick)
	# ./kit demo sweep --quick: the grid, the heat maps, the results file
	expect 0 -- "$reference" --demo sweep --quick --out "$tmp/demo"
	grep_in "$tmp/out" "speed-up over P=1 T=1" "speed-up grid"
	grep_in "$tmp/out" "^fastest: P=[0-9]+ x T=[0-9]+" "best cell"
	[ -s "$tmp/demo/sweep.json" ] || fail "no $tmp/demo/sweep.json"
	if command -v gnuplot >/dev/null; then
		for f in sweep-time.png sweep-speedup.png; do
			[ -s "$tmp/demo/$f" ] || fail "no $f"
		done
	fi
	no_strays "$tmp/demo" ;;
bench-quick)
	# ./kit bench sweep --quick: the best cell, its speed-up, the rate
	expect 0 -- "$reference" --bench --quick --out "$tmp/bench"
	grep_in "$tmp/out" "^fastest: P=" "best cell"
	grep_in "$tmp/out" "^pipeline rate: [0-9.]+ GFLOP/s" "rate"
	grep_in "$tmp/out" "^target on a 2-core machine" "target line"
	grep_in "$tmp/out" "^one colour image at P=1 T=1" "breakdown" ;;
manifest)
	# exercise.json: its items' flags are the driver's, its demo and bench run
	python3 - "$manifest" <<'PY' || failed=1
import json, sys
m = json.load(open(sys.argv[1]))
assert m["program"] == "images" and m["edit"] == ["images.c"], m
ids = [i["id"] for i in m["items"]]
assert len(ids) == len(set(ids)), ids
for it in m["items"]:
    assert it["kind"] in ("run", "tsan", "speed", "speedup"), it
    for k in ("step", "points", "name", "args", "threads", "timeout", "hint"):
        assert k in it, (it["id"], k)
print("ok:", len(ids), "items")
PY
	python3 -c "import json,sys; [print('|'.join(i['args'])) for i in json.load(open(sys.argv[1]))['items']]" "$manifest" >"$tmp/items"
	while IFS='|' read -r -a a; do
		"$reference" "${a[@]}" --help >/dev/null 2>"$tmp/err" || { fail "item args rejected: ${a[*]}"; cat "$tmp/err" >&2; }
	done <"$tmp/items" ;;
*)
	echo "unknown case '$case_'" >&2; exit 2 ;;
esac
exit $failed
