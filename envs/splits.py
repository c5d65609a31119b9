"""Which generation episode indices a split's k-th draw may use, and whether a built scene belongs to it.

With a dataset of ``episodes`` indices and held-out targets ``H`` (randomization/holdout.py;
empty when ``eval.holdout_fraction`` was 0):

- ``seen``: the dataset's k-th written episode (mod their count; from its ``shard-*.json``
  records), so the scenes the data shows; a folder without records: index k mod episodes, then
  the next ones (wrapping) until the target is not in H; with episodes = 0 (a config without a
  dataset), index k onwards.
- ``unseen_scenes``: without H, index episodes + k exactly; with H, the first index from
  episodes + BLOCK * k whose target is not in H (new scenes of the dataset's own objects).
- ``unseen_objects``: the first index from episodes + BLOCK * k whose target object is held out
  (its category is seen); ``unseen_categories``: whose target category is held out.

Candidates are screened with ``sample_scene`` alone (no physics); the environment then builds
each and checks the final target (the generator may move the target to another object).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core import layout
from ..core.errors import ConfigError
from ..core.rng import episode_rng
from ..randomization.holdout import Holdout
from ..randomization.scene import sample_scene

SPLITS = ("seen", "unseen_objects", "unseen_categories", "unseen_scenes")
BLOCK = 64  # index stride between the draws of the searched splits: P(no hit in a block) < 1e-4 at 15% hits
MAX_SCAN = 100_000


class SplitPicker:
    """Maps a split's draw k to generation indices; ``gen`` is an EpisodeGenerator, ``world`` its config."""

    def __init__(self, gen, world, split: str, recorded: Holdout | None, written: list[int] | None = None):
        self.gen, self.world, self.split = gen, world, split
        self.written = written or None
        if recorded is not None and recorded.run_seed != world.seed:
            raise ConfigError(layout.SPLITS, f"recorded for run seed {recorded.run_seed}, the config says "
                                              f"{world.seed}; the dataset folder is inconsistent")
        self.holdout = recorded if recorded is not None else gen.holdout(world.seed)
        h = self.holdout
        if split in ("unseen_objects", "unseen_categories"):
            held = h.objects if split == "unseen_objects" else h.categories
            if not held:
                raise ConfigError("split", f"'{split}' needs held-out {split.split('_')[1]}, and this dataset holds "
                                           "none out (eval.holdout_fraction=0 when it was generated, or the catalog "
                                           "is too small); generate with eval.holdout_fraction=0.2, or use split "
                                           "seen / unseen_scenes")

    def accepts(self, target) -> bool:
        """Whether a scene with final target ``target`` (an ObjectSpec) belongs to the split."""
        h = self.holdout
        if self.split == "unseen_objects":
            return target.asset_id in h.objects and target.category not in h.categories
        if self.split == "unseen_categories":
            return target.category in h.categories
        return not h.held_out(target.asset_id, target.category)

    def _screen(self, index: int) -> bool:
        """Cheap check on the sampled (not yet final) target; most scenes keep their sampled target."""
        if not (self.holdout.objects or self.holdout.categories):
            return True
        scene = sample_scene(self.world.scene, self.gen.catalog, self.gen.robot, episode_rng(self.world.seed, index))
        return self.accepts(scene.target)

    def candidates(self, k: int) -> Iterator[int]:
        """Generation indices to try, in order, for draw ``k`` >= 0."""
        if k < 0:
            raise ConfigError("seed",  # not a schema key: argument
                              f"{k} is negative; a split's draws are numbered from 0")
        n = self.world.episodes
        if self.split == "seen" and self.written:
            w = self.written
            order = (w[(k + j) % len(w)] for j in range(len(w)))
        elif self.split == "seen" and n == 0:  # no dataset: index k
            order = iter(range(k, k + MAX_SCAN))
        elif self.split == "seen":
            order = ((k + j) % n for j in range(n))
        elif self.split == "unseen_scenes" and not (self.holdout.objects or self.holdout.categories):
            order = iter((n + k,))
        else:
            order = iter(range(n + BLOCK * k, n + BLOCK * k + MAX_SCAN))
        for index in order:
            if self._screen(index):
                yield index
