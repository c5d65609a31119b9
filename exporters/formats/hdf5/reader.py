"""Reads HDF5 shards (writer.py's layout) back: whole episodes, cheap array-only reads, and the format's
shard reader (``HDF5Reader``). Every shard is opened by ``untrusted.open_shard`` (no external storage,
virtual datasets or external links)."""

from __future__ import annotations

import os
from typing import Any

import h5py
import numpy as np

from ....core import layout, schema
from ....core.episode import Episode
from ....core.errors import DatasetError
from ...actions import from_output, hdf5_action_name
from ...untrusted import open_shard
from .writer import ACTION_ATTR, hdf5_name



def read_meta(g: h5py.Group, datasets: bool = True) -> dict[str, Any]:
    """The declared meta keys a demo group holds, as their declared types (core/schema ``coerce``)."""
    out = {}
    for m in schema.META:
        if m.hdf5 == schema.HDF5_DATASET:
            if datasets and m.name in g and isinstance(g[m.name], h5py.Dataset):
                out[m.name] = schema.coerce(m, g[m.name][()])
        elif m.name in g.attrs:
            out[m.name] = schema.coerce(m, g.attrs[m.name])
    return out


def stored_action_keys(g: h5py.Group) -> dict[str, str]:
    """Written action key -> the demo's dataset holding it (``actions`` -> action, ``actions_x`` -> action.x)."""
    names = {hdf5_action_name(k): k for k in (schema.ACTION, *(f"{schema.ACTION}.{d}" for d in schema.action_source()))}
    return {names[n]: n for n in g if n in names}


def action_mode(f: h5py.File) -> str:
    """The shard's ``writer.action`` (``data.attrs["action"]``; ee_delta for shards written before it)."""
    return str(f["data"].attrs.get(ACTION_ATTR, "ee_delta"))


def read_episode(path: str, episode_index: int) -> Episode:
    """Read one episode back from a shard (the inverse of the writer): the declared frame keys under their
    Episode names whatever ``writer.action`` was, the declared calibration and meta keys as their declared
    types. The shard is opened by ``untrusted.open_shard`` (no external storage, virtual datasets or
    external links)."""
    with open_shard(path) as f:
        g = f[f"data/demo_{episode_index}"]
        written = {k: g["obs"][k][()] for k in g["obs"] if schema.match(k) is not None}
        written.update({key: g[name][()] for key, name in stored_action_keys(g).items()})
        frames = from_output(written, action_mode(f))
        cams = {c: {ck.name: g["cameras"][c][ck.name][()] for ck in schema.CAMERA_KEYS} for c in g["cameras"]}
        meta = read_meta(g)
    return Episode(frames, cams, meta)


def read_episode_arrays(path: str, episode_index: int, keys: tuple[str, ...]) -> tuple[dict[str, np.ndarray], dict]:
    """Only the per-frame ``keys`` (Episode key names) and the attribute meta keys (core/schema META, as
    their declared types) of one episode, plus ``num_samples``: a cheap read that skips the images."""
    with open_shard(path) as f:
        g = f[f"data/demo_{episode_index}"]
        # the writer's action definition decides which stored dataset holds which Episode key
        names = from_output(stored_action_keys(g), action_mode(f))
        arrays = {k: g[names[k]][()] if k in names else g["obs"][k][()] for k in keys}
        attrs = read_meta(g, datasets=False)
        attrs["num_samples"] = int(g.attrs["num_samples"])
    return arrays, attrs


def shard_episode_indices(path: str) -> list[int]:
    """Episode indices of the ``demo_<i>`` groups of a shard (opened by ``untrusted.open_shard``)."""
    with open_shard(path) as f:
        try:
            return sorted(int(k.split("_", 1)[1]) for k in f["data"])
        except (KeyError, ValueError, IndexError) as e:
            raise DatasetError(f"{path}: no /data group of demo_<episode index> groups ({type(e).__name__}: {e}); "
                               "not a syngrasp shard") from e


class HDF5Reader:
    """Reads ``shard-XXXXXX.hdf5`` files (opened by ``untrusted.open_shard``: no external storage,
    virtual datasets or external links)."""

    def shard_indices(self, root: str) -> list[int]:
        """Shard indices of the HDF5 files in ``root``; every file is opened first, so a file that is not
        HDF5, is truncated or keeps data outside itself raises DatasetError before anything is read."""
        found = sorted((k, p) for p in layout.hdf5_shards(root)
                       if (k := layout.shard_index(p)) is not None and os.path.basename(p) == hdf5_name(k))
        for _, path in found:
            with open_shard(path):
                pass
        return [k for k, _ in found]

    def read_shard(self, root: str, shard_index: int) -> list[Episode]:
        path = os.path.join(root, hdf5_name(shard_index))
        return [read_episode(path, i) for i in shard_episode_indices(path)]
