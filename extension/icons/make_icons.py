"""Draws the ReadNext icons (PNG, 16-128 px) without image libraries: an indigo rounded square with a white
open page and an amber "next" chevron. Run: python3 extension/icons/make_icons.py"""
import math
import struct
import zlib
from pathlib import Path

INDIGO = (67, 56, 202)
WHITE = (255, 255, 255)
AMBER = (251, 191, 36)
SAMPLES = 4  # supersampling per axis, for smooth edges


def inside_rounded_square(x, y, radius=0.22):
    dx = max(abs(x - 0.5) - (0.5 - radius), 0)
    dy = max(abs(y - 0.5) - (0.5 - radius), 0)
    return dx * dx + dy * dy <= radius * radius


def inside_page(x, y):
    # A page with a folded corner: a rectangle missing its top-right triangle.
    if not (0.24 <= x <= 0.62 and 0.2 <= y <= 0.8):
        return False
    return not (x - 0.5 > y - 0.2)


def inside_lines(x, y):
    return 0.3 <= x <= 0.52 and any(abs(y - row) <= 0.025 for row in (0.42, 0.53, 0.64))


def inside_chevron(x, y):
    # Two thick strokes meeting at (0.84, 0.5).
    for (x0, y0) in ((0.66, 0.3), (0.66, 0.7)):
        x1, y1 = 0.84, 0.5
        t = max(0, min(1, ((x - x0) * (x1 - x0) + (y - y0) * (y1 - y0)) / ((x1 - x0) ** 2 + (y1 - y0) ** 2)))
        if math.hypot(x - (x0 + t * (x1 - x0)), y - (y0 + t * (y1 - y0))) <= 0.065:
            return True
    return False


def colour_at(x, y):
    if not inside_rounded_square(x, y):
        return None
    if inside_chevron(x, y):
        return AMBER
    if inside_page(x, y):
        return INDIGO if inside_lines(x, y) else WHITE
    return INDIGO


def pixel(px, py, size):
    totals, hits = [0, 0, 0], 0
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            colour = colour_at((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size)
            if colour:
                hits += 1
                totals = [t + c for t, c in zip(totals, colour)]
    if not hits:
        return (0, 0, 0, 0)
    return (*(round(t / hits) for t in totals), round(255 * hits / SAMPLES ** 2))


def png(size):
    rows = b"".join(b"\0" + bytes(v for px in range(size) for v in pixel(px, py, size)) for py in range(size))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    here = Path(__file__).parent
    for size in (16, 32, 48, 128):
        (here / f"icon-{size}.png").write_bytes(png(size))
