"""``syngrasp validate DIR``: check a dataset (LeRobot v3.0, HDF5 shards, or both) and list every problem.

Every check of keys is generated from the episode schema (core/schema). HDF5 episodes are checked key
by key (``schema.episode_problems``): every frame key declared, with the declared dtype and per-frame
shape for the episode's robot and cameras; every required meta key present and every meta key of its
declared type; each camera's calibration of its declared shape; ``annotation.phase`` within the
episode's phase names. LeRobot ``info.json`` features must be the schema's for the dataset's layout
(dtype and shape), the declared ``meta/episodes`` columns of their declared type, and data files'
language columns of LeRobot's row types with, per episode, one persistent slice on every frame whose
active subtask follows ``annotation.phase``."""

from __future__ import annotations

import glob
import json
import os

import numpy as np
import pyarrow.parquet as pq

from ..core.atomic import sha256_file
from ..core import layout, schema
from ..core.errors import DatasetError
from .actions import from_output
from .formats.hdf5.reader import action_mode, read_meta, stored_action_keys
from .lerobot_language import EVENTS_TYPE, PERSISTENT_TYPE, check_language
from .observations import nested_to_numpy
from .untrusted import inside, number, open_shard, read_json, regular_file
from .video import decode_video

INFO_FPS = "fps"  # not a schema key: LeRobot info.json's frame rate
LEROBOT_EPISODE_INDEX = "episode_index"  # not a schema key: LeRobot's dense episode numbering
REQUIRED_INFO = ("codebase_version", INFO_FPS, "features", "total_episodes", "total_frames", "data_path")
_BOXES = (schema.BBOX, schema.BBOX_VISIBLE)


def _declared(key: str) -> tuple[str | None, str | None]:
    """(declared pattern, camera) of concrete key ``key``; (None, None) when undeclared."""
    m = schema.match(key)
    return (m[0].pattern, m[1]) if m else (None, None)


def _finite_and_boxes(name: str, cols: dict[str, np.ndarray], sizes: dict[str, tuple[int, int]]) -> list[str]:
    problems = []
    for key, arr in cols.items():
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            problems.append(f"{name}: {key} has non-finite values")
        pattern, cam = _declared(key)
        if pattern in _BOXES:
            h, w = sizes.get(cam, (None, None))
            if h is None:
                continue
            visible = ~np.all(arr == -1, axis=1)
            b = arr[visible]
            bad = (b[:, 0] < 0) | (b[:, 1] < 0) | (b[:, 2] > w) | (b[:, 3] > h) | (b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1])
            if np.any(bad):
                problems.append(f"{name}: {key} has {int(bad.sum())} boxes outside the {w}x{h} image")
    return problems


LEROBOT_INDEX = ("timestamp", "frame_index", LEROBOT_EPISODE_INDEX, "index", "task_index")  # LeRobot's own columns


class _Shape:
    """A shape-only stand-in for an array (``schema.infer_layout`` reads ``.shape``)."""

    def __init__(self, shape):
        self.shape = tuple(int(x) for x in shape)


def feature_problems(feats: dict) -> list[str]:
    """info.json ``features`` against the schema for the layout they show (n_arm from observation.state,
    cameras from the videos, options from the keys present): every feature declared, every declared key
    of that layout present, data columns of the declared dtype and shape, videos where the schema
    stores videos."""
    problems = []
    mode = schema.action_mode_of(feats)
    shapes = {}
    for k, ft in feats.items():
        if k in LEROBOT_INDEX or k in schema.LANGUAGE_KEYS:
            continue
        key = schema.episode_name(k, mode)
        if schema.match(key) is None:
            problems.append(f"meta/info.json: feature {k} is not a declared episode key (core/schema)")
            continue
        shapes[key] = _Shape((1, *ft.get("shape", ())))
    n_arm, cameras, opts = schema.infer_layout(shapes)
    columns = schema.lerobot_features(n_arm, cameras, opts, None, mode)
    for fk in schema.frame_keys(n_arm, cameras, opts):
        written = schema.output_name(fk.name, mode)
        ft = feats.get(written)
        if ft is None:
            problems.append(f"meta/info.json: feature {written} is missing (declared for this layout; core/schema)")
        elif fk.spec.storage in schema.VIDEO_STORAGE:
            if ft.get("dtype") != "video" or list(ft.get("shape", ()))[:2] != list(fk.shape[:2]):
                problems.append(f"meta/info.json: {written} is {ft.get('dtype')} {ft.get('shape')}, the schema "
                                f"stores a video of {list(fk.shape[:2])}")
        elif [ft.get("dtype"), list(ft.get("shape", ()))] != [columns[written]["dtype"], columns[written]["shape"]]:
            problems.append(f"meta/info.json: {written} is {ft.get('dtype')} {ft.get('shape')}, the schema declares "
                            f"{columns[written]['dtype']} {columns[written]['shape']}")
    return problems


