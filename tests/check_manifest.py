#!/usr/bin/python3
"""check_manifest.py - an exercise.json has the shape conventions.md section 3
defines (the 'manifest' case of tests/exNN/exNN.sh).

usage: check_manifest.py EXERCISE_JSON PROGRAM DEMO[,DEMO...]|- [--hint-prefix P]...
                         [--every-step] [--print-args]

Checks: the top-level keys; "program" is PROGRAM and "edit" is [PROGRAM.c];
the demos are named DEMO,... in that order ("-": the exercise has none, and
then no "demos" key); demos and benchmarks are optional, each entry has a name
and args, and "demo_program" (the program built in demos/NN-name/ that runs
them; without it they run the reference program) is a non-empty string when
present; every item has its keys, a unique
id, a known kind, a step of "steps", points > 0, a hint (starting with one of
the --hint-prefix values when given) and thread counts that are numbers or
cores/cpus/cpus+1. --every-step: every step has an item. --print-args: prints
each item's arguments, one line an item. Exit 0 pass, 1 fail (an assertion).
"""
import argparse
import json

ap = argparse.ArgumentParser()
ap.add_argument("manifest")
ap.add_argument("program")
ap.add_argument("demos")
ap.add_argument("--hint-prefix", action="append", default=[])
ap.add_argument("--every-step", action="store_true")
ap.add_argument("--print-args", action="store_true")
a = ap.parse_args()

m = json.load(open(a.manifest))
for key in ("exercise", "title", "program", "edit", "steps", "items"):
    assert key in m, "missing " + key
assert m["program"] == a.program and m["edit"] == [a.program + ".c"], (m["program"], m["edit"])
names = [d["name"] for d in m.get("demos", [])]
assert names == ([] if a.demos == "-" else a.demos.split(",")), names
if "demo_program" in m:
    assert isinstance(m["demo_program"], str) and m["demo_program"], "empty demo_program"
if "demos" in m or "bench" in m:
    for d in m.get("demos", []) + ([m["bench"]] if isinstance(m.get("bench"), dict) else m.get("bench", [])):
        assert d.get("name") and isinstance(d.get("args"), list), ("bad demo entry", d)
ids = set()
for it in m["items"]:
    for key in ("id", "step", "points", "kind", "name", "args", "threads", "hint"):
        assert key in it, (it.get("id"), "missing " + key)
    assert it["id"] not in ids, "duplicate id " + it["id"]
    ids.add(it["id"])
    assert it["kind"] in ("correct", "tsan", "speed", "speedup"), it["kind"]
    assert str(it["step"]) in m["steps"], it["id"]
    assert it["points"] > 0 and it["hint"], it["id"]
    if a.hint_prefix:
        assert it["hint"].startswith(tuple(a.hint_prefix)), it["id"]
    for t in it["threads"]:
        assert t.isdigit() or t in ("cores", "cpus", "cpus+1"), t
if a.every_step:
    assert {str(i["step"]) for i in m["items"]} == set(m["steps"]), "a step without an item"
print("ok: %d items, %d points" % (len(m["items"]), sum(i["points"] for i in m["items"])))
if a.print_args:
    for it in m["items"]:
        print(" ".join(it["args"]))
