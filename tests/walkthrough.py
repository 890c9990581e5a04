#!/usr/bin/python3
"""walkthrough.py - a student's way through each exercise, step by step (suite 'walkthrough').

usage: walkthrough.py KIT_CLI SOURCE_ROOT BUILD_ROOT [NN ...] [--full] [--list]

For each exercise (all with an exercise.json, or the NN given), the file a
student edits is built for each step K: the solution's text for the TODO
blocks of steps <= K, the skeleton's for the others, the rest of the file as
the skeleton has it. Then `kit grade NN --submission FILE` (the same items and
checks as ./kit check, on a copy of the kit where only that file is rebuilt)
must pass step K and fail step K+1: the steps a student has done pass, the
next one does not. The last K, the whole solution, is graded on every step
with a CPU hog beside it (one busy process per CPU): graders share machines,
and a correct submission must still pass.
  --full   every step for every K: exactly the steps <= K pass.
  --list   only print which solution change goes with which step.

How the blocks are found, with no marks in the solution: the skeleton brackets
each step's work as /* TODO(k): ... */ ... /* TODO end */. The two files are
compared line by line (difflib); each change lies inside one TODO block of
the skeleton, whose step it takes. A change outside every block (other than
the file's opening comment) or across blocks of two steps is reported: the
skeleton's blocks must cover what the steps change.

Only `correct` items are graded (race and speed items are the grader's own
tests' business), with short timeouts' defaults: the test's CPU stays small.
Exit status: 0 pass, 1 fail, 77 nothing could be checked here.
"""
import contextlib
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TODO_START = re.compile(r"TODO\((\d+)\)")
TODO_END = re.compile(r"TODO end")

# Steps whose check cannot yet tell the skeleton's block from done work: with
# the steps before done, (exercise, step) still passes. Each is printed, not
# counted; one that starts failing as it should is reported, so that this
# list only ever shrinks.
KNOWN = {}


class Hog:
    """One busy process per CPU beside the grader (graders share machines):
    a correct submission must still pass every item."""
    def __enter__(self):
        self.p = [subprocess.Popen(["/bin/sh", "-c", "while :; do :; done"]) for _ in range(os.cpu_count() or 1)]
        return self

    def __exit__(self, *a):
        for p in self.p:
            p.kill()
            p.wait()


def blocks_of(lines):
    """[(first, last, step)] of the skeleton's TODO blocks, line indices inclusive."""
    out, open_at, step = [], None, None
    for i, l in enumerate(lines):
        m = TODO_START.search(l)
        if m and open_at is None:
            open_at, step = i, int(m.group(1))
        elif TODO_END.search(l) and open_at is not None:
            out.append((open_at, i, step))
            open_at = None
    return out


def header_end(lines):
    """The index after the file's opening comment (0 when it has none)."""
    if not lines or not lines[0].lstrip().startswith("/*"):
        return 0
    for i, l in enumerate(lines):
        if "*/" in l:
            return i + 1
    return 0


def comments_only(lines):
    """True when LINES are blank or comment lines (/* ... */, * ..., // ...)."""
    return all(not l.strip() or l.strip().startswith(("/*", "*", "//")) for l in lines)


