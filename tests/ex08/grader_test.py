#!/usr/bin/python3
"""grader_test.py - ./kit grade on exercise 08 end to end: its items run the
program under mpirun at 1, 2 and 3 ranks.

usage: grader_test.py KIT_CLI SOURCE_ROOT BUILD_ROOT

  the solution     full marks
  the skeleton     every item fails, each saying why (thread level, 2 x the count)
  serial           the solution without step 3's pragma: step 3 fails (seen by
                   the grader: too few busy threads), steps 1 and 2 pass
  deadlock         ranks other than 0 skip MPI_Reduce: rank 0 waits forever;
                   the time limit ends the run, no rank is left running
TAP on stdout; exit 1 on any failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

kit_cli, root, build = sys.argv[1:4]
checks = failed = 0
TMP = tempfile.mkdtemp(prefix="ex08-grader.")
os.chmod(TMP, 0o755)   # the sandbox's unprivileged user reads the submissions


def ok(cond, what, detail=""):
    global checks, failed
    checks += 1
    print(("ok" if cond else "not ok") + f" {checks} - {what}")
    if not cond:
        failed += 1
        for line in str(detail).splitlines()[-30:]:
            print("#   " + line)
    return cond


def grade(sub, *args):
    """kit-cli grade 08 --submission SUB ARGS: (exit, {item id: item}, process)."""
    out = os.path.join(TMP, "out.json")
    if os.path.exists(out):
        os.remove(out)
    env = dict(os.environ, KIT_ROOT=root, KIT_BUILD=build, KIT_QUIET="1", TMPDIR=TMP)
    p = subprocess.run([kit_cli, "grade", "08", "--submission", sub, "--format", "json",
                        "--out", out] + list(args), env=env, capture_output=True, text=True)
    items = {}
    if os.path.exists(out):
        with open(out) as f:
            r = json.load(f)
        for e in r.get("exercises", []):
            for it in e.get("items", []):
                items[it.get("id")] = it
    return p.returncode, items, p


def submission(name, edits):
    """A folder with the solution's hybrid.c, each (old, new) of EDITS applied."""
    d = os.path.join(TMP, name)
    os.makedirs(d)
    src = open(os.path.join(root, "solutions/08-hybrid-mpi/hybrid.c")).read()
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    with open(os.path.join(d, "hybrid.c"), "w") as f:
        f.write(src)
    os.chmod(d, 0o755)
    return d


def status(items, iid):
    it = items.get(iid, {})
    return it.get("status", "").lower()


def seen(items, iid):
    it = items.get(iid, {})
    return json.dumps(it)


try:
    rc, items, p = grade(os.path.join(root, "solutions/08-hybrid-mpi"))
    ok(rc == 0 and all(status(items, i) == "pass" for i in ("s1-funneled", "s2-ranks", "s3-hybrid")),
       "the solution gets full marks at 1, 2 and 3 ranks", p.stdout + p.stderr)

    rc, items, p = grade(os.path.join(root, "exercises/08-hybrid-mpi"))
    ok(rc == 1 and status(items, "s1-funneled") == "fail" and "MPI_THREAD_SINGLE" in seen(items, "s1-funneled"),
       "the skeleton fails step 1: MPI_THREAD_SINGLE", seen(items, "s1-funneled"))
    ok(status(items, "s2-ranks") == "fail" and "2.00 times it" in seen(items, "s2-ranks"),
       "the skeleton fails step 2: 2 ranks count every sample twice", seen(items, "s2-ranks"))
    ok(status(items, "s3-hybrid") == "fail", "the skeleton fails step 3", seen(items, "s3-hybrid"))

    serial = submission("serial", [("#pragma omp parallel for simd reduction(+:hits)\n", "")])
    rc, items, p = grade(serial, "--only", "s2-ranks,s3-hybrid")
    ok(status(items, "s2-ranks") == "pass", "serial threads: step 2 still passes", seen(items, "s2-ranks"))
    ok(status(items, "s3-hybrid") == "fail" and "did a share of the work" in seen(items, "s3-hybrid"),
       "serial threads: step 3 fails, seen from outside", seen(items, "s3-hybrid"))

    hang = submission("deadlock", [(
        "	MPI_Reduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);",
        "	if (rank == 0)\n"
        "		MPI_Reduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);")])
    t0 = time.time()
    rc, items, p = grade(hang, "--only", "s2-ranks", "--timeout", "15")
    ok(status(items, "s2-ranks") == "fail" and "timed out" in seen(items, "s2-ranks")
       and "2 ranks" in seen(items, "s2-ranks"),
       f"a deadlock at 2 ranks fails step 2 on the time limit ({time.time() - t0:.0f} s)",
       seen(items, "s2-ranks") + p.stderr)
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-af", TMP], capture_output=True, text=True).stdout
    ok(not left.strip(), "no rank of the deadlocked run is left running", left)
finally:
    shutil.rmtree(TMP, ignore_errors=True)

print(f"1..{checks}")
sys.exit(1 if failed else 0)
