#!/usr/bin/env bash
# test_cli.sh - what a student meets first: ./kit and kit-cli on bad input
# and --help (meson test --suite env).
# usage: test_cli.sh KIT_CLI SOURCE_ROOT BUILD_ROOT
# Every bad flag, subcommand or OMP_NUM_THREADS gives exactly one error line
# naming the problem and exit status 2; --help gives usage with examples and
# exit 0; an unwritable --json fails before any work and leaves no file.
# Exit status is the verdict (0 pass, 1 fail).
set -u
. "$(dirname "$0")/../lib.sh"
CLI=$1
SRC=$2
BUILD=$3
unset OMP_NUM_THREADS KIT_RESULTS_JSON
KIT_QUIET=1
export KIT_QUIET
T=$tmp
# a kit root with no results/machine.json: ./kit machine would measure
mkdir "$T/root" "$T/tmp"
KIT_ROOT=$T/root
TMPDIR=$T/tmp
export KIT_ROOT TMPDIR

# usage NAME PATTERN COMMAND...: exit 2, one "error:" line on stderr matching
# PATTERN, and nothing else on stderr.
usage() {
	name=$1 pattern=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "error: .*$pattern" "$T/err"; then
		pass "$name"
	else
		fail "$name"
		echo "# exit $rc; stderr:"; sed 's/^/#   /' "$T/err"
	fi
}

# help NAME COMMAND...: exit 0, "usage:" and "examples:" on stdout, short.
help() {
	name=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 0 ] && grep -q '^usage:' "$T/out" && grep -q '^examples:' "$T/out" &&
	   [ "$(wc -l <"$T/out")" -le 30 ]; then
		pass "$name"
	else
		fail "$name"
		echo "# exit $rc"; sed 's/^/#   /' "$T/out" "$T/err"
	fi
}

usage "kit-cli with no subcommand" "no subcommand" "$CLI"
usage "kit-cli nosuch" "unknown subcommand 'nosuch'" "$CLI" nosuch
for sub in doctor machine sweep; do
	usage "$sub --bogus" "'--bogus'" "$CLI" "$sub" --bogus
	help "$sub --help" "$CLI" "$sub" --help
done
usage "doctor --json without a file" "--json needs a FILE" "$CLI" doctor --json
usage "machine --json without a file" "--json needs a FILE" "$CLI" machine --json

# OMP_NUM_THREADS the runtime would misread: kit-cli says so (libgomp may add
# its own line first, which kit-cli cannot stop; ./kit catches it before).
for v in abc 0 2,0; do
	OMP_NUM_THREADS=$v "$CLI" doctor >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(grep -c 'error:' "$T/err")" -eq 1 ] &&
	   grep -q "error: OMP_NUM_THREADS='$v' is not a thread count" "$T/err" && [ ! -s "$T/out" ]; then
		pass "OMP_NUM_THREADS=$v: kit-cli doctor refuses with one error line"
	else
		fail "OMP_NUM_THREADS=$v: kit-cli doctor refuses with one error line"
		echo "# exit $rc"; sed 's/^/#   /' "$T/err"
	fi
done

# An unwritable --json: one line at once, nothing measured, nothing left.
"$CLI" machine --json "$T/no/such/dir/m.json" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
   grep -q "error: cannot write '$T/no/such/dir/m.json'" "$T/err" &&
   ! grep -q measuring "$T/out" && [ ! -e "$T/root/results/machine.json" ]; then
	pass "machine --json to a missing folder fails before measuring"
else
	fail "machine --json to a missing folder fails before measuring"
	echo "# exit $rc"; sed 's/^/#   /' "$T/out" "$T/err"
fi
"$CLI" doctor --json "$T/no/such/dir/env.json" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(grep -c 'error:' "$T/err")" -eq 1 ] &&
   grep -q "error: cannot write '$T/no/such/dir/env.json'" "$T/err"; then
	pass "doctor --json to a missing folder: exit 2, one error line"
else
	fail "doctor --json to a missing folder: exit 2, one error line"
	echo "# exit $rc"; sed 's/^/#   /' "$T/err"
fi
if [ -z "$(ls -A "$T/tmp"; ls -A "$T/root")" ]; then
	pass "no temporary file left behind"
else
	fail "no temporary file left behind"; ls -lAR "$T/tmp" "$T/root" | sed 's/^/#   /'
fi

# The ./kit script: paths that must answer before any install or build.
KIT_BUILD=$BUILD
export KIT_BUILD
usage "./kit nosuch" "unknown subcommand 'nosuch'" "$SRC/kit" nosuch
usage "OMP_NUM_THREADS=abc ./kit doctor" "OMP_NUM_THREADS='abc' is not a thread count" \
	env OMP_NUM_THREADS=abc "$SRC/kit" doctor
usage "./kit test --only without a value" "--only needs" "$SRC/kit" test --only
help "./kit --help" "$SRC/kit" --help

# A missing package, as a user without root or sudo: ./kit names it, prints the
# exact command and exits 2 (it once died silently here: dpkg-query exits 1
# when a package is missing). dpkg-query and id are stand-ins so the test
# changes nothing on the machine; sudo is one that always says no.
mkdir "$T/bin"
cat >"$T/bin/dpkg-query" <<'STUB'
#!/bin/sh
shift 2	# -W -f=FORMAT
for p in "$@"; do [ "$p" = libcjson-dev ] || echo "ii |$p"; done
exit 1
STUB
printf '#!/bin/sh\necho 1000\n' >"$T/bin/id"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/sudo"
chmod +x "$T/bin/dpkg-query" "$T/bin/id" "$T/bin/sudo"
PATH=$T/bin:$PATH "$SRC/kit" doctor </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'needs 1 Debian package' "$T/err" &&
	grep -q '^  libcjson-dev  *results as JSON$' "$T/err" &&
	grep -q '^  sudo apt-get update && sudo apt-get install -y --no-install-recommends libcjson-dev$' "$T/err"; then
	pass "./kit with a package missing and no root: names it, says why, prints the command"
else
	fail "./kit with a package missing and no root: names it, says why, prints the command"
	echo "# exit $rc; stderr:"; sed 's/^/#   /' "$T/err"
fi
# No sudo at all: the command to run as root, without sudo in it. PATH holds
# only the stand-ins and what the kit's shell needs, so no real sudo is found.
rm "$T/bin/sudo"
mkdir "$T/nosudo"
for p in bash env dirname uname id awk sed tr wc cat printf mktemp rm; do
	q=$(command -v $p) && [ "$p" != id ] && ln -s "$q" "$T/nosudo/$p"
done
PATH=$T/bin:$T/nosudo "$T/nosudo/bash" "$SRC/kit" doctor </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'there is no sudo here' "$T/err" &&
	grep -q '^  apt-get update && apt-get install -y --no-install-recommends libcjson-dev$' "$T/err" &&
	! grep -q 'sudo apt-get' "$T/err"; then
	pass "./kit with a package missing, no root and no sudo: the command to run as root"
else
	fail "./kit with a package missing, no root and no sudo: the command to run as root"
	echo "# exit $rc; stderr:"; sed 's/^/#   /' "$T/err"
fi

echo "1..$nchecks"
exit $failed
