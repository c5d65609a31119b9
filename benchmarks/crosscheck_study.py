"""The MuJoCo-vs-PyBullet agreement study behind README "Cross-check": run after ``syngrasp crosscheck DIR``.

    python benchmarks/crosscheck_study.py /tmp/xc            # default-settings rows of the side table
    python benchmarks/crosscheck_study.py /tmp/xc rollout.pybullet.friction_scale=0.1   # rows of other settings

Prints the agreement and confusion table, slip and lift statistics in both
engines, and every disagreeing episode with the facts that explain it: target
category, mass, size, grasp width, and the gravity torque arm about the
closing axis (distance from the grasp centre to the target's centre of mass,
perpendicular to the closing axis and to gravity), which only friction about
the contact normals (torsional friction, contact patch size) resists.
"""

from __future__ import annotations

import argparse
import json
import os

import h5py
import numpy as np
from syngrasp.assets import build_catalog
from syngrasp.assets.meshes import object_geometry
from syngrasp.app.config import load_check_config
from syngrasp.cluster.crosscheck import engine_settings, format_summary, read_side_table, summarize
from syngrasp.core.geometry import quat_to_mat
from syngrasp.core.scene import SceneSpec


def torque_arm(path: str, idx: int, catalog) -> float:
    """|y_g . (r x z)| [m]: the gravity torque arm about the grasp's closing axis y_g at the grasp."""
    with h5py.File(path, "r") as f:
        g = f[f"data/demo_{idx}"]
        G = g["grasp_pose"][()]
        scene = SceneSpec.from_json(g.attrs["scene"])
        obj = g["obs"]["annotation.object_pose"][0]
    o = scene.objects[scene.target_index]
    geo = object_geometry(catalog.by_id(o.asset_id), tuple(o.scale))
    com_local = sum(h.volume * np.asarray(h.center_mass) for h in geo.hulls) / geo.volume


    com = quat_to_mat(obj[3:]) @ com_local + obj[:3]
    r = com - G[:3, 3]
    return float(abs(G[:3, 1] @ np.cross(r, [0.0, 0.0, 1.0])))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--engine", default="pybullet")
    ap.add_argument("overrides", nargs="*", help="the rollout.<engine>.* settings whose rows to study")
    args = ap.parse_args()
    cfg = load_check_config(args.dir, args.overrides)
    key = engine_settings(cfg, args.engine)
    rows = [r for r in read_side_table(args.dir) if r["engine"] == args.engine and r.get("engine_settings") == key]
    good = [r for r in rows if not r["error"]]
    print(f"settings: {key}")
    print(format_summary(summarize(rows), args.engine))
    catalog = build_catalog(cfg.scene.asset_sources)
    for r in good:
        r["torque_arm_m"] = torque_arm(os.path.join(args.dir, f"shard-{r['shard']:06d}.hdf5"), r["episode_index"], catalog)

    def stats(name: str) -> str:
        v = np.array([r[name] for r in good if r[name] is not None and np.isfinite(r[name])])
        return f"median {np.median(v):.4f}, p90 {np.percentile(v, 90):.4f}, max {v.max():.4f}"

    print()
    for name in ("mujoco_final_rise_m", "engine_final_rise_m", "mujoco_slip_m", "engine_slip_m", "torque_arm_m",
                 "mass_kg", "size_m", "seconds"):
        print(f"{name:22} {stats(name)}")
    agree = [r for r in good if r["engine_held"] == r["mujoco_held"]]
    differ = [r for r in good if r["engine_held"] != r["mujoco_held"]]
    for name, group in (("agree", agree), ("disagree", differ)):
        if group:
            arm = np.array([r["torque_arm_m"] for r in group])
            print(f"{name:9} n={len(group):4}  torque arm median {np.median(arm):.4f} m, mean {arm.mean():.4f} m")
    print("\ndisagreements:")
    cols = ("episode_index", "category", "mass_kg", "size_m", "grasp_width_m", "torque_arm_m", "mujoco_final_rise_m",
            "engine_final_rise_m", "mujoco_slip_m", "engine_slip_m")
    print(" ".join(f"{c[:14]:>14}" for c in cols))
    for r in differ:
        print(" ".join(f"{r[c]:>14.4f}" if isinstance(r[c], float) else f"{r[c]!s:>14}" for c in cols))
    print(json.dumps(summarize(rows)["overall"]))


if __name__ == "__main__":
    main()
