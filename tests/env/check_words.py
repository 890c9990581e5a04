#!/usr/bin/python3
"""check_words.py - what the kit prints or writes speaks of the user's task.

usage: check_words.py SOURCE_ROOT

Reads everything a user sees: the string literals of the C and Python sources
(what the programs print and write), the ./kit script, the exercises'
exercise.json (hints), every README, the lessons (notebooks-md/) and docs/.
Fails, naming file and line, on:
  - an issue number ("issue 3", "issues 5 and 7", "#12 in the tracker"),
  - "DESIGN" (the developers' design notes are not the user's),
  - a section sign,
  - a path to a Markdown document that is not in the repository,
  - "seed's" or "seed lesson" (the Python lessons are "the Python version of this lesson"),
It first checks itself on a made-up file holding one of each. TAP on stdout.
"""
import os
import re
import sys

RULES = [
    ("an issue number", re.compile(r"\bissues? +(?:#|no\.? *)?\d+|\bissue #\d+", re.I)),
    ("'DESIGN' (developers' notes)", re.compile(r"\bDESIGN\b")),
    ("a section sign", re.compile("\u00a7")),
    ("'seed's' for the Python lessons (say 'the Python version of this lesson')",
     re.compile(r"\bseed(?:['\u2019]s\b| lessons?\b)", re.I)),
]
MD_PATH = re.compile(r"(?<![\w/.-])((?:\.\./|\./)?(?:[\w.-]+/)*[\w.-]+\.md)\b")

checks = 0
failed = 0


def ok(cond, what, detail=""):
    global checks, failed
    checks += 1
    print(("ok" if cond else "not ok") + f" {checks} - {what}")
    if not cond:
        failed += 1
        for line in detail.splitlines():
            print("#   " + line)


def c_strings(text):
    """(line, text) of each C string literal, comments skipped; adjacent
    literals joined, so a split sentence is read whole."""
    out = []
    i, n, line = 0, len(text), 1
    last_end, cur, cur_line = -1, None, 0
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
        elif c == "'":
            m = re.match(r"'(?:\\.|[^'\\])*'", text[i:])
            i += len(m.group(0)) if m else 1
        elif c == '"':
            m = re.match(r'"(?:\\.|[^"\\\n])*"', text[i:])
            s = m.group(0)[1:-1] if m else ""
            gap = text[last_end:i] if last_end >= 0 else "x"
            if cur is not None and gap.strip() == "":
                cur += s
            else:
                if cur is not None:
                    out.append((cur_line, cur))
                cur, cur_line = s, line
            i += len(m.group(0)) if m else 1
            last_end = i
        else:
            if c == "\n":
                line += 1
            i += 1
    if cur is not None:
        out.append((cur_line, cur))
    return out


def py_strings(text):
    """(line, text) of each Python string literal (docstrings too: help)."""
    out = []
    for m in re.finditer(r'("""|\'\'\'|"|\')((?:\\.|(?!\1).)*?)\1', text, re.S):
        if m.group(1) in ('"', "'") and "\n" in m.group(2):
            continue
        out.append((text.count("\n", 0, m.start()) + 1, m.group(2)))
    return out


def shell_text(text):
    """(line, text) of the script's lines that are not comments."""
    return [(k + 1, l) for k, l in enumerate(text.splitlines()) if not l.lstrip().startswith("#")]


def plain(text):
    return [(k + 1, l) for k, l in enumerate(text.splitlines())]


def user_facing(root):
    """(path, [(line, text)]) for everything the kit prints or writes."""
    skip_dirs = {".git", "cache", "results"}
    for dp, dn, fn in os.walk(root):
        dn[:] = sorted(d for d in dn if d not in skip_dirs and not d.startswith("build"))
        rel = os.path.relpath(dp, root)
        top = rel.split(os.sep)[0]
        for f in sorted(fn):
            path = os.path.join(dp, f)
            if top == "tests" and not f.endswith(".md"):
                continue    # the tests' own messages are for developers
            try:
                text = open(path, encoding="utf-8").read()
            except (UnicodeDecodeError, OSError):
                continue
            if f.endswith((".c", ".h", ".c.in", ".h.in")):
                yield path, c_strings(text)
            elif f.endswith(".py"):
                yield path, py_strings(text)
            elif f.endswith((".md", ".json", ".txt")):
                yield path, plain(text)
            elif rel == "." and f == "kit":
                yield path, shell_text(text)


def findings(root, files):
    bad = []
    for path, pieces in files:
        rel = os.path.relpath(path, root)
        for line, text in pieces:
            for what, rx in RULES:
                m = rx.search(text)
                if m:
                    bad.append(f"{rel}:{line}: {what}: ...{text[max(0, m.start() - 30):m.end() + 30]}...")
            for m in MD_PATH.finditer(text):
                doc = m.group(1)
                if "://" in text[max(0, m.start() - 60):m.start()]:
                    continue    # a web address
                here = os.path.normpath(os.path.join(os.path.dirname(path), doc))
                there = os.path.normpath(os.path.join(root, doc))
                if not (os.path.exists(here) or os.path.exists(there)) and "NN" not in doc \
                        and "*" not in doc and not doc.startswith(("NAME", "LESSON")):
                    bad.append(f"{rel}:{line}: a path to a document not in the repository: {doc}")
    return bad


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_words.py SOURCE_ROOT")
    root = os.path.abspath(sys.argv[1])
    sample = ('static const char *m = "see issue 3 and DESIGN section 5 (\u00a7 5)";\n'
              '/* issue 9 in a comment is not printed */\n'
              'puts("the seed" "\'s Python; docs/nowhere.md");\n'
              'puts("as in the seed lesson");\n')
    got = findings(root, [(os.path.join(root, "src", "made-up.c"), c_strings(sample))])
    kinds = {w for w, _ in RULES}
    ok(len(got) == 6 and all(any(k in g for g in got) for k in kinds) and
       any("nowhere.md" in g for g in got) and not any(":2:" in g for g in got),
       "the check finds each kind in a made-up source, and nothing in its comment", "\n".join(got))
    files = list(user_facing(root))
    ok(len(files) > 20, f"read {len(files)} files the kit prints from or writes")
    bad = findings(root, files)
    ok(not bad, "no issue numbers, DESIGN, section signs, missing documents, \"seed's\" or "
       "\"seed lesson\" in what the kit prints or writes", "\n".join(bad))
    print(f"1..{checks}")
    sys.exit(1 if failed else 0)
