#!/usr/bin/env bash
# test_runner.sh - self-test of ./kit notebook (src/cli/notebook.c) on the
# fixture lessons beside this script:
#   pass.md        every cell passes             -> --check exits 0
#   fail.md        a cell exits non-zero, a cell's pattern does not match
#                  -> --check exits 1 and names both by line, with expected vs seen
#   bad-format.md  an annotation that belongs to no cell -> exit 2, names the line
#   claims.md      lets, claims (every operator and function) and predictions that
#                  hold -> --check exits 0; --predict with answers piped in, with no
#                  input, and with an input that never comes (must not block)
#   claims-fail.md a false claim, a regex that matches nowhere, choices that do not
#                  single out one, a capture that is not a number -> exit 1, each named
#   claims-bad.md  a claim that does not parse -> exit 2, names the line
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

run "$dir/claims.md" --check
[ $rc = 0 ] && matches "$out" 'PASS: 2 of 2 cells passed' &&
	pass "claims and lets that hold: --check exits 0" || fail "claims.md: rc=$rc out=$out err=$err"

run "$dir/claims.md"
[ $rc = 0 ] && matches "$out" '^  let hits = 785805$' &&
	matches "$out" '^  ✓ claim: s < 1\.5 and 1 < s \* 2 < 3 and not s > 2  \(s = 1\.39\)$' &&
	matches "$out" '^  ✓ claim: count\(/\^row/\) == 2  \(/\^row/ = 2 matches\)$' &&
	pass "shown runs print each claim with the numbers it read" || fail "claims shown: rc=$rc out=$out"

run "$dir/claims-fail.md" --check
[ $rc = 1 ] && matches "$out" 'FAIL: 0 of 4 cells passed' &&
	matches "$err" 'claims-fail\.md:3: cell 1 failed: line 7: the claim /speed-up \(\[0-9\.\]\+\)x/ > 1\.5 is false here \(/speed-up \(\[0-9\.\]\+\)x/ = 0\.98\)' &&
	matches "$err" '✗ claim: /speed-up' &&
	matches "$err" 'cell 2 failed: line 13: .*matches nowhere in the output' &&
	matches "$err" 'cell 3 failed: line 15: several of the prediction.s choices hold here' &&
	matches "$err" "cell 4 failed: line 26: .*captured 'abc', which is not a number" &&
	pass "false or unreadable claims fail the cell, each named with what it read" ||
	fail "claims-fail.md: rc=$rc out=$out err=$err"

run "$dir/claims-bad.md" --check
[ $rc = 2 ] && matches "$err" "claims-bad\.md:7: bad claim '/\(\[0-9\]\+\)/ >': expected a number" &&
	pass "a claim that does not parse: exit 2, with its line" || fail "claims-bad.md: rc=$rc err=$err"

printf '# x\n\n<!-- claim: 1 -->\n\n```sh\necho x\n```\n' >"$tmp/orphan.md"
run "$tmp/orphan.md" --check
[ $rc = 2 ] && matches "$err" 'orphan\.md:3: a claim belongs to the nearest ```sh cell above it' &&
	pass "a claim before any cell: exit 2" || fail "orphan claim: rc=$rc err=$err"
printf '# x\n\n<!-- answer: 1 -->\n```sh\necho x\n```\n' >"$tmp/noq.md"
run "$tmp/noq.md" --check
[ $rc = 2 ] && matches "$err" 'noq\.md:3: an answer or choice needs a <!-- predict: QUESTION -->' &&
	pass "an answer without a question: exit 2" || fail "answer without predict: rc=$rc err=$err"

# --predict: answers piped in are read, echoed and shown beside what the run measured
capture sh -c "printf '4.5x\nb\n' | '$cli' notebook '$dir/claims.md' --predict"
[ $rc = 0 ] && matches "$out" '^\? How many lines will the first cell print\?$' &&
	matches "$out" 'your prediction \(a number; Enter to skip\): 4\.5x$' &&
	matches "$out" '^  you predicted +4\.5$' && matches "$out" '^  the run measured +6$' &&
	matches "$out" '^    b\) the 3 row$' && matches "$out" '^  you predicted +b\) the 3 row$' &&
	matches "$out" '^  the run measured +b\) the 3 row$' && matches "$out" '✓ as you predicted' &&
	pass "--predict reads piped answers and shows them beside the measured ones" ||
	fail "--predict piped: rc=$rc out=$out err=$err"
capture sh -c "printf 'a\n' | '$cli' notebook '$dir/claims.md' --predict"
matches "$out" "'a' is not a number" && matches "$out" '^  you predicted +\(none\)$' &&
	pass "--predict: an answer of the wrong kind is refused, not guessed" || fail "--predict wrong kind: out=$out"
t0=$(date +%s)
run "$dir/claims.md" --predict </dev/null
t1=$(date +%s)
[ $rc = 0 ] && matches "$out" '\(none: no terminal and no input\)' && matches "$out" '^  the run measured +6$' &&
	[ $((t1 - t0)) -lt 5 ] && pass "--predict without a terminal or input does not block" ||
	fail "--predict </dev/null: rc=$rc ($((t1 - t0)) s) out=$out"
# an input that stays open and silent: one short wait, then no more questions
exec 3< <(exec sleep 20)
silent=$!
t0=$(date +%s)
capture "$cli" notebook "$dir/claims.md" --predict <&3
t1=$(date +%s)
exec 3<&-
kill "$silent" 2>/dev/null
[ $rc = 0 ] && [ $((t1 - t0)) -lt 8 ] && matches "$out" '2 cells, 2 passed' &&
	pass "--predict on a silent pipe waits briefly, then runs on" ||
	fail "--predict silent pipe: rc=$rc ($((t1 - t0)) s) out=$out"

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
run "$dir/pass.md" --check --predict
[ $rc = 2 ] && matches "$err" 'do not go together' && pass "--check with --predict: exit 2" ||
	fail "check+predict: rc=$rc err=$err"

[ $nfail = 0 ] && echo "all runner checks passed" || echo "$nfail runner check(s) failed"
exit $failed
