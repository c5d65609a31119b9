"""Render cost of each quality preset (and of single settings and effects) on the same scenes, one core.

Usage: python benchmarks/render_presets.py [--scenes 6] [--frames 40] [--seed 0] [--only "NAME;..."] [key=value ...]

For each variant, the same settled default scenes (the default appearance mix:
realistic and wild) are rendered from every camera at ``--frames`` robot
configurations (home plus noise). Prints images/s per variant, both per wall
second and per CPU second of this process (Filament renders on its own threads,
so CPU time is the per-core figure), and each variant's cost relative to
``fast`` (a ratio within this run); plus the share of render time FXAA takes and
the cost of the camera effects per image. One llvmpipe/lavapipe thread
(LP_NUM_THREADS=1), as each worker of a run renders.

Filament effect costs are the differences between "photoreal" and the variants
that switch one effect off or on (SSAO, shadows, PCSS, the environment light, FXAA).
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
from syngrasp.generators.camera_effects import apply_camera_effects
from syngrasp.generators.mujoco_backend.postfx import fxaa
from syngrasp.core.scene import CameraEffectsSpec
from syngrasp.randomization.camera_effects import sample_camera_effects
from syngrasp.randomization.scene import sample_scene

VARIANTS = {
    "photoreal": {"preset": "photoreal"},
    "photoreal, with SSAO (leaks memory)": {"preset": "photoreal", "ssao": True},
    "photoreal, no shadows": {"preset": "photoreal", "shadows": False},
    "photoreal, PCSS soft shadows": {"preset": "photoreal", "shadow_type": "pcss"},
    "photoreal, no environment light": {"preset": "photoreal", "_no_environment": True},
    "photoreal, no FXAA": {"preset": "photoreal", "fxaa": False},
    "fast": {"preset": "fast"},
    "balanced": {"preset": "balanced"},
    "balanced, no shadows": {"preset": "balanced", "shadows": False},
    "balanced, 256 px shadow map": {"preset": "balanced", "shadow_size": 256},
    "balanced, 1024 px shadow map": {"preset": "balanced", "shadow_size": 1024},
    "balanced, MSAA 4x instead of FXAA": {"preset": "balanced", "msaa": 4, "fxaa": False},
    "balanced, full robot meshes": {"preset": "balanced", "robot_lod": False},
    "high": {"preset": "high"},
}


def time_variant(cfg, scenes, frames: int, render: RenderConfig) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds spent rendering, images) over ``scenes`` with quality ``render``."""
    gen = EpisodeGenerator(dataclasses.replace(cfg, render=render))
    seconds, cpu, images = 0.0, 0.0, 0
    for k, scene in enumerate(scenes):
        sim = gen.compile(scene)
        rig = gen.camera_rig(sim)
        rng = np.random.default_rng(k)
        home = np.asarray(gen.robot.home_qpos)
        for _ in range(frames):
            sim.reset_robot(home + rng.uniform(-0.3, 0.3, len(home)), gen.robot.gripper_ctrl_open)
            t0, c0 = time.perf_counter(), time.process_time()
            for cam in rig.names:
                rig.render(sim.data, cam)
            seconds += time.perf_counter() - t0
            cpu += time.process_time() - c0
            images += len(rig.names)
        rig.close()
    return seconds, cpu, images


def camera_effects_ms(cfg, frames: list[np.ndarray]) -> dict[str, float]:
    """ms per image of the default camera effects drawn for a few cameras, all on and each alone."""
    specs = sample_camera_effects(cfg.scene.camera_effects, ("a", "b", "c", "d"), np.random.default_rng(0))
    fields = {"noise": ("full_well", "read_noise_dn"), "white balance": ("wb_gains",), "exposure": ("exposure_ev",),
              "vignetting": ("vignetting",), "defocus": ("defocus_sigma",)}
    out = {}
    for name in ("all", *fields):
        if name == "all":
            variants = specs
        else:
            ident = CameraEffectsSpec("x")
            variants = [dataclasses.replace(ident, noise_seed=s.noise_seed, **{k: getattr(s, k) for k in fields[name]})
                        for s in specs]
        t0 = time.process_time()
        n = 0
        for _ in range(25):
            for s in variants:
                for f in frames:
                    apply_camera_effects(f, s, n)
                    n += 1
        out[name] = round((time.process_time() - t0) / n * 1000, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=6)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="semicolon-separated variant names (default: all)")
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg = load_config(None, args.overrides, seed=args.seed, episodes=args.scenes)
    gen = EpisodeGenerator(cfg)
    scenes = [sample_scene(cfg.scene, gen.catalog, gen.robot, episode_rng(args.seed, i)) for i in range(args.scenes)]
    time_variant(cfg, scenes[:1], 2, RenderConfig())  # warm caches (LOD, textures, GL) outside the timing
    time_variant(cfg, scenes[:1], 2, RenderConfig(preset="photoreal"))  # Filament's context and shaders
    rates, cpu_rates = {}, {}
    wanted = [v.strip() for v in args.only.split(";") if v.strip()] or list(VARIANTS)
    for name in wanted:
        keys = dict(VARIANTS[name])
        plain = [dataclasses.replace(sc, environment=None) for sc in scenes] if keys.pop("_no_environment", False) else scenes
        sec, cpu, n = time_variant(cfg, plain, args.frames, RenderConfig(**keys))
        rates[name], cpu_rates[name] = n / sec, n / cpu
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
    fx_ms = camera_effects_ms(cfg, frames)
    base = cpu_rates.get("fast", next(iter(cpu_rates.values())))
    report = {
        "images_per_wall_s": {k: round(v, 1) for k, v in rates.items()},
        "images_per_cpu_s": {k: round(v, 1) for k, v in cpu_rates.items()},
        "cpu_cost_relative_to_fast": {k: round(base / v, 2) for k, v in cpu_rates.items()},
        "ms_per_image_cpu": {k: round(1000 / v, 1) for k, v in cpu_rates.items()},
        "fxaa_ms_per_image": round(fxaa_ms, 2),
        "camera_effects_ms_per_image": fx_ms,
        "image_size": list(cfg.scene.image_size),
        "scenes": args.scenes,
        "frames_per_scene": args.frames,
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
