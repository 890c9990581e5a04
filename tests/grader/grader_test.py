#!/usr/bin/python3
"""grader_test.py - end-to-end tests of ./kit check and ./kit grade (suite 'grader').

usage: grader_test.py CASE KIT_CLI SOURCE_ROOT BUILD_ROOT OMP(1|0)

Cases:
  fixture        the machinery on tests/grader/fixture (a tiny exercise 99 with its
                 own build): check, --step, --json, every way a submission breaks
                 (fixture-subs/: NAME.patch, one bug each against the fixture's
                 solution; broken/ does not build; ok/ is the solution as is),
                 Gradescope output always written, hidden items,
                 no process or temporary folder left behind.
  ex01-solution  the reference pi.c as a submission: full marks on every run and
                 tsan item.
  ex01-skeleton  the skeleton pi.c as a submission: fails exactly the items its
                 TODO(k) blocks leave undone.
  ex01-broken    tests/grader/ex01/*.patch, each one bug against the reference pi.c:
                 each fails the item it should, as it should.
  ex01-hostile   tests/grader/ex01/hostile_*.patch, each an attack a student could try
                 instead of the work (a PASS line, a guessed count, burner threads, a
                 setsid child that rewrites the report later, overwriting the reference,
                 signalling the grader, a fork bomb, a flood of output): each fails its
                 item, leaves no process and no file of the sandbox user, the reference
                 and the report intact. As root, also in the bare-uid sandbox.
  ex01-check     ./kit check 01 --step 1 in this build.
  ex02-skeleton  the skeleton gemm.c scores 0 on steps 1 and 4 (its serial loops
                 are right, but did not run on the threads).
  ex02-solution  the reference gemm.c, a CPU hog beside it: steps 1 and 4's
                 correctness items pass at full marks.
  ex02-broken    tests/grader/ex02/*.patch against solutions/02-blas-threads/gemm.c,
  ex03-broken    ex03/*.patch against solutions/03-image-sweep/images.c and
  ex04-broken    ex04/*.patch against solutions/04-audio-etl/etl.c: the same for
                 exercises 02-04 (02 and 03 only in builds with OpenBLAS).
  ex03-solution  the reference images.c, a CPU hog beside it: step 1's items
                 pass at full marks.
  driver-hostile the exercises on the common driver (00, 05-10), each
                 attacked by code added to the student's file: a PASS line and exit
                 0, a forged result.json, a grandchild that outlives the program,
                 serial code with threads that spin at any thread count; and by
                 edits of the solution: 06's rows serial beside threads spinning
                 as long at every thread count, 07's budget ignored, 09 with its
                 pragmas deleted, 10's triad handing back its first pass, the
                 race check shown other code or silenced. Each fails its item
                 with no points, no process or file left, the report intact.
Exit status: 0 pass, 1 fail, 77 skip.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

CASE, KIT_CLI, SRC, BUILD, OMP = sys.argv[1:6]
OMP = OMP == "1"
SANITIZED = os.environ.get("KIT_SANITIZED") == "1"
# the race check's tools, which ./kit installs: where they are, a race item
# must run (a skip there once hid that no race item of ./kit grade could build)
RACE_TOOLS = bool(shutil.which("clang")) and bool(glob.glob("/usr/lib/llvm-*/lib/libarcher.so"))
HERE = os.path.join(SRC, "tests", "grader")
sys.path.insert(0, os.path.join(SRC, "tests"))
import walkthrough  # noqa: E402 (the composition of steps, and Hog)
from walkthrough import Hog  # noqa: E402 (one busy process per CPU)
failures = []


def fail(msg):
    failures.append(msg)
    print("not ok:", msg)


def ok(cond, msg):
    if cond:
        print("ok:", msg)
    else:
        fail(msg)
    return cond


def run(args, env=None, timeout=900):
    e = dict(os.environ)
    e.update(env or {})
    t0 = time.time()
    p = subprocess.run([KIT_CLI] + args, env=e, capture_output=True, text=True, timeout=timeout)
    print(f"$ kit-cli {' '.join(args)}   [{time.time() - t0:.1f} s, exit {p.returncode}]")
    return p


def grade_json(args, env=None, fmt="json"):
    """Runs kit-cli grade ARGS --format FMT --out FILE; returns (exit, parsed JSON, process)."""
    out = os.path.join(TMP, "out.json")
    if os.path.exists(out):
        os.unlink(out)
    p = run(["grade"] + args + ["--format", fmt, "--out", out], env)
    if not os.path.exists(out):
        fail(f"no output file for grade {' '.join(args)}: {p.stderr[-2000:]}")
        return p.returncode, None, p
    with open(out) as f:
        return p.returncode, json.load(f), p


def items_of(report):
    return {it["id"]: it for ex in report["exercises"] for it in ex["items"]}


def show(report):
    for it in items_of(report).values():
        extra = it.get("observed") or it.get("skipped") or ""
        print(f"   {it['status']:4} {it['score']}/{it['max_score']} {it['id']}: {extra[:160]}")


def check_gradescope(d, label):
    """The documented schema (docs/grading.md): types of every field."""
    good = isinstance(d, dict)
    good = good and isinstance(d.get("score"), (int, float)) and isinstance(d.get("max_score"), (int, float))
    good = good and isinstance(d.get("execution_time"), (int, float)) and isinstance(d.get("output"), str)
    tests = d.get("tests") if good else None
    good = good and isinstance(tests, list) and len(tests) > 0
    for t in tests or []:
        good = good and isinstance(t.get("name"), str) and isinstance(t.get("output"), str)
        good = good and isinstance(t.get("score"), (int, float)) and isinstance(t.get("max_score"), (int, float))
        good = good and t.get("visibility") in ("visible", "hidden", "after_due_date", "after_published")
        good = good and isinstance(t.get("number"), str) and t.get("status") in ("passed", "failed")
        good = good and 0 <= t["score"] <= t["max_score"] + 1e-9
    if good:
        good = abs(sum(t["score"] for t in tests) - d["score"]) < 0.01
        good = good and abs(sum(t["max_score"] for t in tests) - d["max_score"]) < 0.01
    ok(good, f"{label}: results.json matches the documented Gradescope schema")


def leftovers(root):
    """Processes whose program or working folder lies under ROOT."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for what in ("exe", "cwd"):
            try:
                if os.readlink(f"/proc/{pid}/{what}").startswith(root):
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")[:100]
                    with open(f"/proc/{pid}/stat") as f:
                        st = f.read().rsplit(")", 1)[1].split()[:2]
                    found.append(f"{pid} {st} {cmd}")
                    break
            except OSError:
                pass
    return found


