"""``syngrasp validate DIR``: check a dataset (LeRobot v3.0, HDF5 shards, or both) and list every problem.

HDF5 episodes are checked key by key against the episode schema (core/schema.py): every frame key
must be declared, with the declared dtype and per-frame shape for the episode's robot and cameras.
LeRobot data files' language columns must have LeRobot's row types and, per episode, one persistent
slice on every frame whose active subtask follows ``annotation.phase``."""

from __future__ import annotations

import glob
import json
import os

import numpy as np
import pyarrow.parquet as pq

from ..core.atomic import sha256_file
from ..core import layout, schema
from ..core.errors import DatasetError
from ..core.schema import check_frames
from .actions import from_output
from .lerobot_language import EVENTS_TYPE, PERSISTENT_TYPE, check_language
from .observations import nested_to_numpy
from .untrusted import inside, number, open_shard, read_json, regular_file
from .video import decode_video

REQUIRED_INFO = ("codebase_version", "fps", "features", "total_episodes", "total_frames", "data_path")


def _finite_and_boxes(name: str, cols: dict[str, np.ndarray], sizes: dict[str, tuple[int, int]]) -> list[str]:
    problems = []
    for key, arr in cols.items():
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            problems.append(f"{name}: {key} has non-finite values")
        if key.startswith(("annotation.bbox.", "annotation.bbox_visible.")):
            h, w = sizes.get(key.rsplit(".", 1)[1], (None, None))
            if h is None:
                continue
            visible = ~np.all(arr == -1, axis=1)
            b = arr[visible]
            bad = (b[:, 0] < 0) | (b[:, 1] < 0) | (b[:, 2] > w) | (b[:, 3] > h) | (b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1])
            if np.any(bad):
                problems.append(f"{name}: {key} has {int(bad.sum())} boxes outside the {w}x{h} image")
    return problems


def _mask_box(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], np.float32) if len(rows) else np.full(4, -1.0, np.float32)


def observation_checks(name: str, cols: dict[str, np.ndarray], meta: dict) -> list[str]:
    """Shapes, ranges and id consistency of the optional observations of one episode (or data file).

    ``meta`` may hold ``segmentation_ids`` and ``phase_names`` (JSON strings); without
    them, ids are only checked to be >= 0 and phases to index the six default phases.
    """
    problems = []
    n_phases = len(json.loads(meta["phase_names"])) if meta.get("phase_names") else 6
    phase = cols.get("annotation.phase")
    if phase is not None and phase.size and (phase.min() < 0 or phase.max() >= n_phases):
        problems.append(f"{name}: annotation.phase outside [0, {n_phases})")
    seg_meta = json.loads(meta["segmentation_ids"]) if meta.get("segmentation_ids") else None
    known = set(seg_meta["ids"].values()) if seg_meta else None
    for key, arr in cols.items():
        if key.startswith("observation.depth.") and arr.size and not (np.all(np.isfinite(arr)) and arr.min() > 0):
            problems.append(f"{name}: {key} has depths <= 0 or non-finite")
        if key.startswith("observation.segmentation."):
            cam = key.rsplit(".", 1)[1]
            if arr.size and arr.min() < 0:
                problems.append(f"{name}: {key} has negative ids")
            if known is not None:
                stray = sorted(set(np.unique(arr).tolist()) - known)
                if stray:
                    problems.append(f"{name}: {key} has ids {stray[:5]} missing from segmentation_ids")
                if seg_meta["target_id"] not in known:
                    problems.append(f"{name}: segmentation_ids target_id {seg_meta['target_id']} is not an id")
                vis = cols.get(f"annotation.bbox_visible.{cam}")
                if vis is not None and arr.ndim == 3:
                    bad = sum(not np.array_equal(_mask_box(m == seg_meta["target_id"]), b) for m, b in zip(arr, vis))
                    if bad:
                        problems.append(f"{name}: annotation.bbox_visible.{cam} disagrees with the mask in {bad} frames")
            img = cols.get(f"observation.depth.{cam}")
            if img is not None and img.shape != arr.shape:
                problems.append(f"{name}: {key} shape {arr.shape} differs from depth {img.shape}")
        if key == "observation.point_cloud":
            if arr.ndim != 3 or arr.shape[-1] != 6:
                problems.append(f"{name}: {key} has shape {arr.shape}, expected (T, N, 6)")
            elif arr.size and (arr[..., 3:].min() < 0 or arr[..., 3:].max() > 1 or not np.all(np.isfinite(arr))):
                problems.append(f"{name}: {key} rgb outside [0, 1] or non-finite values")
    return problems


