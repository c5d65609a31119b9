"""Radiance RGBE (``.hdr``) reading in numpy, for the user's own environment maps.

Reads the format as the Radiance ``ra_*`` tools and most HDR editors write it:
a ``#?RADIANCE`` (or ``#?RGBE``) header with ``FORMAT=32-bit_rle_rgbe``,
optional ``EXPOSURE=`` lines, a blank line, a resolution line ``-Y H +X W``
(or ``+Y H +X W``, stored bottom-up), then H scanlines, each either flat
(W x 4 bytes) or new-style run-length encoded (``2 2 hi lo`` then each of the
4 channels as runs: a count byte > 128 repeats the next byte count-128 times,
otherwise count literal bytes follow). Old-style RLE (``1 1 1 n`` repeat
markers) is decoded too. Errors are :class:`AssetError` naming the file.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import AssetError


def _fail(path: str, why: str) -> AssetError:
    return AssetError(f"{path}: {why}; re-save it as a Radiance .hdr (RGBE) file, e.g. with Blender or GIMP")


def _header(data: bytes, path: str) -> tuple[int, int, bool, float, int]:
    """(height, width, bottom_up, exposure, offset of the first scanline)."""
    if not (data.startswith(b"#?RADIANCE") or data.startswith(b"#?RGBE")):
        raise _fail(path, "not a Radiance HDR file (no '#?RADIANCE' signature)")
    end = data.find(b"\n\n")
    if end < 0:
        raise _fail(path, "header has no blank line before the resolution line")
    exposure = 1.0
    for line in data[:end].split(b"\n")[1:]:
        if line.startswith(b"FORMAT=") and line.strip() != b"FORMAT=32-bit_rle_rgbe":
            raise _fail(path, f"unsupported pixel format {line.decode(errors='replace')} (only 32-bit_rle_rgbe)")
        if line.startswith(b"EXPOSURE="):
            exposure *= float(line[9:])
    eol = data.find(b"\n", end + 2)
    res = data[end + 2:eol].split()
    if len(res) != 4 or res[0] not in (b"-Y", b"+Y") or res[2] != b"+X":
        raise _fail(path, f"unsupported resolution line {data[end + 2:eol]!r} (expected '-Y H +X W')")
    h, w = int(res[1]), int(res[3])
    if h <= 0 or w <= 0:
        raise _fail(path, f"image size {w} x {h} is empty")
    return h, w, res[0] == b"+Y", exposure, eol + 1


def _scanline(data: memoryview, pos: int, w: int, path: str) -> tuple[np.ndarray, int]:
    """One scanline (w, 4) uint8 starting at ``pos``; returns it and the next position."""
    if 8 <= w < 32768 and len(data) >= pos + 4 and data[pos] == 2 and data[pos + 1] == 2 and data[pos + 2] < 128:
        if (data[pos + 2] << 8 | data[pos + 3]) != w:
            raise _fail(path, "run-length scanline width does not match the header")
        pos += 4
        out = np.empty((4, w), np.uint8)
        for c in range(4):
            x = 0
            row = out[c]
            while x < w:
                if pos >= len(data):
                    raise _fail(path, "file ends inside a scanline (truncated)")
                n = data[pos]
                if n > 128:
                    n -= 128
                    if x + n > w:
                        raise _fail(path, "run overruns the scanline (corrupt)")
                    row[x:x + n] = data[pos + 1]
                    pos += 2
                else:
                    if n == 0 or x + n > w or pos + 1 + n > len(data):
                        raise _fail(path, "bad literal run (corrupt or truncated)")
                    row[x:x + n] = np.frombuffer(data[pos + 1:pos + 1 + n], np.uint8)
                    pos += 1 + n
                x += n
        return out.T, pos
    out = np.empty((w, 4), np.uint8)  # flat pixels, possibly with old-style "1 1 1 n" repeats
    x, shift = 0, 0
    while x < w:
        if pos + 4 > len(data):
            raise _fail(path, "file ends inside a scanline (truncated)")
        px = data[pos:pos + 4]
        pos += 4
        if px[0] == 1 and px[1] == 1 and px[2] == 1 and x > 0:
            n = px[3] << shift
            if x + n > w:
                raise _fail(path, "old-style run overruns the scanline (corrupt)")
            out[x:x + n] = out[x - 1]
            x += n
            shift += 8
        else:
            out[x] = np.frombuffer(px, np.uint8)
            x += 1
            shift = 0
    return out, pos


def rgbe_to_float(rgbe: np.ndarray) -> np.ndarray:
    """(..., 4) uint8 RGBE -> (..., 3) float32: (mantissa + 0.5) / 256 * 2**(e - 128); e = 0 is black."""
    e = rgbe[..., 3].astype(np.int32)
    scale = np.where(e > 0, np.ldexp(np.float32(1.0), e - 136), 0.0).astype(np.float32)
    return (rgbe[..., :3].astype(np.float32) + 0.5) * scale[..., None]


def read_hdr(path: str) -> np.ndarray:
    """(H, W, 3) float32 linear radiance of a Radiance .hdr file, row 0 = top of the image."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise AssetError(f"{path}: cannot read the environment map ({e.strerror})") from e
    h, w, bottom_up, exposure, pos = _header(data, path)
    mv = memoryview(data)
    rgbe = np.empty((h, w, 4), np.uint8)
    for y in range(h):
        rgbe[y], pos = _scanline(mv, pos, w, path)
    img = rgbe_to_float(rgbe) / np.float32(exposure)
    return img[::-1].copy() if bottom_up else img
