"""After LeRobot's own ``lerobot-edit-dataset --operation.type delete_episodes``, is the new
dataset's ``meta/stats.json`` non-empty and equal to statistics of the frames that remain?

Run with a Python that has lerobot 0.6.x (and its ``lerobot-edit-dataset`` command) installed:

    python scripts/lerobot_edit_check.py DATASET_DIR [EPISODE ...]   # default: delete episode 0

The edited copy goes to a temporary folder. syngrasp is not imported. Prints one line per
low-dimensional feature and exits non-zero on a mismatch.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def main(root: str, episodes: list[int]) -> int:
    out = os.path.join(tempfile.mkdtemp(), "edited")
    cmd = [os.path.join(os.path.dirname(sys.executable), "lerobot-edit-dataset"), "--repo_id", "syngrasp/src",
           "--root", root, "--new_repo_id", "syngrasp/edited", "--new_root", out,
           "--operation.type", "delete_episodes", "--operation.episode_indices", json.dumps(episodes)]
    subprocess.run(cmd, check=True, capture_output=True)
    stats = json.load(open(os.path.join(out, "meta/stats.json")))
    info = json.load(open(os.path.join(out, "meta/info.json")))
    data = pa.concat_tables([pq.read_table(p) for p in sorted(glob.glob(os.path.join(out, "data/*/*.parquet")))])
    print(f"edited: {info['total_episodes']} episodes, {info['total_frames']} frames, {len(stats)} stats keys")
    ok = bool(stats)
    for key, ft in info["features"].items():
        if ft["dtype"] in ("video", "image", "language") or key in ("episode_index", "index", "task_index") or key not in data.column_names:
            continue
        x = np.stack(data[key].to_numpy(zero_copy_only=False)).astype(np.float64).reshape(data.num_rows, -1)
        s = stats.get(key, {})
        good = bool(s) and s["count"][0] == len(x) and all(
            np.allclose(np.ravel(s[name]), f(x), atol=1e-5) for name, f in
            (("mean", lambda a: a.mean(0)), ("std", lambda a: a.std(0)), ("min", lambda a: a.min(0)), ("max", lambda a: a.max(0))))
        print(f"{key}: {'ok' if good else 'MISMATCH'}")
        ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], [int(a) for a in sys.argv[2:]] or [0]))
