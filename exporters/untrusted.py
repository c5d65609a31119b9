"""Opening the files of a dataset someone else made (``convert``, ``crosscheck``, ``report``, ``stats``,
``validate``, ``export-usd``).

``open_shard(path)`` opens an HDF5 shard for reading only after checking it: a regular file (a FIFO
is never opened), a readable HDF5 file (a truncated one raises DatasetError naming it), and no
dataset whose bytes live elsewhere: external storage (``dset.external``: raw data in another file,
which h5py reads relative to the working folder), virtual datasets (``dset.is_virtual``: mapped
from other files) and external links (``h5py.ExternalLink``: an object in another file) are refused,
as are soft links that lead nowhere. A syngrasp shard has none of these. A file is checked once
per (path, inode, size, mtime) in a process.

``read_json(path)`` reads a small JSON file (``meta/info.json``, a shard record) the same way:
regular file, size limit, and a DatasetError naming the file when it does not parse.
``inside(root, rel)`` is the path of ``rel`` under ``root`` when its real path stays inside.
"""

from __future__ import annotations

import json
import os
import stat

import h5py

from ..core.errors import DatasetError

MAX_JSON_BYTES = 64 * 1024**2
_CHECKED: set[tuple] = set()


def regular_file(path: str) -> os.stat_result:
    """``os.stat(path)`` of a regular file; DatasetError naming it otherwise (FIFO, device, socket, folder)."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise DatasetError(f"{path}: cannot be read ({e.strerror or type(e).__name__})") from e
    if not stat.S_ISREG(st.st_mode):
        raise DatasetError(f"{path}: not a regular file (a FIFO, device, socket or folder); refused, not opened")
    return st


def _walk(group: h5py.Group, path: str, seen: set) -> None:
    """Refuse links and datasets of ``group`` (recursively) that reach outside the file."""
    for name in group:
        link = group.get(name, getlink=True)
        where = f"{group.name.rstrip('/')}/{name}"
        if isinstance(link, h5py.ExternalLink):
            raise DatasetError(f"{path}: {where} is an external link to {link.filename}:{link.path}; refused "
                               "(a syngrasp shard holds its data itself): rewrite the shard without external links")
        if isinstance(link, h5py.SoftLink):
            if group.get(name) is None:
                raise DatasetError(f"{path}: {where} is a soft link to {link.path}, which is not in the file; refused")
            continue  # its target is checked where it is hard-linked
        obj = group.get(name)
        addr = h5py.h5o.get_info(obj.id).addr  # one object hard-linked twice (or in a cycle) is walked once
        if addr in seen:
            continue
        seen.add(addr)
        if isinstance(obj, h5py.Dataset):
            if obj.external:
                files = sorted({str(e[0]) for e in obj.external})
                raise DatasetError(f"{path}: dataset {where} keeps its data in external file(s) {files}; refused "
                                   "(a syngrasp shard holds its data itself): rewrite the shard with the data inside")
            if obj.is_virtual:
                files = sorted({m.file_name for m in obj.virtual_sources()})
                raise DatasetError(f"{path}: dataset {where} is a virtual dataset mapped from {files}; refused "
                                   "(a syngrasp shard holds its data itself): rewrite the shard with the data inside")
        elif isinstance(obj, h5py.Group):
            _walk(obj, path, seen)


def open_shard(path: str) -> h5py.File:
    """``h5py.File(path, "r")`` after the checks above; raises DatasetError naming the file and the reason.
    Use as a context manager, like h5py.File."""
    st = regular_file(path)
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise DatasetError(f"{path}: not a readable HDF5 file ({e}); it may be truncated: regenerate or re-download it") from e
    key = (os.path.realpath(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _CHECKED:
        try:
            _walk(f, path, set())
        except DatasetError:
            f.close()
            raise
        except (OSError, KeyError, RuntimeError) as e:
            f.close()
            raise DatasetError(f"{path}: unreadable HDF5 structure ({type(e).__name__}: {e}); regenerate or re-download it") from e
        _CHECKED.add(key)
    return f


def read_json(path: str, max_bytes: int = MAX_JSON_BYTES):
    """The parsed JSON of a regular file of at most ``max_bytes``; DatasetError naming it otherwise."""
    st = regular_file(path)
    if st.st_size > max_bytes:
        raise DatasetError(f"{path}: {st.st_size} bytes, more than the {max_bytes} a metadata file may have; refused")
    try:
        with open(path, "rb") as f:
            return json.loads(f.read())
    except (ValueError, OSError) as e:
        raise DatasetError(f"{path}: not valid JSON ({type(e).__name__}: {e}); regenerate it (syngrasp finalize for meta/)") from e


def inside(root: str, rel: str) -> str:
    """``root/rel`` when its real path is inside ``root``; DatasetError otherwise (``../``, absolute
    paths and symlinks out of the dataset, e.g. a crafted ``data_path`` in meta/info.json)."""
    path = os.path.join(root, rel)
    real, top = os.path.realpath(path), os.path.realpath(root)
    if not real.startswith(top.rstrip(os.sep) + os.sep):
        raise DatasetError(f"{path}: outside the dataset {root} (resolves to {real}); refused")
    return path


def number(value, path: str, key: str, kind=int):
    """``kind(value)`` for a metadata number; DatasetError naming the file and key when it is not one
    (a string such as ``"<script>"`` or a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
        raise DatasetError(f"{path}: {key} is {str(value)[:60]!r}, not {'an integer' if kind is int else 'a number'}; "
                           "the file is malformed: regenerate it (syngrasp finalize for meta/info.json)")
    return kind(value)
