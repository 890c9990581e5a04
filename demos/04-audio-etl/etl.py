#!/usr/bin/env python3
"""etl.py - the Python version of this lesson's ETL, timed for `etl --bench`.

USAGE
    /usr/bin/python3 etl.py serial DEST FILE...     one file after another
    /usr/bin/python3 etl.py pool P DEST FILE...     multiprocessing.Pool(P).map

For each FILE: read it with scipy.io.wavfile, add np.random.normal noise of
scale 0.1, np.clip to [-1, 1], write DEST/NAME-transformed.wav (the lesson
writes it beside its input; the benchmark gives a scratch folder). etl()
below is the lesson's function as written there, but for the output's folder.
Prints one line of JSON:
    {"mode": "pool", "workers": 2, "files": 24, "bytes": B, "seconds": S,
     "python": "3.11.2", "numpy": "1.24.2", "scipy": "1.10.1"}
S is the whole job as the lesson times it (from before the Pool starts to
after the last file), not the interpreter's start nor the imports. B counts
the inputs' bytes. Exit status: 0 ok, 1 a file failed, 2 bad arguments,
3 numpy or scipy is not installed (Debian: apt install python3-numpy
python3-scipy).
"""
import json
import os
import platform
import sys
import time
import warnings
from multiprocessing import Pool

DEST = "."


def etl(filename):
    import numpy as np
    import scipy.io.wavfile

    # extract
    start_t = time.perf_counter()
    samplerate, data = scipy.io.wavfile.read(filename)

    # do some transform
    eps = .1
    data += np.random.normal(scale=eps, size=len(data))
    data = np.clip(data, -1.0, 1.0)

    # load (store new form)
    new_filename = os.path.join(DEST, os.path.basename(filename).removesuffix(".wav")
                                + "-transformed.wav")
    scipy.io.wavfile.write(new_filename, samplerate, data)
    end_t = time.perf_counter()

    return filename, end_t - start_t


def set_dest(dest):
    global DEST
    DEST = dest


def main(argv):
    usage = "usage: etl.py serial DEST FILE... | etl.py pool P DEST FILE..."
    args = argv[1:]
    if len(args) >= 3 and args[0] == "serial":
        mode, workers, dest, files = "serial", 1, args[1], args[2:]
    elif len(args) >= 4 and args[0] == "pool" and args[1].isdigit() and int(args[1]) >= 1:
        mode, workers, dest, files = "pool", int(args[1]), args[2], args[3:]
    else:
        print(f"etl.py: error: {usage}", file=sys.stderr)
        return 2
    try:
        import numpy
        import scipy
        import scipy.io.wavfile  # noqa: F401
    except ImportError as e:
        print(f"etl.py: error: {e.name} is not installed for {sys.executable}; install it "
              "(Debian: apt install python3-numpy python3-scipy)", file=sys.stderr)
        return 3
    if not os.path.isdir(dest):
        print(f"etl.py: error: DEST '{dest}' is not a folder", file=sys.stderr)
        return 2
    set_dest(dest)
    # libsndfile's inputs carry a "fact" chunk that scipy skips, with a warning
    # per file; the workers inherit this filter when the Pool forks them.
    warnings.filterwarnings("ignore", category=scipy.io.wavfile.WavFileWarning)
    nbytes = sum(os.path.getsize(f) for f in files)
    start_t = time.perf_counter()
    try:
        if mode == "serial":
            results = list(map(etl, files))
        else:
            with Pool(processes=workers, initializer=set_dest, initargs=(dest,)) as pool:
                results = pool.map(etl, files)
    except Exception as e:  # one line, naming the cause, for the C side
        print(f"etl.py: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start_t
    print(json.dumps({"mode": mode, "workers": workers, "files": len(results),
                      "bytes": nbytes, "seconds": seconds,
                      "python": platform.python_version(), "numpy": numpy.__version__,
                      "scipy": scipy.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
