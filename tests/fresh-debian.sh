#!/usr/bin/env bash
# tests/fresh-debian.sh - the README's commands in a bare Debian 12, as a new user runs them.
#
# Builds a minimal Debian 12 (bookworm) root with debootstrap --variant=minbase, clones
# this repository's committed HEAD into it, and runs, as root inside it:
#     ./kit demo                 (first run: the kit installs what it needs)
#     CI=true ./kit test         (every test; CI=true makes warnings errors)
# A bare Debian has none of the packages a developer's machine has, so a program the kit
# runs but does not install fails here. /proc, /sys, /dev and /dev/shm are mounted in the
# root for the run and unmounted on every way out (end, error, Ctrl-C).
#
# usage: tests/fresh-debian.sh [--test-args 'ARGS'] [--keep] [--only-install]
#   --test-args 'ARGS'  arguments for ./kit test (default: none, the whole suite)
#   --keep              leave the root (its path is printed) for a look afterwards
#   --only-install      run ./kit demo only (the first run and its install)
# Needs root, debootstrap and the network (deb.debian.org, or $DEBIAN_MIRROR).
# The bootstrapped base is cached as data/cache/debian-bookworm-minbase.tar (ignored by
# git); delete it to bootstrap again. Prints each phase's time and a summary:
#     fresh-debian: base 12 s, install (first ./kit demo) 310 s, test 1650 s, total 1972 s
# Exit status: 0 when both commands succeeded, 1 when one failed, 2 when the root could
# not be built (usage, no root, no debootstrap, no network).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$REPO/data/cache
BASE=$CACHE/debian-bookworm-minbase.tar
ROOT=""   # the root, a fresh folder outside the repository (set below)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
test_args="" keep=0 only_install=0

say() { printf 'fresh-debian: %s\n' "$*" >&2; }
die() { printf 'fresh-debian: error: %s\n' "$*" >&2; exit 2; }

while (($#)); do
	case $1 in
	--test-args) [ $# -ge 2 ] || die "--test-args needs a value, e.g. --test-args '--only release'"
		test_args=$2; shift ;;
	--keep) keep=1 ;;
	--only-install) only_install=1 ;;
	-h|--help) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "unknown option '$1' (see tests/fresh-debian.sh --help)" ;;
	esac
	shift
done

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount); run it as root"
command -v debootstrap >/dev/null ||
	die "needs debootstrap; install it as root: apt-get install -y debootstrap"
command -v git >/dev/null || die "needs git to clone the repository into the root"

# Unmounts everything under $ROOT, deepest first; safe to call twice.
unmount_all() {
	local m
	[ -n "$ROOT" ] || return 0
	for m in dev/shm dev/pts dev sys/fs/cgroup sys proc; do
		if mountpoint -q "$ROOT/$m" 2>/dev/null; then
			umount -R "$ROOT/$m" 2>/dev/null || umount -R -l "$ROOT/$m" || true
		fi
	done
}

