"""Per-episode feature statistics in LeRobot's layout (the ``stats/<feature>/<stat>`` columns of meta/episodes).

LeRobot's own writer stores, for every feature of every episode, min, max,
mean, std (population), count and the q01/q10/q50/q90/q99 quantiles. Its edit
tools (``lerobot-edit-dataset``: delete_episodes, split, merge) rebuild
``meta/stats.json`` from these columns alone, so a dataset without them loses
its statistics when edited. Shapes follow LeRobot:

    vector feature (D,)   every stat (D,), count (1,)
    scalar column         every stat (1,), count (1,)
    image / video         per channel in [0, 1]: every stat (3, 1, 1), count (1,) = frames
"""

from __future__ import annotations

import numpy as np

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
STATS = ("min", "max", "mean", "std", "count") + tuple(f"q{int(round(q * 100)):02d}" for q in QUANTILES)


def vector_stats(x: np.ndarray) -> dict[str, np.ndarray]:
    """Stats over axis 0 of (N, D) values (N >= 1), computed in float64; each (D,), count (1,)."""
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    out = {
        "min": x.min(0),
        "max": x.max(0),
        "mean": x.mean(0),
        "std": x.std(0),
        "count": np.array([len(x)], np.int64),
    }
    for q, name in zip(QUANTILES, STATS[5:]):
        out[name] = np.quantile(x, q, axis=0)
    return out


def pixel_histogram(images: np.ndarray) -> np.ndarray:
    """(3, 256) int64 counts of each channel's values over uint8 (T, H, W, 3) frames."""
    return np.stack([np.bincount(images[..., c].reshape(-1), minlength=256) for c in range(3)]).astype(np.int64)


def image_stats(hist: np.ndarray, frames: int) -> dict[str, np.ndarray]:
    """Per-channel stats of pixel values scaled to [0, 1] from a (3, 256) histogram: each (3, 1, 1);
    count (1,) = ``frames``. Exact, the same as over the pixels themselves (quantiles: the lowest
    value whose cumulative share reaches q)."""
    v = np.arange(256) / 255.0
    hist = np.asarray(hist, np.float64)
    n = hist.sum(1)
    mean = (hist * v).sum(1) / n
    std = np.sqrt((hist * (v - mean[:, None]) ** 2).sum(1) / n)
    cdf = np.cumsum(hist, 1) / n[:, None]
    nz = hist > 0
    out = {
        "min": np.array([v[np.argmax(row)] for row in nz]),
        "max": np.array([v[255 - np.argmax(row[::-1])] for row in nz]),
        "mean": mean,
        "std": std,
    }
    for q, name in zip(QUANTILES, STATS[5:]):
        out[name] = np.array([v[int(np.searchsorted(row, q))] for row in cdf])
    out = {k: a.reshape(3, 1, 1) for k, a in out.items()}
    out["count"] = np.array([int(frames)], np.int64)
    return out


def stats_columns(feature: str, stats: dict[str, np.ndarray]) -> dict[str, list]:
    """``{"stats/<feature>/<stat>": nested list}``, one episode's cells (LeRobot's flattened names)."""
    return {f"stats/{feature}/{name}": stats[name].tolist() for name in STATS}
