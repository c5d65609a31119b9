"""``syngrasp crosscheck DIR --engine pybullet``: re-execute every recorded episode in a second engine.

For each episode of the HDF5 shards in DIR, the scene is rebuilt from its
stored SceneSpec; MuJoCo settles it again (deterministically, as replay does)
to give every object's settled pose, the target is put exactly at its recorded
first-frame pose, and the cross-check engine then runs the recorded
``action.joint`` (generators/crosscheck.py). One row per episode goes to the
side table ``DIR/crosscheck.parquet`` (rewritten atomically as rows arrive; a
re-run skips the episodes it already holds for that engine and engine settings,
so runs with other ``rollout.<engine>.*`` settings add rows beside them).
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..core import layout, schema
from ..core.atomic import atomic_output
from ..core.dataconf import to_dict
from ..core.errors import ConfigError
from ..core.geometry import quat_to_mat
from .config import RunSettings

_KEYS = (schema.ACTION_JOINT, schema.OBJECT_POSE, schema.EE_POSE)
_WORKER: dict[str, Any] = {}


def episode_tasks(out_dir: str) -> list[tuple[str, int, int]]:
    """(shard path, shard index, episode index) of every episode in DIR's HDF5 shards, in order."""
    from ..exporters.formats.hdf5.reader import shard_episode_indices

    tasks = []
    for path in layout.hdf5_shards(out_dir):
        shard = layout.shard_index(path)
        tasks.extend((path, shard, i) for i in shard_episode_indices(path))
    return tasks


def engine_settings(cfg: RunSettings, engine: str) -> str:
    """The engine's own config section (``rollout.<engine>``) as canonical JSON; "" when it has none."""
    section = getattr(cfg.rollout, engine, None)
    return json.dumps(to_dict(section), sort_keys=True) if section is not None else ""


def _init(cfg: RunSettings, engine: str) -> None:
    from ..generators.config import RenderConfig
    from ..generators.episode import EpisodeGenerator

    # physics does not depend on render quality: the cheapest textures keep the MuJoCo re-settle fast
    cheap = dataclasses.replace(cfg, render=RenderConfig(preset="fast", texture_size=16))
    _WORKER.update(gen=EpisodeGenerator(cheap), cfg=cfg, engine=engine)


def _recorded(arrays: dict) -> tuple[np.ndarray, ...]:
    """Target pose (4, 4) at frame 0, and per frame: rise (T,), ee pos (T, 3), ee rotation (T, 3, 3), target pos."""
    obj, ee = arrays[schema.OBJECT_POSE].astype(float), arrays[schema.EE_POSE].astype(float)
    first = np.eye(4)
    first[:3, :3], first[:3, 3] = quat_to_mat(obj[0, 3:]), obj[0, :3]
    rise = obj[:, 2] - obj[0, 2]
    ee_R = np.stack([quat_to_mat(q) for q in ee[:, 3:]])
    return first, rise, ee[:, :3], ee_R, obj[:, :3]


def check_one(task: tuple[str, int, int]) -> dict:
    """One side-table row; a fault costs only this row (``error`` set, ``engine_held`` None)."""
    from ..exporters.formats.hdf5.reader import read_episode_arrays
    from ..generators.crosscheck import check_grasp, grasp_slip
    from ..core.scene import SceneSpec

    path, shard, idx = task
    gen, cfg, engine = _WORKER["gen"], _WORKER["cfg"], _WORKER["engine"]
    t0 = time.perf_counter()
    row: dict[str, Any] = {schema.EPISODE_INDEX: idx, "shard": shard, "engine": engine,
                           "engine_settings": engine_settings(cfg, engine), "engine_held": None, "error": ""}
    try:
        arrays, attrs = read_episode_arrays(path, idx, _KEYS)
        scene = SceneSpec.from_json(attrs[schema.SCENE])
        tgt = scene.objects[scene.target_index]
        hull_pts = gen.collision_points(scene, scene.target_index)
        first, rise_mj, ee_pos, ee_R, obj_pos = _recorded(arrays)
        row.update(category=tgt.category, asset_id=tgt.asset_id, mass_kg=float(tgt.mass),
                   size_m=float(np.ptp(hull_pts, axis=0).max()), grasp_width_m=float(attrs[schema.GRASP_WIDTH]),
                   mujoco_held=bool(attrs[schema.SUCCESS]), mujoco_final_rise_m=float(rise_mj[-1]),
                   mujoco_slip_m=grasp_slip(ee_pos, ee_R, obj_pos, rise_mj))
        sim = gen.make_sim(scene)
        settled = {i: sim.object_pose(i) for i in range(len(scene.objects))}
        row["resettle_error_m"] = float(np.linalg.norm(settled[scene.target_index][:3, 3] - first[:3, 3]))
        settled[scene.target_index] = first
        res = check_grasp(engine, scene, gen.catalog, gen.robot, arrays[schema.ACTION_JOINT], cfg, settled)
        row.update(engine_held=res.held, engine_final_rise_m=res.final_rise, engine_slip_m=res.slip_m)
    except Exception as e:  # a fault in one episode costs that episode
        row["error"] = f"{type(e).__name__}: {e}"
    row["seconds"] = round(time.perf_counter() - t0, 3)
    return row


