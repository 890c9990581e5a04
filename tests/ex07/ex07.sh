#!/usr/bin/env bash
# ex07.sh - end-to-end tests of exercise 07 (larger than memory), one case a run:
#   ex07.sh CASE STUDENT REFERENCE DEMOS SRCDIR BUILDDIR EXERCISE_JSON
# Exit 0 pass, 1 fail, 77 skip (meson). What each case checks is in its comment.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

case_=$1
if [ "$case_" = broken ]; then	# broken PROGRAM REFERENCE KERNEL THREADS verify|rss SRCDIR
	broken=$2 reference=$3 kernel=$4 threads=$5 caught_by=$6 src=$7
else
	student=$2 reference=$3 demos=$4 src=$5 build=$6 manifest=$7
fi
export OMP_WAIT_POLICY=passive KIT_QUIET=1
unset OMP_NUM_THREADS
kernels="serial threads overlap mmap"

# npy FILE DICT DATABYTES [MAGIC]: a version 1.0 .npy file with header DICT
# (padded to 118 bytes) and DATABYTES zero bytes of data
npy() {
	local magic=${4:-'\223NUMPY\001\000'}
	{ printf "$magic"'\166\000'; printf '%-117s\n' "$2"; head -c "$3" /dev/zero; } >"$1"
}
shape() { echo "{'descr': '<f8', 'fortran_order': False, 'shape': ($1), }"; }

# GNU time reports wait4's ru_maxrss of the program itself (a forked
# Python would add its own pages to the child's peak), without MALLOC_PERTURB_
# (meson's), which fills every buffer malloc returns
peak() {	# peak resident KiB of the command, -1 when it failed
	env -u MALLOC_PERTURB_ /usr/bin/time -f %M -o "$tmp/peak" "$@" >/dev/null \
		2>"$tmp/err" &&
		tail -n 1 "$tmp/peak" || echo -1
}
# peak_over PROGRAM KERNEL: the peak memory of PROGRAM over a 128 MB file with
# --mem 16M, less that over a 64 kB file, in KiB; LIMIT the most allowed
peak_over() {
	[ -f "$tmp/big.npy" ] || npy "$tmp/big.npy" "$(shape '2000000, 8')" 128000000
	[ -f "$tmp/small.npy" ] || npy "$tmp/small.npy" "$(shape '1000, 8')" 64000
	mkdir -p "$tmp/big-$2" "$tmp/small-$2"
	big=$(OMP_NUM_THREADS=2 peak "$1" --kernel $2 --input "$tmp/big.npy" --mem 16M \
		--emit "$tmp/big-$2")
	small=$(OMP_NUM_THREADS=2 peak "$1" --kernel $2 --input "$tmp/small.npy" --mem 16M \
		--emit "$tmp/small-$2")
	if [ "$big" -lt 0 ] || [ "$small" -lt 0 ]; then
		echo -1
	else
		echo $((big - small))
	fi
}
limit=$((16000000 / 1024 + 1024))

# inputs DIR SEED: the reference's --make-inputs
inputs() { expect 0 -- "$reference" --make-inputs "$1" --seed "$2"; }

case $case_ in
solution-validate-1|solution-validate-2)
	# every reference kernel gets the exact means (bound 64 u mean|x|), on
	# --make-inputs' file with a budget 10x smaller and on a generated one
	t=${case_##*-}
	inputs "$tmp/in" $RANDOM
	for k in $kernels; do
		expect 0 OMP_NUM_THREADS="$t" -- "$reference" --kernel "$k" --input "$tmp/in" \
			--mem 1M --validate
		last_line_is "PASS: $k"
		expect 0 OMP_NUM_THREADS="$t" -- "$reference" --kernel "$k" -n 30011 --cols 7 \
			--mem 65536 --validate
		last_line_is "PASS: $k"
	done ;;
emit-verify)
	# the grader's path: the reference's emits at 1 and 2 threads pass
	# --verify alone and together; the skeleton's fail, naming the column and
	# how far off it is; --verify prints one line
	seed=$RANDOM$RANDOM
	inputs "$tmp/in" "$seed"
	for k in $kernels; do
		for t in 1 2; do
			mkdir -p "$tmp/$k-$t" "$tmp/skel-$k-$t"
			expect 0 OMP_NUM_THREADS=$t -- "$reference" --kernel $k --input "$tmp/in" \
				--mem 1M --seed "$seed" --emit "$tmp/$k-$t"
			expect 0 OMP_NUM_THREADS=$t -- "$student" --kernel $k --input "$tmp/in" \
				--mem 1M --seed "$seed" --emit "$tmp/skel-$k-$t"
			expect 0 -- "$reference" --kernel $k --input "$tmp/in" --seed "$seed" \
				--verify "$tmp/$k-$t"
			last_line_is "PASS: "
			expect 1 -- "$reference" --kernel $k --input "$tmp/in" --seed "$seed" \
				--verify "$tmp/skel-$k-$t"
			last_line_is "FAIL: "
			has out "column 0: mean .* u mean|x| off"
			[ "$(wc -l <"$tmp/out")" = 1 ] || fail "--verify printed more than one line"
		done
		expect 0 -- "$reference" --kernel $k --input "$tmp/in" --seed "$seed" \
			--verify "$tmp/$k-1,$tmp/$k-2"
	done ;;
