"""How the optional observations are stored in a LeRobot v3.0 dataset.

Depth follows what LeRobot 0.6 reads (``lerobot.datasets.depth_utils``): each
camera's depth is a single-channel 12-bit video (HEVC, ``gray12le``, x265
lossless) of log-quantized codes,

    code = rint(4095 * (ln(z + shift) - ln(z_min + shift)) / (ln(z_max + shift) - ln(z_min + shift)))

with z clipped to [z_min, z_max] [m]; the feature's ``info`` carries
``is_depth_map`` and ``video.depth_min/depth_max/shift/use_log`` so that
``LeRobotDataset`` dequantizes frames on load. With z_min = 0.01 m,
z_max = 4 m and shift = 0, one code step is z * ln(400) / 4095 = 0.146% of
the depth: 0.15 mm at 0.1 m, 1.5 mm at 1 m, 5.9 mm at 4 m (rounding error is
half of that). Farther pixels (sky, far walls) read 4 m.

Segmentation is an int32 (H, W) column, the point cloud a float32 (N, 6)
column, moving-camera extrinsics a float32 (16,) row-major column and the
phase an int64 column, all in ``data/``.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

from ..core import schema
from .video import decode_frames

DEPTH_MIN = 0.01  # m, code 0
DEPTH_MAX = 4.0  # m, code 4095
DEPTH_SHIFT = 0.0  # m, added before the log
DEPTH_QMAX = 4095
# key prefixes of the per-camera observations (declared in core/schema)
DEPTH_PREFIX = schema.spec(schema.DEPTH).prefix
SEGMENTATION_PREFIX = schema.spec(schema.SEGMENTATION).prefix
EXTRINSICS_PREFIX = schema.spec(schema.EXTRINSICS).prefix


def quantize_depth(z: np.ndarray) -> np.ndarray:
    """uint16 12-bit codes (same shape) of z-depth ``z`` [m] (see the module docstring)."""
    lo, hi = np.log(DEPTH_MIN + DEPTH_SHIFT), np.log(DEPTH_MAX + DEPTH_SHIFT)
    zc = np.clip(np.asarray(z, np.float64), DEPTH_MIN, DEPTH_MAX)
    return np.rint((np.log(zc + DEPTH_SHIFT) - lo) / (hi - lo) * DEPTH_QMAX).astype(np.uint16)


def dequantize_depth(codes: np.ndarray) -> np.ndarray:
    """float32 depth [m] of 12-bit ``codes`` (inverse of ``quantize_depth`` up to rounding)."""
    lo, hi = np.log(DEPTH_MIN + DEPTH_SHIFT), np.log(DEPTH_MAX + DEPTH_SHIFT)
    return (np.exp(lo + codes.astype(np.float64) * (hi - lo) / DEPTH_QMAX) - DEPTH_SHIFT).astype(np.float32)


def encode_depth_video(depth: np.ndarray, path: str, fps: float, gop: int) -> None:
    """Encode (N, H, W) depth [m] as a lossless 12-bit HEVC MP4 of codes; frame i has pts i/fps [s]."""
    rate = int(round(fps))
    with av.open(path, "w", format="mp4") as out:
        # no B-frames and closed GOPs: LeRobot seeks to the keyframe before a timestamp and decodes forward
        params = "lossless=1:bframes=0:open-gop=0:log-level=error"
        stream = out.add_stream("libx265", rate=rate, options={"x265-params": params, "g": str(gop)})
        stream.pix_fmt = "gray12le"
        stream.height, stream.width = depth.shape[1], depth.shape[2]
        for i, z in enumerate(depth):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(quantize_depth(z)), format="gray12le")
            frame.pts, frame.time_base = i, Fraction(1, rate)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def decode_depth_video(path: str) -> tuple[np.ndarray, np.ndarray]:
    """(N, H, W) uint16 codes and (N,) timestamps [s] of a depth video."""
    frames, times = decode_frames(path, "gray12le")
    return np.stack(frames), times


def depth_histogram(depth: np.ndarray) -> list[int]:
    """Counts (4096,) of the 12-bit codes of ``depth`` [m]: exact stats after merging shards."""
    return np.bincount(quantize_depth(depth).reshape(-1), minlength=DEPTH_QMAX + 1).tolist()


def depth_stats(hist: np.ndarray, frames: int, quantiles: tuple[float, ...]) -> dict:
    """Stats [m] of the depth values LeRobot decodes, from a code histogram; shaped (1, 1, 1)."""
    v = dequantize_depth(np.arange(DEPTH_QMAX + 1)).astype(np.float64)
    n = float(hist.sum())
    mean = float((hist * v).sum() / n)
    std = float(np.sqrt((hist * (v - mean) ** 2).sum() / n))
    cdf = np.cumsum(hist) / n
    nz = np.flatnonzero(hist)
    out = {"min": [[[float(v[nz[0]])]]], "max": [[[float(v[nz[-1]])]]], "mean": [[[mean]]], "std": [[[std]]],
           "count": [int(frames)]}
    for q in quantiles:
        out[f"q{int(round(q * 100)):02d}"] = [[[float(v[int(np.searchsorted(cdf, q))])]]]
    return out


def depth_video_info(h: int, w: int, fps) -> dict:
    """The ``info`` of a depth video feature, as LeRobot 0.6 writes and reads it."""
    return {
        "video.height": h,
        "video.width": w,
        "video.codec": "hevc",
        "video.pix_fmt": "gray12le",
        "video.fps": int(round(fps)) if fps else 10,
        "video.channels": 1,
        "video.depth_min": DEPTH_MIN,
        "video.depth_max": DEPTH_MAX,
        "video.shift": DEPTH_SHIFT,
        "video.use_log": True,
        "is_depth_map": True,
        "depth_unit": "m",
        "has_audio": False,
    }


def nested_column(arr: np.ndarray):
    """(T, A, B) array -> Arrow fixed_size_list<fixed_size_list<B>, A> column (HF datasets' Array2D reads it)."""
    import pyarrow as pa

    arr = np.ascontiguousarray(arr)
    inner = pa.FixedSizeListArray.from_arrays(pa.array(arr.reshape(-1)), arr.shape[2])
    return pa.FixedSizeListArray.from_arrays(inner, arr.shape[1])


def nested_to_numpy(col) -> np.ndarray:
    """Inverse of ``nested_column`` for any depth of fixed-size lists: (T, ...) numpy array."""
    import pyarrow as pa

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    shape = [len(col)]
    while pa.types.is_fixed_size_list(col.type):
        shape.append(col.type.list_size)
        col = col.flatten()
    return np.asarray(col).reshape(shape)
