"""Held-out target categories and objects (``eval.holdout_fraction``), a pure function of the catalog and run seed.

The rule, recorded in a dataset's ``splits.json``:
1. Categories that have a target-eligible object (not ``distractor_only``) are ranked by
   sha256("<run_seed>:category:<name>"); the first round(f * n) of them, at least one when
   f > 0 and there are two or more, at most n - 1, are held out.
2. Among the remaining categories that hold two or more target-eligible objects, their objects
   are ranked by sha256("<run_seed>:object:<asset_id>"); the first round(f * m), at least one,
   are held out (their category stays seen through its other objects).

Generation never records an episode whose final target is held out; the environment's
``unseen_categories`` / ``unseen_objects`` splits draw exactly those episodes.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter

from ..assets.catalog import AssetCatalog

RULE = "sha256 rank of '<run_seed>:category:<name>' / '<run_seed>:object:<asset_id>', round(f*n), >= 1 when f > 0"


def _rank(run_seed: int, kind: str, names) -> list[str]:
    return sorted(names, key=lambda n: hashlib.sha256(f"{run_seed}:{kind}:{n}".encode()).hexdigest())


def _count(fraction: float, n: int) -> int:
    if fraction <= 0 or n < 2:
        return 0
    return min(n - 1, max(1, round(fraction * n)))


@dataclasses.dataclass(frozen=True)
class Holdout:
    """What a run keeps out of its data as targets.

    categories / objects: held-out category names and asset ids; train_categories /
    train_objects: target-eligible categories and objects a dataset may show as targets.
    """

    run_seed: int
    fraction: float
    categories: frozenset[str]
    objects: frozenset[str]
    train_categories: frozenset[str]
    train_objects: frozenset[str]

    def held_out(self, asset_id: str, category: str) -> bool:
        """True when a target of this object and category is kept out of the dataset."""
        return category in self.categories or asset_id in self.objects

    def to_json(self) -> dict:
        """The ``splits.json`` record (sorted lists)."""
        return {
            "run_seed": self.run_seed,
            "holdout_fraction": self.fraction,
            "rule": RULE,
            "held_out": {"categories": sorted(self.categories), "objects": sorted(self.objects)},
            "train": {"categories": sorted(self.train_categories), "objects": sorted(self.train_objects)},
        }

    @classmethod
    def from_json(cls, d: dict) -> Holdout:
        return cls(int(d["run_seed"]), float(d["holdout_fraction"]), frozenset(d["held_out"]["categories"]),
                   frozenset(d["held_out"]["objects"]), frozenset(d["train"]["categories"]),
                   frozenset(d["train"]["objects"]))


def holdout(catalog: AssetCatalog, run_seed: int, fraction: float) -> Holdout:
    """The held-out categories and objects of ``catalog`` for ``run_seed`` (module docstring's rule)."""
    eligible = [o for o in catalog.objects if not o.distractor_only]
    cats = sorted({o.category for o in eligible})
    held_cats = set(_rank(run_seed, "category", cats)[: _count(fraction, len(cats))])
    per_cat = Counter(o.category for o in eligible)
    pool = [o.asset_id for o in eligible if o.category not in held_cats and per_cat[o.category] >= 2]
    held_objs = set(_rank(run_seed, "object", pool)[: _count(fraction, len(pool))])
    train = [o for o in eligible if o.category not in held_cats and o.asset_id not in held_objs]
    return Holdout(run_seed, fraction, frozenset(held_cats), frozenset(held_objs),
                   frozenset(o.category for o in train), frozenset(o.asset_id for o in train))
