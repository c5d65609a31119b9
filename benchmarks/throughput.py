"""End-to-end generation throughput on one core against the render-only limit.

Usage: python benchmarks/throughput.py [--episodes 10] [--seed 0] [key=value ...]

Runs one shard in this process with one render thread (LP_NUM_THREADS=1, as
each worker of a run gets), so every figure is per core. Prints, from one run:
  * end-to-end frames/s (scene build, planning, visibility, physics, render, write)
  * render-only frames/s: the same scenes and cameras re-rendered at the recorded
    joint and object states, nothing else (the ceiling for this renderer)
  * their ratio, the time split by stage, the success rate and bytes per frame
  * core-hours per billion frames at the end-to-end rate
  * the target's size in pixels at frame 0 (longer side of its box, largest over
    the cameras): percentiles and the share of episodes at >= 32 px
  * the cost of randomization (scene sampling, texture generation and upload,
    model compile and settling) per episode and as a share of episode time
A frame is one time step with every camera rendered (2 x 256^2 by default).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("MUJOCO_GL", "egl")  # before mujoco is imported
os.environ.setdefault("LP_NUM_THREADS", "1")  # one llvmpipe thread: figures per core

import numpy as np

import mujoco

from syngrasp.cluster.shards import Shard, run_shard
from syngrasp.app.config import load_config
from syngrasp.exporters.formats.hdf5.reader import read_episode, shard_episode_indices
from syngrasp.generators.episode import STAGES, EpisodeGenerator
from syngrasp.core.scene import SceneSpec


def render_only(gen: EpisodeGenerator, shard_path: str) -> tuple[int, float]:
    """Re-render every recorded frame of a shard; returns (frames, seconds spent rendering)."""
    frames, seconds = 0, 0.0
    for idx in shard_episode_indices(shard_path):
        ep = read_episode(shard_path, idx)
        scene = SceneSpec.from_json(ep.meta["scene"])
        sim = gen.make_sim(scene)
        names = tuple(c.name for c in scene.cameras)
        rig = gen.camera_rig(sim)
        state = ep.frames["observation.state"]
        pose = ep.frames["annotation.object_pose"]
        qadr = sim.obj_qadr[scene.target_index]
        for t in range(ep.num_frames):
            sim.data.qpos[sim.arm_qadr] = state[t, : sim.n_arm]
            sim.data.qpos[sim.finger_qadr] = state[t, sim.n_arm] / 2
            sim.data.qpos[qadr : qadr + 7] = pose[t]
            mujoco.mj_forward(sim.model, sim.data)
            t0 = time.perf_counter()
            for c in names:
                rig.render(sim.data, c)
            seconds += time.perf_counter() - t0
        frames += ep.num_frames
        rig.close()
    return frames, seconds


def target_sizes(shard_path: str) -> np.ndarray:
    """(episodes,) longer side [px] of the target's box at frame 0, largest over the cameras."""
    out = []
    for idx in shard_episode_indices(shard_path):
        ep = read_episode(shard_path, idx)
        boxes = [v[0] for k, v in ep.frames.items() if k.startswith("annotation.bbox.")]
        out.append(max(float(max(b[2] - b[0], b[3] - b[1])) if b[0] >= 0 else 0.0 for b in boxes))
    return np.asarray(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--episodes", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg = load_config(None, args.overrides, seed=args.seed, episodes=args.episodes)
    gen = EpisodeGenerator(cfg)
    gen.generate(cfg.seed, 10_000_000)  # warm caches (mesh loading, GL) outside the timed run
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        rec = run_shard(cfg, out, Shard(0, 0, cfg.episodes), gen)
        wall = time.perf_counter() - t0
        path = os.path.join(out, f"shard-{0:06d}.hdf5")
        r_frames, r_sec = render_only(gen, path)
        sizes = target_sizes(path)
    e2e = rec["frames"] / wall
    limit = r_frames / r_sec if r_sec else float("nan")
    total = sum(rec["timings"].get(k, 0.0) for k in STAGES)
    report = {
        "episodes_attempted": cfg.episodes,
        "successes": rec["successes"],
        "success_rate": round(rec["successes"] / max(cfg.episodes, 1), 3),
        "failures": rec["failures"],
        "frames": rec["frames"],
        "cameras": [c.name for c in cfg.scene.cameras],
        "image_size": list(cfg.scene.image_size),
        "end_to_end_frames_per_s": round(e2e, 2),
        "render_only_frames_per_s": round(limit, 2),
        "ratio_end_to_end_over_render_only": round(e2e / limit, 3),
        "bytes_per_frame": round(rec["bytes"] / max(rec["frames"], 1)),
        "stage_seconds": {k: round(rec["timings"].get(k, 0.0), 2) for k in STAGES},
        "stage_share": {k: round(rec["timings"].get(k, 0.0) / total, 3) for k in STAGES},
        # randomization = sampling the SceneSpec + generating/uploading textures + compiling + settling
        "randomization_s_per_episode": round(rec["timings"].get("scene_build", 0.0) / max(cfg.episodes, 1), 3),
        "randomization_share_of_episode_time": round(rec["timings"].get("scene_build", 0.0) / total, 3),
        "core_hours_per_billion_frames": round(1e9 / e2e / 3600),
        "target_px_frame0": {
            "p1": round(float(np.percentile(sizes, 1)), 1) if len(sizes) else None,
            "p10": round(float(np.percentile(sizes, 10)), 1) if len(sizes) else None,
            "median": round(float(np.median(sizes)), 1) if len(sizes) else None,
            "share_ge_32px": round(float(np.mean(sizes >= 32)), 3) if len(sizes) else None,
        },
        "visibility_redraws": rec.get("visibility_redraws", 0),
        "wall_seconds": round(wall, 2),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
