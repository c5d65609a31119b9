"""Load a syngrasp dataset with LeRobot's own ``LeRobotDataset`` and compare it with the HDF5 shards.

Run with a Python that has lerobot (0.6.x) installed; syngrasp itself is not imported,
so the check is independent of the writer's code:

    python scripts/lerobot_load_check.py DATASET_DIR

DATASET_DIR must hold both formats (``writer.format=both``). For a few frames,
every feature LeRobot returns is compared with the HDF5 arrays: RGB by PSNR,
depth (metres, after LeRobot dequantizes its 12-bit video) to within one
quantization step, and low-dimensional, segmentation and point-cloud columns exactly.
Prints one line per check and exits non-zero on the first mismatch.
"""

from __future__ import annotations

import glob
import json
import sys

import h5py
import numpy as np


def main(root: str) -> int:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    ds = LeRobotDataset("syngrasp/check", root=root, depth_output_unit="m")
    print(f"loaded: {ds.num_episodes} episodes, {ds.num_frames} frames, depth keys {ds.meta.depth_keys}")
    import pyarrow as pa
    import pyarrow.parquet as pq

    side = pa.concat_tables([pq.read_table(p) for p in sorted(glob.glob(f"{root}/meta/syngrasp/episodes/*/*.parquet"))])
    src = side.column("source_episode_index").to_pylist()
    shards = {}
    for path in glob.glob(f"{root}/shard-*.hdf5"):
        with h5py.File(path) as f:
            for k in f["data"]:
                shards[int(k.split("_")[1])] = path
    feats = ds.meta.features
    start = 0
    for e in range(ds.num_episodes):
        with h5py.File(shards[src[e]]) as f:
            g = f[f"data/demo_{src[e]}"]
            T = int(g.attrs["num_samples"])
            for t in (0, T // 2, T - 1):
                item = ds[start + t]
                for key, ft in feats.items():
                    if key in ("timestamp", "frame_index", "episode_index", "index", "task_index"):
                        continue
                    ref = g["actions"][t] if key == "action" else g["actions_joint"][t] if key == "action.joint" else g["obs"][key][t]
                    got = item[key].numpy()
                    if key in ds.meta.depth_keys:
                        z = np.clip(ref, 0.01, 4.0)
                        err = np.abs(got.reshape(z.shape) - z) / z
                        ok = err.max() < 0.0008  # half a log step is 0.073%
                        print(f"ep {e} t {t} {key}: max relative depth error {err.max():.5f}")
                    elif ft["dtype"] == "video":
                        img = (got.transpose(1, 2, 0) * 255.0).round()
                        mse = float(np.mean((img - ref.astype(np.float64)) ** 2))
                        psnr = 10 * np.log10(255.0**2 / max(mse, 1e-9))
                        ok = psnr > 25
                        print(f"ep {e} t {t} {key}: PSNR {psnr:.1f} dB")
                    else:
                        ok = np.allclose(got.reshape(-1), np.asarray(ref, np.float64).reshape(-1), atol=1e-6)
                    if not ok:
                        print(f"MISMATCH ep {e} t {t} {key}")
                        return 1
            start += T
    print("stats keys:", sorted(k for k in ds.meta.stats if "depth" in k or "point" in k))
    print(json.dumps({"episodes": ds.num_episodes, "frames": ds.num_frames, "ok": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
