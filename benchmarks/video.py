"""Bytes per frame and PSNR of LeRobot video settings, and encoding cost as a share of episode time.

Usage: python benchmarks/video.py [--episodes 6] [--seed 0]

Generates episodes once (recording per-stage time), then encodes both cameras'
frames with each setting, decodes them and compares with the raw renders. A
frame is one time step with both 256x256 views; bytes per frame counts both videos.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("MUJOCO_GL", "egl")

import numpy as np  # noqa: E402

from syngrasp.app.config import load_config  # noqa: E402
from syngrasp.core.episode import image_key  # noqa: E402
from syngrasp.exporters.video import decode_video, encode_video, psnr  # noqa: E402
from syngrasp.generators.episode import STAGES, EpisodeGenerator  # noqa: E402

SETTINGS = [
    ("libsvtav1", 30, 2, 8, "yuv420p"),  # LeRobot's own default (crf 30, keyframe every 2 frames)
    ("libsvtav1", 20, 10, 8, "yuv420p"),
    ("libsvtav1", 20, 10, 10, "yuv420p"),
    ("libsvtav1", 20, 10, 12, "yuv420p"),
    ("libsvtav1", 12, 10, 8, "yuv420p"),
    ("libsvtav1", 20, 60, 8, "yuv420p"),
    ("libx264", 23, 10, 6, "yuv444p"),
    ("libx264", 28, 10, 6, "yuv444p"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--episodes", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    cfg = load_config(None, [], seed=args.seed, episodes=args.episodes)
    gen = EpisodeGenerator(cfg)
    eps, episode_time = [], 0.0
    for i in range(args.episodes):
        r = gen.generate(cfg.seed, i)
        episode_time += sum(r.timings.get(k, 0.0) for k in STAGES)
        if r.episode is not None:
            eps.append(r.episode)
    cams = eps[0].camera_names
    frames = {c: np.concatenate([e.frames[image_key(c)] for e in eps]) for c in cams}
    n = len(frames[cams[0]])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for codec, crf, gop, preset, pix in SETTINGS:
            size, quality, enc_s = 0, [], 0.0
            for c in cams:
                path = os.path.join(tmp, f"{c}.mp4")
                t0 = time.perf_counter()
                encode_video(frames[c], path, 10.0, codec, crf, gop, preset, pix)
                enc_s += time.perf_counter() - t0
                size += os.path.getsize(path)
                dec, _ = decode_video(path)
                quality.append(np.mean([psnr(a, b) for a, b in zip(dec, frames[c])]))
            rows.append(
                {
                    "codec": codec,
                    "crf": crf,
                    "gop": gop,
                    "preset": preset,
                    "pix_fmt": pix,
                    "bytes_per_frame": round(size / n),
                    "psnr_db_per_camera": [round(q, 2) for q in quality],
                    "psnr_db_mean": round(float(np.mean(quality)), 2),
                    "encode_s_per_frame": round(enc_s / n, 4),
                    "encode_share_of_episode_time": round(enc_s / (episode_time + enc_s), 3),
                }
            )
    raw = sum(frames[c].nbytes for c in cams) / n
    print(json.dumps({"frames": n, "raw_bytes_per_frame": int(raw), "settings": rows}, indent=1))


if __name__ == "__main__":
    main()