# Ends what still runs inside the root (started by this script: a killed or
# timed-out run), so that its mounts can go.
stop_in_root() {
	local p pids=()
	[ -n "$ROOT" ] || return 0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && pids+=("${p#/proc/}")
	done
	((${#pids[@]})) || return 0
	kill -TERM "${pids[@]}" 2>/dev/null || true
	sleep 2
	kill -KILL "${pids[@]}" 2>/dev/null || true
}

# Leaves nothing mounted and, unless --keep, no root behind.
cleanup() {
	local rc=$?
	stop_in_root
	unmount_all
	[ -z "${CGROUP:-}" ] || rmdir "$CGROUP" 2>/dev/null || true
	if [ $keep = 1 ] && [ -n "$ROOT" ]; then
		say "the root is kept in $ROOT (chroot $ROOT bash to look; rm -rf it when done)"
	elif [ -n "$ROOT" ] && [ -d "$ROOT" ]; then
		# never remove through a mount that is still there
		if findmnt -rn -o TARGET | grep -q "^$ROOT/"; then
			say "something is still mounted under $ROOT; not removing it"
		else
			rm -rf "$ROOT"
		fi
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s; }
t0=$(now)

# --- the base system: debootstrap once, then the cached tarball ---------------
mkdir -p "$CACHE"
# outside the repository, so that nothing that walks the repository walks the root
ROOT=$(mktemp -d "${TMPDIR:-/var/tmp}/ompkit-fresh-debian.XXXXXX")
if [ -s "$BASE" ]; then
	say "base: unpacking the cached Debian 12 minbase ($BASE)"
	tar -xf "$BASE" -C "$ROOT"
else
	say "base: debootstrap --variant=minbase bookworm from $MIRROR (a few minutes, once; cached after)"
	dlog=$CACHE/debootstrap.log
	if ! debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$dlog" 2>&1; then
		tail -n 20 "$dlog" >&2
		die "debootstrap failed (the lines above say why; the whole log is $dlog)"
	fi
	rm -f "$ROOT"/var/cache/apt/archives/*.deb
	tar -cf "$BASE.tmp.$$" -C "$ROOT" . && mv "$BASE.tmp.$$" "$BASE"
fi
# a real machine's / is 0755; mktemp made 0700 (and a tarball of it keeps that),
# which would lock the grader's unprivileged user out of everything
chmod 755 "$ROOT"
t_base=$(now)

# --- what a user's machine gives a chroot: network, devices, a clone ----------
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sysfs "$ROOT/sys"
# a running Debian has its cgroups mounted (Slurm's slurmd needs them)
if mountpoint -q /sys/fs/cgroup; then
	mount --rbind /sys/fs/cgroup "$ROOT/sys/fs/cgroup"
	mount --make-rslave "$ROOT/sys/fs/cgroup"
fi
mount --bind /dev "$ROOT/dev"
mount --make-private "$ROOT/dev"
mkdir -p "$ROOT/dev/shm" "$ROOT/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$ROOT/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts" 2>/dev/null || true

say "cloning $REPO (HEAD $(git -C "$REPO" rev-parse --short HEAD)) into the root as /opt/ompkit (a folder others can reach, as the grader's unprivileged user must)"
[ -z "$(git -C "$REPO" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes in $REPO are not in the clone; the root tests HEAD"
git clone -q --no-hardlinks "$REPO" "$ROOT/opt/ompkit"

# The root's processes go into a cgroup of their own, with at most 4096 tasks:
# a test's runaway fork loop (run as root, which RLIMIT_NPROC does not stop)
# must not use up the machine's process slots. Skipped, with a note, where
# there is no writable pids controller.
CGROUP=""
for cg in /sys/fs/cgroup/pids /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ -f "$cg/cgroup.procs" ] && mkdir "$cg/ompkit-fresh-debian.$$" 2>/dev/null || continue
	# a child has pids.max only where the pids controller is on
	if echo 4096 >"$cg/ompkit-fresh-debian.$$/pids.max" 2>/dev/null; then
		CGROUP=$cg/ompkit-fresh-debian.$$
		break
	fi
	rmdir "$cg/ompkit-fresh-debian.$$"
done
[ -n "$CGROUP" ] || say "note: no pids cgroup here; the root's processes are not capped"

# Runs a command line in the root as a new user's login shell would.
in_root() {
	[ -z "$CGROUP" ] || echo "$BASHPID" >"$CGROUP/cgroup.procs"
	chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 TERM=dumb /bin/bash -c "cd /opt/ompkit && $1"
}

# Runs in_root in the background and waits: bash runs a trap only between
# commands, and wait is one it interrupts, so Ctrl-C or a TERM (CI's timeout)
# ends the run at once, through cleanup.
run_in_root() {
	(in_root "$1") &
	wait $!
}

rc=0
say "run: ./kit demo (the first run installs the kit's packages)"
run_in_root './kit demo' || rc=1
t_demo=$(now)
if [ $rc = 0 ] && [ $only_install = 0 ]; then
	say "run: CI=true ./kit test $test_args"
	run_in_root "CI=true ./kit test $test_args" || rc=1
fi
t_test=$(now)

say "base $((t_base - t0)) s, install and first ./kit demo $((t_demo - t_base)) s," \
	"test $((t_test - t_demo)) s, total $((t_test - t0)) s"
if [ $rc = 0 ]; then say "PASS: the README's commands work in a bare Debian 12"
else say "FAIL: a README command failed in a bare Debian 12 (its output is above)"; fi
exit $rc
