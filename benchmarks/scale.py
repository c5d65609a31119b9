"""Scale benchmark: the driver, resume and LeRobot finalize over N shards, without rendering.

Usage: python benchmarks/scale.py --shards 10000 [--episodes-per-shard 2] [--frames 3] [--out DIR]

Each phase runs in its own child process so that its peak RSS is its own:

1. **generate**: the real driver (``cluster.driver.run``) plans N shards and keeps a bounded
   number in flight on a synthetic executor that writes each shard's real LeRobot staging files
   (frames/episodes parquet and colour histograms from the real writer functions, MP4s copied
   from one encoded template, tiny synthetic episodes of a few frames) and its record.
2. **resume**: the driver again over the finished run: one listing decides that every shard
   is complete; the shard table is reconciled; nothing is submitted.
3. **finalize**: streaming LeRobot finalize of all N shards (packed data and video files).
4. **refinalize**: finalize again with nothing new (every packed file kept).

``--driver-only`` writes records without data files (no finalize phases), to take the driver and
resume figures to larger N on a small machine.

Figures, one per line: seconds and peak RSS [MB] per phase, the RSS of a child that only imports
(baseline), files written and kept by finalize, and the manifest's size (summary + shard table).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np


def _cfg(n: int, eps: int):
    from syngrasp.app.config import load_config

    return load_config(None, ["writer.format=lerobot", f"writer.shard_size={eps}", "scene.image_size=[32,32]",
                              "cluster.max_in_flight=8", "writer.data_files_size_in_mb=100",
                              "writer.video_files_size_in_mb=200"], seed=0, episodes=n * eps)


def _episode(idx: int, frames: int, cams: tuple[str, ...]):
    from syngrasp.core.episode import Episode

    rng = np.random.default_rng(idx)
    f = {
        "observation.state": rng.normal(size=(frames, 8)).astype(np.float32),
        "observation.ee_pose": rng.normal(size=(frames, 7)).astype(np.float32),
        "action": rng.normal(size=(frames, 7)).astype(np.float32),
        "action.joint": rng.normal(size=(frames, 8)).astype(np.float32),
        "annotation.object_pose": rng.normal(size=(frames, 7)).astype(np.float32),
        "annotation.phase": np.minimum(np.arange(frames), 5).astype(np.int64),
    }
    for c in cams:
        f[f"observation.images.{c}"] = rng.integers(0, 255, (frames, 32, 32, 3), dtype=np.uint8)
        f[f"annotation.bbox.{c}"] = np.tile(np.float32([2, 2, 20, 20]), (frames, 1))
    meta = {"episode_index": idx, "instruction": f"pick up the {'red' if idx % 2 else 'blue'} mug", "success": True,
            "failure_reason": "", "attempts": 1, "seed": 0, "grasp_width": 0.04, "grasp_pose": np.eye(4),
            "scene": json.dumps({"objects": [{"category": "mug"}], "target_index": 0, "lights": []}),
            "version": "bench", "schema_version": "1.0", "fps": 10.0, "max_penetration_m": 0.0, "visibility_redraws": 0}
    cameras = {c: {"intrinsics": np.eye(3), "extrinsics": np.eye(4)} for c in cams}
    return Episode(f, cameras, meta)


class SyntheticExecutor:
    """Writes a shard's real staging files and record instantly (no simulation, no rendering)."""

    slots = 2
    cams = ("front", "side")

    def __init__(self, cfg, dest, progress, frames: int = 3, records_only: bool = False):
        from syngrasp.exporters.video import encode_video

        self.cfg, self.dest, self.progress, self.frames = cfg, dest, progress, frames
        self.records_only = records_only
        self.done = []
        self.template = os.path.join(dest.staging, "template.mp4.bench")
        n = cfg.writer.shard_size * frames
        encode_video(np.zeros((n, 32, 32, 3), np.uint8), self.template, 10.0, "libx264", 30, 10, 10, "yuv420p")

    def submit(self, shard) -> None:
        import pyarrow.parquet as pq

        from syngrasp.cluster.shards import record_path
        from syngrasp.core.atomic import atomic_write_text, sha256_file
        from syngrasp.exporters.formats.lerobot import layout, tables

        out = self.dest.staging
        if self.records_only:  # --driver-only: the record alone (no data files), to scale the driver further
            rec = {"shard_index": shard.index, "episode_range": [shard.lo, shard.hi],
                   "record": os.path.basename(record_path(out, shard)), "files": {}, "episodes_written": [],
                   "frames": 0, "successes": 0, "failures": {}, "errors": [], "bytes": 0}
            with open(record_path(out, shard), "w") as f:
                f.write(json.dumps(rec))
            self.done.append((shard, rec))
            return
        eps = [_episode(i, self.frames, self.cams) for i in range(shard.lo, shard.hi)]
        for e in eps:
            e.meta["shard_index"] = shard.index
        rels = []
        for c in self.cams:
            rel = layout.video_rel(f"observation.images.{c}", shard.index)
            os.makedirs(os.path.dirname(os.path.join(out, rel)), exist_ok=True)
            with open(self.template, "rb") as src, open(os.path.join(out, rel), "wb") as dst:
                dst.write(src.read())
            rels.append(rel)
        from_ts = {c: [i * self.frames / 10.0 for i in range(len(eps))] for c in self.cams}
        for kind, write in (("frames", lambda p: pq.write_table(tables.frames_table(eps), p)),
                            ("stats", lambda p: open(p, "w").write(json.dumps(tables.shard_histograms(eps)))),
                            ("episodes", lambda p: pq.write_table(tables.episodes_table(eps, shard.index, from_ts), p))):
            rel = layout.staging_rel(kind, shard.index)
            os.makedirs(os.path.dirname(os.path.join(out, rel)), exist_ok=True)
            write(os.path.join(out, rel))
            rels.append(rel)
        files = {r: {"bytes": os.path.getsize(os.path.join(out, r)), "sha256": sha256_file(os.path.join(out, r))}
                 for r in rels}
        rec = {"shard_index": shard.index, "episode_range": [shard.lo, shard.hi],
               "record": os.path.basename(record_path(out, shard)), "files": files,
               "episodes_written": list(range(shard.lo, shard.hi)), "frames": self.frames * len(eps),
               "successes": len(eps), "failures": {}, "errors": [], "bytes": sum(f["bytes"] for f in files.values())}
        atomic_write_text(record_path(out, shard), json.dumps(rec, indent=1, sort_keys=True))
        self.done.append((shard, rec))
        for e in eps:
            self.progress.episode(e.num_frames, True)

    def poll(self, timeout_s: float):
        out, self.done = self.done, []
        return out

    def close(self) -> None:
        pass


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child(phase: str, out: str, n: int, eps: int, frames: int, records_only: bool = False) -> dict:
    t0 = time.perf_counter()
    result = {}
    if phase == "baseline":
        from syngrasp.cluster import driver  # noqa: F401
        from syngrasp.exporters.formats.lerobot import finalize  # noqa: F401
    elif phase in ("generate", "resume"):
        from syngrasp.cluster.driver import run

        cfg = _cfg(n, eps)
        man = run(cfg, out, lambda c, d, p: SyntheticExecutor(c, d, p, frames, records_only), progress=False,
                  finalize=False)
        result["shards"] = man["shards"]
    else:
        from syngrasp.cluster.destination import Destination
        from syngrasp.exporters.formats.lerobot.finalize import finalize_lerobot

        cfg = _cfg(n, eps)
        flags = Destination(out).listed_records(n)
        res = finalize_lerobot(out, (k for k in range(n) if flags[k]), cfg.writer, {"rollout": {"robot": "panda"}})
        result.update(files_written=res.files_written, files_kept=res.files_kept, episodes=res.info["total_episodes"])
    result.update(seconds=round(time.perf_counter() - t0, 3), peak_rss_mb=round(_peak_mb(), 1))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shards", type=int, default=1000)
    ap.add_argument("--episodes-per-shard", type=int, default=2)
    ap.add_argument("--frames", type=int, default=3, help="frames per synthetic episode")
    ap.add_argument("--out", help="folder to build in (default: a temp folder, removed after)")
    ap.add_argument("--driver-only", action="store_true",
                    help="shards are records without data files: driver and resume figures only, no finalize")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.out, args.shards, args.episodes_per_shard, args.frames,
                               args.driver_only)))
        return
    tmp = None
    if args.out is None:
        tmp = tempfile.TemporaryDirectory(prefix="syngrasp-scale-")
        args.out = os.path.join(tmp.name, "run")

    def phase(name: str) -> dict:
        cmd = [sys.executable, os.path.abspath(__file__), "--child", name, "--out", args.out, "--shards",
               str(args.shards), "--episodes-per-shard", str(args.episodes_per_shard), "--frames", str(args.frames)]
        cmd += ["--driver-only"] if args.driver_only else []
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
        return json.loads(res.stdout.strip().splitlines()[-1])

    n = args.shards
    print(f"shards: {n}")
    print(f"episodes: {n * args.episodes_per_shard}")
    base = phase("baseline")
    print(f"baseline_child_peak_rss_mb: {base['peak_rss_mb']}")
    for name in ("generate", "resume") if args.driver_only else ("generate", "resume", "finalize", "refinalize"):
        r = phase(name)
        label = {"generate": "driver_plan_track", "resume": "resume_check"}.get(name, name)
        print(f"{label}_s: {r['seconds']}")
        print(f"{label}_peak_rss_mb: {r['peak_rss_mb']}")
        if "files_written" in r:
            print(f"{label}_files_written: {r['files_written']}")
            print(f"{label}_files_kept: {r['files_kept']}")
    man = os.path.join(args.out, "manifest.json")
    table = os.path.join(args.out, "shards.jsonl")
    print(f"manifest_summary_bytes: {os.path.getsize(man)}")
    print(f"shard_table_bytes: {os.path.getsize(table)}")
    print(f"shard_table_bytes_per_shard: {os.path.getsize(table) / n:.0f}")
    data = sum(len(fs) for _, _, fs in os.walk(os.path.join(args.out, "data")))
    vids = sum(len(fs) for _, _, fs in os.walk(os.path.join(args.out, "videos")))
    print(f"packed_data_files: {data}")
    print(f"packed_video_files: {vids}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