def _write(path: str, rows: list[dict]) -> None:
    rows = sorted(rows, key=lambda r: (r["engine"], r.get("engine_settings") or "", r[schema.EPISODE_INDEX]))
    cols = sorted({k for r in rows for k in r})
    table = pa.Table.from_pydict({c: [r.get(c) for r in rows] for c in cols})
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)


def read_side_table(out_dir: str) -> list[dict]:
    path = os.path.join(out_dir, layout.CROSSCHECK_TABLE)
    return pq.read_table(path).to_pylist() if os.path.isfile(path) else []


def crosscheck_dataset(
    out_dir: str,
    engine: str,
    cfg: RunSettings,
    workers: int = 1,
    limit: int = 0,
    on_row: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Cross-check every episode of DIR not yet in the side table for ``engine`` with these settings;
    returns the rows of that engine and settings.

    Raises:
        ConfigError: naming the robot's robot.json when ``engine`` needs its ``urdf`` section and it has none.
    """
    from ..assets.robot import find_robot, load_robot
    from ..generators.crosscheck import require_engine_robot

    robot_dir = find_robot(cfg.rollout.robot, cfg.rollout.robots_dir)
    require_engine_robot(engine, load_robot(cfg.rollout.robot, cfg.rollout.robots_dir),
                         os.path.join(robot_dir, "robot.json"))
    path = os.path.join(out_dir, layout.CROSSCHECK_TABLE)
    key = (engine, engine_settings(cfg, engine))

    def same(r: dict) -> bool:
        return (r["engine"], r.get("engine_settings") or "") == key

    kept = [r for r in read_side_table(out_dir) if not (same(r) and r["error"])]
    done = {r[schema.EPISODE_INDEX] for r in kept if same(r)}
    tasks = episode_tasks(out_dir)
    if not tasks:
        raise ConfigError("dir", f"no {layout.HDF5_GLOB} in {out_dir}: crosscheck reads the HDF5 shards "
                                 "(generate with --format hdf5 or both)")
    todo = [t for t in tasks if t[2] not in done]
    if limit:
        todo = todo[: max(0, limit - len(done))]
    rows = list(kept)

    def add(row: dict) -> None:
        rows.append(row)
        if on_row is not None:
            on_row(row)
        if len(rows) % 10 == 0:
            _write(path, rows)

    if workers <= 1 or len(todo) <= 1:
        _init(cfg, engine)
        for t in todo:
            add(check_one(t))
    else:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers, initializer=_init, initargs=(cfg, engine)) as pool:
            for row in pool.imap_unordered(check_one, todo):
                add(row)
    _write(path, rows)
    return [r for r in rows if same(r)]


def summarize(rows: list[dict]) -> dict:
    """Agreement and confusion counts (MuJoCo held/dropped x engine held/dropped), overall and per category.

    Rows with an error are counted in ``errors`` and left out of the rates.
    """
    def table(rs: list[dict]) -> dict:
        c = {f"mujoco_{a}_engine_{b}": 0 for a in ("held", "dropped") for b in ("held", "dropped")}
        for r in rs:
            c[f"mujoco_{'held' if r['mujoco_held'] else 'dropped'}_engine_{'held' if r['engine_held'] else 'dropped'}"] += 1
        n = len(rs)
        agree = c["mujoco_held_engine_held"] + c["mujoco_dropped_engine_dropped"]
        return {"episodes": n, "agree": agree, "agreement": round(agree / n, 4) if n else None, **c}

    good = [r for r in rows if not r["error"]]
    cats = sorted({r["category"] for r in good})
    return {
        "errors": len(rows) - len(good),
        "overall": table(good),
        "by_category": {c: table([r for r in good if r["category"] == c]) for c in cats},
    }


def format_summary(summary: dict, engine: str) -> str:
    """The confusion table and per-category agreement as text."""
    o = summary["overall"]
    w = max(8, len(engine) + 8)
    lines = [
        f"agreement MuJoCo vs {engine}: {o['agreement']} ({o['agree']}/{o['episodes']} episodes, {summary['errors']} errors)",
        "",
        f"{'':16}{engine + ' held':>{w}}{engine + ' dropped':>{w + 3}}",
        f"{'mujoco held':16}{o['mujoco_held_engine_held']:>{w}}{o['mujoco_held_engine_dropped']:>{w + 3}}",
        f"{'mujoco dropped':16}{o['mujoco_dropped_engine_held']:>{w}}{o['mujoco_dropped_engine_dropped']:>{w + 3}}",
        "",
        f"{'category':14}{'n':>5}{'agree':>8}{'H/H':>6}{'H/D':>6}{'D/H':>6}{'D/D':>6}",
    ]
    for c, t in summary["by_category"].items():
        lines.append(f"{c:14}{t['episodes']:>5}{t['agreement']:>8.3f}{t['mujoco_held_engine_held']:>6}"
                     f"{t['mujoco_held_engine_dropped']:>6}{t['mujoco_dropped_engine_held']:>6}"
                     f"{t['mujoco_dropped_engine_dropped']:>6}")
    return "\n".join(lines)
