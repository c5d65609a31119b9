"""What ``syngrasp report`` shows, gathered from a finished dataset folder (HDF5 shards and/or LeRobot).

Sources: the stored SceneSpecs (one per written episode), the per-episode
attributes, the shard completion records (attempts, failures per reason and per
target category, seconds, file mtimes) and the files' sizes. Nothing is
simulated again.
"""

from __future__ import annotations

import collections
import dataclasses
import glob
import json
import os

import numpy as np
import pyarrow.parquet as pq
import yaml

from ..core import layout, schema
from ..core.dataconf import from_dict
from ..core.errors import ConfigError, DatasetError
from ..exporters.formats.hdf5.reader import read_meta
from ..exporters.report import dataset_stats
from ..exporters.side import read_side_table, side_column
from ..exporters.untrusted import inside, number, open_shard, read_json, regular_file
from ..randomization.config import SceneConfig
from ..randomization.lighting import kelvin_to_rgb

SUCCESS_LABEL = "success"  # not a schema key: the outcome label beside the failure reasons
LEROBOT_EPISODE_INDEX = "episode_index"  # not a schema key: LeRobot's dense episode numbering
_KELVIN_GRID = np.arange(1000.0, 15001.0, 10.0)
_KELVIN_RGB = np.array([kelvin_to_rgb(k) for k in _KELVIN_GRID])


def light_temperature(diffuse) -> float:
    """Colour temperature [K] (1000-15000, 10 K steps) whose normalised black-body colour is closest to ``diffuse``."""
    rgb = np.asarray(diffuse, float)
    rgb = rgb / max(rgb.max(), 1e-9)
    return float(_KELVIN_GRID[np.argmin(((_KELVIN_RGB - rgb) ** 2).sum(1))])


@dataclasses.dataclass
class EpisodeInfo:
    """One written episode: where it lives and what it was."""

    index: int  # generation episode index
    source: str  # "hdf5" path, or "lerobot"
    shard: int
    success: bool
    failure_reason: str
    instruction: str
    length: int
    grasp_width: float
    scene: dict
    lerobot_row: int = -1  # dense LeRobot episode_index


@dataclasses.dataclass
class ReportData:
    root: str
    episodes: list[EpisodeInfo]
    records: list[dict]
    record_mtimes: list[float]
    stats: dict
    scene_cfg: SceneConfig
    cameras: tuple[str, ...]


def _scene_config(root: str) -> SceneConfig:
    path = os.path.join(root, layout.CONFIG)
    if os.path.isfile(path):
        with open(path) as f:
            tree = yaml.safe_load(f) or {}
        if "scene" in tree:  # not a schema key: the run config's scene section
            return from_dict(SceneConfig, tree["scene"])  # not a schema key: config section
    return SceneConfig()


def _hdf5_episodes(root: str) -> list[EpisodeInfo]:
    out = []
    for path in layout.hdf5_shards(root):
        shard = layout.shard_index(path)
        with open_shard(path) as f:
            try:
                for name, g in f["data"].items():
                    a = read_meta(g, datasets=False)
                    out.append(EpisodeInfo(a[schema.EPISODE_INDEX], path, shard, a[schema.SUCCESS],
                                           a[schema.FAILURE_REASON], a[schema.INSTRUCTION], int(g.attrs["num_samples"]),
                                           a[schema.GRASP_WIDTH], _scene(a[schema.SCENE], path)))
            except (KeyError, ValueError, TypeError) as e:
                raise DatasetError(f"{path}: not a syngrasp shard or damaged ({type(e).__name__}: {e}); regenerate it") from e
    return sorted(out, key=lambda e: e.index)


def _scene(text, where: str) -> dict:
    """A stored SceneSpec (JSON) as a dict with the keys the report reads; DatasetError naming ``where``."""
    try:
        s = json.loads(text)
        for key in ("objects", "target_index", "cameras", "lights", "table"):
            s[key]  # noqa: B018 - present, or the KeyError below names it
    except (ValueError, KeyError, TypeError) as e:
        raise DatasetError(f"{where}: an episode's scene is not a SceneSpec ({type(e).__name__}: {e}); regenerate it") from e
    return s


