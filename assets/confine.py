"""What a build may read: files inside the collection, regular, within per-file limits.

``ReadLimits`` holds the per-file limits (bytes, triangles, texture pixels) and
the collection root. ``read_guard(limits)`` makes them the rules of every file
read in this process until it exits: the readers (``readers.py``) and the
planner (``collection.py``) call ``refusal(path)`` before they open a file and
``check_triangles`` after they parse one; trimesh reads an OBJ's MTL and its
images through ``ConfinedResolver``; Pillow refuses images over the pixel limit
while reading their header (``Image.MAX_IMAGE_PIXELS`` with its warning raised).

A path is inside the root when its ``os.path.realpath`` is: ``../`` chains,
absolute paths, ``meshdir="/"``, ``file://`` and ``package://`` references and
symlinks that point out of the collection are all refused with the reason.
Only regular files are opened (``os.stat`` + ``S_ISREG`` first): a FIFO is
never opened, not even to probe it, and a link to ``/dev/zero`` is refused.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import stat
import warnings

from trimesh.resolvers import FilePathResolver

from ..core.errors import AssetError

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tga", ".tif", ".tiff", ".gif", ".webp")


@dataclasses.dataclass(frozen=True)
class ReadLimits:
    """Rules for every file a build reads.

    root: the collection folder; files whose real path is outside it are refused. Empty: no root
        (robot import and tests that read single files).
    allow_outside_root: read files outside ``root`` too (``assets build --allow-outside-root``).
    max_bytes: largest file read [bytes].
    max_triangles: most triangles in one mesh file (checked from a binary STL's or a ``.msh``'s
        header before reading, after parsing for other formats).
    max_texture_pixels: most pixels (width x height) in one texture image, checked from the
        image header before it is decoded.
    """

    root: str = ""
    allow_outside_root: bool = False
    max_bytes: int = 256 * 1024**2
    max_triangles: int = 2_000_000
    max_texture_pixels: int = 8192 * 8192

    def __post_init__(self):
        for key in ("max_bytes", "max_triangles", "max_texture_pixels"):
            if int(getattr(self, key)) <= 0:
                raise AssetError(f"read limit {key}={getattr(self, key)} must be positive; pass a larger value")


_CURRENT: contextvars.ContextVar[ReadLimits] = contextvars.ContextVar("read_limits", default=ReadLimits())


def current() -> ReadLimits:
    """The limits of the innermost ``read_guard`` (defaults without a root outside one)."""
    return _CURRENT.get()


@contextlib.contextmanager
def read_guard(limits: ReadLimits):
    """Apply ``limits`` to every file read inside the block (this thread or process)."""
    from PIL import Image

    token = _CURRENT.set(limits)
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limits.max_texture_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield limits
    finally:
        Image.MAX_IMAGE_PIXELS = old
        _CURRENT.reset(token)


def _inside(path: str, root: str) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def refusal(path: str, limits: ReadLimits | None = None) -> str:
    """Why ``path`` may not be read ("" when it may): outside the root, not a regular file, too large,
    or (images) too many pixels by its header. Never opens anything but a regular file's header."""
    lim = limits or current()
    if lim.root and not lim.allow_outside_root and not _inside(path, lim.root):
        real = os.path.realpath(path)
        how = "a symlink to " if os.path.islink(path) else ""
        return (f"outside the collection: {how}{real} is not under {os.path.realpath(lim.root)} "
                f"(pass --allow-outside-root to read it)")
    try:
        st = os.stat(path)
    except OSError as e:
        return f"cannot be read ({e.strerror or type(e).__name__})"
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "a folder" if stat.S_ISDIR(st.st_mode) else "not a file")
        return f"not a regular file ({kind}): never opened"
    if st.st_size > lim.max_bytes:
        return f"too large: {st.st_size} bytes > {lim.max_bytes} (raise --max-file-bytes)"
    if os.path.splitext(path)[1].lower() in IMAGE_EXTS:
        return image_refusal(path, lim)
    return ""


def image_refusal(path: str, limits: ReadLimits | None = None) -> str:
    """Why the image at ``path`` may not be decoded ("" when it may): its header's width x height over
    the pixel limit. Reads the header only (Pillow opens lazily)."""
    from PIL import Image

    lim = limits or current()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            old, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # the check is ours, on the header
            try:
                with Image.open(path) as im:
                    w, h = im.size
            finally:
                Image.MAX_IMAGE_PIXELS = old
    except Exception as e:  # noqa: BLE001 - an unreadable image is refused with the reason
        return f"not a readable image ({type(e).__name__})"
    if w * h > lim.max_texture_pixels:
        return f"texture too large: {w}x{h} = {w * h} pixels > {lim.max_texture_pixels} (raise --max-texture-pixels)"
    return ""


def check_read(path: str) -> None:
    """Raise AssetError naming ``path`` and the reason when it may not be read."""
    why = refusal(path)
    if why:
        raise AssetError(f"{path}: {why}")


def check_triangles(path: str, count: int) -> None:
    """Raise AssetError when a mesh file holds more triangles than the limit."""
    lim = current()
    if count > lim.max_triangles:
        raise AssetError(f"{path}: {count} triangles > {lim.max_triangles} (raise --max-triangles)")


def stl_triangles(path: str) -> int | None:
    """Triangle count a binary STL's header claims (None for ASCII STL or a short file)."""
    with open(path, "rb") as f:
        head = f.read(84)
    if len(head) < 84 or head[:5].lower() == b"solid" and b"\0" not in head[:80]:
        return None
    return int.from_bytes(head[80:84], "little")


class ConfinedResolver(FilePathResolver):
    """trimesh's file resolver for an OBJ's MTL and images (or a glTF's buffers), under the current
    limits: names resolve beside the mesh as trimesh does, the result must pass ``refusal``."""

    def get(self, name: str):
        name = name.strip()
        for candidate in (name, name.lstrip("/"), os.path.basename(name)):
            path = os.path.join(self.parent, candidate)
            if os.path.lexists(path):
                check_read(path)
                with open(path, "rb") as f:
                    return f.read()
        raise FileNotFoundError(name)
