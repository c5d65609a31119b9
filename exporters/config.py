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
        image_compression: HDF5 filter for image datasets: ``gzip``, ``lzf`` or ``none``.
        gzip_level: 0-9, used with ``gzip``.
    """

    format: str = "hdf5"
    shard_size: int = 10
    image_compression: str = "gzip"
    gzip_level: int = 4

    def __post_init__(self):
        if self.format not in ("hdf5", "lerobot", "both"):
            raise ConfigError("writer.format", f"'{self.format}' is not one of hdf5, lerobot, both")
        if self.shard_size < 1:
            raise ConfigError("writer.shard_size", "must be >= 1")
        if self.image_compression not in ("gzip", "lzf", "none"):
            raise ConfigError("writer.image_compression", f"'{self.image_compression}' is not one of gzip, lzf, none")
        if not 0 <= self.gzip_level <= 9:
            raise ConfigError("writer.gzip_level", "must be in 0..9")