def _lerobot_episodes(root: str) -> list[EpisodeInfo]:
    side = read_side_table(root).to_pydict()
    if not side:
        return []
    where = os.path.join(root, "meta/syngrasp/episodes")
    c = {k: side_column(k) for k in (schema.EPISODE_INDEX, schema.SHARD_INDEX, schema.SUCCESS, schema.FAILURE_REASON,
                                     schema.INSTRUCTION, schema.GRASP_WIDTH, schema.SCENE)}
    try:
        return [
            EpisodeInfo(number(side[c[schema.EPISODE_INDEX]][i], where, c[schema.EPISODE_INDEX]), "lerobot",
                        number(side[c[schema.SHARD_INDEX]][i], where, c[schema.SHARD_INDEX]),
                        bool(side[c[schema.SUCCESS]][i]),
                        str(side[c[schema.FAILURE_REASON]][i]), str(side[c[schema.INSTRUCTION]][i]),
                        number(side["length"][i], where, "length"),
                        number(side[c[schema.GRASP_WIDTH]][i], where, c[schema.GRASP_WIDTH], float),
                        _scene(side[c[schema.SCENE]][i], where),
                        number(side[LEROBOT_EPISODE_INDEX][i], where, LEROBOT_EPISODE_INDEX))
            for i in range(len(side[LEROBOT_EPISODE_INDEX]))
        ]
    except KeyError as e:
        raise DatasetError(f"{where}: side table lacks column {e}; regenerate it with syngrasp finalize") from e


def load_report_data(root: str) -> ReportData:
    """Everything the report needs from ``root``; raises ConfigError (key ``dir``) when it holds no syngrasp dataset."""
    episodes = _hdf5_episodes(root)
    if not episodes:
        episodes = _lerobot_episodes(root)
        lerobot_rows = {}
    else:
        lerobot_rows = {e.index: e.lerobot_row for e in _lerobot_episodes(root)}
    for e in episodes:
        e.lerobot_row = lerobot_rows.get(e.index, e.lerobot_row)
    rec_paths = layout.record_paths(root)
    records, mtimes = [], []
    for p in rec_paths:
        records.append(_record(read_json(p), p))
        mtimes.append(os.path.getmtime(p))
    if not episodes and not records:
        raise ConfigError("dir", f"{root}: no {layout.HDF5_GLOB}, meta/syngrasp/episodes/ side files or {layout.RECORD_GLOB}; "
                                "run syngrasp report on a folder written by syngrasp generate")
    cams = tuple(c["name"] for c in episodes[0].scene["cameras"]) if episodes else ()
    return ReportData(root, episodes, records, mtimes, dataset_stats(root), _scene_config(root), cams)


def _record(r, path: str) -> dict:
    """A shard completion record with the numbers the report plots checked to be numbers."""
    if not isinstance(r, dict):
        raise DatasetError(f"{path}: not a JSON object; the shard record is damaged")
    for key, kind in (("successes", int), ("frames", int), ("shard_index", int), ("seconds", float)):  # not a schema key
        r[key] = number(r.get(key), path, key, kind)
    try:
        r["failures"] = {str(k): number(v, path, f"failures.{k}") for k, v in (r.get("failures") or {}).items()}
        if "outcomes_by_category" in r:
            r["outcomes_by_category"] = {str(c): {str(o): number(n, path, f"outcomes_by_category.{c}.{o}")
                                                  for o, n in outs.items()} for c, outs in r["outcomes_by_category"].items()}
    except AttributeError as e:
        raise DatasetError(f"{path}: failures or outcomes_by_category is not a mapping; the shard record is damaged") from e
    return r


