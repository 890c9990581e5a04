#!/usr/bin/env bash
# fuzz.sh - builds the libFuzzer target fuzz_wav.c with clang
# (-fsanitize=fuzzer,address,undefined) and runs it for a bounded time:
#   fuzz.sh SOURCE_ROOT REFERENCE_ETL [SECONDS]
# (SECONDS: default $ETL_FUZZ_SECONDS or 20). The corpus starts from the
# fixtures in data/audio/ and from inputs the reference generates. Exit 0: no
# finding; 1: a crash, leak, undefined behaviour or broken promise (the input
# is kept as crash-* in the log's folder); 77: clang cannot build a fuzzer here.
set -uo pipefail
root=$1 ref=$2 secs=${3:-${ETL_FUZZ_SECONDS:-20}}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_wav.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
clang=${CLANG:-clang}
if ! command -v "$clang" >/dev/null; then echo "SKIP: no clang"; exit 77; fi
if ! "$clang" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$root/src" "$root/tests/ex04/fuzz_wav.c" "$root/src/wav_check.c" -o "$tmp/fuzz_wav" 2>"$tmp/cc.log"; then
	echo "SKIP: clang cannot build a libFuzzer target here:"; sed 's/^/  /' "$tmp/cc.log" | head -5
	exit 77
fi
mkdir "$tmp/corpus"
cp "$root"/data/audio/*.wav "$root"/data/audio/lies/*.wav "$tmp/corpus/"
"$ref" --make-inputs "$tmp/gen" --seed 1 --count 7 >/dev/null 2>&1 &&
	for f in "$tmp"/gen/*.wav; do head -c 4096 "$f" >"$tmp/corpus/$(basename "$f")"; done
cd "$tmp" || exit 1
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	./fuzz_wav -max_total_time="$secs" -max_len=4096 -timeout=5 -print_final_stats=1 \
	corpus >fuzz.log 2>&1
rc=$?
tail -n 12 fuzz.log
if [ $rc != 0 ]; then
	for c in crash-* leak-* timeout-*; do
		[ -e "$c" ] && { echo "finding: $c"; od -A x -t x1z "$c" | head -8; }
	done
	echo "FAIL: the fuzzer found a problem in kit_wav_check (above)"
	exit 1
fi
echo "PASS: $secs s of fuzzing, no crash, leak, undefined behaviour or accepted lie"