def episode_column_problems(row: dict) -> list[str]:
    """The declared ``syngrasp/<key>`` columns of one meta/episodes row (core/schema ``EPISODE_COLUMNS``):
    of the declared type and length where present; null only for keys older episodes may lack."""
    problems = []
    kinds = {"int64": int, "float64": (int, float), "bool": bool, "string": str}
    for c in schema.EPISODE_COLUMNS:
        if c.name not in row:
            continue  # datasets finalized before the column existed
        v = row[c.name]
        where = f"meta/episodes: episode {row.get(LEROBOT_EPISODE_INDEX)}: {c.name}"
        if v is None:
            if schema.meta_key(c.meta_key).required:
                problems.append(f"{where} is null; the schema requires {c.meta_key}")
        elif c.length and not (isinstance(v, list) and len(v) == c.length):
            problems.append(f"{where} is not a list of {c.length} values")
        elif not all(isinstance(x, kinds[c.dtype]) and (c.dtype == "bool" or not isinstance(x, bool))
                     for x in (v if c.length else [v])):
            problems.append(f"{where} is not {c.dtype}")
    return problems


def _mask_box(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], np.float32) if len(rows) else np.full(4, -1.0, np.float32)


def observation_checks(name: str, cols: dict[str, np.ndarray], meta: dict) -> list[str]:
    """Shapes, ranges and id consistency of the optional observations of one episode (or data file).

    ``meta`` may hold ``segmentation_ids`` and ``phase_names`` (JSON strings); without
    them, ids are only checked to be >= 0 and phases to index the phases of core/phases.py.
    """
    phase = cols.get(schema.PHASE)
    problems = [f"{name}: {p}" for _, p in schema.phase_problems(np.asarray(phase) if phase is not None else None, meta)]
    seg_meta = json.loads(meta[schema.SEGMENTATION_IDS]) if meta.get(schema.SEGMENTATION_IDS) else None
    known = set(seg_meta["ids"].values()) if seg_meta else None
    for key, arr in cols.items():
        pattern, cam = _declared(key)
        if pattern == schema.DEPTH and arr.size and not (np.all(np.isfinite(arr)) and arr.min() > 0):
            problems.append(f"{name}: {key} has depths <= 0 or non-finite")
        if pattern == schema.SEGMENTATION:
            if arr.size and arr.min() < 0:
                problems.append(f"{name}: {key} has negative ids")
            if known is not None:
                stray = sorted(set(np.unique(arr).tolist()) - known)
                if stray:
                    problems.append(f"{name}: {key} has ids {stray[:5]} missing from segmentation_ids")
                if seg_meta["target_id"] not in known:
                    problems.append(f"{name}: segmentation_ids target_id {seg_meta['target_id']} is not an id")
                vis = cols.get(schema.bbox_visible_key(cam))
                if vis is not None and arr.ndim == 3:
                    bad = sum(not np.array_equal(_mask_box(m == seg_meta["target_id"]), b) for m, b in zip(arr, vis))
                    if bad:
                        problems.append(f"{name}: {schema.bbox_visible_key(cam)} disagrees with the mask in {bad} frames")
            img = cols.get(schema.depth_key(cam))
            if img is not None and img.shape != arr.shape:
                problems.append(f"{name}: {key} shape {arr.shape} differs from depth {img.shape}")
        if key == schema.POINT_CLOUD:
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
        number(info[INFO_FPS], info_path, INFO_FPS, float)
        if not isinstance(info["features"], dict) or not all(isinstance(v, dict) for v in info["features"].values()):
            raise DatasetError(f"{info_path}: features is not a mapping of feature -> description")
        for key in ("data_path", "video_path"):
            if key in info:
                inside(root, str(info[key]).replace("{", "").replace("}", ""))
    except DatasetError as e:
        return [f"meta/info.json: {e}; re-run syngrasp finalize"]
    if info["codebase_version"] != "v3.0":
        problems.append(f"meta/info.json: codebase_version {info['codebase_version']!r}, expected 'v3.0'")
    fps = float(info[INFO_FPS])
    feats = info["features"]
    video_keys = [k for k, v in feats.items() if v.get("dtype") == "video"]
    for k in video_keys:
        if schema.storage_of(k) == schema.DEPTH_VIDEO and not (feats[k].get("info") or {}).get("is_depth_map"):
            problems.append(f"meta/info.json: {k} lacks info.is_depth_map; re-run syngrasp finalize")
    sizes = {_declared(k)[1]: tuple(feats[k]["shape"][:2]) for k in video_keys if schema.storage_of(k) == schema.VIDEO}
    problems += feature_problems(feats)
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
    rows.sort(key=lambda r: r[LEROBOT_EPISODE_INDEX])
    idx = [r[LEROBOT_EPISODE_INDEX] for r in rows]
    if idx != list(range(len(idx))):
        gaps = [(a, b) for a, b in zip([-1] + idx, idx) if b != a + 1]
        problems.append(f"meta/episodes: episode indices are not contiguous from 0 (jumps {gaps[:5]})")
    if len(rows) != info["total_episodes"]:
        problems.append(f"meta/info.json: total_episodes {info['total_episodes']} but {len(rows)} episodes listed")
    expect_from = 0
    for r in rows:
        ep = r[LEROBOT_EPISODE_INDEX]
        if r["dataset_from_index"] != expect_from:
            problems.append(f"episode {ep}: dataset_from_index {r['dataset_from_index']}, expected {expect_from}")
        if r["dataset_to_index"] - r["dataset_from_index"] != r["length"]:
            problems.append(f"episode {ep}: length {r['length']} does not match its index range")
        expect_from = r["dataset_to_index"]
        problems += episode_column_problems(r)
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
            ep = r[LEROBOT_EPISODE_INDEX]
            if not np.all(cols[LEROBOT_EPISODE_INDEX][s] == ep):
                problems.append(f"{rel}: {LEROBOT_EPISODE_INDEX} wrong for episode {ep}")
            if not np.array_equal(cols["frame_index"][s], np.arange(r["length"])):
                problems.append(f"{rel}: frame_index not 0..{r['length'] - 1} in episode {ep}")
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
                        problems.append(f"{rel}: no frame at {t:.3f} s (episode {r[LEROBOT_EPISODE_INDEX]} boundary)")
    return problems


