"""Render cost of each quality preset (and of single settings) on the same scenes, one core.

Usage: python benchmarks/render_presets.py [--scenes 6] [--frames 40] [--seed 0] [key=value ...]

For each variant, the same settled default scenes are rendered from every
camera at ``--frames`` robot configurations (home plus noise). Prints images/s
per variant and its cost relative to ``fast`` (a ratio within this run), plus
the share of render time FXAA takes. One llvmpipe thread (LP_NUM_THREADS=1),
as each worker of a run renders, so figures are per core.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("LP_NUM_THREADS", "1")

import numpy as np

from syngrasp.app.config import load_config
from syngrasp.core.rng import episode_rng
from syngrasp.generators.config import RenderConfig
from syngrasp.generators.episode import EpisodeGenerator
from syngrasp.generators.mujoco_backend.postfx import fxaa
from syngrasp.randomization.scene import sample_scene

VARIANTS = {
    "fast": {"preset": "fast"},
    "balanced": {"preset": "balanced"},
    "balanced, no shadows": {"preset": "balanced", "shadows": False},
    "balanced, 256 px shadow map": {"preset": "balanced", "shadow_size": 256},
    "balanced, 1024 px shadow map": {"preset": "balanced", "shadow_size": 1024},
    "balanced, MSAA 4x instead of FXAA": {"preset": "balanced", "msaa": 4, "fxaa": False},
    "balanced, full robot meshes": {"preset": "balanced", "robot_lod": False},
    "high": {"preset": "high"},
}


def time_variant(cfg, scenes, frames: int, render: RenderConfig) -> tuple[float, int]:
    """(seconds spent rendering, images) over ``scenes`` with quality ``render``."""
    gen = EpisodeGenerator(dataclasses.replace(cfg, render=render))
    seconds, images = 0.0, 0
    for k, scene in enumerate(scenes):
        sim = gen.compile(scene)
        rig = gen.camera_rig(sim)
        rng = np.random.default_rng(k)
        home = np.asarray(gen.robot.home_qpos)
        for _ in range(frames):
            sim.reset_robot(home + rng.uniform(-0.3, 0.3, len(home)), gen.robot.gripper_ctrl_open)
            t0 = time.perf_counter()
            for cam in rig.names:
                rig.render(sim.data, cam)
            seconds += time.perf_counter() - t0
            images += len(rig.names)
        rig.close()
    return seconds, images


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=6)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg = load_config(None, args.overrides, seed=args.seed, episodes=args.scenes)
    gen = EpisodeGenerator(cfg)
    scenes = [sample_scene(cfg.scene, gen.catalog, gen.robot, episode_rng(args.seed, i)) for i in range(args.scenes)]
    time_variant(cfg, scenes[:1], 2, RenderConfig())  # warm caches (LOD, textures, GL) outside the timing
    rates = {}
    for name, keys in VARIANTS.items():
        sec, n = time_variant(cfg, scenes, args.frames, RenderConfig(**keys))
        rates[name] = n / sec
    plain = EpisodeGenerator(dataclasses.replace(cfg, render=RenderConfig(fxaa=False)))
    sim = plain.make_sim(scenes[0])
    rig = plain.camera_rig(sim)
    frames = [rig.render(sim.data, cam) for cam in rig.names]
    rig.close()
    t0 = time.perf_counter()
    for _ in range(50):
        for f in frames:
            fxaa(f)
    fxaa_ms = (time.perf_counter() - t0) / (50 * len(frames)) * 1000
    report = {
        "images_per_s": {k: round(v, 1) for k, v in rates.items()},
        "cost_relative_to_fast": {k: round(rates["fast"] / v, 2) for k, v in rates.items()},
        "fxaa_ms_per_image": round(fxaa_ms, 2),
        "image_size": list(cfg.scene.image_size),
        "scenes": args.scenes,
        "frames_per_scene": args.frames,
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
