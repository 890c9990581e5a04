#!/usr/bin/env bash
# test_runner.sh - self-test of ./kit notebook (src/cli/notebook.c) on the
# fixture lessons beside this script:
#   pass.md        every cell passes             -> --check exits 0
#   fail.md        a cell exits non-zero, a cell's pattern does not match
#                  -> --check exits 1 and names both by line, with expected vs seen
#   bad-format.md  an annotation that belongs to no cell -> exit 2, names the line
# and, on temporary copies, --update (rewrites output blocks, trims long
# output, leaves a failing lesson untouched) and --timeout.
# usage: test_runner.sh KIT_CLI FIXTURE_DIR
set -u
. "$(dirname "$0")/../lib.sh"
cli=$1 dir=$2

# run ARGS...: kit-cli notebook ARGS; sets rc, out (stdout) and err (stderr)
run() { capture "$cli" notebook "$@"; }

run "$dir/pass.md" --check
[ $rc = 0 ] && matches "$out" 'PASS: 2 of 2 cells passed \(1 skip-check' &&
	pass "passing lesson: --check exits 0" ||
	fail "passing lesson: rc=$rc out=$out err=$err"

run "$dir/pass.md"
[ $rc = 0 ] && matches "$out" '^\$ echo "hello, world"' && matches "$out" '^hello, world$' &&
	matches "$out" 'slow: shown' && matches "$out" '3 cells, 3 passed, 0 failed' &&
	pass "default mode shows commands, output and a summary" ||
	fail "default mode: rc=$rc out=$out err=$err"

run "$dir/fail.md" --check
[ $rc = 1 ] && matches "$err" 'fail\.md:10: cell 2 failed: exit 1' &&
	matches "$err" 'about to fail' && ! matches "$err" 'never printed' &&
	matches "$err" 'fail\.md:19: cell 3 failed: expected /\^PASS/' &&
	matches "$err" '\| FAIL: this is what was seen' && matches "$out" 'FAIL: 1 of 3 cells passed' &&
	pass "failing lesson: --check exits 1 naming both cells, expected vs seen" ||
	fail "failing lesson: rc=$rc out=$out err=$err"

run "$dir/bad-format.md" --check
[ $rc = 2 ] && matches "$err" 'bad-format\.md:4: the annotation on line 3 must come right before' &&
	pass "an annotation that belongs to no cell: exit 2, with its line" ||
	fail "bad format: rc=$rc err=$err"

# --update on a copy: the stale block is replaced, a missing one is added
cp "$dir/pass.md" "$tmp/lesson.md"
run "$tmp/lesson.md" --update
[ $rc = 0 ] && ! grep -q stale "$tmp/lesson.md" &&
	grep -qx 'hello, world' "$tmp/lesson.md" && grep -qx '3 lines' "$tmp/lesson.md" &&
	[ "$(grep -c '^```output$' "$tmp/lesson.md")" = 3 ] && matches "$out" '3 output blocks rewritten' &&
	pass "--update rewrites and adds output blocks" ||
	fail "--update: rc=$rc out=$out err=$err; $(cat "$tmp/lesson.md")"
cp "$tmp/lesson.md" "$tmp/before.md"
run "$tmp/lesson.md" --update
[ $rc = 0 ] && matches "$out" '0 output blocks rewritten' && cmp -s "$tmp/lesson.md" "$tmp/before.md" &&
	pass "--update again changes nothing" || fail "second --update: rc=$rc out=$out"
run "$tmp/lesson.md" --check
[ $rc = 0 ] && pass "the updated lesson still passes --check" || fail "updated --check: rc=$rc err=$err"
ls "$tmp" | grep -q '\.tmp\.' && fail "--update left a temporary file" || pass "no temporary file left"

# a failing lesson is never rewritten
cp "$dir/fail.md" "$tmp/fail.md"
run "$tmp/fail.md" --update
[ $rc = 1 ] && cmp -s "$tmp/fail.md" "$dir/fail.md" && matches "$err" 'not updated' &&
	pass "--update leaves a failing lesson untouched" || fail "--update on failing: rc=$rc err=$err"

# long output is trimmed in the lesson, with a note of what was cut
printf '# long\n\n<!-- expect: ^100$ -->\n```sh\nseq 1 100\n```\n' >"$tmp/long.md"
run "$tmp/long.md" --update
[ $rc = 0 ] && grep -qx '… (60 lines cut)' "$tmp/long.md" && grep -qx '30' "$tmp/long.md" &&
	! grep -qx '31' "$tmp/long.md" && grep -qx '91' "$tmp/long.md" && grep -qx '100' "$tmp/long.md" &&
	pass "--update trims long output and says what was cut" ||
	fail "trim: rc=$rc $(cat "$tmp/long.md")"

# a cell that runs too long is stopped and named
printf '# slow\n\n```sh\necho start\nsleep 30\n```\n' >"$tmp/slow.md"
t0=$(date +%s)
run "$tmp/slow.md" --check --timeout 1
t1=$(date +%s)
[ $rc = 1 ] && matches "$err" 'slow\.md:3: cell 1 failed: timed out' && [ $((t1 - t0)) -lt 10 ] &&
	pass "--timeout stops a slow cell" || fail "timeout: rc=$rc err=$err ($((t1 - t0)) s)"

# usage errors
run 99 --check
[ $rc = 2 ] && matches "$err" 'no lesson 99' && pass "unknown lesson number: exit 2" || fail "lesson 99: rc=$rc err=$err"
run "$dir/pass.md" --bogus
[ $rc = 2 ] && matches "$err" "unknown option '--bogus'" && pass "unknown option: exit 2" || fail "bogus: rc=$rc err=$err"
run "$dir/pass.md" --check --update
[ $rc = 2 ] && pass "--check with --update: exit 2" || fail "check+update: rc=$rc"

[ $nfail = 0 ] && echo "all runner checks passed" || echo "$nfail runner check(s) failed"
exit $failed
