"""Visual QA: render one episode's scene from every camera with its labels overlaid.

    python preview_scene.py --seed 0 --index 3 --out preview.png [key=value ...]
    syngrasp preview --seed 0 --index 3 --out preview.png

Each camera panel shows the settled scene at the robot's start pose, the
target's 2D box (red), the top grasp candidates (closing axis as a segment,
green = best) and the planned end-effector path (yellow), with the instruction.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("MUJOCO_GL", "egl")  # before mujoco is imported

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402


def render_sheet(cfg, seed: int, index: int) -> Image.Image:
    from syngrasp.generators.camera import CameraRig
    from syngrasp.generators.episode import EpisodeGenerator
    from syngrasp.planners.motion import PlanningFailure

    gen = EpisodeGenerator(cfg)
    scene, sim, grasps = gen.setup(seed, index, {})
    path = None
    for g in grasps:
        try:
            traj = gen.plan(scene, sim, g)
        except PlanningFailure:
            continue
        path = np.array([sim.fk(q)[:3, 3] for q in traj.q])
        break
    names = tuple(c.name for c in scene.cameras)
    h, w = scene.cameras[0].height, scene.cameras[0].width
    rig = CameraRig(sim.model, names, h, w)
    hull = gen.target_hull_local(scene)
    P = sim.object_pose(scene.target_index)
    target_pts = np.asarray(hull.vertices) @ P[:3, :3].T + P[:3, 3]
    sheet = Image.new("RGB", (w * len(names), h + 18), "black")
    for k, cam in enumerate(names):
        im = Image.fromarray(rig.render(sim.data, cam))
        d = ImageDraw.Draw(im)
        box = rig.bbox(sim.data, cam, target_pts)
        if box[0] >= 0:
            d.rectangle(box.tolist(), outline=(255, 0, 0))
        for rank, g in enumerate(reversed(grasps)):
            a = g.pose[:3, 3] - g.pose[:3, 1] * g.width / 2
            b = g.pose[:3, 3] + g.pose[:3, 1] * g.width / 2
            uv = rig.project(sim.data, cam, np.stack([a, b]))
            colour = (0, 255, 0) if rank == len(grasps) - 1 else (0, 140, 255)
            if np.all(np.isfinite(uv)):
                d.line([tuple(uv[0]), tuple(uv[1])], fill=colour, width=2)
        if path is not None:
            uv = rig.project(sim.data, cam, path)
            pts = [tuple(p) for p in uv if np.all(np.isfinite(p))]
            if len(pts) > 1:
                d.line(pts, fill=(255, 220, 0), width=1)
        d.text((3, 3), cam, fill=(255, 255, 255))
        sheet.paste(im, (k * w, 0))
    rig.close()
    status = f"seed {seed} episode {index}: '{scene.instruction}', {len(grasps)} grasps"
    status += "" if path is not None else ", no feasible motion"
    ImageDraw.Draw(sheet).text((3, h + 3), status, fill=(255, 255, 255))
    return sheet


def main(argv: list[str] | None = None) -> int:
    from syngrasp.core.config import load_config
    from syngrasp.core.errors import SyngraspError

    ap = argparse.ArgumentParser(prog="preview_scene.py", description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0, help="run seed")
    ap.add_argument("--index", type=int, default=0, help="episode index")
    ap.add_argument("--out", default="preview.png", help="PNG contact sheet to write")
    ap.add_argument("--config", help="YAML config file")
    ap.add_argument("overrides", nargs="*", metavar="key=value")
    args = ap.parse_args(argv)
    try:
        cfg = load_config(args.config, args.overrides, seed=args.seed, episodes=max(args.index + 1, 1))
        sheet = render_sheet(cfg, args.seed, args.index)
    except SyngraspError as e:
        print(f"preview_scene: error: {e}", file=sys.stderr)
        return 2
    sheet.save(args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
