#!/usr/bin/env python3
"""calc_pi.py - the Python lesson's calc_pi, timed for `pi --bench`.

USAGE
    /usr/bin/python3 calc_pi.py pure N     the Python lesson's pure-Python calc_pi
    /usr/bin/python3 calc_pi.py numpy N    the same with numpy (calc_pi_numpy)

Prints one line of JSON:
    {"kind": "pure", "n": N, "seconds": S, "pi": ESTIMATE, "python": "3.11.2", "numpy": "1.24.2"}
S times the call of calc_pi alone: not the interpreter's start, nor importing
numpy. Exit status: 0 ok, 2 bad arguments, 3 numpy is not installed
(Debian: apt install python3-numpy).

The functions are the lesson's, as written there: the C benchmark compares
against what a student of the Python lesson would have run.
"""
import json
import platform
import random
import sys
import time


def calc_pi(N):
    M = 0
    for i in range(N):
        # Simulate impact coordinates
        x = random.uniform(-1, 1)
        y = random.uniform(-1, 1)

        # True if impact happens inside the circle
        if x**2 + y**2 < 1.0:
            M += 1
    return 4 * M / N


def calc_pi_numpy(N):
    import numpy as np
    # Simulate impact coordinates
    pts = np.random.uniform(-1, 1, (2, N))
    # Count number of impacts inside the circle
    M = np.count_nonzero((pts**2).sum(axis=0) < 1)
    return 4 * M / N


def main(argv):
    usage = "usage: calc_pi.py pure|numpy N   (N a whole number from 1, e.g. 2000000 or 2e6)"
    if len(argv) != 3 or argv[1] not in ("pure", "numpy"):
        print(f"calc_pi.py: error: {usage}", file=sys.stderr)
        return 2
    try:
        n = float(argv[2])
        if not n.is_integer() or n < 1:
            raise ValueError
        n = int(n)
    except ValueError:
        print(f"calc_pi.py: error: N must be a whole number from 1, not '{argv[2]}'; {usage}",
              file=sys.stderr)
        return 2

    out = {"kind": argv[1], "n": n, "python": platform.python_version()}
    if argv[1] == "numpy":
        try:
            import numpy
        except ImportError:
            print(f"calc_pi.py: error: numpy is not installed for {sys.executable}; "
                  "install it (Debian: apt install python3-numpy)", file=sys.stderr)
            return 3
        out["numpy"] = numpy.__version__
        fn = calc_pi_numpy
    else:
        fn = calc_pi

    t0 = time.perf_counter()
    est = fn(n)
    out["seconds"] = time.perf_counter() - t0
    out["pi"] = est
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
