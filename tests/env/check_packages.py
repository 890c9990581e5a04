#!/usr/bin/python3
"""check_packages.py - every program and Python module the kit runs comes from a
package the kit installs.

usage: check_packages.py SOURCE_ROOT

Reads the kit's package list (DEB_NEEDS in the ./kit script) and finds what the
kit, its programs, lessons and tests run:
  - programs: the first string of an argument vector in C (`{ "gnuplot", ...}`,
    posix_spawnp/execvp of a literal), of a Python subprocess list, a
    find_program() in meson.build, the first word of each command in the shell
    scripts and in the lessons' ```sh cells;
  - Python modules: what the Python files and lessons import.
Each one found on this Debian machine (in /usr/bin, /bin, /usr/sbin, /sbin, or in
/usr/bin/python3's modules) must belong to a package the list installs, to one
of those packages' dependencies, or to a bare Debian's essential or required
packages. Words that name no program here are not programs the kit runs.
It then checks itself: with gnuplot-nox left out of the list, it must name
gnuplot. TAP on stdout; exit 77 (skip) without dpkg and apt-cache.
"""
import os
import re
import shutil
import subprocess
import sys

STD_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
# folders ./kit adds to PATH for what it runs (llvm-14's tools, where the unversioned names are missing)
KIT_PATH_EXTRA = "/usr/lib/llvm-14/bin"
SHELL_WORDS = set("""if then else elif fi for while until do done case esac in function
select time coproc return exit local export readonly declare typeset unset shift set
trap eval exec source . : true false test [ [[ ]] echo printf read cd pwd wait kill
break continue command builtin type let shopt getopts umask ulimit hash jobs fg bg
alias unalias pushd popd dirs enable mapfile readarray compgen complete""".split())

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
    return cond


def kit_packages(root):
    """The package names of DEB_NEEDS in ./kit."""
    text = open(os.path.join(root, "kit"), encoding="utf-8").read()
    m = re.search(r"^DEB_NEEDS='\n(.*?)^'", text, re.M | re.S)
    if not m:
        return []
    return [p for line in m.group(1).splitlines() for p in line.split("|")[0].split()]


def closure(pkgs):
    """PKGS and everything they depend on (not recommends), plus essential and
    required packages (a bare debootstrap --variant=minbase has those)."""
    out = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                          "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"] + pkgs,
                         capture_output=True, text=True).stdout
    have = {line.strip() for line in out.splitlines() if line and not line[0].isspace()}
    for line in out.splitlines():   # "  Depends: foo" where foo is real, or a virtual's provider
        m = re.match(r"\s+\|?(?:Pre)?Depends: (\S+)", line)
        if m:
            have.add(m.group(1))
    base = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Essential} ${Priority}\\n"],
                          capture_output=True, text=True).stdout
    for line in base.splitlines():
        f = line.split()
        if len(f) == 3 and (f[1] == "yes" or f[2] == "required"):
            have.add(f[0])
    return {re.sub(r":\w+$", "", p) for p in have}


