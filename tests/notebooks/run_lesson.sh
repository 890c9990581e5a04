#!/usr/bin/env bash
# run_lesson.sh - runs lesson NN of notebooks-md/ with `kit-cli notebook NN
# --check` (every cell's exit status and expect patterns), so the lessons
# never rot. KIT_ROOT and KIT_BUILD come from meson (tests/notebooks/meson.build).
# Skipped (77) under the sanitizers, where the lesson's timings take too long,
# and when the lesson's cells would run programs of another build folder that
# does not exist (the cells say build/..., as a student types it).
# usage: run_lesson.sh KIT_CLI NN
set -u
cli=$1 nn=$2
if [ "${KIT_SANITIZED:-}" = 1 ]; then
	echo "SKIP: lesson $nn is not run under the sanitizers (too slow there); ./kit test runs it in build/"
	exit 77
fi
if [ "$(cd "$KIT_BUILD" && pwd -P)" != "$(cd "$KIT_ROOT" && pwd -P)/build" ] &&
	[ ! -x "$KIT_ROOT/build/solutions/01-monte-carlo-pi/pi" ]; then
	echo "SKIP: the lesson's cells run build/solutions/...; build $KIT_ROOT/build first (./kit does)"
	exit 77
fi
# The lessons show the kit's default environment, where the kit picks OpenBLAS's
# core for this CPU (lesson 02 measures that choice): a core type set by the
# user running the tests would change what they show.
unset OPENBLAS_CORETYPE
exec "$cli" notebook "$nn" --check
