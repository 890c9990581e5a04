#!/usr/bin/env bash
# test_coretype.sh - OPENBLAS_CORETYPE: a value the user set is kept and shown
# (./kit doctor, the environment snapshot), with a note when this CPU runs a
# faster core; unset on a CPU OpenBLAS recognises, nothing is set or said; a
# value the kit set is told apart from the user's.
# usage: test_coretype.sh KIT_CLI
. "$(dirname "$0")/../lib.sh"
set -u
cli=$1
have_py || skip "needs /usr/bin/python3 to read the snapshot"
unset OPENBLAS_CORETYPE KIT_OPENBLAS_CORETYPE_BY_KIT
grep -qw avx512f /proc/cpuinfo && best=SkylakeX || { grep -qw avx2 /proc/cpuinfo && best=Haswell || best=""; }
[ -n "$best" ] || skip "this CPU has neither AVX2 nor AVX-512: OpenBLAS has no faster core to choose"

# The user's Prescott (the generic core) is kept, shown and noted.
capture env OPENBLAS_CORETYPE=Prescott "$cli" doctor --json "$tmp/snap.json"
matches "$out" "NOTE +OpenBLAS +core Prescott: OPENBLAS_CORETYPE=Prescott is set \(the kit keeps it\); this CPU has .*OPENBLAS_CORETYPE=$best" &&
	pass "doctor: the user's OPENBLAS_CORETYPE=Prescott kept, with a note naming $best" ||
	fail "doctor: the user's OPENBLAS_CORETYPE=Prescott kept, with a note naming $best: $out"
! matches "$err" "the kit runs every program" &&
	pass "doctor: the user's value is not overridden" || fail "doctor overrode the user's value: $err"
[ "$(json "$tmp/snap.json" "j['blas']['core'], j['blas']['coretype'], j['blas']['coretype_set_by'], j['blas']['cpu_best_core'], j['env']['OPENBLAS_CORETYPE']")" = \
	"('Prescott', 'Prescott', 'user', '$best', 'Prescott')" ] &&
	pass "snapshot: core, coretype, set by the user, the CPU's best core" ||
	fail "snapshot: $(json "$tmp/snap.json" "j['blas']")"
[ -n "$(json "$tmp/snap.json" "j['blas']['note']")" ] && pass "snapshot: the note" || fail "snapshot: no note"

# The user's best core: no note.
capture env OPENBLAS_CORETYPE=$best "$cli" doctor
matches "$out" "OK +OpenBLAS +core $best \(OPENBLAS_CORETYPE=$best, set by you\)" && ! matches "$out" NOTE &&
	pass "doctor: OPENBLAS_CORETYPE=$best shown as the user's, no note" ||
	fail "doctor: OPENBLAS_CORETYPE=$best: $out"

# Set by the kit (what kit-cli does on a CPU OpenBLAS falls back on): said so.
capture env OPENBLAS_CORETYPE=$best KIT_OPENBLAS_CORETYPE_BY_KIT=$best "$cli" doctor --json "$tmp/kit.json"
matches "$out" "core $best \(OPENBLAS_CORETYPE=$best, set by the kit" &&
	[ "$(json "$tmp/kit.json" "j['blas']['coretype_set_by']")" = kit ] &&
	pass "set by the kit: doctor and the snapshot say so" || fail "set by the kit: $out"

# Unset on a CPU OpenBLAS recognises: nothing set, nothing said.
capture "$cli" doctor --json "$tmp/unset.json"
core=$(json "$tmp/unset.json" "j['blas']['core']")
case ${core,,} in
prescott|katmai|coppermine|northwood|banias|core2|penryn|dunnington|nehalem|atom|generic|unknown)
	matches "$err" "the kit runs every program with OPENBLAS_CORETYPE=$best" &&
		[ "$(json "$tmp/unset.json" "j['blas']['coretype'], j['blas']['coretype_set_by']")" = "('$best', 'kit')" ] &&
		pass "unset on a CPU OpenBLAS falls back on: the kit sets $best, says so, restarts with it" ||
		fail "unset, fallback core $core: $err" ;;
*)
	[ "$(json "$tmp/unset.json" "j['blas']['coretype']")" = None ] && ! matches "$err" "OPENBLAS_CORETYPE" &&
		pass "unset on a CPU OpenBLAS recognises ($core): nothing set, nothing said" ||
		fail "unset, core $core: $err" ;;
esac
echo "1..$nchecks"
exit $failed
