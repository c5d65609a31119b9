"""Before/after sheet: the same episodes drawn the old way, by the classic engine and by Filament.

Usage: python scripts/render_sheet.py --seed 0 --indices 0,1,2,3,4,5,6,7 --out docs/render_engines.png [--panel 192]

Rows, each the front and the side view of every episode at its settled start state:
  1. before: ``render.preset=balanced`` with the wild look only (``scene.appearance.realistic_share=0``)
     and no camera effects, which is what every frame looked like before the appearance distribution;
  2. classic: the default scene (appearance mix, camera effects) drawn by the classic engine (``balanced``);
  3. photoreal: the same scene spec drawn by Filament (``photoreal``, the default preset).
Rows 2 and 3 show one SceneSpec (the one the default config's visibility check settled on).
"""

from __future__ import annotations

import argparse
import dataclasses
import os

os.environ.setdefault("MUJOCO_GL", "egl")

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from syngrasp.app.config import load_config  # noqa: E402
from syngrasp.generators.camera_effects import apply_camera_effects  # noqa: E402
from syngrasp.generators.config import RenderConfig  # noqa: E402
from syngrasp.generators.episode import EpisodeGenerator  # noqa: E402


def settled_scene(gen: EpisodeGenerator, seed: int, index: int):
    """The episode's scene and sim after settling and the visibility check (cameras and lights as generated)."""
    scene, sim, grasps, rng = gen.setup(seed, index, {})
    points = gen.collision_points(scene, scene.target_index)
    scene, sim, rig, _, _ = gen.ensure_visible(scene, sim, points, rng.spawn(1)[0])
    rig.close()
    return scene, sim


def views(gen: EpisodeGenerator, scene, sim) -> list[np.ndarray]:
    """Frame 0 of every static camera, through the scene's camera effects."""
    rig = gen.camera_rig(sim)
    fx = {e.camera: e for e in scene.camera_effects}
    out = []
    for cam in rig.static:
        img = rig.render(sim, cam)
        out.append(apply_camera_effects(img, fx[cam], 0) if cam in fx else img)
    rig.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--indices", default="0,1,2,3,4,5,6,7")
    ap.add_argument("--out", default="render_engines.png")
    ap.add_argument("--panel", type=int, default=192, help="panel side [px]")
    ap.add_argument("--per-row", type=int, default=4, help="episodes side by side")
    args = ap.parse_args()
    indices = [int(i) for i in args.indices.split(",")]
    old = EpisodeGenerator(load_config(None, ["render.preset=balanced", "scene.appearance.realistic_share=0",
                                              "scene.camera_effects.enabled=false"], seed=args.seed, episodes=1))
    new_cfg = load_config(None, [], seed=args.seed, episodes=1)
    new = EpisodeGenerator(new_cfg)
    classic = EpisodeGenerator(dataclasses.replace(new_cfg, render=RenderConfig(preset="balanced")))
    rows: dict[str, list[np.ndarray]] = {"before: balanced, wild look": [], "classic engine (balanced)": [],
                                         "Filament (photoreal)": []}
    labels = []
    for i in indices:
        rows["before: balanced, wild look"] += views(old, *settled_scene(old, args.seed, i))
        scene, sim = settled_scene(new, args.seed, i)
        labels.append(f"#{i} {scene.appearance}")
        rows["Filament (photoreal)"] += views(new, scene, sim)
        twin = classic.compile(scene)  # the same scene for the classic engine, at the settled state
        twin.set_state(sim.get_state())
        rows["classic engine (balanced)"] += views(classic, scene, twin)
    p, pad = args.panel, 14
    per = 2 * args.per_row  # panels per row: two views per episode
    groups = [range(g, min(g + args.per_row, len(indices))) for g in range(0, len(indices), args.per_row)]
    band = pad + len(rows) * (p + pad)
    sheet = Image.new("RGB", (per * p, len(groups) * band), "black")
    draw = ImageDraw.Draw(sheet)
    for gi, group in enumerate(groups):
        y0 = gi * band
        for k, e in enumerate(group):  # two views per episode
            draw.text((k * 2 * p + 4, y0 + 1), labels[e], fill=(255, 255, 255))
        for r, (name, imgs) in enumerate(rows.items()):
            y = y0 + pad + r * (p + pad)
            draw.text((4, y + 1), name, fill=(255, 255, 0))
            for k, e in enumerate(group):
                for v in range(2):
                    img = imgs[2 * e + v]
                    sheet.paste(Image.fromarray(img).resize((p, p), Image.Resampling.LANCZOS), ((2 * k + v) * p, y + pad))
    sheet.save(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
