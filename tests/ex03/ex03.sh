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
	# the C signatures equal, exactly, the Python version's (Pillow + numpy)
	# on PNGs of every kind (two seeds, sizes differ) and the generated set
	/usr/bin/python3 -c 'import numpy, PIL' 2>/dev/null ||
		skip "/usr/bin/python3 lacks numpy or Pillow (python3-numpy, python3-pil)"
	: >"$tmp/c.txt"; : >"$tmp/py.txt"
	for seed in 1 2; do
		mkdir -p "$tmp/in$seed"
		expect 0 -- "$reference" -q --make-inputs "$tmp/in$seed" --seed "$seed" --size 200x150
		expect 0 -- "$reference" -q --images "$tmp/in$seed" --procs 2 --threads 2 --signatures
		cat "$tmp/out" >>"$tmp/c.txt"
		/usr/bin/python3 "$here/signature.py" "$tmp/in$seed"/*.png >>"$tmp/py.txt" ||
			fail "signature.py failed"
	done
	expect 0 -- "$reference" -q --size 160x120 --procs 2 --threads 1 --signatures
	sed 's/^/gen-/' "$tmp/out" >>"$tmp/c.txt"
	/usr/bin/python3 "$here/signature.py" "$root"/data/cache/images-160x120/img-*.png |
		sed 's/^/gen-/' >>"$tmp/py.txt"
	python3 - "$tmp/c.txt" "$tmp/py.txt" <<'PY' || failed=1
import sys
c = [l.split() for l in open(sys.argv[1]) if l.strip()]
p = [l.split() for l in open(sys.argv[2]) if l.strip()]
bad = 0
for a, b in zip(c, p):
    ok = a[:2] == b[:2]
    print(("ok" if ok else "MISMATCH"), " ".join(a), "| Python:", " ".join(b))
    bad += not ok
print(len(p), "files compared")
sys.exit(1 if bad or len(c) != len(p) or len(p) < 40 else 0)
PY
	;;
exact-blocks)
	# the product in blocks is exact where blocks and chunks of columns
	# matter: widths past 1024 (several chunks; 258 for 2- and 4-channel
	# images), heights past 256 (several blocks), extreme values (all white,
	# 0/255 stripes); checked against the exact integer signatures at T = 1
	# and 2, and against the Python version where it can run
	mkdir "$tmp/in"
	expect 0 -- "$reference" -q --make-inputs "$tmp/in" --seed 3 --count 15 --size 2400x600
	/usr/bin/python3 - "$tmp/in" <<'PY' || fail "could not write the extreme images"
import struct, sys, zlib
def chunk(k, b):
    return struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b) & 0xFFFFFFFF)
def png(path, w, h, ctype, px):
    raw = b"".join(b"\0" + b"".join(px(x, y) for x in range(w)) for y in range(h))
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
d = sys.argv[1]
png(d + "/white-rgb.png", 2100, 300, 2, lambda x, y: b"\xff\xff\xff")
png(d + "/stripes-rgba.png", 1500, 270, 6, lambda x, y: b"\xff\xff\x00\xff" if x % 2 else b"\x00\xff\xff\xff")
png(d + "/white-la.png", 1300, 20, 4, lambda x, y: b"\xff\xff")
PY
	expect 0 OMP_NUM_THREADS=2 -- "$reference" -q --images "$tmp/in" --procs 2 --threads 1,2 --validate
	last_line_is "PASS: P=2 T=1: 18 signatures right"
	if /usr/bin/python3 -c 'import numpy, PIL' 2>/dev/null; then
		expect 0 -- "$reference" -q --images "$tmp/in" --procs 2 --threads 1 --signatures
		/usr/bin/python3 "$here/signature.py" "$tmp/in"/*.png >"$tmp/py.txt"
		diff <(cut -d' ' -f1,2 "$tmp/out") <(cut -d' ' -f1,2 "$tmp/py.txt") >&2 &&
			pass "the same 18 signatures as the Python version" ||
			fail "signatures differ from the Python version"
	fi ;;
special-files)
	# a named pipe, a folder and a dangling link named *.png, a name with a
	# newline: each its own error, nothing hangs, one line per file; the
	# good image still runs (exit 1: some files failed)
	mkdir "$tmp/in" "$tmp/in/folder.png"
	mkfifo "$tmp/in/pipe.png"
	ln -s nowhere.png "$tmp/in/dangling.png"
	cp "$broken/colour-a.png" "$tmp/in/good.png"
	cp "$broken/colour-b.png" "$tmp/in/new
line.png"
	expect 1 -- timeout 60 "$reference" -q --images "$tmp/in" --procs 2 --threads 1 --signatures
	grep_in "$tmp/err" "pipe.png': is a named pipe \(FIFO\), not a file" "FIFO"
	grep_in "$tmp/err" "folder.png': is a folder, not a file" "folder"
	grep_in "$tmp/err" "dangling.png': cannot open: No such file or directory" "dangling link"
	grep_in "$tmp/out" '^new\\nline.png [0-9]+$' "a newline in a name is escaped"
	grep_in "$tmp/out" "^good.png [0-9]+$" "the good file runs"
	[ "$(wc -l <"$tmp/out")" = 5 ] || fail "not one line per file: $(cat "$tmp/out")" ;;
hostile)
	# the hostile fixtures: libpng's own reasons, a lie about the size
	# refused before decoding, the 1 x 32768 image computed in bounded
	# memory, the budget (--mem) refusing a real 8000 x 8000 image before
	# decoding it; peak memory of the whole run asserted
	h=$broken/hostile
	limit=100; [ -n "${KIT_SANITIZED:-}" ] && limit=300
	# rss CMD...: runs CMD (stdout, stderr in $tmp/out, $tmp/err), prints its
	# exit status and the peak resident memory, MiB, of it and every process
	# it waited for
	rss() {
		/usr/bin/python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[3:], stdout=open(sys.argv[1], "w"), stderr=open(sys.argv[2], "w"))
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' \
			"$tmp/out" "$tmp/err" "$@"
	}
	read -r rc mb < <(rss "$reference" -q --images "$h" --procs 2 --threads 1 --signatures)
	[ "$rc" = 1 ] || fail "exit $rc on the hostile set, expected 1 (some files failed)"
	[ "$mb" -le "$limit" ] && pass "peak memory $mb MiB <= $limit MiB" || fail "peak memory $mb MiB > $limit MiB"
	grep_in "$tmp/err" "zero-width.png': corrupt PNG \(libpng: Image width is zero in IHDR; Invalid IHDR data\)" "libpng's reason kept"
	grep_in "$tmp/err" "bad-crc.png': corrupt PNG \(libpng: IDAT: CRC error\)" "CRC"
	grep_in "$tmp/err" "huge-claim.png': declares 32768x32768 pixels .* more than a file of 83 bytes can hold" "size lie"
	grep_in "$tmp/err" "signature-only.png': truncated" "signature only"
	grep_in "$tmp/out" "^tall-thin.png [0-9]+$" "1 x 32768 computed"
	expect 2 -- "$reference" -q --images "$h" --procs 1 --threads 1 --signatures --mem 16M
	grep_in "$tmp/err" "tall-thin.png': 1x32768 pixels: needs [0-9]+ MiB, the budget is 16 MiB: --mem to raise it" "budget"
	mkdir "$tmp/big"
	/usr/bin/python3 - "$tmp/big/8000.png" <<'PY'
import struct, sys, zlib
def chunk(k, b):
    return struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b) & 0xFFFFFFFF)
c = zlib.compressobj(9)
data = b"".join([c.compress(b"\0" * (1 + 3 * 8000)) for _ in range(8000)] + [c.flush()])
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8000, 8000, 8, 2, 0, 0, 0)) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
PY
	cp "$broken/colour-a.png" "$tmp/big/"
	read -r rc mb < <(rss "$reference" -q --images "$tmp/big" --procs 1 --threads 1 --signatures --mem 256M)
	[ "$rc" = 1 ] || fail "exit $rc with an image over the budget, expected 1"
	grep_in "$tmp/err" "8000.png': 8000x8000 pixels: needs [0-9.]+ MiB, the budget is 256 MiB: --mem to raise it" "over the budget"
	[ "$mb" -le "$limit" ] && pass "refused before decoding: $mb MiB" || fail "peak $mb MiB: decoded before refusing?" ;;
only-bad)
	# a folder of only unreadable files: exit 2, nothing timed, no rate
	mkdir "$tmp/bad"
	cp "$broken/empty.png" "$broken/not-a-png.png" "$broken/truncated.png" "$tmp/bad/"
	expect 2 -- "$reference" --images "$tmp/bad" --procs 1,2 --threads 1 --repeat 1 --no-results
	grep_in "$tmp/err" "none of the files could be read, nothing ran" "says nothing ran"
	grep -qE "fastest|images/s|GFLOP" "$tmp/out" && fail "a rate printed for nothing"
	true ;;
outputs-checked)
	# unwritable outputs are refused before any work (exit 2, no cell run)
	touch "$tmp/file"
	expect 2 -- "$reference" --size 64x48 --procs 1 --threads 1 --png "$tmp/file/sub/sweep"
	grep_in "$tmp/err" "file" "names the path"
	grep -q "^P=" "$tmp/out" && fail "cells ran before the --png check"
	expect 2 -- "$reference" --size 64x48 --procs 1 --threads 1 --results "$tmp/file/r.json"
	expect 2 -- "$reference" --size 64x48 --procs 1 --threads 1 --no-results --json "$tmp"
	grep_in "$tmp/err" "is a folder" "--json a folder"
	expect 2 -- "$reference" --size 64x48 --procs 1 --threads 1 --no-results --csv "$tmp/file/x.csv"
	grep -q "^P=" "$tmp/out" && fail "cells ran before the --csv check"
	true ;;
protocol)
	# the grader's protocol: --make-inputs, --emit (pool and median, the
	# skeleton too), --verify of one and of several folders, and FAIL for
	# a wrong, a missing, an extra signature, bad JSON, a huge file
	in=$tmp/in; mkdir "$in" "$tmp/e1" "$tmp/e2" "$tmp/e3" "$tmp/bad"
	expect 0 -- "$reference" --make-inputs "$in" --seed 42 --count 17 --size 160x120
	[ "$(ls "$in" | wc -l)" = 17 ] || fail "--count 17 made $(ls "$in" | wc -l) files"
	cp "$broken/truncated.png" "$in/"
	expect 0 OMP_NUM_THREADS=2 -- "$reference" --input "$in" --emit "$tmp/e1"
	expect 0 OMP_NUM_THREADS=2 -- "$reference" --input "$in" --kernel median --emit "$tmp/e2"
	expect 0 OMP_NUM_THREADS=1 -- "$student" --input "$in" --emit "$tmp/e3"
	expect 0 -- "$reference" --input "$in" --verify "$tmp/e1"
	last_line_is "PASS: 17 signatures exactly right, 1 unreadable file reported as errors, in 1 result"
	# the skeleton's pool_run does every image in its own process: right
	# signatures, but no worker did them
	expect 1 -- "$reference" --input "$in" --verify "$tmp/e1,$tmp/e3"
	grep_in "$tmp/out" "^FAIL: .*e3: .* was done in your program's own process, not in a worker" "no pool"
	[ "$(wc -l <"$tmp/out")" = 1 ] || fail "--verify printed more than one line"
	expect 1 -- "$reference" --input "$in" --kernel median --verify "$tmp/e1"
	grep_in "$tmp/out" "^FAIL: .*a run of kernel 'pool', not 'median'" "kernel checked"
	expect 0 -- "$reference" --input "$in" --kernel median --verify "$tmp/e2"
	tamper() { /usr/bin/python3 -c "import json,sys; j=json.load(open('$tmp/e1/result.json')); f=j['result']['files']; $1; json.dump(j, open('$tmp/bad/result.json','w'))"; }
	last_line_is "PASS: the median of 5 RGB images exactly right, in 1 result"
	/usr/bin/python3 -c "import json; j=json.load(open('$tmp/e2/result.json')); f=[x for x in j['result']['files'] if 'median' in x][0]; f['median']='%016x' % (int(f['median'], 16) ^ 1); json.dump(j, open('$tmp/bad/result.json','w'))"
	expect 1 -- "$reference" --input "$in" --kernel median --verify "$tmp/bad"
	grep_in "$tmp/out" "^FAIL: .*the median of .* is not the reference's" "wrong median"
	tamper "f[2]['calls'] = 2"
	expect 1 -- "$reference" --input "$in" --verify "$tmp/bad"
	grep_in "$tmp/out" "^FAIL: .* was worked on 2 times" "an image done twice"
	tamper "j['result'].update(unwaited=2)"
	expect 1 -- "$reference" --input "$in" --verify "$tmp/bad"
	grep_in "$tmp/out" "^FAIL: .*2 worker processes ended but were never waited for" "workers not waited for"
	tamper "f[0]['signature'] += 1"
	expect 1 -- "$reference" --input "$in" --verify "$tmp/bad"
	grep_in "$tmp/out" "^FAIL: .*01-rgb8.png' has signature [0-9]+, the right one is [0-9]+" "wrong signature"
	tamper "f.pop()"
	expect 1 -- "$reference" --input "$in" --verify "$tmp/e1,$tmp/bad"
	grep_in "$tmp/out" "^FAIL: .*17 of the 18 files reported" "missing file"
	tamper "[x.pop('error', None) or x.update(signature=5) for x in f if x['name'] == 'truncated.png']"
	expect 1 -- "$reference" --input "$in" --verify "$tmp/bad"
	grep_in "$tmp/out" "truncated.png' cannot be read .*, yet it has no error" "a bad file passed off"
	echo '{"exercise": ' >"$tmp/bad/result.json"
	expect 1 -- "$reference" --input "$in" --verify "$tmp/bad"
	grep_in "$tmp/out" "not valid JSON" "bad JSON"
	head -c 5000000 /dev/zero >"$tmp/bad/result.json"
	expect 1 -- "$reference" --input "$in" --verify "$tmp/bad"
	grep_in "$tmp/out" "more than the [0-9]+ a result may have" "huge file"
	rm "$tmp/bad/result.json"; ln -s "$tmp/e1/result.json" "$tmp/bad/result.json"
	expect 1 -- "$reference" --input "$in" --verify "$tmp/bad"
	grep_in "$tmp/out" "cannot open .*result.json" "a link is not followed"
	rm "$tmp/bad/result.json"; mkfifo "$tmp/bad/result.json"
	expect 1 -- timeout 20 "$reference" --input "$in" --verify "$tmp/bad"
	grep_in "$tmp/out" "is not a regular file" "a FIFO is not read"
	expect 1 -- "$reference" --input "$in" --verify "$tmp/nowhere"
	expect 2 -- "$reference" --input "$in" --emit "$tmp/nowhere" ;;
fuzz)
	# libFuzzer on the PNG loading, seeded from the fixtures, for a bounded
	# time (EX03_FUZZ_SECONDS, default 30); runs in the release build only
	[ -n "${KIT_SANITIZED:-}" ] && skip "the fuzzer runs in the release build"
	[ "$openmp" = 1 ] || skip "the fuzzer runs in the release build"
	command -v clang >/dev/null || skip "no clang: the fuzzing target needs clang's libFuzzer"
	src=$root/src
	flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
	# skipped only where clang cannot build any libFuzzer target; the kit's
	# own target not building is a failure, not a skip
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return (void)d, (int)(n * 0); }\n' \
		>"$tmp/trivial.c"
	clang "${flags[@]}" "$tmp/trivial.c" -o "$tmp/trivial" 2>"$tmp/cc.txt" ||
		{ cat "$tmp/cc.txt"; skip "clang cannot build a libFuzzer target here"; }
	clang "${flags[@]}" -I"$src" "$src/png.c" "$src/png_fast.c" "$here/fuzz_png_load.c" \
		-lpng -ldeflate -o "$tmp/fuzz" 2>"$tmp/cc.txt" ||
		{ cat "$tmp/cc.txt"; fail "the fuzzing target (src/png.c, src/png_fast.c) does not build"; exit 1; }
	mkdir "$tmp/corpus"
	cp "$broken"/*.png "$broken"/hostile/*.png "$tmp/corpus/"
	"$reference" -q --make-inputs "$tmp/corpus" --seed 5 --size 48x32 || fail "--make-inputs"
	secs=${EX03_FUZZ_SECONDS:-30}
	(cd "$tmp" && ./fuzz -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 \
		-print_final_stats=1 corpus >"$tmp/fuzz.txt" 2>&1)
	rc=$?
	grep -E "^stat::number_of_executed_units|^Done" "$tmp/fuzz.txt"
	[ $rc = 0 ] && pass "fuzzed $secs s, no crash, leak or sanitizer report" ||
		{ fail "the fuzzer found a problem (exit $rc)"; tail -40 "$tmp/fuzz.txt" >&2; } ;;
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
	expect 1 -- "$reference" -q --images "$broken" --signatures --procs 2 --threads 1
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
    assert it["kind"] in ("correct", "tsan", "speed", "speedup"), it
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