def outcome_counts(data: ReportData) -> tuple[collections.Counter, dict[str, collections.Counter]]:
    """(outcome -> count over every attempted index, category -> outcome -> count) from the shard records.

    Outcomes are "success" or a failure reason. Records without per-category counts fall back
    to the written episodes (which hold failures only with ``rollout.keep_failures``).
    """
    overall: collections.Counter = collections.Counter()
    per_cat: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    have_cats = bool(data.records) and all("outcomes_by_category" in r for r in data.records)
    for r in data.records:
        overall.update(r["failures"])
        overall[SUCCESS_LABEL] += r["successes"]
        for cat, outs in r.get("outcomes_by_category", {}).items():
            per_cat[cat or "(none)"].update(outs)
    if not data.records:
        for e in data.episodes:
            overall[SUCCESS_LABEL if e.success else e.failure_reason] += 1
    if not have_cats:
        for e in data.episodes:
            outcome = SUCCESS_LABEL if e.success else e.failure_reason
            per_cat[e.scene["objects"][e.scene["target_index"]]["category"]][outcome] += 1
    return overall, dict(per_cat)


def randomized_parameters(data: ReportData) -> dict[str, np.ndarray]:
    """Per-episode (or per-light / per-object / per-camera) values of the randomized parameters.

    Keys: table height [m] (top_z, base frame), light temperature [K] (estimated from each
    light's colour), lights per scene, camera offset [m] per camera (distance from the nominal
    pose moved with the table), objects per scene, object scale factor (largest axis),
    target grasp width [m].
    """
    nominal = {c.name: np.asarray(c.pos, float) for c in data.scene_cfg.cameras}
    out: dict[str, list] = collections.defaultdict(list)
    for e in data.episodes:
        s = e.scene
        out["table height [m]"].append(s["table"]["top_z"])
        out["lights per scene"].append(len(s["lights"]))
        out["light temperature [K]"].extend(light_temperature(li["diffuse"]) for li in s["lights"])
        out["objects per scene"].append(len(s["objects"]))
        out["object scale factor"].extend(max(o["scale"]) for o in s["objects"])
        out["target grasp width [m]"].append(e.grasp_width)
        for c in s["cameras"]:
            if c["name"] in nominal:
                ref = nominal[c["name"]] + [0.0, 0.0, s["table"]["top_z"]]
                out[f"camera offset {c['name']} [m]"].append(float(np.linalg.norm(np.asarray(c["pos"]) - ref)))
    return {k: np.asarray(v, float) for k, v in out.items()}


def episode_frames(data: ReportData, e: EpisodeInfo, cam: str, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (n, H, W, 3), boxes float32 (n, 4) px or -1s) of frames ``which`` of one camera."""
    if e.source != "lerobot":
        with open_shard(e.source) as f:
            g = f[f"data/demo_{e.index}/obs"]
            imgs = np.stack([g[schema.image_key(cam)][int(t)] for t in which])
            boxes = g[schema.bbox_key(cam)][()][which]
        return imgs, boxes
    from ..exporters.video import decode_video

    root = data.root
    ep = pq.read_table(glob.glob(os.path.join(root, "meta/episodes/*/*.parquet"))[0]).to_pylist()
    row = next(r for r in ep if r[LEROBOT_EPISODE_INDEX] == e.lerobot_row)
    key = schema.image_key(cam)
    path = inside(root, f"videos/{key}/chunk-{row[f'videos/{key}/chunk_index']:03d}/file-{row[f'videos/{key}/file_index']:03d}.mp4")
    regular_file(path)
    frames, times = decode_video(path)
    fps = row["length"] / (row[f"videos/{key}/to_timestamp"] - row[f"videos/{key}/from_timestamp"])
    idx = [int(np.argmin(np.abs(times - (row[f"videos/{key}/from_timestamp"] + t / fps)))) for t in which]
    dpath = inside(root, f"data/chunk-{row['data/chunk_index']:03d}/file-{row['data/file_index']:03d}.parquet")
    box = schema.bbox_key(cam)
    d = pq.read_table(dpath, columns=[LEROBOT_EPISODE_INDEX, box]).to_pydict()
    bb = np.asarray([b for i, b in zip(d[LEROBOT_EPISODE_INDEX], d[box]) if i == e.lerobot_row], np.float32)
    return frames[idx], bb[which]
