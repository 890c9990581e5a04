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
cli=$1 dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# run ARGS...: sets rc, out (stdout) and err (stderr)
run() {
	"$cli" notebook "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}
has() { grep -qE -- "$2" <<<"$1"; }

run "$dir/pass.md" --check
[ $rc = 0 ] && has "$out" 'PASS: 2 of 2 cells passed \(1 skip-check' &&
	ok "passing lesson: --check exits 0" ||
	fail "passing lesson: rc=$rc out=$out err=$err"

run "$dir/pass.md"
[ $rc = 0 ] && has "$out" '^\$ echo "hello, world"' && has "$out" '^hello, world$' &&
	has "$out" 'slow: shown' && has "$out" '3 cells, 3 passed, 0 failed' &&
	ok "default mode shows commands, output and a summary" ||
	fail "default mode: rc=$rc out=$out err=$err"

run "$dir/fail.md" --check
[ $rc = 1 ] && has "$err" 'fail\.md:10: cell 2 failed: exit 1' &&
	has "$err" 'about to fail' && ! has "$err" 'never printed' &&
	has "$err" 'fail\.md:19: cell 3 failed: expected /\^PASS/' &&
	has "$err" '\| FAIL: this is what was seen' && has "$out" 'FAIL: 1 of 3 cells passed' &&
	ok "failing lesson: --check exits 1 naming both cells, expected vs seen" ||
	fail "failing lesson: rc=$rc out=$out err=$err"

run "$dir/bad-format.md" --check
[ $rc = 2 ] && has "$err" 'bad-format\.md:4: the annotation on line 3 must come right before' &&
	ok "an annotation that belongs to no cell: exit 2, with its line" ||
	fail "bad format: rc=$rc err=$err"

# --update on a copy: the stale block is replaced, a missing one is added
cp "$dir/pass.md" "$tmp/lesson.md"
run "$tmp/lesson.md" --update
[ $rc = 0 ] && ! grep -q stale "$tmp/lesson.md" &&
	grep -qx 'hello, world' "$tmp/lesson.md" && grep -qx '3 lines' "$tmp/lesson.md" &&
	[ "$(grep -c '^```output$' "$tmp/lesson.md")" = 3 ] && has "$out" '3 output blocks rewritten' &&
	ok "--update rewrites and adds output blocks" ||
	fail "--update: rc=$rc out=$out err=$err; $(cat "$tmp/lesson.md")"
cp "$tmp/lesson.md" "$tmp/before.md"
run "$tmp/lesson.md" --update
[ $rc = 0 ] && has "$out" '0 output blocks rewritten' && cmp -s "$tmp/lesson.md" "$tmp/before.md" &&
	ok "--update again changes nothing" || fail "second --update: rc=$rc out=$out"
run "$tmp/lesson.md" --check
[ $rc = 0 ] && ok "the updated lesson still passes --check" || fail "updated --check: rc=$rc err=$err"
ls "$tmp" | grep -q '\.tmp\.' && fail "--update left a temporary file" || ok "no temporary file left"

# a failing lesson is never rewritten
cp "$dir/fail.md" "$tmp/fail.md"
run "$tmp/fail.md" --update
[ $rc = 1 ] && cmp -s "$tmp/fail.md" "$dir/fail.md" && has "$err" 'not updated' &&
	ok "--update leaves a failing lesson untouched" || fail "--update on failing: rc=$rc err=$err"

# long output is trimmed in the lesson, with a note of what was cut
printf '# long\n\n<!-- expect: ^100$ -->\n```sh\nseq 1 100\n```\n' >"$tmp/long.md"
run "$tmp/long.md" --update
[ $rc = 0 ] && grep -qx '… (60 lines cut)' "$tmp/long.md" && grep -qx '30' "$tmp/long.md" &&
	! grep -qx '31' "$tmp/long.md" && grep -qx '91' "$tmp/long.md" && grep -qx '100' "$tmp/long.md" &&
	ok "--update trims long output and says what was cut" ||
	fail "trim: rc=$rc $(cat "$tmp/long.md")"

# a cell that runs too long is stopped and named
printf '# slow\n\n```sh\necho start\nsleep 30\n```\n' >"$tmp/slow.md"
t0=$(date +%s)
run "$tmp/slow.md" --check --timeout 1
t1=$(date +%s)
[ $rc = 1 ] && has "$err" 'slow\.md:3: cell 1 failed: timed out' && [ $((t1 - t0)) -lt 10 ] &&
	ok "--timeout stops a slow cell" || fail "timeout: rc=$rc err=$err ($((t1 - t0)) s)"

# usage errors
run 99 --check
[ $rc = 2 ] && has "$err" 'no lesson 99' && ok "unknown lesson number: exit 2" || fail "lesson 99: rc=$rc err=$err"
run "$dir/pass.md" --bogus
[ $rc = 2 ] && has "$err" "unknown option '--bogus'" && ok "unknown option: exit 2" || fail "bogus: rc=$rc err=$err"
run "$dir/pass.md" --check --update
[ $rc = 2 ] && ok "--check with --update: exit 2" || fail "check+update: rc=$rc"

[ $failures = 0 ] && echo "all runner checks passed" || echo "$failures runner check(s) failed"
exit $((failures > 0))
