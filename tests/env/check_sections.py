#!/usr/bin/python3
"""check_sections.py - every lesson and exercise says what it teaches, sums it
up, and leaves the student something open to do.

usage: check_sections.py SOURCE_ROOT

Each lesson (notebooks-md/NN-*.md) and each exercise README
(exercises/NN-name/README.md) has, in this order:
  - what the student will learn ("You will learn" or a "What you will learn"
    heading), before the first step, cell or "Key points";
  - a "## Key points" section;
  - a "## Going further" section holding at least one task, and no TODO(k)
    marker in it (an open-ended task has nothing to fill in).
It first checks itself on made-up files that break each rule. TAP.
"""
import glob
import os
import re
import sys
import tempfile

checks = 0
failed = 0


def ok(cond, msg):
    global checks, failed
    checks += 1
    failed += not cond
    print(("ok" if cond else "not ok") + f" {checks} - {msg}")
    return cond


LEARN = re.compile(r"^(##+ What you will learn|\*\*You will learn\*\*|You will learn)", re.M)
KEY = re.compile(r"^##+ (\d+\. )?Key points\s*$", re.M)
FURTHER = re.compile(r"^##+ Going further\s*$", re.M)


def problems(path):
    """What FILE lacks, as strings (empty when it has all three in order)."""
    text = open(path, encoding="utf-8").read()
    name = os.path.relpath(path, ROOT)
    learn, key, further = LEARN.search(text), KEY.search(text), FURTHER.search(text)
    out = []
    if not learn:
        out.append(f"{name}: no 'What you will learn' (objectives) near the top")
    if not key:
        out.append(f"{name}: no '## Key points' section")
    if not further:
        out.append(f"{name}: no '## Going further' section (an open-ended task)")
    if learn and key and learn.start() > key.start():
        out.append(f"{name}: its objectives come after its key points")
    if further:
        rest = text[further.end():]
        nxt = re.search(r"^## ", rest, re.M)
        body = rest[:nxt.start()] if nxt else rest
        if len(body.split()) < 15:
            out.append(f"{name}: 'Going further' holds no task")
        if re.search(r"TODO\(\d+\)", body):
            out.append(f"{name}: 'Going further' points at a TODO marker; it is to be open")
    return out


def self_test():
    good = ("# L\n\nIntro.\n\n**You will learn** what a thread is.\n\n## 1. Step\n\ntext\n\n"
            "## Key points\n\n- one\n\n## Going further\n\n" + "Measure it and say why " * 4
            + "\n")
    cases = {
        "good": (good, 0),
        "no objectives": (good.replace("**You will learn**", "You learn"), 1),
        "no key points": (good.replace("## Key points", "## Summary"), 1),
        "no going further": (good.replace("## Going further", "## More"), 1),
        "empty going further": (good.split("## Going further")[0] + "## Going further\n\nx\n", 1),
        "a TODO in going further": (good + "Fill in TODO(3) in pi.c.\n", 1),
    }
    with tempfile.TemporaryDirectory() as d:
        for what, (text, want) in cases.items():
            p = os.path.join(d, "README.md")
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
            got = problems(p)
            ok(len(got) == want, f"the check on a made-up file ({what}): {got or 'nothing'}")


ROOT = "."


def main():
    global ROOT
    root = ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
    self_test()
    files = sorted(glob.glob(os.path.join(root, "notebooks-md", "[0-9][0-9]-*.md")) +
                   glob.glob(os.path.join(root, "exercises", "[0-9][0-9]-*", "README.md")))
    ok(len(files) >= 2, f"found {len(files)} lessons and exercise READMEs")
    for path in files:
        got = problems(path)
        ok(not got, "; ".join(got) if got else
           f"{os.path.relpath(path, root)}: objectives, key points, going further")
    print(f"1..{checks}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
