"""HDF5 shards in robomimic layout, generated from the episode schema (core/schema).

Layout of one shard::

    /data                       attrs: total (frames), action (writer.action), env_args (JSON, robomimic:
                                       env_name "syngrasp", type, env_kwargs robot / cameras / control_freq),
                                       schema (JSON: every frame key's dtype, shape, unit, meaning, storage and
                                       every meta key's type, unit, meaning; core/schema ``hdf5_attrs``),
                                       run_config (JSON), schema_version, shard_index, episode_range [lo, hi)
    /data/demo_<episode_index>  attrs: num_samples, and every meta key the schema writes as an attribute
                                       (core/schema META, ``hdf5 == "attr"``), as its declared type
        <meta key>              every meta key the schema writes as a dataset (grasp_pose float64 (4, 4))
        actions                 the written ``action`` (``writer.action``, data.attrs["action"]):
                                float32 (T, 7) EE delta (default) or (T, n_arm+1) joint targets
        actions_<definition>    the other action definition (exporters/actions.py): actions_joint
                                (writer.action=ee_delta) or actions_ee_delta (writer.action=joint)
        obs/<key>               every other frame key, '.' kept in names, e.g. obs/observation.state;
                                keys of a storage kind other than ``column`` (images, depth, ids, point
                                clouds) are chunked one frame per chunk, depth and ids byte-shuffled
        cameras/<cam>/<entry>   each camera's calibration (core/schema CAMERA_KEYS): intrinsics (3, 3),
                                extrinsics (4, 4)

Every written episode has passed ``core.schema.check_episode`` (exporters/base.py). reader.py reads
the shards back.
"""

from __future__ import annotations

import json
from typing import Any

import h5py
import numpy as np

from ....core import schema
from ....core.layout import hdf5_name
from ....core.episode import Episode
from ...actions import hdf5_action_name, to_output
from ...base import ShardWriter

ACTION_ATTR = "action"  # not a schema key: data.attrs entry naming writer.action
_SHUFFLED = (schema.DEPTH_VIDEO, schema.PIXELS)  # byte shuffling: depth 30% and ids 25% smaller with gzip


def _write_meta(g: h5py.Group, meta: dict[str, Any]) -> None:
    """The declared meta keys the episode has, as demo attributes or datasets (core/schema META)."""
    for m in schema.META:
        if m.name not in meta:
            continue  # an optional key (older episodes, option-bound keys)
        if m.hdf5 == schema.HDF5_DATASET:
            g.create_dataset(m.name, data=np.asarray(meta[m.name]))
        else:
            g.attrs[m.name] = meta[m.name]


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
                g = data.create_group(f"demo_{ep.meta[schema.EPISODE_INDEX]}")
                T = ep.num_frames
                g.attrs["num_samples"] = T
                total += T
                _write_meta(g, ep.meta)
                frames = to_output(ep.frames, self.options.action)
                for key in sorted(k for k in frames if schema.is_action(k)):
                    g.create_dataset(hdf5_action_name(key), data=frames[key])
                obs = g.create_group("obs")
                for key, arr in frames.items():
                    if schema.is_action(key):
                        continue
                    storage = schema.storage_of(key)
                    if storage != schema.COLUMN:  # images, depth, ids, clouds: one frame per chunk
                        shuffle = bool(img_kw) and storage in _SHUFFLED  # point clouds grow when shuffled
                        obs.create_dataset(key, data=arr, chunks=(1, *arr.shape[1:]), shuffle=shuffle, **img_kw)
                    else:
                        obs.create_dataset(key, data=arr)
                cams = g.create_group("cameras")
                for cam, cal in ep.cameras.items():
                    c = cams.create_group(cam)
                    for ck in schema.CAMERA_KEYS:
                        c.create_dataset(ck.name, data=cal[ck.name])
            data.attrs["total"] = total
            data.attrs[ACTION_ATTR] = self.options.action
            if episodes:
                n_arm, cameras, opts = schema.infer_layout(episodes[0].frames)
                robot = ((attrs.get("run_config") or {}).get("rollout") or {}).get("robot") or ""
                fps = float(episodes[0].meta[schema.FPS])
                for k, v in schema.hdf5_attrs(robot, n_arm, cameras, opts, fps).items():
                    data.attrs[k] = v
            for k, v in attrs.items():
                data.attrs[k] = json.dumps(v) if isinstance(v, (dict, list)) else v
