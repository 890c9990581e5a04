#!/usr/bin/env bash
# test_demo.sh - ./kit demo and ./kit bench (src/cli/demo.c) on a made-up
# exercise: a temporary KIT_ROOT whose exercise.json lists two demos and a
# benchmark, and a temporary KIT_BUILD whose "reference program" is a script
# that prints the arguments it got and writes a CSV into its --out folder.
# Checks: --list, one demo (args, default --out), --quick (test_args),
# --out, an unknown name (lists the demos), the tour, a failing demo, bench,
# a reference program that is not built, --help.
# usage: test_demo.sh KIT_CLI
set -u
. "$(dirname "$0")/../lib.sh"
cli=$1
root=$tmp/root build=$tmp/build
mkdir -p "$root/exercises/07-fake" "$build/solutions/07-fake"
cat >"$root/exercises/07-fake/exercise.json" <<'JSON'
{"exercise": "07-fake", "program": "fake",
 "demos": [
   {"name": "alpha", "about": "the first demo", "args": ["--demo", "alpha"],
    "test_args": ["--demo", "alpha", "-n", "1e3"]},
   {"name": "beta", "about": "the second demo, which fails", "args": ["--demo", "beta", "boom"],
    "test_args": ["--demo", "beta"]}],
 "bench": {"name": "fast", "about": "a benchmark", "args": ["--bench"],
           "test_args": ["--bench", "--quick"]}}
JSON
cat >"$build/solutions/07-fake/fake" <<'SH'
#!/usr/bin/env bash
echo "ARGS: $*"
out=
while (($#)); do case $1 in --out) out=$2; shift ;; boom) exit 1 ;; esac; shift; done
[ -n "$out" ] && echo "a,b" >"$out/result.csv" && echo "{}" >"$out/result.json"
exit 0
SH
chmod +x "$build/solutions/07-fake/fake"
export KIT_ROOT=$root KIT_BUILD=$build
run() { capture -C "$tmp" "$cli" "$@"; }

run demo --list
[ $rc = 0 ] && matches "$out" 'alpha +the first demo' && matches "$out" 'beta +the second demo' &&
	pass "--list: names and descriptions" || fail "--list: rc=$rc out=$out err=$err"

run demo alpha
[ $rc = 0 ] && matches "$out" "^ARGS: --demo alpha --out $root/results/demos/alpha\$" &&
	[ -f "$root/results/demos/alpha/result.csv" ] && matches "$out" 'results/demos/alpha/ +1 CSV, 1 JSON' &&
	pass "one demo: its args, --out results/demos/NAME, the files" || fail "demo alpha: rc=$rc out=$out err=$err"

run demo alpha --quick --out mine
[ $rc = 0 ] && matches "$out" "^ARGS: --demo alpha -n 1e3 --out $tmp/mine\$" && [ -f "$tmp/mine/result.csv" ] &&
	pass "--quick runs test_args; --out DIR is passed on" || fail "demo --quick --out: rc=$rc out=$out err=$err"

run demo nosuch
[ $rc = 2 ] && matches "$err" "no demo named 'nosuch'" && matches "$err" 'alpha +the first demo' &&
	pass "unknown demo: exit 2, the demos listed" || fail "unknown demo: rc=$rc err=$err"

run demo
[ $rc = 0 ] && matches "$out" '=== 1/2 +alpha: the first demo ===' && matches "$out" '=== 2/2 +beta' &&
	matches "$out" '^ARGS: --demo alpha -n 1e3 --out' && matches "$out" '^ARGS: --demo beta --out' &&
	matches "$out" 'Tour done' && matches "$out" 'results/demos/alpha/ +1 CSV' && ! matches "$out" 'beta: FAILED' &&
	pass "the tour: every demo, test-sized, titled, with the files at the end" ||
	fail "tour: rc=$rc out=$out err=$err"

run demo beta
[ $rc = 1 ] && pass "a failing demo: exit 1" || fail "failing demo: rc=$rc out=$out"
sed -i 's/"test_args": \["--demo", "beta"\]/"test_args": ["--demo", "beta", "boom"]/' \
	"$root/exercises/07-fake/exercise.json"
run demo
[ $rc = 1 ] && matches "$out" 'beta: FAILED' && matches "$out" 'results/demos/alpha/' &&
	pass "a failing demo in the tour: the tour goes on, exit 1, FAILED named" ||
	fail "tour with failure: rc=$rc out=$out"

run bench
[ $rc = 2 ] && matches "$err" 'fast +a benchmark' && pass "bench without a name lists them" ||
	fail "bench: rc=$rc err=$err"
run bench fast --quick
[ $rc = 0 ] && matches "$out" "^ARGS: --bench --quick --out $root/results/bench/fast\$" &&
	pass "bench --quick: test_args, results/bench/NAME" || fail "bench fast: rc=$rc out=$out err=$err"

rm "$build/solutions/07-fake/fake"
run demo alpha
[ $rc = 2 ] && matches "$err" 'is not built' && pass "reference not built: exit 2, says so" ||
	fail "not built: rc=$rc err=$err"

run demo --help
[ $rc = 0 ] && matches "$out" '^usage: ./kit demo' && matches "$out" 'examples:' && pass "--help" ||
	fail "--help: rc=$rc out=$out"
run demo --bogus
[ $rc = 2 ] && matches "$err" "unknown option '--bogus'" && pass "unknown option: exit 2" || fail "bogus: rc=$rc err=$err"

[ $nfail = 0 ] && echo "all demo checks passed" || echo "$nfail demo check(s) failed"
exit $failed
