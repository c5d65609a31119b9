"""Frames/s in-process, with N local worker processes, with 1 and N local Ray workers.

Usage: python benchmarks/workers.py [--episodes 20] [--shard-size 5] [--workers 2] [key=value ...]

All runs generate the same episodes (identical shards, checked); the overhead
per shard is (Ray 1-worker wall time - in-process wall time) / shards, which
includes starting Ray, importing syngrasp in the worker and scheduling. The
process pool (the default executor of a local run) is timed beside Ray.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("MUJOCO_GL", "egl")

from syngrasp.cluster.local import generate_local  # noqa: E402
from syngrasp.cluster.processes import generate_processes  # noqa: E402
from syngrasp.cluster.ray_driver import generate_ray  # noqa: E402
from syngrasp.app.config import load_config  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--shard-size", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg = load_config(None, [*args.overrides, f"writer.shard_size={args.shard_size}"], seed=args.seed,
                      episodes=args.episodes)
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, fn in (
            ("in_process", lambda out: generate_local(cfg, out, progress=False)),
            (f"processes_{args.workers}_workers",
             lambda out: generate_processes(cfg, out, workers=args.workers, progress=False)),
            ("ray_1_worker", lambda out: generate_ray(cfg, out, workers=1, progress=False)),
            (f"ray_{args.workers}_workers", lambda out: generate_ray(cfg, out, workers=args.workers, progress=False)),
        ):
            t0 = time.perf_counter()
            manifest = fn(os.path.join(tmp, label))
            wall = time.perf_counter() - t0
            runs[label] = {"wall_s": round(wall, 2), "frames": manifest["frames"],
                           "frames_per_s": round(manifest["frames"] / wall, 2), "manifest": manifest}
    manifests = [r.pop("manifest") for r in runs.values()]
    shards = manifests[0]["shards"]
    report = {
        "episodes": args.episodes,
        "shards": shards,
        "identical_shards": all(m == manifests[0] for m in manifests),
        "runs": runs,
        "ray_overhead_per_shard_s": round((runs["ray_1_worker"]["wall_s"] - runs["in_process"]["wall_s"]) / shards, 2),
        f"processes_over_ray_{args.workers}_workers": round(
            runs[f"processes_{args.workers}_workers"]["frames_per_s"]
            / runs[f"ray_{args.workers}_workers"]["frames_per_s"], 2
        ),
        f"speedup_{args.workers}_workers_over_1": round(
            runs[f"ray_{args.workers}_workers"]["frames_per_s"] / runs["ray_1_worker"]["frames_per_s"], 2
        ),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