def validate_lerobot(root: str) -> list[str]:
    problems: list[str] = []
    info_path = os.path.join(root, "meta/info.json")
    try:
        info = read_json(info_path)
    except DatasetError as e:
        return [f"meta/info.json: unreadable ({e}); re-run syngrasp finalize"]
    if not isinstance(info, dict):
        return ["meta/info.json: not a JSON object; re-run syngrasp finalize"]
    missing = [k for k in REQUIRED_INFO if k not in info]
    if missing:
        return [f"meta/info.json: missing keys {missing}; re-run syngrasp finalize"]
    try:
        for key in ("total_episodes", "total_frames"):
            number(info[key], info_path, key)
        number(info["fps"], info_path, "fps", float)
        if not isinstance(info["features"], dict) or not all(isinstance(v, dict) for v in info["features"].values()):
            raise DatasetError(f"{info_path}: features is not a mapping of feature -> description")
        for key in ("data_path", "video_path"):
            if key in info:
                inside(root, str(info[key]).replace("{", "").replace("}", ""))
    except DatasetError as e:
        return [f"meta/info.json: {e}; re-run syngrasp finalize"]
    if info["codebase_version"] != "v3.0":
        problems.append(f"meta/info.json: codebase_version {info['codebase_version']!r}, expected 'v3.0'")
    fps = float(info["fps"])
    feats = info["features"]
    video_keys = [k for k, v in feats.items() if v.get("dtype") == "video"]
    for k in video_keys:
        if k.startswith("observation.depth.") and not (feats[k].get("info") or {}).get("is_depth_map"):
            problems.append(f"meta/info.json: {k} lacks info.is_depth_map; re-run syngrasp finalize")
    video_keys_rgb = [k for k in video_keys if not k.startswith("observation.depth.")]
    sizes = {k.rsplit(".", 1)[1]: tuple(feats[k]["shape"][:2]) for k in video_keys_rgb}
    try:
        pq.read_table(os.path.join(root, "meta/tasks.parquet"))
    except Exception as e:  # noqa: BLE001 - any reader error is a problem to report
        problems.append(f"meta/tasks.parquet: unreadable ({e})")
    rows = []
    for path in sorted(glob.glob(os.path.join(root, "meta/episodes/*/*.parquet"))):
        try:
            rows.extend(pq.read_table(path).to_pylist())
        except Exception as e:  # noqa: BLE001
            problems.append(f"{os.path.relpath(path, root)}: unreadable ({e})")
    rows.sort(key=lambda r: r["episode_index"])
    idx = [r["episode_index"] for r in rows]
    if idx != list(range(len(idx))):
        gaps = [(a, b) for a, b in zip([-1] + idx, idx) if b != a + 1]
        problems.append(f"meta/episodes: episode indices are not contiguous from 0 (jumps {gaps[:5]})")
    if len(rows) != info["total_episodes"]:
        problems.append(f"meta/info.json: total_episodes {info['total_episodes']} but {len(rows)} episodes listed")
    expect_from = 0
    for r in rows:
        if r["dataset_from_index"] != expect_from:
            problems.append(f"episode {r['episode_index']}: dataset_from_index {r['dataset_from_index']}, expected {expect_from}")
        if r["dataset_to_index"] - r["dataset_from_index"] != r["length"]:
            problems.append(f"episode {r['episode_index']}: length {r['length']} does not match its index range")
        expect_from = r["dataset_to_index"]
    if expect_from != info["total_frames"]:
        problems.append(f"meta/info.json: total_frames {info['total_frames']} but episodes cover {expect_from}")

    by_file: dict[tuple[int, int], list[dict]] = {}
    for r in rows:
        by_file.setdefault((r["data/chunk_index"], r["data/file_index"]), []).append(r)
    for (c, f), eps in sorted(by_file.items()):
        rel = info["data_path"].format(chunk_index=c, file_index=f)
        try:
            path = inside(root, rel)
            regular_file(path)
            table = pq.read_table(path)
        except Exception as e:  # noqa: BLE001
            problems.append(f"{rel}: unreadable ({e})")
            continue
        cols = {name: nested_to_numpy(table[name]) for name in table.column_names if name not in schema.LANGUAGE_KEYS}
        want = [k for k, v in feats.items() if v.get("dtype") != "video"]
        lacking = [k for k in want if k not in table.column_names]
        if lacking:
            problems.append(f"{rel}: missing columns {lacking}")
            continue
        lo, hi = eps[0]["dataset_from_index"], eps[-1]["dataset_to_index"]
        if not np.array_equal(cols["index"], np.arange(lo, hi)):
            problems.append(f"{rel}: index column is not continuous over [{lo}, {hi})")
        for r in eps:
            s = slice(r["dataset_from_index"] - lo, r["dataset_to_index"] - lo)
            if not np.all(cols["episode_index"][s] == r["episode_index"]):
                problems.append(f"{rel}: episode_index wrong for episode {r['episode_index']}")
            if not np.array_equal(cols["frame_index"][s], np.arange(r["length"])):
                problems.append(f"{rel}: frame_index not 0..{r['length'] - 1} in episode {r['episode_index']}")
        problems += _finite_and_boxes(rel, {k: v for k, v in cols.items() if v.ndim == 2}, sizes)
        problems += observation_checks(rel, cols, {})
        problems += _language(rel, table, eps, lo, cols, feats)

    for key in video_keys:
        files: dict[tuple[int, int], list[dict]] = {}
        for r in rows:
            files.setdefault((r[f"videos/{key}/chunk_index"], r[f"videos/{key}/file_index"]), []).append(r)
        for (c, f), eps in sorted(files.items()):
            rel = info["video_path"].format(video_key=key, chunk_index=c, file_index=f)
            try:
                path = inside(root, rel)
            except DatasetError as e:
                problems.append(f"{rel}: {e}")
                continue
            if not os.path.isfile(path):
                problems.append(f"{rel}: missing video")
                continue
            try:
                _, times = decode_video(path)
            except Exception as e:  # noqa: BLE001
                problems.append(f"{rel}: does not decode ({e})")
                continue
            for r in eps:
                t0 = r[f"videos/{key}/from_timestamp"]
                t1 = r[f"videos/{key}/to_timestamp"] - 1.0 / fps
                for t in (t0, t1):
                    if len(times) == 0 or np.min(np.abs(times - t)) > 1e-3:
                        problems.append(f"{rel}: no frame at {t:.3f} s (episode {r['episode_index']} boundary)")
    return problems


