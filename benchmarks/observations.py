"""Cost of each optional observation: frames/s and bytes per frame, in both formats.

Usage: python benchmarks/observations.py [--episodes 2] [--seed 7] [key=value ...]

After one unmeasured warm-up run, generates the same episode indices once per configuration (in this process, one
render thread, both writers): RGB only, then each option alone (depth,
segmentation, wrist camera, 1,024-point cloud), then all of them. Prints per
configuration the end-to-end frames/s and its ratio to RGB only, the render +
labels and write time per frame (the stages the options change) and its ratio, and per
episode key the stored bytes per frame: HDF5 (gzip level 1 dataset storage)
and LeRobot (video file bytes, or the column's compressed parquet bytes).
Keep runs small: timings on a shared machine are noisy, compare ratios.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import tempfile
import time

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("LP_NUM_THREADS", "1")

import h5py  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from syngrasp.cluster.local import generate_local  # noqa: E402
from syngrasp.app.config import load_config  # noqa: E402

OPTIONS = {
    "rgb": [],
    "depth": ["observations.depth=true"],
    "segmentation": ["observations.segmentation=true"],
    "wrist": ["observations.wrist_camera=true"],
    "point_cloud_1024": ["observations.point_cloud=1024"],
    "all": ["observations.depth=true", "observations.segmentation=true", "observations.wrist_camera=true",
            "observations.point_cloud=1024"],
}


def key_bytes(out: str) -> tuple[dict[str, int], dict[str, int], int]:
    """Stored bytes per episode key in HDF5 and LeRobot, and the frame count."""
    h5: dict[str, int] = collections.Counter()
    frames = 0
    for path in glob.glob(os.path.join(out, "shard-*.hdf5")):
        with h5py.File(path) as f:
            for demo in f["data"].values():
                frames += int(demo.attrs["num_samples"])
                for k, ds in demo["obs"].items():
                    h5[k] += ds.id.get_storage_size()
                h5["action"] += demo["actions"].id.get_storage_size()
                h5["action.joint"] += demo["actions_joint"].id.get_storage_size()
    lr: dict[str, int] = collections.Counter()
    for path in glob.glob(os.path.join(out, "videos/*/chunk-*/*.mp4")):
        lr[path.split(os.sep)[-3]] += os.path.getsize(path)
    for path in glob.glob(os.path.join(out, "data/chunk-*/*.parquet")):
        md = pq.ParquetFile(path).metadata
        for rg in range(md.num_row_groups):
            for c in range(md.num_columns):
                col = md.row_group(rg).column(c)
                lr[col.path_in_schema.split(".list.")[0].replace(".list", "").replace(".element", "")] += (
                    col.total_compressed_size
                )
    return dict(h5), dict(lr), frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    report = {}
    # warm-up: catalog, GL context and mesh caches are built once per process; not measured
    for name, extra in [("warm-up", OPTIONS["all"])] + list(OPTIONS.items()):
        cfg = load_config(None, ["writer.format=both", *args.overrides, *extra], seed=args.seed, episodes=args.episodes)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "ds")
            t0 = time.perf_counter()
            manifest = generate_local(cfg, out, progress=False)
            wall = time.perf_counter() - t0
            h5, lr, frames = key_bytes(out)
            stages: dict[str, float] = collections.Counter()
            for s in manifest["shards"]:
                with open(os.path.join(out, s["record"])) as f:
                    stages.update(json.load(f)["timings"])
        fps = manifest["frames"] / wall if wall else 0.0
        n = max(frames, 1)
        report[name] = {
            "frames": frames,
            "frames_per_s": round(fps, 2),
            # the stages the options change: rendering and labelling, and writing both formats
            "render_labels_ms_per_frame": round(1000 * (stages["render"] + stages["labels"]) / n, 2),
            "write_ms_per_frame": round(1000 * stages["write"] / n, 2),
            "hdf5_bytes_per_frame": {k: round(v / max(frames, 1)) for k, v in sorted(h5.items())},
            "lerobot_bytes_per_frame": {k: round(v / max(frames, 1)) for k, v in sorted(lr.items())},
        }
        print(name, json.dumps({k: v for k, v in report[name].items() if not k.endswith("bytes_per_frame")}),
              flush=True)
    report.pop("warm-up")
    base = report["rgb"]
    for r in report.values():
        r["fps_ratio_to_rgb"] = round(r["frames_per_s"] / (base["frames_per_s"] or 1.0), 3)
        cost = r["render_labels_ms_per_frame"] + r["write_ms_per_frame"]
        r["render_write_ratio_to_rgb"] = round(cost / (base["render_labels_ms_per_frame"] + base["write_ms_per_frame"]), 3)
        r["hdf5_total_bytes_per_frame"] = sum(r["hdf5_bytes_per_frame"].values())
        r["lerobot_total_bytes_per_frame"] = sum(r["lerobot_bytes_per_frame"].values())
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