def patched(base, patch, dest):
    """Copies BASE into folder DEST (made if need be) and applies PATCH to the copy:
    a unified diff of BASE's file name (a/NAME, b/NAME), applied with git apply
    (git is in the kit's packages; patch(1) is not). True when it applied."""
    os.makedirs(dest, exist_ok=True)
    shutil.copy(base, os.path.join(dest, os.path.basename(base)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    # outside any repository: git apply then patches paths relative to DEST
    env["GIT_CEILING_DIRECTORIES"] = os.path.dirname(os.path.abspath(dest))
    p = subprocess.run(["git", "apply", "-p1", os.path.abspath(patch)], cwd=dest, env=env,
                       capture_output=True, text=True)
    return ok(p.returncode == 0, f"{os.path.basename(patch)} applies to {os.path.relpath(base, SRC)}"
              + (f": {p.stderr.strip()[:300]}" if p.returncode else ""))


def expect(report, ident, status, contains=None, label=""):
    it = items_of(report).get(ident)
    if not ok(it is not None, f"{label}: item {ident} was graded"):
        return None
    allowed = status if isinstance(status, (list, tuple)) else [status]
    text = (it.get("observed") or "") + " " + it.get("output", "")
    good = it["status"] in allowed
    if good and contains and it["status"] == "fail":
        good = any(re.search(c, text) for c in ([contains] if isinstance(contains, str) else contains))
    ok(good, f"{label}: {ident} is {'/'.join(allowed)}"
       + (f" saying /{contains}/" if contains else "") + f" (got {it['status']}: {text.strip()[:300]})")
    return it


# ---------------------------------------------------------------------------
def case_fixture():
    root = os.path.join(TMP, "kit")
    shutil.copytree(os.path.join(HERE, "fixture"), root)
    build = os.path.join(root, "build")
    for cmd in (["meson", "setup", build, root], ["ninja", "-C", build]):
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            print(p.stdout, p.stderr)
            fail("the fixture kit builds")
            return
    env = {"KIT_ROOT": root, "KIT_BUILD": build, "KIT_BUILD_TSAN": os.path.join(root, "build-tsan"),
           "TMPDIR": TMPDIR}
    # the submissions: broken/ as is; ok/ (its meson.build must be ignored) with
    # the fixture's solution in ok/99-fixture/; the others NAME.patch on it
    here_subs = os.path.join(HERE, "fixture-subs")
    subs = os.path.join(TMP, "subs")
    shutil.copytree(here_subs, subs, ignore=shutil.ignore_patterns("*.patch"))
    fx_ref = os.path.join(HERE, "fixture", "solutions", "99-fixture", "fx.c")
    os.makedirs(os.path.join(subs, "ok", "99-fixture"))
    shutil.copy(fx_ref, os.path.join(subs, "ok", "99-fixture", "fx.c"))
    for name in ("race", "wrong", "crash", "slow", "hang"):
        patched(fx_ref, os.path.join(here_subs, name + ".patch"), os.path.join(subs, name))
    quick = ["--quick", "--timeout", "20"]

    # check: the student's own tree, with ninja in KIT_BUILD
    p = run(["check", "99", "--only", "s1-correct,s2-correct", "--json", os.path.join(TMP, "c.json")], env)
    ok(p.returncode == 0, "check 99 (the skeleton, its correctness items) exits 0")
    ok(re.search(r"^PASS\s+0/0\s+builds", p.stdout, re.M), "check prints a PASS row for builds")
    ok(re.search(r"^PASS\s+2/2\s+step 2: parallel sum", p.stdout, re.M), "check prints item rows with points")
    ok(re.search(r"^score: 3/3", p.stdout, re.M), "check prints the score line")
    with open(os.path.join(TMP, "c.json")) as f:
        c = json.load(f)
    ok(c["schema"] == "ompkit-grade/1" and c["score"] == 3 and c["passed"], "check --json writes the report")
    p = run(["check", "99", "--step", "1"], env)
    ok(p.returncode == 0 and "step 1" in p.stdout and "step 2" not in p.stdout, "check --step 1 runs step 1 only")
    p = run(["check", "fixture", "--step", "1"], env)
    ok(p.returncode == 0, "check finds an exercise by the folder name without its number")
    p = run(["check", "99", "--step", "9"], env)
    ok(p.returncode == 2 and "--step 9" in p.stderr, "check --step 9 (no such step) is an error")
    p = run(["check", "99", "--only", "s2-parallel"], env)
    ok(p.returncode == 1 and re.search(r"^FAIL\s+0/1\s+step 2: every thread", p.stdout, re.M)
       and "did a share of the work" in p.stdout,
       "check: the serial skeleton fails the parallel item, seen from outside" if OMP else "check: no parallel pass without OpenMP")
    p = run(["check", "7"], env)
    ok(p.returncode == 2 and "no exercise '7'" in p.stderr, "check of a missing exercise: exit 2 and why")
    p = run(["check", "--help"], env)
    ok(p.returncode == 0 and "usage: ./kit check" in p.stdout, "check --help")

    # a build failure in check: compiler's lines, every other item "not run"
    fx = os.path.join(root, "exercises", "99-fixture", "fx.c")
    good_fx = open(fx).read()
    with open(fx, "a") as f:
        f.write("int oops(void) { return }\n")
    p = run(["check", "99", "--only", "correct"], env)
    ok(p.returncode == 1 and re.search(r"^FAIL\s+0/0\s+builds", p.stdout, re.M) and "error:" in p.stdout
       and "not run: the build failed" in p.stdout, "check: a build failure shows the error and stops the items")
    with open(fx, "w") as f:
        f.write(good_fx.replace("double fx_sum(long n)\n{\n", "double fx_sum(long n)\n{\n\tint unused;\n"))
    p = run(["check", "99", "--step", "1"], env)
    ok(p.returncode == 0 and "warning:" in p.stdout and "unused" in p.stdout, "check shows compiler warnings")
    with open(fx, "w") as f:
        f.write(good_fx)

    wd = os.path.join(TMP, "work")
    gq = ["99", "--workdir", wd] + quick

    # the reference as a submission (found under DIR/99-fixture/; DIR/meson.build ignored)
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "ok")] + gq, env)
    if r:
        show(r)
        for i in ("builds", "s1-correct", "s2-correct"):
            expect(r, i, "pass", label="ok")
        expect(r, "s2-parallel", "pass" if OMP else ["pass", "fail"], label="ok")
        expect(r, "s2-race", ["pass", "skip"], label="ok")
        sp = expect(r, "s2-speed", ["pass", "fail", "skip"], label="ok")
        ok(sp and (sp["status"] == "skip" or ("ratio" in sp and len(sp["spread"]) == 2)),
           "ok: the speed item reports its ratio and spread")

    # as root, a tree the unprivileged grading user cannot reach: refused (exit 2,
    # what to chmod), never a report of failed items that the student did not fail
    if os.geteuid() == 0 and not os.environ.get("KIT_SANDBOX"):
        private = os.path.join(TMP, "private")
        os.makedirs(private, mode=0o700)
        os.chmod(private, 0o700)
        rc, r, p = grade_json(["--submission", os.path.join(subs, "ok"), "99", "--workdir",
                               os.path.join(private, "work")] + quick, env)
        ok(rc == 2 and "cannot reach" in p.stderr and "chmod o+x" in p.stderr
           and r and "cannot reach" in r.get("error", ""),
           f"grade refuses a workdir the grading user cannot reach (exit {rc}: {p.stderr[-300:]})")

    # every way a submission breaks, one item each
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "race"), "--only", "s2-race,s1-correct"] + gq, env)
    if r:
        show(r)
        expect(r, "s1-correct", "pass", label="race")
        expect(r, "s2-race", ["fail", "skip"], r"data race .*fx\.c:\d+", label="race")
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "wrong"), "--only", "s1-correct,s2-correct"] + gq, env)
    if r:
        expect(r, "s1-correct", "pass", label="wrong")
        expect(r, "s2-correct", "fail", r"par\(3000000\) = .*expected", label="wrong")
        ok(rc == 1, "wrong: grade exits 1 when an item failed")
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "crash"), "--only", "s2-correct"] + gq, env)
    if r:
        expect(r, "s2-correct", "fail", r"SIGSEGV|SEGV|null pointer", label="crash")
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "slow"), "--only", "speed", "--rounds", "3"] + gq, env)
    if r:
        show(r)
        it = expect(r, "s2-speed", ["fail", "skip"], r"\d\.\d\dx the reference", label="slow")
        ok(it and (it["status"] == "skip" or (it["score"] < it["max_score"] and it["ratio"] > 1.25)),
           "slow: a 5x slower variant scores below full speed credit")
    t0 = time.time()
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "hang"), "--only", "s1-correct,s2-correct",
                           "--timeout", "2"] + gq[:3], env)
    if r:
        expect(r, "s1-correct", "pass", label="hang")
        expect(r, "s2-correct", "fail", r"timed out after 2 s", label="hang")
        ok(time.time() - t0 < 60, "hang: one time-out per item, not one per thread count")
    time.sleep(0.5)
    ok(not leftovers(TMP), f"hang: no process left behind (found {leftovers(TMP)})")

    # Gradescope: always written, also on a build failure, a missing file, a grader error
    gs = os.path.join(TMP, "results.json")
    rc, d, _ = grade_json(["--submission", os.path.join(subs, "broken")] + gq + ["--only", "correct"], env, "gradescope")
    if d:
        check_gradescope(d, "broken")
        ok(d["score"] == 0 and "error" in d["tests"][0]["output"] and d["tests"][0]["status"] == "failed",
           "broken: the build's error is the first test's output, score 0")
        ok(all("not run: the build failed" in t["output"] for t in d["tests"][1:]),
           "broken: every other test says it was not run")
    empty = os.path.join(TMP, "empty")
    os.makedirs(empty)
    rc, d, _ = grade_json(["--submission", empty] + gq, env, "gradescope")
    if d:
        check_gradescope(d, "missing file")
        ok(d["score"] == 0 and "fx.c" in d["tests"][0]["output"], "missing file: says which file is missing")
    rc, d, _ = grade_json(["--submission", os.path.join(TMP, "nowhere")] + gq, env, "gradescope")
    if d:
        check_gradescope(d, "grader error")
        ok(rc == 2 and d["tests"][0]["name"] == "grader error" and d["score"] == 0,
           "no submission folder: one 'grader error' test, score 0, exit 2")
    # a kit whose build is broken: the grader's own failure, still a results.json
    rc, d, _ = grade_json(["99", "--submission", os.path.join(subs, "ok")] + quick, dict(env, KIT_BUILD=os.path.join(TMP, "nobuild")), "gradescope")
    if d:
        check_gradescope(d, "no reference")
        ok(d["score"] == 0 and "grader error" in json.dumps(d), "no reference build: a grader error test")

    # a usage error with --format gradescope still writes results.json
    rc, d, _ = grade_json(["--submission", os.path.join(subs, "ok"), "--bogus"], env, "gradescope")
    if d:
        check_gradescope(d, "usage error")
        ok(rc == 2 and d["tests"][0]["name"] == "grader error" and "--bogus" in d["tests"][0]["output"],
           "a usage error: results.json with a grader error, exit 2")

    # hidden items: DIR/99-fixture.json, after_published unless said otherwise
    hidden = os.path.join(TMP, "hidden")
    os.makedirs(hidden)
    with open(os.path.join(hidden, "99-fixture.json"), "w") as f:
        json.dump({"items": [
            {"id": "h-big", "step": 2, "points": 2, "kind": "correct", "name": "hidden: a larger n",
             "args": ["--kernel", "par", "-n", "4e6"], "threads": ["2"]},
            {"id": "h-odd", "step": 2, "points": 1, "kind": "correct", "name": "hidden: an odd n",
             "args": ["--kernel", "par", "-n", "1001"], "threads": ["3"],
             "visibility": "hidden"}]}, f)
    rc, d, _ = grade_json(["--submission", os.path.join(subs, "ok"), "--hidden", hidden, "--only", "h-big,h-odd"]
                          + gq, env, "gradescope")
    if d:
        check_gradescope(d, "hidden")
        vis = {t["name"]: t["visibility"] for t in d["tests"]}
        ok(vis.get("hidden: a larger n") == "after_published" and vis.get("hidden: an odd n") == "hidden",
           "hidden items are graded with their visibility")
        ok(d["score"] == 3, "hidden items count")

    # text format to a file, atomically, and no temporary folder left
    out = os.path.join(TMP, "grade.txt")
    p = run(["grade", "99", "--submission", os.path.join(subs, "ok"), "--only", "s1-correct", "--out", out] + quick, env)
    ok(p.returncode == 0 and "score: 1/1" in open(out).read(), "grade --out FILE writes the text report")
    ok(not [n for n in os.listdir(TMPDIR) if n.startswith("ompkit-grade-")], "temporary folders removed")


