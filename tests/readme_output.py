#!/usr/bin/python3
"""readme_output.py - each exercise README's sample of `./kit check` has the real output's shape
(suite 'walkthrough').

usage: readme_output.py KIT_CLI SOURCE_ROOT BUILD_ROOT [NN ...] [--write]

A README shows what the check prints in a block marked

    <!-- sample: ./kit check NN --step K -->
    ```text
    $ ./kit check NN --step K
    ...
    ```

This runs that command on the exercise as it is in the kit (the untouched
file) and compares the shape: the title line, the item rows in order (their
names and points) and the closing score line. What a machine measures,
and whether an item that needs a tool (a race check without clang) is
skipped, is not compared.
--write replaces each block with the output of this run (after a change to
the items, or to what the grader prints).
Exit status: 0 pass, 1 fail, 77 no README has a sample here.
"""
import os
import re
import subprocess
import sys
import tempfile

MARK = re.compile(r"<!-- sample: (\./kit check (\d\d) --step (\d+)) -->\n```text\n(.*?)```\n", re.S)
ROW = re.compile(r"^(PASS|FAIL|SKIP)\s+([\d.]+)/([\d.]+)\s+(.*)$")
SCORE = re.compile(r"^score: [\d.]+/[\d.]+")


def shape(text):
    """(title, [(points, name, labels below it)], score line seen)."""
    lines = [l for l in text.splitlines() if not l.startswith("$ ")]
    title = next((l for l in lines if re.match(r"^\d\d-[\w-]+: ", l)), None)
    rows, score = [], False
    for l in lines:
        m = ROW.match(l)
        if m:
            rows.append([m.group(3), m.group(4).strip(), set()])
        elif rows and re.match(r"^      (hint|saw|why)\s", l):
            rows[-1][2].add(l.split()[0])
        score = score or bool(SCORE.match(l))
    return title, [(p, n, tuple(sorted(s))) for p, n, s in rows], score


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    write = "--write" in sys.argv
    kit_cli, root, build = (os.path.abspath(a) for a in args[:3])
    wanted = args[3:]
    failures, checked = [], 0

    def ok(cond, msg):
        print(("ok: " if cond else "not ok: ") + msg)
        if not cond:
            failures.append(msg)
        return cond

    exdir = os.path.join(root, "exercises")
    for name in sorted(os.listdir(exdir)):
        path = os.path.join(exdir, name, "README.md")
        if not os.path.isfile(path) or (wanted and name[:2] not in wanted):
            continue
        text = open(path).read()
        samples = list(MARK.finditer(text))
        for m in samples:
            cmd, num, step, shown = m.groups()
            with tempfile.TemporaryDirectory() as tmp:
                env = dict(os.environ, KIT_ROOT=root, KIT_BUILD=build, KIT_QUIET="1", TMPDIR=tmp)
                os.chmod(tmp, 0o711)
                p = subprocess.run([kit_cli, "check", num, "--step", step, "--quick",
                                    "--json", os.path.join(tmp, "r.json")],
                                   env=env, capture_output=True, text=True, timeout=1800)
            # the path of the JSON copy is this run's own
            real = "".join(l for l in p.stdout.splitlines(keepends=True) if not l.startswith("wrote "))
            print(f"# {name}: {cmd} (exit {p.returncode})")
            if write:
                block = f"<!-- sample: {cmd} -->\n```text\n$ {cmd}\n{real.rstrip()}\n```\n"
                text = text.replace(m.group(0), block)
                continue
            checked += 1
            want, got = shape(shown), shape(real)
            ok(got[0] is not None and got[0] == want[0],
               f"{name}: the title line is the real one ({want[0]!r} vs {got[0]!r})")
            ok([r[:2] for r in want[1]] == [r[:2] for r in got[1]],
               f"{name}: the README's rows are the real ones, in order, with their points\n"
               f"   README: {[r[:2] for r in want[1]]}\n   real:   {[r[:2] for r in got[1]]}")
            ok(want[2] and got[2], f"{name}: the sample and the real output end with a score line")
        if write and samples:
            with open(path, "w") as f:
                f.write(text)
            print(f"wrote {path}")
    print(f"{len(failures)} failure(s)")
    if failures:
        return 1
    return 0 if checked or write else 77


if __name__ == "__main__":
    sys.exit(main())
