#!/usr/bin/env bash
# cluster_test.sh - ./kit cluster and exercise 08's job scripts on it, end to end:
#   cluster_test.sh REFERENCE SOURCE_ROOT
# Starts a one-node Slurm in a scratch folder (its own ports), submits both
# job scripts as written (the reference program, a smaller N) with sbatch,
# waits for them, checks that each printed the one-process count, stops the
# cluster and checks that no daemon is left; then a start whose slurmd cannot
# come up fails naming it, with its log's end, and leaves nothing running. Skips (77) only where the
# cluster cannot start here: not root, or Slurm and munge not installed.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

reference=$(realpath "$1") root=$2
[ "$(id -u)" = 0 ] || skip "the cluster's daemons need root (slurmd starts jobs as their user)"
for p in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd; do
	[ -x "$p" ] || skip "$p is not installed (apt-get install munge slurmctld slurmd slurm-client)"
done
command -v sbatch >/dev/null || skip "sbatch is not installed (apt-get install slurm-client)"
export KIT_CLUSTER_DIR=$tmp/cluster KIT_ROOT=$root SLURM_CONF=$tmp/cluster/slurm.conf
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cluster=$root/src/cluster/cluster.sh
n=2e7
[ -n "${KIT_SANITIZED:-}" ] && { n=2e6; export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0; }
want=$(OMP_NUM_THREADS=1 "$reference" -q -n "$n" --validate | sed -n 's/^PASS: hybrid: \([0-9]*\) hits.*/\1/p')
[ -n "$want" ] || { fail "the reference gave no count"; exit 1; }

stop_cluster() { bash "$cluster" stop >/dev/null 2>&1; }
trap 'stop_cluster; rm -rf "$tmp"' EXIT

capture bash "$cluster" start
if [ "$rc" != 0 ]; then
	fail "./kit cluster start: exit $rc"; sed 's/^/  | /' "$tmp/err" >&2; exit 1
fi
pass "the cluster started"
capture bash "$cluster" status
[ "$rc" = 0 ] && matches "$out" 'slurmd +running' && matches "$out" 'idle' &&
	pass "status: the daemons run, the node is idle" || fail "status: $out"

# Submits job script $1 (sbatch's own options after it), waits for it, checks its output.
run_job() {
	local script=$1; shift
	local id st i
	id=$(cd "$tmp" && sbatch --parsable --output="$tmp/%x-%j.out" \
		--export=ALL,PROG="$reference",N="$n" "$@" "$root/exercises/08-hybrid-mpi/jobs/$script") ||
		{ fail "sbatch $script was refused"; return; }
	for ((i = 0; i < 600; i++)); do
		st=$(scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
		case $st in PENDING|RUNNING|CONFIGURING|COMPLETING|"") sleep 0.5 ;; *) break ;; esac
	done
	local f; f=$(ls "$tmp"/*-"$id".out 2>/dev/null | head -n 1)
	if [ "$st" = COMPLETED ] && [ -n "$f" ] && grep -q "^PASS: hybrid: $want hits" "$f"; then
		pass "$script $*: job $id completed, $want hits, the one-process count ($(grep -o 'at [0-9]* ranks\? x [0-9]* threads\?' "$f" | head -n 1))"
	else
		fail "$script $*: job $id ended $st"; [ -n "$f" ] && sed 's/^/  | /' "$f" >&2
		tail -n 5 "$KIT_CLUSTER_DIR/log/slurmd.log" | sed 's/^/  | slurmd: /' >&2
	fi
}

run_job pi-srun.sbatch                                  # as written: 2 ranks x 1 thread, srun
run_job pi-mpirun.sbatch                                # as written: 1 rank x 2 threads, mpirun
run_job pi-srun.sbatch --ntasks-per-node=1 --cpus-per-task=2   # the same script, overridden

capture bash "$cluster" stop
[ "$rc" = 0 ] && pass "the cluster stopped" || fail "stop: exit $rc: $err"
sleep 0.3
for f in munged slurmctld slurmd; do
	[ -s "$KIT_CLUSTER_DIR/$f.pid" ] && fail "$f's pid file is left"
done
left=$(pgrep -af "$KIT_CLUSTER_DIR" || true)
[ -z "$left" ] && pass "no daemon of this cluster is left" || fail "left running: $left"

# A daemon that does not come up: slurmd cannot write its pid file (a folder
# of that name is in the way), so it never reports as started. start must
# fail naming slurmd, show the end of its log, and stop every daemon it
# started, slurmd too (found by its command line: it has no pid file).
export KIT_CLUSTER_DIR=$tmp/broken SLURM_CONF=$tmp/broken/slurm.conf
mkdir -p "$KIT_CLUSTER_DIR/slurmd.pid/in-the-way"
capture bash "$cluster" start
[ "$rc" = 1 ] && matches "$err" 'slurmd did not come up' && matches "$err" '^  \| ' &&
	pass "slurmd failing to start: exit 1, named, the end of its log shown" ||
	fail "slurmd failing to start: exit $rc: $err"
sleep 0.3
left=$(pgrep -af "$KIT_CLUSTER_DIR" || true)
[ -z "$left" ] && pass "after the failed start no daemon of it is left" || fail "left running: $left"
exit $failed