def owners(paths):
    """{path: the Debian package that installed it (also through symlinks and
    merged /usr)}, for the paths of PATHS dpkg knows. One dpkg-query call."""
    cands = {}
    for path in paths:
        for c in (path, os.path.realpath(path)):
            for v in (c, c[4:] if c.startswith("/usr/") else "/usr" + c):
                cands.setdefault(v, set()).add(path)
    out = subprocess.run(["dpkg-query", "-S"] + sorted(cands), capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        if line.startswith("diversion") or ": " not in line:
            continue
        pkg, path = line.split(": ", 1)
        for p in cands.get(path, ()):
            found.setdefault(p, re.sub(r":\w+$", "", pkg.split(",")[0].strip()))
    return found


def files(root, exts, dirs):
    for d in dirs:
        top = os.path.join(root, d)
        if os.path.isfile(top):
            yield top
            continue
        for dp, dn, fn in os.walk(top):
            dn[:] = [x for x in dn if not x.startswith((".", "build")) and x != "cache"]
            for f in fn:
                if f.endswith(exts):
                    yield os.path.join(dp, f)


def shell_commands(text):
    """First words of the commands in shell text (heredocs and comments cut)."""
    words = set()
    text = re.sub(r"<<-?\s*'?(\w+)'?\n.*?\n\s*\1\n", "\n", text, flags=re.S)
    for line in text.splitlines():
        # quoted text is words, except the commands of $(...) in double quotes
        line = re.sub(r"'[^']*'", "''", line)
        line = re.sub(r'"((?:[^"\\]|\\.)*)"',
                      lambda m: " ; ".join(re.findall(r"\$\([^)]*\)", m.group(1))) or '""', line)
        line = line.split(" #")[0]
        if line.lstrip().startswith("#"):
            continue
        for part in re.split(r"\$\(|`|\|\||&&|[;|({]|\bthen\b|\bdo\b|\belse\b|!\s", line):
            toks = part.split()
            while toks and (re.match(r"^[A-Za-z_]\w*(\[[^]]*\])?\+?=", toks[0]) or toks[0] in
                            ("env", "nice", "timeout", "exec", "command", "time", "sudo", "!")):
                if toks[0] == "timeout" and len(toks) > 1:
                    toks = toks[1:]
                    while toks and toks[0].startswith("-"):
                        toks = toks[1:]
                toks = toks[1:]
            if toks and re.fullmatch(r"[a-z][a-z0-9_.+-]*", toks[0]) and toks[0] not in SHELL_WORDS:
                words.add(toks[0])
    return words


def programs(root):
    """{program: first file that runs it}."""
    found = {}

    def add(word, where):
        if word.startswith("/proc/"):   # /proc/self/exe: the kit's own program
            return
        word = os.path.basename(word) if word.startswith("/usr/bin/") else word
        found.setdefault(word, os.path.relpath(where, root))
    code_dirs = ["src", "exercises", "solutions", "demos", "tests"]
    for f in files(root, (".c", ".h"), code_dirs):
        t = open(f, encoding="utf-8", errors="replace").read()
        for m in re.finditer(r"(\[\w+\]\s*=\s*)?\{\s*(?:\(char \*\)\s*)?\"(/usr/bin/[a-z0-9_.+-]+|[a-z][a-z0-9_.+-]*)\"\s*,", t):
            if not m.group(1):  # [K_INIT] = { "init", ...: a table of kernels, not argv
                add(m.group(2), f)
        for m in re.finditer(r"(?:exec[lv]p?e?|posix_spawnp?|have_program|in_path)\s*\([^\"]*?\"([a-z/][a-z0-9_./+-]*)\"", t):
            add(m.group(1), f)
        for m in re.finditer(r"#define\s+\w+\s+\"(/usr/bin/[a-z0-9_.+-]+)\"", t):
            add(m.group(1), f)
    for f in files(root, (".py",), code_dirs):
        t = open(f, encoding="utf-8", errors="replace").read()
        for m in re.finditer(r"\[\s*\"([a-z/][a-z0-9_./+-]*)\"\s*,", t):
            add(m.group(1), f)
    for f in files(root, ("meson.build",), ["."]):
        for m in re.finditer(r"find_program\('([^']+)'", open(f, encoding="utf-8").read()):
            add(m.group(1), f)
    # tests/fresh-debian.sh and .ci/run run on the host that builds the bare
    # Debian (they install debootstrap there); the kit runs inside it
    scripts = [f for f in files(root, (".sh",), code_dirs) if not f.endswith("fresh-debian.sh")]
    scripts.append(os.path.join(root, "kit"))
    for f in scripts:
        if os.path.isfile(f):
            for w in shell_commands(open(f, encoding="utf-8", errors="replace").read()):
                add(w, f)
    for f in files(root, (".md",), ["notebooks-md", "exercises"]):
        t = open(f, encoding="utf-8", errors="replace").read()
        for cell in re.findall(r"^```sh\n(.*?)^```", t, re.M | re.S):
            for w in shell_commands(cell):
                add(w, f)
    return found


def modules(root):
    """{top-level module: first file that imports it}, Python files and lessons."""
    found = {}
    local = {os.path.splitext(os.path.basename(f))[0] for f in files(root, (".py",), ["."])}
    for f in files(root, (".py", ".md"), ["exercises", "solutions", "demos", "tests", "notebooks-md"]):
        t = open(f, encoding="utf-8", errors="replace").read()
        if f.endswith(".md"):
            t = "\n".join(re.findall(r"^```python\n(.*?)^```", t, re.M | re.S))
        for m in re.finditer(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", t, re.M):
            if m.group(1) not in local and m.group(1) != "__future__":
                found.setdefault(m.group(1), os.path.relpath(f, root))
    return found


def module_files(names):
    """{module: its file under /usr/bin/python3, or None when it does not import}."""
    code = ("import importlib.util, sys\n"
            "for n in sys.argv[1:]:\n"
            "    try: s = importlib.util.find_spec(n)\n"
            "    except Exception: s = None\n"
            "    o = s and (s.origin if s.origin not in (None, 'built-in', 'frozen') else 'built-in')\n"
            "    print(n, o or '-')\n")
    out = subprocess.run(["/usr/bin/python3", "-c", code] + sorted(names),
                         capture_output=True, text=True).stdout
    return {l.split(" ", 1)[0]: (None if l.split(" ", 1)[1] == "-" else l.split(" ", 1)[1])
            for l in out.splitlines()}


def unprovided(progs, mods, mods_where, have):
    """Lines naming each program or module no package in HAVE provides."""
    paths, others = {}, {}
    for name in progs:
        path = shutil.which(name, path=STD_PATH) if "/" not in name else name
        if path and os.path.exists(path):   # else a word, or the kit's own program
            paths[name] = path
            # every other copy on the kit's PATH: any one from a listed package will do
            # (llvm-symbolizer: the "llvm" package's, or llvm-14's that ./kit adds)
            others[name] = [os.path.join(d, name) for d in (STD_PATH + ":" + KIT_PATH_EXTRA).split(":")
                            if "/" not in name and os.path.exists(os.path.join(d, name))]
    mod_paths = {n: o for n, o in mods.items() if o not in (None, "built-in")}
    own = owners(list(paths.values()) + sum(others.values(), []) + list(mod_paths.values()))
    bad = []
    for name, path in sorted(paths.items()):
        if own.get(path) not in have and not any(own.get(o) in have for o in others[name]):
            bad.append(f"{progs[name]} runs {name} ({path}, from package {own.get(path, 'none')}), "
                       "which no package in the kit's list installs")
    for name, origin in sorted(mods.items()):
        if origin is None:
            bad.append(f"{mods_where[name]} imports {name}, which /usr/bin/python3 cannot import")
        elif origin != "built-in" and own.get(origin) not in have:
            bad.append(f"{mods_where[name]} imports {name} ({origin}, from package "
                       f"{own.get(origin, 'none')}), which no package in the kit's list installs")
    return bad


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_packages.py SOURCE_ROOT")
    root = sys.argv[1]
    if not (shutil.which("dpkg-query") and shutil.which("apt-cache") and os.path.exists("/usr/bin/python3")):
        print("1..0 # SKIP needs Debian's dpkg-query, apt-cache and /usr/bin/python3")
        sys.exit(77)
    pkgs = kit_packages(root)
    ok(len(pkgs) > 10 and "gnuplot-nox" in pkgs, f"./kit's package list read ({len(pkgs)} packages)")
    progs = programs(root)
    ok({"gnuplot", "ninja", "meson", "git", "clang"} <= set(progs),
       f"programs the kit runs found in its sources ({len(progs)} names)",
       "missing from the scan: " + " ".join({"gnuplot", "ninja", "meson", "git", "clang"} - set(progs)))
    mods_where = modules(root)
    mods = module_files(mods_where)
    have = closure(pkgs)
    bad = unprovided(progs, mods, mods_where, have)
    ok(not bad, "every program and Python module the kit runs comes from a package the kit installs",
       "\n".join(bad))
    # the check can fail: without gnuplot-nox in the list, gnuplot is named
    less = closure([p for p in pkgs if p != "gnuplot-nox"])
    bad = unprovided(progs, mods, mods_where, less)
    ok(any(" runs gnuplot " in b for b in bad),
       "with gnuplot-nox left out of the list, the check names gnuplot", "\n".join(bad) or "(nothing named)")
    print(f"1..{checks}")
    sys.exit(1 if failed else 0)
