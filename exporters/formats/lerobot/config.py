"""The LeRobot format's config keys (``writer.video_*``, ``writer.data_files_size_in_mb``,
``writer.video_files_size_in_mb``)."""

from __future__ import annotations

import dataclasses

from ....core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class LeRobotConfig:
    """How LeRobot videos are encoded and packed.

    Attributes:
        video_codec: LeRobot videos: ``libsvtav1`` (AV1) or ``libx264`` (H.264).
        video_crf: constant rate factor (lower = better quality, larger files).
        video_gop: keyframe interval [frames]; short GOPs decode random frames faster.
        video_preset: encoder speed preset (SVT-AV1 0-13, higher = faster). 10 (default) encodes
            a 2x256^2 frame in about 3.4 ms, 11% of episode time, for 2.2 KB at 37.9 dB PSNR;
            8 takes 6.7 ms (20%) for 2.0 KB at 38.3 dB (benchmarks/video.py).
        video_pix_fmt: ``yuv420p``; ``yuv444p`` with libx264 keeps full colour resolution.
        data_files_size_in_mb: LeRobot finalize packs consecutive shards' frames into data
            files of up to about this size [MB] (LeRobot v3 default 100).
        video_files_size_in_mb: and their videos, remuxed without re-encoding, into files of up
            to about this size [MB] (LeRobot v3 default 200).
    """

    video_codec: str = "libsvtav1"
    video_crf: int = 20
    video_gop: int = 10
    video_preset: int = 10
    video_pix_fmt: str = "yuv420p"
    data_files_size_in_mb: float = 100.0
    video_files_size_in_mb: float = 200.0

    def __post_init__(self):
        if self.video_codec not in ("libsvtav1", "libx264"):
            raise ConfigError("writer.video_codec", f"'{self.video_codec}' is not one of libsvtav1, libx264")
        if self.video_pix_fmt not in ("yuv420p", "yuv444p"):
            raise ConfigError("writer.video_pix_fmt", f"'{self.video_pix_fmt}' is not one of yuv420p, yuv444p")
        if self.video_codec == "libsvtav1" and self.video_pix_fmt != "yuv420p":
            raise ConfigError("writer.video_pix_fmt", "SVT-AV1 encodes yuv420p only; use writer.video_codec=libx264")
        if not 0 <= self.video_crf <= 63:
            raise ConfigError("writer.video_crf", "must be in 0..63")
        if self.video_gop < 1:
            raise ConfigError("writer.video_gop", "must be >= 1")
        if self.data_files_size_in_mb <= 0 or self.video_files_size_in_mb <= 0:
            raise ConfigError("writer.data_files_size_in_mb", "file size limits must be > 0 [MB]")
