"""Feature statistics in LeRobot's layout, per episode (the shard writer) and merged over shards (finalize).

LeRobot stores, for every feature, min, max, mean, std (population), count and the
q01/q10/q50/q90/q99 quantiles: per episode in the ``stats/<feature>/<stat>`` columns of
meta/episodes (its edit tools, ``lerobot-edit-dataset``, rebuild ``meta/stats.json`` from these
columns alone), and over the dataset in ``meta/stats.json``. Shapes follow LeRobot:

    vector feature (D,)   every stat (D,), count (1,)
    scalar column         every stat (1,), count (1,)
    image / video         per channel in [0, 1]: every stat (3, 1, 1), count (1,) = frames

Images are summarised by (3, 256) histograms of their uint8 values, exact and mergeable
(``pixel_histogram``, ``image_stats``). Other features merge per shard through ``Moments``: count,
mean and M2 (Chan et al.), min, max, and a histogram of every value over the 65,536 bfloat16 bins
(relative resolution 2^-8), from which merged quantiles are read (bin centres).
"""

from __future__ import annotations

import numpy as np

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
STATS = ("min", "max", "mean", "std", "count") + tuple(f"q{int(round(q * 100)):02d}" for q in QUANTILES)
QUANTILE_NAMES = STATS[5:]


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
    for q, name in zip(QUANTILES, QUANTILE_NAMES):
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
    for q, name in zip(QUANTILES, QUANTILE_NAMES):
        out[name] = np.array([v[int(np.searchsorted(row, q))] for row in cdf])
    out = {k: a.reshape(3, 1, 1) for k, a in out.items()}
    out["count"] = np.array([int(frames)], np.int64)
    return out


def stats_columns(feature: str, stats: dict[str, np.ndarray]) -> dict[str, list]:
    """``{"stats/<feature>/<stat>": nested list}``, one episode's cells (LeRobot's flattened names)."""
    return {f"stats/{feature}/{name}": stats[name].tolist() for name in STATS}


def as_lists(stats: dict[str, np.ndarray]) -> dict[str, list]:
    """Stats as nested lists in STATS order (``meta/stats.json``)."""
    return {name: stats[name].tolist() for name in STATS}


def bf16_key(x: np.ndarray) -> np.ndarray:
    """Order-preserving 16-bit bin of each float (its bfloat16 truncation); NaNs are dropped by callers."""
    bits = (np.ascontiguousarray(x, np.float32).view(np.uint32) >> 16).astype(np.uint32)
    neg = (bits & 0x8000) != 0
    return np.where(neg, 0xFFFF - bits, bits | 0x8000).astype(np.int64)


def bf16_centre(key: np.ndarray) -> np.ndarray:
    """Value at the centre of bins ``key`` (inverse of bf16_key, plus half a bin)."""
    key = np.asarray(key, np.int64)
    bits = np.where(key >= 0x8000, key & 0x7FFF, 0xFFFF - key).astype(np.uint32)
    return ((bits << 16) | 0x8000).view(np.float32).astype(np.float64)


class Moments:
    """Per-dimension count, mean, M2, min, max and bfloat16 histogram of (N, D) values, mergeable."""

    def __init__(self, dim: int):
        self.n = 0
        self.mean = np.zeros(dim)
        self.m2 = np.zeros(dim)
        self.min = np.full(dim, np.inf)
        self.max = np.full(dim, -np.inf)
        self.hist = np.zeros((dim, 1 << 16), np.int64)

    def add(self, x: np.ndarray) -> None:
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        if not len(x):
            return
        n2, mean2 = len(x), x.mean(0)
        m2 = ((x - mean2) ** 2).sum(0)
        n = self.n + n2
        delta = mean2 - self.mean
        self.mean = self.mean + delta * n2 / n
        self.m2 = self.m2 + m2 + delta**2 * self.n * n2 / n
        self.n = n
        self.min = np.minimum(self.min, x.min(0))
        self.max = np.maximum(self.max, x.max(0))
        keys = bf16_key(x.astype(np.float32)) + (np.arange(x.shape[1]) << 16)
        idx, counts = np.unique(keys.reshape(-1), return_counts=True)
        self.hist.reshape(-1)[idx] += counts

    def merge(self, other: "Moments") -> "Moments":
        """A new Moments of both value sets."""
        out = Moments(len(self.mean))
        n = self.n + other.n
        if n == 0:
            return out
        delta = other.mean - self.mean
        out.n, out.mean = n, self.mean + delta * other.n / n
        out.m2 = self.m2 + other.m2 + delta**2 * self.n * other.n / n
        out.min, out.max = np.minimum(self.min, other.min), np.maximum(self.max, other.max)
        out.hist = self.hist + other.hist
        return out

    def stats(self) -> dict:
        """``meta/stats.json`` entry (lists), {} when empty; quantiles from the histogram, clipped to [min, max]."""
        if not self.n:
            return {}
        out = {"min": self.min.tolist(), "max": self.max.tolist(), "mean": self.mean.tolist(),
               "std": np.sqrt(self.m2 / self.n).tolist(), "count": [int(self.n)]}
        cdf = np.cumsum(self.hist, 1)
        for q, name in zip(QUANTILES, QUANTILE_NAMES):
            keys = [int(np.searchsorted(row, q * self.n)) for row in cdf]
            out[name] = np.clip(bf16_centre(np.asarray(keys)), self.min, self.max).tolist()
        return out

    def to_arrays(self, name: str) -> dict:
        return {f"{name}|n": np.asarray([self.n]), f"{name}|mean": self.mean, f"{name}|m2": self.m2,
                f"{name}|min": self.min, f"{name}|max": self.max, f"{name}|hist": self.hist}

    @classmethod
    def from_arrays(cls, name: str, arrs) -> "Moments":
        m = cls(len(arrs[f"{name}|mean"]))
        m.n = int(arrs[f"{name}|n"][0])
        m.mean, m.m2 = arrs[f"{name}|mean"], arrs[f"{name}|m2"]
        m.min, m.max, m.hist = arrs[f"{name}|min"], arrs[f"{name}|max"], arrs[f"{name}|hist"].astype(np.int64)
        return m


def add_counts(into: dict[str, list], key: str, counts, frames: int) -> None:
    """Add a histogram / per-id pixel counts (any length; shorter ones are zero-padded) and a frame count
    to ``into[key] = [counts, frames]``."""
    counts = np.asarray(counts, np.int64)
    cur = into.setdefault(key, [np.zeros_like(counts), 0])
    if cur[0].shape != counts.shape:
        width = max(cur[0].shape[-1], counts.shape[-1])

        def pad(a):
            return np.pad(a, [(0, 0)] * (a.ndim - 1) + [(0, width - a.shape[-1])])

        cur[0], counts = pad(cur[0]), pad(counts)
    cur[0] = cur[0] + counts
    cur[1] += int(frames)
