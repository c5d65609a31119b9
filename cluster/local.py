"""In-process executor: shards run one after another in this process (``syngrasp generate --workers 0``)."""

from __future__ import annotations

import collections

from .config import RunSettings
from .destination import Destination
from .driver import run
from .progress import Progress
from .shards import Shard, run_shard


class InProcessExecutor:
    """Runs each submitted shard in this process when polled, one at a time."""

    slots = 1

    def __init__(self, cfg: RunSettings, dest: Destination, progress: Progress):
        from ..generators.episode import EpisodeGenerator  # the simulator stack, only once a shard is to run

        self.cfg, self.dest, self.progress = cfg, dest, progress
        self.gen = EpisodeGenerator(cfg)
        self.queue: collections.deque[Shard] = collections.deque()

    def submit(self, shard: Shard) -> None:
        self.queue.append(shard)

    def _on_episode(self, res) -> None:
        self.progress.episode(res.episode.num_frames if res.episode else 0, res.success,
                              res.failure_reason.startswith("error:"))
        self.progress.show()

    def poll(self, timeout_s: float) -> list[tuple[Shard, dict | None]]:
        if not self.queue:
            return []
        shard = self.queue.popleft()
        rec = run_shard(self.cfg, self.dest.staging, shard, self.gen, self._on_episode)
        self.dest.publish(rec)
        return [(shard, rec)]

    def close(self) -> None:
        self.queue.clear()


def generate_local(cfg: RunSettings, out_dir: str, progress: bool = True, verify: bool = False) -> dict:
    """Generate (or resume) the run in this process; returns the manifest summary."""
    return run(cfg, out_dir, InProcessExecutor, progress=progress, verify=verify)