skeleton-fails)
	# the skeleton compiles and runs serially; every kernel fails --validate
	# with its TODO named, the plain sum thousands of u off
	for k in $kernels; do
		expect 1 OMP_NUM_THREADS=2 -- "$student" --kernel $k --validate
		has out "TODO("
		has out "u mean|x| off"
	done ;;
verify-untrusted)
	# emitted files are data: missing, short, long, a link, NaN all fail
	inputs "$tmp/in" 5
	cols=$(( 4 + 5 % 5 ))
	mkdir -p "$tmp/e"
	expect 0 -- "$reference" --kernel serial --input "$tmp/in" --seed 5 --emit "$tmp/e"
	v() { expect 1 -- "$reference" --kernel serial --input "$tmp/in" --seed 5 --verify "$tmp/e"; }
	cp "$tmp/e/means.f64" "$tmp/good"
	rm "$tmp/e/means.f64"; v
	head -c $((cols * 8 - 1)) "$tmp/good" >"$tmp/e/means.f64"; v
	cat "$tmp/good" "$tmp/good" >"$tmp/e/means.f64"; v
	rm "$tmp/e/means.f64"; ln -s "$tmp/good" "$tmp/e/means.f64"; v
	rm "$tmp/e/means.f64"; head -c $((cols * 8)) /dev/zero | tr '\0' '\377' >"$tmp/e/means.f64"; v
	rm "$tmp/e/means.f64"; cp "$tmp/good" "$tmp/e/means.f64"
	expect 0 -- "$reference" --kernel serial --input "$tmp/in" --seed 5 --verify "$tmp/e" ;;
bad-npy)
	# files that are not a 2-D C-order float64 .npy: exit 2, one line naming
	# the file and what is wrong; a good one of the same making passes
	npy "$tmp/ok.npy" "$(shape '100, 4')" 3200
	expect 0 -- "$reference" --kernel serial --input "$tmp/ok.npy" --validate
	while IFS='|' read -r name dict bytes says magic; do
		npy "$tmp/$name.npy" "$dict" "$bytes" "$magic"
		expect 2 -- "$reference" --kernel serial --input "$tmp/$name.npy" --validate
		[ "$(wc -l <"$tmp/err")" = 1 ] || fail "$name: expected one line on stderr"
		grep -q -- "$name.npy" "$tmp/err" || fail "$name: the message does not name the file"
		grep -q -- "$says" "$tmp/err" || fail "$name: no '$says' in: $(cat "$tmp/err")"
	done <<-EOF
	truncated|$(shape '100, 4')|3000|truncated?
	extra|$(shape '100, 4')|3300|extra bytes
	fortran|{'descr': '<f8', 'fortran_order': True, 'shape': (100, 4), }|3200|Fortran order
	float32|{'descr': '<f4', 'fortran_order': False, 'shape': (100, 4), }|1600|float32
	bigendian|{'descr': '>f8', 'fortran_order': False, 'shape': (100, 4), }|3200|big-endian
	int64|{'descr': '<i8', 'fortran_order': False, 'shape': (100, 4), }|3200|integers
	onedim|$(shape '400,')|3200|1 dimension
	threedim|$(shape '10, 10, 4')|3200|3 dimensions
	nocols|$(shape '100, 0')|0|at least one column
	norows|$(shape '0, 4')|0|no rows
	toomany|$(shape '10, 65')|5200|at most 64
	nodict|hello|3200|not the dict
	nokey|{'descr': '<f8', 'shape': (100, 4), }|3200|lacks one of
	dupkey|{'descr': '<f8', 'descr': '<f8', 'shape': (100, 4), }|3200|repeated key
	magic|$(shape '100, 4')|3200|not a .npy file|\223NUMPZ\001\000
	version|$(shape '100, 4')|3200|version 9.0|\223NUMPY\011\000
	EOF
	: >"$tmp/empty.npy"
	expect 2 -- "$reference" --kernel serial --input "$tmp/empty.npy"
	has err "not a .npy file"
	printf '\223NUMPY\001\000\377\377{' >"$tmp/long.npy"
	expect 2 -- "$reference" --kernel serial --input "$tmp/long.npy"
	has err "truncated or not a .npy file"
	npy "$tmp/short.npy" "$(shape '0, 4')" 0 && truncate -s 100 "$tmp/short.npy"
	expect 2 -- "$reference" --kernel serial --input "$tmp/short.npy"
	has err "truncated"
	expect 2 -- "$reference" --kernel serial --input "$tmp/nowhere"
	has err "cannot open" ;;
