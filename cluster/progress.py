"""Run progress: shards, episodes, frames/s, success rate, errors and ETA.

On a terminal it is a redrawn tqdm bar; when stderr is not a terminal (a log
file, a CI job, ``ray submit``) it prints one plain line every ``interval_s``
seconds and a last one at the end, so logs stay readable.
"""

from __future__ import annotations

import sys
import time


def progress_text(episodes: int, total: int, frames: int, successes: int, seconds: float, errors: int = 0) -> str:
    """Episodes done of ``total``, frames/s, success rate, errors and ETA [s]."""
    eta = (total - episodes) * seconds / episodes if episodes else float("nan")
    err = f", {errors} errors" if errors else ""
    return (f"{episodes}/{total} ep, {frames / max(seconds, 1e-9):.1f} frames/s, "
            f"success {successes / max(episodes, 1):.0%}{err}, ETA {eta:.0f}s")


class Progress:
    """Counts shards (of the whole run) and episodes (of this session's work) and shows them."""

    def __init__(self, shards_total: int, shards_done: int, episodes_todo: int, enabled: bool = True,
                 interval_s: float = 30.0, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.shards_total, self.shards = shards_total, shards_done
        self.todo = episodes_todo
        self.episodes = self.frames = self.successes = self.errors = 0
        self.t0 = self.last = time.perf_counter()
        self.interval_s = interval_s
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=shards_total, initial=shards_done, unit="shard", dynamic_ncols=True, file=self.stream)

    def episode(self, frames: int, success: bool, error: bool = False) -> None:
        self.episodes += 1
        self.frames += frames
        self.successes += int(success)
        self.errors += int(error)

    def set_counts(self, episodes: int, frames: int, successes: int, errors: int) -> None:
        self.episodes, self.frames, self.successes, self.errors = episodes, frames, successes, errors

    def shard_done(self) -> None:
        self.shards += 1
        if self.bar is not None:
            self.bar.update(1)

    def text(self) -> str:
        return (f"shards {self.shards}/{self.shards_total}, "
                + progress_text(self.episodes, self.todo, self.frames, self.successes,
                                time.perf_counter() - self.t0, self.errors))

    def show(self, force: bool = False) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(self.text().split(", ", 1)[1])
            return
        now = time.perf_counter()
        if force or now - self.last >= self.interval_s:
            self.last = now
            print(f"syngrasp: {self.text()}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            self.show(force=True)
