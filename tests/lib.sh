# lib.sh - what the shell tests share (bash). Source it first thing:
#   . "$(dirname "$0")/../lib.sh"
# Sourcing it sets no shell option (each script keeps its own `set` line) and:
#   tmp     a fresh scratch folder (mktemp -d under ${TMPDIR:-/tmp}), removed
#           on exit by an EXIT trap: a script that sources this file must not
#           `exec` its last command, or the folder stays behind.
#   failed  0, and 1 after any fail: end the script with `exit $failed`
#           (never with a count: 77 would read as a skip).
#   nfail   the number of fails; nchecks the number of pass + fail lines so far.
# Exit status convention (meson): 0 pass, 1 fail, 77 skip, 2 usage error.
#
# Verdicts
#   pass MSG          prints "ok N - MSG".
#   fail MSG          prints "not ok N - MSG" on stderr; failed=1; the script
#                     goes on (every check runs, all failures are listed).
#   check NAME CMD... runs CMD; pass NAME if it succeeds, else fail NAME.
#   skip MSG          prints "SKIP: MSG" and exits 77 (meson: skipped).
# Running programs
#   expect STATUS [VAR=VALUE...] -- PROGRAM ARGS...
#                     runs PROGRAM with the VARs in its environment, stdout in
#                     $tmp/out and stderr in $tmp/err; passes if it exits with
#                     STATUS ("0|77" allows either), else fails and shows both
#                     files. Always returns 0.
#   capture [-C DIR] CMD...
#                     runs CMD (in DIR), setting rc (its exit status), out and
#                     err (its stdout and stderr, also in $tmp/out, $tmp/err).
#   bad_arguments PROGRAM <<EOF
#   NAME|ARGS         one line a case: PROGRAM ARGS (split at blanks) must exit
#   EOF               2 with exactly one stderr line naming NAME, and print
#                     nothing on stdout.
# Looking at output
#   last_line_is TEXT     the last line of $tmp/out starts with TEXT.
#   has out|err REGEX     $tmp/out (or err) matches the basic REGEX (grep).
#   grep_in FILE ERE WHAT FILE matches the extended ERE; else fail WHAT and
#                         show FILE.
#   matches STRING ERE    true if STRING matches ERE (a test, not a verdict).
#   json FILE EXPR        prints the Python EXPR over j = FILE's JSON.
#   have_py               true if /usr/bin/python3 exists.
#   no_strays PATTERN     fails if a process whose command line has PATTERN is
#                         still running 0.2 s later.
# Thread checks
#   par_codes OPENMP(1|0) sets par_ok and par_fail, the exit statuses of a
#                         passing and a failing "is it parallel" check: 0 and 1
#                         with OpenMP; 77 and 77 (the driver cannot judge
#                         parallelism, a skip) in the serial build.

tmp=$(mktemp -d "${TMPDIR:-/tmp}/$(basename "$0" .sh).XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0 nfail=0 nchecks=0

pass() { nchecks=$((nchecks + 1)); echo "ok $nchecks - $*"; }
fail() { nchecks=$((nchecks + 1)); nfail=$((nfail + 1)); failed=1; echo "not ok $nchecks - $*" >&2; }
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
skip() { echo "SKIP: $*"; exit 77; }

expect() {
	local want=$1; shift
	local env=()
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	env "${env[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	case "|$want|" in
	*"|$rc|"*) pass "exit $rc: ${env[*]} ${*##*/}" ;;
	*) fail "exit $rc, expected $want: ${env[*]} $*"; sed 's/^/  | /' "$tmp/out" "$tmp/err" >&2 ;;
	esac
	return 0
}

capture() {
	local dir=.
	if [ "$1" = -C ]; then dir=$2; shift 2; fi
	(cd "$dir" && "$@") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}

bad_arguments() {
	local prog=$1 name args argv
	while IFS='|' read -r name args; do
		read -ra argv <<<"$args"
		expect 2 -- "$prog" "${argv[@]}"
		[ "$(wc -l <"$tmp/err")" = 1 ] || fail "$args: expected one line on stderr, got $(wc -l <"$tmp/err")"
		grep -q -- "$name" "$tmp/err" || fail "$args: the message does not name $name: $(cat "$tmp/err")"
		[ -s "$tmp/out" ] && fail "$args: printed on stdout"
	done
	return 0
}

last_line_is() {
	local line; line=$(tail -n 1 "$tmp/out")
	case $line in
	"$1"*) ;;
	*) fail "last line is '$line', expected it to start with '$1'" ;;
	esac
}

has() { grep -q -- "$2" "$tmp/$1" || fail "$1 lacks '$2'"; }

grep_in() {
	grep -Eq -- "$2" "$1" || { fail "$3: no match for /$2/ in $(basename "$1")"; sed 's/^/  | /' "$1" >&2; }
}

matches() { grep -qE -- "$2" <<<"$1"; }

json() {
	/usr/bin/python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
have_py() { [ -x /usr/bin/python3 ]; }

no_strays() {
	sleep 0.2
	if pgrep -f -- "$1" >/dev/null; then
		fail "processes left behind: $(pgrep -af -- "$1")"
	fi
}

par_codes() {
	if [ "$1" = 1 ]; then par_ok=0 par_fail=1; else par_ok=77 par_fail=77; fi
}
