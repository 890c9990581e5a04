#!/usr/bin/python3
"""make_fixtures.py - writes the small image fixtures of exercise 03 into
data/images/broken/ (committed; run again only to change them).

  colour-a.png, colour-b.png  good 8-bit RGB images (64x48, 40x30)
  gray.png                    a good 8-bit gray image: signature -1
  truncated.png               a colour PNG cut off inside its image data
  not-a-png.png               a text file named .png
  empty.png                   an empty file

usage: /usr/bin/python3 data/images/make_fixtures.py
"""
import os
import struct
import zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "broken")


def chunk(kind, body):
    c = struct.pack(">I", len(body)) + kind + body
    return c + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png(w, h, ctype, pixel):
    ch = 3 if ctype == 2 else 1
    raw = bytearray()
    for y in range(h):
        raw.append(0)  # filter: none
        for x in range(w):
            raw.extend(pixel(x, y)[:ch])
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + chunk(b"IEND", b""))


def colour_a(x, y):
    return ((x * 4) % 256, (y * 5) % 256, (x * y) % 256)


def colour_b(x, y):
    return ((255 - x * 6) % 256, (x + y * 3) % 256, 128 if (x // 8 + y // 8) % 2 else 32)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


os.makedirs(HERE, exist_ok=True)
write("colour-a.png", png(64, 48, 2, colour_a))
write("colour-b.png", png(40, 30, 2, colour_b))
write("gray.png", png(48, 32, 0, lambda x, y: ((x * 5 + y) % 256,)))
whole = png(64, 48, 2, colour_b)
idat = whole.index(b"IDAT")
write("truncated.png", whole[:idat + 4 + 200])  # stops inside IDAT's data
write("not-a-png.png", b"This is a text file with a .png name, not an image.\n")
write("empty.png", b"")