# ---------------------------------------------------------------------------
EX = "01-monte-carlo-pi"


def todo_steps(path):
    return {int(m) for m in re.findall(r"TODO\((\d+)\)", open(path).read())}


def load_items():
    with open(os.path.join(SRC, "exercises", EX, "exercise.json")) as f:
        return json.load(f)["items"]


def kit_env():
    return {"KIT_BUILD": BUILD, "TMPDIR": TMPDIR}


def workdir():
    """One --workdir for the ex01 cases of this build (they run one at a time):
    the kit's copy and its two builds are made once and only pi.c rebuilds."""
    return os.path.join(BUILD, "grader-work")


def case_ex01_solution():
    wd = workdir()
    with Hog():
        rc, r, _ = grade_json(["01", "--submission", os.path.join(SRC, "solutions", EX), "--only", "correct,tsan",
                               "--workdir", wd], kit_env())
    if not r:
        return
    show(r)
    for it in load_items():
        if it["kind"] not in ("correct", "tsan"):
            continue
        # without OpenMP, "is it parallel" cannot pass: the parallel items fail there
        allowed = ["pass", "skip"] if it["kind"] == "tsan" and not RACE_TOOLS else ["pass"]
        if not OMP and (it.get("parallel") or it["kind"] == "tsan"):
            allowed = ["pass", "skip", "fail"]
        got = expect(r, it["id"], allowed, label="solution, a CPU hog beside it")
        if got and got["status"] == "pass":
            ok(got["score"] == got["max_score"], f"solution: {it['id']} gets full marks")
    ok("sandbox" in r, f"the report says which sandbox ran the code ({r.get('sandbox')})")
    rc, d, _ = grade_json(["01", "--submission", os.path.join(SRC, "solutions", EX), "--only", "s1-correct",
                           "--workdir", wd], kit_env(), "gradescope")
    if d:
        check_gradescope(d, "solution")


