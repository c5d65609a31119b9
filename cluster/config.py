"""Cluster scheduling configuration (does not change the data an episode produces)."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from ..core.errors import ConfigError
from ..exporters.config import WriterConfig
from ..generators.config import GenerationConfig


@dataclasses.dataclass(frozen=True)
class ClusterConfig:
    """How shards are scheduled: executor, resources and retries of the task that generates one.

    Attributes:
        executor: ``processes`` (a local pool of worker processes, starts in about a second),
            ``ray`` (local Ray, or the cluster given by ``--address``), or ``auto``: Ray when
            ``--address`` is given or ``--out`` is a bucket, else processes.
        num_cpus: CPUs reserved per shard task.
        num_gpus: GPUs reserved per shard task (set > 0 when MuJoCo renders through EGL on a GPU).
        max_retries: re-runs of a shard task whose worker process died.
        object_store_mb: object store size of a local Ray instance [MiB] (shards go to disk, not the store).
        max_in_flight: shard tasks submitted and not yet finished, at most; 0 (default) means two
            per worker slot. The driver submits more as tasks finish, so its memory does not grow
            with the number of shards.
        max_error_share: the run exits non-zero when more than this share of attempted episodes
            raised an error (``error:<Type>`` failures); it finishes every shard and writes the
            manifest either way.
        log_interval_s: seconds between progress lines when stderr is not a terminal [s].
        worker_max_shards: a worker process is replaced by a fresh one after this many shards
            (0: never). This bounds what a worker's renderer keeps: MuJoCo 4.0's Filament
            engine does not give back about 12 MB per compiled scene (README "Render engines"),
            and a fresh worker costs a few seconds of start-up (imports, catalog, shaders).
    """

    executor: str = "auto"
    num_cpus: float = 1.0
    num_gpus: float = 0.0
    max_retries: int = 3
    object_store_mb: int = 256
    max_in_flight: int = 0
    max_error_share: float = 0.01
    log_interval_s: float = 30.0
    worker_max_shards: int = 8

    def __post_init__(self):
        if self.executor not in ("auto", "processes", "ray"):
            raise ConfigError("cluster.executor", f"'{self.executor}' is not one of auto, processes, ray")
        if self.num_cpus <= 0:
            raise ConfigError("cluster.num_cpus", "must be > 0")
        if self.num_gpus < 0:
            raise ConfigError("cluster.num_gpus", "must be >= 0")
        if self.max_retries < 0:
            raise ConfigError("cluster.max_retries", "must be >= 0")
        if self.max_in_flight < 0:
            raise ConfigError("cluster.max_in_flight", "must be >= 0 (0: two per worker slot)")
        if not 0.0 <= self.max_error_share <= 1.0:
            raise ConfigError("cluster.max_error_share", "must be in [0, 1]")
        if self.worker_max_shards < 0:
            raise ConfigError("cluster.worker_max_shards", "must be >= 0 (0: workers are never replaced)")
        if self.log_interval_s <= 0:
            raise ConfigError("cluster.log_interval_s", "must be > 0")
        if self.object_store_mb < 75:
            raise ConfigError("cluster.object_store_mb", "Ray needs at least 75 MiB")


class RunSettings(GenerationConfig, Protocol):
    """What the drivers read of a run's config; the app's ``RunConfig`` satisfies it.

    The app passes its config object in; the cluster never imports the app layer, and a
    worker receives the object itself (pickled), not a dict to rebuild it from.
    """

    @property
    def seed(self) -> int: ...

    @property
    def episodes(self) -> int: ...

    @property
    def writer(self) -> WriterConfig: ...

    @property
    def cluster(self) -> ClusterConfig: ...

    def to_dict(self) -> dict[str, Any]:
        """The whole tree as plain data (stored with every shard)."""

    def data_dict(self) -> dict[str, Any]:
        """The keys that determine the episodes written (everything but ``cluster``)."""