def _language(rel: str, table, eps: list[dict], lo: int, cols: dict[str, np.ndarray], feats: dict) -> list[str]:
    """LeRobot language columns of one data file: declared as ``language``, of LeRobot's row types, and
    per episode consistent (lerobot_language.check_language)."""
    problems = []
    declared = {schema.LANGUAGE_PERSISTENT: PERSISTENT_TYPE, schema.LANGUAGE_EVENTS: EVENTS_TYPE}
    for key, arrow_type in declared.items():
        if key in table.column_names and feats.get(key, {}).get("dtype") != schema.lerobot_language_features()[key]["dtype"]:
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
        phase = cols[schema.PHASE][a : a + n] if schema.PHASE in cols else None
        problems += check_language(f"{rel} episode {r[LEROBOT_EPISODE_INDEX]}", persistent, events,
                                   cols["timestamp"][a : a + n], phase)
    return problems


def _shard_problems(f, name: str, seen: dict[int, str]) -> list[str]:
    """Problems of one open shard ``f`` (file name ``name``); ``seen`` maps episode index -> shard so far."""
    problems: list[str] = []
    total = 0
    mode = action_mode(f)
    for demo in f["data"]:
        g = f["data"][demo]
        where = f"{name}/{demo}"
        idx = int(demo.split("_")[1])
        if idx in seen:
            problems.append(f"{name}: episode {idx} duplicates one in {seen[idx]}")
        seen[idx] = name
        n = int(g.attrs["num_samples"])
        total += n
        actions = stored_action_keys(g)  # written action key -> dataset
        written = {key: g[ds] for key, ds in actions.items()}
        written.update({k: g["obs"][k] for k in g["obs"]})
        meta = read_meta(g)
        undeclared = {k: v for k, v in g.attrs.items() if k not in meta and k != "num_samples"}
        try:
            frames = from_output(written, mode)
        except KeyError as e:
            problems.append(f"{where}: action key {e} missing for data.attrs['action']={mode!r}")
        else:  # shapes, dtypes and meta only: no frame is read
            cameras = {c: dict(g["cameras"][c]) for c in g["cameras"]} if "cameras" in g else {}
            problems += [f"{where}: {p}" for _, p in schema.episode_problems(frames, cameras, {**meta, **undeclared})]
        cols = {k: g[ds][()] for k, ds in actions.items()}
        sizes = {}
        for k in g["obs"]:
            ds = g["obs"][k]
            pattern, cam = _declared(k)
            if pattern == schema.IMAGES and ds.ndim == 4:  # not read: only the image size is needed
                sizes[cam] = ds.shape[1:3]
                if ds.shape[0] != n:
                    problems.append(f"{where}: {k} has {ds.shape[0]} frames, num_samples {n}")
            else:
                cols[k] = ds[()]
        for k, arr in cols.items():
            if len(arr) != n:
                problems.append(f"{where}: {k} has {len(arr)} frames, num_samples {n}")
        problems += _finite_and_boxes(where, {k: v for k, v in cols.items() if v.ndim <= 2}, sizes)
        problems += observation_checks(where, cols, meta)
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
