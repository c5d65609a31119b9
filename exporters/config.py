"""Writer configuration."""

from __future__ import annotations

import dataclasses

from ..core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class WriterConfig:
    """How shards are written.

    Attributes:
        format: ``hdf5``, ``lerobot`` or ``both``.
        shard_size: episodes per shard; shard k holds episodes [k*S, (k+1)*S).
        image_compression: HDF5 filter for image datasets: ``gzip`` (deterministic), ``lzf`` or
            ``none``. lzf writes about 40% faster than gzip level 1 but its output bytes vary
            between runs (liblzf leaves its hash table uninitialised), so re-generated shards
            would not be byte-identical; the decoded arrays always are.
        gzip_level: 0-9, used with ``gzip``. Level 1 (default) costs about 3.5 ms per 2x256^2
            frame here, 30% less than level 4, for about 11% more bytes.
        video_codec: LeRobot videos: ``libsvtav1`` (AV1) or ``libx264`` (H.264).
        video_crf: constant rate factor (lower = better quality, larger files).
        video_gop: keyframe interval [frames]; short GOPs decode random frames faster.
        video_preset: encoder speed preset (SVT-AV1 0-13, higher = faster). 10 (default) encodes
            a 2x256^2 frame in about 3.4 ms, 11% of episode time, for 2.2 KB at 37.9 dB PSNR;
            8 takes 6.7 ms (20%) for 2.0 KB at 38.3 dB (benchmarks/video.py).
        video_pix_fmt: ``yuv420p``; ``yuv444p`` with libx264 keeps full colour resolution.
        action: what the ``action`` key holds: ``ee_delta`` (default; EE delta position [m] +
            axis-angle [rad] + gripper, (T, 7)) or ``joint`` (absolute joint targets [rad] + gripper,
            (T, n_arm+1)). The other definition is written under its own key, ``action.joint`` or
            ``action.ee_delta`` (exporters/actions.py).
        data_files_size_in_mb: LeRobot finalize packs consecutive shards' frames into data
            files of up to about this size [MB] (LeRobot v3 default 100).
        video_files_size_in_mb: and their videos, remuxed without re-encoding, into files of up
            to about this size [MB] (LeRobot v3 default 200).
    """

    format: str = "hdf5"
    shard_size: int = 10
    image_compression: str = "gzip"
    gzip_level: int = 1
    video_codec: str = "libsvtav1"
    video_crf: int = 20
    video_gop: int = 10
    video_preset: int = 10
    video_pix_fmt: str = "yuv420p"
    action: str = "ee_delta"
    data_files_size_in_mb: float = 100.0
    video_files_size_in_mb: float = 200.0

    def __post_init__(self):
        if self.format not in ("hdf5", "lerobot", "both"):
            raise ConfigError("writer.format", f"'{self.format}' is not one of hdf5, lerobot, both")
        if self.shard_size < 1:
            raise ConfigError("writer.shard_size", "must be >= 1")
        if self.image_compression not in ("gzip", "lzf", "none"):
            raise ConfigError("writer.image_compression", f"'{self.image_compression}' is not one of gzip, lzf, none")
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
        if self.action not in ("ee_delta", "joint"):
            raise ConfigError("writer.action", f"'{self.action}' is not one of ee_delta, joint")
        if self.data_files_size_in_mb <= 0 or self.video_files_size_in_mb <= 0:
            raise ConfigError("writer.data_files_size_in_mb", "file size limits must be > 0 [MB]")
        if not 0 <= self.gzip_level <= 9:
            raise ConfigError("writer.gzip_level", "must be in 0..9")
