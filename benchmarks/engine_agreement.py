"""Do the classic and Filament engines agree on geometry? Target masks and boxes over a run's episodes.

Usage: python benchmarks/engine_agreement.py [--episodes 10] [--seed 0] [key=value ...]

Generates ``--episodes`` episode indices with the default config (Filament), and for
every successful one rebuilds its scene and restores its recorded states at frames
0, T/2 and T-1 (arm joints, fingers, target pose). At each, both engines draw every
camera's segmentation; reported per episode: the smallest IoU of the target's masks
(classic vs Filament) over those frames and cameras where the target shows (>= 20 px),
and the smallest share of the target's pixels inside the labelled box
(``annotation.bbox.<cam>``, from projected collision hulls) in either engine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os

os.environ.setdefault("MUJOCO_GL", "egl")

import mujoco  # noqa: E402
import numpy as np  # noqa: E402

from syngrasp.app.config import load_config  # noqa: E402
from syngrasp.core.episode import bbox_key  # noqa: E402
from syngrasp.generators.config import RenderConfig  # noqa: E402
from syngrasp.generators.episode import EpisodeGenerator  # noqa: E402
from syngrasp.generators.mujoco_backend.camera import CameraRig  # noqa: E402
from syngrasp.core.scene import SceneSpec  # noqa: E402


def restore(sim, ep, t: int) -> None:
    """Show frame ``t`` of a recorded episode: arm joints, finger opening and target pose."""
    state, pose = ep.frames["observation.state"], ep.frames["annotation.object_pose"]
    sim.data.qpos[sim.arm_qadr] = state[t, : sim.n_arm]
    sim.data.qpos[sim.finger_qadr] = sim.robot.finger_qpos(sim.robot.command_from_width(float(state[t, sim.n_arm])))
    qadr = sim.obj_qadr[sim.scene.target_index]
    sim.data.qpos[qadr: qadr + 7] = pose[t]
    mujoco.mj_forward(sim.model, sim.data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg = load_config(None, args.overrides, seed=args.seed, episodes=args.episodes)
    gen = EpisodeGenerator(cfg)
    classic_cfg = RenderConfig(preset="balanced")
    rows = []
    for index in range(args.episodes):
        res = gen.generate(args.seed, index)
        if res.episode is None:
            rows.append({"index": index, "success": False, "reason": res.failure_reason})
            continue
        ep = res.episode
        scene = SceneSpec.from_json(ep.meta["scene"])
        sim = gen.make_sim(scene)
        target = np.flatnonzero(sim.model.geom_bodyid == sim.target_body)
        names = tuple(c.name for c in scene.cameras)
        h, w = scene.cameras[0].height, scene.cameras[0].width
        rigs = [CameraRig(sim.model, names, h, w, q) for q in (classic_cfg, cfg.render)]
        ious, inside = [], []
        for t in sorted({0, ep.num_frames // 2, ep.num_frames - 1}):
            restore(sim, ep, t)
            for cam in names:
                a, b = (np.isin(r.segmentation(sim.data, cam), target) for r in rigs)
                if min(a.sum(), b.sum()) < 20:
                    continue
                ious.append(float((a & b).sum() / (a | b).sum()))
                box = ep.frames[bbox_key(cam)][t]
                for m in (a, b):
                    ys, xs = np.nonzero(m)
                    ok = (xs + 0.5 >= box[0] - 1) & (xs + 0.5 <= box[2] + 1) & (ys + 0.5 >= box[1] - 1) & (ys + 0.5 <= box[3] + 1)
                    inside.append(float(ok.mean()))
        for r in rigs:
            r.close()
        rows.append({"index": index, "success": True, "appearance": scene.appearance, "views": len(ious),
                     "min_iou": round(min(ious), 4) if ious else None,
                     "min_share_in_box": round(min(inside), 4) if inside else None})
    done = [r for r in rows if r["success"] and r["min_iou"] is not None]
    print(json.dumps({"episodes": rows, "episodes_checked": len(done),
                      "min_iou_over_run": min(r["min_iou"] for r in done) if done else None,
                      "min_share_in_box_over_run": min(r["min_share_in_box"] for r in done) if done else None,
                      "settings": {"seed": args.seed, "overrides": args.overrides,
                                   "engines": ["classic (balanced)", dataclasses.asdict(cfg.render)["engine"]]}},
                     indent=1))


if __name__ == "__main__":
    main()