def case_ex01_skeleton():
    """The untouched skeleton earns exactly its done steps: step 1 (given)."""
    skel = os.path.join(SRC, "exercises", EX)
    todo = todo_steps(os.path.join(skel, "pi.c"))
    ok(todo, f"the skeleton has TODO blocks (steps {sorted(todo)})")
    args = ["01", "--submission", skel, "--quick", "--rounds", "2", "--retries", "0",
            "--speed-arg", "-n=1e6", "--workdir", workdir()]
    rc, r, _ = grade_json(args, kit_env())
    if not r:
        return
    show(r)
    ok(rc == 1, "skeleton: grade exits 1")
    done = sum(it["points"] for it in load_items() if it["step"] not in todo)
    for it in load_items():
        if it["step"] not in todo:
            expect(r, it["id"], "pass", label="skeleton")
        else:
            maybe_skip = it["kind"] in ("tsan", "speedup") or (not OMP and it.get("parallel"))
            expect(r, it["id"], ["fail", "skip"] if maybe_skip else "fail", label="skeleton")
    ok(abs(r["score"] - done) < 1e-9, f"skeleton: scores exactly its done steps, {done} (got {r['score']})")


def case_ex01_broken():
    env = kit_env()
    d = os.path.join(HERE, "ex01")
    wd = workdir()
    sub = os.path.join(TMP, "sub")
    ref = os.path.join(SRC, "solutions", EX, "pi.c")

    def grade(variant, only, extra=()):
        """Grades the reference pi.c with ex01/VARIANT.patch applied (its one bug)."""
        if not patched(ref, os.path.join(d, variant + ".patch"), sub):
            return None
        rc, r, _ = grade_json(["01", "--submission", sub, "--only", only, "--workdir", wd] + list(extra), env)
        if r:
            show(r)
        return r

    side = "pass" if OMP else ["pass", "fail"]	# parallel items cannot pass without OpenMP
    r = grade("race", "s2-race,s3-race")
    if r:
        expect(r, "s2-race", "fail" if RACE_TOOLS and OMP else ["fail", "skip"],
               r"data race .*pi\.c:\d+", label="race")
        expect(r, "s3-race", "pass" if RACE_TOOLS and OMP else ["pass", "skip"], label="race")
    r = grade("shared_rand", "s4-correct,s4-same")
    if r:
        expect(r, "s4-correct", "fail", r"differs|not the \d+|changes from run to run", label="shared rand()")
        expect(r, "s4-same", "fail", label="shared rand()")
    r = grade("wrong", "s1-correct,s3-correct")
    if r:
        expect(r, "s1-correct", "pass", label="wrong")
        expect(r, "s3-correct", "fail", r"differs|not between 0 and n|standard errors|not the \d+", label="wrong")
    t0 = time.time()
    r = grade("hang", "s3-correct,s4-correct", ["--timeout", "4"])
    if r:
        expect(r, "s3-correct", "fail", r"timed out after 4 s", label="hang")
        expect(r, "s4-correct", side, label="hang")
        ok(time.time() - t0 < 120, "hang: the grader returns promptly")
    time.sleep(0.5)
    ok(not leftovers(TMP) and not leftovers(wd), f"hang: no process left behind (found {leftovers(TMP) + leftovers(wd)})")
    r = grade("crash", "s3-correct,s4-correct")
    if r:
        expect(r, "s4-correct", "fail", r"SIGSEGV|SEGV|null pointer", label="crash")
        expect(r, "s3-correct", side, label="crash")
    r = grade("error", "s4-correct")
    if r:
        expect(r, "s4-correct", "fail", r"step 4 gave up on sample \d+ \(exit 1\)", label="error")
    r = grade("serial", "s2-correct,s3-correct,s4-correct,s4-same,s2-race")
    if r:
        for i in ("s2-correct", "s3-correct", "s4-correct"):
            expect(r, i, "fail", r"did a share of the work|one thread", label="serial")
        expect(r, "s4-same", "fail", r"not checked", label="serial")
        expect(r, "s2-race", ["fail", "skip"], label="serial")
    r = grade("slow", "s4-speed", ["--quick", "--rounds", "3", "--speed-arg", "-n=2e8"])
    if r:
        it = expect(r, "s4-speed", ["fail", "skip"], r"x the reference", label="slow")
        ok(it and (it["status"] == "skip" or (it["score"] < it["max_score"] and it["ratio"] > 1.25)),
           f"slow: the 5x slower variant scores below full speed credit (ratio {it and it.get('ratio')})")


def sandbox_files(uid):
    """Files of the sandbox user UID in the shared scratch folders."""
    found = []
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        for dirpath, dirs, files in os.walk(top):
            for n in dirs + files:
                try:
                    if os.lstat(os.path.join(dirpath, n)).st_uid == uid:
                        found.append(os.path.join(dirpath, n))
                except OSError:
                    pass
    return found


def sandbox_procs(uid):
    out = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid:
                out.append(pid)
        except OSError:
            pass
    return out


