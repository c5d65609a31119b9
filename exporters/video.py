"""MP4 encoding and decoding with PyAV (FFmpeg libraries bundled in the ``av`` wheel)."""

from __future__ import annotations

import os

os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1 prints only errors (it writes to stderr itself)

import av  # noqa: E402
import numpy as np  # noqa: E402

# FFmpeg encoder name -> codec name as LeRobot's info.json reports it
CODEC_NAMES = {"libsvtav1": "av1", "libx264": "h264"}


def encode_video(
    frames: np.ndarray, path: str, fps: float, codec: str, crf: int, gop: int, preset: int | None, pix_fmt: str
) -> None:
    """Encode (N, H, W, 3) uint8 RGB frames to an MP4 at ``path``; frame i has pts i/fps [s]."""
    opts = {"crf": str(crf), "g": str(gop)}
    if codec == "libsvtav1":
        opts["preset"] = str(preset if preset is not None else 8)
        opts["svtav1-params"] = "lp=1"  # one thread: the caller parallelises across shards
    elif preset is not None:
        opts["preset"] = {0: "veryslow", 4: "slow", 6: "medium", 8: "fast", 10: "veryfast"}.get(preset, "medium")
    with av.open(path, "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=int(round(fps)), options=opts)
        stream.pix_fmt = pix_fmt
        stream.height, stream.width = frames.shape[1], frames.shape[2]
        for img in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def decode_frames(path: str, fmt: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Every frame of the first video stream as an array in pixel format ``fmt``, and the
    timestamps (N,) [s]."""
    frames, times = [], []
    with av.open(path) as inp:
        stream = inp.streams.video[0]
        for frame in inp.decode(stream):
            frames.append(frame.to_ndarray(format=fmt))
            times.append(float(frame.pts * stream.time_base))
    return frames, np.asarray(times)


def decode_video(path: str) -> tuple[np.ndarray, np.ndarray]:
    """All frames (N, H, W, 3) uint8 RGB and their timestamps (N,) [s]."""
    frames, times = decode_frames(path, "rgb24")
    if not frames:
        return np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0)
    return np.stack(frames), times


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio [dB] of uint8 images."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)
