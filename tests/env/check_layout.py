#!/usr/bin/python3
"""check_layout.py - an exercise folder is its lesson: the student's file first.

usage: check_layout.py SOURCE_ROOT

For every exercises/NN-name/exercise.json:
  - each file it lets a student edit ("edit") is there, and the largest C file
    or header (in lines) directly in the folder: what is not the lesson lives
    in src/exercises/NN-name/ (descriptor, checks, file handling), written once;
  - solutions/NN-name/ holds exactly those files and its meson.build, so that
    `diff exercises/NN-name solutions/NN-name` shows the lesson;
  - no C file of src/exercises/NN-name/ has the name of a student's file.
It first checks itself on a made-up folder that breaks the first rule. TAP.
"""
import json
import os
import sys
import tempfile

checks = 0


def ok(cond, msg):
    global checks
    checks += 1
    print(("ok" if cond else "not ok") + f" {checks} - {msg}")
    return cond


def lines(path):
    with open(path, errors="replace") as f:
        return sum(1 for _ in f)


def problems(root, name):
    """What breaks the rules for exercise NAME under ROOT, as strings."""
    out = []
    ex = os.path.join(root, "exercises", name)
    edit = json.load(open(os.path.join(ex, "exercise.json"))).get("edit", [])
    if not edit:
        return [f"{name}: exercise.json names no file to edit"]
    sources = {f: lines(os.path.join(ex, f)) for f in os.listdir(ex)
               if f.endswith((".c", ".h")) and os.path.isfile(os.path.join(ex, f))}
    for f in edit:
        if f not in sources:
            out.append(f"{name}: {f} (to edit) is missing")
            continue
        bigger = [o for o, n in sources.items() if o not in edit and n > sources[f]]
        if bigger:
            out.append(f"{name}: {f} ({sources[f]} lines) is smaller than "
                       + ", ".join(f"{o} ({sources[o]})" for o in sorted(bigger))
                       + ": move what is not the lesson to src/exercises/" + name)
    sol = os.path.join(root, "solutions", name)
    if os.path.isdir(sol):
        extra = sorted(set(os.listdir(sol)) - set(edit) - {"meson.build"})
        if extra:
            out.append(f"{name}: solutions/{name} holds {', '.join(extra)} besides the files to edit")
    side = os.path.join(root, "src", "exercises", name)
    if os.path.isdir(side):
        clash = sorted(set(os.listdir(side)) & set(edit))
        if clash:
            out.append(f"{name}: src/exercises/{name} has a file named like the student's: {clash}")
    return out


def self_test():
    with tempfile.TemporaryDirectory() as t:
        ex = os.path.join(t, "exercises", "99-made-up")
        os.makedirs(ex)
        with open(os.path.join(ex, "exercise.json"), "w") as f:
            json.dump({"edit": ["k.c"]}, f)
        with open(os.path.join(ex, "k.c"), "w") as f:
            f.write("int k;\n")
        with open(os.path.join(ex, "k_exercise.c"), "w") as f:
            f.write("int a;\nint b;\n")
        p = problems(t, "99-made-up")
        return len(p) == 1 and "k_exercise.c" in p[0]


def main():
    root = sys.argv[1]
    ok(self_test(), "self-test: a descriptor larger than the student's file is caught")
    names = sorted(n for n in os.listdir(os.path.join(root, "exercises"))
                   if os.path.isfile(os.path.join(root, "exercises", n, "exercise.json")))
    ok(len(names) >= 1, f"exercises found ({len(names)})")
    for n in names:
        p = problems(root, n)
        ok(not p, f"{n}: the student's file is the largest of its folder; solutions/ holds only it"
           + ("".join("\n# " + x for x in p)))
    print(f"1..{checks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
