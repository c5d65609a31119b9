"""HDF5 shards in robomimic layout.

Layout of one shard::

    /data                       attrs: total (frames), env_args (JSON), run_config (JSON),
                                       schema_version, shard_index, episode_range [lo, hi)
    /data/demo_<episode_index>  attrs: num_samples, instruction, success, failure_reason,
                                       seed, episode_index, grasp_width, version, fps,
                                       scene (SceneSpec JSON)
        actions                 float32 (T, 7)   = episode key "action"
        actions_joint           float32 (T, 8)   = "action.joint"
        obs/<key>               every other per-frame key, '.' kept in names,
                                e.g. obs/observation.images.front uint8 (T, H, W, 3),
                                chunked one frame per chunk
        grasp_pose              float64 (4, 4)
        cameras/<cam>/intrinsics (3, 3), cameras/<cam>/extrinsics (4, 4)
"""

from __future__ import annotations

import json
from typing import Any

import h5py
import numpy as np

from ..core.episode import Episode
from .base import ShardWriter, register_writer

_SCALAR_META = ("instruction", "success", "failure_reason", "seed", "episode_index", "attempts", "grasp_width",
                "version", "schema_version", "fps", "scene", "max_penetration_m", "visibility_redraws")


def hdf5_name(shard_index: int) -> str:
    return f"shard-{shard_index:06d}.hdf5"


@register_writer("hdf5")
class HDF5ShardWriter(ShardWriter):
    def outputs(self, shard_index: int, episodes: list[Episode]) -> list[str]:
        return [hdf5_name(shard_index)]

    def write_shard(self, paths: dict[str, str], episodes: list[Episode], attrs: dict[str, Any]) -> None:
        (path,) = paths.values()
        comp = self.options.image_compression
        img_kw: dict[str, Any] = {}
        if comp == "gzip":
            img_kw = {"compression": "gzip", "compression_opts": self.options.gzip_level}
        elif comp == "lzf":
            img_kw = {"compression": "lzf"}
        with h5py.File(path, "w") as f:
            data = f.create_group("data")
            total = 0
            for ep in episodes:
                g = data.create_group(f"demo_{ep.meta['episode_index']}")
                T = ep.num_frames
                g.attrs["num_samples"] = T
                total += T
                for k in _SCALAR_META:
                    g.attrs[k] = ep.meta[k]
                g.create_dataset("grasp_pose", data=np.asarray(ep.meta["grasp_pose"]))
                g.create_dataset("actions", data=ep.frames["action"])
                g.create_dataset("actions_joint", data=ep.frames["action.joint"])
                obs = g.create_group("obs")
                for key, arr in ep.frames.items():
                    if key in ("action", "action.joint"):
                        continue
                    if arr.ndim == 4:
                        obs.create_dataset(key, data=arr, chunks=(1, *arr.shape[1:]), **img_kw)
                    else:
                        obs.create_dataset(key, data=arr)
                cams = g.create_group("cameras")
                for cam, cal in ep.cameras.items():
                    c = cams.create_group(cam)
                    c.create_dataset("intrinsics", data=cal["intrinsics"])
                    c.create_dataset("extrinsics", data=cal["extrinsics"])
            data.attrs["total"] = total
            for k, v in attrs.items():
                data.attrs[k] = json.dumps(v) if isinstance(v, (dict, list)) else v


def read_episode(path: str, episode_index: int) -> Episode:
    """Read one episode back from a shard (the inverse of the writer)."""
    with h5py.File(path, "r") as f:
        g = f[f"data/demo_{episode_index}"]
        frames = {k: g["obs"][k][()] for k in g["obs"]}
        frames["action"] = g["actions"][()]
        frames["action.joint"] = g["actions_joint"][()]
        cams = {c: {k: g["cameras"][c][k][()] for k in ("intrinsics", "extrinsics")} for c in g["cameras"]}
        meta = {k: (v.item() if hasattr(v, "item") else v) for k, v in g.attrs.items() if k != "num_samples"}
        meta["grasp_pose"] = g["grasp_pose"][()]
    return Episode(frames, cams, meta)


def read_episode_arrays(path: str, episode_index: int, keys: tuple[str, ...]) -> tuple[dict[str, np.ndarray], dict]:
    """Only the per-frame ``keys`` (episode schema names) and the scalar attrs of one episode: a cheap
    read that skips the images."""
    renamed = {"action": "actions", "action.joint": "actions_joint"}
    with h5py.File(path, "r") as f:
        g = f[f"data/demo_{episode_index}"]
        arrays = {k: g[renamed[k]][()] if k in renamed else g["obs"][k][()] for k in keys}
        attrs = {k: (v.item() if hasattr(v, "item") else v) for k, v in g.attrs.items()}
    return arrays, attrs


def shard_episode_indices(path: str) -> list[int]:
    with h5py.File(path, "r") as f:
        return sorted(int(k.split("_", 1)[1]) for k in f["data"])
