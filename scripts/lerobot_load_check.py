"""Load a syngrasp dataset with LeRobot's own ``LeRobotDataset`` and compare it with the HDF5 shards.

Run with a Python that has lerobot (0.6.x) installed; syngrasp itself is not imported,
so the check is independent of the writer's code:

    python scripts/lerobot_load_check.py DATASET_DIR

DATASET_DIR must hold both formats (``writer.format=both``). For a few frames,
every feature LeRobot returns is compared with the HDF5 arrays: RGB by PSNR,
depth (metres, after LeRobot dequantizes its 12-bit video) to within one
quantization step, and low-dimensional, segmentation and point-cloud columns exactly. The
language columns are read as LeRobot reads them: at each checked frame, LeRobot's own
``active_at`` must find the subtask text of the frame's phase (HDF5 ``subtasks``), and the
task_aug rows must be the instruction and its paraphrases (HDF5 ``task_aug``). The declared
``syngrasp/*`` columns of meta/episodes must equal the HDF5 episode attributes.
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
    from lerobot.datasets.language_render import active_at

    meta_eps = ds.meta.episodes
    start = 0
    for e in range(ds.num_episodes):
        with h5py.File(shards[src[e]]) as f:
            g = f[f"data/demo_{src[e]}"]
            T = int(g.attrs["num_samples"])
            if not _episode_columns_match(meta_eps[e], g, e):
                return 1
            for t in (0, T // 2, T - 1):
                item = ds[start + t]
                for key, ft in feats.items():
                    if key in ("timestamp", "frame_index", "episode_index", "index", "task_index"):
                        continue
                    if ft["dtype"] == "language":
                        if key == "language_persistent" and not _language_matches(item, g, t, active_at, e):
                            return 1
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


def _language_matches(item, g, t: int, active_at, e: int) -> bool:
    """The subtask LeRobot's ``active_at`` finds at frame t is the HDF5 subtask of the frame's phase;
    the task_aug rows are the instruction then the HDF5 paraphrases."""
    rows = item["language_persistent"]
    ts = float(item["timestamp"])
    row = active_at(ts, persistent=rows, style="subtask")
    want = json.loads(g.attrs["subtasks"])[int(g["obs"]["annotation.phase"][t])]
    aug = [r["content"] for r in rows if r["style"] == "task_aug"]
    want_aug = [str(g.attrs["instruction"]), *json.loads(g.attrs["task_aug"])]
    ok = row is not None and row["content"] == want and aug == want_aug
    print(f"ep {e} t {t} language_persistent: subtask {row and row['content']!r}, {len(aug)} task_aug rows")
    if not ok:
        print(f"MISMATCH ep {e} t {t} language_persistent: want subtask {want!r}, task_aug {want_aug}")
    return ok


def _episode_columns_match(row: dict, g, e: int) -> bool:
    """meta/episodes ``syngrasp/*`` columns (as LeRobot loads them) equal the HDF5 episode attributes."""
    pairs = {"syngrasp/seed": g.attrs["seed"], "syngrasp/source_episode_index": g.attrs["episode_index"],
             "syngrasp/success": g.attrs["success"], "syngrasp/failure_reason": g.attrs["failure_reason"],
             "syngrasp/object_id": g.attrs["object_id"], "syngrasp/object_category": g.attrs["object_category"],
             "syngrasp/object_scale": g.attrs["object_scale"], "syngrasp/object_mass": g.attrs["object_mass"],
             "syngrasp/object_friction": g.attrs["object_friction"], "syngrasp/grasp_width": g.attrs["grasp_width"],
             "syngrasp/grasp_pose": g["grasp_pose"][()].reshape(-1)}
    for col, ref in pairs.items():
        got = row[col]
        same = got == ref if isinstance(got, str) else np.allclose(np.asarray(got, float), np.asarray(ref, float))
        if not same:
            print(f"MISMATCH ep {e} meta/episodes {col}: {got!r} vs HDF5 {ref!r}")
            return False
    print(f"ep {e} meta/episodes: {len(pairs)} syngrasp/* columns equal the HDF5 attributes")
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