def digest(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def case_ex01_hostile():
    env = kit_env()
    d = os.path.join(HERE, "ex01")
    wd = workdir()
    ref = os.path.join(SRC, "solutions", EX, "pi.c")
    refprog = os.path.join(BUILD, "solutions", EX, "pi")
    watched = [refprog, os.path.join(SRC, "exercises", EX, "pi.h"), ref]
    before = {p: digest(p) for p in watched}
    root = os.geteuid() == 0
    modes = ["default", "nobody"] if root else ["default"]
    variants = sorted(n[:-6] for n in os.listdir(d) if n.startswith("hostile_") and n.endswith(".patch"))
    ok(len(variants) >= 3, f"at least three hostile submissions ({len(variants)})")
    for mode in modes:
        for v in variants:
            if mode == "nobody" and v not in ("hostile_escape", "hostile_tamper", "hostile_kill"):
                continue
            if not root and v == "hostile_kill":
                continue	# not as root it may signal its own user's processes: documented
            label = f"{v} ({mode} sandbox)"
            sub = os.path.join(TMP, "sub-" + v)
            if not patched(ref, os.path.join(d, v + ".patch"), sub):
                continue
            e = dict(env)
            if mode != "default":
                e["KIT_SANDBOX"] = mode
            t0 = time.time()
            rc, r, p = grade_json(["01", "--submission", sub, "--only", "s4-correct", "--timeout", "10",
                                   "--workdir", wd], e)
            if not r:
                continue
            show(r)
            if v == "hostile_exec" and not str(r.get("sandbox", "")).startswith("bubblewrap"):
                # only bubblewrap can hide the reference programs (docs/grading.md)
                print(f"# {label}: not judged: the sandbox here is {r.get('sandbox')}")
                continue
            expect(r, "s4-correct", "fail", label=label)
            ok(r["score"] == 0 and rc == 1, f"{label}: no points, exit 1 (got {r['score']}, exit {rc})")
            ok(time.time() - t0 < 120, f"{label}: the grader returns promptly ({time.time() - t0:.0f} s)")
            out = os.path.join(TMP, "out.json")
            text = open(out).read()
            time.sleep(4 if v == "hostile_escape" else 0.3)
            ok(open(out).read() == text, f"{label}: the report is unchanged seconds later")
            ok(not leftovers(TMP) and not leftovers(wd), f"{label}: no process left behind "
               f"({leftovers(TMP) + leftovers(wd)})")
            uid = r.get("sandbox_uid", 65534)
            if root:
                ok(uid != 0 and not sandbox_procs(uid), f"{label}: no process of the sandbox user {uid} "
                   f"({sandbox_procs(uid)})")
                ok(not sandbox_files(uid), f"{label}: no file of the sandbox user outside its work folder "
                   f"({sandbox_files(uid)[:5]})")
            ok(all(digest(x) == before[x] for x in watched), f"{label}: the reference and the kit unchanged")


def case_ex01_check():
    p = run(["check", "01", "--step", "1", "--json", os.path.join(TMP, "c.json")],
            {"KIT_BUILD": BUILD, "TMPDIR": TMPDIR})
    ok(p.returncode == 0 and re.search(r"^PASS\s+\S+\s+step 1", p.stdout, re.M), "check 01 --step 1 passes")



# ---------------------------------------------------------------------------
# Exercises 02-04: broken submissions, one bug each (tests/grader/exNN/*.patch)

def broken_grader(num, name, fname):
    """A grade(VARIANT, ONLY, EXTRA) for exercise NUM: the reference FNAME with
    exNN/VARIANT.patch applied, graded on ONLY in this build's own workdir for
    the exercise (one copy of the kit per exercise; only FNAME rebuilds)."""
    d = os.path.join(HERE, "ex" + num)
    wd = os.path.join(BUILD, f"grader-work-{num}")
    ref = os.path.join(SRC, "solutions", name, fname)

    def grade(variant, only, extra=()):
        sub = os.path.join(TMP, "sub-" + variant)
        if not patched(ref, os.path.join(d, variant + ".patch"), sub):
            return None
        rc, r, _ = grade_json([num, "--submission", sub, "--only", only, "--workdir", wd] + list(extra),
                              kit_env())
        if r:
            show(r)
        return r
    return grade, wd


class Skip(Exception):
    pass


def needs_protocol(name, prog):
    """The exercise's reference must speak the grader's protocol (--emit,
    --verify); until its driver does, its cases are skipped, never passed."""
    refp = os.path.join(BUILD, "solutions", name, prog)
    p = subprocess.run([refp, "--help"], capture_output=True, text=True)
    if "--emit" not in p.stdout + p.stderr:
        raise Skip(f"{name}: the reference has no --emit/--verify yet")


def broken_cases(grade, wd, cases, label):
    """CASES: (variant, item that must fail, regex or None, item that must still pass or None,
    extra[, tries]). With TRIES > 1 the variant is graded again while its item passes: for
    a detector whose margin a loaded machine can eat (docs/grading.md's threat model says
    which), one failure in TRIES gradings is required. TRIES 0: a known gap of the threat
    model: the verdict is shown, not required; the rest (graded, prompt, nothing left) is."""
    side_ok = "pass" if OMP else ["pass", "fail", "skip"]
    for variant, item, regex, side, extra, *more in cases:
        tries = more[0] if more else 1
        only = item + ("," + side if side else "")
        t0 = time.time()
        r = grade(variant, only, extra)
        for k in range(1, tries):
            if not r or items_of(r).get(item, {}).get("status") != "pass":
                break
            print(f"# {label} {variant}: {item} passed in grading {k} of up to {tries}; again")
            t0 = time.time()
            r = grade(variant, only, extra)
        if not r:
            continue
        # a race item skips where clang or Archer is missing, never passes
        want = "fail" if OMP and not item.endswith("-race") else ["fail", "skip"]
        if tries == 0:
            print(f"# {label} {variant}: a known gap (docs/grading.md): {item} "
                  f"{items_of(r).get(item, {}).get('status')}")
            want, regex = ["pass", "fail"], None
        expect(r, item, want, regex, label=f"{label} {variant}")
        if side:
            expect(r, side, side_ok, label=f"{label} {variant}")
        ok(time.time() - t0 < 180, f"{label} {variant}: the grader returns promptly")
        time.sleep(0.3)
        ok(not leftovers(TMP) and not leftovers(wd), f"{label} {variant}: no process left behind")


CRASHED = r"SIGSEGV|SEGV|null pointer"
HANG = ["--timeout", "4"]


def case_ex02_broken():
    needs_protocol("02-blas-threads", "gemm")
    grade, wd = broken_grader("02", "02-blas-threads", "gemm.c")
    broken_cases(grade, wd, [
        ("race", "s2-race", r"data race .*gemm\.c:\d+", None, ()),
        ("layout", "s1-correct", None, "s2-correct", ()),
        ("serial", "s2-correct", r"did a share of the work|one thread", "s1-correct", ()),
        ("batch_offset", "s4-correct", None, "s1-correct", ()),
        ("hostile_memo", "s4-correct", r"matrix \d+ of the batch", "s1-correct", ()),
        ("crash", "s4-correct", CRASHED, "s1-correct", ()),
        # its batch item runs the batch 100 times: 4 s is short on a busy machine
        ("hang", "s1-correct", r"timed out after 10 s", "s4-correct", ["--timeout", "10"]),
        ("hostile_pass", "s2-correct", r"result|wrote|output", "s1-correct", ()),
        ("hostile_guess", "s2-correct", None, "s1-correct", ()),
        ("hostile_burn", "s2-correct", r"CPU|did a share", "s1-correct", ()),
        ("hostile_escape", "s2-correct", None, "s1-correct", ()),
    ], "ex02")


EX02 = "02-blas-threads"


def ex02_items(*steps):
    with open(os.path.join(SRC, "exercises", EX02, "exercise.json")) as f:
        return [it for it in json.load(f)["items"] if it["step"] in steps]


def case_ex02_skeleton():
    """Steps 1 and 4 of the untouched skeleton (its serial loops are right):
    0 points. The kernels run --passes times, so the threads' work, not the
    making of the matrices, is what the grader sees; speed is not timed."""
    needs_protocol(EX02, "gemm")
    skel = os.path.join(SRC, "exercises", EX02)
    ok({1, 4} <= todo_steps(os.path.join(skel, "gemm.c")), "the ex02 skeleton has TODO(1) and TODO(4) blocks")
    only = ",".join(it["id"] for it in ex02_items(1, 4) if it["kind"] in ("correct", "speed"))
    rc, r, _ = grade_json(["02", "--submission", skel, "--only", only, "--quick", "--rounds", "2",
                           "--retries", "0", "--workdir", os.path.join(BUILD, "grader-work-02")], kit_env())
    if not r:
        return
    show(r)
    ok(rc == 1, "ex02 skeleton, steps 1 and 4: grade exits 1")
    for it in ex02_items(1, 4):
        if it["kind"] not in ("correct", "speed"):
            continue
        if it["kind"] == "correct" and it.get("parallel") and OMP:
            expect(r, it["id"], "fail", r"did a share of the work|one thread", label="ex02 skeleton")
        elif OMP:
            expect(r, it["id"], "fail", label="ex02 skeleton")
        elif it["kind"] == "correct":
            expect(r, it["id"], ["fail", "skip"], label="ex02 skeleton")
    # without OpenMP the serial batch is the reference's too: only the
    # threads tell the steps apart, so only a build with OpenMP can say 0
    if OMP:
        ok(r["score"] == 0, f"ex02 skeleton: 0 points on steps 1 and 4 (got {r['score']})")


def case_ex02_solution():
    """Steps 1 and 4 of the reference, a CPU hog beside it: full marks on
    their correctness items (the parallel check sees the kernels' threads)."""
    needs_protocol(EX02, "gemm")
    with Hog():
        only = ",".join(it["id"] for it in ex02_items(1, 4) if it["kind"] == "correct")
        rc, r, _ = grade_json(["02", "--submission", os.path.join(SRC, "solutions", EX02),
                               "--only", only, "--workdir", os.path.join(BUILD, "grader-work-02")],
                              kit_env())
    if not r:
        return
    show(r)
    for it in ex02_items(1, 4):
        if it["kind"] != "correct":
            continue
        allowed = "pass" if OMP or not it.get("parallel") else ["pass", "skip"]
        got = expect(r, it["id"], allowed, label="ex02 solution, a CPU hog beside it")
        if got and got["status"] == "pass":
            ok(got["score"] == got["max_score"], f"ex02 solution: {it['id']} gets full marks")


def case_ex03_broken():
    needs_protocol("03-image-sweep", "images")
    grade, wd = broken_grader("03", "03-image-sweep", "images.c")
    broken_cases(grade, wd, [
        ("race", "s1-parallel", None, None, ()),
        ("twice", "s2-signatures", None, "s1-correct", ()),
        ("zombie", "s2-pool", r"still running|waited for", "s1-correct", ()),
        ("crash", "s2-signatures", CRASHED, "s1-correct", ()),
        ("serial", "s1-parallel", r"did a share of the work|one thread", "s1-correct", ()),
        ("hang", "s2-signatures", r"timed out after 4 s", "s1-correct", HANG),
        ("hostile_pass", "s1-correct", None, None, ()),
        ("hostile_guess", "s1-correct", None, None, ()),
        # a known gap: the median's parallel regions last about 0.1 ms each,
        # and the reference's own threads burn CPU waking and waiting, more
        # under load: the item is judged by the count of busy threads, which
        # the burner's spinning thread meets
        ("hostile_burn", "s1-parallel", r"CPU|did a share", None, (), 0),
    ], "ex03")


def case_ex03_solution():
    """Step 1 of the reference, a CPU hog beside it: full marks. Its median's
    parallel regions are short, and beside a hog the reference graded as a
    submission had its busiest thread at 106% of its 1-thread CPU where the
    reference's own run showed 67%: the item is judged by the count of busy
    threads (docs/grading.md), and this keeps it honest."""
    needs_protocol("03-image-sweep", "images")
    with Hog():
        rc, r, _ = grade_json(["03", "--submission", os.path.join(SRC, "solutions", "03-image-sweep"),
                               "--only", "s1-correct,s1-parallel",
                               "--workdir", os.path.join(BUILD, "grader-work-03")], kit_env())
    if not r:
        return
    show(r)
    for item in ("s1-correct", "s1-parallel"):
        allowed = "pass" if OMP or item == "s1-correct" else ["pass", "skip"]
        got = expect(r, item, allowed, label="ex03 solution, a CPU hog beside it")
        if got and got["status"] == "pass":
            ok(got["score"] == got["max_score"], f"ex03 solution: {item} gets full marks")


def case_ex04_broken():
    needs_protocol("04-audio-etl", "etl")
    grade, wd = broken_grader("04", "04-audio-etl", "etl.c")
    broken_cases(grade, wd, [
        ("serial", "s2-correct", r"did a share of the work|one thread", "s1-correct", ()),
        ("crash", "s4-correct", CRASHED, "s1-correct", ()),
        ("hang", "s3-processes", r"timed out after 4 s", "s1-correct", HANG),
        ("hostile_pass", "s2-correct", None, "s1-correct", ()),
        ("hostile_skip", "s2-correct", None, "s1-correct", ()),
        ("hostile_escape", "s2-correct", None, "s1-correct", ()),
    ], "ex04")


# ---------------------------------------------------------------------------
# Exercises on the common driver (00, 05-10; 08 under mpirun): the same attacks on
# each, written as code added to the student's file (no exercise-specific
# patch): a constructor runs before the driver's main.

ATTACK_HEAD = "\n/* ---- attack added by the grader's tests ---- */\n#include <stdio.h>\n" \
    "#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n"

# A PASS line and exit 0, before any work.
ATTACK_PASS = ATTACK_HEAD + r"""
__attribute__((constructor)) static void kit_attack(void)
{
	printf("PASS: every check\n");
	fflush(stdout);
	_exit(0);
}
"""

# A result.json of its own making in the --emit folder (the header from the
# command line, a made-up result), then exit 0 before any work.
ATTACK_FORGE = ATTACK_HEAD + r"""
#include <fcntl.h>
__attribute__((constructor)) static void kit_attack(void)
{
	char args[8192] = { 0 }, *emit = NULL, *kernel = "", *seed = "0", *n = "0";
	int fd = open("/proc/self/cmdline", O_RDONLY);
	ssize_t len = fd >= 0 ? read(fd, args, sizeof(args) - 1) : -1;
	for (char *a = args; len > 0 && a < args + len; a += strlen(a) + 1) {
		char *v = a + strlen(a) + 1;
		if (v >= args + len)
			break;
		if (!strcmp(a, "--emit"))
			emit = v;
		else if (!strcmp(a, "--kernel"))
			kernel = v;
		else if (!strcmp(a, "--seed"))
			seed = v;
		else if (!strcmp(a, "-n"))
			n = v;
	}
	if (!emit)
		return;
	char path[4200];
	snprintf(path, sizeof(path), "%s/result.json", emit);
	FILE *f = fopen(path, "w");
	if (f) {
		const char *t = getenv("OMP_NUM_THREADS");
		fprintf(f, "{\"kernel\": \"%s\", \"n\": %s, \"seed\": %s, \"threads\": %s, "
			"\"result\": {\"value\": 42, \"count\": 42, \"means\": [0, 0]}}\n",
			kernel, n, seed, t ? t : "1");
		fclose(f);
	}
	puts("PASS: forged");
	_exit(0);
}
"""

# The work done right, and a grandchild in a session of its own that outlives
# the program and comes back to rewrite the report.
ATTACK_ESCAPE = ATTACK_HEAD + r"""
#include <sys/types.h>
__attribute__((constructor)) static void kit_attack(void)
{
	pid_t p = fork();
	if (p != 0)
		return;
	setsid();
	if (fork() != 0)
		_exit(0);
	sleep(3);
	for (const char *d = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp"; d; d = NULL) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/escaped", d);
		FILE *f = fopen(path, "w");
		if (f)
			fclose(f);
	}
	_exit(0);
}
"""

# Serial code and two threads that spin for the whole run, at any thread count.
ATTACK_BURN = ATTACK_HEAD + r"""
#include <pthread.h>
static void *kit_attack_spin(void *arg)
{
	volatile unsigned long x = 0;
	for (;;)
		x += (unsigned long)(size_t)arg;
	return NULL;
}
__attribute__((constructor)) static void kit_attack(void)
{
	for (int i = 0; i < 2; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, kit_attack_spin, (void *)(size_t)(i + 1)) == 0)
			pthread_detach(t);
	}
}
"""

DRIVER_EXERCISES = ("00", "05", "06", "07", "08", "09", "10")
# what a run that did no work is told (never "a grader set-up problem")
NO_WORK = r"result\.json is (missing|not)|too little for the work|not a |differs"


def composed(num, name, fname, k):
    """The student file with the solution's steps < K done, step K and later as
    the skeleton has them (tests/walkthrough.py's composition)."""
    plan = walkthrough.Plan(os.path.join(SRC, "exercises", name, fname),
                            os.path.join(SRC, "solutions", name, fname))
    return plan.text(k - 1)


# The race check must see the code that is graded: a file that reads
# differently when ThreadSanitizer compiles it (here harmlessly: the class is
# what counts), and one that turns the sanitizer's reports off.
ATTACK_TSAN_IFDEF = r"""
/* ---- attack added by the grader's tests ---- */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
int kit_attack_race_check_build = 1;
#endif
#endif
"""
ATTACK_TSAN_QUIET = r"""
/* ---- attack added by the grader's tests ---- */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void) { return "report_bugs=0"; }
"""

UNIFORM_OLD = """void mandel_static(const mandel *m, uint32_t *counts)
{
	/* Step 1: thread t gets the t-th block of rows, whatever they cost;
	 * the threads with the cheap rows then wait at the end of the loop. */
#pragma omp parallel for schedule(static)
	for (int y = 0; y < m->height; y++)
		mandel_row(m, y, counts);
}
"""
UNIFORM_NEW = """#include <omp.h>
void mandel_static(const mandel *m, uint32_t *counts)
{
	volatile int done = 0;	/* ATTACK: serial rows, the other threads spin */
#pragma omp parallel
	{
		if (omp_get_thread_num() == 0) {
			double t0 = omp_get_wtime();
			for (int y = 0; y < m->height; y++)
				mandel_row(m, y, counts);
			double w = omp_get_wtime() - t0;
			if (omp_get_num_threads() == 1)
				while (omp_get_wtime() - t0 < 2 * w)
					;
#pragma omp atomic write
			done = 1;
		} else {
			int d = 0;
			while (!d) {
#pragma omp atomic read
				d = done;
			}
		}
	}
}
"""

# Attacks made by replacing a line of the solution: (label, the solution's
# text, what replaces it, the item that must fail, what its output says).
TEXT_ATTACKS = {
    # the memory budget ignored: the whole file mapped at once
    "07": [("budget", "uint64_t chunk = ooc_rows_in(f, f->mem > 2 * page ? f->mem - page : f->mem);",
            "uint64_t chunk = f->rows;	/* ATTACK: the whole file mapped at once */", "s4-correct",
            r"held [0-9.]+ MB at its peak")],
    # the uniform burner: the rows serially on one thread while the others
    # spin as long, and at 1 thread the one thread spinning as long again,
    # so that every CPU-time rule sees the shares it expects
    "06": [("uniform-burn", UNIFORM_OLD, UNIFORM_NEW, "s1-correct",
            r"one thread of 2 made \d+ of the \d+ calls of mandel_row")],
    # --passes remembered: the kernel does its work once and returns at once
    # when called again on the same output (each pass reads other inputs)
    "10": [("memo", "void loc_triad(double *a, const double *b, const double *c, uint64_t n)\n{\n",
            "void loc_triad(double *a, const double *b, const double *c, uint64_t n)\n{\n"
            "\tstatic double *done;	/* ATTACK: the first pass's answer kept */\n"
            "\tif (a == done)\n\t\treturn;\n\tdone = a;\n", "s3-correct",
            r"hash [0-9a-f]{16} is not that of the defined a")],
}


def case_driver_hostile():
    env = kit_env()
    root = os.geteuid() == 0
    judged = 0
    for num in DRIVER_EXERCISES:
        name = next((d for d in os.listdir(os.path.join(SRC, "exercises")) if d.startswith(num + "-")), None)
        if not name or not os.path.exists(os.path.join(BUILD, "solutions", name)):
            print(f"# {num}: not built here")
            continue
        spec = json.load(open(os.path.join(SRC, "exercises", name, "exercise.json")))
        fname = spec["edit"][0]
        correct = [i for i in spec["items"] if i["kind"] == "correct"]
        par1 = [i for i in correct if i.get("parallel") and "1" in i.get("threads", [])]
        wd = os.path.join(BUILD, f"grader-work-{num}")
        solution = open(os.path.join(SRC, "solutions", name, fname)).read()
        attacks = [("pass", solution + ATTACK_PASS, correct[0]["id"], NO_WORK),
                   ("forge", solution + ATTACK_FORGE, correct[0]["id"], NO_WORK),
                   ("escape", solution + ATTACK_ESCAPE, correct[0]["id"], r"still running")]
        if OMP and par1:
            it = par1[0]
            attacks.append(("burn", composed(num, name, fname, it["step"]) + ATTACK_BURN, it["id"],
                            r"burn|did a share|one thread"))
        tsan = [i for i in spec["items"] if i["kind"] == "tsan"]
        if OMP and tsan and num == "09":	# one exercise: its race-check build takes a minute
            attacks.append(("tsan-ifdef", solution + ATTACK_TSAN_IFDEF, tsan[0]["id"],
                            r"reads differently for the race check"))
            attacks.append(("tsan-quiet", solution + ATTACK_TSAN_QUIET, tsan[0]["id"],
                            r"race checker's own interface \(__tsan_default_options\)"))
        if OMP and num == "09":
            # every bug fixed by deleting the pragmas: serial, right, and no
            # lesson learnt; the step's threads item fails, and gates the rest
            serial = re.sub(r"^#pragma omp.*\n", "", solution, flags=re.M)
            ok(serial != solution, "09 serial: the solution has pragmas to delete")
            attacks.append(("serial", serial, "s1-threads", r"1 thread did a share|one thread"))
        if OMP and num == "06":
            # a shared sum added to inside the tasks: a race the check must
            # report (the runtime's own task records are passed over, below)
            old = "#pragma omp task firstprivate(p)\n\t\tnode_work(p);"
            ok(old in solution, "06 task-sum: the attack's text is in the solution")
            attacks.append(("task-sum", solution.replace(old, "#pragma omp task firstprivate(p)\n"
                            "\t\t{ node_work(p); kit_attack_sum += p->result; }").replace(
                            "/* Step 5: a task per node of a linked list. */",
                            "uint64_t kit_attack_sum;\n/* Step 5: a task per node of a linked list. */"),
                            "s5-race", r"data race at 2 threads: .*tasks\.c:\d+"))
        for label, old, new, only, regex in TEXT_ATTACKS.get(num, []):
            ok(old in solution, f"{num} {label}: the attack's text is in the solution")
            attacks.append((label, solution.replace(old, new), only, regex))
        for label, text, only, regex in attacks:
            label = f"{num} {label}"
            sub = os.path.join(TMP, f"sub-{num}")
            os.makedirs(sub, exist_ok=True)
            with open(os.path.join(sub, fname), "w") as f:
                f.write(text)
            t0 = time.time()
            rc, r, _ = grade_json([num, "--submission", sub, "--only", only, "--timeout", "60",
                                   "--workdir", wd], env)
            if not r:
                fail(f"{label}: no report")
                continue
            show(r)
            judged += 1
            if label.endswith("budget") and SANITIZED:
                # the sanitizer's own memory is the peak: not judged, and said
                it = expect(r, only, ["pass", "fail"], label=label)
                ok(it and "not measured in a sanitizer build" in it.get("output", ""),
                   f"{label}: the report says the budget was not measured")
            elif label.endswith("escape") and (str(r.get("sandbox", "")).startswith("bubblewrap")
                                             or any("ranks" in i for i in correct if i["id"] == only)):
                # bubblewrap's pid namespace ends with the program, and
                # Open MPI's mpirun ends every process its job started, a
                # session of its own included: the grandchild dies unseen,
                # and the right work counts (nothing left: checked below)
                expect(r, only, ["pass", "fail"], label=label)
            else:
                expect(r, only, "fail", regex, label=label)
                ok(r["score"] == 0 and rc == 1, f"{label}: no points, exit 1 (got {r['score']}, exit {rc})")
            ok(time.time() - t0 < 240, f"{label}: the grader returns promptly ({time.time() - t0:.0f} s)")
            out = os.path.join(TMP, "out.json")
            text_before = open(out).read()
            time.sleep(4 if label.endswith("escape") else 0.3)
            ok(open(out).read() == text_before, f"{label}: the report is unchanged seconds later")
            ok(not leftovers(TMP) and not leftovers(wd), f"{label}: no process left behind")
            uid = r.get("sandbox_uid", 65534)
            if root:
                ok(uid != 0 and not sandbox_procs(uid), f"{label}: no process of the sandbox user {uid} "
                   f"({sandbox_procs(uid)})")
                ok(not sandbox_files(uid), f"{label}: no file of the sandbox user outside its work folder "
                   f"({sandbox_files(uid)[:5]})")
    ok(judged >= 3, f"at least three attacks judged ({judged})")
    if OMP and os.path.exists(os.path.join(BUILD, "solutions", "06-tasks-load-balance")):
        # the reference's list of tasks is race-free: under clang 14's libomp
        # and Archer its task records, reused, looked like a race every run
        rc, r, _ = grade_json(["06", "--submission", os.path.join(SRC, "solutions", "06-tasks-load-balance"),
                               "--only", "s5-race", "--workdir", os.path.join(BUILD, "grader-work-06")], env)
        if r:
            show(r)
            expect(r, "s5-race", "pass" if RACE_TOOLS else ["pass", "skip"], label="06 reference")


CASES = {"fixture": case_fixture, "ex01-solution": case_ex01_solution, "ex01-skeleton": case_ex01_skeleton,
         "ex01-broken": case_ex01_broken, "ex01-check": case_ex01_check, "ex01-hostile": case_ex01_hostile,
         "ex02-broken": case_ex02_broken, "ex02-skeleton": case_ex02_skeleton,
         "ex02-solution": case_ex02_solution, "ex03-broken": case_ex03_broken,
         "ex03-solution": case_ex03_solution, "ex04-broken": case_ex04_broken,
         "driver-hostile": case_driver_hostile}

if __name__ == "__main__":
    if CASE not in CASES:
        print(f"unknown case {CASE}")
        sys.exit(2)
    TMP = tempfile.mkdtemp(prefix=f"grader-{CASE}-")
    os.chmod(TMP, 0o711)	# as root the grader runs student code as uid 65534: it must get in
    TMPDIR = os.path.join(TMP, "tmp")
    os.makedirs(TMPDIR)
    try:
        CASES[CASE]()
    except Skip as why:
        print(f"skip: {why}")
        shutil.rmtree(TMP, ignore_errors=True)
        sys.exit(77)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