rss)
	# --mem is kept: the peak resident memory of a run over a file 8x the
	# budget exceeds that of a run over a tiny file by at most the budget
	# and 1 MiB, for every kernel (the reference's; under ASan the shadow
	# memory hides it: skipped). The budget is larger than what the program
	# holds while it starts, so that the kernel's own use makes the peak.
	[ -n "${KIT_SANITIZED:-}" ] && skip "peak memory under AddressSanitizer is not the program's"
	[ -x /usr/bin/time ] || skip "no /usr/bin/time (apt-get install time)"
	for k in $kernels; do
		d=$(peak_over "$reference" $k)
		if [ "$d" -lt 0 ]; then
			fail "$k: a run failed: $(cat "$tmp/err")"
		elif [ "$d" -le $limit ]; then
			pass "$k: 128 MB file, --mem 16M: $d KiB above a 64 kB file's peak (limit $limit)"
		else
			fail "$k: $d KiB above a 64 kB file's peak, more than $limit"
		fi
	done
	rm -f "$tmp/big.npy" ;;
fuzz)
	# the .npy header parser under libFuzzer with ASan and UBSan: a bounded
	# run from a valid header (77 where clang cannot build it)
	command -v clang >/dev/null || skip "no clang"
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I"$src/src" -I"$build" \
		"$src/tests/ex07/fuzz_npy.c" "$src/src/npy.c" "$build/src/libkit.a" \
		-lgomp -lhwloc -lcjson -lm -ldl -lpthread -o "$tmp/fuzz" 2>"$tmp/cc" ||
		skip "clang cannot build a libFuzzer target here: $(head -n 1 "$tmp/cc")"
	mkdir -p "$tmp/corpus"
	{ printf '\003\000\000\000\000\000\000\000'; printf '\223NUMPY\001\000\166\000'
	  printf '%-117s\n' "$(shape '3, 2')"; } >"$tmp/corpus/seed"
	# found by this fuzzer once: no rows, a file shorter than its header
	{ printf '&\000\000\000\000\000\000\000'; printf '\223NUMPY\001\000\166\000'
	  printf '%-117s\n' "$(shape '0, 2')"; } >"$tmp/corpus/short"
	runs=200000; [ -n "${KIT_SANITIZED:-}" ] && runs=50000
	if (cd "$tmp" && ./fuzz -runs=$runs -max_len=400 -seed=1 corpus >"$tmp/fz" 2>&1); then
		pass "fuzz: $runs inputs, $(grep -o 'cov: [0-9]*' "$tmp/fz" | tail -n 1)"
	else
		fail "the fuzzer found a crash or a wrong acceptance"; tail -n 30 "$tmp/fz" >&2
	fi ;;
bad-arguments)
	# one line naming the option, exit 2
	bad_arguments "$student" <<-EOF
	--mem|--mem 1000
	--mem|--mem lots
	--cols|--cols 0
	--cols|--cols 65
	--kernel|--kernel fastest
	--seed|--make-inputs $tmp/x --seed -1
	EOF
	;;
demo)
	# the demo and the bench at test size print their ratios
	expect 0 -- "$demos" --demo ooc --quick --out "$tmp/d"
	has out "plain read"
	expect 0 -- "$demos" --bench --quick --out "$tmp/b"
	has out "plain read" ;;
manifest)
	have_py || skip "no /usr/bin/python3"
	/usr/bin/python3 "$src/tests/check_manifest.py" "$manifest" ooc ooc \
		--hint-prefix "Look at TODO" --every-step || failed=1 ;;
broken)
	# one bug in the reference: --verify fails it naming the column, or the
	# memory check catches it
	if [ "$caught_by" = rss ]; then
		[ -n "${KIT_SANITIZED:-}" ] && skip "peak memory under AddressSanitizer is not the program's"
		[ -x /usr/bin/time ] || skip "no /usr/bin/time (apt-get install time)"
		d=$(peak_over "$broken" "$kernel")
		if [ "$d" -gt $limit ]; then
			pass "over budget caught: $d KiB above a 64 kB file's peak, limit $limit"
		else
			fail "over budget not caught: $d KiB above a 64 kB file's peak, limit $limit"
		fi
	else
		seed=$RANDOM
		inputs "$tmp/in" "$seed"
		mkdir -p "$tmp/e"
		expect 0 OMP_NUM_THREADS="$threads" -- "$broken" --kernel "$kernel" --input "$tmp/in" \
			--mem 1M --emit "$tmp/e"
		expect 1 -- "$reference" --kernel "$kernel" --input "$tmp/in" --verify "$tmp/e"
		has out "^FAIL: .*column [0-9]*: mean"
	fi ;;
*) echo "ex07.sh: unknown case $case_" >&2; exit 2 ;;
esac
exit $failed
