#!/usr/bin/python3
"""signature.py - the seed's process_image.py on PNG files, for exercise 03.

Prints one line per file, "NAME SIGNATURE", computed as the seed computes it:
m = numpy.median(img, axis=2); signature = int(numpy.mean(m @ m.T)), -1 for
an image without colour channels. PIL may be missing, so PNGs are decoded
here with zlib: 8-bit gray (type 0), RGB (2) or RGBA (6, alpha dropped, as
the C driver does), not interlaced; other files print "NAME error WHY".

usage: /usr/bin/python3 signature.py FILE...
exit: 0; 77 when numpy is missing (the test is skipped).
"""
import struct
import sys
import zlib

try:
    import numpy as np
except ImportError:
    print("numpy is missing: install python3-numpy", file=sys.stderr)
    sys.exit(77)


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        raise ValueError("empty file")
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, hdr = 8, [], None
    while True:
        if pos + 8 > len(data):
            raise ValueError("truncated")
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if len(body) < n:
            raise ValueError("truncated")
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or interlace or ctype not in (0, 2, 6):
        raise ValueError("unsupported PNG (depth %d, type %d)" % (depth, ctype))
    ch = {0: 1, 2: 3, 6: 4}[ctype]
    raw = zlib.decompress(b"".join(idat))
    stride = w * ch
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) & 255
        else:
            # Sub, Average, Paeth depend on the bytes to the left: per pixel
            cur = np.zeros(stride, dtype=np.int32)
            for x in range(stride):
                a = cur[x - ch] if x >= ch else 0
                b = prev[x]
                c = prev[x - ch] if x >= ch else 0
                if ftype == 1:
                    p = a
                elif ftype == 3:
                    p = (a + b) >> 1
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + p) & 255
        out[y] = cur
        prev = cur
    img = out.reshape(h, w, ch)
    if ch == 1:
        return img[:, :, 0]
    return img[:, :, :3]


def process_image(img):
    """The seed's computation."""
    if img.ndim < 3:
        return -1
    m = np.median(img, axis=2)
    return int(np.mean(m @ m.T))


for path in sys.argv[1:]:
    name = path.rsplit("/", 1)[-1]
    try:
        print(name, process_image(read_png(path)))
    except (ValueError, zlib.error) as e:
        print(name, "error", e)