class Plan:
    """The changes from SKEL to SOL, each with its step (0: the opening comment,
    kept as the skeleton has it)."""

    def __init__(self, skel, sol):
        self.a = open(skel).read().splitlines(keepends=True)
        self.b = open(sol).read().splitlines(keepends=True)
        self.blocks = blocks_of(self.a)
        self.steps = sorted({s for _, _, s in self.blocks})
        self.problems = []
        self.changes = []   # (i1, i2, j1, j2, step)
        head_a, head_b = header_end(self.a), header_end(self.b)
        sm = difflib.SequenceMatcher(None, self.a, self.b, autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                continue
            if i2 <= head_a and j2 <= head_b:
                self.changes.append((i1, i2, j1, j2, 0))
                continue
            # the skeleton lines it replaces, or (an insertion) the place it goes
            lo, hi = (i1, i2 - 1) if i2 > i1 else (i1 - 1, i1)
            steps = {s for f, l, s in self.blocks if lo <= l and hi >= f}
            if not steps and comments_only(self.a[i1:i2]) and comments_only(self.b[j1:j2]):
                self.changes.append((i1, i2, j1, j2, 0))    # a comment: the skeleton's
                continue
            if len(steps) == 1:
                self.changes.append((i1, i2, j1, j2, steps.pop()))
            else:
                where = "outside every TODO block" if not steps else \
                    f"across the blocks of steps {sorted(steps)}"
                self.problems.append(f"skeleton lines {i1 + 1}-{i2}: a change {where}:\n"
                                     + "".join("  - " + l for l in self.a[i1:i2][:6])
                                     + "".join("  + " + l for l in self.b[j1:j2][:6]))

    def text(self, k):
        """The file with the solution's changes of steps <= K."""
        out, i = [], 0
        for i1, i2, j1, j2, step in self.changes:
            out += self.a[i:i1]
            out += self.b[j1:j2] if 0 < step <= k else self.a[i1:i2]
            i = i2
        out += self.a[i:]
        return "".join(out)


def grade(kit_cli, root, build, num, sub, only, wd):
    out = os.path.join(os.path.dirname(sub), "report.json")
    if os.path.exists(out):
        os.unlink(out)
    env = dict(os.environ, KIT_ROOT=root, KIT_BUILD=build, KIT_QUIET="1")
    t0 = time.time()
    p = subprocess.run([kit_cli, "grade", num, "--submission", os.path.dirname(sub), "--only",
                        ",".join(only), "--workdir", wd, "--quick", "--format", "json", "--out", out],
                       env=env, capture_output=True, text=True, timeout=1800)
    print(f"  $ kit grade {num} --only {','.join(only)}   [{time.time() - t0:.1f} s, exit {p.returncode}]")
    if not os.path.exists(out):
        return None, p.stderr[-1500:]
    with open(out) as f:
        return json.load(f), None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    full, listing = "--full" in sys.argv, "--list" in sys.argv
    kit_cli, root, build = (os.path.abspath(a) for a in args[:3])
    wanted = args[3:]
    serial = os.environ.get("KIT_WALK_SERIAL") == "1"
    failures, checked = [], 0

    def ok(cond, msg):
        print(("ok: " if cond else "not ok: ") + msg)
        if not cond:
            failures.append(msg)
        return cond

    exdir = os.path.join(root, "exercises")
    names = sorted(d for d in os.listdir(exdir) if os.path.isfile(os.path.join(exdir, d, "exercise.json")))
    if wanted:
        names = [d for d in names if d[:2] in wanted]
    tmp = tempfile.mkdtemp(prefix="walkthrough-")
    os.chmod(tmp, 0o711)    # as root the grader runs student code as an unprivileged uid
    try:
        for name in names:
            num = name[:2]
            with open(os.path.join(exdir, name, "exercise.json")) as f:
                man = json.load(f)
            items = man.get("items", [])
            print(f"# {name}")
            for edit in man["edit"]:
                skel = os.path.join(exdir, name, edit)
                sol = os.path.join(root, "solutions", name, edit)
                if not os.path.isfile(sol):
                    continue
                plan = Plan(skel, sol)
                for p in plan.problems:
                    ok(False, f"{name}/{edit}: {p}")
                changed = {c[4] for c in plan.changes}
                ok(all(s in changed for s in plan.steps),
                   f"{name}/{edit}: the solution changes every TODO step's block (steps {plan.steps})")
                if listing:
                    for i1, i2, j1, j2, step in plan.changes:
                        print(f"  step {step}: skeleton {i1 + 1}-{i2} -> solution {j1 + 1}-{j2}")
                    continue
                if plan.problems:
                    continue
                if serial:
                    print(f"  skip {name}: a build without OpenMP cannot show a step's threads")
                    continue
                wd = os.path.join(build, f"walkthrough-work-{num}")
                for k in plan.steps:
                    sub = os.path.join(tmp, f"{num}-step{k}", edit)
                    os.makedirs(os.path.dirname(sub), exist_ok=True)
                    with open(sub, "w") as f:
                        f.write(plan.text(k))
                    later = [s for s in plan.steps if s > k]
                    whole = not later    # the whole solution: every step, beside a hog
                    judged = sorted({s for s in (k, *later[:1]) if s} if not (full or whole)
                                    else {it["step"] for it in items if it["kind"] == "correct"})
                    only = [it["id"] for it in items if it["kind"] == "correct" and it["step"] in judged]
                    if not only:
                        continue
                    with Hog() if whole else contextlib.nullcontext():
                        r, err = grade(kit_cli, root, build, num, sub, only, wd)
                    if not ok(r is not None, f"{name} step {k}: graded" + (f" ({err})" if err else "")):
                        continue
                    checked += 1
                    got = {it["id"]: it for ex in r["exercises"] for it in ex["items"]}
                    for s in judged:
                        st = [got.get(it["id"], {}).get("status", "missing") for it in items
                              if it["id"] in only and it["step"] == s]
                        why = "; ".join(f"{it['id']} {got[it['id']]['status']}: "
                                        f"{(got[it['id']].get('observed') or '')[:200]}"
                                        for it in items if it["id"] in only and it["step"] == s
                                        and it["id"] in got)
                        if s <= k:
                            beside = ", a CPU hog beside it" if whole else ""
                            ok(all(x == "pass" for x in st),
                               f"{name}: with steps <= {k} done{beside}, step {s} passes ({why})")
                        elif (num, s) in KNOWN:
                            failing = any(x == "fail" for x in st)
                            print(f"known gap, not counted: {name} step {s} "
                                  f"{'now fails as it should' if failing else 'passes unstarted'}: {KNOWN[(num, s)]}")
                            ok(not failing, f"{name}: step {s} now fails unstarted: remove it from KNOWN")
                        else:
                            ok(any(x == "fail" for x in st), f"{name}: with steps <= {k} done, step {s} does not pass ({why})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    if failures:
        return 1
    return 0 if checked or listing else 77


if __name__ == "__main__":
    sys.exit(main())
