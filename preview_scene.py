"""Visual QA: render one episode's scene from every camera with its labels overlaid.

    python preview_scene.py --seed 0 --index 3 --out preview.png [key=value ...]
    python preview_scene.py --seed 0 --grid 16 --out grid.png     # 16 randomized scenes
    python preview_scene.py --seed 0 --index 3 --interactive      # MuJoCo viewer (needs a display)
    syngrasp preview ...                                          # same options

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
    from syngrasp.generators.episode import EpisodeGenerator
    from syngrasp.planners.motion import PlanningFailure

    gen = EpisodeGenerator(cfg)
    scene, sim, grasps, rng = gen.setup(seed, index, {})
    rig, redraws, visible = None, 0, True
    if grasps:  # the episode's own camera and light draws, redrawn as generation would
        local = gen.collision_points(scene, scene.target_index)
        scene, sim, rig, redraws, visible = gen.ensure_visible(scene, sim, local, rng.spawn(1)[0])
    path = None
    for g in grasps:
        try:
            traj = gen.plan(scene, sim, g, rng)
        except PlanningFailure:
            continue
        path = np.array([sim.fk(q)[:3, 3] for q in traj.q])
        break
    names = tuple(c.name for c in scene.cameras)
    h, w = scene.cameras[0].height, scene.cameras[0].width
    rig = rig or gen.camera_rig(sim)
    P = sim.object_pose(scene.target_index)
    target_pts = gen.collision_points(scene, scene.target_index) @ P[:3, :3].T + P[:3, 3]
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
    status += f", {redraws} view redraws" if redraws else ""
    status += "" if visible else ", target not visible"
    ImageDraw.Draw(sheet).text((3, h + 3), status, fill=(255, 255, 255))
    return sheet


def render_grid(cfg, seed: int, first: int, n: int, camera: str | None = None) -> Image.Image:
    """Episodes first .. first+n-1 of ``seed``, one panel each (settled scene, start pose), in a grid."""
    from syngrasp.generators.mujoco_backend.camera import CameraRig
    from syngrasp.generators.episode import EpisodeGenerator
    from syngrasp.randomization.scene import sample_scene
    from syngrasp.core.rng import episode_rng

    gen = EpisodeGenerator(cfg)
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    h, w = cfg.scene.image_size
    sheet = Image.new("RGB", (cols * w, rows * (h + 14)), "black")
    for k in range(n):
        scene = sample_scene(cfg.scene, gen.catalog, gen.robot, episode_rng(seed, first + k))
        sim = gen.make_sim(scene)
        cam = camera or scene.cameras[0].name
        rig = CameraRig(sim.model, (cam,), h, w, cfg.render)
        im = Image.fromarray(rig.render(sim.data, cam))
        rig.close()
        x, y = (k % cols) * w, (k // cols) * (h + 14)
        sheet.paste(im, (x, y))
        ImageDraw.Draw(sheet).text((x + 2, y + h + 1), f"#{first + k} {scene.instruction}", fill=(255, 255, 255))
    return sheet


def interactive(cfg, seed: int, index: int) -> None:
    """Open MuJoCo's viewer on the settled scene; needs a display."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        from syngrasp.core.errors import ConfigError

        raise ConfigError("--interactive", "needs a display (DISPLAY is not set); use --out FILE.png instead")
    from syngrasp.generators.episode import EpisodeGenerator
    from syngrasp.generators.mujoco_backend.viewer import launch_viewer

    gen = EpisodeGenerator(cfg)
    scene, sim, _, _ = gen.setup(seed, index, {})
    launch_viewer(sim)


def main(argv: list[str] | None = None) -> int:
    from syngrasp.app.config import load_config
    from syngrasp.core.errors import ConfigError, SyngraspError

    ap = argparse.ArgumentParser(prog="preview_scene.py", description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0, help="run seed")
    ap.add_argument("--index", type=int, default=0, help="episode index")
    ap.add_argument("--out", default="preview.png", help="PNG contact sheet to write")
    ap.add_argument("--grid", type=int, default=0, help="show N randomized scenes (episodes index..index+N-1)")
    ap.add_argument("--camera", help="camera for --grid panels (default: the first)")
    ap.add_argument("--interactive", action="store_true", help="open MuJoCo's viewer instead of writing a PNG")
    ap.add_argument("--config", help="YAML config file")
    ap.add_argument("overrides", nargs="*", metavar="key=value")
    args = ap.parse_args(argv)
    try:
        cfg = load_config(args.config, args.overrides, seed=args.seed, episodes=max(args.index + 1, 1))
        if args.grid < 0:
            raise ConfigError("--grid", "must be >= 0")
        if args.interactive:
            interactive(cfg, args.seed, args.index)
            return 0
        if args.grid:
            sheet = render_grid(cfg, args.seed, args.index, args.grid, args.camera)
        else:
            sheet = render_sheet(cfg, args.seed, args.index)
    except (SyngraspError, RuntimeError) as e:
        print(f"preview_scene: error: {e}", file=sys.stderr)
        return 2
    sheet.save(args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
