"""HDF5 shards in robomimic layout.

Layout of one shard::

    /data                       attrs: total (frames), env_args (JSON, robomimic: env_name "syngrasp",
                                       type, env_kwargs robot / cameras / control_freq), schema (JSON:
                                       every frame key's dtype, shape, unit, meaning; core/schema.py),
                                       run_config (JSON), schema_version, shard_index, episode_range [lo, hi)
    /data/demo_<episode_index>  attrs: num_samples, instruction, success, failure_reason,
                                       seed, episode_index, grasp_width, version, fps,
                                       scene (SceneSpec JSON), phase_names, subtasks, language,
                                       task_aug and (with segmentation) segmentation_ids, JSON each;
                                       object_id, object_category, object_mass [kg],
                                       object_scale (3,), object_friction (3,)
        actions                 the written ``action`` (``writer.action``, data.attrs["action"]):
                                float32 (T, 7) EE delta (default) or (T, n_arm+1) joint targets
        actions_joint           float32 (T, n_arm+1) = "action.joint" (writer.action=ee_delta; n_arm from the robot spec)
        actions_ee_delta        float32 (T, 7)   = "action.ee_delta" (writer.action=joint)
        obs/<key>               every other per-frame key, '.' kept in names,
                                e.g. obs/observation.images.front uint8 (T, H, W, 3),
                                chunked one frame per chunk; likewise depth float32 (T, H, W) [m],
                                segmentation int32 (T, H, W), point_cloud float32 (T, N, 6)
        grasp_pose              float64 (4, 4)
        cameras/<cam>/intrinsics (3, 3), cameras/<cam>/extrinsics (4, 4)
"""

from __future__ import annotations

import json
from typing import Any

import h5py
import numpy as np

from ..core import layout
from ..core.episode import Episode
from ..core.errors import DatasetError
from ..core.schema import hdf5_attrs, infer_layout
from .actions import from_output, hdf5_action_name, to_output
from .base import ShardWriter
from .untrusted import open_shard

_SCALAR_META = ("instruction", "success", "failure_reason", "seed", "episode_index", "attempts", "grasp_width",
                "version", "schema_version", "fps", "scene", "max_penetration_m", "visibility_redraws")
# written when the episode has them (episodes of older versions lack the later ones): JSON strings, then
# the target's object_id, object_category (str), object_mass [kg] and object_scale, object_friction (3,) float64
_OPTIONAL_META = ("phase_names", "subtasks", "language", "segmentation_ids", "task_aug",
                  "object_id", "object_category", "object_mass", "object_scale", "object_friction")


def _attr_value(v: Any) -> Any:
    """An HDF5 attr as Python/numpy: one-element values as scalars, longer arrays (object_scale) as arrays."""
    return v.item() if hasattr(v, "item") and np.size(v) == 1 else v


def hdf5_name(shard_index: int) -> str:
    return layout.hdf5_name(shard_index)


class HDF5ShardWriter(ShardWriter):
    name = "hdf5"

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
                for k in _OPTIONAL_META:
                    if k in ep.meta:
                        g.attrs[k] = ep.meta[k]
                g.create_dataset("grasp_pose", data=np.asarray(ep.meta["grasp_pose"]))
                frames = to_output(ep.frames, self.options.action)
                for key in sorted(k for k in frames if k == "action" or k.startswith("action.")):
                    g.create_dataset(hdf5_action_name(key), data=frames[key])
                obs = g.create_group("obs")
                for key, arr in frames.items():
                    if key == "action" or key.startswith("action."):
                        continue
                    if arr.ndim == 4 or (arr.ndim == 3 and arr[0].size >= 1024):  # images, depth, ids, clouds
                        # byte shuffling: depth 30% and ids 25% smaller with gzip; point clouds grow, so not them
                        shuffle = bool(img_kw) and key.startswith(("observation.depth.", "observation.segmentation."))
                        obs.create_dataset(key, data=arr, chunks=(1, *arr.shape[1:]), shuffle=shuffle, **img_kw)
                    else:
                        obs.create_dataset(key, data=arr)
                cams = g.create_group("cameras")
                for cam, cal in ep.cameras.items():
                    c = cams.create_group(cam)
                    c.create_dataset("intrinsics", data=cal["intrinsics"])
                    c.create_dataset("extrinsics", data=cal["extrinsics"])
            data.attrs["total"] = total
            data.attrs["action"] = self.options.action
            if episodes:
                n_arm, cameras, opts = infer_layout(episodes[0].frames)
                robot = ((attrs.get("run_config") or {}).get("rollout") or {}).get("robot") or episodes[0].meta.get("robot", "")
                for k, v in hdf5_attrs(robot, n_arm, cameras, opts, float(episodes[0].meta["fps"])).items():
                    data.attrs[k] = v
            for k, v in attrs.items():
                data.attrs[k] = json.dumps(v) if isinstance(v, (dict, list)) else v


def read_episode(path: str, episode_index: int) -> Episode:
    """Read one episode back from a shard (the inverse of the writer): Episode keys whatever ``writer.action`` was.
    The shard is opened by ``untrusted.open_shard`` (no external storage, virtual datasets or external links)."""
    with open_shard(path) as f:
        g = f[f"data/demo_{episode_index}"]
        mode = str(f["data"].attrs.get("action", "ee_delta"))
        frames = {k: g["obs"][k][()] for k in g["obs"]}
        for name in g:
            if name == "actions" or name.startswith("actions_"):
                frames["action" if name == "actions" else "action." + name[len("actions_"):]] = g[name][()]
        frames = from_output(frames, mode)
        cams = {c: {k: g["cameras"][c][k][()] for k in ("intrinsics", "extrinsics")} for c in g["cameras"]}
        meta = {k: _attr_value(v) for k, v in g.attrs.items() if k != "num_samples"}
        meta["grasp_pose"] = g["grasp_pose"][()]
    return Episode(frames, cams, meta)


def read_episode_arrays(path: str, episode_index: int, keys: tuple[str, ...]) -> tuple[dict[str, np.ndarray], dict]:
    """Only the per-frame ``keys`` (episode schema names) and the scalar attrs of one episode: a cheap
    read that skips the images."""
    with open_shard(path) as f:
        mode = str(f["data"].attrs.get("action", "ee_delta"))
        g = f[f"data/demo_{episode_index}"]
        stored = {"action" if n == "actions" else "action." + n[len("actions_"):]: n
                  for n in g if n == "actions" or n.startswith("actions_")}
        # the writer's action definition decides which stored dataset holds which schema key
        names = from_output(stored, mode)
        arrays = {k: g[names[k]][()] if k in names else g["obs"][k][()] for k in keys}
        attrs = {k: _attr_value(v) for k, v in g.attrs.items()}
    return arrays, attrs


def shard_episode_indices(path: str) -> list[int]:
    """Episode indices of the ``demo_<i>`` groups of a shard (opened by ``untrusted.open_shard``)."""
    with open_shard(path) as f:
        try:
            return sorted(int(k.split("_", 1)[1]) for k in f["data"])
        except (KeyError, ValueError, IndexError) as e:
            raise DatasetError(f"{path}: no /data group of demo_<episode index> groups ({type(e).__name__}: {e}); "
                               "not a syngrasp shard") from e
