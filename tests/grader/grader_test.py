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
  ex01-check     ./kit check 01 --step 1 in this build.
  ex02-broken    tests/grader/ex02/*.patch against solutions/02-blas-threads/gemm.c,
  ex03-broken    ex03/*.patch against solutions/03-image-sweep/images.c and
  ex04-broken    ex04/*.patch against solutions/04-audio-etl/etl.c: the same for
                 exercises 02-04 (02 and 03 only in builds with OpenBLAS).
Exit status: 0 pass, 1 fail, 77 skip.
"""
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
HERE = os.path.join(SRC, "tests", "grader")
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
                    found.append(pid)
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
    p = run(["check", "99", "--only", "run", "--json", os.path.join(TMP, "c.json")], env)
    ok(p.returncode == 0, "check 99 (the skeleton, run items only) exits 0")
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
    p = run(["check", "7"], env)
    ok(p.returncode == 2 and "no exercise '7'" in p.stderr, "check of a missing exercise: exit 2 and why")
    p = run(["check", "--help"], env)
    ok(p.returncode == 0 and "usage: ./kit check" in p.stdout, "check --help")

    # a build failure in check: compiler's lines, every other item "not run"
    fx = os.path.join(root, "exercises", "99-fixture", "fx.c")
    good_fx = open(fx).read()
    with open(fx, "a") as f:
        f.write("int oops(void) { return }\n")
    p = run(["check", "99", "--only", "run"], env)
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
        expect(r, "s2-race", ["pass", "skip"], label="ok")
        sp = expect(r, "s2-speed", ["pass", "fail", "skip"], label="ok")
        ok(sp and (sp["status"] == "skip" or ("ratio" in sp and len(sp["spread"]) == 2)),
           "ok: the speed item reports its ratio and spread")

    # every way a submission breaks, one item each
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "race"), "--only", "s2-race,s1-correct"] + gq, env)
    if r:
        show(r)
        expect(r, "s1-correct", "pass", label="race")
        expect(r, "s2-race", ["fail", "skip"], r"data race .*fx\.c:\d+", label="race")
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "wrong"), "--only", "run"] + gq, env)
    if r:
        expect(r, "s1-correct", "pass", label="wrong")
        expect(r, "s2-correct", "fail", r"FAIL: par\(3000000\) = .*expected", label="wrong")
        ok(rc == 1, "wrong: grade exits 1 when an item failed")
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "crash"), "--only", "run"] + gq, env)
    if r:
        expect(r, "s2-correct", "fail", r"SIGSEGV|SEGV|null pointer", label="crash")
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "slow"), "--only", "speed", "--rounds", "3"] + gq, env)
    if r:
        show(r)
        it = expect(r, "s2-speed", ["fail", "skip"], r"\d\.\d\dx the reference", label="slow")
        ok(it and (it["status"] == "skip" or (it["score"] < it["max_score"] and it["ratio"] > 1.25)),
           "slow: a 5x slower variant scores below full speed credit")
    t0 = time.time()
    rc, r, _ = grade_json(["--submission", os.path.join(subs, "hang"), "--only", "run",
                           "--timeout", "2"] + gq[:3], env)
    if r:
        expect(r, "s1-correct", "pass", label="hang")
        expect(r, "s2-correct", "fail", r"timed out after 2 s", label="hang")
        ok(time.time() - t0 < 60, "hang: one time-out per item, not one per thread count")
    time.sleep(0.5)
    ok(not leftovers(TMP), f"hang: no process left behind (found {leftovers(TMP)})")

    # Gradescope: always written, also on a build failure, a missing file, a grader error
    gs = os.path.join(TMP, "results.json")
    rc, d, _ = grade_json(["--submission", os.path.join(subs, "broken")] + gq + ["--only", "run"], env, "gradescope")
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
            {"id": "h-big", "step": 2, "points": 2, "kind": "run", "name": "hidden: a larger n",
             "args": ["--kernel", "par", "--validate", "-n", "4e6"], "threads": ["2"]},
            {"id": "h-odd", "step": 2, "points": 1, "kind": "run", "name": "hidden: an odd n",
             "args": ["--kernel", "par", "--validate", "-n", "1001"], "threads": ["3"],
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
    rc, r, _ = grade_json(["01", "--submission", os.path.join(SRC, "solutions", EX), "--only", "run,tsan",
                           "--workdir", wd], kit_env())
    if not r:
        return
    show(r)
    for it in load_items():
        if it["kind"] not in ("run", "tsan"):
            continue
        # without OpenMP, "is it parallel" checks cannot be made (the driver exits 77)
        allowed = ["pass", "skip"] if (it["kind"] == "tsan" or not OMP) else ["pass"]
        got = expect(r, it["id"], allowed, label="solution")
        if got and got["status"] == "pass":
            ok(got["score"] == got["max_score"], f"solution: {it['id']} gets full marks")
    rc, d, _ = grade_json(["01", "--submission", os.path.join(SRC, "solutions", EX), "--only", "s1-correct",
                           "--workdir", wd], kit_env(), "gradescope")
    if d:
        check_gradescope(d, "solution")


def case_ex01_skeleton():
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
    for it in load_items():
        # Undone: an item of a TODO step, unless it checks for races (tsan, or
        # repeated runs agreeing): serial code has none, so those pass.
        race = it["kind"] == "tsan" or "--consistent" in it.get("args", [])
        undone = it["step"] in todo and not race
        if not undone:
            expect(r, it["id"], ["pass", "skip"] if it["kind"] == "tsan" else "pass", label="skeleton")
        elif it["kind"] == "speedup" or not OMP:
            expect(r, it["id"], ["fail", "skip"], label="skeleton")
        else:
            expect(r, it["id"], "fail", label="skeleton")


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

    par = ["fail", "skip"] if not OMP else "fail"	# no "parallel" check without OpenMP
    r = grade("race", "s2-race,s3-race")
    if r:
        expect(r, "s2-race", "fail", r"data race .*pi\.c:\d+", label="race")
        expect(r, "s3-race", ["pass", "skip"], label="race")
    r = grade("shared_rand", "s4-same,s4-correct")
    if r:
        expect(r, "s4-same", "fail", r"FAIL: .*same|FAIL:", label="shared rand()")
        expect(r, "s4-correct", "pass" if OMP else ["pass", "skip"], label="shared rand()")
    r = grade("wrong", "s1-correct,s3-correct")
    if r:
        expect(r, "s1-correct", "pass", label="wrong")
        expect(r, "s3-correct", "fail", r"FAIL:", label="wrong")
    t0 = time.time()
    r = grade("hang", "s3-correct,s4-correct", ["--timeout", "4"])
    if r:
        expect(r, "s3-correct", "fail", r"timed out after 4 s", label="hang")
        expect(r, "s4-correct", "pass" if OMP else ["pass", "skip"], label="hang")
        ok(time.time() - t0 < 120, "hang: the grader returns promptly")
    time.sleep(0.5)
    ok(not leftovers(TMP) and not leftovers(wd), f"hang: no process left behind (found {leftovers(TMP) + leftovers(wd)})")
    r = grade("crash", "s3-correct,s4-correct")
    if r:
        expect(r, "s4-correct", "fail", r"SIGSEGV|SEGV|null pointer", label="crash")
        expect(r, "s3-correct", "pass" if OMP else ["pass", "skip"], label="crash")
    r = grade("serial", "s2-correct,s3-correct,s4-correct,s4-same,s2-race")
    if r:
        for i in ("s2-correct", "s3-correct", "s4-correct"):
            expect(r, i, par, r"busy thread|one thread|parallel", label="serial")
        expect(r, "s4-same", "pass", label="serial")
        expect(r, "s2-race", ["pass", "skip"], label="serial")
    r = grade("slow", "s4-speed", ["--quick", "--rounds", "3", "--speed-arg", "-n=2e7"])
    if r:
        it = expect(r, "s4-speed", ["fail", "skip"], r"x the reference", label="slow")
        ok(it and (it["status"] == "skip" or (it["score"] < it["max_score"] and it["ratio"] > 1.25)),
           f"slow: the 5x slower variant scores below full speed credit (ratio {it and it.get('ratio')})")


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


def hang_case(grade, wd, variant, item, side, label):
    """VARIANT never ends in ITEM: a time-out of 4 s, promptly, nothing left; SIDE still passes."""
    t0 = time.time()
    r = grade(variant, f"{item},{side}", ["--timeout", "4"])
    if r:
        expect(r, item, "fail", r"timed out after 4 s", label=label)
        expect(r, side, "pass" if OMP else ["pass", "skip"], label=label)
        ok(time.time() - t0 < 120, f"{label}: the grader returns promptly")
    time.sleep(0.5)
    ok(not leftovers(TMP) and not leftovers(wd), f"{label}: no process left behind "
       f"(found {leftovers(TMP) + leftovers(wd)})")


CRASHED = r"SIGSEGV|SEGV|null pointer"


def case_ex02_broken():
    grade, wd = broken_grader("02", "02-blas-threads", "gemm.c")
    par = ["fail", "skip"] if not OMP else "fail"	# no "parallel" check without OpenMP
    r = grade("layout", "s1-correct,s2-correct")
    if r:
        expect(r, "s1-correct", "fail", r"C is B\*A there", label="ex02 layout")
        expect(r, "s2-correct", "pass" if OMP else ["pass", "skip"], label="ex02 layout")
    # No race variant: ex02 has no tsan item (OpenBLAS), and under the
    # grader's OMP_WAIT_POLICY=passive the racy variants tried (a scratch row
    # shared by the threads, the pragma on the k loop) fail s2-correct's n = 300
    # run only now and then; an accumulator shared in the source is kept in a
    # register by gcc. Reported to the lead, not asserted.
    r = grade("serial", "s2-correct,s1-correct,s4-correct")
    if r:
        expect(r, "s2-correct", par, r"1 busy thread .*ran on one thread", label="ex02 serial")
        expect(r, "s1-correct", "pass", label="ex02 serial")
        expect(r, "s4-correct", "pass", label="ex02 serial")
    r = grade("batch_offset", "s4-correct,s1-correct")
    if r:
        expect(r, "s4-correct", "fail", r"matrix \d+ of the batch: C\[", label="ex02 batch offset")
        expect(r, "s1-correct", "pass", label="ex02 batch offset")
    r = grade("crash", "s4-correct,s1-correct")
    if r:
        expect(r, "s4-correct", "fail", CRASHED, label="ex02 crash")
        expect(r, "s1-correct", "pass", label="ex02 crash")
    # s1-correct's thread counts (1, 2) need no OpenMP: the side item is s4-correct
    t0 = time.time()
    r = grade("hang", "s1-correct,s4-correct", ["--timeout", "4"])
    if r:
        expect(r, "s1-correct", "fail", r"timed out after 4 s", label="ex02 hang")
        expect(r, "s4-correct", "pass", label="ex02 hang")
        ok(time.time() - t0 < 120, "ex02 hang: the grader returns promptly")
    time.sleep(0.5)
    ok(not leftovers(TMP) and not leftovers(wd), f"ex02 hang: no process left behind "
       f"(found {leftovers(TMP) + leftovers(wd)})")


def case_ex03_broken():
    grade, wd = broken_grader("03", "03-image-sweep", "images.c")
    par = ["fail", "skip"] if not OMP else "fail"
    side = "pass" if OMP else ["pass", "skip"]	# s1-parallel: no pool_run in it
    r = grade("race", "s1-parallel")
    if r:
        # ex03 has no tsan item (OpenBLAS is not instrumented); --expect-parallel
        # compares the median image pixel by pixel with the driver's own over
        # hundreds of runs, so a race on a shared temporary fails s1-parallel.
        # Without OpenMP there is no second thread to race with: a skip.
        if OMP:
            expect(r, "s1-parallel", "fail", r"wrong pixels in the median", label="ex03 race")
        else:
            expect(r, "s1-parallel", "skip", label="ex03 race")
    r = grade("twice", "s2-signatures,s1-parallel")
    if r:
        expect(r, "s2-signatures", "fail", r"worked on more than once", label="ex03 twice")
        expect(r, "s1-parallel", side, label="ex03 twice")
    r = grade("zombie", "s2-pool,s2-signatures")
    if r:
        expect(r, "s2-pool", "fail", r"a worker was left (as a zombie|running) after pool_run returned",
               label="ex03 zombie")
        expect(r, "s2-signatures", "pass", label="ex03 zombie")
    r = grade("crash", "s2-signatures,s1-parallel")
    if r:
        expect(r, "s2-signatures", "fail", CRASHED, label="ex03 crash")
        expect(r, "s1-parallel", side, label="ex03 crash")
    r = grade("serial", "s1-parallel,s1-correct")
    if r:
        expect(r, "s1-parallel", par, r"1 busy thread .*ran on one thread", label="ex03 serial")
        expect(r, "s1-correct", "pass", label="ex03 serial")
    hang_case(grade, wd, "hang", "s2-signatures", "s1-parallel", "ex03 hang")


def case_ex04_broken():
    grade, wd = broken_grader("04", "04-audio-etl", "etl.c")
    par = ["fail", "skip"] if not OMP else "fail"
    side = "pass" if OMP else ["pass", "skip"]	# s2-correct: --expect-parallel in it
    r = grade("open_race", "s2-open,s2-correct")
    if r:
        expect(r, "s2-open", par, r"\d+ threads inside sf_open at once", label="ex04 open race")
        expect(r, "s2-correct", side, label="ex04 open race")
    r = grade("serial", "s2-correct,s2-open")
    if r:
        expect(r, "s2-correct", par, r"1 thread of \d+ open every file", label="ex04 serial")
        expect(r, "s2-open", ["pass", "skip"] if not OMP else "pass", label="ex04 serial")
    r = grade("in_place", "s3-kill,s3-processes")
    if r:
        expect(r, "s3-kill", "fail", r"a partial or wrong output after the kill", label="ex04 in place")
        expect(r, "s3-processes", "pass", label="ex04 in place")
    r = grade("unreported", "s3-broken,s3-processes")
    if r:
        expect(r, "s3-broken", "fail", r"should name it and say .*was not processed",
               label="ex04 unreported")
        expect(r, "s3-processes", "pass", label="ex04 unreported")
    r = grade("crash", "s4-correct,s2-correct")
    if r:
        expect(r, "s4-correct", "fail", CRASHED, label="ex04 crash")
        expect(r, "s2-correct", side, label="ex04 crash")
    hang_case(grade, wd, "hang", "s3-processes", "s2-correct", "ex04 hang")


CASES = {"fixture": case_fixture, "ex01-solution": case_ex01_solution, "ex01-skeleton": case_ex01_skeleton,
         "ex01-broken": case_ex01_broken, "ex01-check": case_ex01_check,
         "ex02-broken": case_ex02_broken, "ex03-broken": case_ex03_broken, "ex04-broken": case_ex04_broken}

if __name__ == "__main__":
    if CASE not in CASES:
        print(f"unknown case {CASE}")
        sys.exit(2)
    TMP = tempfile.mkdtemp(prefix=f"grader-{CASE}-")
    TMPDIR = os.path.join(TMP, "tmp")
    os.makedirs(TMPDIR)
    try:
        CASES[CASE]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
