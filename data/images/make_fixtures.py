#!/usr/bin/python3
"""make_fixtures.py - writes the small image fixtures of exercise 03 into
data/images/broken/ (committed; run again only to change them).

  colour-a.png, colour-b.png  good 8-bit RGB images (64x48, 40x30)
  gray.png                    a good 8-bit gray image: signature -1
  truncated.png               a colour PNG cut off inside its image data
  not-a-png.png               a text file named .png
  empty.png                   an empty file
and, in broken/hostile/ (a folder of its own, so the lesson's six stay six):
  signature-only.png          the 8 bytes of the PNG signature, nothing more
  zero-width.png              IHDR says 0 pixels wide (libpng says why)
  bad-depth.png               IHDR says 7 bits per sample
  bad-crc.png                 a good image whose IDAT checksum is wrong
  bad-zlib.png                IDAT holds bytes that are not zlib data
  no-plte.png                 a palette image without its palette
  no-idat.png                 IHDR, then IEND: no image data
  huge-claim.png              claims 32768 x 32768 RGB (3 GiB) in a few bytes
  tall-thin.png               a good 1 x 32768 image: 1.7 KB, whose H x H
                              product would take 8 GiB in doubles

The folder, the named pipe and the file names with control characters that
the tests also use cannot live in git: the tests make them.

usage: /usr/bin/python3 data/images/make_fixtures.py
"""
import os
import struct
import zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "broken")
HOSTILE = os.path.join(HERE, "hostile")


def chunk(kind, body):
    c = struct.pack(">I", len(body)) + kind + body
    return c + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


SIG = b"\x89PNG\r\n\x1a\n"


def ihdr(w, h, depth=8, ctype=2):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))


def png(w, h, ctype, pixel):
    ch = 3 if ctype == 2 else 1
    raw = bytearray()
    for y in range(h):
        raw.append(0)  # filter: none
        for x in range(w):
            raw.extend(pixel(x, y)[:ch])
    return (SIG + ihdr(w, h, 8, ctype)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + chunk(b"IEND", b""))


def colour_a(x, y):
    return ((x * 4) % 256, (y * 5) % 256, (x * y) % 256)


def colour_b(x, y):
    return ((255 - x * 6) % 256, (x + y * 3) % 256, 128 if (x // 8 + y // 8) % 2 else 32)


def write(name, data, folder=HERE):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def hostile(name, data):
    write(name, data, HOSTILE)


os.makedirs(HOSTILE, exist_ok=True)
write("colour-a.png", png(64, 48, 2, colour_a))
write("colour-b.png", png(40, 30, 2, colour_b))
write("gray.png", png(48, 32, 0, lambda x, y: ((x * 5 + y) % 256,)))
whole = png(64, 48, 2, colour_b)
idat = whole.index(b"IDAT")
write("truncated.png", whole[:idat + 4 + 200])  # stops inside IDAT's data
write("not-a-png.png", b"This is a text file with a .png name, not an image.\n")
write("empty.png", b"")
hostile("signature-only.png", SIG)
hostile("zero-width.png", SIG + ihdr(0, 10) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b""))
hostile("bad-depth.png", SIG + ihdr(8, 8, 7, 2) + chunk(b"IDAT", zlib.compress(b"\0" * 200)) + chunk(b"IEND", b""))
good = png(32, 24, 2, colour_a)
at = good.index(b"IDAT")
n = struct.unpack(">I", good[at - 4:at])[0]
crc_at = at + 4 + n
hostile("bad-crc.png", good[:crc_at] + bytes(b ^ 0xFF for b in good[crc_at:crc_at + 4]) + good[crc_at + 4:])
hostile("bad-zlib.png", SIG + ihdr(16, 16) + chunk(b"IDAT", bytes(range(7, 250, 3))) + chunk(b"IEND", b""))
hostile("no-plte.png", SIG + ihdr(16, 16, 8, 3) + chunk(b"IDAT", zlib.compress(b"\0" * (17 * 16))) + chunk(b"IEND", b""))
hostile("no-idat.png", SIG + ihdr(16, 16) + chunk(b"IEND", b""))
hostile("huge-claim.png", SIG + ihdr(32768, 32768) + chunk(b"IDAT", zlib.compress(b"\0" * 4096, 9)) + chunk(b"IEND", b""))
hostile("tall-thin.png", png(1, 32768, 2, lambda x, y: ((y * 7) % 256, (y * 13) % 256, (y // 128) % 256)))