def _language(rel: str, table, eps: list[dict], lo: int, cols: dict[str, np.ndarray], feats: dict) -> list[str]:
    """LeRobot language columns of one data file: declared as ``language``, of LeRobot's row types, and
    per episode consistent (lerobot_language.check_language)."""
    problems = []
    declared = {schema.LANGUAGE_PERSISTENT: PERSISTENT_TYPE, schema.LANGUAGE_EVENTS: EVENTS_TYPE}
    for key, arrow_type in declared.items():
        if key in table.column_names and feats.get(key, {}).get("dtype") != "language":
            problems.append(f"meta/info.json: {key} is in {rel} but not declared with dtype 'language'; "
                            "re-run syngrasp finalize")
        if key in feats and key in table.column_names and table.schema.field(key).type != arrow_type:
            problems.append(f"{rel}: {key} is {table.schema.field(key).type}, LeRobot declares {arrow_type}")
    if problems or schema.LANGUAGE_PERSISTENT not in table.column_names:
        return problems
    for r in eps:
        a, n = r["dataset_from_index"] - lo, r["length"]
        persistent = table[schema.LANGUAGE_PERSISTENT].slice(a, n).to_pylist()
        events = table[schema.LANGUAGE_EVENTS].slice(a, n).to_pylist() if schema.LANGUAGE_EVENTS in table.column_names else []
        phase = cols["annotation.phase"][a : a + n] if "annotation.phase" in cols else None
        problems += check_language(f"{rel} episode {r['episode_index']}", persistent, events,
                                   cols["timestamp"][a : a + n], phase)
    return problems


def _shard_problems(f, name: str, seen: dict[int, str]) -> list[str]:
    """Problems of one open shard ``f`` (file name ``name``); ``seen`` maps episode index -> shard so far."""
    problems: list[str] = []
    total = 0
    mode = str(f["data"].attrs.get("action", "ee_delta"))
    for demo in f["data"]:
        g = f["data"][demo]
        idx = int(demo.split("_")[1])
        if idx in seen:
            problems.append(f"{name}: episode {idx} duplicates one in {seen[idx]}")
        seen[idx] = name
        n = int(g.attrs["num_samples"])
        total += n
        written = {k: g[k] for k in g if k == "actions" or k.startswith("actions_")}
        written = {"action" if k == "actions" else "action." + k[len("actions_"):]: v for k, v in written.items()}
        written.update({k: g["obs"][k] for k in g["obs"]})
        try:
            problems += check_frames(from_output(written, mode), f"{name}/{demo}")  # shapes only: nothing read
        except KeyError as e:
            problems.append(f"{name}/{demo}: action key {e} missing for data.attrs['action']={mode!r}")
        cols = {k: g[k][()] for k in g if k == "actions" or k.startswith("actions_")}
        sizes = {}
        for k in g["obs"]:
            ds = g["obs"][k]
            if ds.ndim == 4:
                sizes[k.rsplit(".", 1)[1]] = ds.shape[1:3]
                if ds.shape[0] != n:
                    problems.append(f"{name}/{demo}: {k} has {ds.shape[0]} frames, num_samples {n}")
            else:
                cols[k] = ds[()]
        for k, arr in cols.items():
            if len(arr) != n:
                problems.append(f"{name}/{demo}: {k} has {len(arr)} frames, num_samples {n}")
        problems += _finite_and_boxes(f"{name}/{demo}", {k: v for k, v in cols.items() if v.ndim <= 2}, sizes)
        problems += observation_checks(f"{name}/{demo}", cols, dict(g.attrs))
    if int(f["data"].attrs["total"]) != total:
        problems.append(f"{name}: data.attrs['total'] {int(f['data'].attrs['total'])} != {total} frames")
    return problems


def validate_hdf5(root: str) -> list[str]:
    problems: list[str] = []
    seen: dict[int, str] = {}
    paths = layout.hdf5_shards(root)
    if not paths:
        return [f"{root}: no {layout.HDF5_GLOB} files"]
    for path in paths:
        name = os.path.basename(path)
        record = os.path.join(root, layout.record_name(layout.shard_index(path)))
        try:
            regular_file(path)  # before hashing it: a FIFO is never opened
            if os.path.exists(record):
                meta = read_json(record)
                meta = meta.get("files", {}).get(name) if isinstance(meta, dict) else None
                if isinstance(meta, dict) and sha256_file(path) != meta.get("sha256"):
                    problems.append(f"{name}: sha256 does not match {os.path.basename(record)}")
            f = open_shard(path)
        except DatasetError as e:
            problems.append(f"{name}: refused or unreadable: {e}")
            continue
        with f:
            try:
                problems += _shard_problems(f, name, seen)
            except (KeyError, ValueError, TypeError, IndexError, OSError) as e:
                problems.append(f"{name}: not a syngrasp shard or damaged ({type(e).__name__}: {e}); regenerate it")
    return problems


def validate(root: str) -> list[str]:
    """Every problem found in ``root``; empty when the dataset is clean."""
    has_lerobot = os.path.exists(os.path.join(root, "meta"))
    has_hdf5 = bool(layout.hdf5_shards(root))
    if not has_lerobot and not has_hdf5:
        return [f"{root}: neither a LeRobot dataset (meta/info.json) nor HDF5 shards ({layout.HDF5_GLOB})"]
    problems = []
    if has_lerobot:
        problems += validate_lerobot(root)
    if has_hdf5:
        problems += validate_hdf5(root)
    return problems
